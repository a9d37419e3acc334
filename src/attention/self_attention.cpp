#include "attention/self_attention.hpp"

#include "attention/scaled_dot_product.hpp"
#include "attention/validate.hpp"
#include "core/errors.hpp"
#include "reference/ops.hpp"

namespace attn {

namespace {

// (T, d) -> (1, 1, T, d): one batch, one head, for the shared attention core.
tensor as_single_head(const tensor& x) {
    tensor out = x;
    out.reshape({1, 1, x.shape()[0], x.shape()[1]});
    return out;
}

// No trace: one SGEMM for q | k | v, then the fused (non-causal) attention.
tensor forward_fast(const char* cls, const fast::packed_projection& qkv_proj, const tensor& x, std::size_t t,
                    std::size_t d_in, std::size_t d_out) {
    tensor out(shape_t{t, d_out});
    tensor qkv(shape_t{t, 3 * d_out});
    qkv_proj.apply(static_cast<int>(t), x.data(), static_cast<int>(d_in), qkv.data(), static_cast<int>(3 * d_out));
    fast::attention_heads(cls, qkv.data(), 1, t, 1, d_out, false, out.data(), d_out);
    return out;
}

// The reference path of V1/V2 with a trace: one head of (T, dOut), no mask, no dropout;
// the trace and the context in (T, ·) layout.
tensor traced_single_head(const tensor& queries, const tensor& keys, const tensor& values, trace& tr) {
    trace local;
    tensor context = scaled_dot_product_attention(as_single_head(queries), as_single_head(keys),
                                                  as_single_head(values), {}, &local);
    squeeze_trace(local, {0, 1});
    tr.append(std::move(local));
    context.reshape({context.shape()[2], context.shape()[3]});
    return context;
}

}  // namespace

tensor softmax(const tensor& x, std::int64_t dim) {
    const auto rank = static_cast<std::int64_t>(x.dimension());
    const std::int64_t lo = rank == 0 ? -1 : -rank, hi = rank == 0 ? 0 : rank - 1;
    if (dim < lo || dim > hi)
        raise_range({"softmax", "dim"}, "dim (", dim, ") is out of range for a tensor of rank ", rank, " (expected ", lo,
                    " to ", hi, ")");
    if (rank == 0) return ref::softmax(x, 0);
    return ref::softmax(x, static_cast<std::size_t>(dim < 0 ? dim + rank : dim));
}

tensor simplified_self_attention(const tensor& x, trace* tr) {
    const char* cls = "simplifiedSelfAttention";
    if (x.dimension() != 2)
        raise_range({cls, "x"}, "input x must have shape (T, d), got rank ", x.dimension(), " ",
                    shape_str(to_shape(x.shape())));
    const std::size_t t = x.shape()[0];
    validate::fits(cls, "the attention matrices", 3.0 * static_cast<double>(t) * t);
    tensor scores = ref::matmul_nt(x, x);     // (T, T): x·xᵀ
    tensor weights = ref::softmax(scores, 1);  // (T, T)
    tensor context = ref::matmul(weights, x);  // (T, d)
    if (tr) {
        tr->put("queries", x);
        tr->put("keys", x);
        tr->put("values", x);
        tr->put("scores", scores);
        tr->put("weights", weights);
        tr->put("context", context);
    }
    return context;
}

// ---- Dropout ---------------------------------------------------------------------------

dropout_module::dropout_module(double p, generator& gen)
    : p_(validate::probability("Dropout", "p", p)), gen_(&gen) {}

tensor dropout_module::forward(const tensor& x, trace*) { return ref::dropout(x, p_, training_, *gen_); }

// ---- SelfAttention_v1 ------------------------------------------------------------------

self_attention_v1::self_attention_v1(std::int64_t d_in, std::int64_t d_out, generator& gen)
    : d_in_(validate::size(class_name(), "dIn", d_in)), d_out_(validate::size(class_name(), "dOut", d_out)) {
    validate::fits(class_name(), "the weights", 3.0 * static_cast<double>(d_in_) * d_out_);
    W_query = gen.rand({d_in_, d_out_});
    W_key = gen.rand({d_in_, d_out_});
    W_value = gen.rand({d_in_, d_out_});
    parameters_changed();
}

tensor self_attention_v1::forward(const tensor& x, trace* tr) {
    const auto dims = validate::input(class_name(), x, d_in_, false, 0);
    // Either path holds q, k, v and the context, (T, dOut) each (the fast path as one T × 3·dOut).
    validate::fits(class_name(), "the projections", 4.0 * static_cast<double>(dims.tokens) * d_out_);
    if (!tr) return forward_fast(class_name(), qkv_, x, dims.tokens, d_in_, d_out_);
    validate::fits(class_name(), "the attention matrices", 4.0 * static_cast<double>(dims.tokens) * dims.tokens);
    tensor keys = ref::matmul(x, W_key);  // (T, dOut)
    tensor queries = ref::matmul(x, W_query);
    tensor values = ref::matmul(x, W_value);
    return traced_single_head(queries, keys, values, *tr);
}

state_dict self_attention_v1::get_state_dict() const {
    return {{"W_query", W_query}, {"W_key", W_key}, {"W_value", W_value}};
}

std::vector<std::pair<std::string, tensor*>> self_attention_v1::parameters() {
    return {{"W_query", &W_query}, {"W_key", &W_key}, {"W_value", &W_value}};
}

// ---- SelfAttention_v2 ------------------------------------------------------------------

self_attention_v2::self_attention_v2(std::int64_t d_in, std::int64_t d_out, bool qkv_bias, generator& gen)
    : d_in_(validate::size(class_name(), "dIn", d_in)), d_out_(validate::size(class_name(), "dOut", d_out)) {
    validate::fits(class_name(), "the weights", 3.0 * (static_cast<double>(d_in_) + 1) * d_out_);
    W_query = linear_layer(d_in_, d_out_, qkv_bias, gen);
    W_key = linear_layer(d_in_, d_out_, qkv_bias, gen);
    W_value = linear_layer(d_in_, d_out_, qkv_bias, gen);
    parameters_changed();
}

tensor self_attention_v2::forward(const tensor& x, trace* tr) {
    const auto dims = validate::input(class_name(), x, d_in_, false, 0);
    // Either path holds q, k, v and the context, (T, dOut) each (the fast path as one T × 3·dOut).
    validate::fits(class_name(), "the projections", 4.0 * static_cast<double>(dims.tokens) * d_out_);
    if (!tr) return forward_fast(class_name(), qkv_, x, dims.tokens, d_in_, d_out_);
    validate::fits(class_name(), "the attention matrices", 4.0 * static_cast<double>(dims.tokens) * dims.tokens);
    tensor keys = W_key.forward(x);  // (T, dOut)
    tensor queries = W_query.forward(x);
    tensor values = W_value.forward(x);
    return traced_single_head(queries, keys, values, *tr);
}

state_dict self_attention_v2::get_state_dict() const {
    state_dict sd;
    save_qkv(W_query, W_key, W_value, "", sd);
    return sd;
}

std::vector<std::pair<std::string, tensor*>> self_attention_v2::parameters() {
    std::vector<std::pair<std::string, tensor*>> out;
    expose_qkv(W_query, W_key, W_value, "", out);
    return out;
}

}  // namespace attn
