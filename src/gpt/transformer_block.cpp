#include "gpt/transformer_block.hpp"

#include "core/validate.hpp"

namespace attn::gpt {

transformer_block::transformer_block(const config& cfg, generator& gen)
    : cfg_(check(class_name(), cfg, block_keys)),
      fits_(class_name(), parameter_floats(cfg_)),
      att(static_cast<double>(cfg_.emb_dim), static_cast<double>(cfg_.emb_dim), static_cast<double>(cfg_.context_length),
          cfg_.drop_rate, static_cast<double>(cfg_.n_heads), cfg_.qkv_bias, gen),
      ff(cfg, gen),
      norm1(static_cast<double>(cfg_.emb_dim)),
      norm2(static_cast<double>(cfg_.emb_dim)),
      drop_shortcut(cfg_.drop_rate, gen) {
    register_module("att", att);
    register_module("ff", ff);
    register_module("norm1", norm1);
    register_module("norm2", norm2);
    register_module("drop_shortcut", drop_shortcut);
}

void transformer_block::plan_run(workspace& ws, const shape_t& x, bool traced, bool use_cache) const {
    const double rows = floats_of(x) / static_cast<double>(cfg_.emb_dim);
    ws.plan("the activations", floats_of(x));  // norm1(x), then norm2(x)
    ws.plan("the activations", att.plan(x, traced, use_cache).planned_floats());
    feed_forward::plan_apply(ws, static_cast<std::size_t>(rows), cfg_.emb_dim);
}

workspace transformer_block::plan(const shape_t& x, bool traced) const {
    validate::input(class_name(), x, cfg_.emb_dim, true, cfg_.context_length);
    workspace ws(class_name());
    ws.plan("the output", floats_of(x));
    plan_run(ws, x, traced, false);
    return ws;
}

tensor transformer_block::forward(const tensor& x, trace* tr) {
    workspace ws = plan(to_shape(x.shape()), tr != nullptr);
    tensor y = x;
    run(ws, y, tr, false);
    return y;
}

void transformer_block::run(workspace& ws, tensor& x, trace* tr, bool use_cache) {
    const std::size_t n = x.size(), rows = n / cfg_.emb_dim;
    float* const xd = x.data();
    // x = x + drop(att(norm1(x)))
    tensor h = ws.take("the activations", to_shape(x.shape()));
    norm1.apply(rows, xd, cfg_.emb_dim, h.data(), cfg_.emb_dim);
    tensor a = use_cache ? att.forward_cached(h, tr) : att.forward(h, tr);
    drop_shortcut.apply(n, a.data(), a.data());
    for (std::size_t i = 0; i < n; ++i) xd[i] = a.data()[i] + xd[i];
    // x = x + drop(ff(norm2(x)))
    norm2.apply(rows, xd, cfg_.emb_dim, h.data(), cfg_.emb_dim);
    ff.apply(ws, rows, h.data(), h.data());
    drop_shortcut.apply(n, h.data(), h.data());
    for (std::size_t i = 0; i < n; ++i) xd[i] = h.data()[i] + xd[i];
}

}  // namespace attn::gpt
