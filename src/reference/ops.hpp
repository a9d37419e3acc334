// Plain, obviously-correct tensor operations (xtensor, no intrinsics): the reference every fast
// kernel is tested against, and the path that computes traces. Semantics follow PyTorch's CPU
// ops as the book calls them.
#pragma once

#include <cstddef>

#include "core/generator.hpp"
#include "core/tensor.hpp"

namespace attn::ref {

// a: (M, K) @ b: (K, N) -> (M, N)
tensor matmul(const tensor& a, const tensor& b);

// a: (..., M, K) @ b: (..., N, K)ᵀ -> (..., M, N), batch dims equal: q · kᵀ
tensor matmul_nt(const tensor& a, const tensor& b);

// a: (..., M, K) @ b: (..., K, N) -> (..., M, N), batch dims equal: weights · values
tensor batched_matmul(const tensor& a, const tensor& b);

// nn.Linear: x (..., in) · weight (out, in)ᵀ + bias (out) -> (..., out); bias may be empty
tensor linear(const tensor& x, const tensor& weight, const tensor& bias);

// torch.softmax(x, dim): max-subtracted, exp, multiplied by 1/sum (dim already normalised)
tensor softmax(const tensor& x, std::size_t dim);

// masked_fill of the strict upper triangle of the last two axes with -inf: (..., T, T)
tensor causal_mask(const tensor& scores);

// x / sqrt(d_k), as the book's `attn_scores / keys.shape[-1]**0.5` (a float division)
tensor scale_scores(const tensor& scores, std::size_t d_k);

// nn.Dropout(p): in training mode draws a bernoulli(1 - p) mask from `gen` in element order
// and multiplies by mask / (1 - p); otherwise (or p == 0) returns x and draws nothing. With
// `mask`, also returns the mask (x's shape): 1 where a value was kept, 0 where it was zeroed.
tensor dropout(const tensor& x, double p, bool training, generator& gen, tensor* mask = nullptr);

}  // namespace attn::ref
