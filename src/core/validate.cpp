#include "core/validate.hpp"

#include <cmath>

#include "core/errors.hpp"

namespace attn {

namespace {
std::size_t g_memory_limit = static_cast<std::size_t>(-1) / 2;  // native: no practical limit; wasm: set by the bindings
}

std::size_t memory_limit() { return g_memory_limit; }
void set_memory_limit(std::size_t bytes) { g_memory_limit = bytes; }

namespace validate {

std::size_t size(const char* cls, const char* arg, double value) {
    if (!std::isfinite(value) || value != std::floor(value) || value <= 0)
        raise_range({cls, arg}, arg, " (", js_number{value}, ") must be a positive integer");
    if (value > static_cast<double>(max_axis))
        raise_range({cls, arg}, arg, " (", js_number{value}, ") is too large (at most ", max_axis, ")");
    return static_cast<std::size_t>(value);
}

std::size_t count(const char* cls, const char* arg, double value) {
    if (!std::isfinite(value) || value != std::floor(value) || value < 0)
        raise_range({cls, arg}, arg, " (", js_number{value}, ") must be a non-negative integer");
    if (value > static_cast<double>(max_axis))
        raise_range({cls, arg}, arg, " (", js_number{value}, ") is too large (at most ", max_axis, ")");
    return static_cast<std::size_t>(value);
}

double non_negative(const char* cls, const char* arg, double value) {
    if (!(value >= 0) || std::isinf(value))
        raise_range({cls, arg}, arg, " (", js_number{value}, ") must be a finite number >= 0");
    return value;
}

double probability(const char* cls, const char* arg, double p) {
    if (!(p >= 0.0 && p <= 1.0)) raise_range({cls, arg}, arg, " (", js_number{p}, ") must be a probability in [0, 1]");
    return p;
}

std::size_t divisible(const char* cls, const char* num_arg, std::size_t num, const char* den_arg, std::size_t den) {
    if (den == 0 || num % den != 0)
        raise_range({cls, num_arg}, num_arg, " (", num, ") must be divisible by ", den_arg, " (", den, ")");
    return num / den;
}

void fits(const char* cls, const char* what, double floats) {
    const double bytes = floats * 4.0;
    if (bytes > static_cast<double>(memory_limit())) {
        // js_number, not llround: beyond 2^63 MiB llround has no defined result (it printed
        // -9223372036854775808); huge amounts print as 1e+24 instead.
        raise_range({cls, ""}, what, " would need ", js_number{std::round(bytes / (1024.0 * 1024.0))},
                    " MiB, more than the memory limit of ", memory_limit() / (1024 * 1024), " MiB");
    }
}

shape_t shape(const char* cls, const char* arg, const double* dims, std::size_t rank) {
    shape_t s;
    for (std::size_t i = 0; i < rank; ++i) {
        const double d = dims[i];
        if (!(d >= 0) || d != std::floor(d))
            raise_range({cls, arg}, arg, "[", i, "] (", js_number{d}, ") must be a non-negative integer");
        if (d > static_cast<double>(max_axis))
            raise_range({cls, arg}, arg, "[", i, "] (", js_number{d}, ") is too large (at most ", max_axis, ")");
        s.push_back(static_cast<std::size_t>(d));
    }
    checked_numel(s, cls);
    return s;
}

input_dims input(const char* cls, const shape_t& s, std::size_t d_in, bool batched, std::size_t context_length) {
    const std::size_t rank = s.size();
    if (rank != 2 && !(batched && rank == 3)) {
        raise_range({cls, "x"}, "input x must have shape ", batched ? "(B, T, dIn) or (T, dIn)" : "(T, dIn)",
                    " with dIn = ", d_in, ", got rank ", rank, " ", shape_str(s));
    }
    input_dims d{rank == 3 ? s[0] : 1, s[rank - 2], s[rank - 1], rank == 3};
    if (d.features != d_in)
        raise_range({cls, "x"}, "input x has ", d.features, " features in its last axis ", shape_str(s),
                    ", expected dIn = ", d_in);
    if (context_length > 0 && d.tokens > context_length)
        raise_range({cls, "x"}, "input x has T = ", d.tokens, " tokens ", shape_str(s),
                    ", more than contextLength (", context_length, ")");
    return d;
}

token_ids ids(const char* cls, const char* arg, const double* values, const shape_t& shape, std::size_t vocab) {
    token_ids out{shape, {}};
    const std::size_t n = checked_numel(shape, cls);
    out.data.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const double v = values[i];
        if (v >= 0 && v < static_cast<double>(vocab) && v == std::floor(v)) {
            out.data[i] = static_cast<std::int32_t>(v);
            continue;
        }
        std::string at;  // ids[1][3]: the position in the nested array
        for (std::size_t axis = shape.size(), rest = i; axis-- > 0;) {
            at = "[" + std::to_string(rest % shape[axis]) + "]" + at;
            rest /= shape[axis];
        }
        raise_range({cls, arg}, arg, at, " (", js_number{v}, ") is out of range: expected an integer in [0, ", vocab,
                    ")");
    }
    return out;
}

void mask_buffer(const char* cls, const std::string& key, const tensor& mask, std::size_t n) {
    const shape_t s = to_shape(mask.shape());
    if (s != shape_t{n, n})
        raise_range({cls, "stateDict"}, "loadStateDict key '", key, "' has shape ", shape_str(s), ", expected ",
                    shape_str({n, n}));
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j)
            if (mask(i, j) != (j > i ? 1.0f : 0.0f))
                raise_range({cls, "stateDict"}, "loadStateDict key '", key, "' must be triu(ones(", n, ", ", n,
                            "), diagonal=1)");
}

}  // namespace validate
}  // namespace attn
