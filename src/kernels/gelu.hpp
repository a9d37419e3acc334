// The book's GELU, the tanh approximation GPT-2 was trained with:
//   y = 0.5 · x · (1 + tanh(sqrt(2/π) · (x + 0.044715 · x³)))
// Special values as in PyTorch: ±inf give +inf / NaN (0.5 · -inf · 0), NaN gives NaN, and large
// negative x gives -0 (tanh rounds to -1).
#pragma once

namespace attn::kernels {

// x, y: n floats; y may alias x.
void f32_gelu(int n, const float* x, float* y);
// Twin: the book's float operations one by one (x·x·x as ATen's pow(x, 3), std::tanh).
void f32_gelu_ref(int n, const float* x, float* y);

}  // namespace attn::kernels
