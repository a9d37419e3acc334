#include "nn/dropout.hpp"

#include "core/validate.hpp"
#include "nn/functional.hpp"

namespace attn::nn {

dropout::dropout(double p, generator& gen) : p_(validate::probability("Dropout", "p", p)), gen_(&gen) {}

bool dropout::active() const { return functional::dropout_active(p_, training()); }

void dropout::apply(std::size_t n, const float* x, float* y) const {
    functional::dropout(n, x, p_, training(), *gen_, y, nullptr);
}

workspace dropout::plan(const shape_t& x, bool) const {
    workspace ws(class_name());
    ws.plan("the output", 2.0 * floats_of(x));  // and the mask
    return ws;
}

tensor dropout::forward(const tensor& x, trace* tr) {
    const shape_t s = to_shape(x.shape());
    workspace ws = plan(s, tr != nullptr);
    tensor y = ws.take("the output", s);
    tensor mask = ws.take("the mask", s);
    functional::dropout(x.size(), x.data(), p_, training(), *gen_, y.data(), mask.data());
    if (tr) tr->put("dropoutMask", std::move(mask));
    return y;
}

}  // namespace attn::nn
