#include "attention/fast_path.hpp"

#include <algorithm>
#include <cmath>

#include "attention/validate.hpp"
#include "kernels/attention.hpp"
#include "kernels/parallel.hpp"

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
    const float* bias = bias_.empty() ? nullptr : bias_.data();
    // With a thread pool, blocks of whole rows go to the threads: every output row is computed by
    // the same micro-kernel calls in the same order as in one call (rows are independent, blocks
    // start on a multiple of the micro-tile's rows), so the result does not depend on the split.
    // Small products stay in one call: a fork-join costs microseconds.
    const int threads = kernels::threads();
    const double macs = static_cast<double>(rows) * weights_.n * weights_.k;
    if (threads == 1 || rows < 8 || macs < 262144.0) {
        kernels::f32_gemm(rows, x, ldx, weights_, bias, y, ldy);
        return;
    }
    // About four blocks per thread (load balance when a thread is late), each a multiple of the
    // micro-tile's rows, and of the cache block's once they are that large.
    constexpr int kMicroRows = kernels::kGemmMR, kCacheRows = kernels::kGemmMC;
    int block = (rows + 4 * threads - 1) / (4 * threads);
    block = (block + kMicroRows - 1) / kMicroRows * kMicroRows;
    if (block >= kCacheRows) block = (block + kCacheRows - 1) / kCacheRows * kCacheRows;
    const int blocks = (rows + block - 1) / block;
    kernels::parallel_for(static_cast<std::size_t>(blocks), [&](std::size_t i) {
        const int r0 = static_cast<int>(i) * block, n = std::min(block, rows - r0);
        kernels::f32_gemm(n, x + static_cast<std::ptrdiff_t>(r0) * ldx, ldx, weights_, bias,
                          y + static_cast<std::ptrdiff_t>(r0) * ldy, ldy);
    });
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
    // One task per (batch, head) pair: each writes only its own context columns (when out is qkv,
    // its own query columns, which no other head reads), exactly as the serial loop does.
    kernels::parallel_for(batch * heads, [&](std::size_t i) {
        const std::size_t b = i / heads, h = i % heads;
        const float* q = qkv + b * tokens * ld + h * head_dim;
        kernels::f32_attention_fused(t, t, hd, q, static_cast<int>(ld), q + d, static_cast<int>(ld), q + 2 * d,
                                     static_cast<int>(ld), out + b * tokens * ldo + h * head_dim,
                                     static_cast<int>(ldo), divisor, causal);
    });
}

}  // namespace attn::fast
