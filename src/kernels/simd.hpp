// A small 4-wide f32 SIMD vocabulary, defined once per ISA (ggml style).
//
// Backends, chosen at compile time:
//   * WASM SIMD128  (<wasm_simd128.h>)   when __wasm_simd128__ is defined  -> kIsa == "wasmsimd"
//   * SSE2          (<emmintrin.h>)      on x86-64 (SSE4.1 blend if __SSE4_1__) -> kIsa == "sse2"
//   * plain scalar  (struct of 4 floats) otherwise, or with -DATTN_SIMD_FORCE_SCALAR -> "scalar"
//
// Every operation has the SAME bit-exact semantics on every backend, so a kernel written
// once against this vocabulary gives identical results natively and in the browser:
//   * madd(a, b, c) = add(mul(a, b), c), two roundings, never fused. WASM SIMD128 has no FMA;
//     natively the build must use -ffp-contract=off so the compiler does not fuse either.
//   * max(a, b) = (a < b) ? b : a and min(a, b) = (b < a) ? b : a, lane-wise. These are
//     WASM's pmax/pmin; on SSE they are maxps/minps with swapped operands. So a NaN in the
//     FIRST operand is returned, a NaN in the second operand is dropped. Kernels that need
//     NaN propagation rely on that explicitly (see exp()).
//   * hsum(v) = (v0 + v2) + (v1 + v3); hmax(v) likewise with max(). Fixed order everywhere.
//   * exp(v): range reduction + degree-6 polynomial, <= 1 ulp from the correctly rounded
//     result on [-104, 89] (tested), exact special values: exp(-inf) = 0, exp(+inf) = +inf,
//     exp(NaN) = NaN, overflow to +inf above ~88.72, gradual underflow to 0 below ~-103.97.
//
// Integer lanes (vi) exist only for the bit tricks an exp needs; they have distinct names
// (add_i32, ...) because on WASM vf and vi are the same C type (v128_t).
#pragma once

#include <cstdint>
#include <cstring>

#if defined(ATTN_SIMD_FORCE_SCALAR)  // testing hook: build the portable fallback anywhere
#define ATTN_SIMD_SCALAR 1
#elif defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define ATTN_SIMD_WASM 1
#elif defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#if defined(__SSE4_1__)
#include <smmintrin.h>
#endif
#define ATTN_SIMD_SSE2 1
#else
#define ATTN_SIMD_SCALAR 1
#endif

#if defined(__GNUC__) || defined(__clang__)
#define ATTN_INLINE inline __attribute__((always_inline))
#else
#define ATTN_INLINE inline
#endif

