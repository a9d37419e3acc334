// The book's GELU module (chapter 4): the tanh approximation, elementwise on any shape.
#pragma once

#include "nn/module.hpp"

namespace attn::nn {

class gelu : public tensor_module {
public:
    gelu() = default;
    const char* class_name() const override { return "GELU"; }
    workspace plan(const shape_t& x, bool traced) const override;
    tensor forward(const tensor& x, trace* tr = nullptr) override;
};

}  // namespace attn::nn
