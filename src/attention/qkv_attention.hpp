// The forward every chapter-3 class shares, one sequence at a time: the query, key and value
// projections into a (T, 3·D) buffer of q | k | v rows (one GEMM pass over x), scaled
// dot-product attention over its heads, and out_proj where the class has one. Processing one
// sequence at a time keeps the working set that of B = 1 (at B = 8, T = 1024: 9 MiB that stays
// in cache instead of 75 MiB streamed three times); dropout still draws in PyTorch's (B, H, T, T)
// order, because sequences and heads are visited in that order.
#pragma once

#include <array>

#include "attention/scaled_dot_product.hpp"
#include "nn/linear.hpp"

namespace attn {

struct qkv_attention {
    std::array<kernels::GemmOutput, 3> projections;  // W_query, W_key, W_value (their `y` unused)
    std::size_t d_in, d_out, heads;                   // d_out = heads · head_dim
    bool causal;
    const nn::dropout* drop;      // on the weights; null: none
    const nn::linear* out_proj;   // null: none
};

// The book's KV cache (ch04/03_kv-cache) of one attention layer: the keys and values of the tokens
// seen so far, per sequence, up to `capacity` (the layer's contextLength) tokens.
struct kv_cache {
    tensor keys, values;  // (B, capacity, dOut) each, allocated by the first cached call
    std::size_t length = 0;  // tokens cached per sequence

    bool empty() const { return keys.dimension() == 0; }
    std::size_t batch() const { return empty() ? 0 : keys.shape()[0]; }
    std::size_t capacity() const { return empty() ? 0 : keys.shape()[1]; }
    void reset() { *this = kv_cache(); }
};

// Where run_qkv_attention writes, and what it reads besides x.
struct qkv_io {
    tensor* out;        // (..., width); allocated as out_shape when it is a default tensor (rank 0)
    shape_t out_shape;
    std::size_t col0 = 0;      // the result goes to columns [col0, col0 + dOut) of out's rows
    record_slot rec;           // the attention's intermediates, for a trace
    tensor* concat = nullptr;  // (B, T, dOut): the heads' merged context before out_proj
    tensor* owned = nullptr;   // x's own tensor, released once the last projection has read it
    kv_cache* cache = nullptr; // keys and values are appended to it, and attention reads them all
};

// Plans what run_qkv_attention holds besides its output and a record: the (T, 3·dOut) buffer
// and the attention's scratch (nothing for an empty batch).
void plan_qkv_attention(workspace& ws, const qkv_attention& a, std::size_t batch, std::size_t tokens, bool recording);

// x: (B, T, dIn) contiguous. An unallocated output is allocated once x's first projection is done
// (after `owned` is released when B = 1), so a long input and the output need not coexist. With a
// cache (allocated, holding `length` tokens, room for T more), query t of a sequence is at position
// length + t and attends to every cached key up to it.
void run_qkv_attention(workspace& ws, const qkv_attention& a, const float* x, std::size_t batch, std::size_t tokens,
                       const qkv_io& io);

}  // namespace attn
