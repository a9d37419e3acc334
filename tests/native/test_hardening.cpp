// Regression tests for what the libFuzzer target (tests/fuzz/fuzz_core.cpp) and the ASan/UBSan
// build found in the core. Each case names the finding; most only fail loudly under
// -DATTN_SANITIZE=ON (scripts/test.sh runs the suite that way too).
#include <catch2/catch.hpp>

#include <cfloat>
#include <cmath>
#include <limits>
#include <sstream>

#include "attention/causal_attention.hpp"
#include "attention/chapter_steps.hpp"
#include "attention/multi_head_attention.hpp"
#include "attention/self_attention.hpp"
#include "core/validate.hpp"
#include "core/errors.hpp"
#include "core/generator.hpp"

namespace {

// The message of the attn::error `f` throws (fails if it throws nothing or something else).
template <class F>
std::string range_error(F&& f) {
    try {
        f();
    } catch (const attn::error& e) {
        CHECK(e.kind() == attn::error_kind::range);
        return e.what();
    }
    FAIL("no attn::error was thrown");
    return "";
}

std::string js(double v) {
    std::ostringstream out;
    out << attn::js_number{v};
    return out.str();
}

// Lowers the memory limit for one test case.
struct memory_limit_guard {
    std::size_t saved = attn::memory_limit();
    explicit memory_limit_guard(std::size_t bytes) { attn::set_memory_limit(bytes); }
    ~memory_limit_guard() { attn::set_memory_limit(saved); }
};

attn::shape_t shape_of(const attn::tensor& t) { return attn::to_shape(t.shape()); }

}  // namespace

TEST_CASE("size_number refuses -1e300 without converting it to int64 first", "[hardening]") {
    // Was: static_cast<int64_t>(-1e300), undefined behaviour (UBSan: float-cast-overflow).
    REQUIRE(range_error([] { attn::validate::size("SelfAttentionV1", "dIn", -1e300); }) ==
            "SelfAttentionV1: dIn (-1e+300) must be a positive integer");
    REQUIRE(range_error([] { attn::validate::size("CausalAttention", "dOut", -DBL_MAX); }) ==
            "CausalAttention: dOut (-1.7976931348623157e+308) must be a positive integer");
    REQUIRE(range_error([] { attn::validate::size("X", "dIn", -0.0); }) == "X: dIn (0) must be a positive integer");
    REQUIRE(attn::validate::size("X", "dIn", 1073741824.0) == 1073741824u);
}

TEST_CASE("numbers in messages print as JavaScript prints them, denormals included", "[hardening]") {
    // Was: std::stod threw std::out_of_range (not attn::error) for denormals and for the
    // 1-digit form of -1.8e308; and %g printed 60 as "6e+01".
    REQUIRE(range_error([] { attn::validate::probability("Dropout", "p", -5e-324); }) ==
            "Dropout: p (-5e-324) must be a probability in [0, 1]");
    REQUIRE(range_error([] { attn::validate::size("X", "dIn", 2.5e-310); }) ==
            "X: dIn (2.5e-310) must be a positive integer");
    CHECK(js(60) == "60");
    CHECK(js(10) == "10");
    CHECK(js(0.1) == "0.1");
    CHECK(js(2.5) == "2.5");
    CHECK(js(-0.0) == "0");
    CHECK(js(1e21) == "1e+21");
    CHECK(js(1e20) == "100000000000000000000");
    CHECK(js(1.5e-7) == "1.5e-7");
    CHECK(js(0.000001) == "0.000001");
    CHECK(js(0.30000000000000004) == "0.30000000000000004");
    CHECK(js(1073741825) == "1073741825");
    CHECK(js(std::nan("")) == "NaN");
    CHECK(js(-INFINITY) == "-Infinity");
}

TEST_CASE("a need beyond 2^63 MiB is not printed as a negative number", "[hardening]") {
    // Was: std::llround(bytes / MiB) overflowed: "needs -9223372036854775808 MiB".
    memory_limit_guard limit(std::size_t{16} << 20);
    const std::string msg = range_error([] { attn::validate::fits("trilOnes", "the mask", 1e30); });
    REQUIRE(msg == "trilOnes: the mask would need 3.814697265625e+24 MiB, more than the memory limit of 16 MiB");
    REQUIRE(range_error([] { attn::validate::fits("X", "the weights", 15.0 * (1 << 20)); }) ==
            "X: the weights would need 60 MiB, more than the memory limit of 16 MiB");
}

TEST_CASE("trilOnes refuses a t whose t x t mask exceeds the memory limit", "[hardening]") {
    // Was: no check; tril_ones(2^64 - 1) wrapped t·t to 1 element and wrote past it (ASan:
    // heap-buffer-overflow); in wasm32 tril_ones(65536) wraps t·t to 0.
    memory_limit_guard limit(std::size_t{16} << 20);
    REQUIRE_THAT(range_error([] { attn::tril_ones(65536); }), Catch::Matchers::StartsWith("trilOnes: the mask would need"));
    REQUIRE_THAT(range_error([] { attn::tril_ones(static_cast<std::size_t>(-1)); }),
                 Catch::Matchers::StartsWith("trilOnes: the mask would need"));
    REQUIRE(shape_of(attn::tril_ones(2048)) == attn::shape_t{2048, 2048});
}

TEST_CASE("softmax along an empty axis of an empty tensor", "[hardening][softmax]") {
    // Was: pointer arithmetic on the null data of an empty tensor (UBSan: pointer-overflow).
    const attn::tensor x(attn::shape_t{2, 0, 3});
    for (std::int64_t dim : {0, 1, 2, -1}) REQUIRE(shape_of(attn::softmax(x, dim)) == attn::shape_t{2, 0, 3});
}

