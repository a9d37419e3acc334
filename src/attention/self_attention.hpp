// Section 3.3: simplified self-attention (no weights); section 3.4: SelfAttention_v1 (weights
// from torch.rand) and SelfAttention_v2 (nn.Linear projections). Inputs are (T, dIn).
#pragma once

#include "attention/qkv_attention.hpp"
#include "nn/linear.hpp"

namespace attn {

// context = softmax(x·xᵀ)·x for x: (T, d); trace: queries = keys = values = x, scores, weights, context.
tensor simplified_self_attention(const tensor& x, trace* tr = nullptr);

class self_attention_v1 : public nn::tensor_module {
public:
    self_attention_v1(double d_in, double d_out, generator& gen = default_generator());
    const char* class_name() const override { return "SelfAttentionV1"; }
    workspace plan(const shape_t& x, bool traced) const override;
    tensor forward(const tensor& x, trace* tr = nullptr) override;
    qkv_attention layers() const;

private:
    std::size_t d_in_, d_out_;
    nn::weights_check fits_;

public:
    // nn.Parameter(torch.rand(dIn, dOut)) each, used as x @ W
    nn::packed_matrix W_query, W_key, W_value;
};

class self_attention_v2 : public nn::tensor_module {
public:
    self_attention_v2(double d_in, double d_out, bool qkv_bias = false, generator& gen = default_generator());
    const char* class_name() const override { return "SelfAttentionV2"; }
    workspace plan(const shape_t& x, bool traced) const override;
    tensor forward(const tensor& x, trace* tr = nullptr) override;
    qkv_attention layers() const;

private:
    std::size_t d_in_, d_out_;  // first: the projections below are built from them
    nn::weights_check fits_;

public:
    nn::linear W_query, W_key, W_value;  // nn.Linear(dIn, dOut, bias=qkvBias)
};

}  // namespace attn
