// Errors the core raises on bad arguments. The bindings turn `kind` into the JS error class
// (TypeError / RangeError) and pass `module` and `argument` on as fields of the JS error, so a
// caller can point at the offending field; every message starts with the module and names the
// argument and what was expected.
#pragma once

#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace attn {

enum class error_kind {
    type,   // wrong kind of value (JS TypeError), also use after free()
    range,  // right kind, wrong size or value (JS RangeError)
};

// Where an error is: the class or function (JS names: "MultiHeadAttention", "softmax") and the
// argument it concerns ("dOut", "x"), empty where there is none.
struct origin {
    std::string module;
    std::string argument;
};

class error : public std::runtime_error {
public:
    error(error_kind kind, origin where, const std::string& message)
        : std::runtime_error(message), kind_(kind), where_(std::move(where)) {}
    error_kind kind() const noexcept { return kind_; }
    const std::string& module() const noexcept { return where_.module; }
    const std::string& argument() const noexcept { return where_.argument; }

private:
    error_kind kind_;
    origin where_;
};

// Streams a double the way JavaScript prints it in messages: NaN, Infinity, -Infinity, 2.5, 3.
struct js_number {
    double value;
};
std::ostream& operator<<(std::ostream& out, js_number n);

// Builds the message "<module>: " followed by any streamable pieces:
// raise_range({"CausalAttention", "dropout"}, "dropout (", p, ") must be ...").
template <class... Parts>
[[noreturn]] void raise(error_kind kind, const origin& where, const Parts&... parts) {
    std::ostringstream out;
    out << where.module << ": ";
    (out << ... << parts);
    throw error(kind, where, out.str());
}

template <class... Parts>
[[noreturn]] void raise_range(const origin& where, const Parts&... parts) {
    raise(error_kind::range, where, parts...);
}

template <class... Parts>
[[noreturn]] void raise_type(const origin& where, const Parts&... parts) {
    raise(error_kind::type, where, parts...);
}

}  // namespace attn
