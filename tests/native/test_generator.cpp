// The generator against PyTorch 1.13's default CPU generator: every op of every sequence in
// generator.json, replayed in order so state carried between ops (e.g. the cached normal) counts.
#include <catch2/catch.hpp>

#include "attention/module.hpp"
#include "core/generator.hpp"
#include "fixtures.hpp"
#include "reference/ops.hpp"

namespace {

void replay(const fixtures::json& seq) {
    attn::generator gen;
    gen.manual_seed(fixtures::to_seed(seq["seed"]));
    for (std::size_t i = 0; i < seq["ops"].size(); ++i) {
        const auto& op = seq["ops"][i];
        const std::string kind = op["op"].str;
        INFO("sequence " << seq["name"].str << ", op " << i << " (" << kind << ")");
        if (kind == "manual_seed") {
            gen.manual_seed(fixtures::to_seed(op["seed"]));
        } else if (kind == "rand" || kind == "rand_param") {
            REQUIRE_EXACT(gen.rand(fixtures::to_shape(op["shape"])), fixtures::to_tensor(op["out"]));
        } else if (kind == "randn") {
            // Exactly PyTorch's scalar build (see README: its AVX2 build differs in the last bit).
            REQUIRE_EXACT(gen.randn(fixtures::to_shape(op["shape"])), fixtures::to_tensor(op["out"]));
        } else if (kind == "linear") {
            attn::linear_layer layer(static_cast<std::size_t>(op["in_features"].num),
                                     static_cast<std::size_t>(op["out_features"].num), op["bias"].b, gen);
            REQUIRE_EXACT(layer.weight, fixtures::to_tensor(op["weight"]));
            if (op["bias"].b) REQUIRE_EXACT(layer.bias, fixtures::to_tensor(op["bias_value"]));
            else REQUIRE_FALSE(layer.has_bias());
        } else if (kind == "dropout" || kind == "dropout_eval") {
            const bool training = kind == "dropout";
            auto out = attn::ref::dropout(fixtures::to_tensor(op["input"]), op["p"].num, training, gen);
            REQUIRE_EXACT(out, fixtures::to_tensor(op["out"]));
        } else {
            FAIL("unknown op " << kind);
        }
    }
}

}  // namespace

TEST_CASE("manual_seed wraps negative seeds as torch does", "[generator]") {
    attn::generator a, b;
    a.manual_seed(static_cast<std::uint64_t>(std::int64_t{-1}));
    b.manual_seed(0xffffffffffffffffULL);
    REQUIRE_EXACT(a.rand({8}), b.rand({8}));
}

TEST_CASE("the generator replays every PyTorch sequence exactly", "[generator]") {
    const auto& doc = fixtures::load("generator.json");
    REQUIRE(doc["sequences"].size() >= 24);
    for (const auto& seq : doc["sequences"].arr) {
        DYNAMIC_SECTION("sequence " << seq["name"].str) { replay(seq); }
    }
}

TEST_CASE("randn switches to PyTorch's 16-wide Box-Muller at 16 elements", "[generator]") {
    // Both paths are replayed against torch above; here: they really are different paths.
    attn::generator a, b;
    a.manual_seed(5);
    b.manual_seed(5);
    auto small = a.randn({15});
    auto large = b.randn({16});
    REQUIRE(small(0) != large(0));
}

TEST_CASE("eval-mode dropout draws nothing from the generator", "[generator][dropout]") {
    attn::generator a, b;
    a.manual_seed(11);
    b.manual_seed(11);
    attn::tensor x = a.rand({4, 4});
    b.rand({4, 4});
    auto same = attn::ref::dropout(x, 0.5, false, a);
    REQUIRE_EXACT(same, x);
    REQUIRE_EXACT(a.rand({3}), b.rand({3}));
}
