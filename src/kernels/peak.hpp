// The machine's f32 multiply-add ceiling for this SIMD vocabulary (4-wide, madd = mul + add,
// never fused), used by the benchmark to express kernel speed as a fraction of peak.
#pragma once

namespace attn::kernels {

// Runs `iterations` rounds of kPeakAccumulators independent 4-wide madds and returns the
// FLOPs performed (8 per madd: 4 lanes x (mul + add)). Time it to get FLOP/s. The result
// feeds a global sink, so the loop cannot be optimised away.
double f32_madd_peak_loop(long iterations);

// Independent accumulators per round (enough to cover mul+add latency on both issue ports).
constexpr int kPeakAccumulators = 12;

}  // namespace attn::kernels
