// Chapters 2, 4 and 5 against PyTorch (ch02.json, ch04.json, ch05.json, written by the
// make_fixtures_ch0*.py scripts): nn.Embedding, LayerNorm, GELU, FeedForward, TransformerBlock and
// GPTModel (seeded state dicts exactly, outputs and traces in training and eval mode), greedy and
// cached generation, the KV cache call by call, torch.multinomial's draws and the book's generate.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <memory>

#include "checks.hpp"
#include "fixtures.hpp"
#include "gpt/generation.hpp"
#include "gpt/gpt_model.hpp"
#include "nn/embedding.hpp"
#include "nn/functional.hpp"

namespace {

namespace F = attn::nn::functional;
constexpr double small_abs = 1e-6, small_rel = 1e-6;  // API.md, small cases

attn::gpt::config config_of(const fixtures::json& c) {
    return {c["vocab_size"].num, c["context_length"].num, c["emb_dim"].num, c["n_heads"].num,
            c["n_layers"].num,   c["drop_rate"].num,      c["qkv_bias"].b};
}

// API.md's whole-model tolerance: 2e-4·max|expected| + 2e-4·|expected|.
double model_abs_tol(const attn::tensor& expected) {
    double m = 0;
    for (float v : expected) m = std::max(m, static_cast<double>(std::fabs(v)));
    return 2e-4 * m;
}

void require_state(const attn::nn::module& m, const fixtures::json& sd) {
    const auto mine = m.get_state_dict();
    REQUIRE(mine.size() == sd.size());
    for (const auto& [key, value] : mine) {
        INFO("state dict key " << key);
        REQUIRE(sd.has(key));
        REQUIRE_EXACT(value, fixtures::to_tensor(sd[key]));
    }
}

const fixtures::json& model_named(const std::string& name) {
    for (const auto& m : fixtures::load("ch04.json")["gpt_models"].arr)
        if (m["name"].str == name) return m;
    FAIL("no gpt_models entry " << name);
    throw;
}

// manual_seed(seed); GPTModel(cfg) from the named fixture model.
std::unique_ptr<attn::gpt::gpt_model> build(const fixtures::json& model, attn::generator& gen) {
    gen.manual_seed(fixtures::to_seed(model["seed"]));
    return std::make_unique<attn::gpt::gpt_model>(config_of(model["cfg"]), gen);
}

attn::tensor logits(attn::gpt::gpt_model& m, const attn::token_ids& ids, bool use_cache = false,
                    attn::trace* tr = nullptr) {
    attn::nn::token_options o;
    o.use_cache = use_cache;
    o.trace_all = tr != nullptr;
    return m.forward(ids, o, tr);
}

void require_ids(const attn::token_ids& got, const fixtures::json& want) {
    const attn::token_ids w = fixtures::to_ids(want);
    REQUIRE(got.shape == w.shape);
    REQUIRE(got.data == w.data);
}

}  // namespace

TEST_CASE("nn.Embedding draws PyTorch's weights and looks up ids of any rank", "[gpt][embedding]") {
    for (const auto& c : fixtures::load("ch02.json")["embedding"].arr) {
        INFO("case " << c["name"].str);
        attn::generator gen;
        gen.manual_seed(fixtures::to_seed(c["seed"]));
        std::vector<std::unique_ptr<attn::nn::embedding>> layers;
        for (const auto& l : c["layers"].arr) {
            layers.push_back(std::make_unique<attn::nn::embedding>(l["num_embeddings"].num, l["embedding_dim"].num, gen));
            REQUIRE_EXACT(layers.back()->weight.get(), fixtures::to_tensor(l["weight"]));
        }
        for (const auto& lookup : c["lookups"].arr)
            REQUIRE_EXACT(layers.at(static_cast<std::size_t>(lookup["layer"].num))->forward(fixtures::to_ids(lookup["ids"]), {}, nullptr),
                          fixtures::to_tensor(lookup["output"]));
    }
}

TEST_CASE("LayerNorm and GELU match the book's PyTorch modules, special values included", "[gpt][layernorm][gelu]") {
    for (auto path : {F::kernel_path::fast, F::kernel_path::reference}) {
        const F::path_scope scope(path);
        for (const auto& c : fixtures::load("ch04.json")["layernorm"].arr) {
            INFO("LayerNorm case " << c["name"].str << (path == F::kernel_path::fast ? " (fast)" : " (reference)"));
            attn::nn::layer_norm ln(c["emb_dim"].num);
            if (!c["state_dict"].is_null())
                ln.load_state_dict({{"scale", fixtures::to_tensor(c["state_dict"]["scale"])},
                                    {"shift", fixtures::to_tensor(c["state_dict"]["shift"])}});
            REQUIRE_CLOSE(ln.forward(fixtures::to_tensor(c["input"])), fixtures::to_tensor(c["output"]), 1e-5, 1e-5);
        }
        for (const auto& c : fixtures::load("ch04.json")["gelu"].arr) {
            INFO("GELU case " << c["name"].str << (path == F::kernel_path::fast ? " (fast)" : " (reference)"));
            attn::nn::gelu g;
            REQUIRE_CLOSE(g.forward(fixtures::to_tensor(c["input"])), fixtures::to_tensor(c["output"]), small_abs,
                          small_rel);
        }
    }
}

