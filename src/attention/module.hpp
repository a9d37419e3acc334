// What every attention class shares: train/eval, the PyTorch state dict, the optional trace of
// intermediates, and the nn.Linear they are built from.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/generator.hpp"
#include "core/tensor.hpp"

namespace attn {

// PyTorch's state_dict(): ordered (key, tensor) pairs with PyTorch's names and shapes.
using state_dict = std::vector<std::pair<std::string, tensor>>;

// The intermediates a reader wants to see, in pipeline order (names and layouts: shared/API.md).
struct trace {
    std::vector<std::pair<std::string, tensor>> entries;

    void put(const std::string& name, tensor value) { entries.emplace_back(name, std::move(value)); }
    void append(trace&& other) {
        for (auto& e : other.entries) entries.push_back(std::move(e));
    }
    const tensor* find(const std::string& name) const;
};

// nn.Linear(in_features, out_features, bias): weight (out, in), bias (out).
struct linear_layer {
    tensor weight;  // (out, in)
    tensor bias;    // (out), or a default (0-d) tensor when bias=False

    linear_layer() = default;
    // Draws weight then bias from `gen` as nn.Linear's reset_parameters (kaiming_uniform_ with
    // a=sqrt(5), then uniform(-1/sqrt(in), 1/sqrt(in)) for the bias).
    linear_layer(std::size_t in, std::size_t out, bool has_bias, generator& gen);

    bool has_bias() const { return bias.dimension() == 1; }
    std::size_t in_features() const { return weight.shape()[1]; }
    std::size_t out_features() const { return weight.shape()[0]; }

    tensor forward(const tensor& x) const;  // (..., in) -> (..., out)

    void save(const std::string& prefix, state_dict& out) const;
    // Where load_state_dict writes this layer's keys.
    void expose(const std::string& prefix, std::vector<std::pair<std::string, tensor*>>& out);
};

// The query, key and value projections of SelfAttention_v2 and every class after it, under
// PyTorch's keys: <prefix>W_query.weight, <prefix>W_query.bias, <prefix>W_key.weight, ...
void save_qkv(const linear_layer& q, const linear_layer& k, const linear_layer& v, const std::string& prefix,
              state_dict& out);
void expose_qkv(linear_layer& q, linear_layer& k, linear_layer& v, const std::string& prefix,
                std::vector<std::pair<std::string, tensor*>>& out);

class module {
public:
    virtual ~module() = default;

    virtual const char* class_name() const = 0;

    // The book's forward. With `tr`, the intermediates are recorded into it.
    virtual tensor forward(const tensor& x, trace* tr = nullptr) = 0;
    // forward(x) for a caller that hands over its input: a class may release x's memory as soon
    // as it is no longer needed (MultiHeadAttention does after its projections), which lowers
    // the peak for long inputs. Same results as forward(x).
    virtual tensor forward_owned(tensor x) { return forward(x, nullptr); }

    virtual state_dict get_state_dict() const = 0;
    // Accepts exactly the keys of get_state_dict() (the "mask" buffer may be given and is
    // then checked); anything unknown, missing or mis-shaped is a RangeError and leaves the
    // module unchanged.
    void load_state_dict(const state_dict& sd);

    bool training() const { return training_; }
    void train(bool mode = true) { training_ = mode; }
    void eval() { training_ = false; }

protected:
    // Where load_state_dict writes each key: same order and shapes as get_state_dict().
    virtual std::vector<std::pair<std::string, tensor*>> parameters() = 0;
    virtual void parameters_changed() {}
    // The book's `mask` buffers (keys such as "mask" or "heads.0.mask"), each
    // (contextLength, contextLength); left out of get_state_dict(), accepted by load_state_dict().
    virtual std::vector<std::string> mask_keys() const { return {}; }
    virtual std::size_t mask_size() const { return 0; }

    bool training_ = true;
};

}  // namespace attn
