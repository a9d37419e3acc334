// The book's FeedForward(cfg) (chapter 4): Linear(emb, 4·emb) → GELU → Linear(4·emb, emb), under
// the keys layers.0 and layers.2 (nn.Sequential's), on the last axis of any shape.
#pragma once

#include "core/workspace.hpp"
#include "gpt/config.hpp"
#include "nn/gelu.hpp"
#include "nn/linear.hpp"

namespace attn::gpt {

class feed_forward : public nn::tensor_module {
public:
    feed_forward(const config& cfg, generator& gen = default_generator());
    const char* class_name() const override { return "FeedForward"; }
    static double parameter_floats(std::size_t emb) {
        return nn::linear::parameter_floats(emb, 4 * emb, true) + nn::linear::parameter_floats(4 * emb, emb, true);
    }
    workspace plan(const shape_t& x, bool traced) const override;
    tensor forward(const tensor& x, trace* tr = nullptr) override;

    // Planned by plan_apply: the (rows, 4·emb) hidden activations.
    static void plan_apply(workspace& ws, std::size_t rows, std::size_t emb);
    // y (rows, emb) = the feed-forward of x (rows, emb); y may be x.
    void apply(workspace& ws, std::size_t rows, const float* x, float* y) const;

private:
    std::size_t emb_;
    nn::weights_check fits_;

public:
    nn::linear fc1;  // layers.0: (4·emb, emb)
    nn::gelu act;    // layers.1
    nn::linear fc2;  // layers.2: (emb, 4·emb)
};

}  // namespace attn::gpt
