// Section 3.6: MultiHeadAttentionWrapper (a list of CausalAttention heads, outputs concatenated)
// and MultiHeadAttention (one projection split into heads, causal mask, dropout, out_proj).
#pragma once

#include <memory>
#include <vector>

#include "attention/causal_attention.hpp"

namespace attn {

class multi_head_attention_wrapper : public nn::tensor_module {
public:
    multi_head_attention_wrapper(double d_in, double d_out, double context_length, double dropout, double num_heads,
                                 bool qkv_bias = false, generator& gen = default_generator());
    const char* class_name() const override { return "MultiHeadAttentionWrapper"; }
    workspace plan(const shape_t& x, bool traced) const override;
    // (B, T, dIn) -> (B, T, numHeads·dOut); trace entries stacked over heads: (B, H, T, ·)
    tensor forward(const tensor& x, trace* tr = nullptr) override;

    std::vector<std::unique_ptr<causal_attention>> heads;

private:
    std::size_t d_in_, d_out_, context_length_;
};

class multi_head_attention : public nn::tensor_module {
public:
    multi_head_attention(double d_in, double d_out, double context_length, double dropout, double num_heads,
                         bool qkv_bias = false, generator& gen = default_generator());
    const char* class_name() const override { return "MultiHeadAttention"; }
    workspace plan(const shape_t& x, bool traced) const override;
    // (B, T, dIn) -> (B, T, dOut); trace per head (B, H, T, ·), plus `concat` (B, T, dOut)
    tensor forward(const tensor& x, trace* tr = nullptr) override;
    tensor forward_owned(tensor x) override;
    // The book's forward(x, use_cache=True) (ch04/03_kv-cache): x's keys and values are appended
    // to the cache, and its queries attend to every cached key up to their own position.
    // x may have up to contextLength - cachedTokens() tokens; the trace's keys and values hold
    // every cached token.
    workspace plan(const shape_t& x, bool traced, bool use_cache) const;
    tensor forward_cached(const tensor& x, trace* tr = nullptr);
    void reset_cache() { cache_.reset(); }
    std::size_t cached_tokens() const { return cache_.length; }
    std::size_t cached_batch() const { return cache_.batch(); }

    std::size_t num_heads() const { return num_heads_; }
    std::size_t head_dim() const { return head_dim_; }
    static double parameter_floats(std::size_t d_in, std::size_t d_out, bool qkv_bias) {
        return 3 * nn::linear::parameter_floats(d_in, d_out, qkv_bias) + nn::linear::parameter_floats(d_out, d_out, true);
    }
    // The attention of this module as run_qkv_attention takes it.
    qkv_attention layers() const;

private:
    tensor run(const tensor& x, trace* tr, tensor* owned, bool use_cache);
    kv_cache cache_;

    // First: the layers below are built from them, once they are checked.
    std::size_t d_in_, d_out_, context_length_, num_heads_;
    double dropout_p_;
    std::size_t head_dim_;
    nn::weights_check fits_;

public:
    nn::linear W_query, W_key, W_value, out_proj;
    nn::dropout dropout;
};

}  // namespace attn
