// A generator bit-compatible with PyTorch's default CPU generator (at::CPUGeneratorImpl):
// the same mt19937 stream, and the same way each distribution turns 32/64-bit draws into
// floats, so `manual_seed(123)` followed by the book's calls reproduces the book's numbers.
// PyTorch's two x86 CPU builds differ in randn (16+ elements) and nn.Linear init; this generator
// gives the AVX2 build's randn and the scalar build's uniform_ (see generator.cpp), the same bits
// natively and in wasm.
#pragma once

#include <cstdint>
#include <optional>
#include <random>

#include "core/tensor.hpp"

namespace attn {

class generator {
public:
    // PyTorch's default seed (c10::detail::default_rng_seed_val).
    static constexpr std::uint64_t default_seed = 67280421310721ULL;

    generator() { manual_seed(default_seed); }

    // torch.manual_seed: any 64-bit value (negative seeds arrive as their two's complement);
    // mt19937 is seeded with the low 32 bits, and the cached normal sample is dropped.
    void manual_seed(std::uint64_t seed);
    std::uint64_t initial_seed() const { return seed_; }

    std::uint32_t random();    // one mt19937 draw
    std::uint64_t random64();  // two draws, the first one in the high half

    // The scalar distributions of ATen/core/DistributionsHelper.h.
    float uniform_float(float from, float to);  // 24 random bits from random()
    double uniform_double();                    // 53 random bits from random64(), in [0, 1)
    double normal_double();                     // Box-Muller, caching the second sample

    // Tensor fills, in PyTorch's element order.
    void uniform_(float* data, std::size_t n, double from, double to);  // Tensor.uniform_
    void normal_(float* data, std::size_t n);                           // Tensor.normal_(0, 1)
    void bernoulli_(float* data, std::size_t n, double p);              // Tensor.bernoulli_(p)
    // Tensor.exponential_(1): one 53-bit uniform u per element, -log(1 - u) in double, then float
    // (PyTorch's scalar kernel; its builds without MKL, Debian's among them, all take it).
    void exponential_(float* data, std::size_t n);

    tensor rand(const shape_t& shape);   // torch.rand
    tensor randn(const shape_t& shape);  // torch.randn

private:
    std::mt19937 engine_;
    std::uint64_t seed_ = default_seed;
    std::optional<double> next_double_normal_;
};

// The one global generator, as torch's default_generator.
generator& default_generator();

}  // namespace attn
