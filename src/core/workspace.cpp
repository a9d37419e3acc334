#include "core/workspace.hpp"

#include <cmath>

#include "core/errors.hpp"
#include "core/limits.hpp"
#include "core/validate.hpp"

namespace attn {

double floats_of(const shape_t& shape) {
    double n = 1;
    for (std::size_t d : shape) n *= static_cast<double>(d);
    return n;
}

void workspace::plan(const char* what, double floats) {
    validate::fits(owner_.c_str(), what, floats);  // the part alone
    const double total = planned_ + floats;
    if (total * 4.0 > static_cast<double>(memory_limit()))
        raise_range({owner_, ""}, what, " would need ", js_number{std::round(total * 4.0 / (1024.0 * 1024.0))},
                    " MiB with the rest of this call, more than the memory limit of ", memory_limit() / (1024 * 1024),
                    " MiB");
    planned_ = total;
}

tensor workspace::take(const char* what, const shape_t& shape) {
    validate::fits(owner_.c_str(), what, static_cast<double>(checked_numel(shape, owner_)));
    return tensor(shape);
}

}  // namespace attn
