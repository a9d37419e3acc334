#include "core/generator.hpp"

#include <cmath>

#include "core/float_math.hpp"

namespace attn {

namespace {
constexpr double pi = 3.14159265358979323846;
}

void generator::manual_seed(std::uint64_t seed) {
    seed_ = seed;
    // at::mt19937 keeps only the low 32 bits in its state; its init is std::mt19937's.
    engine_.seed(static_cast<std::uint32_t>(seed & 0xffffffffu));
    next_double_normal_.reset();
}

std::uint32_t generator::random() { return static_cast<std::uint32_t>(engine_()); }

std::uint64_t generator::random64() {
    const std::uint64_t hi = random();
    const std::uint64_t lo = random();
    return (hi << 32) | lo;
}

float generator::uniform_float(float from, float to) {
    // transformation::uniform_real<float>: (val & (2^24 - 1)) * 2^-24, then x * (to - from) + from,
    // each step rounded to float: PyTorch's scalar build. Its AVX2 build (compiled with -mfma)
    // fuses the last step, std::fma(x, span, from), which also reproduces every nn.Linear value
    // of the AVX2 build in generator.json (weight_avx2/bias_avx2). It makes no difference for
    // torch.rand (span 1, from 0) but changes nn.Linear init; we keep the scalar rounding because
    // chapter.json, modules.json and large.json (the book's state dicts and every module case)
    // were written by the scalar build. Switching to the AVX2 build is this line plus those
    // fixtures regenerated with ATEN_CPU_CAPABILITY=avx2.
    const float x = static_cast<float>(random() & ((1u << 24) - 1)) * (1.0f / (1u << 24));
    const float span = to - from;
    const float scaled = x * span;
    return scaled + from;
}

double generator::uniform_double() {
    const std::uint64_t bits = random64() & ((std::uint64_t{1} << 53) - 1);
    return static_cast<double>(bits) * (1.0 / static_cast<double>(std::uint64_t{1} << 53));
}

double generator::normal_double() {
    if (next_double_normal_) {
        const double cached = *next_double_normal_;
        next_double_normal_.reset();
        return cached;
    }
    const double u1 = uniform_double();
    const double u2 = uniform_double();
    // PyTorch 1.13 takes log(1 - u2) (later versions log1p(-u2)); 1 - u2 is exact here (u2 is a
    // multiple of 2^-53), so the two differ only in libm's last-bit rounding.
    const double r = std::sqrt(-2.0 * std::log(1.0 - u2));
    const double theta = 2.0 * pi * u1;
    next_double_normal_ = r * std::sin(theta);
    return r * std::cos(theta);
}

void generator::uniform_(float* data, std::size_t n, double from, double to) {
    const float f = static_cast<float>(from);
    const float t = static_cast<float>(to);
    for (std::size_t i = 0; i < n; ++i) data[i] = uniform_float(f, t);
}

namespace {
// ATen's normal_fill_16_AVX2 (PyTorch's AVX2 build, the one x86 machines run by default): Box-Muller
// over 16 uniforms in float, the first 8 giving radii, the last 8 angles, with the vector kernel's
// log and sincos (core/float_math), so that native and wasm builds give that build's bits.
// PyTorch's scalar build (ATEN_CPU_CAPABILITY=default) calls libm's logf/cosf/sinf instead (and
// computes the angle in double): its bits are glibc's, and musl's cosf/sinf (wasm) round ~1% of
// angles differently, so matching it portably would mean re-implementing glibc's functions.
void normal_fill_16(float* data) {
    const float two_pi = static_cast<float>(2.0 * pi);  // _mm256_set1_ps(2.0f * pi<double>)
    for (int j = 0; j < 8; ++j) {
        const float u1 = 1.0f - data[j];  // [0, 1) -> (0, 1] for log
        const float u2 = data[j + 8];
        const float radius = std::sqrt(-2.0f * float_math::log_avx2(u1));
        const float theta = two_pi * u2;
        float sin_theta, cos_theta;
        float_math::sincos_avx2(theta, &sin_theta, &cos_theta);
        // The kernel's final fma(n, std, mean) with std = 1, mean = 0: n + 0 (a -0 becomes +0).
        data[j] = radius * cos_theta + 0.0f;
        data[j + 8] = radius * sin_theta + 0.0f;
    }
}
}  // namespace

void generator::normal_(float* data, std::size_t n) {
    if (n >= 16) {
        // ATen's normal_fill: all uniforms first, then Box-Muller in blocks of 16; a ragged tail
        // redraws the last 16 uniforms and transforms them again.
        for (std::size_t i = 0; i < n; ++i) data[i] = uniform_float(0.0f, 1.0f);
        for (std::size_t i = 0; i + 16 <= n; i += 16) normal_fill_16(data + i);
        if (n % 16 != 0) {
            float* tail = data + n - 16;
            for (int i = 0; i < 16; ++i) tail[i] = uniform_float(0.0f, 1.0f);
            normal_fill_16(tail);
        }
    } else {
        // Small tensors: one double-precision normal per element, cast to float.
        for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<float>(normal_double());
    }
}

void generator::bernoulli_(float* data, std::size_t n, double p) {
    for (std::size_t i = 0; i < n; ++i) data[i] = uniform_double() < p ? 1.0f : 0.0f;
}

void generator::exponential_(float* data, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) data[i] = static_cast<float>(-1.0 * std::log(1.0 - uniform_double()));
}

tensor generator::rand(const shape_t& shape) {
    tensor out(shape);
    uniform_(out.data(), out.size(), 0.0, 1.0);
    return out;
}

tensor generator::randn(const shape_t& shape) {
    tensor out(shape);
    normal_(out.data(), out.size());
    return out;
}

generator& default_generator() {
    static generator instance;
    return instance;
}

}  // namespace attn
