#include "kernels/peak.hpp"

#include <cstdint>
#include <vector>

#include "kernels/gemm.hpp"
#include "kernels/simd.hpp"

namespace attn::kernels {

namespace {
volatile float g_peak_sink = 0.0f;
}

// acc_i = acc_i * b + c: each chain is one madd deep per round, so 12 chains cover a
// (mul latency + add latency) of up to 6 cycles at 2 madds per cycle. Values converge to
// c / (1 - b) = 1 and stay normal (no denormal slow paths), with |b| < 1 nothing overflows.
double f32_madd_peak_loop(long iterations) {
  using namespace simd;
  float seed = g_peak_sink;  // opaque to the compiler
  const vf b = set1(0.5f + seed * 0.0f);
  const vf c = set1(0.5f);
  vf a0 = set1(seed + 0.1f), a1 = set1(seed + 0.2f), a2 = set1(seed + 0.3f), a3 = set1(seed + 0.4f);
  vf a4 = set1(seed + 0.5f), a5 = set1(seed + 0.6f), a6 = set1(seed + 0.7f), a7 = set1(seed + 0.8f);
  vf a8 = set1(seed + 0.9f), a9 = set1(seed + 1.0f), a10 = set1(seed + 1.1f), a11 = set1(seed + 1.2f);
  static_assert(kPeakAccumulators == 12, "keep in sync with the unrolled body");
  for (long i = 0; i < iterations; ++i) {
    a0 = madd(a0, b, c);
    a1 = madd(a1, b, c);
    a2 = madd(a2, b, c);
    a3 = madd(a3, b, c);
    a4 = madd(a4, b, c);
    a5 = madd(a5, b, c);
    a6 = madd(a6, b, c);
    a7 = madd(a7, b, c);
    a8 = madd(a8, b, c);
    a9 = madd(a9, b, c);
    a10 = madd(a10, b, c);
    a11 = madd(a11, b, c);
  }
  const vf s = add(add(add(add(a0, a1), add(a2, a3)), add(add(a4, a5), add(a6, a7))), add(add(a8, a9), add(a10, a11)));
  g_peak_sink = hsum(s);
  return double(iterations) * kPeakAccumulators * 8.0;
}

float f32_sum(std::size_t n, const float* x) {
  using namespace simd;
  vf a0 = zero(), a1 = zero(), a2 = zero(), a3 = zero();
  std::size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a0 = add(a0, loadu(x + i));
    a1 = add(a1, loadu(x + i + 4));
    a2 = add(a2, loadu(x + i + 8));
    a3 = add(a3, loadu(x + i + 12));
  }
  float s = hsum(add(add(a0, a1), add(a2, a3)));
  for (; i < n; ++i) s += x[i];
  return s;
}

double f32_gemm_bench(int m, int k, int n, int repeats) {
  if (m <= 0 || k <= 0 || n <= 0 || repeats <= 0) return 0.0;
  std::vector<float> x(std::size_t(m) * k), w(std::size_t(n) * k), bias(static_cast<std::size_t>(n)), y(std::size_t(m) * n);
  std::uint32_t state = 2463534242u;  // xorshift32: values in [-0.5, 0.5), no denormals
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return float(state >> 8) * (1.0f / 16777216.0f) - 0.5f;
  };
  for (float& v : x) v = next();
  for (float& v : w) v = next();
  for (float& v : bias) v = next();
  const PackedWeights packed = f32_gemm_pack(w.data(), n, k);
  for (int r = 0; r < repeats; ++r) f32_gemm(m, x.data(), k, packed, bias.data(), y.data(), n);
  g_peak_sink = g_peak_sink + y[0] * 0.0f;
  return double(repeats) * double(f32_gemm_flops(m, n, k));
}

}  // namespace attn::kernels
