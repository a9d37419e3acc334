#include "attention/fast_path.hpp"

#include <cmath>

#include "attention/validate.hpp"
#include "kernels/attention.hpp"

namespace attn::fast {

void packed_projection::pack(std::initializer_list<const linear_layer*> layers) {
    const linear_layer& first = **layers.begin();
    const std::size_t in = first.in_features();
    std::size_t out = 0;
    for (const linear_layer* l : layers) out += l->out_features();
    std::vector<float> stacked(out * in);  // (Σ out, in)
    bias_.clear();
    std::size_t row = 0;
    for (const linear_layer* l : layers) {
        std::copy(l->weight.data(), l->weight.data() + l->weight.size(), stacked.begin() + row * in);
        if (l->has_bias()) bias_.insert(bias_.end(), l->bias.begin(), l->bias.end());
        row += l->out_features();
    }
    if (bias_.size() != out) bias_.clear();
    weights_ = kernels::f32_gemm_pack(stacked.data(), static_cast<int>(out), static_cast<int>(in));
}

void packed_projection::pack_transposed(std::initializer_list<const tensor*> weights) {
    const std::size_t in = (*weights.begin())->shape()[0];
    std::size_t out = 0;
    for (const tensor* w : weights) out += w->shape()[1];
    std::vector<float> stacked(out * in);  // (Σ out, in) = the Wᵀ of each, stacked
    std::size_t row = 0;
    for (const tensor* w : weights) {
        const std::size_t cols = w->shape()[1];
        for (std::size_t o = 0; o < cols; ++o)
            for (std::size_t i = 0; i < in; ++i) stacked[(row + o) * in + i] = (*w)(i, o);
        row += cols;
    }
    bias_.clear();
    weights_ = kernels::f32_gemm_pack(stacked.data(), static_cast<int>(out), static_cast<int>(in));
}

void packed_projection::apply(int rows, const float* x, int ldx, float* y, int ldy) const {
    kernels::f32_gemm(rows, x, ldx, weights_, bias_.empty() ? nullptr : bias_.data(), y, ldy);
}

void attention_heads(const char* cls, const float* qkv, std::size_t batch, std::size_t tokens, std::size_t heads,
                     std::size_t head_dim, bool causal, float* out, std::size_t ldo) {
    if (batch == 0 || tokens == 0) return;
    // The fused kernel's scratch: query and output tiles plus packed key/value tiles, 384 floats
    // per head dimension and 512 more (kernels/attention.cpp), independent of T. Checked here so
    // a huge head_dim is a RangeError, not a wrapped size in wasm32.
    validate::fits(cls, "the attention kernel's scratch", 400.0 * static_cast<double>(head_dim) + 512.0);
    const std::size_t d = heads * head_dim, ld = 3 * d;
    const float divisor = static_cast<float>(std::sqrt(static_cast<double>(head_dim)));
    const int t = static_cast<int>(tokens), hd = static_cast<int>(head_dim);
    for (std::size_t b = 0; b < batch; ++b)
        for (std::size_t h = 0; h < heads; ++h) {
            const float* q = qkv + b * tokens * ld + h * head_dim;
            kernels::f32_attention_fused(t, t, hd, q, static_cast<int>(ld), q + d, static_cast<int>(ld), q + 2 * d,
                                         static_cast<int>(ld), out + b * tokens * ldo + h * head_dim,
                                         static_cast<int>(ldo), divisor, causal);
        }
}

}  // namespace attn::fast
