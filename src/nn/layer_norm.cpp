#include "nn/layer_norm.hpp"

#include "core/errors.hpp"
#include "core/validate.hpp"
#include "nn/functional.hpp"

namespace attn::nn {

layer_norm::layer_norm(double emb_dim)
    : dim_(validate::size(class_name(), "embDim", emb_dim)),
      fits_(class_name(), parameter_floats(dim_)),
      scale({dim_}, 1.0f),
      shift({dim_}, 0.0f) {
    register_parameter("scale", scale);
    register_parameter("shift", shift);
}

workspace layer_norm::plan(const shape_t& x, bool) const {
    if (x.empty() || x.back() != dim_)
        raise_range({class_name(), "x"}, "input x must have embDim = ", dim_, " features in its last axis, got ",
                    shape_str(x));
    workspace ws(class_name());
    ws.plan("the output", floats_of(x));
    return ws;
}

tensor layer_norm::forward(const tensor& x, trace* tr) {
    const shape_t s = to_shape(x.shape());
    workspace ws = plan(s, tr != nullptr);
    tensor y = ws.take("the output", s);
    apply(x.size() / dim_, x.data(), dim_, y.data(), dim_);
    return y;
}

void layer_norm::apply(std::size_t rows, const float* x, std::size_t ldx, float* y, std::size_t ldy) const {
    functional::layer_norm(rows, dim_, x, ldx, scale.value.data(), shift.value.data(), eps, y, ldy);
}

}  // namespace attn::nn
