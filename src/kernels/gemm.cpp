#include "kernels/gemm.hpp"

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "kernels/simd.hpp"

namespace attn::kernels {
namespace {

using namespace simd;

// Register tile: MR rows x NR = 8 columns (two 4-wide vectors) -> 2*MR accumulators.
// V8 (x64) hoists every load of a k step to the top of the step and keeps xmm15 as scratch,
// so a step needs 2*MR accumulators + 2 B vectors + MR broadcasts + 1 temporary registers:
// 4x8 needs 15 and fits; 5x8 and 6x8 spill (measured 29 and 26 vs 40 GFLOP/s in node 20).
constexpr int kMR = kGemmMR;
constexpr int kNR = 8;
// Cache blocking (Goto): a KC-deep slice of one packed B panel (KC*8*4 bytes, 24 KiB for
// K = 768) stays in L1 while the MC x KC packed block of A (192 KiB for K = 768) stays in L2
// and is swept by every panel. K is only split above 1024: every split re-reads and
// re-writes C, and measured in wasm, KC = 768 beats 2 x 384 by ~8%.
#ifndef ATTN_GEMM_KC
#define ATTN_GEMM_KC 1024
#endif
constexpr int kKCMax = ATTN_GEMM_KC;
constexpr int kMC = kGemmMC;
static_assert(kMC % kMR == 0, "MC must be a multiple of MR");

enum class Init { kZero, kBias, kAccumulate };

// C[0:MR, 0:8] (row stride ldc) = init + sum_k A[k][0:MR] (x) B[k][0:8], A and B packed.
// Named f32_gemm_<MR>x8__<isa> in f32_gemm_ukernel_name().
template <int MR>
ATTN_INLINE void gemm_ukernel(int kc, const float* a, const float* b, float* c, int ldc, Init init,
                              const float* bias) {
  vf acc0[MR], acc1[MR];
  if (init == Init::kAccumulate) {
    for (int r = 0; r < MR; ++r) {
      acc0[r] = loadu(c + r * ldc);
      acc1[r] = loadu(c + r * ldc + 4);
    }
  } else if (init == Init::kBias) {
    const vf b0 = loadu(bias), b1 = loadu(bias + 4);
    for (int r = 0; r < MR; ++r) {
      acc0[r] = b0;
      acc1[r] = b1;
    }
  } else {
    for (int r = 0; r < MR; ++r) {
      acc0[r] = zero();
      acc1[r] = zero();
    }
  }
  // One k step: two B vectors, MR broadcasts of A, 2*MR madds. (No manual unrolling: V8
  // unrolls this loop itself; unrolled by hand, V8 hoists all loads of the unrolled body and
  // spills, 40 -> 27 GFLOP/s.)
  const float* const b_end = b + std::size_t(kc) * kNR;
  for (; b != b_end; b += kNR, a += MR) {
    const vf b0 = loadu(b);
    const vf b1 = loadu(b + 4);
    for (int r = 0; r < MR; ++r) {
      const vf ar = load1(a + r);
      acc0[r] = madd(ar, b0, acc0[r]);
      acc1[r] = madd(ar, b1, acc1[r]);
    }
  }
  for (int r = 0; r < MR; ++r) {
    storeu(c + r * ldc, acc0[r]);
    storeu(c + r * ldc + 4, acc1[r]);
  }
}

// Pack rows [0, mc) x cols [0, kc) of X into MR-row tiles, k-major, zero-padding missing rows.
void pack_a(int mc, int kc, const float* x, int ldx, float* out) {
  for (int i0 = 0; i0 < mc; i0 += kMR) {
    const int mr = std::min(kMR, mc - i0);
    const float* rows[kMR];
    for (int r = 0; r < kMR; ++r) rows[r] = x + std::size_t(i0 + std::min(r, mr - 1)) * ldx;
    for (int k = 0; k < kc; ++k) {
      for (int r = 0; r < kMR; ++r) out[r] = r < mr ? rows[r][k] : 0.0f;
      out += kMR;
    }
  }
}

int num_panels(int n) { return (n + kNR - 1) / kNR; }

// Pack B given as element (col j, depth kk) at b[j * col_stride + kk * depth_stride].
std::vector<float> pack_b(const float* b, int n, int k, std::ptrdiff_t col_stride, std::ptrdiff_t depth_stride) {
  std::vector<float> panels(std::size_t(num_panels(n)) * std::size_t(k) * kNR, 0.0f);
  float* out = panels.data();
  for (int j0 = 0; j0 < n; j0 += kNR) {
    const int nr = std::min(kNR, n - j0);
    for (int kk = 0; kk < k; ++kk) {
      for (int j = 0; j < nr; ++j) out[j] = b[(j0 + j) * col_stride + kk * depth_stride];
      out += kNR;  // columns >= nr stay zero
    }
  }
  return panels;
}

// One product X · Wᵀ + bias of a multi-output call, y (M, n): W packed as by pack_b (n columns,
// every panel 8 wide), except that the last panel is read from `tail` when it is given (a
// PackedWeights' narrower last panel, padded to 8 for this call).
struct Output {
  const float* panels;
  int n;
  const float* bias;
  float* y;
  int ldy;
  const float* tail;
};

// One MR x 8 tile of C at cp (row stride ldy), of which mr rows and nr columns are real: the
// micro-kernel on C itself when the tile is whole, else on a scratch copy whose real part is
// written back.
template <int MR>
ATTN_INLINE void run_tile(int kc, const float* ap, const float* bp, float* cp, int ldy, int mr, int nr, Init init,
                          const float* bb) {
  if (mr == MR && nr == kNR) {
    gemm_ukernel<MR>(kc, ap, bp, cp, ldy, init, bb);
    return;
  }
  alignas(16) float tile[MR * kNR];
  if (init == Init::kAccumulate) {
    for (int r = 0; r < MR; ++r)
      for (int j = 0; j < kNR; ++j) tile[r * kNR + j] = (r < mr && j < nr) ? cp[std::size_t(r) * ldy + j] : 0.0f;
  }
  gemm_ukernel<MR>(kc, ap, bp, tile, kNR, init, bb);
  for (int r = 0; r < mr; ++r)
    for (int j = 0; j < nr; ++j) cp[std::size_t(r) * ldy + j] = tile[r * kNR + j];
}

// The depth of K's slices: equal-ish slices of at most kKCMax (1536 -> 2 x 768, not 1024 + 512).
int kc_step_of(int k) {
  const int k_slices = (k + kKCMax - 1) / kKCMax;
  return (k + k_slices - 1) / k_slices;
}

// Panel p of an output over the K slice starting at k0, and the bias it starts from (padded to
// 8 in bias_pad for the last, narrower panel).
ATTN_INLINE const float* panel(const Output& out, int p, int k, int k0) {
  return out.tail && p == num_panels(out.n) - 1 ? out.tail + std::size_t(k0) * kNR
                                                : out.panels + (std::size_t(p) * k + k0) * kNR;
}
ATTN_INLINE const float* panel_bias(const Output& out, int j0, int nr, Init init, float* bias_pad) {
  if (init != Init::kBias) return nullptr;
  if (nr == kNR) return out.bias + j0;
  for (int j = 0; j < kNR; ++j) bias_pad[j] = j < nr ? out.bias[j0 + j] : 0.0f;
  return bias_pad;
}

// y_o(M, n_o) = X(M, K) · W_oᵀ + bias_o for every output o. Each block of X is packed once and
// swept by the panels of every output, so [W_query; W_key; W_value] cost one pass over X; every
// element is computed exactly as in a call with that output alone (the order of its sum depends
// only on K's slicing).
void gemm_packed(int m, int k, const float* x, int ldx, const Output* outs, int count) {
  const int kc_step = kc_step_of(k);
  const int mc_max = std::min(kMC, (m + kMR - 1) / kMR * kMR);
  // Uninitialised: pack_a writes every element it later reads.
  const std::unique_ptr<float[]> apack(new float[std::size_t(mc_max) * std::size_t(std::min(k, kc_step))]);
  alignas(16) float bias_pad[kNR];

  for (int k0 = 0; k0 < k; k0 += kc_step) {
    const int kc = std::min(kc_step, k - k0);
    for (int m0 = 0; m0 < m; m0 += kMC) {
      const int mc = std::min(kMC, m - m0);
      pack_a(mc, kc, x + std::size_t(m0) * ldx + k0, ldx, apack.get());
      for (int o = 0; o < count; ++o) {
        const Output& out = outs[o];
        const Init init = k0 > 0 ? Init::kAccumulate : (out.bias ? Init::kBias : Init::kZero);
        for (int p = 0; p < num_panels(out.n); ++p) {
          const int j0 = p * kNR, nr = std::min(kNR, out.n - j0);
          const float* bp = panel(out, p, k, k0);
          const float* bb = panel_bias(out, j0, nr, init, bias_pad);
          for (int i0 = 0; i0 < mc; i0 += kMR)
            run_tile<kMR>(kc, apack.get() + std::size_t(i0) * kc, bp, out.y + std::size_t(m0 + i0) * out.ldy + j0,
                          out.ldy, std::min(kMR, mc - i0), nr, init, bb);
        }
      }
    }
  }
}

// The same for fewer rows than the micro-tile (decoding one token): each row through a 1 x 8
// micro-kernel that reads x as it is, with no packing and no padded rows. Per element it does
// the same operations in the same order as the MR x 8 tiles, so the results are the same bits.
void gemm_few_rows(int m, int k, const float* x, int ldx, const Output* outs, int count) {
  const int kc_step = kc_step_of(k);
  alignas(16) float bias_pad[kNR];
  for (int k0 = 0; k0 < k; k0 += kc_step) {
    const int kc = std::min(kc_step, k - k0);
    for (int o = 0; o < count; ++o) {
      const Output& out = outs[o];
      const Init init = k0 > 0 ? Init::kAccumulate : (out.bias ? Init::kBias : Init::kZero);
      for (int p = 0; p < num_panels(out.n); ++p) {
        const int j0 = p * kNR, nr = std::min(kNR, out.n - j0);
        const float* bp = panel(out, p, k, k0);
        const float* bb = panel_bias(out, j0, nr, init, bias_pad);
        for (int i = 0; i < m; ++i)
          run_tile<1>(kc, x + std::size_t(i) * ldx + k0, bp, out.y + std::size_t(i) * out.ldy + j0, out.ldy, 1, nr,
                      init, bb);
      }
    }
  }
}

void gemm(int m, int k, const float* x, int ldx, const Output* outs, int count) {
  if (m <= 0) return;
  if (k <= 0) {
    for (int o = 0; o < count; ++o)
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < outs[o].n; ++j) outs[o].y[std::size_t(i) * outs[o].ldy + j] = outs[o].bias ? outs[o].bias[j] : 0.0f;
    return;
  }
  if (m < kMR) gemm_few_rows(m, k, x, ldx, outs, count);
  else gemm_packed(m, k, x, ldx, outs, count);
}

}  // namespace

