#include "gpt/gpt_model.hpp"

#include <algorithm>

#include "core/errors.hpp"
#include "nn/functional.hpp"

namespace attn::gpt {

namespace F = nn::functional;

namespace {
// The blocks in order, so their parameters are drawn after the embeddings and before out_head.
std::vector<std::unique_ptr<transformer_block>> make_blocks(const config& cfg, std::size_t n, generator& gen) {
    std::vector<std::unique_ptr<transformer_block>> blocks;
    blocks.reserve(n);
    for (std::size_t i = 0; i < n; ++i) blocks.push_back(std::make_unique<transformer_block>(cfg, gen));
    return blocks;
}
}  // namespace

double gpt_model::parameter_floats(const checked_config& c) {
    return nn::embedding::parameter_floats(c.vocab_size, c.emb_dim) +
           nn::embedding::parameter_floats(c.context_length, c.emb_dim) +
           static_cast<double>(c.n_layers) * transformer_block::parameter_floats(c) +
           nn::layer_norm::parameter_floats(c.emb_dim) + nn::linear::parameter_floats(c.emb_dim, c.vocab_size, false);
}

gpt_model::gpt_model(const config& cfg, generator& gen)
    : cfg_(check(class_name(), cfg, all_keys)),
      fits_(class_name(), parameter_floats(cfg_)),
      tok_emb(static_cast<double>(cfg_.vocab_size), static_cast<double>(cfg_.emb_dim), gen),
      pos_emb(static_cast<double>(cfg_.context_length), static_cast<double>(cfg_.emb_dim), gen),
      drop_emb(cfg_.drop_rate, gen),
      trf_blocks(make_blocks(cfg, cfg_.n_layers, gen)),
      final_norm(static_cast<double>(cfg_.emb_dim)),
      out_head(cfg_.emb_dim, cfg_.vocab_size, false, gen) {
    register_module("tok_emb", tok_emb);
    register_module("pos_emb", pos_emb);
    register_module("drop_emb", drop_emb);
    for (std::size_t i = 0; i < trf_blocks.size(); ++i) register_module("trf_blocks." + std::to_string(i), *trf_blocks[i]);
    register_module("final_norm", final_norm);
    register_module("out_head", out_head);
}

namespace {
struct id_dims {
    std::size_t batch, tokens;
    bool batched;
};
id_dims ids_dims(const char* cls, const shape_t& s) {
    if (s.size() != 1 && s.size() != 2)
        raise_range({cls, "idx"}, "idx must have shape (B, T) or (T), got rank ", s.size(), " ", shape_str(s));
    return s.size() == 2 ? id_dims{s[0], s[1], true} : id_dims{1, s[0], false};
}
}  // namespace

workspace gpt_model::plan(const shape_t& ids, const nn::token_options& options) const {
    const id_dims d = ids_dims(class_name(), ids);
    const std::size_t past = options.use_cache ? current_pos_ : 0;
    if (options.use_cache && past > 0 && d.batch != trf_blocks.front()->att.cached_batch())
        raise_range({class_name(), "idx"}, "idx has a batch of ", d.batch, ", the KV cache holds ",
                    trf_blocks.front()->att.cached_batch(), " sequences: call resetKVCache() first");
    if (past + d.tokens > cfg_.context_length) {
        if (options.use_cache)
            raise_range({class_name(), "idx"}, "the KV cache holds context_length (", cfg_.context_length,
                        ") tokens: ", past, " cached and ", d.tokens, " new would exceed it");
        raise_range({class_name(), "idx"}, "idx has T = ", d.tokens, " tokens ", shape_str(ids),
                    ", more than context_length (", cfg_.context_length, ")");
    }
    workspace ws(class_name());
    const shape_t x{d.batch, d.tokens, cfg_.emb_dim};
    ws.plan("the activations", floats_of(x));
    // The blocks run one after the other: what one holds (its KV cache is planned below), plus
    // the traces they keep.
    workspace block(class_name());
    if (!trf_blocks.empty()) trf_blocks.front()->plan_run(block, x, false, false);
    ws.plan("the activations", block.planned_floats());
    const std::size_t traced = options.trace_all ? trf_blocks.size() : options.trace_layers.size();
    if (traced) {
        workspace one(class_name());
        attention_record::plan(one, d.batch, cfg_.n_heads, d.tokens, past + d.tokens, cfg_.head_dim(), true);
        ws.plan("the trace", static_cast<double>(traced) * (one.planned_floats() + floats_of(x)));
    }
    if (options.use_cache && past == 0)
        ws.plan("the KV cache", 2.0 * static_cast<double>(trf_blocks.size()) * d.batch * cfg_.context_length * cfg_.emb_dim);
    const double rows = options.last_only ? static_cast<double>(d.batch) : floats_of(x) / cfg_.emb_dim;
    ws.plan("the logits", rows * static_cast<double>(cfg_.vocab_size));
    return ws;
}

tensor gpt_model::forward(const token_ids& ids, const nn::token_options& options, trace* tr) {
    workspace ws = plan(ids.shape, options);
    const id_dims d = ids_dims(class_name(), ids.shape);
    const std::size_t emb = cfg_.emb_dim, rows = d.batch * d.tokens;
    const std::size_t past = options.use_cache ? current_pos_ : 0;
    for (std::size_t layer : options.trace_layers)
        if (layer >= trf_blocks.size())
            raise_range({class_name(), "options.trace.layers"}, "options.trace.layers holds ", layer,
                        ", expected block indices in [0, ", trf_blocks.size(), ")");
    // x = tok_emb(idx) + pos_emb(arange(past, past + T)), then drop_emb
    tensor x = ws.take("the activations", {d.batch, d.tokens, emb});
    tensor pos = ws.take("the activations", {d.tokens, emb});
    tok_emb.lookup(ids.data.data(), rows, x.data());
    std::vector<std::int32_t> positions(d.tokens);
    for (std::size_t t = 0; t < d.tokens; ++t) positions[t] = static_cast<std::int32_t>(past + t);
    pos_emb.lookup(positions.data(), d.tokens, pos.data());
    for (std::size_t b = 0; b < d.batch; ++b) {
        float* xb = x.data() + b * d.tokens * emb;
        for (std::size_t i = 0; i < d.tokens * emb; ++i) xb[i] = xb[i] + pos.data()[i];
    }
    pos = tensor();
    drop_emb.apply(x.size(), x.data(), x.data());
    if (tr) tr->layers.resize(trf_blocks.size());
    for (std::size_t i = 0; i < trf_blocks.size(); ++i) {
        const bool traced = tr && (options.trace_all || std::count(options.trace_layers.begin(),
                                                                   options.trace_layers.end(), i) > 0);
        if (traced) tr->layers[i] = std::make_unique<trace>();
        trf_blocks[i]->run(ws, x, traced ? tr->layers[i].get() : nullptr, options.use_cache);
        if (traced && !d.batched)
            for (auto& entry : tr->layers[i]->entries) {  // (1, H, T, ·) -> (H, T, ·); concat (1, T, D) -> (T, D)
                const auto& full = entry.second.shape();
                entry.second.reshape(shape_t(full.begin() + 1, full.end()));
            }
    }
    if (options.use_cache) current_pos_ += d.tokens;
    // final_norm on the rows the logits are wanted for, then out_head
    const std::size_t out_rows = options.last_only ? d.batch : rows;
    tensor h = ws.take("the activations", {out_rows, emb});
    if (!options.last_only) final_norm.apply(rows, x.data(), emb, h.data(), emb);
    else if (d.tokens > 0)  // row T - 1 of each sequence: rows of stride T·emb
        final_norm.apply(d.batch, x.data() + (d.tokens - 1) * emb, d.tokens * emb, h.data(), emb);
    x = tensor();
    const std::size_t per_seq = options.last_only ? 1 : d.tokens;
    tensor logits = ws.take("the logits", d.batched ? shape_t{d.batch, per_seq, cfg_.vocab_size}
                                                   : shape_t{per_seq, cfg_.vocab_size});
    F::linear(out_rows, h.data(), emb, {out_head.into(logits.data(), cfg_.vocab_size)});
    return logits;
}

void gpt_model::reset_kv_cache() {
    for (auto& block : trf_blocks) block->att.reset_cache();
    current_pos_ = 0;
}

}  // namespace attn::gpt
