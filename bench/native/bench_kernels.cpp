// Native benchmark of the kernels in src/kernels: prints one JSON object per line.
//
// Build (baseline x86-64 = SSE2, the same 4-wide kernels the wasm build runs; -ffp-contract=off
// as for the core, so no FMA contraction even with a wider -march):
//   g++ -std=c++17 -O3 -ffp-contract=off -I src bench/native/bench_kernels.cpp src/kernels/*.cpp -o build/bench_kernels
// (CMake builds the same thing as target bench_kernels.) Run: build/bench_kernels [--reps N] [--quick]
//   --reps N   timed repetitions per case (default 5, minimum 5), after >= 2 untimed warm-up runs
//   --quick    attention only up to T = 1024
//
// Lines:
//   {"bench":"madd_peak", "isa":..., "accumulators":12, "gflops":..., "best_gflops":...}   4-wide madd ceiling, 1 thread
//   {"bench":"gemm", "m":1024,"k":768,"n":2304, "ukernel":..., "ms":..., "min_ms":..., "gflops":..., "pct_peak":...}
//   {"bench":"attention_fused", "b":1,"t":...,"heads":12,"d":64,"causal":true, "ms":..., "min_ms":..., "gflops":..., "pct_peak":...}
// ms is the median over the repetitions, min_ms the fastest; gflops and pct_peak use medians
// (peak included). GFLOP/s counts 2*M*N*K for the GEMM and f32_attention_fused_flops (4*d per
// visible query-key pair) for attention.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <vector>

#include "kernels/attention.hpp"
#include "kernels/gemm.hpp"
#include "kernels/peak.hpp"
#include "kernels/simd.hpp"

using namespace attn::kernels;

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct Timing {
  double median_s, min_s;
};

// Untimed warm-up (at least 2 runs and 0.2 s, so a JIT has tiered up and caches are warm), then
// `reps` timed runs.
Timing time_it(int reps, const std::function<void()>& fn) {
  const double w0 = now_s();
  for (int i = 0; i < 2 || now_s() - w0 < 0.2; ++i) fn();
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const double t0 = now_s();
    fn();
    t.push_back(now_s() - t0);
  }
  std::sort(t.begin(), t.end());
  return {t[t.size() / 2], t.front()};
}

std::vector<float> random_vec(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--reps") == 0 && i + 1 < argc) reps = std::max(5, std::atoi(argv[++i]));
    else if (std::strcmp(argv[i], "--quick") == 0) quick = true;
  }

  // Peak: ~0.1 s per timed run.
  const long peak_iters = 20'000'000;
  double peak_flops = 0.0;
  const Timing peak = time_it(reps, [&] { peak_flops = f32_madd_peak_loop(peak_iters); });
  const double peak_gflops = peak_flops / peak.median_s / 1e9;
  std::printf("{\"bench\":\"madd_peak\",\"isa\":\"%s\",\"accumulators\":%d,\"gflops\":%.2f,\"best_gflops\":%.2f}\n",
              simd::kIsa, kPeakAccumulators, peak_gflops, peak_flops / peak.min_s / 1e9);
  std::fflush(stdout);

  // GEMM: the c_attn-sized projection, Y(1024, 2304) = X(1024, 768) W^T + b.
  {
    const int m = 1024, k = 768, n = 2304;
    const auto x = random_vec(std::size_t(m) * k, 1), w = random_vec(std::size_t(n) * k, 2), b = random_vec(n, 3);
    std::vector<float> y(std::size_t(m) * n);
    const PackedWeights pw = f32_gemm_pack(w.data(), n, k);
    const Timing tm = time_it(reps, [&] { f32_gemm(m, x.data(), k, pw, b.data(), y.data(), n); });
    const double gflops = double(f32_gemm_flops(m, n, k)) / tm.median_s / 1e9;
    std::printf("{\"bench\":\"gemm\",\"m\":%d,\"k\":%d,\"n\":%d,\"ukernel\":\"%s\",\"ms\":%.3f,\"min_ms\":%.3f,"
                "\"gflops\":%.2f,\"pct_peak\":%.1f}\n",
                m, k, n, f32_gemm_ukernel_name(), tm.median_s * 1e3, tm.min_s * 1e3, gflops, 100.0 * gflops / peak_gflops);
    std::fflush(stdout);
  }

  // Fused causal attention, B = 1, 12 heads of d = 64, laid out as the library's fast path has
  // them: one (T, 3 * 768) q|k|v buffer from the packed projection (head h of q at column 64 h,
  // of k at 768 + 64 h, of v at 1536 + 64 h; row stride 2304), output (T, 768).
  {
    const int heads = 12, d = 64, dm = heads * d, ld = 3 * dm;
    std::vector<int> ts = {128, 512, 1024, 2048, 4096};
    if (quick) ts = {128, 512, 1024};
    for (int t : ts) {
      const auto qkv = random_vec(std::size_t(t) * ld, 4);
      std::vector<float> o(std::size_t(t) * dm);
      const float div = std::sqrt(float(d));
      const Timing tm = time_it(reps, [&] {
        for (int h = 0; h < heads; ++h) {
          const float* q = qkv.data() + h * d;
          f32_attention_fused(t, t, d, q, ld, q + dm, ld, q + 2 * dm, ld, o.data() + h * d, dm, div, true, 0);
        }
      });
      const double gflops = double(f32_attention_fused_flops(t, t, d, true)) * heads / tm.median_s / 1e9;
      std::printf("{\"bench\":\"attention_fused\",\"b\":1,\"t\":%d,\"heads\":%d,\"d\":%d,\"causal\":true,"
                  "\"ms\":%.3f,\"min_ms\":%.3f,\"gflops\":%.2f,\"pct_peak\":%.1f}\n",
                  t, heads, d, tm.median_s * 1e3, tm.min_s * 1e3, gflops, 100.0 * gflops / peak_gflops);
      std::fflush(stdout);
    }
  }
  return 0;
}
