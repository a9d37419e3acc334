#include "kernels/dropout.hpp"

#include <cstddef>

#include "kernels/simd.hpp"

namespace attn::kernels {

void f32_dropout(int n, const float* x, const float* mask, float keep, float* y) {
  using namespace simd;
  const vf vkeep = set1(keep);
  int i = 0;
  for (; i + 4 <= n; i += 4) storeu(y + i, mul(loadu(x + i), div(loadu(mask + i), vkeep)));
  for (; i < n; ++i) y[i] = x[i] * (mask[i] / keep);
}

void f32_dropout_ref(int n, const float* x, const float* mask, float keep, float* y) {
  for (int i = 0; i < n; ++i) y[i] = x[i] * (mask[i] / keep);
}

}  // namespace attn::kernels
