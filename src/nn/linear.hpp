// nn.Linear(in_features, out_features, bias): y = x·Wᵀ + b, W (out, in) kept only in the GEMM's
// packed layout (nn/module.hpp), b (out).
#pragma once

#include "nn/module.hpp"

namespace attn::nn {

class linear : public module {
public:
    // Draws the weight then the bias from `gen` as nn.Linear's reset_parameters does
    // (kaiming_uniform_ with a = sqrt(5), then uniform(-1/sqrt(in), 1/sqrt(in))).
    linear(std::size_t in, std::size_t out, bool bias, generator& gen);
    const char* class_name() const override { return "Linear"; }
    static double parameter_floats(std::size_t in, std::size_t out, bool bias) {
        return (static_cast<double>(in) + (bias ? 1.0 : 0.0)) * static_cast<double>(out);
    }

    std::size_t in_features() const { return static_cast<std::size_t>(weight.packed.k); }
    std::size_t out_features() const { return static_cast<std::size_t>(weight.packed.n); }
    bool has_bias() const { return has_bias_; }

    // This layer as one output of nn::linear(): y (rows, out) with row stride ldy.
    kernels::GemmOutput into(float* y, std::size_t ldy) const {
        return {&weight.packed, has_bias_ ? bias.value.data() : nullptr, y, static_cast<int>(ldy)};
    }

private:
    weights_check fits_;  // first: before the parameters are allocated

public:
    packed_matrix weight;  // (out, in)
    tensor_parameter bias;  // (out), registered only with bias=True

private:
    bool has_bias_;
};

}  // namespace attn::nn
