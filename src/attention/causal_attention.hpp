// Section 3.5: CausalAttention — nn.Linear projections, the triu mask filled with -inf, scaling
// by sqrt(d_k), dropout on the weights; batched (B, T, dIn) or a batch of one (T, dIn).
#pragma once

#include "attention/qkv_attention.hpp"
#include "nn/dropout.hpp"
#include "nn/linear.hpp"

namespace attn {

class causal_attention : public nn::tensor_module {
public:
    causal_attention(double d_in, double d_out, double context_length, double dropout, bool qkv_bias = false,
                     generator& gen = default_generator());
    const char* class_name() const override { return "CausalAttention"; }
    workspace plan(const shape_t& x, bool traced) const override;
    // (B, T, dIn) -> (B, T, dOut); trace (B, T, ·) (one head)
    tensor forward(const tensor& x, trace* tr = nullptr) override;

    // The forward on x: (B, T, dIn), written into columns [col0, col0 + dOut) of out's rows
    // (allocated as out_shape when empty) and recorded at `rec`: the wrapper runs its heads
    // through this, each into its own columns and its own head of one record.
    void forward_into(workspace& ws, const float* x, std::size_t batch, std::size_t tokens, tensor& out,
                      const shape_t& out_shape, std::size_t col0, record_slot rec) const;
    // The attention of this module as run_qkv_attention takes it.
    qkv_attention layers() const;

    std::size_t d_in() const { return d_in_; }
    std::size_t d_out() const { return d_out_; }
    std::size_t context_length() const { return context_length_; }
    static double parameter_floats(std::size_t d_in, std::size_t d_out, bool qkv_bias) {
        return 3 * nn::linear::parameter_floats(d_in, d_out, qkv_bias);
    }

private:
    // First: the layers below are built from them, once they are checked.
    std::size_t d_in_, d_out_, context_length_;
    double dropout_p_;
    nn::weights_check fits_;

public:
    nn::linear W_query, W_key, W_value;
    nn::dropout dropout;
};

}  // namespace attn