namespace attn::kernels::simd {

constexpr int kWidth = 4;  // f32 lanes per vector

// ---------------------------------------------------------------------------------------
#if defined(ATTN_SIMD_WASM)

inline constexpr const char* kIsa = "wasmsimd";
using vf = v128_t;
using vi = v128_t;

ATTN_INLINE vf load(const float* p) { return wasm_v128_load(p); }
ATTN_INLINE vf loadu(const float* p) { return wasm_v128_load(p); }
ATTN_INLINE vf load1(const float* p) { return wasm_v128_load32_splat(p); }
ATTN_INLINE void store(float* p, vf v) { wasm_v128_store(p, v); }
ATTN_INLINE void storeu(float* p, vf v) { wasm_v128_store(p, v); }
ATTN_INLINE vf set1(float x) { return wasm_f32x4_splat(x); }
ATTN_INLINE vf set(float a, float b, float c, float d) { return wasm_f32x4_make(a, b, c, d); }
ATTN_INLINE vf zero() { return wasm_f32x4_const_splat(0.0f); }
ATTN_INLINE vf add(vf a, vf b) { return wasm_f32x4_add(a, b); }
ATTN_INLINE vf sub(vf a, vf b) { return wasm_f32x4_sub(a, b); }
ATTN_INLINE vf mul(vf a, vf b) { return wasm_f32x4_mul(a, b); }
ATTN_INLINE vf div(vf a, vf b) { return wasm_f32x4_div(a, b); }
ATTN_INLINE vf max(vf a, vf b) { return wasm_f32x4_pmax(a, b); }  // a < b ? b : a
ATTN_INLINE vf min(vf a, vf b) { return wasm_f32x4_pmin(a, b); }  // b < a ? b : a
// comparisons give all-ones / all-zeros lane masks
ATTN_INLINE vf cmplt(vf a, vf b) { return wasm_f32x4_lt(a, b); }
ATTN_INLINE vf cmpeq(vf a, vf b) { return wasm_f32x4_eq(a, b); }
ATTN_INLINE vf bit_and(vf a, vf b) { return wasm_v128_and(a, b); }
ATTN_INLINE vf bit_or(vf a, vf b) { return wasm_v128_or(a, b); }
ATTN_INLINE vf select(vf mask, vf a, vf b) { return wasm_v128_bitselect(a, b, mask); }  // mask ? a : b
ATTN_INLINE vf lane_swap_hi(vf v) { return wasm_i32x4_shuffle(v, v, 2, 3, 2, 3); }  // (v2, v3, v2, v3)
ATTN_INLINE vf lane_swap_1(vf v) { return wasm_i32x4_shuffle(v, v, 1, 1, 1, 1); }   // (v1, ...)
ATTN_INLINE float lane0(vf v) { return wasm_f32x4_extract_lane(v, 0); }
// rows (r0..r3) -> columns, in place
ATTN_INLINE void transpose4(vf& r0, vf& r1, vf& r2, vf& r3) {
  const vf t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5), t1 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
  const vf t2 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7), t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
  r0 = wasm_i64x2_shuffle(t0, t1, 0, 2);
  r1 = wasm_i64x2_shuffle(t0, t1, 1, 3);
  r2 = wasm_i64x2_shuffle(t2, t3, 0, 2);
  r3 = wasm_i64x2_shuffle(t2, t3, 1, 3);
}

ATTN_INLINE vi as_vi(vf v) { return v; }
ATTN_INLINE vf as_vf(vi v) { return v; }
ATTN_INLINE vi set1_i32(std::int32_t x) { return wasm_i32x4_splat(x); }
ATTN_INLINE vi add_i32(vi a, vi b) { return wasm_i32x4_add(a, b); }
ATTN_INLINE vi sub_i32(vi a, vi b) { return wasm_i32x4_sub(a, b); }
template <int N> ATTN_INLINE vi sll_i32(vi a) { return wasm_i32x4_shl(a, N); }
template <int N> ATTN_INLINE vi sra_i32(vi a) { return wasm_i32x4_shr(a, N); }
ATTN_INLINE vf cvt_i32_f32(vi a) { return wasm_f32x4_convert_i32x4(a); }

// ---------------------------------------------------------------------------------------
#elif defined(ATTN_SIMD_SSE2)

inline constexpr const char* kIsa = "sse2";
using vf = __m128;
using vi = __m128i;

ATTN_INLINE vf load(const float* p) { return _mm_load_ps(p); }
ATTN_INLINE vf loadu(const float* p) { return _mm_loadu_ps(p); }
ATTN_INLINE vf load1(const float* p) { return _mm_load1_ps(p); }
ATTN_INLINE void store(float* p, vf v) { _mm_store_ps(p, v); }
ATTN_INLINE void storeu(float* p, vf v) { _mm_storeu_ps(p, v); }
ATTN_INLINE vf set1(float x) { return _mm_set1_ps(x); }
ATTN_INLINE vf set(float a, float b, float c, float d) { return _mm_setr_ps(a, b, c, d); }
ATTN_INLINE vf zero() { return _mm_setzero_ps(); }
ATTN_INLINE vf add(vf a, vf b) { return _mm_add_ps(a, b); }
ATTN_INLINE vf sub(vf a, vf b) { return _mm_sub_ps(a, b); }
ATTN_INLINE vf mul(vf a, vf b) { return _mm_mul_ps(a, b); }
ATTN_INLINE vf div(vf a, vf b) { return _mm_div_ps(a, b); }
// maxps(x, y) = x > y ? x : y, so maxps(b, a) = b > a ? b : a = (a < b) ? b : a  (== wasm pmax)
ATTN_INLINE vf max(vf a, vf b) { return _mm_max_ps(b, a); }
// minps(x, y) = x < y ? x : y, so minps(b, a) = b < a ? b : a                     (== wasm pmin)
ATTN_INLINE vf min(vf a, vf b) { return _mm_min_ps(b, a); }
ATTN_INLINE vf cmplt(vf a, vf b) { return _mm_cmplt_ps(a, b); }
ATTN_INLINE vf cmpeq(vf a, vf b) { return _mm_cmpeq_ps(a, b); }
ATTN_INLINE vf bit_and(vf a, vf b) { return _mm_and_ps(a, b); }
ATTN_INLINE vf bit_or(vf a, vf b) { return _mm_or_ps(a, b); }
#if defined(__SSE4_1__)
ATTN_INLINE vf select(vf mask, vf a, vf b) { return _mm_blendv_ps(b, a, mask); }  // mask ? a : b
#else
ATTN_INLINE vf select(vf mask, vf a, vf b) { return _mm_or_ps(_mm_and_ps(mask, a), _mm_andnot_ps(mask, b)); }
#endif
ATTN_INLINE vf lane_swap_hi(vf v) { return _mm_movehl_ps(v, v); }
ATTN_INLINE vf lane_swap_1(vf v) { return _mm_shuffle_ps(v, v, _MM_SHUFFLE(1, 1, 1, 1)); }
ATTN_INLINE float lane0(vf v) { return _mm_cvtss_f32(v); }
ATTN_INLINE void transpose4(vf& r0, vf& r1, vf& r2, vf& r3) { _MM_TRANSPOSE4_PS(r0, r1, r2, r3); }

