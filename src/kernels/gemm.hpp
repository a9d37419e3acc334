// Projections and plain matrix products (XNNPACK style: every fast kernel has a naive
// *_ref twin beside it, used by the tests and nowhere else on the hot path).
//
// f32_gemm is a packed, register-blocked SGEMM: W is packed once into K-major panels of
// NR = 8 output columns (zero-padded), the activations are packed per (MC x KC) block into
// MR-row tiles, and an MR x 8 micro-kernel (f32_gemm_<MR>x8__<isa>, see
// f32_gemm_ukernel_name()) accumulates over a KC slice in registers. Sums are accumulated in
// a different order from the reference (K is split into KC slices, bias is the initial
// value), so results differ from *_ref by reordering rounding only.
#pragma once

#include <cstddef>
#include <vector>

namespace attn::kernels {

// The micro-kernel's rows (MR) and the cache block of rows packed at a time (MC). Overridable at
// build time for experiments (-DATTN_GEMM_MR=..., -DATTN_GEMM_MC=...); see gemm.cpp for why.
#ifndef ATTN_GEMM_MR
#define ATTN_GEMM_MR 4
#endif
#ifndef ATTN_GEMM_MC
#define ATTN_GEMM_MC 64
#endif
inline constexpr int kGemmMR = ATTN_GEMM_MR;
inline constexpr int kGemmMC = ATTN_GEMM_MC;

// W (N, K) in the GEMM's packed layout: the only copy of an nn.Linear weight (src/nn/linear.hpp).
// Exactly N·K floats: the full panels of 8 output columns, then the r = N mod 8 last columns in a
// panel of their own width (f32_gemm pads that one to 8 in a scratch copy per call, O(K), so
// small or odd out_features cost no stored padding).
struct PackedWeights {
  int n = 0, k = 0;
  // Panel p < n / 8 holds, for kk = 0..K-1, the 8 floats W[8p .. 8p + 7][kk], starting at p·K·8;
  // the last, r-wide panel holds W[8p .. 8p + r - 1][kk] for each kk, starting at (n / 8)·K·8.
  std::vector<float> panels;

  // Where W[j][kk] is in `panels`.
  std::size_t offset(int j, int kk) const {
    const std::size_t full = std::size_t(n / 8), p = std::size_t(j / 8), col = std::size_t(j % 8);
    const std::size_t width = p < full ? 8 : std::size_t(n % 8);
    return p * std::size_t(k) * 8 + std::size_t(kk) * width + col;
  }
  float at(int j, int kk) const { return panels[offset(j, kk)]; }
};

// w: (N, K) row-major (PyTorch nn.Linear weight layout).
PackedWeights f32_gemm_pack(const float* w, int n, int k);
// wt: (K, N) row-major, W's transpose (SelfAttention_v1 keeps x @ W with W: (dIn, dOut)).
PackedWeights f32_gemm_pack_transposed(const float* wt, int k, int n);
// out: (N, K) row-major.
void f32_gemm_unpack(const PackedWeights& w, float* out);

// One product of a multi-output GEMM: y (M, w.n) with row stride ldy = X · wᵀ + bias (or nullptr).
struct GemmOutput {
  const PackedWeights* w;
  const float* bias;
  float* y;
  int ldy;
};
// At most this many outputs share one pass over X (q, k and v).
inline constexpr int kMaxGemmOutputs = 4;

// Y(M, N) = X(M, K) * W^T + bias. y: row stride ldy; x: row stride ldx; bias: (N) or nullptr.
void f32_gemm(int m, const float* x, int ldx, const PackedWeights& w, const float* bias, float* y, int ldy);
void f32_gemm_ref(int m, const float* x, int ldx, const PackedWeights& w, const float* bias, float* y, int ldy);
// Every output at once, all with the same K: X is packed once per block and swept by each
// output's panels; each output's values are those of a call with it alone.
void f32_gemm(int m, const float* x, int ldx, const GemmOutput* outs, int count);
void f32_gemm_ref(int m, const float* x, int ldx, const GemmOutput* outs, int count);

// General C(M, N) = A(M, K) * B(K, N), all row-major with row strides (packs B internally).
void f32_matmul(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc);
void f32_matmul_ref(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc);

// C(M, N) = A(M, K) * B(N, K)^T  (q k^T), row-major with row strides (packs B internally).
void f32_matmul_nt(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc);
void f32_matmul_nt_ref(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc);

// "f32_gemm_4x8__wasmsimd" / "f32_gemm_4x8__sse2" / ...: the micro-kernel f32_gemm runs.
const char* f32_gemm_ukernel_name();

// 2*M*N*K.
inline std::size_t f32_gemm_flops(int m, int n, int k) {
  return std::size_t(2) * std::size_t(m) * std::size_t(n) * std::size_t(k);
}

}  // namespace attn::kernels
