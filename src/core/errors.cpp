#include "core/errors.hpp"

#include <cmath>
#include <iomanip>

namespace attn {

std::ostream& operator<<(std::ostream& out, js_number n) {
    if (std::isnan(n.value)) return out << "NaN";
    if (std::isinf(n.value)) return out << (n.value > 0 ? "Infinity" : "-Infinity");
    std::ostringstream s;
    s << std::setprecision(17) << n.value;
    // Prefer the shortest form that reads back to the same double (as JS does).
    for (int digits = 1; digits <= 17; ++digits) {
        std::ostringstream t;
        t << std::setprecision(digits) << n.value;
        if (std::stod(t.str()) == n.value) return out << t.str();
    }
    return out << s.str();
}

}  // namespace attn
