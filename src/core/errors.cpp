#include "core/errors.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace attn {

// ECMAScript's Number::toString(10): the shortest digits that read back to the same double,
// in fixed notation for 1e-7 <= |x| < 1e21 ("60", "0.1", "123456789"), else exponential
// without padding ("1e+21", "1.5e-7"). (The former %g form printed 60 as "6e+01", and its
// std::stod threw std::out_of_range on denormals and on -1.8e308's 1-digit form.)
std::ostream& operator<<(std::ostream& out, js_number n) {
    const double v = n.value;
    if (std::isnan(v)) return out << "NaN";
    if (std::isinf(v)) return out << (v > 0 ? "Infinity" : "-Infinity");
    if (v == 0) return out << "0";  // -0 too, as JS prints it
    char buf[40];
    for (int digits = 1; digits <= 17; ++digits) {
        std::snprintf(buf, sizeof buf, "%.*e", digits - 1, v);
        if (std::strtod(buf, nullptr) == v) break;  // strtod: ERANGE on denormals is fine here
    }
    // buf: [-]d[.ddd]e(+|-)XX -> sign, digits without trailing zeros, decimal exponent.
    std::string s(buf);
    const bool negative = s[0] == '-';
    if (negative) s.erase(0, 1);
    const std::size_t e_at = s.find('e');
    std::string d = s.substr(0, e_at);
    if (d.size() > 1) d.erase(1, 1);  // drop the '.'
    while (d.size() > 1 && d.back() == '0') d.pop_back();
    const int k = static_cast<int>(d.size());
    const int point = std::atoi(s.c_str() + e_at + 1) + 1;  // value = 0.d × 10^point
    std::string r;
    if (k <= point && point <= 21) r = d + std::string(static_cast<std::size_t>(point - k), '0');
    else if (0 < point && point <= 21) r = d.substr(0, static_cast<std::size_t>(point)) + "." + d.substr(static_cast<std::size_t>(point));
    else if (-6 < point && point <= 0) r = "0." + std::string(static_cast<std::size_t>(-point), '0') + d;
    else {
        const int e = point - 1;
        r = d.substr(0, 1) + (k > 1 ? "." + d.substr(1) : "") + "e" + (e < 0 ? "-" : "+") + std::to_string(std::abs(e));
    }
    return out << (negative ? "-" : "") << r;
}

}  // namespace attn
