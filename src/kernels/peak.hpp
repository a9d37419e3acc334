// The machine's f32 multiply-add ceiling for this SIMD vocabulary (4-wide, madd = mul + add,
// never fused), used by the benchmark to express kernel speed as a fraction of peak.
#pragma once

#include <cstddef>

namespace attn::kernels {

// Runs `iterations` rounds of kPeakAccumulators independent 4-wide madds and returns the
// FLOPs performed (8 per madd: 4 lanes x (mul + add)). Time it to get FLOP/s. The result
// feeds a global sink, so the loop cannot be optimised away.
double f32_madd_peak_loop(long iterations);

// Runs the packed SGEMM Y(m, n) = X(m, k) · Wᵀ + bias (the fast path's projection) `repeats`
// times on fixed pseudo-random operands, after allocating them and packing W once, and returns
// the FLOPs of the GEMMs (2·m·n·k each). The setup is not counted in the FLOPs: time two calls
// with different `repeats` and divide the difference, as the benchmark does.
double f32_gemm_bench(int m, int k, int n, int repeats);

// The sum of n floats through 4-wide loads into independent accumulators: a loop bound by memory
// bandwidth, not by the adds (the memory floor of decoding: every parameter byte read once).
float f32_sum(std::size_t n, const float* x);

// Independent accumulators per round (enough to cover mul+add latency on both issue ports).
constexpr int kPeakAccumulators = 12;

}  // namespace attn::kernels
