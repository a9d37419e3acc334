#include "nn/module.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/errors.hpp"
#include "core/validate.hpp"

namespace attn {

const tensor* trace::find(const std::string& name) const {
    for (const auto& [key, value] : entries)
        if (key == name) return &value;
    return nullptr;
}

void trace::squeeze(std::initializer_list<std::size_t> drop) {
    for (auto& entry : entries) {
        tensor& t = entry.second;
        shape_t kept;
        for (std::size_t i = 0; i < t.dimension(); ++i) {
            bool dropped = false;
            for (std::size_t d : drop) dropped = dropped || d == i;
            if (!dropped) kept.push_back(t.shape()[i]);
        }
        t.reshape(kept);
    }
}

namespace nn {

// ---- parameters -----------------------------------------------------------------------------

weights_check::weights_check(const char* cls, double floats) { validate::fits(cls, "the weights", floats); }

// ---- packed_matrix --------------------------------------------------------------------------

packed_matrix::packed_matrix(std::size_t out, std::size_t in, bool transposed) : transposed_(transposed) {
    packed.n = static_cast<int>(out);
    packed.k = static_cast<int>(in);
    packed.panels.assign(out * in, 0.0f);
}

shape_t packed_matrix::shape() const {
    const auto out = static_cast<std::size_t>(packed.n), in = static_cast<std::size_t>(packed.k);
    return transposed_ ? shape_t{in, out} : shape_t{out, in};
}

void packed_matrix::set_row(std::size_t r, const float* row) {
    const int k = packed.k, n = packed.n, i = static_cast<int>(r);
    if (transposed_) {  // row r of W (in, out) is input feature r of every output column
        for (int j = 0; j < n; ++j) packed.panels[packed.offset(j, i)] = row[j];
    } else {  // row r of W (out, in) is output column r
        for (int kk = 0; kk < k; ++kk) packed.panels[packed.offset(i, kk)] = row[kk];
    }
}

void packed_matrix::set_input_row(std::size_t i, const float* values) {
    if (transposed_) return set_row(i, values);  // its PyTorch rows are the input features
    for (int j = 0; j < packed.n; ++j) packed.panels[packed.offset(j, static_cast<int>(i))] = values[j];
}

tensor packed_matrix::get() const {
    const shape_t s = shape();
    tensor out(s);
    for (std::size_t r = 0; r < s[0]; ++r)
        for (std::size_t c = 0; c < s[1]; ++c)
            out(r, c) = transposed_ ? packed.at(static_cast<int>(c), static_cast<int>(r))
                                    : packed.at(static_cast<int>(r), static_cast<int>(c));
    return out;
}

void packed_matrix::set(const tensor& v) {
    const shape_t s = shape();
    for (std::size_t r = 0; r < s[0]; ++r) set_row(r, v.data() + r * s[1]);
}

// ---- module ---------------------------------------------------------------------------------

void module::register_parameter(std::string name, parameter& p) { params_.emplace_back(std::move(name), &p); }
void module::register_module(std::string name, module& child) { children_.emplace_back(std::move(name), &child); }
void module::register_mask(std::string name, std::size_t n) { masks_.emplace_back(std::move(name), n); }

// Visits (key, parameter*) then (key, mask size) for this module, then each child's, in
// PyTorch's state-dict order (own parameters, own buffers, children).
template <class Visit>
void module::walk(const std::string& prefix, Visit&& visit) const {
    for (const auto& [name, p] : params_) visit(prefix + name, p, std::size_t{0});
    for (const auto& [name, n] : masks_) visit(prefix + name, static_cast<parameter*>(nullptr), n);
    for (const auto& [name, child] : children_) child->walk(prefix + name + ".", visit);
}

std::vector<std::pair<std::string, parameter*>> module::named_parameters() {
    std::vector<std::pair<std::string, parameter*>> out;
    walk("", [&](const std::string& key, parameter* p, std::size_t) {
        if (p) out.emplace_back(key, p);
    });
    return out;
}

std::vector<std::pair<std::string, const parameter*>> module::named_parameters() const {
    std::vector<std::pair<std::string, const parameter*>> out;
    walk("", [&](const std::string& key, const parameter* p, std::size_t) {
        if (p) out.emplace_back(key, p);
    });
    return out;
}

std::size_t module::parameter_bytes() const {
    std::size_t bytes = 0;
    for (const auto& [key, p] : named_parameters()) bytes += p->bytes();
    return bytes;
}

state_dict module::get_state_dict() const {
    state_dict sd;
    for (const auto& [key, p] : named_parameters()) sd.emplace_back(key, p->get());
    return sd;
}

void module::train(bool mode) {
    training_ = mode;
    for (auto& [name, child] : children_) child->train(mode);
}

namespace {

// "a, b, c" for a few keys, "a, b, ... (150 keys in all)" beyond that.
std::string key_list(const std::vector<std::string>& keys) {
    constexpr std::size_t shown = 12;
    std::string out;
    for (std::size_t i = 0; i < keys.size() && i < shown; ++i) out += (i ? ", " : "") + keys[i];
    if (keys.size() > shown) out += ", ... (" + std::to_string(keys.size()) + " keys in all)";
    return out;
}

}  // namespace

load_result module::load_state_dict(const std::vector<state_entry>& sd, bool strict) {
    const char* cls = class_name();
    std::vector<std::pair<std::string, parameter*>> targets;
    std::vector<std::pair<std::string, std::size_t>> masks;
    std::vector<std::string> expected;  // every key it accepts, for messages
    walk("", [&](const std::string& key, parameter* p, std::size_t n) {
        if (p) targets.emplace_back(key, p);
        else masks.emplace_back(key, n);
    });
    for (const auto& [key, p] : targets) expected.push_back(key);
    for (const auto& [key, n] : masks) expected.push_back(key);

    std::map<std::string, const state_entry*> given;
    load_result result;
    for (const auto& entry : sd) {
        if (given.count(entry.key)) raise_range({cls, "stateDict"}, "loadStateDict key '", entry.key, "' is given twice");
        given[entry.key] = &entry;
    }
    // Check everything first so a refused dict leaves the module as it was (a parameter by its
    // shape; a mask buffer, which is small, by its values).
    for (const auto& entry : sd) {
        const std::string& key = entry.key;
        bool known = false;
        for (const auto& target : targets) known = known || target.first == key;
        if (known) continue;
        if (auto m = std::find_if(masks.begin(), masks.end(), [&](const auto& mask) { return mask.first == key; });
            m != masks.end()) {
            validate::mask_buffer(cls, key, entry.values(), m->second);
            continue;
        }
        if (!strict) {
            result.unexpected_keys.push_back(key);
            continue;
        }
        if (expected.empty())
            raise_range({cls, "stateDict"}, "loadStateDict has unknown key '", key,
                        "' (it has no parameters: expected an empty state dict)");
        raise_range({cls, "stateDict"}, "loadStateDict has unknown key '", key, "' (expected ", key_list(expected), ")");
    }
    for (const auto& [key, target] : targets) {
        auto it = given.find(key);
        if (it == given.end()) {
            if (strict) raise_range({cls, "stateDict"}, "loadStateDict is missing key '", key, "'");
            result.missing_keys.push_back(key);
            continue;
        }
        const shape_t want = target->shape();
        const shape_t& got = it->second->shape;
        if (want != got)
            raise_range({cls, "stateDict"}, "loadStateDict key '", key, "' has shape ", shape_str(got), ", expected ",
                        shape_str(want));
    }
    for (auto& [key, target] : targets)
        if (auto it = given.find(key); it != given.end()) target->set(it->second->values());
    return result;
}

load_result module::load_state_dict(const state_dict& sd, bool strict) {
    std::vector<state_entry> entries;
    for (const auto& [key, value] : sd) entries.push_back({key, to_shape(value.shape()), [&v = value] { return v; }});
    return load_state_dict(entries, strict);
}

}  // namespace nn
}  // namespace attn