namespace {
// PackedWeights of n columns whose element (col j, depth kk) is at b[j · col_stride + kk · depth_stride].
PackedWeights pack_weights(const float* b, int n, int k, std::ptrdiff_t col_stride, std::ptrdiff_t depth_stride) {
  PackedWeights pw;
  pw.n = n;
  pw.k = k;
  pw.panels.resize(std::size_t(n) * std::size_t(k));
  for (int j = 0; j < n; ++j)
    for (int kk = 0; kk < k; ++kk) pw.panels[pw.offset(j, kk)] = b[j * col_stride + kk * depth_stride];
  return pw;
}
}  // namespace

PackedWeights f32_gemm_pack(const float* w, int n, int k) { return pack_weights(w, n, k, k, 1); }

PackedWeights f32_gemm_pack_transposed(const float* wt, int k, int n) { return pack_weights(wt, n, k, 1, n); }

void f32_gemm_unpack(const PackedWeights& w, float* out) {
  for (int j = 0; j < w.n; ++j)
    for (int kk = 0; kk < w.k; ++kk) out[std::size_t(j) * w.k + kk] = w.at(j, kk);
}

void f32_gemm(int m, const float* x, int ldx, const GemmOutput* outs, int count) {
  if (count <= 0) return;
  Output list[kMaxGemmOutputs];
  // The narrower last panels, padded to 8 columns for this call (K·8 floats each).
  std::vector<float> tails[kMaxGemmOutputs];
  for (int o = 0; o < count; ++o) {
    const PackedWeights& w = *outs[o].w;
    const int r = w.n % kNR;
    if (r && w.k > 0) {
      tails[o].assign(std::size_t(w.k) * kNR, 0.0f);
      const float* src = w.panels.data() + std::size_t(w.n / kNR) * w.k * kNR;
      for (int kk = 0; kk < w.k; ++kk)
        for (int j = 0; j < r; ++j) tails[o][std::size_t(kk) * kNR + j] = src[std::size_t(kk) * r + j];
    }
    list[o] = {w.panels.data(), w.n, outs[o].bias, outs[o].y, outs[o].ldy, r ? tails[o].data() : nullptr};
  }
  gemm(m, outs[0].w->k, x, ldx, list, count);
}

