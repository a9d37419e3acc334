#include "gpt/feed_forward.hpp"

#include "core/errors.hpp"
#include "nn/functional.hpp"

namespace attn::gpt {

namespace F = nn::functional;

feed_forward::feed_forward(const config& cfg, generator& gen)
    : emb_(check(class_name(), cfg, emb_dim).emb_dim),
      fits_(class_name(), parameter_floats(emb_)),
      fc1(emb_, 4 * emb_, true, gen),
      fc2(4 * emb_, emb_, true, gen) {
    register_module("layers.0", fc1);
    register_module("layers.1", act);
    register_module("layers.2", fc2);
}

void feed_forward::plan_apply(workspace& ws, std::size_t rows, std::size_t emb) {
    ws.plan("the feed-forward's activations", 4.0 * static_cast<double>(rows) * static_cast<double>(emb));
}

workspace feed_forward::plan(const shape_t& x, bool) const {
    if (x.empty() || x.back() != emb_)
        raise_range({class_name(), "x"}, "input x must have emb_dim = ", emb_, " features in its last axis, got ",
                    shape_str(x));
    workspace ws(class_name());
    plan_apply(ws, static_cast<std::size_t>(floats_of(x)) / emb_, emb_);
    ws.plan("the output", floats_of(x));
    return ws;
}

tensor feed_forward::forward(const tensor& x, trace* tr) {
    const shape_t s = to_shape(x.shape());
    workspace ws = plan(s, tr != nullptr);
    tensor y = ws.take("the output", s);
    apply(ws, x.size() / emb_, x.data(), y.data());
    return y;
}

void feed_forward::apply(workspace& ws, std::size_t rows, const float* x, float* y) const {
    if (rows == 0) return;
    tensor hidden = ws.take("the feed-forward's activations", {rows, 4 * emb_});
    F::linear(rows, x, emb_, {fc1.into(hidden.data(), 4 * emb_)});
    F::gelu(hidden.size(), hidden.data(), hidden.data());
    F::linear(rows, hidden.data(), 4 * emb_, {fc2.into(y, emb_)});
}

}  // namespace attn::gpt
