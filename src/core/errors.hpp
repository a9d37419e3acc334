// Errors the core raises on bad arguments. The bindings turn `kind` into the JS error class
// (TypeError / RangeError), so every message names the class, the argument and what was expected.
#pragma once

#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace attn {

enum class error_kind {
    type,   // wrong kind of value (JS TypeError), also use after free()
    range,  // right kind, wrong size or value (JS RangeError)
};

class error : public std::runtime_error {
public:
    error(error_kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    error_kind kind() const noexcept { return kind_; }

private:
    error_kind kind_;
};

// Streams a double the way JavaScript prints it in messages: NaN, Infinity, -Infinity, 2.5, 3.
struct js_number {
    double value;
};
std::ostream& operator<<(std::ostream& out, js_number n);

// Builds a message from any streamable pieces: raise_range("CausalAttention: dropout (", p, ") ...").
template <class... Parts>
[[noreturn]] void raise(error_kind kind, const Parts&... parts) {
    std::ostringstream out;
    (out << ... << parts);
    throw error(kind, out.str());
}

template <class... Parts>
[[noreturn]] void raise_range(const Parts&... parts) {
    raise(error_kind::range, parts...);
}

template <class... Parts>
[[noreturn]] void raise_type(const Parts&... parts) {
    raise(error_kind::type, parts...);
}

}  // namespace attn
