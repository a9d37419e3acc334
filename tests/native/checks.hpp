// Helpers the native tests share for errors and memory limits (tolerances: fixtures.hpp).
#pragma once

#include <catch2/catch.hpp>

#include <string>

#include "core/errors.hpp"
#include "core/limits.hpp"
#include "core/tensor.hpp"

namespace checks {

// The attn::error `f` throws (the test fails if it throws nothing).
template <class F>
attn::error capture(F&& f) {
    try {
        f();
    } catch (const attn::error& e) {
        return e;
    }
    FAIL("no attn::error was thrown");
    return attn::error(attn::error_kind::type, {}, "");
}

// The message of the RangeError `f` throws.
template <class F>
std::string range_error(F&& f) {
    const attn::error e = capture(f);
    CHECK(e.kind() == attn::error_kind::range);
    return e.what();
}

// Lowers the memory limit for one test case.
struct memory_limit_guard {
    std::size_t saved = attn::memory_limit();
    explicit memory_limit_guard(std::size_t bytes) { attn::set_memory_limit(bytes); }
    ~memory_limit_guard() { attn::set_memory_limit(saved); }
};

inline attn::shape_t shape_of(const attn::tensor& t) { return attn::to_shape(t.shape()); }

}  // namespace checks
