#include "nn/functional.hpp"

#include <algorithm>
#include <vector>

#include "kernels/dropout.hpp"
#include "kernels/gelu.hpp"
#include "kernels/layernorm.hpp"
#include "kernels/parallel.hpp"
#include "kernels/softmax.hpp"

namespace attn::nn::functional {

namespace {
kernel_path g_path = kernel_path::fast;
}

kernel_path path() { return g_path; }
void set_path(kernel_path p) { g_path = p; }

void linear(std::size_t rows, const float* x, std::size_t ldx, std::initializer_list<kernels::GemmOutput> outs) {
    const int m = static_cast<int>(rows), ld = static_cast<int>(ldx), count = static_cast<int>(outs.size());
    if (g_path == kernel_path::reference) {
        kernels::f32_gemm_ref(m, x, ld, outs.begin(), count);
        return;
    }
    // With a thread pool, blocks of whole rows go to the threads: every output row is computed by
    // the same micro-kernel calls in the same order as in one call (rows are independent, blocks
    // start on a multiple of the micro-tile's rows), so the result does not depend on the split.
    // Small products stay in one call: a fork-join costs microseconds.
    const int threads = kernels::threads();
    double macs = 0;
    for (const auto& o : outs) macs += static_cast<double>(rows) * o.w->n * o.w->k;
    if (threads == 1 || m < 8 || macs < 262144.0) {
        kernels::f32_gemm(m, x, ld, outs.begin(), count);
        return;
    }
    // About four blocks per thread (load balance when a thread is late), each a multiple of the
    // micro-tile's rows, and of the cache block's once they are that large.
    constexpr int kMicroRows = kernels::kGemmMR, kCacheRows = kernels::kGemmMC;
    int block = (m + 4 * threads - 1) / (4 * threads);
    block = (block + kMicroRows - 1) / kMicroRows * kMicroRows;
    if (block >= kCacheRows) block = (block + kCacheRows - 1) / kCacheRows * kCacheRows;
    const int blocks = (m + block - 1) / block;
    kernels::parallel_for(static_cast<std::size_t>(blocks), [&](std::size_t i) {
        const int r0 = static_cast<int>(i) * block, n = std::min(block, m - r0);
        kernels::GemmOutput shifted[kernels::kMaxGemmOutputs];
        int o = 0;
        for (const auto& out : outs) shifted[o++] = {out.w, out.bias, out.y + static_cast<std::ptrdiff_t>(r0) * out.ldy, out.ldy};
        kernels::f32_gemm(n, x + static_cast<std::ptrdiff_t>(r0) * ld, ld, shifted, count);
    });
}

void softmax_rows(std::size_t rows, std::size_t n, const float* x, std::size_t ldx, float* y, std::size_t ldy) {
    const auto f = g_path == kernel_path::fast ? kernels::f32_softmax_rows : kernels::f32_softmax_rows_ref;
    f(static_cast<int>(rows), static_cast<int>(n), x, static_cast<int>(ldx), y, static_cast<int>(ldy));
}

void matmul(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda, const float* b,
            std::size_t ldb, float* c, std::size_t ldc) {
    const auto f = g_path == kernel_path::fast ? kernels::f32_matmul : kernels::f32_matmul_ref;
    f(static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), a, static_cast<int>(lda), b,
      static_cast<int>(ldb), c, static_cast<int>(ldc));
}

void matmul_nt(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda, const float* b,
               std::size_t ldb, float* c, std::size_t ldc) {
    const auto f = g_path == kernel_path::fast ? kernels::f32_matmul_nt : kernels::f32_matmul_nt_ref;
    f(static_cast<int>(m), static_cast<int>(n), static_cast<int>(k), a, static_cast<int>(lda), b,
      static_cast<int>(ldb), c, static_cast<int>(ldc));
}

void layer_norm(std::size_t rows, std::size_t n, const float* x, std::size_t ldx, const float* scale,
                const float* shift, float eps, float* y, std::size_t ldy) {
    const auto f = g_path == kernel_path::fast ? kernels::f32_layernorm : kernels::f32_layernorm_ref;
    f(static_cast<int>(rows), static_cast<int>(n), x, static_cast<int>(ldx), scale, shift, eps, y, static_cast<int>(ldy));
}

void gelu(std::size_t n, const float* x, float* y) {
    const auto f = g_path == kernel_path::fast ? kernels::f32_gelu : kernels::f32_gelu_ref;
    f(static_cast<int>(n), x, y);
}

void dropout(std::size_t n, const float* x, double p, bool training, generator& gen, float* y, float* mask) {
    if (!dropout_active(p, training)) {
        if (y != x) std::copy(x, x + n, y);
        if (mask) std::fill(mask, mask + n, 1.0f);
        return;
    }
    if (p == 1.0) {
        for (std::size_t i = 0; i < n; ++i) y[i] = x[i] * 0.0f;
        if (mask) std::fill(mask, mask + n, 0.0f);
        return;
    }
    std::vector<float> own;  // the mask, when the caller does not keep it
    if (!mask) {
        own.resize(n);
        mask = own.data();
    }
    gen.bernoulli_(mask, n, 1.0 - p);
    const auto f = g_path == kernel_path::fast ? kernels::f32_dropout : kernels::f32_dropout_ref;
    f(static_cast<int>(n), x, mask, static_cast<float>(1.0 - p), y);
}

}  // namespace attn::nn::functional