ATTN_INLINE vi as_vi(vf v) { return _mm_castps_si128(v); }
ATTN_INLINE vf as_vf(vi v) { return _mm_castsi128_ps(v); }
ATTN_INLINE vi set1_i32(std::int32_t x) { return _mm_set1_epi32(x); }
ATTN_INLINE vi add_i32(vi a, vi b) { return _mm_add_epi32(a, b); }
ATTN_INLINE vi sub_i32(vi a, vi b) { return _mm_sub_epi32(a, b); }
template <int N> ATTN_INLINE vi sll_i32(vi a) { return _mm_slli_epi32(a, N); }
template <int N> ATTN_INLINE vi sra_i32(vi a) { return _mm_srai_epi32(a, N); }
ATTN_INLINE vf cvt_i32_f32(vi a) { return _mm_cvtepi32_ps(a); }

// ---------------------------------------------------------------------------------------
#else  // ATTN_SIMD_SCALAR

inline constexpr const char* kIsa = "scalar";
struct vf { float v[4]; };
struct vi { std::int32_t v[4]; };

#define ATTN_LANES(expr) do { for (int i_ = 0; i_ < 4; ++i_) { expr; } } while (0)
ATTN_INLINE vf load(const float* p) { vf r; std::memcpy(r.v, p, sizeof r.v); return r; }
ATTN_INLINE vf loadu(const float* p) { return load(p); }
ATTN_INLINE vf load1(const float* p) { vf r; ATTN_LANES(r.v[i_] = *p); return r; }
ATTN_INLINE void store(float* p, vf v) { std::memcpy(p, v.v, sizeof v.v); }
ATTN_INLINE void storeu(float* p, vf v) { store(p, v); }
ATTN_INLINE vf set1(float x) { vf r; ATTN_LANES(r.v[i_] = x); return r; }
ATTN_INLINE vf set(float a, float b, float c, float d) { return vf{{a, b, c, d}}; }
ATTN_INLINE vf zero() { return set1(0.0f); }
ATTN_INLINE vf add(vf a, vf b) { vf r; ATTN_LANES(r.v[i_] = a.v[i_] + b.v[i_]); return r; }
ATTN_INLINE vf sub(vf a, vf b) { vf r; ATTN_LANES(r.v[i_] = a.v[i_] - b.v[i_]); return r; }
ATTN_INLINE vf mul(vf a, vf b) { vf r; ATTN_LANES(r.v[i_] = a.v[i_] * b.v[i_]); return r; }
ATTN_INLINE vf div(vf a, vf b) { vf r; ATTN_LANES(r.v[i_] = a.v[i_] / b.v[i_]); return r; }
ATTN_INLINE vf max(vf a, vf b) { vf r; ATTN_LANES(r.v[i_] = a.v[i_] < b.v[i_] ? b.v[i_] : a.v[i_]); return r; }
ATTN_INLINE vf min(vf a, vf b) { vf r; ATTN_LANES(r.v[i_] = b.v[i_] < a.v[i_] ? b.v[i_] : a.v[i_]); return r; }
ATTN_INLINE vi as_vi(vf v) { vi r; std::memcpy(r.v, v.v, sizeof r.v); return r; }
ATTN_INLINE vf as_vf(vi v) { vf r; std::memcpy(r.v, v.v, sizeof r.v); return r; }
ATTN_INLINE vf mask_of(bool b0, bool b1, bool b2, bool b3) {
  vi r{{-std::int32_t(b0), -std::int32_t(b1), -std::int32_t(b2), -std::int32_t(b3)}};
  return as_vf(r);
}
ATTN_INLINE vf cmplt(vf a, vf b) { return mask_of(a.v[0] < b.v[0], a.v[1] < b.v[1], a.v[2] < b.v[2], a.v[3] < b.v[3]); }
ATTN_INLINE vf cmpeq(vf a, vf b) { return mask_of(a.v[0] == b.v[0], a.v[1] == b.v[1], a.v[2] == b.v[2], a.v[3] == b.v[3]); }
ATTN_INLINE vf bit_and(vf a, vf b) { vi x = as_vi(a), y = as_vi(b); ATTN_LANES(x.v[i_] &= y.v[i_]); return as_vf(x); }
ATTN_INLINE vf bit_or(vf a, vf b) { vi x = as_vi(a), y = as_vi(b); ATTN_LANES(x.v[i_] |= y.v[i_]); return as_vf(x); }
ATTN_INLINE vf select(vf mask, vf a, vf b) {
  vi m = as_vi(mask), x = as_vi(a), y = as_vi(b), r;
  ATTN_LANES(r.v[i_] = (x.v[i_] & m.v[i_]) | (y.v[i_] & ~m.v[i_]));
  return as_vf(r);
}
ATTN_INLINE vf lane_swap_hi(vf v) { return vf{{v.v[2], v.v[3], v.v[2], v.v[3]}}; }
ATTN_INLINE vf lane_swap_1(vf v) { return set1(v.v[1]); }
ATTN_INLINE float lane0(vf v) { return v.v[0]; }
ATTN_INLINE void transpose4(vf& r0, vf& r1, vf& r2, vf& r3) {
  const vf a = r0, b = r1, c = r2, d = r3;
  r0 = vf{{a.v[0], b.v[0], c.v[0], d.v[0]}};
  r1 = vf{{a.v[1], b.v[1], c.v[1], d.v[1]}};
  r2 = vf{{a.v[2], b.v[2], c.v[2], d.v[2]}};
  r3 = vf{{a.v[3], b.v[3], c.v[3], d.v[3]}};
}

