// What every module shares, as torch.nn.Module has it: named parameters, buffers and child
// modules; the state dict walks that tree (keys such as "trf_blocks.11.att.W_query.weight" come
// from it, never joined by hand); train()/eval() reach every child.
//
// Parameters are stored once. A plain tensor for vectors and embeddings; for a matrix the fast
// path multiplies by (nn.Linear's weight, SelfAttention_v1's W), only the GEMM's packed layout
// (packed_matrix): the state dict unpacks a copy when asked, and loading packs in place.
#pragma once

#include <cstdint>
#include <memory>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/generator.hpp"
#include "core/tensor.hpp"
#include "core/workspace.hpp"
#include "kernels/gemm.hpp"

namespace attn {

// PyTorch's state_dict(): ordered (key, tensor) pairs with PyTorch's names and shapes.
using state_dict = std::vector<std::pair<std::string, tensor>>;

// The intermediates a reader wants to see, in pipeline order (names and layouts: shared/API.md).
// A GPT model's trace holds one per traced block in `layers` (null where a block is not traced).
struct trace {
    std::vector<std::pair<std::string, tensor>> entries;
    std::vector<std::unique_ptr<trace>> layers;

    void put(const std::string& name, tensor value) { entries.emplace_back(name, std::move(value)); }
    const tensor* find(const std::string& name) const;
    // Reshapes every entry by dropping the axes `drop` (each of size 1): {0, 1} turns
    // (1, 1, T, T) into (T, T).
    void squeeze(std::initializer_list<std::size_t> drop);
};

namespace nn {

// A parameter as the state dict sees it: PyTorch's shape, a copy in PyTorch's layout, and a
// setter for a value of that shape (load_state_dict checks the shape first).
class parameter {
public:
    virtual ~parameter() = default;
    virtual shape_t shape() const = 0;
    virtual tensor get() const = 0;
    virtual void set(const tensor& value) = 0;
    // Bytes this parameter holds in memory.
    virtual std::size_t bytes() const = 0;
    // Its floats as stored (for reading them all, as the memory-floor benchmark does).
    virtual const float* storage() const = 0;
};

// A plain float tensor: biases, LayerNorm's scale and shift, embedding tables.
class tensor_parameter : public parameter {
public:
    tensor value;

    tensor_parameter() = default;
    tensor_parameter(const shape_t& shape, float fill) : value(make_tensor(shape, fill)) {}
    shape_t shape() const override { return to_shape(value.shape()); }
    tensor get() const override { return value; }
    void set(const tensor& v) override { value = v; }
    std::size_t bytes() const override { return value.size() * sizeof(float); }
    const float* storage() const override { return value.data(); }
};

// A matrix kept only in the GEMM's packed layout. Its PyTorch shape is (out, in) (nn.Linear's
// weight: y = x·Wᵀ), or, `transposed`, (in, out) (SelfAttention_v1's W: y = x @ W).
class packed_matrix : public parameter {
public:
    packed_matrix() = default;
    packed_matrix(std::size_t out, std::size_t in, bool transposed);  // zero

    shape_t shape() const override;
    tensor get() const override;
    void set(const tensor& v) override;
    std::size_t bytes() const override { return packed.panels.size() * sizeof(float); }
    const float* storage() const override { return packed.panels.data(); }

    // Fills the matrix in PyTorch's row-major element order from `draw(row, n)`, which writes
    // the n values of one row: the order a generator fills torch.rand / nn.Linear's weight in,
    // without a second full-size copy.
    template <class Draw>
    void fill_rows(Draw&& draw);

    kernels::PackedWeights packed;  // W as (out, in) for the GEMM

