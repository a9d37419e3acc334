#include "gpt/config.hpp"

#include "core/validate.hpp"

namespace attn::gpt {

checked_config check(const char* cls, const config& c, unsigned keys) {
    auto size = [&](unsigned key, const char* name, double v) -> std::size_t {
        return (keys & key) ? validate::size(cls, name, v) : 0;
    };
    checked_config out;
    out.vocab_size = size(vocab_size, "cfg.vocab_size", c.vocab_size);
    out.context_length = size(context_length, "cfg.context_length", c.context_length);
    out.emb_dim = size(emb_dim, "cfg.emb_dim", c.emb_dim);
    out.n_heads = size(n_heads, "cfg.n_heads", c.n_heads);
    out.n_layers = size(n_layers, "cfg.n_layers", c.n_layers);
    if (keys & drop_rate) out.drop_rate = validate::probability(cls, "cfg.drop_rate", c.drop_rate);
    out.qkv_bias = (keys & qkv_bias) && c.qkv_bias;
    if ((keys & emb_dim) && (keys & n_heads))
        validate::divisible(cls, "cfg.emb_dim", out.emb_dim, "cfg.n_heads", out.n_heads);
    return out;
}

}  // namespace attn::gpt
