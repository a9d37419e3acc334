// The book's GPTModel(cfg) (chapter 4): token and position embeddings, dropout, n_layers
// TransformerBlocks, a final LayerNorm and the output head, with the KV cache of the book's
// ch04/03_kv-cache. Parameters are drawn in PyTorch's order (tok_emb, pos_emb, each block's
// att, ff, then out_head), and training-mode dropout draws in the book's forward order (drop_emb,
// then each block's), so manualSeed(123) reproduces chapter 4's logits.
#pragma once

#include <memory>
#include <vector>

#include "gpt/transformer_block.hpp"
#include "nn/embedding.hpp"

namespace attn::gpt {

class gpt_model : public nn::token_module {
public:
    gpt_model(const config& cfg, generator& gen = default_generator());
    const char* class_name() const override { return "GPTModel"; }
    static double parameter_floats(const checked_config& c);

    // idx: (B, T) or (T) token ids. Checks T (<= context_length, counting the cached tokens with
    // use_cache) and plans the call's memory.
    workspace plan(const shape_t& ids, const nn::token_options& options) const override;
    std::size_t vocab() const override { return cfg_.vocab_size; }
    // Logits (B, T, vocab_size), or (T, vocab_size) for (T) ids; with last_only, those of the
    // last position only, (B, 1, vocab_size) / (1, vocab_size). With use_cache, the logits of the
    // new tokens, their keys and values appended to every block's cache. A trace has one entry in
    // `layers` per block, the attention's trace of the traced blocks, null for the others.
    tensor forward(const token_ids& ids, const nn::token_options& options, trace* tr) override;

    // Empties every block's KV cache (the book's reset_kv_cache).
    void reset_kv_cache();
    std::size_t cached_tokens() const { return current_pos_; }
    const checked_config& cfg() const { return cfg_; }

private:
    checked_config cfg_;
    nn::weights_check fits_;
    std::size_t current_pos_ = 0;  // tokens in the KV cache

public:
    nn::embedding tok_emb, pos_emb;
    nn::dropout drop_emb;
    std::vector<std::unique_ptr<transformer_block>> trf_blocks;
    nn::layer_norm final_norm;
    nn::linear out_head;  // (vocab_size, emb_dim), no bias
};

}  // namespace attn::gpt
