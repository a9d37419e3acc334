// The chapter's stepping stones that are not part of a class: the ways section 3.3.1 normalises
// scores before it arrives at torch.softmax, and section 3.5.1's first, multiplicative causal mask.
#pragma once

#include "core/tensor.hpp"

namespace attn {

// attn_scores_2 / attn_scores_2.sum(): sum-normalisation along the last axis
tensor sum_normalize(const tensor& x);

// torch.exp(x) / torch.exp(x).sum(): the naive softmax along the last axis (overflows for large x)
tensor softmax_naive(const tensor& x);

// torch.tril(torch.ones(t, t)): the simple mask, 1 on and below the diagonal
tensor tril_ones(std::size_t t);

// (weights * tril) / row sums: masking after softmax, then renormalising rows, for (..., T, T)
tensor mask_and_renormalize(const tensor& weights);

}  // namespace attn