TEST_CASE("FeedForward and TransformerBlock match PyTorch: seeded weights, training-mode dropout, eval", "[gpt][block]") {
    const auto& doc = fixtures::load("ch04.json");
    for (const char* group : {"feedforward", "transformer_block"})
        for (const auto& c : doc[group].arr) {
            INFO("case " << c["name"].str);
            attn::generator gen;
            gen.manual_seed(fixtures::to_seed(c["seed"]));
            std::unique_ptr<attn::nn::tensor_module> m;
            if (c["class"].str == "FeedForward") m = std::make_unique<attn::gpt::feed_forward>(config_of(c["cfg"]), gen);
            else m = std::make_unique<attn::gpt::transformer_block>(config_of(c["cfg"]), gen);
            require_state(*m, c["state_dict"]);
            if (!c["training"].b) m->eval();
            const attn::tensor want = fixtures::to_tensor(c["output"]);
            REQUIRE_CLOSE(m->forward(fixtures::to_tensor(c["input"])), want, 1e-5, 1e-5);
        }
}

TEST_CASE("GPTModel's seeded state dict is PyTorch's, key for key", "[gpt][model]") {
    for (const auto& model : fixtures::load("ch04.json")["gpt_models"].arr) {
        INFO("model " << model["name"].str);
        attn::generator gen;
        auto m = build(model, gen);
        require_state(*m, model["state_dict"]);
    }
}

TEST_CASE("GPTModel's logits and per-block attention traces match PyTorch, in training and eval mode", "[gpt][model]") {
    for (auto path : {F::kernel_path::fast, F::kernel_path::reference}) {
        const F::path_scope scope(path);
        for (const auto& c : fixtures::load("ch04.json")["gpt"].arr) {
            INFO("case " << c["name"].str << (path == F::kernel_path::fast ? " (fast)" : " (reference)"));
            attn::generator gen;
            auto m = build(model_named(c["model"].str), gen);
            if (!c["training"].b) m->eval();
            const attn::tensor want = fixtures::to_tensor(c["logits"]);
            attn::trace tr;
            const attn::tensor got = logits(*m, fixtures::to_ids(c["ids"]), false, c.has("trace") ? &tr : nullptr);
            REQUIRE_CLOSE(got, want, model_abs_tol(want), 2e-4);
            if (!c.has("trace")) continue;
            const auto& layers = c["trace"]["layers"].arr;
            REQUIRE(tr.layers.size() == layers.size());
            for (std::size_t i = 0; i < layers.size(); ++i)
                for (const auto& [name, value] : layers[i].obj) {
                    INFO("layer " << i << " trace entry " << name);
                    const attn::tensor* mine = tr.layers[i]->find(name);
                    REQUIRE(mine != nullptr);
                    if (name == "dropoutMask") REQUIRE_EXACT(*mine, fixtures::to_tensor(value));
                    else REQUIRE_CLOSE(*mine, fixtures::to_tensor(value), 1e-5, 1e-5);
                }
        }
    }
}

TEST_CASE("the KV cache gives PyTorch's logits call by call: chunks, single tokens, uncached calls, resets", "[gpt][cache]") {
    for (const auto& c : fixtures::load("ch04.json")["kv_cache"].arr) {
        INFO("case " << c["name"].str);
        attn::generator gen;
        auto m = build(model_named(c["model"].str), gen);
        m->eval();
        std::size_t n = 0;
        for (const auto& call : c["calls"].arr) {
            INFO("call " << n++);
            if (call["op"].str == "reset") {
                m->reset_kv_cache();
                continue;
            }
            const attn::tensor want = fixtures::to_tensor(call["logits"]);
            REQUIRE_CLOSE(logits(*m, fixtures::to_ids(call["ids"]), call["use_cache"].b), want, model_abs_tol(want), 2e-4);
        }
    }
}

