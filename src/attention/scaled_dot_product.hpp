// Scaled dot-product attention over (batch, head) slices — the part every variant shares:
// scores = q·kᵀ, optional causal mask, softmax(scores / sqrt(d_k)), dropout, context = weights·v.
#pragma once

#include "attention/module.hpp"

namespace attn {

struct attention_options {
    bool causal = false;
    double dropout = 0.0;
    bool training = false;
    generator* gen = nullptr;  // dropout draws, in PyTorch's element order over (B, H, T, T)
};

// q, k, v: (B, H, T, headDim) -> context: (B, H, T, headDim).
// With `tr`, records scores, scaled, masked (causal only), weights, dropped and dropoutMask
// (causal only) in (B, H, T, T) and context in (B, H, T, headDim).
tensor scaled_dot_product_attention(const tensor& q, const tensor& k, const tensor& v,
                                    const attention_options& opt, trace* tr);

// (B, T, H·headDim) -> (B, H, T, headDim): the book's view(b, T, H, hd).transpose(1, 2)
tensor split_heads(const tensor& x, std::size_t heads);
// (B, H, T, headDim) -> (B, T, H·headDim): transpose(1, 2).contiguous().view(b, T, d_out)
tensor merge_heads(const tensor& x);

// Reshape every trace entry by dropping the axes `drop` (each of size 1), e.g. {0, 1} turns
// (1, 1, T, T) into (T, T).
void squeeze_trace(trace& tr, std::initializer_list<std::size_t> drop);

}  // namespace attn
