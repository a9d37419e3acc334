// The default path of every class when no trace is asked for and dropout is inactive (eval
// mode, or p = 0): the projections through one packed SGEMM, the fused causal attention
// (online softmax, no T×T matrix), and out_proj through another SGEMM. Training mode with
// dropout, and traces, take the reference path in scaled_dot_product.cpp, which keeps
// PyTorch's exact dropout mask and every intermediate.
#pragma once

#include <initializer_list>
#include <vector>

#include "attention/module.hpp"
#include "kernels/gemm.hpp"

namespace attn::fast {

// One or more nn.Linear layers stacked along their outputs, packed once when the weights are
// set: [W_query; W_key; W_value] gives q | k | v side by side in each output row.
class packed_projection {
public:
    void pack(std::initializer_list<const linear_layer*> layers);
    // SelfAttention_v1 keeps x @ W with W: (dIn, dOut); packs Wᵀ so the same SGEMM applies.
    void pack_transposed(std::initializer_list<const tensor*> weights);

    int out_features() const { return weights_.n; }
    // y: (rows, out_features) with row stride ldy = x: (rows, in) with stride ldx, · Wᵀ + bias
    void apply(int rows, const float* x, int ldx, float* y, int ldy) const;

private:
    kernels::PackedWeights weights_;
    std::vector<float> bias_;  // empty when the layers have no bias
};

// Attention over `heads` heads of `head_dim` columns for a batch laid out as qkv: (B·T, 3·D)
// rows of [q | k | v] (D = heads·head_dim). Writes each head's context to
// out + b·T·ldo + h·head_dim (rows of stride ldo). `out` may be `qkv` itself (ldo = 3·D):
// the fused kernel reads a block of queries before it writes that block's context.
// `cls` names the caller in the error raised when the kernel's O(tile · head_dim) scratch would
// not fit the memory limit. Empty batches (B·T = 0) write nothing.
void attention_heads(const char* cls, const float* qkv, std::size_t batch, std::size_t tokens, std::size_t heads,
                     std::size_t head_dim, bool causal, float* out, std::size_t ldo);

// Whether `forward` may take the fast path: no trace wanted and dropout draws nothing.
inline bool applies(const trace* tr, bool training, double dropout) {
    return tr == nullptr && !(training && dropout > 0.0);
}

}  // namespace attn::fast
