#include "kernels/softmax.hpp"

#include <cmath>
#include <cstddef>
#include <limits>

#include "kernels/simd.hpp"

namespace attn::kernels {

using namespace simd;

namespace {

// Scalar tail lanes go through the same vector exp (lane 0 of a splat), so a row's result
// does not depend on where the vector loop stopped.
ATTN_INLINE float exp1(float x) { return lane0(simd::exp(set1(x))); }

// Max of a row, NaN-propagating: max() keeps a NaN first operand, so a NaN entry at the start
// survives; NaN elsewhere may be dropped here, but then exp(NaN - m) = NaN poisons the sum and
// the whole row still comes out NaN, exactly as in torch.
ATTN_INLINE float row_max(int n, const float* x) {
  int j = 0;
  float m = -std::numeric_limits<float>::infinity();
  if (n >= 4) {
    vf vm = loadu(x);
    for (j = 4; j + 4 <= n; j += 4) vm = max(vm, loadu(x + j));
    m = hmax(vm);
  }
  for (; j < n; ++j) m = max1(m, x[j]);
  return m;
}

}  // namespace

void f32_softmax_rows(int rows, int n, const float* x, int ldx, float* y, int ldy) {
  if (n <= 0) return;
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + std::size_t(r) * ldx;
    float* yr = y + std::size_t(r) * ldy;
    const float m = row_max(n, xr);
    const vf vm = set1(m);
    // e = exp(x - m), stored, summed (4 partial sums, then hsum, then the scalar tail).
    vf vs = zero();
    int j = 0;
    for (; j + 4 <= n; j += 4) {
      const vf e = simd::exp(sub(loadu(xr + j), vm));
      storeu(yr + j, e);
      vs = add(vs, e);
    }
    float s = hsum(vs);
    for (; j < n; ++j) {
      const float e = exp1(xr[j] - m);
      yr[j] = e;
      s += e;
    }
    const float inv = 1.0f / s;
    const vf vinv = set1(inv);
    for (j = 0; j + 4 <= n; j += 4) storeu(yr + j, mul(loadu(yr + j), vinv));
    for (; j < n; ++j) yr[j] *= inv;
  }
}

void f32_softmax_rows_ref(int rows, int n, const float* x, int ldx, float* y, int ldy) {
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + std::size_t(r) * ldx;
    float* yr = y + std::size_t(r) * ldy;
    float m = -std::numeric_limits<float>::infinity();
    bool nan = false;
    for (int j = 0; j < n; ++j) {
      if (std::isnan(xr[j])) nan = true;
      if (xr[j] > m) m = xr[j];
    }
    if (nan) m = std::numeric_limits<float>::quiet_NaN();
    float s = 0.0f;
    for (int j = 0; j < n; ++j) {
      yr[j] = std::exp(xr[j] - m);
      s += yr[j];
    }
    const float inv = 1.0f / s;
    for (int j = 0; j < n; ++j) yr[j] *= inv;
  }
}

}  // namespace attn::kernels
