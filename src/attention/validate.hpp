// The one place that checks arguments and shapes. Every message names the class, the argument
// and what was expected, e.g. "MultiHeadAttention: dOut (5) must be divisible by numHeads (2)".
// Argument names are the JS API's (shared/API.md), which readers of the messages call.
#pragma once

#include <cstdint>
#include <string>

#include "core/tensor.hpp"

namespace attn {

// Upper bound on the bytes one module or one call may need; the bindings lower it to what the
// wasm heap can grow to, so an oversized request is a RangeError before anything is allocated.
std::size_t memory_limit();
void set_memory_limit(std::size_t bytes);

namespace validate {

// A size argument: a positive integer (the JS layer has already refused non-integers).
std::size_t size(const char* cls, const char* arg, std::int64_t value);
// The same for a number from JavaScript: NaN, ±Infinity and 2.5 are refused too.
std::size_t size_number(const char* cls, const char* arg, double value);

// dropout probability in [0, 1]; NaN is refused.
double probability(const char* cls, const char* arg, double p);

// `numerator` divisible by `denominator`, e.g. dOut by numHeads.
void divisible(const char* cls, const char* num_arg, std::size_t num, const char* den_arg, std::size_t den);

// The bytes needed for `floats` float32 values fit memory_limit().
void fits(const char* cls, const char* what, double floats);

// Input of rank 2 (T, dIn), or rank 2/3 when `batched`; last axis dIn; T <= contextLength
// (contextLength 0 means unlimited). Returns the shape as (B, T, dIn) with B = 1 for rank 2.
struct input_dims {
    std::size_t batch, tokens, features;
    bool batched;  // the input had a batch axis
};
input_dims input(const char* cls, const tensor& x, std::size_t d_in, bool batched, std::size_t context_length);

// A "mask" buffer passed to loadStateDict: (n, n) and equal to triu(ones, 1).
void mask_buffer(const char* cls, const tensor& mask, std::size_t n);

}  // namespace validate
}  // namespace attn
