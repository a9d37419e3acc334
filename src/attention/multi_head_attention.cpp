#include "attention/multi_head_attention.hpp"

#include <xtensor/xmanipulation.hpp>
#include <xtensor/xview.hpp>

#include "attention/scaled_dot_product.hpp"
#include "attention/validate.hpp"

namespace attn {

namespace {

// Concatenates along `axis` (all other axes equal).
tensor concat(const std::vector<tensor>& parts, std::size_t axis) {
    shape_t s = to_shape(parts.front().shape());
    std::size_t total = 0;
    for (const auto& p : parts) total += p.shape()[axis];
    s[axis] = total;
    tensor out(s);
    if (out.size() == 0) return out;  // B = 0 or T = 0: nothing to copy (xtensor views of null data are UB)
    std::size_t offset = 0;
    for (const auto& p : parts) {
        xt::xstrided_slice_vector sv(s.size(), xt::all());
        sv[axis] = xt::range(offset, offset + p.shape()[axis]);
        xt::strided_view(out, sv) = p;
        offset += p.shape()[axis];
    }
    return out;
}

}  // namespace

// ---- MultiHeadAttentionWrapper ---------------------------------------------------------

multi_head_attention_wrapper::multi_head_attention_wrapper(std::int64_t d_in, std::int64_t d_out,
                                                           std::int64_t context_length, double dropout,
                                                           std::int64_t num_heads, bool qkv_bias, generator& gen)
    : d_in_(validate::size(class_name(), "dIn", d_in)),
      d_out_(validate::size(class_name(), "dOut", d_out)),
      context_length_(validate::size(class_name(), "contextLength", context_length)),
      num_heads_(validate::size(class_name(), "numHeads", num_heads)),
      dropout_(validate::probability(class_name(), "dropout", dropout)) {
    validate::fits(class_name(), "the weights", 3.0 * num_heads_ * (static_cast<double>(d_in_) + 1) * d_out_);
    heads.reserve(num_heads_);
    for (std::size_t h = 0; h < num_heads_; ++h)
        heads.emplace_back(d_in, d_out, context_length, dropout, qkv_bias, gen);
}

tensor multi_head_attention_wrapper::forward(const tensor& x, trace* tr) {
    const auto dims = validate::input(class_name(), x, d_in_, true, context_length_);
    // Both paths: the (B, T, H·dOut) output, and per head (B, T, dOut) q, k, v and context.
    validate::fits(class_name(), "the projections", 4.0 * dims.batch * dims.tokens * d_out_ * num_heads_);
    if (fast::applies(tr, training_, dropout_)) {
        // Each head writes its (B·T, dOut) context straight into its columns of the output.
        const std::size_t width = num_heads_ * d_out_;
        tensor out(dims.batched ? shape_t{dims.batch, dims.tokens, width} : shape_t{dims.tokens, width});
        if (out.size() == 0) return out;  // no rows: out.data() + h·dOut would offset null data
        for (std::size_t h = 0; h < num_heads_; ++h)
            heads[h].forward_fast(x.data(), dims.batch, dims.tokens, out.data() + h * d_out_, width);
        return out;
    }
    // The reference path (trace, or dropout in training mode) keeps every (T, T) matrix.
    validate::fits(class_name(), "the attention matrices",
                   6.0 * dims.batch * num_heads_ * static_cast<double>(dims.tokens) * dims.tokens);
    tensor batched = x;
    batched.reshape({dims.batch, dims.tokens, dims.features});
    std::vector<tensor> outputs;                 // each (B, T, dOut)
    std::vector<trace> head_traces(tr ? num_heads_ : 0);  // each entry (B, 1, T, ·)
    for (std::size_t h = 0; h < num_heads_; ++h) {
        heads[h].train(training_);  // the heads follow the wrapper, as nn.Module.train() recurses
        outputs.push_back(heads[h].forward_batched(batched, tr ? &head_traces[h] : nullptr));
    }
    tensor out = concat(outputs, 2);  // torch.cat(..., dim=-1): (B, T, H·dOut)
    if (tr) {
        trace stacked;
        for (std::size_t e = 0; e < head_traces[0].entries.size(); ++e) {
            std::vector<tensor> per_head;
            for (const auto& ht : head_traces) per_head.push_back(ht.entries[e].second);
            stacked.put(head_traces[0].entries[e].first, concat(per_head, 1));  // (B, H, T, ·)
        }
        if (!dims.batched) squeeze_trace(stacked, {0});
        tr->append(std::move(stacked));
    }
    if (!dims.batched) out.reshape({dims.tokens, num_heads_ * d_out_});
    return out;
}

state_dict multi_head_attention_wrapper::get_state_dict() const {
    state_dict sd;
    for (std::size_t h = 0; h < heads.size(); ++h)
        for (auto& [key, value] : heads[h].get_state_dict())
            sd.emplace_back("heads." + std::to_string(h) + "." + key, value);
    return sd;
}

std::vector<std::pair<std::string, tensor*>> multi_head_attention_wrapper::parameters() {
    std::vector<std::pair<std::string, tensor*>> out;
    for (std::size_t h = 0; h < heads.size(); ++h) {
        const std::string prefix = "heads." + std::to_string(h) + ".";
        expose_qkv(heads[h].W_query, heads[h].W_key, heads[h].W_value, prefix, out);
    }
    return out;
}

void multi_head_attention_wrapper::parameters_changed() {
    for (auto& head : heads) head.repack();
}

std::vector<std::string> multi_head_attention_wrapper::mask_keys() const {
    std::vector<std::string> keys;
    for (std::size_t h = 0; h < heads.size(); ++h) keys.push_back("heads." + std::to_string(h) + ".mask");
    return keys;
}

// ---- MultiHeadAttention ----------------------------------------------------------------

multi_head_attention::multi_head_attention(std::int64_t d_in, std::int64_t d_out, std::int64_t context_length,
                                           double dropout, std::int64_t num_heads, bool qkv_bias, generator& gen)
    : d_in_(validate::size(class_name(), "dIn", d_in)),
      d_out_(validate::size(class_name(), "dOut", d_out)),
      context_length_(validate::size(class_name(), "contextLength", context_length)),
      num_heads_(validate::size(class_name(), "numHeads", num_heads)),
      head_dim_(0),
      dropout_(validate::probability(class_name(), "dropout", dropout)),
      gen_(&gen) {
    validate::divisible(class_name(), "dOut", d_out_, "numHeads", num_heads_);
    head_dim_ = d_out_ / num_heads_;
    validate::fits(class_name(), "the weights",
                   3.0 * (static_cast<double>(d_in_) + 1) * d_out_ + (static_cast<double>(d_out_) + 1) * d_out_);
    W_query = linear_layer(d_in_, d_out_, qkv_bias, gen);
    W_key = linear_layer(d_in_, d_out_, qkv_bias, gen);
    W_value = linear_layer(d_in_, d_out_, qkv_bias, gen);
    out_proj = linear_layer(d_out_, d_out_, true, gen);
    parameters_changed();
}

void multi_head_attention::parameters_changed() {
    qkv_.pack({&W_query, &W_key, &W_value});
    out_proj_packed_.pack({&out_proj});
}

validate::input_dims multi_head_attention::checked_input(const tensor& x) const {
    const auto dims = validate::input(class_name(), x, d_in_, true, context_length_);
    // Both paths: q, k, v, the context and the output, (B, T, dOut) each.
    validate::fits(class_name(), "the projections", 4.0 * dims.batch * dims.tokens * d_out_);
    return dims;
}

tensor multi_head_attention::forward(const tensor& x, trace* tr) {
    const auto dims = checked_input(x);
    if (fast::applies(tr, training_, dropout_)) return forward_fast(x, dims, nullptr);
    // The reference path (trace, or dropout in training mode) keeps every (T, T) matrix.
    validate::fits(class_name(), "the attention matrices",
                   6.0 * dims.batch * num_heads_ * static_cast<double>(dims.tokens) * dims.tokens);
    tensor batched = x;
    batched.reshape({dims.batch, dims.tokens, dims.features});
    tensor keys = split_heads(W_key.forward(batched), num_heads_);  // (B, H, T, headDim)
    tensor queries = split_heads(W_query.forward(batched), num_heads_);
    tensor values = split_heads(W_value.forward(batched), num_heads_);
    attention_options opt{true, dropout_, training_, gen_};
    trace local;
    tensor context = scaled_dot_product_attention(queries, keys, values, opt, tr ? &local : nullptr);
    tensor concat_heads = merge_heads(context);  // (B, T, dOut)
    tensor out = out_proj.forward(concat_heads);  // (B, T, dOut)
    if (tr) {
        local.put("concat", concat_heads);
        if (!dims.batched) squeeze_trace(local, {0});
        tr->append(std::move(local));
    }
    if (!dims.batched) out.reshape({dims.tokens, d_out_});
    return out;
}

tensor multi_head_attention::forward_owned(tensor x) {
    if (!fast::applies(nullptr, training_, dropout_)) return forward(x, nullptr);
    return forward_fast(x, checked_input(x), &x);
}

tensor multi_head_attention::forward_fast(const tensor& x, const validate::input_dims& dims, tensor* owned) {
    const std::size_t batch = dims.batch, tokens = dims.tokens;
    const shape_t out_shape = dims.batched ? shape_t{batch, tokens, d_out_} : shape_t{tokens, d_out_};
    if (batch == 0 || tokens == 0) return tensor(out_shape);
    // One sequence at a time through a (T, 3·dOut) buffer of q | k | v, heads side by side: the
    // working set stays that of B = 1 however large the batch (at B = 8, T = 1024 it is 9 MiB
    // that stays warm in cache instead of 75 MiB streamed three times).
    const std::size_t ld = 3 * d_out_;
    const int t = static_cast<int>(tokens);
    tensor qkv(shape_t{tokens, ld});
    tensor out;
    for (std::size_t b = 0; b < batch; ++b) {
        qkv_.apply(t, x.data() + b * tokens * d_in_, static_cast<int>(d_in_), qkv.data(), static_cast<int>(ld));
        // x is not read again after the last sequence: its memory can hold the output.
        if (owned && b + 1 == batch) *owned = tensor();
        if (b == 0) out = tensor(out_shape);
        // The context of each head overwrites its query columns: (T, dOut) at stride 3·dOut,
        // already in the merged (T, H·headDim) order that out_proj reads.
        fast::attention_heads(class_name(), qkv.data(), 1, tokens, num_heads_, head_dim_, true, qkv.data(), ld);
        out_proj_packed_.apply(t, qkv.data(), static_cast<int>(ld), out.data() + b * tokens * d_out_,
                               static_cast<int>(d_out_));
    }
    return out;
}

state_dict multi_head_attention::get_state_dict() const {
    state_dict sd;
    save_qkv(W_query, W_key, W_value, "", sd);
    out_proj.save("out_proj.", sd);
    return sd;
}

std::vector<std::pair<std::string, tensor*>> multi_head_attention::parameters() {
    std::vector<std::pair<std::string, tensor*>> out;
    expose_qkv(W_query, W_key, W_value, "", out);
    out_proj.expose("out_proj.", out);
    return out;
}

}  // namespace attn
