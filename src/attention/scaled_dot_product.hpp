// Scaled dot-product attention over the rows of a q | k | v layout: the step every variant of
// chapter 3 shares. For each (batch, head):
//   scores = q·kᵀ; masked = scores with -inf where a key follows the query (causal);
//   weights = softmax(masked / sqrt(head_dim)); dropped = dropout(weights); context = dropped·v
// The one place that picks how: without a record and without dropout, the fused kernel
// (kernels/attention: online softmax, no T×T matrix; its twin f32_attention_ref on the reference
// path); with a record (a trace) or dropout (PyTorch's mask must be drawn), the materialised
// steps above, through nn::functional's twins, slice by slice in PyTorch's (B, H, T, T) order.
#pragma once

#include <cstddef>

#include "core/workspace.hpp"
#include "nn/dropout.hpp"
#include "nn/module.hpp"

namespace attn {

struct attention_dims {
    std::size_t batch = 1, heads = 1, head_dim = 0;
    std::size_t queries = 0, keys = 0;  // per sequence
    std::size_t past = 0;               // causal: query i sees keys [0, past + i] (KV cache)
    bool causal = false;
};

// Rows of a (B, T, ·) buffer: row t of sequence b at data + b·batch_stride + t·ld; head h's
// head_dim columns start at column h·head_dim.
struct rows_in {
    const float* data;
    std::size_t ld, batch_stride;
};
struct rows_out {
    float* data;
    std::size_t ld, batch_stride;
};

// What a trace records of attention calls: (B, H, Tq, ·) tensors filled slice by slice, taken
// from the call's workspace. `causal` adds masked, dropped and dropoutMask.
struct attention_record {
    // Plans the record's tensors in `ws` ("the projections", "the attention matrices").
    static void plan(workspace& ws, std::size_t batch, std::size_t heads, std::size_t queries, std::size_t keys,
                     std::size_t head_dim, bool causal);
    // Takes them from `ws`.
    attention_record(workspace& ws, std::size_t batch, std::size_t heads, std::size_t queries, std::size_t keys,
                     std::size_t head_dim, bool causal);

    bool causal;
    tensor queries, keys, values;                      // (B, H, T, headDim); keys, values: (B, H, Tk, headDim)
    tensor scores, scaled, masked, weights, dropped, dropout_mask;  // (B, H, Tq, Tk)
    tensor context;                                    // (B, H, Tq, headDim)

    // Moves the entries into `tr` in pipeline order, dropping the axes `drop` (each of size 1) of
    // each: {0, 1} turns (1, 1, T, T) into (T, T).
    void move_into(trace& tr, std::initializer_list<std::size_t> drop = {});
};

// Where one call writes into a record: its batch b and head h land at (batch0 + b, head0 + h).
struct record_slot {
    attention_record* rec = nullptr;
    std::size_t batch0 = 0, head0 = 0;
};

// Whether a call materialises the (Tq, Tk) matrices: for a record, or for dropout's mask.
bool attention_materialises(const nn::dropout* drop, bool recording);
// The floats a call holds while it runs (its scratch, freed on return): four (Tq, Tk) matrices
// when it materialises, the fused kernel's tiles on each thread otherwise.
double attention_scratch_floats(const attention_dims& d, bool materialises);

// out gets each head's context at column h·head_dim. `drop` (null: none) is the nn.Dropout on
// the weights; out may alias q's rows (a block of queries is read before its context is written).
void scaled_dot_product_attention(workspace& ws, const attention_dims& d, rows_in q, rows_in k, rows_in v,
                                  rows_out out, const nn::dropout* drop, record_slot rec);

}  // namespace attn
