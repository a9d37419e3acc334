#include "kernels/gelu.hpp"

#include <cmath>

#include "kernels/simd.hpp"

namespace attn::kernels {

namespace {
// sqrt(2/π) as the book computes it: torch.sqrt(torch.tensor(2.0 / torch.pi)), in float.
const float kSqrt2OverPi = std::sqrt(static_cast<float>(2.0 / 3.14159265358979323846));
constexpr float kCubic = 0.044715f;
}  // namespace

namespace {
// Four lanes of GELU. tanh(u) = sign(u)·(1 - 2 / (exp(2|u|) + 1)): exp overflows to +inf for
// |u| > 44, where the quotient is 0 and tanh is exactly ±1, as PyTorch's; near 0 the error is the
// exp's, absolute, which is what counts once 1 is added.
ATTN_INLINE simd::vf gelu4(simd::vf v) {
  using namespace simd;
  const vf one = set1(1.0f), two = set1(2.0f);
  const vf u = mul(set1(kSqrt2OverPi), madd(set1(kCubic), mul(mul(v, v), v), v));  // sqrt(2/π)·(x + 0.044715·x³)
  const vf abs_u = max(u, sub(zero(), u));
  const vf t = sub(one, div(two, add(simd::exp(mul(two, abs_u)), one)));
  const vf tanh_u = bit_or(t, bit_and(u, set1(-0.0f)));  // t ≥ 0 takes u's sign
  return mul(mul(set1(0.5f), v), add(one, tanh_u));
}
}  // namespace

void f32_gelu(int n, const float* x, float* y) {
  using namespace simd;
  int i = 0;
  for (; i + 4 <= n; i += 4) storeu(y + i, gelu4(loadu(x + i)));
  // The tail through the same lanes (a splat), so a value's result does not depend on where it is.
  for (; i < n; ++i) y[i] = lane0(gelu4(set1(x[i])));
}

void f32_gelu_ref(int n, const float* x, float* y) {
  for (int i = 0; i < n; ++i) {
    const float v = x[i];
    const float cube = v * v * v;
    const float inner = v + kCubic * cube;
    const float t = std::tanh(kSqrt2OverPi * inner);
    y[i] = (0.5f * v) * (1.0f + t);
  }
}

}  // namespace attn::kernels
