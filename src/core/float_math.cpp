#include "core/float_math.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace attn::float_math {

namespace {

std::uint32_t bits_of(float x) {
    std::uint32_t u;
    std::memcpy(&u, &x, sizeof u);
    return u;
}

float float_of(std::uint32_t u) {
    float x;
    std::memcpy(&x, &u, sizeof x);
    return x;
}

// Cephes' single-precision coefficients (Stephen L. Moshier's Cephes Math Library, cephes/single:
// logf.c, sinf.c, cosf.c), rounded to float as the vector kernel stores them.
constexpr float log_p[9] = {
    7.0376836292e-2f, -1.1514610310e-1f, 1.1676998740e-1f, -1.2420140846e-1f, 1.4249322787e-1f,
    -1.6668057665e-1f, 2.0000714765e-1f, -2.4999993993e-1f, 3.3333331174e-1f,
};
constexpr float log_q1 = -2.12194440e-4f;  // log(2) = q2 - q1, split so that e * q2 is exact
constexpr float log_q2 = 0.693359375f;
constexpr float sqrt_half = 0.707106781186547524f;

constexpr float four_over_pi = 1.27323954473516f;
// -pi/4 in three pieces, so that x - k * pi/4 loses little for the k of [0, 2pi).
constexpr float minus_dp1 = -0.78515625f;
constexpr float minus_dp2 = -2.4187564849853515625e-4f;
constexpr float minus_dp3 = -3.77489497744594108e-8f;
constexpr float sin_p[3] = {-1.9515295891e-4f, 8.3321608736e-3f, -1.6666654611e-1f};
constexpr float cos_p[3] = {2.443315711809948e-5f, -1.388731625493765e-3f, 4.166664568298827e-2f};

}  // namespace

float log_avx2(float x) {
    // x = m * 2^e with m in [0.5, 1); if m < sqrt(1/2), use 2m and e - 1 instead, so that
    // t = m - 1 lies in [sqrt(1/2) - 1, sqrt(2) - 1) and log(x) = log1p(t) + e * log(2), with
    // log1p(t) ~ t - t^2/2 + t^3 P(t), P of degree 8.
    // (The kernel also clamps x to the smallest normal and turns x <= 0 into NaN: x in (0, 1] here,
    // but the same is done for completeness.)
    const bool invalid = !(x > 0.0f);
    if (!(x > float_of(0x00800000u))) x = float_of(0x00800000u);  // as maxps: NaN -> the clamp
    const std::uint32_t u = bits_of(x);
    float e = static_cast<float>(static_cast<std::int32_t>(u >> 23) - 127);
    float m = float_of((u & 0x807fffffu) | 0x3f000000u);
    e = e + 1.0f;
    float t;
    if (m < sqrt_half) {
        const float m_kept = m;
        t = m - 1.0f;
        e = e - 1.0f;
        t = t + m_kept;
    } else {
        t = m - 1.0f;
        t = t + 0.0f;  // the kernel adds the masked-out (zero) term in either case
    }
    const float t2 = t * t;
    // Horner in t, each step one FMA.
    float p = log_p[0];
    for (int i = 1; i < 9; ++i) p = std::fma(p, t, log_p[i]);
    p = p * t;
    // p * t^3 + e * q1 (rounded product e * q1), then - t^2 / 2, both fused.
    float y = std::fma(p, t2, e * log_q1);
    y = std::fma(-t2, 0.5f, y);
    float r = t + y;
    r = std::fma(e, log_q2, r);
    if (invalid) r = float_of(bits_of(r) | 0xffffffffu);  // or-ed with an all-ones mask: NaN
    return r;
}

void sincos_avx2(float x, float* sin_out, float* cos_out) {
    // Reduce |x| by k * pi/4, k the octant number rounded up to even, in three FMAs; evaluate the
    // sine and cosine polynomials on the reduced argument, and swap and sign them by octant.
    std::uint32_t sin_sign = bits_of(x) & 0x80000000u;
    const float ax = float_of(bits_of(x) & 0x7fffffffu);
    const float octant = ax * four_over_pi;
    // cvttps2dq: truncation, and 0x80000000 for what int32 cannot hold (or NaN). The octant
    // arithmetic below is on the 32-bit pattern, wrapping as the vector integer ops do.
    std::uint32_t k = octant < 2147483648.0f ? static_cast<std::uint32_t>(static_cast<std::int32_t>(octant))
                                             : 0x80000000u;
    k = (k + 1) & ~1u;
    const float fk = static_cast<float>(static_cast<std::int32_t>(k));
    const std::uint32_t swap_sign = (k & 4u) << 29;
    const bool cos_poly_for_sin = (k & 2u) != 0;  // octants 2, 3 (mod 4): sin and cos swap
    const std::uint32_t cos_sign = (~(k - 2) & 4u) << 29;
    sin_sign ^= swap_sign;

    float r = std::fma(fk, minus_dp1, ax);
    r = std::fma(fk, minus_dp2, r);
    r = std::fma(fk, minus_dp3, r);
    const float z = r * r;

    // cos(r) ~ 1 - z/2 + z^2 * (c0 z^2 + c1 z + c2)
    float c = std::fma(cos_p[0], z, cos_p[1]);
    c = std::fma(z, c, cos_p[2]);
    c = z * c;
    c = std::fma(c, z, -(z * 0.5f));
    c = c + 1.0f;
    // sin(r) ~ r + r z (s0 z^2 + s1 z + s2)
    float s = std::fma(sin_p[0], z, sin_p[1]);
    s = std::fma(z, s, sin_p[2]);
    s = z * s;
    s = std::fma(s, r, r);

    // The kernel blends with a mask m (all ones where no swap): sin = (s & m) + (c & ~m) and
    // cos = (s - (s & m)) + (c - (c & ~m)), so each result is the chosen polynomial plus a zero
    // (0.0f or v - v; a -0 becomes +0). Then the signs.
    float sin_v, cos_v;
    if (cos_poly_for_sin) {
        sin_v = c + 0.0f;
        cos_v = (s - 0.0f) + (c - c);
    } else {
        sin_v = 0.0f + s;
        cos_v = (c - 0.0f) + (s - s);
    }
    *sin_out = float_of(bits_of(sin_v) ^ sin_sign);
    *cos_out = float_of(bits_of(cos_v) ^ cos_sign);
}

}  // namespace attn::float_math
