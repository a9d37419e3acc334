// Fast kernels (src/kernels) against their naive reference twins, XNNPACK style: sizes that
// are and are not multiples of the vector width (4) and of the tiles (GEMM 4x8 with MC/KC
// blocking; attention: 8-query groups, 128-query blocks, 64-key tiles, key quads, D tails),
// row strides larger than the row, and the special values PyTorch defines. Tolerances are
// explicit per op, each with the reason for its size.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "fixtures.hpp"
#include "kernels/attention.hpp"
#include "kernels/gemm.hpp"
#include "kernels/peak.hpp"
#include "kernels/simd.hpp"
#include "kernels/warm_up.hpp"
#include "kernels/softmax.hpp"

using namespace attn::kernels;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kSentinel = -12345.0f;  // written into row padding; kernels must not touch it

// Sizes on and off the multiples of 4 (vector width) and 8 (GEMM NR, attention lanes).
const std::vector<int> kSizes = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100};

std::vector<float> random_vec(std::size_t n, std::uint32_t seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

// fixtures::compare_block (the suite's one tolerance check) as these tests read it: "" when every
// element passes, else the first mismatch; row padding must still hold kSentinel.
template <class Scale>
std::string compare(int rows, int cols, const float* got, int ld_got, const float* want, int ld_want, float abs_tol,
                    float rel_tol, Scale scale) {
  const auto c = fixtures::compare_block(rows, cols, got, ld_got, want, ld_want, abs_tol, rel_tol, scale, &kSentinel);
  return c.ok ? "" : c.detail;
}

std::string compare_rel_to_ref(int rows, int cols, const float* got, int ld_got, const float* want, int ld_want,
                               float abs_tol, float rel_tol) {
  return compare(rows, cols, got, ld_got, want, ld_want, abs_tol, rel_tol,
                 [&](int i, int j) { return std::fabs(double(want[std::size_t(i) * ld_want + j])); });
}

// The vocabulary's exp over n floats, vector lanes then a scalar tail through a splat (as the
// softmax kernel's tail), so both paths are swept.
void vexp(int n, const float* x, float* y) {
  using namespace attn::kernels::simd;
  int j = 0;
  for (; j + 4 <= n; j += 4) storeu(y + j, simd::exp(loadu(x + j)));
  for (; j < n; ++j) y[j] = lane0(simd::exp(set1(x[j])));
}

// ULP distance between two finite floats of any sign (via the monotone integer mapping).
std::int64_t ulp_distance(float a, float b) {
  auto key = [](float f) {
    std::int32_t i;
    std::memcpy(&i, &f, sizeof i);
    return i < 0 ? std::int64_t(std::numeric_limits<std::int32_t>::min()) - i : std::int64_t(i);
  };
  const std::int64_t d = key(a) - key(b);
  return d < 0 ? -d : d;
}

}  // namespace

// ------------------------------------------------------------------------------------------
// SIMD vocabulary

TEST_CASE("the SIMD vocabulary names its ISA and keeps multiply-add unfused", "[kernels]") {
  const std::string isa = simd::kIsa;
  CHECK((isa == "wasmsimd" || isa == "sse2" || isa == "scalar"));
  // a*b + c with two roundings: 1 + 2^-12 squared is 1 + 2^-11 + 2^-24; the product rounds
  // to 1 + 2^-11 (ties-to-even), so (a*a) - (1 + 2^-11) is exactly 0 unfused, 2^-24 if fused.
  const float a = 1.0f + 0x1p-12f;
  float out[4];
  simd::storeu(out, simd::madd(simd::set1(a), simd::set1(a), simd::set1(-(1.0f + 0x1p-11f))));
  for (float x : out) CHECK(x == 0.0f);
}

TEST_CASE("the SIMD max, min, hsum and hmax have the same NaN and ordering rules everywhere", "[kernels]") {
  using namespace simd;
  float out[4];
  storeu(out, max(set(kNaN, 1.0f, -0.0f, 2.0f), set(1.0f, kNaN, 0.0f, 3.0f)));
  CHECK(std::isnan(out[0]));  // NaN first operand is kept
  CHECK(out[1] == 1.0f);      // NaN second operand is dropped
  CHECK(std::signbit(out[2]));  // -0 < 0 is false: the first operand stays
  CHECK(out[3] == 3.0f);
  storeu(out, min(set(kNaN, 1.0f, 5.0f, -1.0f), set(1.0f, kNaN, 4.0f, -2.0f)));
  CHECK(std::isnan(out[0]));
  CHECK(out[1] == 1.0f);
  CHECK(out[2] == 4.0f);
  CHECK(out[3] == -2.0f);
  CHECK(hsum(set(1.0f, 2.0f, 3.0f, 4.0f)) == 10.0f);
  CHECK(hmax(set(1.0f, 7.0f, -3.0f, 4.0f)) == 7.0f);
  CHECK(hmax(set(-kInf, -kInf, -kInf, -kInf)) == -kInf);
  vf r0 = set(0, 1, 2, 3), r1 = set(4, 5, 6, 7), r2 = set(8, 9, 10, 11), r3 = set(12, 13, 14, 15);
  transpose4(r0, r1, r2, r3);
  storeu(out, r1);
  CHECK((out[0] == 1 && out[1] == 5 && out[2] == 9 && out[3] == 13));
}

