#include "kernels/attention.hpp"

#include <algorithm>
#include <cstddef>
#include <limits>
#include <memory>
#include <vector>

#include "kernels/simd.hpp"
#include "kernels/softmax.hpp"

namespace attn::kernels {
namespace {

using namespace simd;

constexpr int kLanes = 8;    // queries per group: two 4-wide vectors, softmax runs across them
constexpr int kGroups = 16;  // groups per query block: 128 queries share each packed K/V tile
constexpr int kBlockQ = kLanes * kGroups;
constexpr int kTileK = 64;   // keys per tile (K and V tiles of 64 x D stay in L1 for D = 64)
constexpr int kKR = 4;       // keys per q.k micro-tile (rows), K packed in quads
constexpr int kDR = 4;       // head dims per p.v micro-tile (rows)
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// Pack keys [0, kn) of a K tile into quads: kp[t][dd][r] = k[4t + r][dd], zero for keys >= kn.
void pack_k_tile(int kn, int d, const float* k, int ldk, float* kp) {
  const int quads = (kn + kKR - 1) / kKR;
  for (int t = 0; t < quads; ++t) {
    const float* rows[kKR];
    const int valid = std::min(kKR, kn - kKR * t);
    for (int r = 0; r < kKR; ++r) rows[r] = k + std::size_t(kKR * t + std::min(r, valid - 1)) * ldk;
    float* out = kp + std::size_t(t) * d * kKR;
    int dd = 0;
    for (; dd + 4 <= d; dd += 4) {
      vf r0 = loadu(rows[0] + dd), r1 = loadu(rows[1] + dd), r2 = loadu(rows[2] + dd), r3 = loadu(rows[3] + dd);
      if (valid < 4) {  // rows past the end were clamped to a valid row: zero them
        if (valid < 2) r1 = zero();
        if (valid < 3) r2 = zero();
        r3 = zero();
      }
      transpose4(r0, r1, r2, r3);
      storeu(out + 4 * dd + 0, r0);
      storeu(out + 4 * dd + 4, r1);
      storeu(out + 4 * dd + 8, r2);
      storeu(out + 4 * dd + 12, r3);
    }
    for (; dd < d; ++dd)
      for (int r = 0; r < kKR; ++r) out[4 * dd + r] = r < valid ? rows[r][dd] : 0.0f;
  }
}

// Pack keys [0, kn) of a V tile chunk-major: vp[c][j][0:4] = v[j][4c : 4c + 4] (the last chunk
// of a head dim that is not a multiple of 4 is zero-padded), so the p.v loop reads 16
// contiguous bytes per key instead of one row 'ldv' floats away.
void pack_v_tile(int kn, int d, const float* v, int ldv, float* vp) {
  const int full = d / 4;
  for (int j = 0; j < kn; ++j) {
    const float* row = v + std::size_t(j) * ldv;
    for (int c = 0; c < full; ++c) storeu(vp + (std::size_t(c) * kTileK + j) * 4, loadu(row + 4 * c));
    if (full * 4 < d) {
      float* out = vp + (std::size_t(full) * kTileK + j) * 4;
      for (int r = 0; r < 4; ++r) out[r] = full * 4 + r < d ? row[full * 4 + r] : 0.0f;
    }
  }
}

// st[r][0:8] = (sum_dd kp[dd][r] * qt[dd][0:8]) / divisor for the 4 keys of one quad.
// Same register shape as the 4x8 GEMM micro-kernel (8 accumulators, packed operands).
// With kMax, also folds the 4 scores into the running maxima mx0 / mx1 (in key order, so the
// result is the one a separate pass over st would give; only for quads of 4 real, unmasked keys).
template <bool kMax>
ATTN_INLINE void qk_quad(const int d, const float* kp, const float* qt, float* st, vf vdiv, vf& mx0, vf& mx1) {
  vf acc0[kKR], acc1[kKR];
  for (int r = 0; r < kKR; ++r) acc0[r] = acc1[r] = zero();
  for (int dd = 0; dd < d; ++dd) {
    const vf q0 = loadu(qt);
    const vf q1 = loadu(qt + 4);
    for (int r = 0; r < kKR; ++r) {
      const vf kr = load1(kp + r);
      acc0[r] = madd(kr, q0, acc0[r]);
      acc1[r] = madd(kr, q1, acc1[r]);
    }
    kp += kKR;
    qt += kLanes;
  }
  for (int r = 0; r < kKR; ++r) {
    const vf s0 = div(acc0[r], vdiv), s1 = div(acc1[r], vdiv);
    storeu(st + r * kLanes, s0);
    storeu(st + r * kLanes + 4, s1);
    if (kMax) {
      mx0 = max(mx0, s0);
      mx1 = max(mx1, s1);
    }
  }
}

// ot[r][0:8] = alpha * ot[r][0:8] + sum_j vp[j][r] * pt[j][0:8] for DR <= 4 consecutive head
// dims (vp points at one packed 4-wide chunk of V, ot at O^T[4c]).
template <int DR>
ATTN_INLINE void pv_rows(int kn, const float* vp, const float* pt, float* ot, vf alpha0, vf alpha1) {
  vf acc0[DR], acc1[DR];
  for (int r = 0; r < DR; ++r) {
    acc0[r] = mul(loadu(ot + r * kLanes), alpha0);
    acc1[r] = mul(loadu(ot + r * kLanes + 4), alpha1);
  }
  for (int j = 0; j < kn; ++j) {
    const vf p0 = loadu(pt);
    const vf p1 = loadu(pt + 4);
    for (int r = 0; r < DR; ++r) {
      const vf vr = load1(vp + r);
      acc0[r] = madd(vr, p0, acc0[r]);
      acc1[r] = madd(vr, p1, acc1[r]);
    }
    vp += 4;
    pt += kLanes;
  }
  for (int r = 0; r < DR; ++r) {
    storeu(ot + r * kLanes, acc0[r]);
    storeu(ot + r * kLanes + 4, acc1[r]);
  }
}

// exp for the online softmax, whose arguments are score - running max: <= 0, -inf (masked or
// all-masked-so-far) or NaN. simd::exp's reduction and polynomial (<= 1 ulp), but without the
// overflow path and with one 2^n factor: inputs below kExpFlush (where exp < 2^-125.5, a term
// no row sum >= 1 can feel) give exactly +0, as do -inf inputs; NaN stays NaN.
constexpr float kExpFlush = -87.0f;
ATTN_INLINE vf exp_nonpos(vf x) {
  vf z;  // n + magic, n = round(x * log2e) in [-126, 0]
  const vf p = simd::detail::exp_reduced(x, z);
  // z's low mantissa bits hold magic's zero bits plus n, so (bits(z) + 127) << 23 is 2^n.
  const vf scale = as_vf(sll_i32<23>(add_i32(as_vi(z), set1_i32(127))));
  return select(cmplt(x, set1(kExpFlush)), zero(), mul(p, scale));
}

struct GroupState {
  vf m0, m1;  // running max of the (scaled) scores, lanes 0-3 / 4-7
  vf l0, l1;  // running sum of exp(score - max)
};

// Online softmax over one group's score tile st[0:kn][0:8] (overwritten by the probabilities):
// updates the running max and sum, returns the factors that rescale the old accumulator.
// have_max: tm0 / tm1 already hold max(running max, tile scores), else they are computed here.
// Kept out of line so its constants do not compete with the q.k / p.v loops for registers.
__attribute__((noinline)) void softmax_tile(int kn, float* st, GroupState& g_st, bool have_max, vf tm0, vf tm1,
                                            vf& alpha0, vf& alpha1) {
  const vf neg_inf = set1(kNegInf);
  if (!have_max) {
    tm0 = g_st.m0;
    tm1 = g_st.m1;
    for (int j = 0; j < kn; ++j) {
      tm0 = max(tm0, loadu(st + j * kLanes));
      tm1 = max(tm1, loadu(st + j * kLanes + 4));
    }
  }
  // Subtract 0 instead of -inf while a lane has seen only -inf, so exp gives 0, not NaN.
  const vf base0 = select(cmpeq(tm0, neg_inf), zero(), tm0);
  const vf base1 = select(cmpeq(tm1, neg_inf), zero(), tm1);
  alpha0 = exp_nonpos(sub(g_st.m0, base0));
  alpha1 = exp_nonpos(sub(g_st.m1, base1));
  vf s0 = zero(), s1 = zero();
  for (int j = 0; j < kn; ++j) {
    float* s = st + j * kLanes;
    const vf p0 = exp_nonpos(sub(loadu(s), base0));
    const vf p1 = exp_nonpos(sub(loadu(s + 4), base1));
    storeu(s, p0);
    storeu(s + 4, p1);
    s0 = add(s0, p0);
    s1 = add(s1, p1);
  }
  g_st.l0 = madd(g_st.l0, alpha0, s0);
  g_st.l1 = madd(g_st.l1, alpha1, s1);
  g_st.m0 = tm0;
  g_st.m1 = tm1;
}

template <int DFix>
void fused_impl(int tq, int tk, const int d_arg, const float* q, int ldq, const float* k, int ldk, const float* v,
                int ldv, float* o, int ldo, float scale_divisor, bool causal, int past) {
  const int d = DFix ? DFix : d_arg;
  if (tk <= 0) {
    for (int i = 0; i < tq; ++i)
      for (int dd = 0; dd < d; ++dd) o[std::size_t(i) * ldo + dd] = 0.0f;
    return;
  }
  // Scratch, O(D * tile): transposed queries, transposed output accumulators, packed K and V
  // tiles, one group's score / probability tile.
  const std::size_t group_floats = std::size_t(d) * kLanes;
  const std::size_t d4 = std::size_t(d + 3) / 4 * 4;
  // Uninitialised on purpose (every element is written before it is read): a zero fill would
  // cost ~5% of a 12-head forward at T = 128.
  const std::unique_ptr<float[]> scratch(new float[2 * kGroups * group_floats + 2 * kTileK * d4 + kTileK * kLanes]);
  float* const qt_all = scratch.get();
  float* const ot_all = qt_all + kGroups * group_floats;
  float* const kp = ot_all + kGroups * group_floats;
  float* const vp = kp + kTileK * d4;
  float* const st = vp + kTileK * d4;

  const vf vdiv = set1(scale_divisor);
  const vf neg_inf = set1(kNegInf);
  const vf lane_lo = set(0.0f, 1.0f, 2.0f, 3.0f);
  const vf lane_hi = set(4.0f, 5.0f, 6.0f, 7.0f);
  GroupState gs[kGroups];

  for (int q0 = 0; q0 < tq; q0 += kBlockQ) {
    const int bq = std::min(kBlockQ, tq - q0);
    const int groups = (bq + kLanes - 1) / kLanes;
    // Q^T per group: qt[dd][l] = q[q0 + 8g + l][dd], zero for missing queries.
    for (int g = 0; g < groups; ++g) {
      float* qt = qt_all + g * group_floats;
      const int valid = std::min(kLanes, bq - g * kLanes);
      for (int l = 0; l < kLanes; ++l) {
        const float* qr = q + std::size_t(q0 + g * kLanes + std::min(l, valid - 1)) * ldq;
        for (int dd = 0; dd < d; ++dd) qt[dd * kLanes + l] = l < valid ? qr[dd] : 0.0f;
      }
      std::fill(ot_all + g * group_floats, ot_all + (g + 1) * group_floats, 0.0f);
      gs[g].m0 = gs[g].m1 = neg_inf;
      gs[g].l0 = gs[g].l1 = zero();
    }
    // Causal visibility is by absolute position: query i is at past + i.
    const int q_last = past + q0 + bq - 1;
    const int k_end = causal ? std::min(tk, q_last + 1) : tk;  // key tiles past this are fully masked

    for (int k0 = 0; k0 < k_end; k0 += kTileK) {
      const int kn = std::min(kTileK, k_end - k0);
      pack_k_tile(kn, d, k + std::size_t(k0) * ldk, ldk, kp);
      pack_v_tile(kn, d, v + std::size_t(k0) * ldv, ldv, vp);
      for (int g = 0; g < groups; ++g) {
        const int qg = past + q0 + g * kLanes;                            // position of the group's first query
        const int qg_last = past + std::min(q0 + g * kLanes + kLanes, tq) - 1;  // of its last real query
        const int kn_g = causal ? std::min(kn, qg_last + 1 - k0) : kn;    // keys any lane may see
        if (kn_g <= 0) continue;
        const float* qt = qt_all + g * group_floats;
        float* ot = ot_all + g * group_floats;

        // 1. scores S^T[j][lane] for the tile's keys, divided by scale_divisor.
        //    Tiles with no masked score and whole quads also fold the scores into the running max.
        const bool masked = causal && k0 + kn_g - 1 > qg;
        const bool have_max = !masked && kn_g % kKR == 0;
        vf tm0 = gs[g].m0, tm1 = gs[g].m1;
        if (have_max) {
          for (int j = 0; j < kn_g; j += kKR)
            qk_quad<true>(d, kp + std::size_t(j) * d, qt, st + j * kLanes, vdiv, tm0, tm1);
        } else {
          for (int j = 0; j < kn_g; j += kKR)
            qk_quad<false>(d, kp + std::size_t(j) * d, qt, st + j * kLanes, vdiv, tm0, tm1);
        }

        // 2. causal mask: key k0 + j is hidden from query qg + lane when k0 + j > qg + lane.
        if (masked) {
          const vf qi0 = add(set1(float(qg)), lane_lo), qi1 = add(set1(float(qg)), lane_hi);
          for (int j = std::max(0, qg + 1 - k0); j < kn_g; ++j) {
            const vf kj = set1(float(k0 + j));
            float* s = st + j * kLanes;
            storeu(s, select(cmplt(qi0, kj), neg_inf, loadu(s)));
            storeu(s + 4, select(cmplt(qi1, kj), neg_inf, loadu(s + 4)));
          }
        }

        // 3. online softmax across the tile (vectorised across the 8 queries).
        vf alpha0, alpha1;
        softmax_tile(kn_g, st, gs[g], have_max, tm0, tm1, alpha0, alpha1);

        // 4. O^T = alpha * O^T + V_tile^T . P^T
        int dd = 0;
        for (; dd + kDR <= d; dd += kDR)
          pv_rows<kDR>(kn_g, vp + std::size_t(dd) * kTileK, st, ot + dd * kLanes, alpha0, alpha1);
        switch (d - dd) {  // head-dim tail
          case 3: pv_rows<3>(kn_g, vp + std::size_t(dd) * kTileK, st, ot + dd * kLanes, alpha0, alpha1); break;
          case 2: pv_rows<2>(kn_g, vp + std::size_t(dd) * kTileK, st, ot + dd * kLanes, alpha0, alpha1); break;
          case 1: pv_rows<1>(kn_g, vp + std::size_t(dd) * kTileK, st, ot + dd * kLanes, alpha0, alpha1); break;
          default: break;
        }
      }
    }

    // o[q][dd] = O^T[dd][lane] / l, as a multiply by 1/l (torch's softmax also multiplies by
    // the reciprocal of the sum). l == 0 (all scores -inf) gives 0 * inf = NaN, as in torch.
    for (int g = 0; g < groups; ++g) {
      alignas(16) float inv[kLanes];
      storeu(inv, div(set1(1.0f), gs[g].l0));
      storeu(inv + 4, div(set1(1.0f), gs[g].l1));
      const float* ot = ot_all + g * group_floats;
      const int valid = std::min(kLanes, bq - g * kLanes);
      for (int l = 0; l < valid; ++l) {
        float* orow = o + std::size_t(q0 + g * kLanes + l) * ldo;
        for (int dd = 0; dd < d; ++dd) orow[dd] = ot[dd * kLanes + l] * inv[l];
      }
    }
  }
}

}  // namespace

void f32_attention_fused(int tq, int tk, int d, const float* q, int ldq, const float* k, int ldk, const float* v,
                         int ldv, float* o, int ldo, float scale_divisor, bool causal, int past) {
  if (tq <= 0 || d <= 0) return;
  if (d == 64)
    fused_impl<64>(tq, tk, d, q, ldq, k, ldk, v, ldv, o, ldo, scale_divisor, causal, past);
  else
    fused_impl<0>(tq, tk, d, q, ldq, k, ldk, v, ldv, o, ldo, scale_divisor, causal, past);
}

void f32_attention_ref(int tq, int tk, int d, const float* q, int ldq, const float* k, int ldk, const float* v,
                       int ldv, float* o, int ldo, float scale_divisor, bool causal, int past) {
  if (tq <= 0 || d <= 0) return;
  std::vector<float> w(std::size_t(tq) * std::size_t(std::max(tk, 1)));
  for (int i = 0; i < tq; ++i) {
    for (int j = 0; j < tk; ++j) {
      float s = 0.0f;
      for (int dd = 0; dd < d; ++dd) s += q[std::size_t(i) * ldq + dd] * k[std::size_t(j) * ldk + dd];
      if (causal && j > past + i) s = kNegInf;
      w[std::size_t(i) * tk + j] = s / scale_divisor;
    }
  }
  f32_softmax_rows_ref(tq, tk, w.data(), tk, w.data(), tk);
  for (int i = 0; i < tq; ++i) {
    for (int dd = 0; dd < d; ++dd) {
      float acc = 0.0f;
      for (int j = 0; j < tk; ++j) acc += w[std::size_t(i) * tk + j] * v[std::size_t(j) * ldv + dd];
      o[std::size_t(i) * ldo + dd] = acc;
    }
  }
}

std::size_t f32_attention_fused_flops(int tq, int tk, int d, bool causal, int past) {
  if (tq <= 0 || tk <= 0 || d <= 0) return 0;
  std::size_t pairs = 0;
  for (int i = 0; i < tq; ++i) pairs += std::size_t(causal ? std::min(tk, past + i + 1) : tk);  // row i's visible keys
  return 4 * std::size_t(d) * pairs;
}

}  // namespace attn::kernels
