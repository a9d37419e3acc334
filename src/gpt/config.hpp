// The book's configuration dict of chapter 4's classes (GPT_CONFIG_124M and its keys), as given
// (numbers as JavaScript passes them), and checked in one place: each key under its JS name
// "cfg.<key>" in errors.
#pragma once

#include <cstddef>

namespace attn::gpt {

struct config {
    double vocab_size = 0, context_length = 0, emb_dim = 0, n_heads = 0, n_layers = 0, drop_rate = 0;
    bool qkv_bias = false;
};

// The book's GPT_CONFIG_124M.
constexpr config gpt2_124m{50257, 1024, 768, 12, 12, 0.1, false};

// The keys a class reads (the book's FeedForward reads only emb_dim, and so on).
enum config_key : unsigned {
    vocab_size = 1, context_length = 2, emb_dim = 4, n_heads = 8, n_layers = 16, drop_rate = 32, qkv_bias = 64,
    block_keys = emb_dim | context_length | n_heads | drop_rate | qkv_bias,
    all_keys = 127,
};

struct checked_config {
    std::size_t vocab_size = 0, context_length = 0, emb_dim = 0, n_heads = 0, n_layers = 0;
    double drop_rate = 0;
    bool qkv_bias = false;
    std::size_t head_dim() const { return emb_dim / n_heads; }
};

// The keys `keys` of `c`, checked for class `cls`: sizes positive integers, drop_rate in [0, 1],
// emb_dim divisible by n_heads. Keys the class does not read are left 0.
checked_config check(const char* cls, const config& c, unsigned keys);

}  // namespace attn::gpt
