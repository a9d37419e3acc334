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

// Plans what run_qkv_attention holds besides its output and a record: the (T, 3·dOut) buffer
// and the attention's scratch (nothing for an empty batch).
void plan_qkv_attention(workspace& ws, const qkv_attention& a, std::size_t batch, std::size_t tokens, bool recording);

// x: (B, T, dIn) contiguous. Writes the (B·T, dOut) result into the columns [col0, col0 + dOut)
// of out's rows (out: (..., width)); an empty `out` is allocated as `out_shape` once x's last
// projection is done (a default tensor, rank 0, counts as empty), after `owned` (x's own tensor, when the caller hands it over) has been
// released, so a long input and the output need not coexist. With `rec`, records the attention's
// intermediates; with `concat` ((B, T, dOut)), the heads' merged context before out_proj.
void run_qkv_attention(workspace& ws, const qkv_attention& a, const float* x, std::size_t batch, std::size_t tokens,
                       tensor& out, const shape_t& out_shape, std::size_t col0, record_slot rec, tensor* concat,
                       tensor* owned);

}  // namespace attn
