// Bad arguments raise attn::error with the JS error class and a message that names the class,
// the argument and what was expected (shared/API.md "Errors"); the module stays usable.
#include <catch2/catch.hpp>

#include "attention/causal_attention.hpp"
#include "attention/chapter_steps.hpp"
#include "attention/multi_head_attention.hpp"
#include "attention/self_attention.hpp"
#include "checks.hpp"
#include "fixtures.hpp"
#include "core/validate.hpp"
#include "core/errors.hpp"

using Catch::Matchers::Contains;

namespace {

void require_range(const attn::error& e, const std::string& a, const std::string& b) {
    INFO(e.what());
    REQUIRE(e.kind() == attn::error_kind::range);
    REQUIRE_THAT(e.what(), Contains(a) && Contains(b));
    // The message starts with the module the error carries.
    REQUIRE(std::string(e.what()).rfind(e.module() + ": ", 0) == 0);
}

}  // namespace

TEST_CASE("sizes must be positive integers", "[errors]") {
    attn::generator g;
    require_range(checks::capture([&] { attn::self_attention_v1(0, 2, g); }), "SelfAttentionV1: dIn (0)", "positive");
    require_range(checks::capture([&] { attn::self_attention_v2(3, -1, false, g); }), "SelfAttentionV2: dOut (-1)", "positive");
    require_range(checks::capture([&] { attn::causal_attention(3, 2, 0, 0.0, false, g); }), "CausalAttention: contextLength (0)",
                  "positive");
    require_range(checks::capture([&] { attn::multi_head_attention(3, 2, 6, 0.0, 0, false, g); }),
                  "MultiHeadAttention: numHeads (0)", "positive");
    require_range(checks::capture([&] { attn::multi_head_attention_wrapper(3, 2, 6, 0.0, -3, false, g); }),
                  "MultiHeadAttentionWrapper: numHeads (-3)", "positive");
}

TEST_CASE("dOut must be divisible by numHeads", "[errors]") {
    attn::generator g;
    auto e = checks::capture([&] { attn::multi_head_attention(3, 5, 6, 0.0, 2, false, g); });
    REQUIRE(std::string(e.what()) == "MultiHeadAttention: dOut (5) must be divisible by numHeads (2)");
}

TEST_CASE("errors carry the module and the argument they concern", "[errors]") {
    attn::generator g;
    auto sized = checks::capture([&] { attn::causal_attention(3, 0, 6, 0.0, false, g); });
    REQUIRE(sized.module() == "CausalAttention");
    REQUIRE(sized.argument() == "dOut");
    auto divisible = checks::capture([&] { attn::multi_head_attention(3, 5, 6, 0.0, 2, false, g); });
    REQUIRE(divisible.module() == "MultiHeadAttention");
    REQUIRE(divisible.argument() == "dOut");
    attn::causal_attention ca(3, 2, 6, 0.0, false, g);
    auto input = checks::capture([&] { ca.forward(attn::make_tensor({7, 3})); });
    REQUIRE(input.module() == "CausalAttention");
    REQUIRE(input.argument() == "x");
    auto dim = checks::capture([&] { attn::softmax(attn::make_tensor({2, 2}), 5); });
    REQUIRE(dim.module() == "softmax");
    REQUIRE(dim.argument() == "dim");
}

TEST_CASE("dropout must lie in [0, 1]", "[errors]") {
    attn::generator g;
    require_range(checks::capture([&] { attn::causal_attention(3, 2, 6, 1.5, false, g); }), "CausalAttention: dropout (1.5)",
                  "[0, 1]");
    require_range(checks::capture([&] { attn::multi_head_attention(3, 2, 6, -0.1, 1, false, g); }),
                  "MultiHeadAttention: dropout (-0.1)", "[0, 1]");
    require_range(checks::capture([&] { attn::nn::dropout(std::nan(""), g); }), "Dropout: p (NaN)", "[0, 1]");
}

TEST_CASE("inputs of the wrong rank, width or length are refused and the module keeps working", "[errors]") {
    attn::generator g;
    g.manual_seed(1);
    attn::multi_head_attention mha(3, 4, 6, 0.0, 2, false, g);
    const attn::tensor good = g.rand({2, 6, 3});
    const attn::tensor before = mha.forward(good);
    require_range(checks::capture([&] { mha.forward(g.rand({2, 6, 4})); }), "MultiHeadAttention: input x has 4 features",
                  "expected dIn = 3");
    require_range(checks::capture([&] { mha.forward(g.rand({2, 7, 3})); }), "T = 7", "contextLength (6)");
    require_range(checks::capture([&] { mha.forward(g.rand({1, 2, 6, 3})); }), "MultiHeadAttention: input x must have shape",
                  "rank 4");
    attn::self_attention_v1 v1(3, 2, g);
    require_range(checks::capture([&] { v1.forward(g.rand({2, 6, 3})); }), "SelfAttentionV1: input x must have shape (T, dIn)",
                  "rank 3");
    REQUIRE(same(mha.forward(good), before));
}

