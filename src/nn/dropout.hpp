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
    // With a trace: dropoutMask, x's shape, 1 where a value was kept and 0 where it was zeroed.
    tensor forward(const tensor& x, trace* tr = nullptr) override;

    double p() const { return p_; }
    generator& gen() const { return *gen_; }
    // Whether forward draws a mask (training mode, p > 0).
    bool active() const;
    // forward on n floats of x into y (which may be x), without keeping the mask.
    void apply(std::size_t n, const float* x, float* y) const;

private:
    double p_;
    generator* gen_;
};

}  // namespace attn::nn