ATTN_INLINE vi set1_i32(std::int32_t x) { vi r; ATTN_LANES(r.v[i_] = x); return r; }
ATTN_INLINE vi add_i32(vi a, vi b) {
  vi r; ATTN_LANES(r.v[i_] = std::int32_t(std::uint32_t(a.v[i_]) + std::uint32_t(b.v[i_]))); return r;
}
ATTN_INLINE vi sub_i32(vi a, vi b) {
  vi r; ATTN_LANES(r.v[i_] = std::int32_t(std::uint32_t(a.v[i_]) - std::uint32_t(b.v[i_]))); return r;
}
template <int N> ATTN_INLINE vi sll_i32(vi a) {
  vi r; ATTN_LANES(r.v[i_] = std::int32_t(std::uint32_t(a.v[i_]) << N)); return r;
}
template <int N> ATTN_INLINE vi sra_i32(vi a) {  // arithmetic: floor division by 2^N
  vi r; ATTN_LANES(r.v[i_] = a.v[i_] >= 0 ? (a.v[i_] >> N) : ~(~a.v[i_] >> N)); return r;
}
ATTN_INLINE vf cvt_i32_f32(vi a) { vf r; ATTN_LANES(r.v[i_] = float(a.v[i_])); return r; }
#undef ATTN_LANES

#endif
// ---------------------------------------------------------------------------------------
// ISA-independent compositions (identical results on every backend).

