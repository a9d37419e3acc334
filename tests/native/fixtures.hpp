// Reads the JSON fixtures written by tests/fixtures/make_fixtures.py (PyTorch 1.13) and compares
// tensors the way llm.c and XNNPACK do: per element max(abs_tol, rel_tol·|expected|), reporting
// the largest difference. A fixture of another version is refused with the command that
// regenerates it.
#pragma once

#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/tensor.hpp"

namespace fixtures {

constexpr int version = 1;

// A small JSON value: enough for the fixtures (objects, arrays, numbers, strings, bools, null).
struct json {
    enum class kind { null, boolean, number, string, array, object } type = kind::null;
    bool b = false;
    double num = 0;
    std::string str;
    std::vector<json> arr;
    std::vector<std::pair<std::string, json>> obj;

    const json& operator[](const std::string& key) const;
    const json& operator[](std::size_t i) const { return arr.at(i); }
    bool has(const std::string& key) const;
    std::size_t size() const { return type == kind::array ? arr.size() : obj.size(); }
    bool is_null() const { return type == kind::null; }
};

json parse(const std::string& text);

// Loads tests/fixtures/<name>, checking "version" (throws std::runtime_error saying how to regenerate).
const json& load(const std::string& name);

attn::tensor to_tensor(const json& t);          // {"shape": [...], "data": [...]}
attn::token_ids to_ids(const json& t);          // the same, integer data
std::uint64_t to_seed(const json& decimal);     // "-123" -> two's complement, "18446744073709551615"
attn::shape_t to_shape(const json& arr);

// The one tolerance check of the native suite. Element (i, j) of a (rows × cols) block passes when
//   |got - want| <= abs_tol + rel_tol · scale(i, j)
// (scale: |want| for tensors; a kernel test may pass the magnitude its sum was built from), or
// both are NaN, or both are the same infinity. With a `sentinel`, the row padding of `got`
// (columns cols .. ld_got) must still hold it: a kernel must not write past its rows.
struct comparison {
    bool ok = true;
    double max_diff = 0;
    std::string detail;  // the first mismatch, readable
};

template <class Scale>
comparison compare_block(int rows, int cols, const float* got, int ld_got, const float* want, int ld_want,
                         double abs_tol, double rel_tol, Scale scale, const float* sentinel = nullptr) {
    comparison c;
    int bad = 0;
    std::ostringstream msg;
    msg.precision(9);
    for (int i = 0; i < rows; ++i) {
        for (int j = 0; j < cols; ++j) {
            const double g = got[std::size_t(i) * ld_got + j], w = want[std::size_t(i) * ld_want + j];
            bool good;
            if (std::isnan(w) || std::isnan(g)) {
                good = std::isnan(w) && std::isnan(g);
            } else if (std::isinf(w) || std::isinf(g)) {
                good = g == w;
            } else {
                const double diff = std::fabs(g - w);
                if (diff > c.max_diff) c.max_diff = diff;
                good = diff <= abs_tol + rel_tol * scale(i, j);
            }
            if (!good && bad++ == 0)
                msg << "first mismatch at (" << i << ", " << j << "): got " << g << ", expected " << w << " (abs_tol "
                    << abs_tol << ", rel_tol " << rel_tol << ", scale " << scale(i, j) << ")";
        }
        for (int j = cols; sentinel && j < ld_got && i + 1 < rows; ++j)
            if (got[std::size_t(i) * ld_got + j] != *sentinel && bad++ == 0)
                msg << "row padding overwritten at (" << i << ", " << j << ")";
    }
    c.ok = bad == 0;
    if (bad) msg << "; " << bad << " bad elements";
    else msg << "all " << rows * cols << " elements within tolerance";
    c.detail = msg.str();
    return c;
}

// Tensors of the same shape, within abs_tol + rel_tol·|expected|.
comparison compare(const attn::tensor& actual, const attn::tensor& expected, double abs_tol, double rel_tol);
// Exact equality (rand, dropout masks).
comparison compare_exact(const attn::tensor& actual, const attn::tensor& expected);

}  // namespace fixtures

// REQUIRE-style helpers that print the comparison on failure.
#define REQUIRE_CLOSE(actual, expected, abs_tol, rel_tol)                                        \
    do {                                                                                         \
        auto cmp_ = fixtures::compare((actual), (expected), (abs_tol), (rel_tol));               \
        INFO(cmp_.detail << " (max diff " << cmp_.max_diff << ")");                              \
        REQUIRE(cmp_.ok);                                                                        \
    } while (0)

#define REQUIRE_EXACT(actual, expected)                                                          \
    do {                                                                                         \
        auto cmp_ = fixtures::compare_exact((actual), (expected));                               \
        INFO(cmp_.detail);                                                                       \
        REQUIRE(cmp_.ok);                                                                        \
    } while (0)

// Bit-for-bit equality of two tensors (shape and every value), for REQUIRE(same(a, b)).
inline bool same(const attn::tensor& a, const attn::tensor& b) { return fixtures::compare_exact(a, b).ok; }
