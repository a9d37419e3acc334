// Scaled dot-product attention for ONE (batch, head) slice, with the semantics of the book's
// CausalAttention / MultiHeadAttention:
//
//   scores = q @ k^T                                   (Tq, Tk)
//   if causal: scores[i][j] = -inf for j > past + i    (query i sees keys 0..past + i: with past = 0
//                                                       torch.triu(ones, 1)[:Tq, :Tk]; with a KV
//                                                       cache, past is the number of cached keys
//                                                       before the first query, as the book's
//                                                       mask[past : past + Tq, :Tk])
//   weights = softmax(scores / scale_divisor, dim=-1)  (scale_divisor = sqrt(d_k) in the book)
//   o = weights @ v                                    (Tq, D)
//
// Both functions DIVIDE the scores by scale_divisor (as the book does), they do not multiply
// by its reciprocal.
//
// f32_attention_fused never materialises the (Tq, Tk) matrix: blocks of 128 queries (16 groups
// of 8 SIMD lanes) stream over tiles of 64 keys with an online softmax (running max and sum,
// rescaling the accumulator), and key tiles that the causal mask hides entirely are skipped.
// Scratch is O(D * tile), independent of Tq and Tk.
//
// Edge cases: tk == 0 gives o = 0 (an empty weights @ v). A row whose scores are all -inf (only
// possible from -inf/NaN in the data; the causal mask always leaves key 0 visible) gives NaN, as
// torch does; a NaN score makes its row NaN.
#pragma once

#include <cstddef>

namespace attn::kernels {

// q: (Tq, D) row stride ldq; k, v: (Tk, D) strides ldk, ldv; o: (Tq, D) stride ldo.
void f32_attention_fused(int tq, int tk, int d, const float* q, int ldq, const float* k, int ldk, const float* v,
                         int ldv, float* o, int ldo, float scale_divisor, bool causal, int past);
// Straightforward twin: builds the full (Tq, Tk) score matrix.
void f32_attention_ref(int tq, int tk, int d, const float* q, int ldq, const float* k, int ldk, const float* v,
                       int ldv, float* o, int ldo, float scale_divisor, bool causal, int past);

// FLOPs the attention must do: 2*d per visible (query, key) score and 2*d per visible
// weight*value pair, i.e. 4*d per visible pair (causal: sum_i min(past+i+1, Tk) pairs). Softmax,
// scaling and the work a kernel wastes on partially masked tiles are not counted.
std::size_t f32_attention_fused_flops(int tq, int tk, int d, bool causal, int past = 0);

}  // namespace attn::kernels
