#include "core/tensor.hpp"

#include <limits>

#include "core/errors.hpp"

namespace attn {

std::string shape_str(const shape_t& shape) {
    std::string out = "(";
    for (std::size_t i = 0; i < shape.size(); ++i) {
        if (i) out += ", ";
        out += std::to_string(shape[i]);
    }
    if (shape.size() == 1) out += ",";
    return out + ")";
}

std::size_t checked_numel(const shape_t& shape, const std::string& what, std::size_t limit) {
    for (std::size_t d : shape)
        if (d == 0) return 0;  // empty, however large the other axes
    std::size_t n = 1;
    for (std::size_t d : shape) {
        if (d != 0 && n > limit / d) {
            raise_range({what, "shape"}, "shape ", shape_str(shape), " has more than ", limit,
                        " elements, beyond what the wasm memory can hold");
        }
        n *= d;
    }
    return n;
}

tensor make_tensor(const shape_t& shape, float fill) {
    tensor t(shape);
    t.fill(fill);
    return t;
}

}  // namespace attn