TEST_CASE("the SIMD exp is within 1 ulp of the correctly rounded exp on a dense sweep of [-104, 89]", "[kernels]") {
  // Every 61st float bit pattern over [-104, 89] (about 37 million inputs, covering the
  // subnormal outputs below -87.3 and the overflow boundary at 88.72) plus exact endpoints.
  // Reference: exp in double rounded to float, i.e. correctly rounded except in rare double-
  // rounding ties. Bound: 1 ulp (range reduction is exact, the polynomial is 1e-8 relative,
  // and the final 1 + (r + r^2 q) and the 2^n scaling round once each).
  std::int64_t worst = 0, worst_vs_std = 0;
  float worst_x = 0.0f;
  std::vector<float> xs, ys;
  auto flush = [&] {  // evaluate in chunks: the sweep is ~37 million inputs
    ys.resize(xs.size());
    vexp(int(xs.size()), xs.data(), ys.data());
    for (std::size_t i = 0; i < xs.size(); ++i) {
      const float want = float(std::exp(double(xs[i])));
      const std::int64_t u = ulp_distance(ys[i], want);
      if (u > worst) {
        worst = u;
        worst_x = xs[i];
      }
      worst_vs_std = std::max(worst_vs_std, ulp_distance(ys[i], std::exp(xs[i])));
    }
    xs.clear();
  };
  auto sweep = [&](float from, float to) {  // same-sign interval, by bit pattern
    std::uint32_t a, b;
    std::memcpy(&a, &from, 4);
    std::memcpy(&b, &to, 4);
    if (a > b) std::swap(a, b);
    for (std::uint32_t u = a; u <= b; u += 61) {
      float f;
      std::memcpy(&f, &u, 4);
      xs.push_back(f);
      if (xs.size() == 4099) flush();  // odd chunk: exercises the scalar tail too
    }
    flush();
  };
  sweep(-0.0f, -104.0f);
  sweep(0.0f, 89.0f);
  for (float f : {-104.0f, -103.97208f, -103.9721f, -87.33655f, -87.3365f, 88.72283f, 88.722839f, 88.7228394f,
                  89.0f, 1e-8f, -1e-8f, 0.5f, -0.5f, 1.0f, -1.0f, 0.34657359f, -0.34657359f})
    xs.push_back(f);
  flush();
  INFO("worst input " << worst_x << " (" << worst << " ulp)");
  CHECK(worst <= 1);
  CHECK(worst_vs_std <= 2);  // std::exp(float) itself may be off by up to ~0.5 ulp
}

TEST_CASE("the SIMD exp handles infinities, NaN, overflow, underflow and zero exactly", "[kernels]") {
  const std::vector<float> xs = {-kInf, kInf, kNaN, -kNaN, 0.0f, -0.0f, 88.7229f, 100.0f, 1e30f, -105.0f, -1e30f,
                                 std::numeric_limits<float>::max(), std::numeric_limits<float>::lowest(),
                                 std::numeric_limits<float>::denorm_min()};
  // Run every value both as a vector lane and as a scalar tail element.
  std::vector<float> in;
  for (float x : xs) in.insert(in.end(), {x, x, x, x});
  for (float x : xs) in.push_back(x);
  std::vector<float> out(in.size());
  vexp(int(in.size()), in.data(), out.data());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const float x = in[i], y = out[i];
    INFO("exp(" << x << ") = " << y);
    if (std::isnan(x)) {
      CHECK(std::isnan(y));
    } else if (x == -kInf || x <= -105.0f) {
      CHECK(y == 0.0f);
      CHECK_FALSE(std::signbit(y));
    } else if (x == kInf || x >= 88.7229f) {
      CHECK(y == kInf);
    } else if (x == 0.0f || x == std::numeric_limits<float>::denorm_min()) {
      CHECK(y == 1.0f);
    }
  }
}

// ------------------------------------------------------------------------------------------
// GEMM

namespace {

// Summation-order tolerance for dot products of length k. Fast and reference differ only in
// the order of the k additions (and where the bias enters); each is within k*2^-24 of the
// exact sum relative to sum|terms|, typically sqrt(k)*2^-24. Scale = sum|x*w| + |b| (in double),
// not |ref|, because signed inputs can cancel to a tiny result with a normal-sized error.
constexpr float kDotRelTol = 1e-5f;   // >= 2*sqrt(k)*2^-24 for k up to ~2000 with margin
constexpr float kDotAbsTol = 1e-30f;  // everything is relative to the magnitude

struct GemmCase {
  int m, n, k, ldx, ldw, ldy;
  bool bias;
};

void run_gemm_case(const GemmCase& c, std::uint32_t seed) {
  const auto x = random_vec(std::size_t(c.m) * c.ldx, seed);
  const auto w = random_vec(std::size_t(c.n) * c.k, seed + 1);
  const auto b = random_vec(std::size_t(c.n), seed + 2);
  std::vector<float> y(std::size_t(c.m) * c.ldy, kSentinel), yr(std::size_t(c.m) * c.n);
  const PackedWeights pw = f32_gemm_pack(w.data(), c.n, c.k);
  REQUIRE(pw.n == c.n);
  REQUIRE(pw.k == c.k);
  f32_gemm(c.m, x.data(), c.ldx, pw, c.bias ? b.data() : nullptr, y.data(), c.ldy);
  f32_gemm_ref(c.m, x.data(), c.ldx, pw, c.bias ? b.data() : nullptr, yr.data(), c.n);
  auto scale = [&](int i, int j) {
    double s = c.bias ? std::fabs(b[j]) : 0.0;
    for (int kk = 0; kk < c.k; ++kk) s += std::fabs(double(x[std::size_t(i) * c.ldx + kk]) * w[std::size_t(j) * c.k + kk]);
    return s;
  };
  INFO("m=" << c.m << " n=" << c.n << " k=" << c.k << " ldx=" << c.ldx << " ldy=" << c.ldy << " bias=" << c.bias);
  const std::string err = compare(c.m, c.n, y.data(), c.ldy, yr.data(), c.n, kDotAbsTol, kDotRelTol, scale);
  REQUIRE(err == "");
}

}  // namespace

