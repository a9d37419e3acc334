#include "attention/module.hpp"

#include <cmath>
#include <map>

#include "attention/validate.hpp"
#include "core/errors.hpp"
#include "reference/ops.hpp"

namespace attn {

const tensor* trace::find(const std::string& name) const {
    for (const auto& [key, value] : entries)
        if (key == name) return &value;
    return nullptr;
}

linear_layer::linear_layer(std::size_t in, std::size_t out, bool has_bias, generator& gen)
    : weight(make_tensor({out, in})) {
    // torch.nn.init.kaiming_uniform_(weight, a=math.sqrt(5)), computed in double as Python does.
    const double a = std::sqrt(5.0);
    const double gain = std::sqrt(2.0 / (1.0 + a * a));
    const double bound = std::sqrt(3.0) * (gain / std::sqrt(static_cast<double>(in)));
    gen.uniform_(weight.data(), weight.size(), -bound, bound);
    if (has_bias) {
        bias = make_tensor({out});
        const double bias_bound = in > 0 ? 1.0 / std::sqrt(static_cast<double>(in)) : 0.0;
        gen.uniform_(bias.data(), bias.size(), -bias_bound, bias_bound);
    }
}

tensor linear_layer::forward(const tensor& x) const { return ref::linear(x, weight, bias); }

void linear_layer::save(const std::string& prefix, state_dict& out) const {
    out.emplace_back(prefix + "weight", weight);
    if (has_bias()) out.emplace_back(prefix + "bias", bias);
}

void linear_layer::expose(const std::string& prefix, std::vector<std::pair<std::string, tensor*>>& out) {
    out.emplace_back(prefix + "weight", &weight);
    if (has_bias()) out.emplace_back(prefix + "bias", &bias);
}

void save_qkv(const linear_layer& q, const linear_layer& k, const linear_layer& v, const std::string& prefix,
              state_dict& out) {
    q.save(prefix + "W_query.", out);
    k.save(prefix + "W_key.", out);
    v.save(prefix + "W_value.", out);
}

void expose_qkv(linear_layer& q, linear_layer& k, linear_layer& v, const std::string& prefix,
                std::vector<std::pair<std::string, tensor*>>& out) {
    q.expose(prefix + "W_query.", out);
    k.expose(prefix + "W_key.", out);
    v.expose(prefix + "W_value.", out);
}

void module::load_state_dict(const state_dict& sd) {
    auto targets = parameters();
    std::map<std::string, const tensor*> given;
    for (const auto& [key, value] : sd) {
        if (given.count(key)) raise_range({class_name(), "stateDict"}, "loadStateDict key '", key, "' is given twice");
        given[key] = &value;
    }
    // Check everything first so a bad dict leaves the module as it was.
    for (const auto& [key, value] : given) {
        bool known = false;
        for (const auto& target : targets) known = known || target.first == key;
        if (known) continue;
        bool is_mask = false;
        for (const auto& mask_key : mask_keys()) is_mask = is_mask || mask_key == key;
        if (is_mask) {
            validate::mask_buffer(class_name(), *value, mask_size());
            continue;
        }
        // The keys it accepts: the parameters, then the optional mask buffers.
        std::string expected;
        for (const auto& target : targets) expected += (expected.empty() ? "" : ", ") + target.first;
        for (const auto& mask_key : mask_keys()) expected += (expected.empty() ? "" : ", ") + mask_key;
        if (expected.empty())
            raise_range({class_name(), "stateDict"}, "loadStateDict has unknown key '", key,
                        "' (it has no parameters: expected an empty state dict)");
        raise_range({class_name(), "stateDict"}, "loadStateDict has unknown key '", key, "' (expected ", expected, ")");
    }
    for (const auto& [key, target] : targets) {
        auto it = given.find(key);
        if (it == given.end()) raise_range({class_name(), "stateDict"}, "loadStateDict is missing key '", key, "'");
        const shape_t want = to_shape(target->shape());
        const shape_t got = to_shape(it->second->shape());
        if (want != got)
            raise_range({class_name(), "stateDict"}, "loadStateDict key '", key, "' has shape ", shape_str(got),
                        ", expected ", shape_str(want));
    }
    for (auto& [key, target] : targets) *target = *given[key];
    parameters_changed();
}

}  // namespace attn
