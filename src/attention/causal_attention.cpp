#include "attention/causal_attention.hpp"

#include <optional>

#include "core/validate.hpp"

namespace attn {

causal_attention::causal_attention(double d_in, double d_out, double context_length, double dropout_p, bool qkv_bias,
                                   generator& gen)
    : d_in_(validate::size(class_name(), "dIn", d_in)),
      d_out_(validate::size(class_name(), "dOut", d_out)),
      context_length_(validate::size(class_name(), "contextLength", context_length)),
      dropout_p_(validate::probability(class_name(), "dropout", dropout_p)),
      fits_(class_name(), parameter_floats(d_in_, d_out_, qkv_bias)),
      W_query(d_in_, d_out_, qkv_bias, gen),
      W_key(d_in_, d_out_, qkv_bias, gen),
      W_value(d_in_, d_out_, qkv_bias, gen),
      dropout(dropout_p_, gen) {
    register_module("W_query", W_query);
    register_module("W_key", W_key);
    register_module("W_value", W_value);
    register_module("dropout", dropout);
    register_mask("mask", context_length_);
}

qkv_attention causal_attention::layers() const {
    return {{W_query.into(nullptr, 0), W_key.into(nullptr, 0), W_value.into(nullptr, 0)},
            d_in_, d_out_, 1, true, &dropout, nullptr};
}

void causal_attention::forward_into(workspace& ws, const float* x, std::size_t batch, std::size_t tokens, tensor& out,
                                    const shape_t& out_shape, std::size_t col0, record_slot rec) const {
    run_qkv_attention(ws, layers(), x, batch, tokens, {&out, out_shape, col0, rec});
}

workspace causal_attention::plan(const shape_t& x, bool traced) const {
    const auto dims = validate::input(class_name(), x, d_in_, true, context_length_);
    workspace ws(class_name());
    if (traced) attention_record::plan(ws, dims.batch, 1, dims.tokens, dims.tokens, d_out_, true);
    plan_qkv_attention(ws, layers(), dims.batch, dims.tokens, traced);
    ws.plan("the output", floats_of(dims.output(d_out_)));
    return ws;
}

tensor causal_attention::forward(const tensor& x, trace* tr) {
    const shape_t s = to_shape(x.shape());
    workspace ws = plan(s, tr != nullptr);
    const auto dims = validate::input(class_name(), s, d_in_, true, context_length_);
    const shape_t out_shape = dims.output(d_out_);
    std::optional<attention_record> rec;
    if (tr) rec.emplace(ws, dims.batch, 1, dims.tokens, dims.tokens, d_out_, true);
    tensor out;
    forward_into(ws, x.data(), dims.batch, dims.tokens, out, out_shape, 0, {rec ? &*rec : nullptr, 0, 0});
    if (tr) {
        if (dims.batched) rec->move_into(*tr, {1});  // (B, 1, T, ·) -> (B, T, ·)
        else rec->move_into(*tr, {0, 1});            // (1, 1, T, ·) -> (T, ·)
    }
    return out;
}

}  // namespace attn
