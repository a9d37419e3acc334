// The book's LayerNorm over each row of n features:
//   mean = x.mean(-1); var = x.var(-1, unbiased=False)
//   y = scale · (x - mean) / sqrt(var + eps) + shift
#pragma once

namespace attn::kernels {

// x: (rows, n) row stride ldx; y: (rows, n) stride ldy (y may alias x when ldy == ldx);
// scale, shift: (n).
void f32_layernorm(int rows, int n, const float* x, int ldx, const float* scale, const float* shift, float eps,
                   float* y, int ldy);
// Twin: mean and variance accumulated in double (as ATen accumulates float reductions in wider
// types), then the book's float operations one by one: x - mean, / sqrt(var + eps), · scale, + shift.
void f32_layernorm_ref(int rows, int n, const float* x, int ldx, const float* scale, const float* shift, float eps,
                       float* y, int ldy);

}  // namespace attn::kernels
