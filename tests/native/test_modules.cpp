// The seeded cases beyond the book (modules.json, large.json): construct under the seed, compare
// the state dict exactly, then the output and every trace entry.
#include <catch2/catch.hpp>

#include <memory>

#include "attention/causal_attention.hpp"
#include "attention/multi_head_attention.hpp"
#include "attention/self_attention.hpp"
#include "fixtures.hpp"

namespace {

std::unique_ptr<attn::module> make(const fixtures::json& c, attn::generator& gen) {
    const std::string cls = c["class"].str;
    const auto& a = c["args"];
    auto i = [&](const char* k) { return static_cast<std::int64_t>(a[k].num); };
    auto bias = [&]() { return a.has("qkv_bias") && a["qkv_bias"].b; };
    if (cls == "SelfAttention_v1") return std::make_unique<attn::self_attention_v1>(i("d_in"), i("d_out"), gen);
    if (cls == "SelfAttention_v2")
        return std::make_unique<attn::self_attention_v2>(i("d_in"), i("d_out"), bias(), gen);
    if (cls == "CausalAttention")
        return std::make_unique<attn::causal_attention>(i("d_in"), i("d_out"), i("context_length"),
                                                        a["dropout"].num, bias(), gen);
    if (cls == "MultiHeadAttentionWrapper")
        return std::make_unique<attn::multi_head_attention_wrapper>(
            i("d_in"), i("d_out"), i("context_length"), a["dropout"].num, i("num_heads"), bias(), gen);
    if (cls == "MultiHeadAttention")
        return std::make_unique<attn::multi_head_attention>(i("d_in"), i("d_out"), i("context_length"),
                                                            a["dropout"].num, i("num_heads"), bias(), gen);
    return nullptr;
}

// `run_trace` false: the output comes from the path without a trace (the fast one, when there is one).
void check_case(const fixtures::json& c, double abs_tol, double rel_tol, bool run_trace) {
    INFO("case " << c["name"].str);
    attn::generator gen;
    gen.manual_seed(fixtures::to_seed(c["seed"]));
    const attn::tensor input = fixtures::to_tensor(c["input"]);
    attn::trace tr;
    attn::tensor output;
    if (c["class"].str == "simplified") {
        output = attn::simplified_self_attention(input, run_trace ? &tr : nullptr);
    } else {
        auto m = make(c, gen);
        REQUIRE(m != nullptr);
        const auto& sd = c["state_dict"];
        const auto mine = m->get_state_dict();
        REQUIRE(mine.size() == sd.size());
        for (const auto& [key, value] : mine) {
            INFO("state dict key " << key);
            REQUIRE(sd.has(key));
            REQUIRE_EXACT(value, fixtures::to_tensor(sd[key]));
        }
        if (!c["training"].b) m->eval();
        output = m->forward(input, run_trace ? &tr : nullptr);
    }
    REQUIRE_CLOSE(output, fixtures::to_tensor(c["output"]), abs_tol, rel_tol);
    if (run_trace && c.has("trace")) {
        for (const auto& [name, value] : c["trace"].obj) {
            INFO("trace entry " << name);
            const attn::tensor* mine = tr.find(name);
            REQUIRE(mine != nullptr);
            REQUIRE_CLOSE(*mine, fixtures::to_tensor(value), abs_tol, rel_tol);
        }
    }
}

}  // namespace

TEST_CASE("seeded modules match PyTorch: state dict, output and trace", "[modules]") {
    const auto& cases = fixtures::load("modules.json")["cases"];
    REQUIRE(cases.size() >= 40);
    for (const auto& c : cases.arr) {
        DYNAMIC_SECTION(c["name"].str << " (traced)") { check_case(c, 1e-6, 1e-6, true); }
        DYNAMIC_SECTION(c["name"].str << " (untraced)") { check_case(c, 1e-6, 1e-6, false); }
    }
}

TEST_CASE("every class appears in the seeded cases at least five times", "[modules]") {
    std::map<std::string, int> count;
    for (const auto& c : fixtures::load("modules.json")["cases"].arr) ++count[c["class"].str];
    for (const char* cls : {"simplified", "SelfAttention_v1", "SelfAttention_v2", "CausalAttention",
                            "MultiHeadAttentionWrapper", "MultiHeadAttention"}) {
        INFO(cls);
        REQUIRE(count[cls] >= 5);
    }
}

TEST_CASE("large cases (T >= 256) match PyTorch within the large-case tolerance", "[modules][large]") {
    const auto& cases = fixtures::load("large.json")["cases"];
    for (const auto& c : cases.arr) {
        // API.md: 1e-4·max|expected| + 1e-4·|expected|
        const attn::tensor expected = fixtures::to_tensor(c["output"]);
        double max_abs = 0;
        for (float v : expected) max_abs = std::max(max_abs, static_cast<double>(std::fabs(v)));
        DYNAMIC_SECTION(c["name"].str) { check_case(c, 1e-4 * max_abs, 1e-4, c.has("trace")); }
    }
}

TEST_CASE("the book's modules trace the intermediates PyTorch computes", "[chapter][trace]") {
    const auto& t = fixtures::load("chapter.json");  // states and traces are top-level keys
    const attn::tensor batch = fixtures::to_tensor(t["tensors"]["batch"]);
    struct named { const char* trace_key; const char* state_key; std::unique_ptr<attn::module> (*make)(attn::generator&); };
    const named all[] = {
        {"ca_trace", "ca_state", [](attn::generator& g) -> std::unique_ptr<attn::module> {
             return std::make_unique<attn::causal_attention>(3, 2, 6, 0.0, false, g); }},
        {"mha_wrapper_trace", "mha_wrapper_state", [](attn::generator& g) -> std::unique_ptr<attn::module> {
             return std::make_unique<attn::multi_head_attention_wrapper>(3, 2, 6, 0.0, 2, false, g); }},
        {"mha_trace", "mha_state", [](attn::generator& g) -> std::unique_ptr<attn::module> {
             return std::make_unique<attn::multi_head_attention>(3, 2, 6, 0.0, 2, false, g); }},
    };
    for (const auto& n : all) {
        DYNAMIC_SECTION(n.trace_key) {
            attn::generator gen;
            gen.manual_seed(123);
            auto m = n.make(gen);
            for (const auto& [key, value] : m->get_state_dict())
                REQUIRE_EXACT(value, fixtures::to_tensor(t[n.state_key][key]));
            attn::trace tr;
            m->forward(batch, &tr);
            for (const auto& [name, value] : t[n.trace_key].obj) {
                INFO("trace entry " << name);
                REQUIRE(tr.find(name) != nullptr);
                REQUIRE_CLOSE(*tr.find(name), fixtures::to_tensor(value), 1e-6, 1e-6);
            }
        }
    }
}

TEST_CASE("softmax matches torch.softmax along every dim, -inf and large values included", "[softmax]") {
    for (const auto& c : fixtures::load("modules.json")["softmax"].arr) {
        const attn::tensor x = fixtures::to_tensor(c["input"]);
        REQUIRE_CLOSE(attn::softmax(x, static_cast<std::int64_t>(c["dim"].num)), fixtures::to_tensor(c["out"]),
                      1e-6, 1e-6);
    }
}