TEST_CASE("every class accepts T = 0 and B = 0 on the fast and the reference path", "[hardening]") {
    // Was: the wrapper's concat and the fast paths offset the null data of empty tensors
    // (UBSan: pointer-overflow in concat, attention_heads, the wrapper's out.data() + h·dOut).
    attn::generator g;
    g.manual_seed(5);
    attn::self_attention_v1 v1(3, 4, g);
    attn::self_attention_v2 v2(3, 4, true, g);
    attn::causal_attention ca(3, 4, 6, 0.5, false, g);
    attn::multi_head_attention_wrapper w(3, 4, 6, 0.5, 2, false, g);
    attn::multi_head_attention mha(3, 4, 6, 0.5, 2, false, g);
    for (bool training : {true, false})
        for (bool traced : {false, true}) {
            INFO("training " << training << ", traced " << traced);
            for (attn::nn::tensor_module* m : std::initializer_list<attn::nn::tensor_module*>{&v1, &v2, &ca, &w, &mha}) m->train(training);
            attn::trace tr;
            attn::trace* t = traced ? &tr : nullptr;
            REQUIRE(shape_of(v1.forward(attn::tensor(attn::shape_t{0, 3}), t)) == attn::shape_t{0, 4});
            REQUIRE(shape_of(v2.forward(attn::tensor(attn::shape_t{0, 3}), t)) == attn::shape_t{0, 4});
            REQUIRE(shape_of(ca.forward(attn::tensor(attn::shape_t{0, 3}), t)) == attn::shape_t{0, 4});
            REQUIRE(shape_of(ca.forward(attn::tensor(attn::shape_t{2, 0, 3}), t)) == attn::shape_t{2, 0, 4});
            REQUIRE(shape_of(ca.forward(attn::tensor(attn::shape_t{0, 5, 3}), t)) == attn::shape_t{0, 5, 4});
            REQUIRE(shape_of(w.forward(attn::tensor(attn::shape_t{0, 3}), t)) == attn::shape_t{0, 8});
            REQUIRE(shape_of(w.forward(attn::tensor(attn::shape_t{2, 0, 3}), t)) == attn::shape_t{2, 0, 8});
            REQUIRE(shape_of(w.forward(attn::tensor(attn::shape_t{0, 5, 3}), t)) == attn::shape_t{0, 5, 8});
            REQUIRE(shape_of(mha.forward(attn::tensor(attn::shape_t{0, 3}), t)) == attn::shape_t{0, 4});
            REQUIRE(shape_of(mha.forward(attn::tensor(attn::shape_t{2, 0, 3}), t)) == attn::shape_t{2, 0, 4});
            REQUIRE(shape_of(mha.forward(attn::tensor(attn::shape_t{0, 5, 3}), t)) == attn::shape_t{0, 5, 4});
        }
}

TEST_CASE("projections beyond the memory limit are refused on the traced path too", "[hardening][memory]") {
    // Was: only the (T, T) matrices were checked on the reference (traced / dropout) path, so
    // dIn = 1, a wide dOut and a few thousand tokens allocated T·dOut floats unchecked
    // (std::bad_alloc natively; in wasm32 the size_t product wraps).
    attn::generator g;
    memory_limit_guard limit(std::size_t{16} << 20);  // 4 Mi floats
    const attn::tensor x(attn::shape_t{64, 1});       // T = 64: the (T, T) matrices are tiny
    const attn::tensor xb(attn::shape_t{1, 64, 1});
    attn::trace tr;
    attn::self_attention_v1 v1(1, 1 << 19, g);  // weights 3 · 2^19 floats fit; q, k, v: 64 · 2^19 do not
    attn::self_attention_v2 v2(1, 1 << 19, false, g);
    attn::causal_attention ca(1, 1 << 19, 64, 0.0, false, g);
    attn::multi_head_attention_wrapper w(1, 1 << 18, 64, 0.0, 2, false, g);
    // MultiHeadAttention's out_proj is dOut²: a wide batch of one token instead.
    attn::multi_head_attention mha(1, 1536, 4, 0.0, 1, false, g);
    const attn::tensor batch(attn::shape_t{1024, 1, 1});
    for (attn::trace* t : {&tr, static_cast<attn::trace*>(nullptr)}) {
        INFO((t ? "traced" : "untraced"));
        REQUIRE_THAT(range_error([&] { v1.forward(x, t); }), Catch::Matchers::StartsWith("SelfAttentionV1: the projections would need"));
        REQUIRE_THAT(range_error([&] { v2.forward(x, t); }), Catch::Matchers::StartsWith("SelfAttentionV2: the projections would need"));
        REQUIRE_THAT(range_error([&] { ca.forward(xb, t); }), Catch::Matchers::StartsWith("CausalAttention: the projections would need"));
        // Its (B, T, H·dOut) output is as large as the projections: whichever is taken first is refused.
        REQUIRE_THAT(range_error([&] { w.forward(xb, t); }),
                     Catch::Matchers::Matches("MultiHeadAttentionWrapper: the (output|projections) would need .*"));
    }
    // The trace keeps q, k and v of the whole batch (3 · 1024 · 1536 floats): refused. Without a
    // trace, MultiHeadAttention holds one sequence's q | k | v at a time, so the same batch fits.
    REQUIRE_THAT(range_error([&] { mha.forward(batch, &tr); }),
                 Catch::Matchers::StartsWith("MultiHeadAttention: the projections would need"));
    REQUIRE(shape_of(mha.forward(batch)) == attn::shape_t{1024, 1, 1536});
    const attn::tensor wide(attn::shape_t{4096, 1, 1});  // its (B, T, dOut) output alone: 24 MiB
    REQUIRE_THAT(range_error([&] { mha.forward(wide); }), Catch::Matchers::StartsWith("MultiHeadAttention: the output would need"));
}
