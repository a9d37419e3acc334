// Section 3.5: CausalAttention — nn.Linear projections, the triu mask filled with -inf, scaling
// by sqrt(d_k), dropout on the weights; batched (B, T, dIn) or a batch of one (T, dIn).
#pragma once

#include "attention/fast_path.hpp"
#include "attention/module.hpp"

namespace attn {

class causal_attention : public module {
public:
    causal_attention(std::int64_t d_in, std::int64_t d_out, std::int64_t context_length, double dropout,
                     bool qkv_bias = false, generator& gen = default_generator());
    const char* class_name() const override { return "CausalAttention"; }
    tensor forward(const tensor& x, trace* tr = nullptr) override;
    state_dict get_state_dict() const override;

    // The forward on (B, T, dIn), recording the trace in (B, 1, T, ·) head layout: the
    // wrapper stacks its heads from it.
    tensor forward_batched(const tensor& x, trace* tr);
    // The fast path on x: (B·T, dIn) rows, writing (B·T, dOut) rows of stride ldo into out.
    void forward_fast(const float* x, std::size_t batch, std::size_t tokens, float* out, std::size_t ldo) const;
    bool fast_path_applies(const trace* tr) const { return fast::applies(tr, training_, dropout_); }
    // Packs the projections for the fast path (after construction and after loading weights).
    void repack() { qkv_.pack({&W_query, &W_key, &W_value}); }

    std::size_t d_in() const { return d_in_; }
    std::size_t d_out() const { return d_out_; }
    std::size_t context_length() const { return context_length_; }

    linear_layer W_query, W_key, W_value;

protected:
    std::vector<std::pair<std::string, tensor*>> parameters() override;
    std::vector<std::string> mask_keys() const override { return {"mask"}; }
    std::size_t mask_size() const override { return context_length_; }
    void parameters_changed() override { repack(); }

private:
    fast::packed_projection qkv_;  // [W_query; W_key; W_value]
    std::size_t d_in_, d_out_, context_length_;
    double dropout_;
    generator* gen_;
};

}  // namespace attn