TEST_CASE("f32_gemm matches the nn.Linear reference for m, n, k on and off the 4x8 tile", "[kernels]") {
  int cases = 0;
  for (int m : kSizes)
    for (int n : kSizes)
      for (int k : kSizes) {
        const bool bias = (m + n + k) % 2 == 0;
        const int pad = (m * 7 + n) % 5;  // strides from exactly the row length to row + 4
        run_gemm_case({m, n, k, k + pad, k, n + (pad + 1) % 5, bias}, std::uint32_t(m * 10007 + n * 101 + k));
        ++cases;
      }
  CHECK(cases == int(kSizes.size() * kSizes.size() * kSizes.size()));
}

TEST_CASE("f32_gemm with a bias equals f32_gemm without it plus the bias", "[kernels]") {
  for (int n : {1, 8, 13}) {
    run_gemm_case({9, n, 20, 23, 20, n + 3, true}, 5);
    run_gemm_case({9, n, 20, 23, 20, n + 3, false}, 5);
    const int m = 9, k = 20;
    const auto x = random_vec(std::size_t(m) * k, 21), w = random_vec(std::size_t(n) * k, 22);
    const auto b = random_vec(std::size_t(n), 23, -100.0f, 100.0f);
    const PackedWeights pw = f32_gemm_pack(w.data(), n, k);
    std::vector<float> yb(std::size_t(m) * n), y0(std::size_t(m) * n), want(std::size_t(m) * n);
    f32_gemm(m, x.data(), k, pw, b.data(), yb.data(), n);
    f32_gemm(m, x.data(), k, pw, nullptr, y0.data(), n);
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j) want[std::size_t(i) * n + j] = y0[std::size_t(i) * n + j] + b[j];
    // The bias is the accumulator's initial value, so the two differ by the rounding of
    // |b| + |x.w| <= ~120 along the k additions: relative to that magnitude, as kDotRelTol.
    INFO("n=" << n);
    REQUIRE(compare(m, n, yb.data(), n, want.data(), n, kDotAbsTol, kDotRelTol, [&](int, int j) {
              return std::fabs(double(b[j])) + k;
            }) == "");
  }
}

TEST_CASE("f32_gemm gives each row the same bits whatever the other rows and outputs of the call", "[kernels]") {
  // Rows below the 4-row micro-tile (decoding one token) run a 1x8 kernel on x as it is; every
  // output of a multi-output call is computed as alone. Both must not change any bit.
  for (int n : {1, 7, 8, 13, 64}) {
    for (int k : {1, 5, 64, 1100}) {
      const int m = 9;
      const auto x = random_vec(std::size_t(m) * k, std::uint32_t(n * 131 + k)), w = random_vec(std::size_t(n) * k, 3);
      const auto b = random_vec(std::size_t(n), 4);
      const PackedWeights pw = f32_gemm_pack(w.data(), n, k);
      std::vector<float> all(std::size_t(m) * n);
      f32_gemm(m, x.data(), k, pw, b.data(), all.data(), n);
      for (int rows : {1, 2, 3}) {
        std::vector<float> few(std::size_t(rows) * n);
        f32_gemm(rows, x.data() + std::size_t(m - rows) * k, k, pw, b.data(), few.data(), n);
        INFO("n=" << n << " k=" << k << " rows=" << rows);
        CHECK(std::memcmp(few.data(), all.data() + std::size_t(m - rows) * n, few.size() * sizeof(float)) == 0);
      }
      // Two outputs in one call, side by side in y: each as in its own call.
      const PackedWeights pw2 = f32_gemm_pack(random_vec(std::size_t(n) * k, 5).data(), n, k);
      std::vector<float> both(std::size_t(m) * 2 * n), second(std::size_t(m) * n);
      const GemmOutput outs[2] = {{&pw, b.data(), both.data(), 2 * n}, {&pw2, nullptr, both.data() + n, 2 * n}};
      f32_gemm(m, x.data(), k, outs, 2);
      f32_gemm(m, x.data(), k, pw2, nullptr, second.data(), n);
      for (int i = 0; i < m; ++i) {
        CHECK(std::memcmp(both.data() + std::size_t(i) * 2 * n, all.data() + std::size_t(i) * n, n * sizeof(float)) == 0);
        CHECK(std::memcmp(both.data() + std::size_t(i) * 2 * n + n, second.data() + std::size_t(i) * n, n * sizeof(float)) == 0);
      }
    }
  }
}

