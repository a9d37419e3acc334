#include "api/class_table.hpp"

#include "attention/causal_attention.hpp"
#include "attention/multi_head_attention.hpp"
#include "attention/self_attention.hpp"
#include "core/errors.hpp"
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

}  // namespace

const std::vector<class_spec>& class_table() {
    static const std::vector<class_spec> table = {
        {"Dropout", "nn.Dropout", "3.5.2", {{"p", arg_kind::probability, "p"}}, {}, input_kind::floats,
         [](const arg_values& a, generator& g) -> std::unique_ptr<nn::module> {
             return std::make_unique<nn::dropout>(a.number("p"), g);
         }},
        {"SelfAttentionV1", "SelfAttention_v1", "3.4.2", {d_in, d_out}, {}, input_kind::floats,
         [](const arg_values& a, generator& g) -> std::unique_ptr<nn::module> {
             return std::make_unique<self_attention_v1>(a.number("dIn"), a.number("dOut"), g);
         }},
        {"SelfAttentionV2", "SelfAttention_v2", "3.4.2", {d_in, d_out}, {qkv_bias}, input_kind::floats,
         [](const arg_values& a, generator& g) -> std::unique_ptr<nn::module> {
             return std::make_unique<self_attention_v2>(a.number("dIn"), a.number("dOut"), a.flag("qkvBias"), g);
         }},
        {"CausalAttention", "CausalAttention", "3.5.3", {d_in, d_out, context_length, dropout}, {qkv_bias},
         input_kind::floats,
         [](const arg_values& a, generator& g) -> std::unique_ptr<nn::module> {
             return std::make_unique<causal_attention>(a.number("dIn"), a.number("dOut"), a.number("contextLength"),
                                                       a.number("dropout"), a.flag("qkvBias"), g);
         }},
        {"MultiHeadAttentionWrapper", "MultiHeadAttentionWrapper", "3.6.1",
         {d_in, d_out, context_length, dropout, num_heads}, {qkv_bias}, input_kind::floats,
         [](const arg_values& a, generator& g) -> std::unique_ptr<nn::module> {
             return std::make_unique<multi_head_attention_wrapper>(a.number("dIn"), a.number("dOut"),
                                                                   a.number("contextLength"), a.number("dropout"),
                                                                   a.number("numHeads"), a.flag("qkvBias"), g);
         }},
        {"MultiHeadAttention", "MultiHeadAttention", "3.6.2", {d_in, d_out, context_length, dropout, num_heads},
         {qkv_bias}, input_kind::floats,
         [](const arg_values& a, generator& g) -> std::unique_ptr<nn::module> {
             return std::make_unique<multi_head_attention>(a.number("dIn"), a.number("dOut"), a.number("contextLength"),
                                                           a.number("dropout"), a.number("numHeads"),
                                                           a.flag("qkvBias"), g);
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
