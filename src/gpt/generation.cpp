#include "gpt/generation.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "core/errors.hpp"
#include "nn/functional.hpp"

namespace attn::gpt {

namespace {

// idx as B rows of ids, and back.
struct sequences {
    bool batched;
    std::vector<std::vector<std::int32_t>> rows;

    explicit sequences(const char* fn, const token_ids& idx) : batched(idx.shape.size() == 2) {
        if (idx.shape.size() != 1 && idx.shape.size() != 2)
            raise_range({fn, "idx"}, "idx must have shape (B, T) or (T), got ", shape_str(idx.shape));
        const std::size_t b = batched ? idx.shape[0] : 1, t = idx.shape.back();
        for (std::size_t i = 0; i < b; ++i) rows.emplace_back(idx.data.begin() + i * t, idx.data.begin() + (i + 1) * t);
    }
    std::size_t length() const { return rows.empty() ? 0 : rows[0].size(); }
    // The last `n` ids of every row, as (B, n).
    token_ids last(std::size_t n) const {
        n = std::min(n, length());
        token_ids out{{rows.size(), n}, {}};
        for (const auto& r : rows) out.data.insert(out.data.end(), r.end() - static_cast<std::ptrdiff_t>(n), r.end());
        return out;
    }
    void append(const std::vector<std::int32_t>& next) {
        for (std::size_t i = 0; i < rows.size(); ++i) rows[i].push_back(next[i]);
    }
    token_ids ids() const {
        token_ids out = last(length());
        if (!batched) out.shape = {length()};
        return out;
    }
};

// torch.argmax of a row: the first maximum, NaN counting as the largest (ATen's GreaterOrNan).
std::int32_t argmax(const float* row, std::size_t n) {
    std::size_t best = 0;
    for (std::size_t j = 1; j < n; ++j) {
        if (std::isnan(row[best])) break;
        if (std::isnan(row[j]) || row[j] > row[best]) best = j;
    }
    return static_cast<std::int32_t>(best);
}

// The logits of the last position of each sequence: (B, vocab).
tensor last_logits(gpt_model& model, const token_ids& ids, bool use_cache) {
    nn::token_options options;
    options.use_cache = use_cache;
    options.last_only = true;
    tensor logits = model.forward(ids, options, nullptr);  // (B, 1, vocab)
    logits.reshape({ids.shape[0], model.vocab()});
    return logits;
}

std::vector<std::int32_t> greedy(const tensor& logits) {
    const std::size_t rows = logits.shape()[0], v = logits.shape()[1];
    std::vector<std::int32_t> next(rows);
    for (std::size_t r = 0; r < rows; ++r) next[r] = argmax(logits.data() + r * v, v);
    return next;
}

}  // namespace

std::vector<std::int32_t> next_tokens(const tensor& logits, const sampling& options, generator& gen) {
    const std::size_t rows = logits.shape()[0], v = logits.shape()[1];
    tensor x = logits;  // (rows, vocab)
    if (options.top_k) {
        // torch.topk(logits, k)[:, -1] is each row's k-th largest value; smaller logits become -inf.
        std::vector<float> sorted(v);
        for (std::size_t r = 0; r < rows; ++r) {
            float* row = x.data() + r * v;
            std::copy(row, row + v, sorted.begin());
            std::nth_element(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(*options.top_k - 1),
                             sorted.end(), std::greater<float>());
            const float kth = sorted[*options.top_k - 1];
            for (std::size_t j = 0; j < v; ++j)
                if (row[j] < kth) row[j] = -std::numeric_limits<float>::infinity();
        }
    }
    if (options.temperature == 0.0) return greedy(x);
    const float temperature = static_cast<float>(options.temperature);
    for (float& value : x) value = value / temperature;
    nn::functional::softmax_rows(rows, v, x.data(), v, x.data(), v);  // probs
    return multinomial(x, gen);
}

std::vector<std::int32_t> multinomial(const tensor& probs, generator& gen) {
    const std::size_t rows = probs.shape()[0], n = probs.shape()[1];
    for (std::size_t r = 0; r < rows; ++r) {
        double sum = 0;
        for (std::size_t j = 0; j < n; ++j) {
            const float p = probs.data()[r * n + j];
            if (!(p >= 0.0f) || std::isinf(p))
                raise_range({"generate", "probs"}, "the probabilities of row ", r,
                            " hold NaN, infinity or a negative value (the logits are not finite)");
            sum += p;
        }
        if (sum == 0) raise_range({"generate", "probs"}, "the probabilities of row ", r, " sum to 0");
    }
    tensor q(to_shape(probs.shape()));
    gen.exponential_(q.data(), q.size());
    for (std::size_t i = 0; i < q.size(); ++i) q.data()[i] = probs.data()[i] / q.data()[i];
    return greedy(q);
}

token_ids generate_text_simple(gpt_model& model, const token_ids& idx, std::size_t max_new_tokens,
                               std::size_t context_size) {
    sequences seq("generateTextSimple", idx);
    for (std::size_t step = 0; step < max_new_tokens; ++step)
        seq.append(greedy(last_logits(model, seq.last(context_size), false)));
    return seq.ids();
}

token_ids generate_text_simple_cached(gpt_model& model, const token_ids& idx, std::size_t max_new_tokens,
                                      std::optional<std::size_t> context_size) {
    const char* fn = "generateTextSimpleCached";
    sequences seq(fn, idx);
    const std::size_t ctx = model.cfg().context_length;
    const std::size_t prompt = std::min(context_size.value_or(ctx), seq.length());
    // The cache holds context_length positions: the prompt and every new token but the last one
    // are fed to it (the book's loop feeds the last one too; its logits are never used).
    if (max_new_tokens > 0 && prompt + max_new_tokens - 1 > ctx)
        raise_range({fn, "maxNewTokens"}, "maxNewTokens (", max_new_tokens, ") after a prompt of ", prompt,
                    " tokens exceeds the KV cache's context_length (", ctx, ")");
    model.eval();
    model.reset_kv_cache();
    if (max_new_tokens == 0) return seq.ids();
    tensor logits = last_logits(model, seq.last(prompt), true);
    for (std::size_t step = 0; step < max_new_tokens; ++step) {
        const std::vector<std::int32_t> next = greedy(logits);
        seq.append(next);
        if (step + 1 < max_new_tokens) logits = last_logits(model, seq.last(1), true);
    }
    return seq.ids();
}

token_ids generate(gpt_model& model, const token_ids& idx, std::size_t max_new_tokens, std::size_t context_size,
                   const sampling& options, generator& gen) {
    sequences seq("generate", idx);
    if (options.top_k && (*options.top_k == 0 || *options.top_k > model.vocab()))
        raise_range({"generate", "topK"}, "topK (", *options.top_k, ") must be in [1, ", model.vocab(), "]");
    for (std::size_t step = 0; step < max_new_tokens; ++step) {
        const std::vector<std::int32_t> next = next_tokens(last_logits(model, seq.last(context_size), false), options, gen);
        if (options.eos_id && std::all_of(next.begin(), next.end(), [&](std::int32_t id) { return id == *options.eos_id; }))
            break;
        seq.append(next);
    }
    return seq.ids();
}

}  // namespace attn::gpt
