// The one place that checks argument values and shapes. Every message names the class, the
// argument and what was expected, e.g. "MultiHeadAttention: dOut (5) must be divisible by
// numHeads (2)", and the error carries the module and the argument (core/errors.hpp). Argument
// names are the JS API's (shared/API.md), which readers of the messages call. The JS layer
// checks only JavaScript kinds (a string where a number belongs); the binding converts once.
#pragma once

#include <cstdint>
#include <string>

#include "core/limits.hpp"
#include "core/tensor.hpp"

namespace attn::validate {

// A size argument: a positive integer of at most max_axis. NaN, ±Infinity and 2.5 are refused;
// huge negative values never reach an integer conversion (undefined behaviour).
std::size_t size(const char* cls, const char* arg, double value);

// A count: a non-negative integer of at most max_axis (maxNewTokens may be 0).
std::size_t count(const char* cls, const char* arg, double value);

// A number >= 0 (a temperature); NaN and infinity are refused.
double non_negative(const char* cls, const char* arg, double value);

// dropout probability in [0, 1]; NaN is refused.
double probability(const char* cls, const char* arg, double p);

// `numerator` divisible by `denominator`, e.g. dOut by numHeads; returns the quotient.
std::size_t divisible(const char* cls, const char* num_arg, std::size_t num, const char* den_arg, std::size_t den);

// The bytes needed for `floats` float32 values fit memory_limit(); `what` names them in the
// message ("the weights would need 96 MiB, more than the memory limit of 64 MiB").
void fits(const char* cls, const char* what, double floats);

// A shape from JavaScript: each axis a non-negative integer of at most max_axis, checked on the
// double before any conversion (2^32 would wrap to 0 in wasm32's size_t), with an element
// count a 32-bit heap could address as floats (checked_numel).
shape_t shape(const char* cls, const char* arg, const double* dims, std::size_t rank);

// Input of rank 2 (T, dIn), or rank 2/3 when `batched`; last axis dIn; T <= contextLength
// (contextLength 0 means unlimited). Returns the shape as (B, T, dIn) with B = 1 for rank 2.
struct input_dims {
    std::size_t batch, tokens, features;
    bool batched;  // the input had a batch axis

    // The shape of a result with `width` features per token: (B, T, width), or (T, width).
    shape_t output(std::size_t width) const {
        return batched ? shape_t{batch, tokens, width} : shape_t{tokens, width};
    }
};
input_dims input(const char* cls, const shape_t& x, std::size_t d_in, bool batched, std::size_t context_length);

// Token ids from JavaScript (doubles, so 2.5 and 1e20 arrive as they are): each an integer in
// [0, vocab); the error names the position ("Embedding: ids[1][3] (50257) is out of range:
// expected an integer in [0, 50257)") with argument `arg`.
token_ids ids(const char* cls, const char* arg, const double* values, const shape_t& shape, std::size_t vocab);

// A "mask" buffer passed to loadStateDict: (n, n) and equal to triu(ones, 1).
void mask_buffer(const char* cls, const std::string& key, const tensor& mask, std::size_t n);

}  // namespace attn::validate