void f32_gemm(int m, const float* x, int ldx, const PackedWeights& w, const float* bias, float* y, int ldy) {
  const GemmOutput out{&w, bias, y, ldy};
  f32_gemm(m, x, ldx, &out, 1);
}

void f32_gemm_ref(int m, const float* x, int ldx, const GemmOutput* outs, int count) {
  for (int o = 0; o < count; ++o) {
    const PackedWeights& w = *outs[o].w;
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < w.n; ++j) {
        float acc = 0.0f;
        for (int kk = 0; kk < w.k; ++kk) acc += x[std::size_t(i) * ldx + kk] * w.at(j, kk);
        outs[o].y[std::size_t(i) * outs[o].ldy + j] = outs[o].bias ? acc + outs[o].bias[j] : acc;
      }
  }
}

void f32_gemm_ref(int m, const float* x, int ldx, const PackedWeights& w, const float* bias, float* y, int ldy) {
  const GemmOutput out{&w, bias, y, ldy};
  f32_gemm_ref(m, x, ldx, &out, 1);
}

void f32_matmul(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  if (m <= 0 || n <= 0) return;
  const std::vector<float> panels = k > 0 ? pack_b(b, n, k, /*col_stride=*/1, /*depth_stride=*/ldb) : std::vector<float>();
  const Output out{panels.data(), n, nullptr, c, ldc, nullptr};
  gemm(m, k, a, lda, &out, 1);
}

