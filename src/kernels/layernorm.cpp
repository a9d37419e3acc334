#include "kernels/layernorm.hpp"

#include <cmath>
#include <cstddef>

#include "kernels/simd.hpp"

namespace attn::kernels {

void f32_layernorm(int rows, int n, const float* x, int ldx, const float* scale, const float* shift, float eps,
                   float* y, int ldy) {
  using namespace simd;
  if (n <= 0) return;
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + std::size_t(r) * ldx;
    float* yr = y + std::size_t(r) * ldy;
    // Two passes (mean, then the mean of squared deviations): no cancellation for rows far from 0.
    vf vs = zero();
    int j = 0;
    for (; j + 4 <= n; j += 4) vs = add(vs, loadu(xr + j));
    float s = hsum(vs);
    for (; j < n; ++j) s += xr[j];
    const float mean = s / float(n);
    const vf vm = set1(mean);
    vf vq = zero();
    for (j = 0; j + 4 <= n; j += 4) {
      const vf d = sub(loadu(xr + j), vm);
      vq = madd(d, d, vq);
    }
    float q = hsum(vq);
    for (; j < n; ++j) q += (xr[j] - mean) * (xr[j] - mean);
    const float inv = 1.0f / std::sqrt(q / float(n) + eps);
    const vf vinv = set1(inv);
    for (j = 0; j + 4 <= n; j += 4)
      storeu(yr + j, madd(mul(mul(sub(loadu(xr + j), vm), vinv), loadu(scale + j)), set1(1.0f), loadu(shift + j)));
    for (; j < n; ++j) yr[j] = (xr[j] - mean) * inv * scale[j] + shift[j];
  }
}

void f32_layernorm_ref(int rows, int n, const float* x, int ldx, const float* scale, const float* shift, float eps,
                       float* y, int ldy) {
  if (n <= 0) return;
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + std::size_t(r) * ldx;
    float* yr = y + std::size_t(r) * ldy;
    double s = 0;
    for (int j = 0; j < n; ++j) s += xr[j];
    const double mean_d = s / n;
    double q = 0;
    for (int j = 0; j < n; ++j) q += (xr[j] - mean_d) * (xr[j] - mean_d);
    const float mean = static_cast<float>(mean_d), var = static_cast<float>(q / n);
    const float denom = std::sqrt(var + eps);
    for (int j = 0; j < n; ++j) yr[j] = scale[j] * ((xr[j] - mean) / denom) + shift[j];
  }
}

}  // namespace attn::kernels
