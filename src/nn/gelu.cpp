#include "nn/gelu.hpp"

#include "nn/functional.hpp"

namespace attn::nn {

workspace gelu::plan(const shape_t& x, bool) const {
    workspace ws(class_name());
    ws.plan("the output", floats_of(x));
    return ws;
}

tensor gelu::forward(const tensor& x, trace* tr) {
    const shape_t s = to_shape(x.shape());
    workspace ws = plan(s, tr != nullptr);
    tensor y = ws.take("the output", s);
    functional::gelu(x.size(), x.data(), y.data());
    return y;
}

}  // namespace attn::nn