TEST_CASE("softmax dim must be in range", "[errors][softmax]") {
    attn::generator g;
    require_range(checks::capture([&] { attn::softmax(g.rand({2, 3}), 2); }), "softmax: dim (2)", "-2 to 1");
    require_range(checks::capture([&] { attn::softmax(g.rand({2, 3}), -3); }), "softmax: dim (-3)", "-2 to 1");
}

TEST_CASE("loadStateDict refuses unknown, missing and mis-shaped keys and leaves the module unchanged", "[errors][state]") {
    attn::generator g;
    g.manual_seed(3);
    attn::multi_head_attention mha(3, 4, 6, 0.0, 2, true, g);
    const auto original = mha.get_state_dict();
    auto sd = original;
    sd.emplace_back("W_bogus.weight", attn::make_tensor({4, 3}));
    // The expected keys: every parameter, then the optional mask buffer.
    require_range(checks::capture([&] { mha.load_state_dict(sd); }), "unknown key 'W_bogus.weight'",
                  "(expected W_query.weight, W_query.bias, W_key.weight, W_key.bias, W_value.weight, "
                  "W_value.bias, out_proj.weight, out_proj.bias, mask)");
    sd = original;
    sd.pop_back();
    require_range(checks::capture([&] { mha.load_state_dict(sd); }), "missing key 'out_proj.bias'", "MultiHeadAttention");
    sd = original;
    sd[0].second = attn::make_tensor({3, 4});
    require_range(checks::capture([&] { mha.load_state_dict(sd); }), "'W_query.weight' has shape (3, 4)", "expected (4, 3)");
    const auto after = mha.get_state_dict();
    for (std::size_t i = 0; i < after.size(); ++i) REQUIRE(same(after[i].second, original[i].second));
}

TEST_CASE("sizes beyond the memory limit are refused before allocating", "[errors][memory]") {
    attn::generator g;
    const auto saved = attn::memory_limit();
    attn::set_memory_limit(std::size_t{64} << 20);
    require_range(checks::capture([&] { attn::multi_head_attention(100000, 100000, 8, 0.0, 1, false, g); }),
                  "MultiHeadAttention: the weights would need", "memory limit");
    attn::causal_attention ca(2, 2, 1 << 20, 0.0, false, g);
    // A trace keeps every (T, T) matrix: 8192² floats are refused under a 64 MiB limit...
    attn::trace tr;
    require_range(checks::capture([&] { ca.forward(attn::make_tensor({1, 8192, 2}), &tr); }), "the attention matrices would need",
                  "memory limit");
    // ...while the fused path never allocates the (T, T) matrix, so the same call fits.
    REQUIRE(ca.forward(attn::make_tensor({1, 8192, 2})).shape()[1] == 8192);
    attn::multi_head_attention mha(4, 4, 1 << 20, 0.0, 2, false, g);
    attn::multi_head_attention_wrapper wrapper(4, 2, 1 << 20, 0.0, 2, false, g);
    for (attn::nn::tensor_module* m : std::initializer_list<attn::nn::tensor_module*>{&mha, &wrapper}) {
        INFO(m->class_name());
        attn::trace t;
        require_range(checks::capture([&] { m->forward(attn::make_tensor({1, 8192, 4}), &t); }), "the attention matrices",
                      "memory limit");
        REQUIRE(m->forward(attn::make_tensor({1, 8192, 4})).shape()[1] == 8192);
    }
    attn::set_memory_limit(saved);
}

TEST_CASE("a head too wide for the fused kernel's scratch is refused before allocating", "[errors][memory]") {
    attn::generator g;
    const auto saved = attn::memory_limit();
    attn::set_memory_limit(std::size_t{16} << 20);
    attn::causal_attention ca(1, 100000, 4, 0.0, false, g);  // weights: 0.6 M floats, fits
    ca.eval();
    require_range(checks::capture([&] { ca.forward(attn::make_tensor({1, 2, 1})); }),
                  "CausalAttention: the attention kernel's scratch", "memory limit");
    attn::trace tr;  // the reference path has no such scratch: (T, T) and (T, dOut) tensors only
    REQUIRE(ca.forward(attn::make_tensor({1, 2, 1}), &tr).shape()[2] == 100000);
    attn::set_memory_limit(saved);
}
