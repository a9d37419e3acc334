// attention/chapter_steps: torch.softmax along any dim, and the chapter's stepping stones, at
// their edges (the book's own values are in test_chapter.cpp).
#include <catch2/catch.hpp>

#include <cstdint>

#include "attention/chapter_steps.hpp"
#include "checks.hpp"

TEST_CASE("trilOnes refuses a t whose t x t mask exceeds the memory limit, however large t is", "[chapter_steps]") {
    checks::memory_limit_guard limit(std::size_t{16} << 20);
    REQUIRE_THAT(checks::range_error([] { attn::tril_ones(65536); }), Catch::Matchers::StartsWith("trilOnes: the mask would need"));
    REQUIRE_THAT(checks::range_error([] { attn::tril_ones(static_cast<std::size_t>(-1)); }),
                 Catch::Matchers::StartsWith("trilOnes: the mask would need"));
    REQUIRE(checks::shape_of(attn::tril_ones(2048)) == attn::shape_t{2048, 2048});
}

TEST_CASE("softmax along any axis of an empty tensor gives an empty tensor", "[softmax]") {
    const attn::tensor x(attn::shape_t{2, 0, 3});
    for (std::int64_t dim : {0, 1, 2, -1}) REQUIRE(checks::shape_of(attn::softmax(x, dim)) == attn::shape_t{2, 0, 3});
}
