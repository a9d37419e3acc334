// The book's LayerNorm(embDim) (chapter 4): eps 1e-5, biased variance, parameters `scale` (ones)
// and `shift` (zeros), over the last axis of a tensor of any rank.
#pragma once

#include "nn/module.hpp"

namespace attn::nn {

class layer_norm : public tensor_module {
public:
    explicit layer_norm(double emb_dim);
    const char* class_name() const override { return "LayerNorm"; }
    static double parameter_floats(std::size_t emb_dim) { return 2.0 * static_cast<double>(emb_dim); }
    static constexpr float eps = 1e-5f;

    workspace plan(const shape_t& x, bool traced) const override;
    tensor forward(const tensor& x, trace* tr = nullptr) override;
    // rows (rows, embDim) of stride ld from x into y (which may be x).
    void apply(std::size_t rows, const float* x, std::size_t ldx, float* y, std::size_t ldy) const;

private:
    std::size_t dim_;
    weights_check fits_;

public:
    tensor_parameter scale, shift;  // (embDim) each
};

}  // namespace attn::nn
