// The book's TransformerBlock(cfg) (chapter 4): pre-LayerNorm multi-head attention and
// feed-forward, each followed by the shortcut dropout and added back to its input:
//   x = x + drop(att(norm1(x)));  x = x + drop(ff(norm2(x)))
// In training mode its dropout draws in the book's order: the attention weights (B, H, T, T),
// then the shortcut after attention (B, T, emb), then after the feed-forward (B, T, emb).
#pragma once

#include "attention/multi_head_attention.hpp"
#include "gpt/feed_forward.hpp"
#include "nn/dropout.hpp"
#include "nn/layer_norm.hpp"

namespace attn::gpt {

class transformer_block : public nn::tensor_module {
public:
    transformer_block(const config& cfg, generator& gen = default_generator());
    const char* class_name() const override { return "TransformerBlock"; }
    static double parameter_floats(const checked_config& c) {
        return multi_head_attention::parameter_floats(c.emb_dim, c.emb_dim, c.qkv_bias) +
               feed_forward::parameter_floats(c.emb_dim) + 2 * nn::layer_norm::parameter_floats(c.emb_dim);
    }
    workspace plan(const shape_t& x, bool traced) const override;
    // (B, T, emb) or (T, emb) -> the same shape; trace: the attention's (MultiHeadAttention's keys)
    tensor forward(const tensor& x, trace* tr = nullptr) override;

    // What run holds besides x, for x of shape (B, T, emb): planned into ws.
    void plan_run(workspace& ws, const shape_t& x, bool traced, bool use_cache) const;
    // The block on x (B, T, emb), in place; with use_cache, the attention's KV cache.
    void run(workspace& ws, tensor& x, trace* tr, bool use_cache);

private:
    checked_config cfg_;
    nn::weights_check fits_;

public:
    multi_head_attention att;
    feed_forward ff;
    nn::layer_norm norm1, norm2;
    nn::dropout drop_shortcut;
};

}  // namespace attn::gpt