TEST_CASE("packed weights hold exactly N·K floats and read back as W, plain or transposed", "[kernels]") {
  for (int n : {1, 3, 8, 9, 17}) {
    const int k = 5;
    const auto w = random_vec(std::size_t(n) * k, std::uint32_t(n));
    const PackedWeights pw = f32_gemm_pack(w.data(), n, k);
    CHECK(pw.panels.size() == std::size_t(n) * k);
    std::vector<float> back(w.size()), wt(w.size());
    f32_gemm_unpack(pw, back.data());
    CHECK(back == w);
    for (int j = 0; j < n; ++j)
      for (int kk = 0; kk < k; ++kk) wt[std::size_t(kk) * n + j] = w[std::size_t(j) * k + kk];
    f32_gemm_unpack(f32_gemm_pack_transposed(wt.data(), k, n), back.data());
    CHECK(back == w);
  }
}

TEST_CASE("f32_gemm handles the cache-blocking edges: m past MC, k split into KC slices, wide n", "[kernels]") {
  run_gemm_case({130, 70, 1100, 1100, 1100, 75, true}, 11);   // k > KC: two K slices, accumulate path
  run_gemm_case({67, 9, 2051, 2060, 2051, 9, false}, 12);     // three K slices, odd remainders
  run_gemm_case({257, 300, 64, 64, 64, 301, true}, 13);       // several MC blocks and N panels
  run_gemm_case({64, 8, 1024, 1024, 1024, 8, true}, 14);      // exactly one KC slice, one panel
}

TEST_CASE("f32_gemm writes bias only when k is zero and packs empty weights", "[kernels]") {
  const std::vector<float> b = {1.0f, -2.0f, 3.0f};
  const PackedWeights pw = f32_gemm_pack(nullptr, 3, 0);
  std::vector<float> y(2 * 3, kSentinel);
  f32_gemm(2, nullptr, 0, pw, b.data(), y.data(), 3);
  CHECK(y == std::vector<float>({1.0f, -2.0f, 3.0f, 1.0f, -2.0f, 3.0f}));
  f32_gemm(2, nullptr, 0, pw, nullptr, y.data(), 3);
  CHECK(y == std::vector<float>(6, 0.0f));
  f32_gemm(0, nullptr, 0, pw, b.data(), y.data(), 3);  // m == 0: nothing happens
}

TEST_CASE("f32_matmul and f32_matmul_nt match their references for sizes on and off the tile, with strides",
          "[kernels]") {
  const std::vector<int> sizes = {1, 3, 4, 5, 8, 9, 16, 17, 33, 64};
  for (int m : sizes)
    for (int n : sizes)
      for (int k : sizes) {
        const std::uint32_t seed = std::uint32_t(m * 7919 + n * 31 + k);
        const int lda = k + 2, ldb_kn = n + 3, ldb_nk = k + 1, ldc = n + 1;
        const auto a = random_vec(std::size_t(m) * lda, seed);
        const auto b_kn = random_vec(std::size_t(k) * ldb_kn, seed + 1);
        const auto b_nk = random_vec(std::size_t(n) * ldb_nk, seed + 2);
        INFO("m=" << m << " n=" << n << " k=" << k);
        {
          std::vector<float> c(std::size_t(m) * ldc, kSentinel), cr(std::size_t(m) * n);
          f32_matmul(m, n, k, a.data(), lda, b_kn.data(), ldb_kn, c.data(), ldc);
          f32_matmul_ref(m, n, k, a.data(), lda, b_kn.data(), ldb_kn, cr.data(), n);
          auto scale = [&](int i, int j) {
            double s = 0;
            for (int kk = 0; kk < k; ++kk) s += std::fabs(double(a[std::size_t(i) * lda + kk]) * b_kn[std::size_t(kk) * ldb_kn + j]);
            return s;
          };
          REQUIRE(compare(m, n, c.data(), ldc, cr.data(), n, kDotAbsTol, kDotRelTol, scale) == "");
        }
        {
          std::vector<float> c(std::size_t(m) * ldc, kSentinel), cr(std::size_t(m) * n);
          f32_matmul_nt(m, n, k, a.data(), lda, b_nk.data(), ldb_nk, c.data(), ldc);
          f32_matmul_nt_ref(m, n, k, a.data(), lda, b_nk.data(), ldb_nk, cr.data(), n);
          auto scale = [&](int i, int j) {
            double s = 0;
            for (int kk = 0; kk < k; ++kk) s += std::fabs(double(a[std::size_t(i) * lda + kk]) * b_nk[std::size_t(j) * ldb_nk + kk]);
            return s;
          };
          REQUIRE(compare(m, n, c.data(), ldc, cr.data(), n, kDotAbsTol, kDotRelTol, scale) == "");
        }
      }
}

TEST_CASE("the GEMM micro-kernel is named after op, tile and ISA", "[kernels]") {
  CHECK(std::string(f32_gemm_ukernel_name()) == std::string("f32_gemm_4x8__") + simd::kIsa);
  CHECK(f32_gemm_flops(1024, 2304, 768) == std::size_t(2) * 1024 * 2304 * 768);
}

// ------------------------------------------------------------------------------------------
// Softmax

namespace {
// Softmax: per element the fast path differs from std::exp by <= 1 ulp (plus the reference's
// own <= 0.5 ulp), and the row sum is accumulated in a different order (4 partial sums):
// all terms are positive, so the sum's relative error is <= n*2^-24 and typically
// sqrt(n)*2^-24. Relative tolerance 1e-5 covers n up to ~1000 with margin; no absolute
// floor is needed because every output is a positive quantity with a relative error.
constexpr float kSoftmaxRelTol = 1e-5f;
constexpr float kSoftmaxAbsTol = 0.0f;
}  // namespace

