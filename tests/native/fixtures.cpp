#include "fixtures.hpp"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <stdexcept>

namespace fixtures {

namespace {

struct parser {
    const std::string& s;
    std::size_t i = 0;

    [[noreturn]] void fail(const std::string& what) {
        throw std::runtime_error("fixture JSON: " + what + " at offset " + std::to_string(i));
    }
    void ws() {
        while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    }
    bool eat(char c) {
        ws();
        if (i < s.size() && s[i] == c) {
            ++i;
            return true;
        }
        return false;
    }
    void expect(char c) {
        if (!eat(c)) fail(std::string("expected '") + c + "'");
    }
    std::string string() {
        expect('"');
        std::string out;
        while (i < s.size() && s[i] != '"') {
            char c = s[i++];
            if (c == '\\') {
                char e = s[i++];
                switch (e) {
                    case 'n': out += '\n'; break;
                    case 't': out += '\t'; break;
                    case 'u': {  // fixtures are ASCII; keep \u00xx
                        out += static_cast<char>(std::strtol(s.substr(i, 4).c_str(), nullptr, 16));
                        i += 4;
                        break;
                    }
                    default: out += e;
                }
            } else {
                out += c;
            }
        }
        expect('"');
        return out;
    }
    json value() {
        ws();
        json v;
        if (i >= s.size()) fail("unexpected end");
        char c = s[i];
        if (c == '{') {
            ++i;
            v.type = json::kind::object;
            if (eat('}')) return v;
            do {
                ws();
                std::string key = string();
                expect(':');
                v.obj.emplace_back(std::move(key), value());
            } while (eat(','));
            expect('}');
        } else if (c == '[') {
            ++i;
            v.type = json::kind::array;
            if (eat(']')) return v;
            do v.arr.push_back(value());
            while (eat(','));
            expect(']');
        } else if (c == '"') {
            v.type = json::kind::string;
            v.str = string();
        } else if (s.compare(i, 4, "true") == 0) {
            i += 4;
            v.type = json::kind::boolean;
            v.b = true;
        } else if (s.compare(i, 5, "false") == 0) {
            i += 5;
            v.type = json::kind::boolean;
        } else if (s.compare(i, 4, "null") == 0) {
            i += 4;
        } else {
            char* end = nullptr;
            v.type = json::kind::number;
            v.num = std::strtod(s.c_str() + i, &end);
            if (end == s.c_str() + i) fail("bad value");
            i = static_cast<std::size_t>(end - s.c_str());
        }
        return v;
    }
};

double to_number(const json& v) {
    if (v.type == json::kind::number) return v.num;
    if (v.type == json::kind::string) {
        if (v.str == "Infinity") return std::numeric_limits<double>::infinity();
        if (v.str == "-Infinity") return -std::numeric_limits<double>::infinity();
        if (v.str == "NaN") return std::numeric_limits<double>::quiet_NaN();
    }
    throw std::runtime_error("fixture: not a number");
}

}  // namespace

const json& json::operator[](const std::string& key) const {
    for (const auto& [k, v] : obj)
        if (k == key) return v;
    throw std::runtime_error("fixture: missing key '" + key + "'");
}

bool json::has(const std::string& key) const {
    for (const auto& kv : obj)
        if (kv.first == key) return true;
    return false;
}

json parse(const std::string& text) {
    parser p{text};
    json v = p.value();
    p.ws();
    if (p.i != text.size()) p.fail("trailing characters");
    return v;
}

const json& load(const std::string& name) {
    static std::map<std::string, std::unique_ptr<json>> cache;
    auto it = cache.find(name);
    if (it != cache.end()) return *it->second;
    const std::string path = std::string(ATTN_FIXTURES_DIR) + "/" + name;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("fixture " + path + " is missing; regenerate it with its tests/fixtures script");
    std::stringstream buf;
    buf << in.rdbuf();
    auto doc = std::make_unique<json>(parse(buf.str()));
    const std::string regenerate =
        "regenerate with: " + (doc->has("generated_by") ? (*doc)["generated_by"].str : std::string("its script"));
    const int got = doc->has("version") ? static_cast<int>((*doc)["version"].num) : -1;
    if (got != version)
        throw std::runtime_error("fixture " + path + " has version " + std::to_string(got) + ", the tests expect " +
                                 std::to_string(version) + "; " + regenerate);
    return *cache.emplace(name, std::move(doc)).first->second;
}

attn::shape_t to_shape(const json& arr) {
    attn::shape_t s;
    for (const auto& d : arr.arr) s.push_back(static_cast<std::size_t>(d.num));
    return s;
}

attn::tensor to_tensor(const json& t) {
    attn::tensor out(to_shape(t["shape"]));
    const auto& data = t["data"].arr;
    if (data.size() != out.size()) throw std::runtime_error("fixture: tensor data does not match its shape");
    for (std::size_t i = 0; i < data.size(); ++i) out.data()[i] = static_cast<float>(to_number(data[i]));
    return out;
}

attn::token_ids to_ids(const json& t) {
    attn::token_ids out{to_shape(t["shape"]), {}};
    for (const auto& v : t["data"].arr) out.data.push_back(static_cast<std::int32_t>(v.num));
    return out;
}

std::uint64_t to_seed(const json& decimal) {
    const std::string& s = decimal.str;
    if (!s.empty() && s[0] == '-') return static_cast<std::uint64_t>(std::stoll(s));
    return std::stoull(s);
}

comparison compare(const attn::tensor& actual, const attn::tensor& expected, double abs_tol, double rel_tol) {
    if (attn::to_shape(actual.shape()) != attn::to_shape(expected.shape())) {
        comparison c;
        c.ok = false;
        c.detail = "shape " + attn::shape_str(attn::to_shape(actual.shape())) + " != expected " +
                   attn::shape_str(attn::to_shape(expected.shape()));
        return c;
    }
    const int n = static_cast<int>(expected.size());
    const float* want = expected.data();
    return compare_block(1, n, actual.data(), n, want, n, abs_tol, rel_tol,
                         [&](int, int j) { return std::fabs(static_cast<double>(want[j])); });
}

comparison compare_exact(const attn::tensor& actual, const attn::tensor& expected) {
    return compare(actual, expected, 0.0, 0.0);
}

}  // namespace fixtures
