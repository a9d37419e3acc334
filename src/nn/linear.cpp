#include "nn/linear.hpp"

#include <cmath>

namespace attn::nn {

linear::linear(std::size_t in, std::size_t out, bool bias_on, generator& gen)
    : fits_(class_name(), parameter_floats(in, out, bias_on)), weight(out, in, /*transposed=*/false), has_bias_(bias_on) {
    // torch.nn.init.kaiming_uniform_(weight, a=math.sqrt(5)), computed in double as Python does.
    const double a = std::sqrt(5.0);
    const double gain = std::sqrt(2.0 / (1.0 + a * a));
    const double bound = std::sqrt(3.0) * (gain / std::sqrt(static_cast<double>(in)));
    weight.fill_rows([&](float* row, std::size_t n) { gen.uniform_(row, n, -bound, bound); });
    register_parameter("weight", weight);
    if (bias_on) {
        bias = tensor_parameter({out}, 0.0f);
        const double bias_bound = in > 0 ? 1.0 / std::sqrt(static_cast<double>(in)) : 0.0;
        gen.uniform_(bias.value.data(), bias.value.size(), -bias_bound, bias_bound);
        register_parameter("bias", bias);
    }
}

}  // namespace attn::nn
