// The limits every check of the core refers to, in one place.
#pragma once

#include <cstddef>

namespace attn {

// The largest size argument and the largest axis of any tensor: 2^30, so that element counts
// and byte sizes of one axis stay far from overflowing the 32-bit size_t of wasm32. The JS
// layer reads it from the module (maxAxis) instead of restating it.
inline constexpr std::size_t max_axis = std::size_t{1} << 30;

// Upper bound on the bytes one module or one call may need; the bindings lower it to what the
// wasm heap can grow to, so an oversized request is a RangeError before anything is allocated.
std::size_t memory_limit();
void set_memory_limit(std::size_t bytes);

}  // namespace attn
