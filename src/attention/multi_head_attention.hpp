// Section 3.6: MultiHeadAttentionWrapper (a list of CausalAttention heads, outputs concatenated)
// and MultiHeadAttention (one projection split into heads, causal mask, dropout, out_proj).
#pragma once

#include <vector>

#include "attention/causal_attention.hpp"
#include "attention/validate.hpp"

namespace attn {

class multi_head_attention_wrapper : public module {
public:
    multi_head_attention_wrapper(std::int64_t d_in, std::int64_t d_out, std::int64_t context_length,
                                 double dropout, std::int64_t num_heads, bool qkv_bias = false,
                                 generator& gen = default_generator());
    const char* class_name() const override { return "MultiHeadAttentionWrapper"; }
    // (B, T, dIn) -> (B, T, numHeads·dOut); trace entries stacked over heads: (B, H, T, ·)
    tensor forward(const tensor& x, trace* tr = nullptr) override;
    state_dict get_state_dict() const override;

    std::vector<causal_attention> heads;

protected:
    std::vector<std::pair<std::string, tensor*>> parameters() override;
    std::vector<std::string> mask_keys() const override;
    std::size_t mask_size() const override { return context_length_; }
    void parameters_changed() override;

private:
    std::size_t d_in_, d_out_, context_length_, num_heads_;
    double dropout_;
};

class multi_head_attention : public module {
public:
    multi_head_attention(std::int64_t d_in, std::int64_t d_out, std::int64_t context_length, double dropout,
                         std::int64_t num_heads, bool qkv_bias = false, generator& gen = default_generator());
    const char* class_name() const override { return "MultiHeadAttention"; }
    // (B, T, dIn) -> (B, T, dOut); trace per head (B, H, T, ·), plus `concat` (B, T, dOut)
    tensor forward(const tensor& x, trace* tr = nullptr) override;
    tensor forward_owned(tensor x) override;
    state_dict get_state_dict() const override;

    linear_layer W_query, W_key, W_value, out_proj;

protected:
    std::vector<std::pair<std::string, tensor*>> parameters() override;
    std::vector<std::string> mask_keys() const override { return {"mask"}; }
    std::size_t mask_size() const override { return context_length_; }
    void parameters_changed() override;

private:
    // validate::input for (B, T, dIn) or (T, dIn), and the projections' memory, for both paths.
    validate::input_dims checked_input(const tensor& x) const;
    // The fast path; with `owned` (== &x), x is released once the projections have read it.
    tensor forward_fast(const tensor& x, const validate::input_dims& dims, tensor* owned);

    fast::packed_projection qkv_;       // [W_query; W_key; W_value]
    fast::packed_projection out_proj_packed_;
    std::size_t d_in_, d_out_, context_length_, num_heads_, head_dim_;
    double dropout_;
    generator* gen_;
};

}  // namespace attn
