#include "attention/chapter_steps.hpp"

#include <cmath>

#include "core/errors.hpp"
#include "core/validate.hpp"
#include "core/workspace.hpp"
#include "nn/functional.hpp"

namespace attn {

namespace {
void require_rank(const char* fn, const tensor& x, std::size_t min_rank) {
    if (x.dimension() < min_rank)
        raise_range({fn, "x"}, "input x must have at least ", min_rank, " axes, got ", shape_str(to_shape(x.shape())));
}
// row / row.sum() for every row of the last axis, in place: the one normalisation the three
// steps below share.
void normalize_rows(tensor& x) {
    const std::size_t n = x.shape().back();
    for (std::size_t r = 0; n && r < x.size() / n; ++r) {
        float* row = x.data() + r * n;
        float sum = 0.0f;
        for (std::size_t j = 0; j < n; ++j) sum += row[j];
        for (std::size_t j = 0; j < n; ++j) row[j] = row[j] / sum;
    }
}
}  // namespace

tensor softmax(const tensor& x, std::int64_t dim) {
    const auto rank = static_cast<std::int64_t>(x.dimension());
    const std::int64_t lo = rank == 0 ? -1 : -rank, hi = rank == 0 ? 0 : rank - 1;
    if (dim < lo || dim > hi)
        raise_range({"softmax", "dim"}, "dim (", dim, ") is out of range for a tensor of rank ", rank, " (expected ", lo,
                    " to ", hi, ")");
    workspace ws("softmax");
    ws.plan("the output", floats_of(to_shape(x.shape())));
    tensor y = ws.take("the output", to_shape(x.shape()));
    if (x.size() == 0) return y;  // e.g. (2, 0, 3) along dim 1: no rows, and data() may be null
    // Rows of n values `inner` apart: outer · inner of them.
    const std::size_t axis = rank == 0 ? 0 : static_cast<std::size_t>(dim < 0 ? dim + rank : dim);
    std::size_t outer = 1, inner = 1;
    for (std::size_t i = 0; i < axis; ++i) outer *= x.shape()[i];
    for (std::size_t i = axis + 1; i < x.dimension(); ++i) inner *= x.shape()[i];
    const std::size_t n = rank == 0 ? 1 : x.shape()[axis];
    if (inner == 1) {
        nn::functional::softmax_rows(outer, n, x.data(), n, y.data(), n);
        return y;
    }
    tensor row = ws.take("a row", {n});  // one strided row at a time, gathered
    for (std::size_t o = 0; o < outer; ++o)
        for (std::size_t in = 0; in < inner; ++in) {
            const std::size_t base = o * n * inner + in;
            for (std::size_t j = 0; j < n; ++j) row(j) = x.data()[base + j * inner];
            nn::functional::softmax_rows(1, n, row.data(), n, row.data(), n);
            for (std::size_t j = 0; j < n; ++j) y.data()[base + j * inner] = row(j);
        }
    return y;
}

tensor sum_normalize(const tensor& x) {
    require_rank("sumNormalize", x, 1);
    tensor out = x;
    normalize_rows(out);
    return out;
}

tensor softmax_naive(const tensor& x) {
    require_rank("softmaxNaive", x, 1);
    tensor out = x;
    for (float& v : out) v = std::exp(v);
    normalize_rows(out);
    return out;
}

tensor tril_ones(std::size_t t) {
    // t·t may exceed the memory limit (or wrap size_t: 65536² is 0 in wasm32) before allocating.
    validate::fits("trilOnes", "the mask", static_cast<double>(t) * static_cast<double>(t));
    tensor m = make_tensor({t, t});
    for (std::size_t i = 0; i < t; ++i)
        for (std::size_t j = 0; j <= i; ++j) m(i, j) = 1.0f;
    return m;
}

tensor mask_and_renormalize(const tensor& weights) {
    require_rank("maskAndRenormalize", weights, 2);
    const std::size_t t = weights.shape().back();
    if (weights.shape()[weights.dimension() - 2] != t)
        raise_range({"maskAndRenormalize", "x"}, "weights must be square in the last two axes, got ",
                    shape_str(to_shape(weights.shape())));
    tensor out = weights;
    for (std::size_t z = 0; t && z < weights.size() / (t * t); ++z)
        for (std::size_t i = 0; i < t; ++i) {
            float* row = out.data() + (z * t + i) * t;
            for (std::size_t j = i + 1; j < t; ++j) row[j] = row[j] * 0.0f;  // weights * tril(ones)
        }
    normalize_rows(out);
    return out;
}

}  // namespace attn
