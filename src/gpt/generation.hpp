// Text generation with the GPT model: the book's generate_text_simple (chapter 4, greedy),
// generate_text_simple_cached (ch04/03_kv-cache, the same tokens with the KV cache) and generate
// (chapter 5: temperature, top-k and torch.multinomial's draws from the generator, eos).
#pragma once

#include <cstdint>
#include <optional>

#include "gpt/gpt_model.hpp"

namespace attn::gpt {

// idx: (B, T) or (T) ids; each returns the ids with the new ones appended, of idx's rank.
token_ids generate_text_simple(gpt_model& model, const token_ids& idx, std::size_t max_new_tokens,
                               std::size_t context_size);
// The book's cached loop: the model in eval mode, its cache reset, the prompt's last context_size
// (default: context_length) tokens in one call, then one token per call.
token_ids generate_text_simple_cached(gpt_model& model, const token_ids& idx, std::size_t max_new_tokens,
                                      std::optional<std::size_t> context_size);

struct sampling {
    double temperature = 0.0;              // 0: greedy (argmax), no draws
    std::optional<std::size_t> top_k;      // keep the top_k logits of each row
    std::optional<std::int32_t> eos_id;    // stop before appending it (a batch: once every row gives it)
};
token_ids generate(gpt_model& model, const token_ids& idx, std::size_t max_new_tokens, std::size_t context_size,
                   const sampling& options, generator& gen);

// The next token of each row of logits (rows, vocab): top-k, then argmax when temperature is 0,
// else softmax(logits / temperature) and multinomial.
std::vector<std::int32_t> next_tokens(const tensor& logits, const sampling& options, generator& gen);

// torch.multinomial(probs, 1) for probs (rows, n) (rows of non-negative weights): the one-sample
// path of torch 1.13, q = exponential_(1) drawn for every element in order, then each row's
// argmax(probs / q). A row holding NaN, infinity or a negative weight is refused, as torch does.
std::vector<std::int32_t> multinomial(const tensor& probs, generator& gen);

}  // namespace attn::gpt
