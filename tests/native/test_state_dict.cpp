// State dicts carry PyTorch's keys and shapes, and load_state_dict round-trips them.
#include <catch2/catch.hpp>

#include "attention/causal_attention.hpp"
#include "attention/multi_head_attention.hpp"
#include "attention/self_attention.hpp"
#include "fixtures.hpp"

namespace {
std::vector<std::string> keys(const attn::state_dict& sd) {
    std::vector<std::string> out;
    for (const auto& kv : sd) out.push_back(kv.first);
    return out;
}
}  // namespace

TEST_CASE("state dict keys and shapes are PyTorch's", "[state]") {
    attn::generator g;
    REQUIRE(keys(attn::self_attention_v1(3, 2, g).get_state_dict()) ==
            std::vector<std::string>{"W_query", "W_key", "W_value"});
    REQUIRE(keys(attn::self_attention_v2(3, 2, true, g).get_state_dict()) ==
            std::vector<std::string>{"W_query.weight", "W_query.bias", "W_key.weight", "W_key.bias", "W_value.weight",
                                     "W_value.bias"});
    attn::multi_head_attention mha(3, 4, 6, 0.0, 2, false, g);
    const auto sd = mha.get_state_dict();
    REQUIRE(keys(sd) == std::vector<std::string>{"W_query.weight", "W_key.weight", "W_value.weight", "out_proj.weight",
                                                 "out_proj.bias"});
    REQUIRE(attn::to_shape(sd[0].second.shape()) == attn::shape_t{4, 3});  // nn.Linear weight is (out, in)
    attn::multi_head_attention_wrapper w(3, 2, 6, 0.0, 2, false, g);
    REQUIRE(keys(w.get_state_dict()).front() == "heads.0.W_query.weight");
    REQUIRE(keys(w.get_state_dict()).back() == "heads.1.W_value.weight");
}

TEST_CASE("loading one module's state dict into another reproduces its output", "[state]") {
    attn::generator g;
    g.manual_seed(10);
    attn::multi_head_attention a(5, 6, 8, 0.0, 3, true, g);
    attn::multi_head_attention b(5, 6, 8, 0.0, 3, true, g);
    const attn::tensor x = g.rand({2, 7, 5});
    REQUIRE_FALSE(same(a.forward(x), b.forward(x)));
    b.load_state_dict(a.get_state_dict());
    REQUIRE(same(a.forward(x), b.forward(x)));
}

TEST_CASE("the mask buffer may be passed to loadStateDict and is checked", "[state]") {
    attn::generator g;
    attn::causal_attention ca(3, 2, 4, 0.0, false, g);
    auto sd = ca.get_state_dict();
    attn::tensor mask = attn::make_tensor({4, 4});
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = i + 1; j < 4; ++j) mask(i, j) = 1.0f;
    sd.emplace_back("mask", mask);
    REQUIRE_NOTHROW(ca.load_state_dict(sd));
    sd.back().second(0, 0) = 1.0f;
    REQUIRE_THROWS_WITH(ca.load_state_dict(sd), Catch::Matchers::Contains("triu"));
}

TEST_CASE("train and eval switch dropout on and off", "[state][dropout]") {
    attn::generator g;
    g.manual_seed(4);
    attn::causal_attention ca(3, 3, 6, 0.5, false, g);
    REQUIRE(ca.training());
    const attn::tensor x = g.rand({1, 6, 3});
    ca.eval();
    const attn::tensor e1 = ca.forward(x);
    const attn::tensor e2 = ca.forward(x);
    REQUIRE(same(e1, e2));
    ca.train();
    REQUIRE_FALSE(same(ca.forward(x), e1));
}

TEST_CASE("forward_owned gives forward's result bit for bit, releasing the input early", "[state][memory]") {
    attn::generator g;
    g.manual_seed(21);
    attn::multi_head_attention mha(7, 12, 16, 0.1, 3, true, g);
    const attn::tensor x = g.rand({2, 13, 7});
    mha.eval();
    REQUIRE(same(mha.forward_owned(x), mha.forward(x)));
    attn::tensor x2 = g.rand({13, 7});
    const attn::tensor expected = mha.forward(x2);
    REQUIRE(same(mha.forward_owned(std::move(x2)), expected));
    attn::causal_attention ca(7, 4, 16, 0.0, false, g);  // the default forward_owned: forward(x)
    REQUIRE(same(ca.forward_owned(x), ca.forward(x)));
}
