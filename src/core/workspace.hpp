// The memory of one call. A forward first plans what it will hold at its peak (each layer says
// what it needs, beside its implementation: attention_scratch_floats, ...), and the workspace
// checks the total against memory_limit() once, before anything is allocated: a call that
// cannot fit is a RangeError naming the class and the part that does not fit, and the heap has
// not grown for it. Then every tensor the call allocates is taken from the workspace, which also
// checks each single allocation (so no size wraps wasm32's size_t, planned or not).
#pragma once

#include <string>

#include "core/tensor.hpp"

namespace attn {

class workspace {
public:
    explicit workspace(std::string owner) : owner_(std::move(owner)) {}

    // Adds `floats` to the call's planned peak, naming them `what` in the error
    // ("the attention matrices would need 96 MiB, more than the memory limit of 64 MiB").
    void plan(const char* what, double floats);
    // An uninitialised tensor of `shape`; `what` names it in the error of a single tensor too large.
    tensor take(const char* what, const shape_t& shape);

    const std::string& owner() const { return owner_; }
    double planned_floats() const { return planned_; }

private:
    std::string owner_;
    double planned_ = 0;
};

// The number of elements of `shape`, as a double (no overflow).
double floats_of(const shape_t& shape);

}  // namespace attn
