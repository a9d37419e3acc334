// A GPT model from a .safetensors file (chapter 5), in either layout the book loads:
// Hugging Face's openai-community/gpt2* (wte, wpe, h.N.attn.c_attn with q, k, v side by side in
// Conv1D's (in, out) layout, h.N.mlp.c_fc, ln_f; the mask buffers h.N.attn.bias/masked_bias
// skipped; out_head tied to wte unless lm_head.weight is given) or the book's own state-dict keys.
// F32, F16 and BF16 tensors.
//
// The data streams in: each tensor's rows go to their parameters as they arrive (transposed, split
// or copied twice where the layout says), so nothing but the model and one row is ever held.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gpt/gpt_model.hpp"

namespace attn::gpt {

enum class st_dtype { f32, f16, bf16 };

// One tensor of the header: offsets into the data section (after the header), in bytes.
struct st_entry {
    std::string name;
    std::string dtype;  // as written: "F32", "F16", "BF16" (anything else is refused)
    shape_t shape;
    std::uint64_t begin = 0, end = 0;
};

class safetensors_loader {
public:
    // Checks the header against a GPT model (its config inferred from the shapes: vocab_size and
    // emb_dim from the token embedding, context_length from the positional one, n_layers from the
    // blocks, n_heads = emb_dim / 64, qkv_bias from the query biases, drop_rate 0; `given`'s keys
    // that are not NaN / given override them) and builds that model with zero parameters. Every
    // problem is an error naming the tensor (missing, unexpected, wrong shape with both shapes,
    // unknown dtype, offsets outside the data or overlapping) before anything is allocated.
    safetensors_loader(std::vector<st_entry> entries, std::uint64_t data_bytes, const config& given,
                       unsigned given_keys);
    ~safetensors_loader();

    const checked_config& cfg() const { return cfg_; }
    const char* layout() const { return hugging_face_ ? "huggingface" : "book"; }
    // The next bytes of the data section, in order.
    void write(const std::uint8_t* bytes, std::size_t n);
    std::uint64_t written() const { return pos_; }
    // The model in eval mode; an error if the data section ended early.
    std::unique_ptr<gpt_model> finish();

private:
    struct target;
    void plan_targets(const std::vector<st_entry>& entries);

    checked_config cfg_;
    bool hugging_face_ = false;
    std::uint64_t data_bytes_ = 0, pos_ = 0;
    std::unique_ptr<gpt_model> model_;
    std::vector<target> targets_;  // by offset
    std::size_t current_ = 0;      // the target the next bytes belong to
    std::vector<float> row_;       // the row being assembled
    std::size_t row_fill_ = 0, rows_done_ = 0;
    std::uint8_t partial_[4] = {};  // an element split across writes
    std::size_t partial_fill_ = 0;
};

}  // namespace attn::gpt
