// Tensor type and shape helpers shared by every layer of the core.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <xtensor/xarray.hpp>

namespace attn {

// float32, row-major, contiguous, any rank: the one tensor type of the core.
using tensor = xt::xarray<float, xt::layout_type::row_major>;
using shape_t = std::vector<std::size_t>;

// "(2, 6, 3)" — the form every error message and trace label uses.
std::string shape_str(const shape_t& shape);

template <class S>
shape_t to_shape(const S& s) {
    return shape_t(s.begin(), s.end());
}

// Number of elements of `shape`, refusing products that overflow `limit` (default: what a
// 32-bit wasm heap could ever address as floats). `what` names the caller in the message.
std::size_t checked_numel(const shape_t& shape, const std::string& what,
                          std::size_t limit = (std::size_t{1} << 30));

tensor make_tensor(const shape_t& shape, float fill = 0.0f);

// Token ids of any shape (int32, row-major), as nn.Embedding and the GPT model take them.
struct token_ids {
    shape_t shape;
    std::vector<std::int32_t> data;
};

}  // namespace attn
