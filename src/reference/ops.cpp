#include "reference/ops.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include <xtensor/xview.hpp>

namespace attn::ref {

namespace {

std::size_t batch_count(const tensor& t) {
    std::size_t n = 1;
    for (std::size_t i = 0; i + 2 < t.dimension(); ++i) n *= t.shape()[i];
    return n;
}

shape_t with_last_two(const tensor& batch_like, std::size_t m, std::size_t n) {
    shape_t s = to_shape(batch_like.shape());
    s[s.size() - 2] = m;
    s[s.size() - 1] = n;
    return s;
}

}  // namespace

tensor matmul(const tensor& a, const tensor& b) {
    const std::size_t m = a.shape()[0], k = a.shape()[1], n = b.shape()[1];
    tensor c = make_tensor({m, n});
    for (std::size_t i = 0; i < m; ++i)
        for (std::size_t j = 0; j < n; ++j) {
            float acc = 0.0f;
            for (std::size_t p = 0; p < k; ++p) acc += a(i, p) * b(p, j);
            c(i, j) = acc;
        }
    return c;
}

namespace {

// c[z] = a[z] (m, k) · B[z] (k, n) for every leading batch index z, where B[z](p, j) is
// b.data()[z·k·n + p·p_stride + j·j_stride]: strides (n, 1) read b as (…, k, n), (1, k) as (…, n, k)ᵀ.
// One accumulator per output, summed over p in order, as a naive loop does.
tensor batched_product(const tensor& a, const tensor& b, std::size_t n, std::size_t p_stride, std::size_t j_stride) {
    const std::size_t rank = a.dimension();
    const std::size_t m = a.shape()[rank - 2], k = a.shape()[rank - 1];
    tensor c = make_tensor(with_last_two(a, m, n));
    const std::size_t batches = batch_count(a);
    for (std::size_t z = 0; z < batches; ++z) {
        const float* pa = a.data() + z * m * k;
        const float* pb = b.data() + z * k * n;
        float* pc = c.data() + z * m * n;
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < n; ++j) {
                float acc = 0.0f;
                for (std::size_t p = 0; p < k; ++p) acc += pa[i * k + p] * pb[p * p_stride + j * j_stride];
                pc[i * n + j] = acc;
            }
    }
    return c;
}

}  // namespace

tensor matmul_nt(const tensor& a, const tensor& b) {
    const std::size_t k = a.shape()[a.dimension() - 1], n = b.shape()[b.dimension() - 2];
    return batched_product(a, b, n, /*p_stride=*/1, /*j_stride=*/k);  // b: (…, n, k)
}

tensor batched_matmul(const tensor& a, const tensor& b) {
    const std::size_t n = b.shape()[b.dimension() - 1];
    return batched_product(a, b, n, /*p_stride=*/n, /*j_stride=*/1);  // b: (…, k, n)
}

tensor linear(const tensor& x, const tensor& weight, const tensor& bias) {
    const std::size_t in = weight.shape()[1], out = weight.shape()[0];
    const std::size_t rows = x.size() / in;
    shape_t s = to_shape(x.shape());
    s.back() = out;
    tensor y = make_tensor(s);
    const bool has_bias = bias.size() == out && bias.dimension() == 1;
    for (std::size_t r = 0; r < rows; ++r)
        for (std::size_t o = 0; o < out; ++o) {
            float acc = 0.0f;
            for (std::size_t i = 0; i < in; ++i) acc += x.data()[r * in + i] * weight(o, i);
            y.data()[r * out + o] = has_bias ? acc + bias(o) : acc;
        }
    return y;
}

tensor softmax(const tensor& x, std::size_t dim) {
    tensor y = x;
    if (y.size() == 0) return y;  // e.g. (2, 0, 3) along dim 1: no rows, and data() may be null
    const auto& s = x.shape();
    std::size_t outer = 1, inner = 1;
    for (std::size_t i = 0; i < dim; ++i) outer *= s[i];
    for (std::size_t i = dim + 1; i < s.size(); ++i) inner *= s[i];
    const std::size_t n = s.empty() ? 1 : s[dim];
    for (std::size_t o = 0; o < outer; ++o)
        for (std::size_t in = 0; in < inner; ++in) {
            const float* src = x.data() + o * n * inner + in;
            float* dst = y.data() + o * n * inner + in;
            float mx = -std::numeric_limits<float>::infinity();
            bool nan = false;
            for (std::size_t j = 0; j < n; ++j) {
                const float v = src[j * inner];
                if (std::isnan(v)) nan = true;
                mx = std::max(mx, v);
            }
            if (nan) mx = std::numeric_limits<float>::quiet_NaN();
            float sum = 0.0f;
            for (std::size_t j = 0; j < n; ++j) {
                dst[j * inner] = std::exp(src[j * inner] - mx);
                sum += dst[j * inner];
            }
            const float inv = 1.0f / sum;
            for (std::size_t j = 0; j < n; ++j) dst[j * inner] *= inv;
        }
    return y;
}

tensor causal_mask(const tensor& scores) {
    tensor out = scores;
    const std::size_t rank = out.dimension();
    const std::size_t t = out.shape()[rank - 1];
    const std::size_t batches = batch_count(out);
    const float neg_inf = -std::numeric_limits<float>::infinity();
    for (std::size_t z = 0; z < batches; ++z)
        for (std::size_t i = 0; i < t; ++i)
            for (std::size_t j = i + 1; j < t; ++j) out.data()[(z * t + i) * t + j] = neg_inf;
    return out;
}

tensor scale_scores(const tensor& scores, std::size_t d_k) {
    const float divisor = static_cast<float>(std::sqrt(static_cast<double>(d_k)));
    tensor out = scores;
    for (float& v : out) v = v / divisor;
    return out;
}

tensor dropout(const tensor& x, double p, bool training, generator& gen, tensor* mask) {
    if (!training || p == 0.0 || x.size() == 0) {
        if (mask) *mask = make_tensor(to_shape(x.shape()), 1.0f);
        return x;
    }
    tensor out = x;
    if (p == 1.0) {  // ATen multiplies by a zero scalar and draws nothing
        for (float& v : out) v = v * 0.0f;
        if (mask) *mask = make_tensor(to_shape(x.shape()), 0.0f);
        return out;
    }
    tensor noise(to_shape(x.shape()));
    gen.bernoulli_(noise.data(), noise.size(), 1.0 - p);
    const float keep = static_cast<float>(1.0 - p);
    for (std::size_t i = 0; i < out.size(); ++i) out.data()[i] = x.data()[i] * (noise.data()[i] / keep);
    if (mask) *mask = std::move(noise);
    return out;
}

}  // namespace attn::ref
