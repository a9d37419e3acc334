// core/workspace and the plans of the classes' forwards: a call beyond the memory limit is refused
// before anything is allocated, naming the class and the part that does not fit.
#include <catch2/catch.hpp>

#include "attention/causal_attention.hpp"
#include "attention/multi_head_attention.hpp"
#include "attention/self_attention.hpp"
#include "checks.hpp"
#include "core/workspace.hpp"

TEST_CASE("a workspace refuses a plan beyond the memory limit, naming the part and the total", "[memory]") {
    checks::memory_limit_guard limit(std::size_t{16} << 20);  // 4 Mi floats
    attn::workspace ws("X");
    ws.plan("the output", 3 << 20);  // 12 MiB
    REQUIRE(checks::range_error([&] { ws.plan("the projections", 2 << 20); }) ==
            "X: the projections would need 20 MiB with the rest of this call, more than the memory limit of 16 MiB");
    REQUIRE(checks::range_error([&] { ws.plan("the matrices", 5 << 20); }) ==
            "X: the matrices would need 20 MiB, more than the memory limit of 16 MiB");
    REQUIRE(ws.planned_floats() == 3 << 20);  // a refused part is not counted
    REQUIRE(checks::range_error([&] { ws.take("the input", {1 << 12, 1 << 11}); }) ==
            "X: the input would need 32 MiB, more than the memory limit of 16 MiB");
}

TEST_CASE("a forward whose projections or output exceed the memory limit is refused, traced or not", "[memory]") {
    attn::generator g;
    checks::memory_limit_guard limit(std::size_t{16} << 20);  // 4 Mi floats
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
        REQUIRE_THAT(checks::range_error([&] { v1.forward(x, t); }), Catch::Matchers::StartsWith("SelfAttentionV1: the projections would need"));
        REQUIRE_THAT(checks::range_error([&] { v2.forward(x, t); }), Catch::Matchers::StartsWith("SelfAttentionV2: the projections would need"));
        REQUIRE_THAT(checks::range_error([&] { ca.forward(xb, t); }), Catch::Matchers::StartsWith("CausalAttention: the projections would need"));
        // Its (B, T, H·dOut) output is as large as the projections: whichever is taken first is refused.
        REQUIRE_THAT(checks::range_error([&] { w.forward(xb, t); }),
                     Catch::Matchers::Matches("MultiHeadAttentionWrapper: the (output|projections) would need .*"));
    }
    // The trace keeps q, k and v of the whole batch (3 · 1024 · 1536 floats): refused. Without a
    // trace, MultiHeadAttention holds one sequence's q | k | v at a time, so the same batch fits.
    REQUIRE_THAT(checks::range_error([&] { mha.forward(batch, &tr); }),
                 Catch::Matchers::StartsWith("MultiHeadAttention: the projections would need"));
    REQUIRE(checks::shape_of(mha.forward(batch)) == attn::shape_t{1024, 1, 1536});
    const attn::tensor wide(attn::shape_t{4096, 1, 1});  // its (B, T, dOut) output alone: 24 MiB
    REQUIRE_THAT(checks::range_error([&] { mha.forward(wide); }), Catch::Matchers::StartsWith("MultiHeadAttention: the output would need"));
}
