#include "attention/self_attention.hpp"

#include <optional>

#include "attention/qkv_attention.hpp"
#include "core/errors.hpp"
#include "core/validate.hpp"
#include "nn/functional.hpp"

namespace attn {

namespace F = nn::functional;

namespace {

// V1 and V2: one head of dOut, no mask, no dropout, no out_proj, on (T, dIn).
qkv_attention single_head(const std::array<kernels::GemmOutput, 3>& projections, std::size_t d_in, std::size_t d_out) {
    return {projections, d_in, d_out, 1, false, nullptr, nullptr};
}

workspace plan_single_head(const char* cls, const qkv_attention& a, const shape_t& x, bool traced) {
    const auto dims = validate::input(cls, x, a.d_in, false, 0);
    workspace ws(cls);
    if (traced) attention_record::plan(ws, 1, 1, dims.tokens, dims.tokens, a.d_out, false);
    plan_qkv_attention(ws, a, dims.batch, dims.tokens, traced);
    ws.plan("the output", static_cast<double>(dims.tokens) * a.d_out);
    return ws;
}

tensor forward_single_head(const char* cls, const qkv_attention& a, const tensor& x, trace* tr) {
    const shape_t s = to_shape(x.shape());
    workspace ws = plan_single_head(cls, a, s, tr != nullptr);
    const std::size_t t = s[0];
    std::optional<attention_record> rec;
    if (tr) rec.emplace(ws, 1, 1, t, t, a.d_out, false);
    tensor out;
    run_qkv_attention(ws, a, x.data(), 1, t, {&out, {t, a.d_out}, 0, {rec ? &*rec : nullptr, 0, 0}});
    if (tr) rec->move_into(*tr, {0, 1});  // (1, 1, T, ·) -> (T, ·)
    return out;
}

}  // namespace

tensor simplified_self_attention(const tensor& x, trace* tr) {
    const char* cls = "simplifiedSelfAttention";
    if (x.dimension() != 2)
        raise_range({cls, "x"}, "input x must have shape (T, d), got rank ", x.dimension(), " ",
                    shape_str(to_shape(x.shape())));
    const std::size_t t = x.shape()[0], d = x.shape()[1];
    workspace ws(cls);
    ws.plan("the attention matrices", 2.0 * static_cast<double>(t) * t);
    ws.plan("the output", static_cast<double>(t) * d);
    tensor scores = ws.take("the attention matrices", {t, t});   // (T, T): x·xᵀ
    tensor weights = ws.take("the attention matrices", {t, t});  // (T, T)
    tensor context = ws.take("the output", {t, d});              // (T, d)
    F::matmul_nt(t, t, d, x.data(), d, x.data(), d, scores.data(), t);
    F::softmax_rows(t, t, scores.data(), t, weights.data(), t);
    F::matmul(t, d, t, weights.data(), t, x.data(), d, context.data(), d);
    if (tr) {
        tr->put("queries", x);
        tr->put("keys", x);
        tr->put("values", x);
        tr->put("scores", std::move(scores));
        tr->put("weights", std::move(weights));
        tr->put("context", context);
    }
    return context;
}

// ---- SelfAttention_v1 ------------------------------------------------------------------

self_attention_v1::self_attention_v1(double d_in, double d_out, generator& gen)
    : d_in_(validate::size(class_name(), "dIn", d_in)),
      d_out_(validate::size(class_name(), "dOut", d_out)),
      fits_(class_name(), 3.0 * static_cast<double>(d_in_) * static_cast<double>(d_out_)) {
    for (auto* w : {&W_query, &W_key, &W_value}) {
        *w = nn::packed_matrix(d_out_, d_in_, /*transposed=*/true);
        w->fill_rows([&](float* row, std::size_t n) { gen.uniform_(row, n, 0.0, 1.0); });  // torch.rand(dIn, dOut)
    }
    register_parameter("W_query", W_query);
    register_parameter("W_key", W_key);
    register_parameter("W_value", W_value);
}

qkv_attention self_attention_v1::layers() const {
    return single_head({{{&W_query.packed, nullptr, nullptr, 0},
                         {&W_key.packed, nullptr, nullptr, 0},
                         {&W_value.packed, nullptr, nullptr, 0}}},
                       d_in_, d_out_);
}

workspace self_attention_v1::plan(const shape_t& x, bool traced) const {
    return plan_single_head(class_name(), layers(), x, traced);
}

tensor self_attention_v1::forward(const tensor& x, trace* tr) { return forward_single_head(class_name(), layers(), x, tr); }

// ---- SelfAttention_v2 ------------------------------------------------------------------

self_attention_v2::self_attention_v2(double d_in, double d_out, bool qkv_bias, generator& gen)
    : d_in_(validate::size(class_name(), "dIn", d_in)),
      d_out_(validate::size(class_name(), "dOut", d_out)),
      fits_(class_name(), 3 * nn::linear::parameter_floats(d_in_, d_out_, qkv_bias)),
      W_query(d_in_, d_out_, qkv_bias, gen),
      W_key(d_in_, d_out_, qkv_bias, gen),
      W_value(d_in_, d_out_, qkv_bias, gen) {
    register_module("W_query", W_query);
    register_module("W_key", W_key);
    register_module("W_value", W_value);
}

qkv_attention self_attention_v2::layers() const {
    return single_head({W_query.into(nullptr, 0), W_key.into(nullptr, 0), W_value.into(nullptr, 0)}, d_in_, d_out_);
}

workspace self_attention_v2::plan(const shape_t& x, bool traced) const {
    return plan_single_head(class_name(), layers(), x, traced);
}

tensor self_attention_v2::forward(const tensor& x, trace* tr) { return forward_single_head(class_name(), layers(), x, tr); }

}  // namespace attn
