// nn.Dropout(p) as a module: its own training flag (train()/eval() reach it through the tree),
// drawing its masks from the generator it was given.
#pragma once

#include "nn/module.hpp"

namespace attn::nn {

class dropout : public tensor_module {
public:
    explicit dropout(double p, generator& gen = default_generator());
    const char* class_name() const override { return "Dropout"; }
    workspace plan(const shape_t& x, bool traced) const override;
    tensor forward(const tensor& x, trace* tr = nullptr) override;

    double p() const { return p_; }
    generator& gen() const { return *gen_; }
    // Whether forward draws a mask (training mode, p > 0).
    bool active() const;

private:
    double p_;
    generator* gen_;
};

}  // namespace attn::nn