TEST_CASE("f32_softmax_rows matches the reference for row lengths on and off the vector width, with strides",
          "[kernels]") {
  std::vector<int> ns = kSizes;
  ns.push_back(1000);
  for (int n : ns)
    for (int rows : {1, 3, 8}) {
      const int ldx = n + (n % 3), ldy = n + 2;
      const auto x = random_vec(std::size_t(rows) * ldx, std::uint32_t(n * 13 + rows), -10.0f, 10.0f);
      std::vector<float> y(std::size_t(rows) * ldy, kSentinel), yr(std::size_t(rows) * n);
      f32_softmax_rows(rows, n, x.data(), ldx, y.data(), ldy);
      f32_softmax_rows_ref(rows, n, x.data(), ldx, yr.data(), n);
      INFO("rows=" << rows << " n=" << n);
      REQUIRE(compare_rel_to_ref(rows, n, y.data(), ldy, yr.data(), n, kSoftmaxAbsTol, kSoftmaxRelTol) == "");
    }
}

TEST_CASE("f32_softmax_rows follows torch on -inf, +inf, NaN and extreme rows", "[kernels]") {
  // Each row is 9 wide so the special value lands in the vector body and in the scalar tail.
  const int n = 9;
  std::vector<std::vector<float>> rows = {
      {-kInf, -kInf, -kInf, -kInf, -kInf, -kInf, -kInf, -kInf, -kInf},  // all -inf -> all NaN
      {0.5f, -kInf, 1.0f, -kInf, 2.0f, 0.0f, -1.0f, 3.0f, -kInf},        // -inf -> exactly 0
      {0.5f, 1.0f, kNaN, 0.0f, 2.0f, 0.0f, -1.0f, 3.0f, 1.0f},           // NaN in the body -> all NaN
      {kNaN, 1.0f, 2.0f, 0.0f, 2.0f, 0.0f, -1.0f, 3.0f, 1.0f},           // NaN first -> all NaN
      {0.5f, 1.0f, 2.0f, 0.0f, 2.0f, 0.0f, -1.0f, 3.0f, kNaN},           // NaN in the tail -> all NaN
      {0.5f, 1.0f, kInf, 0.0f, 2.0f, 0.0f, -1.0f, 3.0f, 1.0f},           // +inf -> all NaN
      {1e30f, -1e30f, 0.0f, 1e30f, 5.0f, -5.0f, 1e30f, 0.0f, -kInf},     // huge: three-way tie
      {-kInf, -kInf, -kInf, -kInf, -kInf, -kInf, -kInf, -kInf, 7.0f},    // only the tail is finite
      {3.0f, 3.0f, 3.0f, 3.0f, 3.0f, 3.0f, 3.0f, 3.0f, 3.0f},            // uniform -> 1/9
      {-100.0f, 0.0f, -100.0f, -100.0f, -100.0f, -100.0f, -100.0f, -100.0f, -100.0f},  // underflowing
  };
  std::vector<float> x;
  for (auto& r : rows) x.insert(x.end(), r.begin(), r.end());
  const int nrows = int(rows.size());
  std::vector<float> y(x.size()), yr(x.size());
  f32_softmax_rows(nrows, n, x.data(), n, y.data(), n);
  f32_softmax_rows_ref(nrows, n, x.data(), n, yr.data(), n);
  REQUIRE(compare_rel_to_ref(nrows, n, y.data(), n, yr.data(), n, kSoftmaxAbsTol, kSoftmaxRelTol) == "");
  for (int j = 0; j < n; ++j) {
    CHECK(std::isnan(y[0 * n + j]));
    for (int r : {2, 3, 4, 5}) CHECK(std::isnan(y[r * n + j]));
  }
  CHECK(y[1 * n + 1] == 0.0f);
  CHECK(y[1 * n + 8] == 0.0f);
  CHECK(y[6 * n + 0] == Approx(1.0f / 3.0f).epsilon(1e-6));
  CHECK(y[6 * n + 1] == 0.0f);
  CHECK(y[7 * n + 8] == 1.0f);
  CHECK(y[7 * n + 0] == 0.0f);
  CHECK(y[8 * n + 4] == Approx(1.0f / 9.0f).epsilon(1e-6));
  CHECK(y[9 * n + 1] == Approx(1.0f).epsilon(1e-6));
}

TEST_CASE("f32_softmax_rows works in place and a single element row gives exactly 1", "[kernels]") {
  auto x = random_vec(5 * 17, 3, -4.0f, 4.0f);
  std::vector<float> yr(x.size());
  f32_softmax_rows_ref(5, 17, x.data(), 17, yr.data(), 17);
  f32_softmax_rows(5, 17, x.data(), 17, x.data(), 17);
  REQUIRE(compare_rel_to_ref(5, 17, x.data(), 17, yr.data(), 17, kSoftmaxAbsTol, kSoftmaxRelTol) == "");
  float one = 42.0f, out = 0.0f;
  f32_softmax_rows(1, 1, &one, 1, &out, 1);
  CHECK(out == 1.0f);
}

// ------------------------------------------------------------------------------------------
// Attention

