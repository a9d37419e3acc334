// The seeded cases beyond the book (modules.json, large.json): construct under the seed, compare
// the state dict exactly, then the output and every trace entry.
#include <catch2/catch.hpp>

#include <map>
#include <memory>

#include "api/class_table.hpp"
#include "attention/causal_attention.hpp"
#include "attention/chapter_steps.hpp"
#include "attention/multi_head_attention.hpp"
#include "attention/self_attention.hpp"
#include "checks.hpp"
#include "fixtures.hpp"
#include "nn/functional.hpp"

namespace {

namespace F = attn::nn::functional;

// The class-table entry for a fixture case's class (the book's name, e.g. "SelfAttention_v1").
const attn::api::class_spec* spec_of(const std::string& book_name) {
    for (const auto& spec : attn::api::class_table())
        if (book_name == spec.book_name) return &spec;
    return nullptr;
}

// Builds the case's module from the class table, its arguments read by the book's names.
std::unique_ptr<attn::nn::tensor_module> make(const fixtures::json& c, attn::generator& gen) {
    const auto* spec = spec_of(c["class"].str);
    REQUIRE(spec != nullptr);
    attn::api::arg_values values;
    for (const auto& list : {spec->args, spec->options})
        for (const auto& arg : list) {
            if (!c["args"].has(arg.book_name)) continue;
            const auto& v = c["args"][arg.book_name];
            if (arg.kind == attn::api::arg_kind::flag) values.flags[arg.name] = v.b;
            else values.numbers[arg.name] = v.num;
        }
    auto m = spec->make(values, gen);
    auto* tm = dynamic_cast<attn::nn::tensor_module*>(m.get());
    REQUIRE(tm != nullptr);
    m.release();
    return std::unique_ptr<attn::nn::tensor_module>(tm);
}

// `run_trace` false: the output comes from the forward without a trace (the fused kernel, when
// dropout draws nothing).
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
    for (const auto& c : fixtures::load("modules.json")["cases"].arr) {
        DYNAMIC_SECTION(c["name"].str << " (traced)") { check_case(c, 1e-6, 1e-6, true); }
        DYNAMIC_SECTION(c["name"].str << " (untraced)") { check_case(c, 1e-6, 1e-6, false); }
    }
}

TEST_CASE("seeded modules match PyTorch on the reference kernels too", "[modules][reference]") {
    // The same forwards with every layer on its reference twin (nn::functional's one switch).
    const F::path_scope reference(F::kernel_path::reference);
    for (const auto& c : fixtures::load("modules.json")["cases"].arr) {
        DYNAMIC_SECTION(c["name"].str << " (traced)") { check_case(c, 1e-6, 1e-6, true); }
        DYNAMIC_SECTION(c["name"].str << " (untraced)") { check_case(c, 1e-6, 1e-6, false); }
    }
}

TEST_CASE("every class of the class table is checked against PyTorch fixtures", "[modules]") {
    // The cases each fixture file holds per class (by JS name); a class added to the table
    // without PyTorch cases fails here.
    std::map<std::string, int> count;
    for (const auto& c : fixtures::load("modules.json")["cases"].arr)
        if (const auto* spec = spec_of(c["class"].str)) ++count[spec->name];
    for (const auto& seq : fixtures::load("generator.json")["sequences"].arr)
        for (const auto& op : seq["ops"].arr) count["Dropout"] += op["op"].str.rfind("dropout", 0) == 0;
    count["Embedding"] += static_cast<int>(fixtures::load("ch02.json")["embedding"].size());
    const auto& ch04 = fixtures::load("ch04.json");
    count["LayerNorm"] += static_cast<int>(ch04["layernorm"].size());
    count["GELU"] += static_cast<int>(ch04["gelu"].size());
    for (const char* group : {"feedforward", "transformer_block"})
        for (const auto& c : ch04[group].arr) ++count[c["class"].str];
    count["GPTModel"] += static_cast<int>(ch04["gpt"].size());
    for (const auto& spec : attn::api::class_table()) {
        INFO(spec.name << " (the book's " << spec.book_name << ")");
        CHECK(count[spec.name] >= 3);
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
    struct named { const char* trace_key; const char* state_key; std::unique_ptr<attn::nn::tensor_module> (*make)(attn::generator&); };
    const named all[] = {
        {"ca_trace", "ca_state", [](attn::generator& g) -> std::unique_ptr<attn::nn::tensor_module> {
             return std::make_unique<attn::causal_attention>(3, 2, 6, 0.0, false, g); }},
        {"mha_wrapper_trace", "mha_wrapper_state", [](attn::generator& g) -> std::unique_ptr<attn::nn::tensor_module> {
             return std::make_unique<attn::multi_head_attention_wrapper>(3, 2, 6, 0.0, 2, false, g); }},
        {"mha_trace", "mha_state", [](attn::generator& g) -> std::unique_ptr<attn::nn::tensor_module> {
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

TEST_CASE("every class accepts T = 0 and B = 0, traced or not, in training or eval mode", "[modules]") {
    attn::generator g;
    g.manual_seed(5);
    attn::self_attention_v1 v1(3, 4, g);
    attn::self_attention_v2 v2(3, 4, true, g);
    attn::causal_attention ca(3, 4, 6, 0.5, false, g);
    attn::multi_head_attention_wrapper w(3, 4, 6, 0.5, 2, false, g);
    attn::multi_head_attention mha(3, 4, 6, 0.5, 2, false, g);
    for (bool training : {true, false})
        for (bool traced : {false, true}) {
            INFO("training " << training << ", traced " << traced);
            for (attn::nn::tensor_module* m : std::initializer_list<attn::nn::tensor_module*>{&v1, &v2, &ca, &w, &mha}) m->train(training);
            attn::trace tr;
            attn::trace* t = traced ? &tr : nullptr;
            REQUIRE(checks::shape_of(v1.forward(attn::tensor(attn::shape_t{0, 3}), t)) == attn::shape_t{0, 4});
            REQUIRE(checks::shape_of(v2.forward(attn::tensor(attn::shape_t{0, 3}), t)) == attn::shape_t{0, 4});
            REQUIRE(checks::shape_of(ca.forward(attn::tensor(attn::shape_t{0, 3}), t)) == attn::shape_t{0, 4});
            REQUIRE(checks::shape_of(ca.forward(attn::tensor(attn::shape_t{2, 0, 3}), t)) == attn::shape_t{2, 0, 4});
            REQUIRE(checks::shape_of(ca.forward(attn::tensor(attn::shape_t{0, 5, 3}), t)) == attn::shape_t{0, 5, 4});
            REQUIRE(checks::shape_of(w.forward(attn::tensor(attn::shape_t{0, 3}), t)) == attn::shape_t{0, 8});
            REQUIRE(checks::shape_of(w.forward(attn::tensor(attn::shape_t{2, 0, 3}), t)) == attn::shape_t{2, 0, 8});
            REQUIRE(checks::shape_of(w.forward(attn::tensor(attn::shape_t{0, 5, 3}), t)) == attn::shape_t{0, 5, 8});
            REQUIRE(checks::shape_of(mha.forward(attn::tensor(attn::shape_t{0, 3}), t)) == attn::shape_t{0, 4});
            REQUIRE(checks::shape_of(mha.forward(attn::tensor(attn::shape_t{2, 0, 3}), t)) == attn::shape_t{2, 0, 4});
            REQUIRE(checks::shape_of(mha.forward(attn::tensor(attn::shape_t{0, 5, 3}), t)) == attn::shape_t{0, 5, 4});
        }
}
