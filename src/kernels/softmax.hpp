// Row softmax with PyTorch semantics along the last dimension:
//   m = max(x); e_j = exp(x_j - m); y_j = e_j * (1 / sum_j e_j)
// (torch's CPU kernel also multiplies by the reciprocal of the sum). Consequences, as in torch:
// a row that is entirely -inf gives NaN (-inf - -inf = NaN); -inf entries of a row with a
// finite max give 0; a NaN anywhere in a row makes the whole row NaN; +inf makes the row NaN.
#pragma once

namespace attn::kernels {

// x: (rows, n) with row stride ldx; y: (rows, n) with row stride ldy. y may alias x when
// ldy == ldx (in place).
void f32_softmax_rows(int rows, int n, const float* x, int ldx, float* y, int ldy);
void f32_softmax_rows_ref(int rows, int n, const float* x, int ldx, float* y, int ldy);

}  // namespace attn::kernels
