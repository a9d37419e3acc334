// core/validate and the numbers its messages print: every size argument, probability and memory
// need is checked on the double, before any integer conversion, and printed as JavaScript would.
#include <catch2/catch.hpp>

#include <cfloat>
#include <cmath>
#include <sstream>

#include "checks.hpp"
#include "core/validate.hpp"

namespace {

std::string js(double v) {
    std::ostringstream out;
    out << attn::js_number{v};
    return out.str();
}

}  // namespace

TEST_CASE("size arguments refuse huge negative numbers without converting them to an integer first", "[validate]") {
    REQUIRE(checks::range_error([] { attn::validate::size("SelfAttentionV1", "dIn", -1e300); }) ==
            "SelfAttentionV1: dIn (-1e+300) must be a positive integer");
    REQUIRE(checks::range_error([] { attn::validate::size("CausalAttention", "dOut", -DBL_MAX); }) ==
            "CausalAttention: dOut (-1.7976931348623157e+308) must be a positive integer");
    REQUIRE(checks::range_error([] { attn::validate::size("X", "dIn", -0.0); }) == "X: dIn (0) must be a positive integer");
    REQUIRE(attn::validate::size("X", "dIn", 1073741824.0) == 1073741824u);
}

TEST_CASE("numbers in messages print as JavaScript prints them, denormals included", "[validate]") {
    REQUIRE(checks::range_error([] { attn::validate::probability("Dropout", "p", -5e-324); }) ==
            "Dropout: p (-5e-324) must be a probability in [0, 1]");
    REQUIRE(checks::range_error([] { attn::validate::size("X", "dIn", 2.5e-310); }) ==
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

TEST_CASE("a need beyond 2^63 MiB prints as a number, not as a negative integer", "[validate]") {
    checks::memory_limit_guard limit(std::size_t{16} << 20);
    const std::string msg = checks::range_error([] { attn::validate::fits("trilOnes", "the mask", 1e30); });
    REQUIRE(msg == "trilOnes: the mask would need 3.814697265625e+24 MiB, more than the memory limit of 16 MiB");
    REQUIRE(checks::range_error([] { attn::validate::fits("X", "the weights", 15.0 * (1 << 20)); }) ==
            "X: the weights would need 60 MiB, more than the memory limit of 16 MiB");
}
