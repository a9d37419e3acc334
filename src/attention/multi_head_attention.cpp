#include "attention/multi_head_attention.hpp"

#include <optional>

#include "core/errors.hpp"
#include "core/validate.hpp"

namespace attn {

// ---- MultiHeadAttentionWrapper ---------------------------------------------------------

multi_head_attention_wrapper::multi_head_attention_wrapper(double d_in, double d_out, double context_length,
                                                           double dropout, double num_heads, bool qkv_bias,
                                                           generator& gen)
    : d_in_(validate::size(class_name(), "dIn", d_in)),
      d_out_(validate::size(class_name(), "dOut", d_out)),
      context_length_(validate::size(class_name(), "contextLength", context_length)) {
    const std::size_t h = validate::size(class_name(), "numHeads", num_heads);
    validate::probability(class_name(), "dropout", dropout);
    // All heads' weights at once, before building any.
    validate::fits(class_name(), "the weights",
                   static_cast<double>(h) * causal_attention::parameter_floats(d_in_, d_out_, qkv_bias));
    heads.reserve(h);
    for (std::size_t i = 0; i < h; ++i) {
        heads.push_back(std::make_unique<causal_attention>(d_in, d_out, context_length, dropout, qkv_bias, gen));
        register_module("heads." + std::to_string(i), *heads.back());
    }
}

workspace multi_head_attention_wrapper::plan(const shape_t& x, bool traced) const {
    const auto dims = validate::input(class_name(), x, d_in_, true, context_length_);
    workspace ws(class_name());
    if (traced) attention_record::plan(ws, dims.batch, heads.size(), dims.tokens, dims.tokens, d_out_, true);
    plan_qkv_attention(ws, heads[0]->layers(), dims.batch, dims.tokens, traced);  // the heads run one at a time
    ws.plan("the output", floats_of(dims.output(heads.size() * d_out_)));
    return ws;
}

tensor multi_head_attention_wrapper::forward(const tensor& x, trace* tr) {
    const shape_t s = to_shape(x.shape());
    workspace ws = plan(s, tr != nullptr);
    const auto dims = validate::input(class_name(), s, d_in_, true, context_length_);
    const std::size_t h = heads.size();
    const shape_t out_shape = dims.output(h * d_out_);
    std::optional<attention_record> rec;
    if (tr) rec.emplace(ws, dims.batch, h, dims.tokens, dims.tokens, d_out_, true);
    tensor out = ws.take("the output", out_shape);
    // torch.cat([head(x) for head in self.heads], dim=-1): each head writes its own columns and
    // its own head of the record; heads run one after the other, as their dropout draws do.
    for (std::size_t i = 0; i < h; ++i)
        heads[i]->forward_into(ws, x.data(), dims.batch, dims.tokens, out, out_shape, i * d_out_,
                               {rec ? &*rec : nullptr, 0, i});
    if (tr) {
        if (dims.batched) rec->move_into(*tr);
        else rec->move_into(*tr, {0});
    }
    return out;
}

// ---- MultiHeadAttention ----------------------------------------------------------------

multi_head_attention::multi_head_attention(double d_in, double d_out, double context_length, double dropout_p,
                                           double num_heads, bool qkv_bias, generator& gen)
    : d_in_(validate::size(class_name(), "dIn", d_in)),
      d_out_(validate::size(class_name(), "dOut", d_out)),
      context_length_(validate::size(class_name(), "contextLength", context_length)),
      num_heads_(validate::size(class_name(), "numHeads", num_heads)),
      dropout_p_(validate::probability(class_name(), "dropout", dropout_p)),
      head_dim_(validate::divisible(class_name(), "dOut", d_out_, "numHeads", num_heads_)),
      fits_(class_name(), parameter_floats(d_in_, d_out_, qkv_bias)),
      W_query(d_in_, d_out_, qkv_bias, gen),
      W_key(d_in_, d_out_, qkv_bias, gen),
      W_value(d_in_, d_out_, qkv_bias, gen),
      out_proj(d_out_, d_out_, true, gen),
      dropout(dropout_p_, gen) {
    register_module("W_query", W_query);
    register_module("W_key", W_key);
    register_module("W_value", W_value);
    register_module("out_proj", out_proj);
    register_module("dropout", dropout);
    register_mask("mask", context_length_);
}

qkv_attention multi_head_attention::layers() const {
    return {{W_query.into(nullptr, 0), W_key.into(nullptr, 0), W_value.into(nullptr, 0)},
            d_in_, d_out_, num_heads_, true, &dropout, &out_proj};
}

workspace multi_head_attention::plan(const shape_t& x, bool traced) const { return plan(x, traced, false); }

workspace multi_head_attention::plan(const shape_t& x, bool traced, bool use_cache) const {
    const auto dims = validate::input(class_name(), x, d_in_, true, use_cache ? 0 : context_length_);
    std::size_t past = 0;
    if (use_cache) {
        if (!cache_.empty() && dims.batch != cache_.batch())
            raise_range({class_name(), "x"}, "input x has a batch of ", dims.batch, ", the KV cache holds ",
                        cache_.batch(), " sequences: reset the cache first");
        past = cache_.length;
        if (past + dims.tokens > context_length_)
            raise_range({class_name(), "x"}, "the KV cache holds contextLength (", context_length_, ") tokens: ", past,
                        " cached and ", dims.tokens, " new would exceed it");
    }
    workspace ws(class_name());
    const shape_t out_shape = dims.output(d_out_);
    if (use_cache && cache_.empty())
        ws.plan("the KV cache", 2.0 * static_cast<double>(dims.batch) * context_length_ * d_out_);
    if (traced) {
        attention_record::plan(ws, dims.batch, num_heads_, dims.tokens, past + dims.tokens, head_dim(), true);
        ws.plan("the projections", floats_of(out_shape));  // concat
    }
    plan_qkv_attention(ws, layers(), dims.batch, dims.tokens, traced);
    ws.plan("the output", floats_of(out_shape));
    return ws;
}

tensor multi_head_attention::run(const tensor& x, trace* tr, tensor* owned, bool use_cache) {
    const shape_t s = to_shape(x.shape());
    workspace ws = plan(s, tr != nullptr, use_cache);
    const auto dims = validate::input(class_name(), s, d_in_, true, 0);
    const shape_t out_shape = dims.output(d_out_);
    if (use_cache && cache_.empty()) {
        cache_.keys = ws.take("the KV cache", {dims.batch, context_length_, d_out_});
        cache_.values = ws.take("the KV cache", {dims.batch, context_length_, d_out_});
    }
    const std::size_t past = use_cache ? cache_.length : 0;
    std::optional<attention_record> rec;
    tensor concat;
    if (tr) {
        rec.emplace(ws, dims.batch, num_heads_, dims.tokens, past + dims.tokens, head_dim(), true);
        concat = ws.take("the projections", {dims.batch, dims.tokens, d_out_});
    }
    tensor out;
    run_qkv_attention(ws, layers(), x.data(), dims.batch, dims.tokens,
                      {&out, out_shape, 0, {rec ? &*rec : nullptr, 0, 0}, tr ? &concat : nullptr, owned,
                       use_cache ? &cache_ : nullptr});
    if (tr) {
        if (!dims.batched) concat.reshape({dims.tokens, d_out_});
        if (dims.batched) rec->move_into(*tr);
        else rec->move_into(*tr, {0});
        tr->put("concat", std::move(concat));
    }
    return out;
}

tensor multi_head_attention::forward(const tensor& x, trace* tr) { return run(x, tr, nullptr, false); }

tensor multi_head_attention::forward_owned(tensor x) { return run(x, nullptr, &x, false); }

tensor multi_head_attention::forward_cached(const tensor& x, trace* tr) { return run(x, tr, nullptr, true); }

}  // namespace attn