TEST_CASE("a cache past context_length and a batch other than the cached one are RangeErrors", "[gpt][cache]") {
    attn::generator gen;
    auto m = build(model_named("small_seed123"), gen);
    m->eval();
    const std::size_t ctx = m->cfg().context_length;
    attn::token_ids prompt{{2, ctx - 1}, std::vector<std::int32_t>(2 * (ctx - 1), 3)};
    logits(*m, prompt, true);
    const attn::token_ids two{{2, 2}, {1, 2, 3, 4}};
    REQUIRE_THAT(checks::range_error([&] { logits(*m, two, true); }),
                 Catch::Matchers::StartsWith("GPTModel: the KV cache holds context_length (12) tokens: 11 cached and 2 new"));
    const attn::token_ids other{{1, 1}, {5}};
    REQUIRE_THAT(checks::range_error([&] { logits(*m, other, true); }), Catch::Matchers::Contains("reset"));
    REQUIRE(m->cached_tokens() == ctx - 1);  // refused calls leave the cache as it was
    m->reset_kv_cache();
    REQUIRE(logits(*m, other, true).shape()[0] == 1);
}

TEST_CASE("generate_text_simple and its cached twin give PyTorch's tokens", "[gpt][generate]") {
    const auto& doc = fixtures::load("ch04.json");
    for (const auto& c : doc["generate_simple"].arr) {
        INFO("case " << c["name"].str);
        attn::generator gen;
        auto m = build(model_named(c["model"].str), gen);
        m->eval();
        require_ids(attn::gpt::generate_text_simple(*m, fixtures::to_ids(c["ids"]),
                                                    static_cast<std::size_t>(c["max_new_tokens"].num),
                                                    static_cast<std::size_t>(c["context_size"].num)),
                    c["out"]);
    }
    for (const auto& c : doc["generate_cached"].arr) {
        INFO("case " << c["name"].str);
        attn::generator gen;
        auto m = build(model_named(c["model"].str), gen);
        std::optional<std::size_t> ctx;
        if (!c["context_size"].is_null()) ctx = static_cast<std::size_t>(c["context_size"].num);
        require_ids(attn::gpt::generate_text_simple_cached(*m, fixtures::to_ids(c["ids"]),
                                                           static_cast<std::size_t>(c["max_new_tokens"].num), ctx),
                    c["out"]);
    }
}

TEST_CASE("exponential_ and torch.multinomial draw what torch 1.13 draws", "[gpt][sampling]") {
    const auto& doc = fixtures::load("ch05.json");
    for (const auto& c : doc["exponential"].arr) {
        attn::generator gen;
        gen.manual_seed(fixtures::to_seed(c["seed"]));
        attn::tensor q(fixtures::to_shape(c["shape"]));
        gen.exponential_(q.data(), q.size());
        REQUIRE_CLOSE(q, fixtures::to_tensor(c["out"]), 0, 1e-6);  // one double log, rounded to float
    }
    for (const auto& c : doc["multinomial"].arr) {
        INFO("case " << c["name"].str);
        attn::generator gen;
        gen.manual_seed(fixtures::to_seed(c["seed"]));
        attn::tensor probs = fixtures::to_tensor(c["probs"]);
        if (probs.dimension() == 1) probs.reshape({1, probs.size()});
        const attn::token_ids want = fixtures::to_ids(c["out"]);  // (draws, 1) or (draws, B, 1)
        std::vector<std::int32_t> got;
        for (std::size_t d = 0; d < static_cast<std::size_t>(c["draws"].num); ++d)
            for (std::int32_t id : attn::gpt::multinomial(probs, gen)) got.push_back(id);
        REQUIRE(got == want.data);
    }
}

TEST_CASE("the book's generate gives PyTorch's tokens: temperature, top-k, eos, batches", "[gpt][generate]") {
    for (const auto& c : fixtures::load("ch05.json")["generate"].arr) {
        INFO("case " << c["name"].str);
        attn::generator gen;
        gen.manual_seed(fixtures::to_seed(c["seed"]));
        attn::gpt::gpt_model m(config_of(c["cfg"]), gen);
        m.eval();
        gen.manual_seed(fixtures::to_seed(c["sample_seed"]));
        attn::gpt::sampling s;
        s.temperature = c["temperature"].num;
        if (!c["top_k"].is_null()) s.top_k = static_cast<std::size_t>(c["top_k"].num);
        if (!c["eos_id"].is_null()) s.eos_id = static_cast<std::int32_t>(c["eos_id"].num);
        require_ids(attn::gpt::generate(m, fixtures::to_ids(c["ids"]), static_cast<std::size_t>(c["max_new_tokens"].num),
                                        static_cast<std::size_t>(c["context_size"].num), s, gen),
                    c["out"]);
    }
}