ATTN_INLINE vf madd(vf a, vf b, vf c) { return add(mul(a, b), c); }  // a*b + c, NOT fused

ATTN_INLINE float hsum(vf v) {
  vf t = add(v, lane_swap_hi(v));        // (v0+v2, v1+v3, ..)
  return lane0(add(t, lane_swap_1(t)));  // (v0+v2) + (v1+v3)
}

ATTN_INLINE float hmax(vf v) {
  vf t = max(v, lane_swap_hi(v));
  return lane0(max(t, lane_swap_1(t)));
}

// Scalar twins of max/min with the same NaN behaviour, for the scalar tails.
ATTN_INLINE float max1(float a, float b) { return a < b ? b : a; }
ATTN_INLINE float min1(float a, float b) { return b < a ? b : a; }

namespace detail {
inline constexpr float kExpHi = 89.0f;     // above ~88.7228 the result overflows to +inf anyway
inline constexpr float kExpLo = -110.0f;   // below ~-103.972 the result rounds to +0 anyway
inline constexpr float kLog2e = 0x1.715476p+0f;
inline constexpr float kMagic = 0x1.8p23f;  // adding it rounds to an integer kept in the low mantissa bits
// ln2 split (Cody-Waite): kLn2Hi has 15 significant bits so n * kLn2Hi is exact for |n| <= 2^9.
inline constexpr float kLn2Hi = 0x1.62E400p-1f;
inline constexpr float kLn2Lo = 0x1.7F7D1Cp-20f;
// exp(r) ~= 1 + r + r^2 * (c2 + r*(c3 + r*(c4 + r*(c5 + r*c6)))) on [-ln2/2, ln2/2];
// Chebyshev-node fit, relative error 1e-8 (0.16 half-ulp) before rounding.
inline constexpr float kC2 = 0x1.000000p-1f;
inline constexpr float kC3 = 0x1.5554dep-3f;
inline constexpr float kC4 = 0x1.55551ap-5f;
inline constexpr float kC5 = 0x1.120b62p-7f;
inline constexpr float kC6 = 0x1.6d10fcp-10f;

// The part every exp here shares: z = n + kMagic with n = round(x * log2e) (n sits in z's low
// mantissa bits), and returns p = exp(x - n * ln2) from the Cody-Waite reduction and the
// polynomial above, so exp(x) = p * 2^n. The callers apply 2^n.
ATTN_INLINE vf exp_reduced(vf x, vf& z) {
  const vf magic = set1(kMagic);
  z = madd(x, set1(kLog2e), magic);                 // n + magic, n = round(x * log2e)
  const vf n = sub(z, magic);                       // n as float (exact)
  vf r = sub(x, mul(n, set1(kLn2Hi)));              // exact
  r = sub(r, mul(n, set1(kLn2Lo)));                 // |r| <= ~0.347
  vf q = madd(set1(kC6), r, set1(kC5));
  q = madd(q, r, set1(kC4));
  q = madd(q, r, set1(kC3));
  q = madd(q, r, set1(kC2));
  const vf r2 = mul(r, r);
  return add(set1(1.0f), madd(r2, q, r));           // 1 + (r + r^2 q)
}
}  // namespace detail

// exp, lane-wise. NaN in -> NaN out (min/max keep a NaN first operand; NaN arithmetic does
// the rest); +-inf and out-of-range inputs are clamped to [-110, 89] where the computation
// naturally yields +0 / +inf. 2^n is applied as two factors 2^(n>>1) * 2^(n - (n>>1)), each
// a normal float, so overflow and gradual underflow are rounded exactly once.
ATTN_INLINE vf exp(vf x) {
  using namespace detail;
  x = max(min(x, set1(kExpHi)), set1(kExpLo));
  vf z;
  const vf p = exp_reduced(x, z);
  const vi ni = sub_i32(as_vi(z), as_vi(set1(kMagic)));  // integer n, |n| <= 159
  const vi n1 = sra_i32<1>(ni);
  const vi n2 = sub_i32(ni, n1);
  const vf s1 = as_vf(sll_i32<23>(add_i32(n1, set1_i32(127))));
  const vf s2 = as_vf(sll_i32<23>(add_i32(n2, set1_i32(127))));
  return mul(mul(p, s1), s2);
}

}  // namespace attn::kernels::simd
