#include "api/class_table.hpp"

#include "attention/causal_attention.hpp"
#include "attention/multi_head_attention.hpp"
#include "attention/self_attention.hpp"
#include "core/errors.hpp"
#include "gpt/gpt_model.hpp"
#include "nn/dropout.hpp"

namespace attn::api {

double arg_values::number(const std::string& name) const {
    auto it = numbers.find(name);
    if (it == numbers.end()) raise_type({"attention-wasm", name}, "argument '", name, "' is missing");
    return it->second;
}

bool arg_values::flag(const std::string& name) const {
    auto it = flags.find(name);
    return it != flags.end() && it->second;
}

namespace {

const arg_spec d_in{"dIn", arg_kind::size, "d_in"};
const arg_spec d_out{"dOut", arg_kind::size, "d_out"};
const arg_spec context_length{"contextLength", arg_kind::size, "context_length"};
const arg_spec dropout{"dropout", arg_kind::probability, "dropout"};
const arg_spec num_heads{"numHeads", arg_kind::size, "num_heads"};
const arg_spec qkv_bias{"qkvBias", arg_kind::flag, "qkv_bias"};

// The book's cfg keys (GPT_CONFIG_124M's), and the argument that carries them.
const arg_spec cfg{"cfg", arg_kind::config, "cfg"};
const arg_spec vocab_size{"vocab_size", arg_kind::size, "vocab_size"};
const arg_spec context_length_key{"context_length", arg_kind::size, "context_length"};
const arg_spec emb_dim{"emb_dim", arg_kind::size, "emb_dim"};
const arg_spec n_heads{"n_heads", arg_kind::size, "n_heads"};
const arg_spec n_layers{"n_layers", arg_kind::size, "n_layers"};
const arg_spec drop_rate{"drop_rate", arg_kind::probability, "drop_rate"};
const arg_spec qkv_bias_key{"qkv_bias", arg_kind::flag, "qkv_bias"};

// The cfg as gpt::config, each key read when the class reads it (gpt::check checks them).
gpt::config config_of(const arg_values& a) {
    auto number = [&](const char* k) { return a.numbers.count(k) ? a.numbers.at(k) : 0.0; };
    return {number("vocab_size"), number("context_length"), number("emb_dim"), number("n_heads"),
            number("n_layers"),   number("drop_rate"),      a.flag("qkv_bias")};
}

}  // namespace

const std::vector<class_spec>& class_table() {
    static const std::vector<class_spec> table = {
        {"Dropout", "nn.Dropout", "3.5.2", {{"p", arg_kind::probability, "p"}}, {}, {}, input_kind::floats, "x",
         [](const arg_values& a, generator& g) -> std::unique_ptr<nn::module> {
             return std::make_unique<nn::dropout>(a.number("p"), g);
         }},
        {"SelfAttentionV1", "SelfAttention_v1", "3.4.2", {d_in, d_out}, {}, {}, input_kind::floats, "x",
         [](const arg_values& a, generator& g) -> std::unique_ptr<nn::module> {
             return std::make_unique<self_attention_v1>(a.number("dIn"), a.number("dOut"), g);
         }},
        {"SelfAttentionV2", "SelfAttention_v2", "3.4.2", {d_in, d_out}, {qkv_bias}, {}, input_kind::floats, "x",
         [](const arg_values& a, generator& g) -> std::unique_ptr<nn::module> {
             return std::make_unique<self_attention_v2>(a.number("dIn"), a.number("dOut"), a.flag("qkvBias"), g);
         }},
        {"CausalAttention", "CausalAttention", "3.5.3", {d_in, d_out, context_length, dropout}, {qkv_bias}, {},
         input_kind::floats, "x",
         [](const arg_values& a, generator& g) -> std::unique_ptr<nn::module> {
             return std::make_unique<causal_attention>(a.number("dIn"), a.number("dOut"), a.number("contextLength"),
                                                       a.number("dropout"), a.flag("qkvBias"), g);
         }},
        {"MultiHeadAttentionWrapper", "MultiHeadAttentionWrapper", "3.6.1",
         {d_in, d_out, context_length, dropout, num_heads}, {qkv_bias}, {}, input_kind::floats, "x",
         [](const arg_values& a, generator& g) -> std::unique_ptr<nn::module> {
             return std::make_unique<multi_head_attention_wrapper>(a.number("dIn"), a.number("dOut"),
                                                                   a.number("contextLength"), a.number("dropout"),
                                                                   a.number("numHeads"), a.flag("qkvBias"), g);
         }},
        {"MultiHeadAttention", "MultiHeadAttention", "3.6.2", {d_in, d_out, context_length, dropout, num_heads},
         {qkv_bias}, {}, input_kind::floats, "x",
         [](const arg_values& a, generator& g) -> std::unique_ptr<nn::module> {
             return std::make_unique<multi_head_attention>(a.number("dIn"), a.number("dOut"), a.number("contextLength"),
                                                           a.number("dropout"), a.number("numHeads"),
                                                           a.flag("qkvBias"), g);
         }},
        {"Embedding", "nn.Embedding", "2.7",
         {{"numEmbeddings", arg_kind::size, "num_embeddings"}, {"embeddingDim", arg_kind::size, "embedding_dim"}}, {}, {},
         input_kind::token_ids, "ids",
         [](const arg_values& a, generator& g) -> std::unique_ptr<nn::module> {
             return std::make_unique<nn::embedding>(a.number("numEmbeddings"), a.number("embeddingDim"), g);
         }},
        {"LayerNorm", "LayerNorm", "4.2", {{"embDim", arg_kind::size, "emb_dim"}}, {}, {}, input_kind::floats, "x",
         [](const arg_values& a, generator&) -> std::unique_ptr<nn::module> {
             return std::make_unique<nn::layer_norm>(a.number("embDim"));
         }},
        {"GELU", "GELU", "4.3", {}, {}, {}, input_kind::floats, "x",
         [](const arg_values&, generator&) -> std::unique_ptr<nn::module> { return std::make_unique<nn::gelu>(); }},
        {"FeedForward", "FeedForward", "4.3", {cfg}, {}, {emb_dim}, input_kind::floats, "x",
         [](const arg_values& a, generator& g) -> std::unique_ptr<nn::module> {
             return std::make_unique<gpt::feed_forward>(config_of(a), g);
         }},
        {"TransformerBlock", "TransformerBlock", "4.5", {cfg}, {},
         {emb_dim, context_length_key, n_heads, drop_rate, qkv_bias_key}, input_kind::floats, "x",
         [](const arg_values& a, generator& g) -> std::unique_ptr<nn::module> {
             return std::make_unique<gpt::transformer_block>(config_of(a), g);
         }},
        {"GPTModel", "GPTModel", "4.6", {cfg}, {},
         {vocab_size, context_length_key, emb_dim, n_heads, n_layers, drop_rate, qkv_bias_key}, input_kind::token_ids,
         "idx",
         [](const arg_values& a, generator& g) -> std::unique_ptr<nn::module> {
             return std::make_unique<gpt::gpt_model>(config_of(a), g);
         }},
    };
    return table;
}

const class_spec* find_class(const std::string& name) {
    for (const auto& spec : class_table())
        if (name == spec.name) return &spec;
    return nullptr;
}

}  // namespace attn::api
