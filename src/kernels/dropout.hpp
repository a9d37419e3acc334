// nn.Dropout's multiply: y = x * (mask / keep) for a 0/1 mask and keep = 1 - p, in that order
// (ATen divides the bernoulli mask by keep first), so the result is PyTorch's bit for bit.
#pragma once

namespace attn::kernels {

// x, mask, y: n floats each; y may alias x.
void f32_dropout(int n, const float* x, const float* mask, float keep, float* y);
void f32_dropout_ref(int n, const float* x, const float* mask, float keep, float* y);

}  // namespace attn::kernels
