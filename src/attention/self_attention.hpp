// Section 3.3: simplified self-attention (no weights); section 3.4: SelfAttention_v1 (weights
// from torch.rand) and SelfAttention_v2 (nn.Linear projections). Inputs are (T, dIn).
#pragma once

#include "attention/fast_path.hpp"
#include "attention/module.hpp"

namespace attn {

// torch.softmax(x, dim) with dim in [-rank, rank).
tensor softmax(const tensor& x, std::int64_t dim);

// context = softmax(x·xᵀ)·x for x: (T, d); trace: queries = keys = values = x, scores, weights, context.
tensor simplified_self_attention(const tensor& x, trace* tr = nullptr);

// nn.Dropout(p) as a module (its own `training` flag, draws from the generator it was given).
class dropout_module : public module {
public:
    explicit dropout_module(double p, generator& gen = default_generator());
    const char* class_name() const override { return "Dropout"; }
    tensor forward(const tensor& x, trace* tr = nullptr) override;
    state_dict get_state_dict() const override { return {}; }
    double p() const { return p_; }

protected:
    std::vector<std::pair<std::string, tensor*>> parameters() override { return {}; }

private:
    double p_;
    generator* gen_;
};

class self_attention_v1 : public module {
public:
    self_attention_v1(std::int64_t d_in, std::int64_t d_out, generator& gen = default_generator());
    const char* class_name() const override { return "SelfAttentionV1"; }
    tensor forward(const tensor& x, trace* tr = nullptr) override;
    state_dict get_state_dict() const override;

    tensor W_query, W_key, W_value;  // (dIn, dOut) each, nn.Parameter(torch.rand(dIn, dOut))

protected:
    std::vector<std::pair<std::string, tensor*>> parameters() override;
    void parameters_changed() override { qkv_.pack_transposed({&W_query, &W_key, &W_value}); }

private:
    fast::packed_projection qkv_;  // [W_query; W_key; W_value] as nn.Linear weights
    std::size_t d_in_, d_out_;
};

class self_attention_v2 : public module {
public:
    self_attention_v2(std::int64_t d_in, std::int64_t d_out, bool qkv_bias = false,
                      generator& gen = default_generator());
    const char* class_name() const override { return "SelfAttentionV2"; }
    tensor forward(const tensor& x, trace* tr = nullptr) override;
    state_dict get_state_dict() const override;

    linear_layer W_query, W_key, W_value;  // nn.Linear(dIn, dOut, bias=qkvBias)

protected:
    std::vector<std::pair<std::string, tensor*>> parameters() override;
    void parameters_changed() override { qkv_.pack({&W_query, &W_key, &W_value}); }

private:
    fast::packed_projection qkv_;  // [W_query; W_key; W_value] as nn.Linear weights
    std::size_t d_in_, d_out_;
};

}  // namespace attn
