#include "attention/causal_attention.hpp"

#include "attention/scaled_dot_product.hpp"
#include "attention/validate.hpp"

namespace attn {

causal_attention::causal_attention(std::int64_t d_in, std::int64_t d_out, std::int64_t context_length,
                                   double dropout, bool qkv_bias, generator& gen)
    : d_in_(validate::size(class_name(), "dIn", d_in)),
      d_out_(validate::size(class_name(), "dOut", d_out)),
      context_length_(validate::size(class_name(), "contextLength", context_length)),
      dropout_(validate::probability(class_name(), "dropout", dropout)),
      gen_(&gen) {
    validate::fits(class_name(), "the weights", 3.0 * (static_cast<double>(d_in_) + 1) * d_out_);
    W_query = linear_layer(d_in_, d_out_, qkv_bias, gen);
    W_key = linear_layer(d_in_, d_out_, qkv_bias, gen);
    W_value = linear_layer(d_in_, d_out_, qkv_bias, gen);
    parameters_changed();
}

void causal_attention::forward_fast(const float* x, std::size_t batch, std::size_t tokens, float* out,
                                    std::size_t ldo) const {
    const std::size_t rows = batch * tokens;
    tensor qkv(shape_t{rows, 3 * d_out_});  // (B·T, 3·dOut): q | k | v
    qkv_.apply(static_cast<int>(rows), x, static_cast<int>(d_in_), qkv.data(), static_cast<int>(3 * d_out_));
    fast::attention_heads(class_name(), qkv.data(), batch, tokens, 1, d_out_, true, out, ldo);
}

tensor causal_attention::forward_batched(const tensor& x, trace* tr) {
    const std::size_t b = x.shape()[0], t = x.shape()[1];
    validate::fits(class_name(), "the attention matrices", 6.0 * static_cast<double>(b) * t * t);
    validate::fits(class_name(), "the projections", 4.0 * static_cast<double>(b) * t * d_out_);  // q, k, v, context
    // One head spanning dOut: (B, T, dOut) -> (B, 1, T, dOut)
    tensor keys = split_heads(W_key.forward(x), 1);
    tensor queries = split_heads(W_query.forward(x), 1);
    tensor values = split_heads(W_value.forward(x), 1);
    attention_options opt{true, dropout_, training_, gen_};
    tensor context = scaled_dot_product_attention(queries, keys, values, opt, tr);  // (B, 1, T, dOut)
    return merge_heads(context);                                                    // (B, T, dOut)
}

tensor causal_attention::forward(const tensor& x, trace* tr) {
    const auto dims = validate::input(class_name(), x, d_in_, true, context_length_);
    if (fast_path_applies(tr)) {
        validate::fits(class_name(), "the projections", 4.0 * dims.batch * dims.tokens * d_out_);
        tensor out(dims.batched ? shape_t{dims.batch, dims.tokens, d_out_} : shape_t{dims.tokens, d_out_});
        forward_fast(x.data(), dims.batch, dims.tokens, out.data(), d_out_);
        return out;
    }
    tensor batched = x;
    batched.reshape({dims.batch, dims.tokens, dims.features});
    trace local;
    tensor out = forward_batched(batched, tr ? &local : nullptr);
    if (tr) {
        if (dims.batched) squeeze_trace(local, {1});
        else squeeze_trace(local, {0, 1});
        tr->append(std::move(local));
    }
    if (!dims.batched) out.reshape({dims.tokens, d_out_});
    return out;
}

state_dict causal_attention::get_state_dict() const {
    state_dict sd;
    save_qkv(W_query, W_key, W_value, "", sd);
    return sd;
}

std::vector<std::pair<std::string, tensor*>> causal_attention::parameters() {
    std::vector<std::pair<std::string, tensor*>> out;
    expose_qkv(W_query, W_key, W_value, "", out);
    return out;
}

}  // namespace attn