namespace {

// Attention: the scores are bit-identical to the reference (both sum q.k sequentially over d,
// then divide). The rest differs by the online softmax (exp(s - m_partial) * alpha instead of
// exp(s - m): a few ulps per weight) and by the order of the weights.v sum (per 64-key tile,
// rescaled; the outputs are convex combinations of v rows, |v| <= 1). Both are relative to
// max|v| = 1 and grow like sqrt(Tk) * 2^-24: 2e-6 absolute + 1e-5 relative covers Tk = 16k.
constexpr float kAttnAbsTol = 2e-6f;
constexpr float kAttnRelTol = 1e-5f;

struct AttnData {
  int tq, tk, d, ldq, ldk, ldv, ldo;
  std::vector<float> q, k, v;
};

AttnData make_attn(int tq, int tk, int d, int pad, std::uint32_t seed, float qk_range = 1.0f) {
  AttnData a{tq, tk, d, d + pad, d + 2 * pad, d + pad + 1, d + pad, {}, {}, {}};
  a.q = random_vec(std::size_t(tq) * a.ldq, seed, -qk_range, qk_range);
  a.k = random_vec(std::size_t(std::max(tk, 1)) * a.ldk, seed + 1, -qk_range, qk_range);
  a.v = random_vec(std::size_t(std::max(tk, 1)) * a.ldv, seed + 2);
  return a;
}

std::string run_attention(const AttnData& a, bool causal, float abs_tol = kAttnAbsTol, float rel_tol = kAttnRelTol,
                          int past = 0) {
  const float div = std::sqrt(float(a.d));
  std::vector<float> o(std::size_t(a.tq) * a.ldo, kSentinel), orf(std::size_t(a.tq) * a.d);
  f32_attention_fused(a.tq, a.tk, a.d, a.q.data(), a.ldq, a.k.data(), a.ldk, a.v.data(), a.ldv, o.data(), a.ldo, div,
                      causal, past);
  f32_attention_ref(a.tq, a.tk, a.d, a.q.data(), a.ldq, a.k.data(), a.ldk, a.v.data(), a.ldv, orf.data(), a.d, div,
                    causal, past);
  return compare_rel_to_ref(a.tq, a.d, o.data(), a.ldo, orf.data(), a.d, abs_tol, rel_tol);
}

// One output row of attention, computed in double straight from the definition.
std::vector<double> attention_row_double(const AttnData& a, int i, bool causal, int past = 0) {
  const double div = std::sqrt(float(a.d));
  const int visible = causal ? std::min(past + i + 1, a.tk) : a.tk;
  std::vector<double> s(static_cast<std::size_t>(visible));
  double m = -INFINITY;
  for (int j = 0; j < visible; ++j) {
    double acc = 0;
    for (int dd = 0; dd < a.d; ++dd) acc += double(a.q[std::size_t(i) * a.ldq + dd]) * a.k[std::size_t(j) * a.ldk + dd];
    s[j] = acc / div;
    m = std::max(m, s[j]);
  }
  double sum = 0;
  for (double& x : s) sum += (x = std::exp(x - m));
  std::vector<double> out(static_cast<std::size_t>(a.d), 0.0);
  for (int j = 0; j < visible; ++j)
    for (int dd = 0; dd < a.d; ++dd) out[dd] += s[j] / sum * a.v[std::size_t(j) * a.ldv + dd];
  return out;
}

}  // namespace

TEST_CASE("f32_attention_fused matches the reference for T and d on and off the tiles, causal and not",
          "[kernels]") {
  const std::vector<int> ts = {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65, 100, 129, 257};
  const std::vector<int> ds = {1, 2, 3, 4, 5, 7, 8, 16, 33, 64};
  for (int t : ts)
    for (int d : ds)
      for (bool causal : {false, true}) {
        INFO("T=" << t << " d=" << d << " causal=" << causal);
        REQUIRE(run_attention(make_attn(t, t, d, (t + d) % 3, std::uint32_t(t * 131 + d)), causal) == "");
      }
}

TEST_CASE("f32_attention_fused handles Tq different from Tk, with the causal mask aligned top-left", "[kernels]") {
  for (auto [tq, tk] : std::vector<std::pair<int, int>>{{1, 17}, {5, 17}, {17, 5}, {40, 100}, {100, 40}, {33, 1}}) {
    for (bool causal : {false, true}) {
      INFO("Tq=" << tq << " Tk=" << tk << " causal=" << causal);
      REQUIRE(run_attention(make_attn(tq, tk, 13, 2, std::uint32_t(tq * 7 + tk)), causal) == "");
    }
  }
}

TEST_CASE("f32_attention_fused shifts the causal mask by the cached keys: query i sees keys up to past + i",
          "[kernels]") {
  // The KV cache's calls: Tk = past + Tq, one new token or a chunk, across tile and group edges.
  for (auto [tq, past] : std::vector<std::pair<int, int>>{{1, 0}, {1, 16}, {1, 63}, {1, 64}, {1, 200}, {2, 7},
                                                          {5, 35}, {9, 120}, {17, 64}, {130, 3}}) {
    for (int d : {13, 64}) {
      INFO("Tq=" << tq << " past=" << past << " d=" << d);
      REQUIRE(run_attention(make_attn(tq, past + tq, d, 1, std::uint32_t(tq * 31 + past)), true, kAttnAbsTol,
                            kAttnRelTol, past) == "");
    }
  }
  // A query past the cache sees every key; each row equals the definition in double.
  const AttnData a = make_attn(3, 50, 8, 0, 5);
  std::vector<float> o(3 * 8);
  f32_attention_fused(3, 50, 8, a.q.data(), a.ldq, a.k.data(), a.ldk, a.v.data(), a.ldv, o.data(), 8,
                      std::sqrt(8.0f), true, 47);
  for (int i = 0; i < 3; ++i) {
    std::vector<double> want = attention_row_double(a, i, true, 47);
    for (int dd = 0; dd < 8; ++dd) CHECK(std::fabs(o[std::size_t(i) * 8 + dd] - want[dd]) <= 1e-6);
  }
  CHECK(f32_attention_fused_flops(3, 50, 8, true, 47) == 4u * 8u * (48u + 49u + 50u));
}

