#include "attention/validate.hpp"

#include <cmath>

#include "core/errors.hpp"

namespace attn {

namespace {
std::size_t g_memory_limit = static_cast<std::size_t>(-1) / 2;  // native: no practical limit; wasm: set by the bindings
}

std::size_t memory_limit() { return g_memory_limit; }
void set_memory_limit(std::size_t bytes) { g_memory_limit = bytes; }

namespace validate {

std::size_t size(const char* cls, const char* arg, std::int64_t value) {
    if (value <= 0) raise_range({cls, arg}, arg, " (", value, ") must be a positive integer");
    if (value > (std::int64_t{1} << 30))
        raise_range({cls, arg}, arg, " (", value, ") is too large (at most 1073741824)");
    return static_cast<std::size_t>(value);
}

std::size_t size_number(const char* cls, const char* arg, double value) {
    if (!std::isfinite(value) || value != std::floor(value))
        raise_range({cls, arg}, arg, " (", js_number{value}, ") must be a positive integer");
    // -1e300 must not reach the int64 conversion (undefined behaviour; wasm would trap or wrap).
    if (value <= -1.0) raise_range({cls, arg}, arg, " (", js_number{value}, ") must be a positive integer");
    if (value > static_cast<double>(std::int64_t{1} << 30))
        raise_range({cls, arg}, arg, " (", js_number{value}, ") is too large (at most 1073741824)");
    return size(cls, arg, static_cast<std::int64_t>(value));
}

double probability(const char* cls, const char* arg, double p) {
    if (!(p >= 0.0 && p <= 1.0)) raise_range({cls, arg}, arg, " (", js_number{p}, ") must be a probability in [0, 1]");
    return p;
}

void divisible(const char* cls, const char* num_arg, std::size_t num, const char* den_arg, std::size_t den) {
    if (den == 0 || num % den != 0)
        raise_range({cls, num_arg}, num_arg, " (", num, ") must be divisible by ", den_arg, " (", den, ")");
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

input_dims input(const char* cls, const tensor& x, std::size_t d_in, bool batched, std::size_t context_length) {
    const std::size_t rank = x.dimension();
    const shape_t s = to_shape(x.shape());
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

void mask_buffer(const char* cls, const tensor& mask, std::size_t n) {
    const shape_t s = to_shape(mask.shape());
    if (s != shape_t{n, n})
        raise_range({cls, "stateDict"}, "loadStateDict key 'mask' has shape ", shape_str(s), ", expected ", shape_str({n, n}));
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < n; ++j)
            if (mask(i, j) != (j > i ? 1.0f : 0.0f))
                raise_range({cls, "stateDict"}, "loadStateDict key 'mask' must be triu(ones(", n, ", ", n, "), diagonal=1)");
}

}  // namespace validate
}  // namespace attn
