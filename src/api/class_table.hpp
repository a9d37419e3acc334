// The one class table: every class the package exposes, its constructor's arguments (JS names,
// kinds, the book's PyTorch names) and how to build it. The bindings build from it, the JS
// classes are generated from it (src/js/api.js reads it through the module), a test checks
// index.d.ts against it, and the native tests, the fuzz target and the soak iterate it instead
// of restating the list.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/generator.hpp"
#include "nn/module.hpp"

namespace attn::api {

enum class arg_kind {
    size,         // a positive integer (dIn, numHeads)
    probability,  // a number in [0, 1] (dropout)
    flag,         // a boolean, in the trailing options object (qkvBias)
    config,       // the book's cfg dict (chapter 4): an object with the keys in class_spec::config
};

struct arg_spec {
    const char* name;       // the JS name: "dIn"
    arg_kind kind;
    const char* book_name;  // the book's PyTorch name: "d_in"
};

// What the forward takes: a float tensor (every chapter-3 class) or token ids.
enum class input_kind { floats, token_ids };

// Constructor arguments by JS name, as the binding converted them (numbers as doubles); a cfg's
// keys by their own names ("emb_dim").
struct arg_values {
    std::map<std::string, double> numbers;
    std::map<std::string, bool> flags;
    double number(const std::string& name) const;
    bool flag(const std::string& name) const;  // false when not given
};

struct class_spec {
    const char* name;       // JS: "MultiHeadAttention"
    const char* book_name;  // the book's: "MultiHeadAttention", "SelfAttention_v1", "nn.Dropout"
    const char* section;    // where the book introduces it: "3.6.2"
    std::vector<arg_spec> args;     // positional constructor arguments
    std::vector<arg_spec> options;  // the trailing options object ({ qkvBias })
    std::vector<arg_spec> config;   // the keys a cfg argument must have (the ones the class reads)
    input_kind input;
    const char* input_arg;  // the forward's argument, as errors name it: "x", "ids", "idx"
    std::unique_ptr<nn::module> (*make)(const arg_values& args, generator& gen);
};

const std::vector<class_spec>& class_table();
// The entry named `name`, or nullptr.
const class_spec* find_class(const std::string& name);

}  // namespace attn::api
