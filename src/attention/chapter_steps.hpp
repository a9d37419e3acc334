// The chapter's functions that are not part of a class: torch.softmax, the ways section 3.3.1
// normalises scores before it arrives at it, and section 3.5.1's first, multiplicative causal mask.
#pragma once

#include <cstdint>

#include "core/tensor.hpp"

namespace attn {

// torch.softmax(x, dim) with dim in [-rank, rank) (a 0-d tensor takes dim -1 or 0).
tensor softmax(const tensor& x, std::int64_t dim);

// attn_scores_2 / attn_scores_2.sum(): sum-normalisation along the last axis
tensor sum_normalize(const tensor& x);

// torch.exp(x) / torch.exp(x).sum(): the naive softmax along the last axis (overflows for large x)
tensor softmax_naive(const tensor& x);

// torch.tril(torch.ones(t, t)): the simple mask, 1 on and below the diagonal
tensor tril_ones(std::size_t t);

// (weights * tril) / row sums: masking after softmax, then renormalising rows, for (..., T, T)
tensor mask_and_renormalize(const tensor& weights);

}  // namespace attn
