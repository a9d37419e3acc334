// The layer functions every module's forward is written in, and the one place that picks
// between each kernel's fast twin and its reference twin (kernels/*: f32_gemm / f32_gemm_ref,
// ...). A forward has one implementation; which twin its layers run is this switch, so the tests
// run every module on both and compare (as XNNPACK tests each microkernel against its twin).
#pragma once

#include <cstddef>
#include <initializer_list>

#include "core/generator.hpp"
#include "kernels/gemm.hpp"

namespace attn::nn::functional {

enum class kernel_path { fast, reference };
kernel_path path();
void set_path(kernel_path p);

// Sets the path for one scope (tests).
struct path_scope {
    kernel_path saved = path();
    explicit path_scope(kernel_path p) { set_path(p); }
    ~path_scope() { set_path(saved); }
};

// y_o (rows, n_o) = x (rows, in; row stride ldx) · W_oᵀ + b_o for each output, sharing one pass
// over x (q, k and v). On the fast path, large products split their rows across the thread pool
// in blocks of whole micro-tiles, so the result does not depend on the thread count.
void linear(std::size_t rows, const float* x, std::size_t ldx, std::initializer_list<kernels::GemmOutput> outs);

// torch.softmax along each row: x (rows, n) stride ldx -> y stride ldy (y may be x).
void softmax_rows(std::size_t rows, std::size_t n, const float* x, std::size_t ldx, float* y, std::size_t ldy);

// c (m, n) = a (m, k) · b (k, n); c (m, n) = a (m, k) · b (n, k)ᵀ. Row strides lda, ldb, ldc.
void matmul(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda, const float* b,
            std::size_t ldb, float* c, std::size_t ldc);
void matmul_nt(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda, const float* b,
               std::size_t ldb, float* c, std::size_t ldc);

// The book's LayerNorm over rows of n: x (rows, n) stride ldx -> y stride ldy (y may be x).
void layer_norm(std::size_t rows, std::size_t n, const float* x, std::size_t ldx, const float* scale,
                const float* shift, float eps, float* y, std::size_t ldy);

// The book's GELU (tanh approximation) over n floats; y may be x.
void gelu(std::size_t n, const float* x, float* y);

// nn.Dropout over n floats, writing y (may be x) and mask (1 where kept, 0 where zeroed; may be
// null when the caller does not need it). In eval mode or with p = 0: y = x and the mask is all 1,
// nothing drawn. p = 1: y = x·0, mask 0, nothing drawn (ATen multiplies by a zero scalar).
// Otherwise a bernoulli(1 - p) mask from `gen` in element order, and y = x · (mask / (1 - p)).
void dropout(std::size_t n, const float* x, double p, bool training, generator& gen, float* y, float* mask);

// Whether dropout(p, training) draws (or zeroes): the condition under which a forward must keep
// PyTorch's mask and so cannot take a fused kernel.
inline bool dropout_active(double p, bool training) { return training && p > 0.0; }

}  // namespace attn::nn::functional
