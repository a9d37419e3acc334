// nn.Embedding(numEmbeddings, embeddingDim): a lookup table, weight (numEmbeddings, embeddingDim)
// drawn as nn.Embedding draws it (normal_), so manualSeed(123) gives the book's rows.
#pragma once

#include "nn/module.hpp"

namespace attn::nn {

// A module whose forward takes token ids: nn.Embedding and the GPT model.
struct token_options {
    bool use_cache = false;            // the GPT model's KV cache (book: ch04/03_kv-cache)
    bool trace_all = false;            // trace every block's attention
    std::vector<std::size_t> trace_layers;  // or only these blocks
    bool last_only = false;            // logits of the last position only (generation)
    bool traced() const { return trace_all || !trace_layers.empty(); }
};

class token_module : public module {
public:
    // The ids' shape checked, and the memory a forward on them would hold planned (as
    // tensor_module::plan).
    virtual workspace plan(const shape_t& ids, const token_options& options) const = 0;
    // The range of valid ids: [0, vocab()).
    virtual std::size_t vocab() const = 0;
    virtual tensor forward(const token_ids& ids, const token_options& options, trace* tr) = 0;
};

class embedding : public token_module {
public:
    embedding(double num_embeddings, double embedding_dim, generator& gen = default_generator());
    const char* class_name() const override { return "Embedding"; }
    static double parameter_floats(std::size_t num, std::size_t dim) {
        return static_cast<double>(num) * static_cast<double>(dim);
    }

    workspace plan(const shape_t& ids, const token_options& options) const override;
    std::size_t vocab() const override { return num_; }
    // ids: any shape -> (ids.shape..., embeddingDim)
    tensor forward(const token_ids& ids, const token_options& options, trace* tr) override;
    // Rows ids[0..n) of the table into out (n, embeddingDim): ids already checked.
    void lookup(const std::int32_t* ids, std::size_t n, float* out) const;
    std::size_t dim() const { return dim_; }

private:
    std::size_t num_, dim_;
    weights_check fits_;

public:
    tensor_parameter weight;  // (numEmbeddings, embeddingDim)
};

}  // namespace attn::nn