    // Row r of the matrix in its PyTorch shape.
    void set_row(std::size_t r, const float* row);
    // The weights of input feature i for every output, out_features values: a row of the (in, out)
    // layout checkpoints such as GPT-2's (Conv1D) store.
    void set_input_row(std::size_t i, const float* values);

private:
    bool transposed_ = false;
};

// Checks, before a module allocates anything, that its parameters fit the memory limit
// ("MultiHeadAttention: the weights would need 96 MiB, ..."): a module's first member, made from
// its class's parameter_floats(...), which adds up those of its layers (a refused module has
// allocated nothing, and no size wraps wasm32's size_t).
struct weights_check {
    weights_check(const char* cls, double floats);
};

// One entry of a state dict being loaded: its key and shape, and its values when asked for. A
// binding hands over entries whose values it copies into the heap one at a time, so loading a
// model never holds a second copy of it.
struct state_entry {
    std::string key;
    shape_t shape;
    std::function<tensor()> values;
};

// What load_state_dict(strict = false) could not match.
struct load_result {
    std::vector<std::string> missing_keys, unexpected_keys;
};

class module {
public:
    module(const module&) = delete;
    module& operator=(const module&) = delete;
    virtual ~module() = default;

    // The JS class name ("MultiHeadAttention"), which starts every error message.
    virtual const char* class_name() const = 0;

    state_dict get_state_dict() const;
    // Accepts the keys of get_state_dict() (and the book's `mask` buffers, which are checked).
    // Everything is checked before anything is written, so a refused dict changes nothing.
    // strict: an unknown or missing key is a RangeError; otherwise they are reported. A key
    // with the wrong shape is a RangeError either way, as in PyTorch.
    load_result load_state_dict(const std::vector<state_entry>& sd, bool strict = true);
    load_result load_state_dict(const state_dict& sd, bool strict = true);

    bool training() const { return training_; }
    void train(bool mode = true);
    void eval() { train(false); }

    // Every parameter with its state-dict key, in state-dict order.
    std::vector<std::pair<std::string, parameter*>> named_parameters();
    std::vector<std::pair<std::string, const parameter*>> named_parameters() const;
    // Bytes held by every parameter of the tree.
    std::size_t parameter_bytes() const;

protected:
    module() = default;
    void register_parameter(std::string name, parameter& p);
    void register_module(std::string name, module& child);
    // The book's causal `mask` buffer, (n, n): left out of the state dict (API.md allows it),
    // accepted by load_state_dict when it equals triu(ones(n, n), 1).
    void register_mask(std::string name, std::size_t n);

private:
    template <class Visit>
    void walk(const std::string& prefix, Visit&& visit) const;

    std::vector<std::pair<std::string, parameter*>> params_;
    std::vector<std::pair<std::string, std::size_t>> masks_;
    std::vector<std::pair<std::string, module*>> children_;
    bool training_ = true;
};

// A module whose forward takes one float tensor: every chapter-3 class, Dropout, LayerNorm, ...
class tensor_module : public module {
public:
    // Checks an input of shape `x` and plans what a forward on it would hold (core/workspace.hpp):
    // a RangeError for a wrong shape or a call beyond the memory limit, before anything is
    // allocated (the binding asks before it copies the input into the heap). forward plans so too.
    virtual workspace plan(const shape_t& x, bool traced) const = 0;

    // The book's forward. With `tr`, the intermediates are recorded into it.
    virtual tensor forward(const tensor& x, trace* tr = nullptr) = 0;
    // forward(x) for a caller that hands over its input: a class may release x's memory as soon
    // as it is no longer needed (MultiHeadAttention does after its projections), which lowers
    // the peak for long inputs. Same results as forward(x).
    virtual tensor forward_owned(tensor x) { return forward(x, nullptr); }
};

template <class Draw>
void packed_matrix::fill_rows(Draw&& draw) {
    const shape_t s = shape();
    std::vector<float> row(s[1]);
    for (std::size_t r = 0; r < s[0]; ++r) {
        draw(row.data(), row.size());
        set_row(r, row.data());
    }
}

}  // namespace nn
}  // namespace attn