TEST_CASE("f32_attention_fused matches the reference at T = 1000 with d = 64", "[kernels]") {
  for (bool causal : {true, false}) {
    INFO("causal=" << causal);
    REQUIRE(run_attention(make_attn(1000, 1000, 64, 4, 77), causal) == "");
  }
}

TEST_CASE("f32_attention_fused stays accurate when the softmax is peaked and the running max keeps moving",
          "[kernels]") {
  // q, k in [-4, 4]: scores up to ~±128/sqrt(d), weights span e^±40, so the running max is
  // overtaken often and old partial sums are rescaled by tiny alphas. The scores themselves
  // are identical to the reference; tolerance as for the ordinary case.
  for (bool causal : {true, false}) {
    INFO("causal=" << causal);
    REQUIRE(run_attention(make_attn(300, 300, 16, 1, 5, 4.0f), causal) == "");
  }
  // Increasing scores along the keys: every tile raises the max.
  AttnData a = make_attn(130, 130, 8, 0, 9);
  for (int j = 0; j < a.tk; ++j)
    for (int dd = 0; dd < a.d; ++dd) a.k[std::size_t(j) * a.ldk + dd] = 0.05f * j;
  for (int i = 0; i < a.tq; ++i)
    for (int dd = 0; dd < a.d; ++dd) a.q[std::size_t(i) * a.ldq + dd] = 1.0f;
  REQUIRE(run_attention(a, true) == "");
  REQUIRE(run_attention(a, false) == "");
}

TEST_CASE("f32_attention_fused runs T = 16384 in O(tile) memory and matches sampled rows computed in double",
          "[kernels]") {
  const int t = 16384, d = 8;
  AttnData a = make_attn(t, t, d, 0, 2024);
  std::vector<float> o(std::size_t(t) * d);
  f32_attention_fused(t, t, d, a.q.data(), a.ldq, a.k.data(), a.ldk, a.v.data(), a.ldv, o.data(), d,
                      std::sqrt(float(d)), true, 0);
  for (int i : {0, 1, 31, 32, 63, 64, 4095, 9999, 16383}) {
    const auto want = attention_row_double(a, i, true);
    for (int dd = 0; dd < d; ++dd) {
      INFO("row " << i << " dim " << dd);
      // float vs double: per-weight error ~ulps of exp, sum over up to 16k keys; see kAttnAbsTol.
      CHECK(std::fabs(o[std::size_t(i) * d + dd] - want[dd]) <= 1e-5);
    }
  }
}

TEST_CASE("f32_attention_fused gives zeros for no keys and NaN rows for NaN or all -inf scores", "[kernels]") {
  {
    std::vector<float> q(3 * 4, 1.0f), o(3 * 4, kSentinel);
    f32_attention_fused(3, 0, 4, q.data(), 4, nullptr, 4, nullptr, 4, o.data(), 4, 2.0f, false, 0);
    CHECK(o == std::vector<float>(12, 0.0f));
  }
  AttnData a = make_attn(20, 20, 5, 1, 3);
  a.q[std::size_t(6) * a.ldq + 2] = kNaN;     // query 6 -> NaN scores -> NaN row
  a.q[std::size_t(11) * a.ldq + 0] = -kInf;   // query 11: scores +-inf; +inf in a row -> NaN row
  for (bool causal : {false, true}) {
    INFO("causal=" << causal);
    REQUIRE(run_attention(a, causal) == "");
    std::vector<float> o(std::size_t(a.tq) * a.d);
    f32_attention_fused(a.tq, a.tk, a.d, a.q.data(), a.ldq, a.k.data(), a.ldk, a.v.data(), a.ldv, o.data(), a.d,
                        std::sqrt(5.0f), causal, 0);
    for (int dd = 0; dd < a.d; ++dd) CHECK(std::isnan(o[6 * a.d + dd]));
    CHECK(std::isfinite(o[5 * a.d]));
  }
  // Keys 0..69 at -inf for every query: the first 64-key tile is all -inf (running max -inf),
  // later tiles are finite. Torch gives a finite softmax over keys 70..; so must the kernel.
  AttnData b = make_attn(100, 100, 4, 0, 8);
  for (int j = 0; j < 70; ++j) b.k[std::size_t(j) * b.ldk] = -kInf;
  for (int i = 0; i < b.tq; ++i) b.q[std::size_t(i) * b.ldq] = 1.0f;  // q.k = -inf for keys < 70
  REQUIRE(run_attention(b, false) == "");
  std::vector<float> o(std::size_t(b.tq) * b.d);
  f32_attention_fused(b.tq, b.tk, b.d, b.q.data(), b.ldq, b.k.data(), b.ldk, b.v.data(), b.ldv, o.data(), b.d, 2.0f,
                      false, 0);
  CHECK(std::isfinite(o[0]));
  // causal: rows 0..69 see only -inf keys -> NaN (as torch); rows >= 70 are finite.
  REQUIRE(run_attention(b, true) == "");
}