void f32_matmul_ref(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      float acc = 0.0f;
      for (int kk = 0; kk < k; ++kk) acc += a[std::size_t(i) * lda + kk] * b[std::size_t(kk) * ldb + j];
      c[std::size_t(i) * ldc + j] = acc;
    }
  }
}

void f32_matmul_nt(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  if (m <= 0 || n <= 0) return;
  const std::vector<float> panels = k > 0 ? pack_b(b, n, k, /*col_stride=*/ldb, /*depth_stride=*/1) : std::vector<float>();
  const Output out{panels.data(), n, nullptr, c, ldc, nullptr};
  gemm(m, k, a, lda, &out, 1);
}

void f32_matmul_nt_ref(int m, int n, int k, const float* a, int lda, const float* b, int ldb, float* c, int ldc) {
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      float acc = 0.0f;
      for (int kk = 0; kk < k; ++kk) acc += a[std::size_t(i) * lda + kk] * b[std::size_t(j) * ldb + kk];
      c[std::size_t(i) * ldc + j] = acc;
    }
  }
}

const char* f32_gemm_ukernel_name() {
  static const std::string name =
      "f32_gemm_" + std::to_string(kMR) + "x" + std::to_string(kNR) + "__" + std::string(kIsa);
  return name.c_str();
}

}  // namespace attn::kernels