TEST_CASE("f32_attention_fused_flops counts 4*d per visible query-key pair", "[kernels]") {
  CHECK(f32_attention_fused_flops(4, 4, 64, false) == 4u * 64 * 16);
  CHECK(f32_attention_fused_flops(4, 4, 64, true) == 4u * 64 * 10);
  CHECK(f32_attention_fused_flops(1024, 1024, 64, true) == 4ull * 64 * (1024ull * 1025 / 2));
  CHECK(f32_attention_fused_flops(6, 4, 2, true) == 4u * 2 * (1 + 2 + 3 + 4 + 4 + 4));
  CHECK(f32_attention_fused_flops(0, 4, 2, true) == 0u);
}

// ------------------------------------------------------------------------------------------
// Peak

TEST_CASE("f32_madd_peak_loop reports 8 FLOPs per 4-wide madd", "[kernels]") {
  CHECK(f32_madd_peak_loop(1000) == 1000.0 * kPeakAccumulators * 8.0);
  CHECK(f32_madd_peak_loop(0) == 0.0);
}

TEST_CASE("f32_gemm_bench counts 2*m*n*k FLOPs per repeat and nothing for empty sizes", "[kernels]") {
  CHECK(f32_gemm_bench(8, 16, 24, 3) == 3.0 * 2 * 8 * 24 * 16);
  CHECK(f32_gemm_bench(5, 7, 9, 1) == 2.0 * 5 * 9 * 7);  // off the 4x8 tile: edge tiles, under ASan too
  CHECK(f32_gemm_bench(0, 16, 24, 3) == 0.0);
  CHECK(f32_gemm_bench(8, 16, 24, 0) == 0.0);
}

TEST_CASE("f32_attention_fused at d = 64 (its specialised path): ragged key tiles, very negative scores, NaN rows",
          "[kernels]") {
  // Scores around -240 (far below the 0 that the zero-padded keys of a ragged quad would score):
  // the running max must come from real keys only, or every weight underflows and rows go NaN.
  for (int tk : {67, 68, 70, 129}) {
    AttnData a = make_attn(9, tk, 64, 3, std::uint32_t(tk));
    for (int j = 0; j < a.tk; ++j)
      for (int dd = 0; dd < a.d; ++dd) a.k[std::size_t(j) * a.ldk + dd] = -30.0f - 0.01f * float(j % 13);
    for (int i = 0; i < a.tq; ++i)
      for (int dd = 0; dd < a.d; ++dd) a.q[std::size_t(i) * a.ldq + dd] = 1.0f;
    for (bool causal : {false, true}) {
      INFO("Tk=" << tk << " causal=" << causal);
      REQUIRE(run_attention(a, causal) == "");
    }
  }
  // Weights more than e^-87 below the row max are flushed to exactly 0: the result still
  // matches the reference (whose weights there are < 2^-125).
  {
    AttnData a = make_attn(70, 70, 64, 0, 41, 4.0f);
    for (int dd = 0; dd < a.d; ++dd) a.k[std::size_t(3) * a.ldk + dd] = 40.0f;  // key 3 dominates
    for (bool causal : {false, true}) {
      INFO("dominant key, causal=" << causal);
      REQUIRE(run_attention(a, causal) == "");
    }
  }
  AttnData a = make_attn(150, 150, 64, 1, 12);
  a.q[std::size_t(6) * a.ldq + 2] = kNaN;     // NaN scores -> NaN row
  a.q[std::size_t(130) * a.ldq + 5] = kNaN;   // in a later query block
  for (int j = 0; j < 70; ++j) a.k[std::size_t(j) * a.ldk] = -kInf;  // keys < 70 score -inf for q[0] > 0
  for (int i = 0; i < a.tq; ++i) a.q[std::size_t(i) * a.ldq] = 1.0f;
  for (bool causal : {false, true}) {
    INFO("causal=" << causal);
    REQUIRE(run_attention(a, causal) == "");
    std::vector<float> o(std::size_t(a.tq) * a.d);
    f32_attention_fused(a.tq, a.tk, a.d, a.q.data(), a.ldq, a.k.data(), a.ldk, a.v.data(), a.ldv, o.data(), a.d, 8.0f,
                        causal, 0);
    for (int dd = 0; dd < a.d; ++dd) {
      CHECK(std::isnan(o[6 * a.d + dd]));
      CHECK(std::isnan(o[130 * a.d + dd]));
    }
    CHECK(std::isfinite(o[100 * a.d]));
    CHECK(std::isnan(o[10 * a.d]) == causal);  // causal: query 10 sees only -inf keys
  }
}

TEST_CASE("warm_up runs the SGEMM and both fused-attention builds and counts their FLOPs", "[kernels]") {
    // init() calls it before the user's first forward (src/js/index.js); under ASan this also
    // checks that its buffers hold what each kernel reads and writes.
    const double expected = static_cast<double>(attn::kernels::f32_gemm_flops(64, 192, 256)) +
                            static_cast<double>(attn::kernels::f32_attention_fused_flops(192, 192, 64, true)) +
                            static_cast<double>(attn::kernels::f32_attention_fused_flops(192, 192, 48, true));
    REQUIRE(attn::kernels::warm_up() == expected);
    REQUIRE(attn::kernels::warm_up() == expected);  // the packed weights are kept: a second round works too
}
