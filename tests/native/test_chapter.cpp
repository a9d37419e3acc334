// Every tensor chapter 3 prints for "Your journey starts with one step", reproduced by the core
// and compared with PyTorch's values (chapter.json): within 1e-6 + 1e-6·|expected|, and torch.rand
// draws and dropout masks exactly.
#include <catch2/catch.hpp>

#include <xtensor/xview.hpp>

#include "attention/causal_attention.hpp"
#include "attention/chapter_steps.hpp"
#include "attention/multi_head_attention.hpp"
#include "attention/self_attention.hpp"
#include "fixtures.hpp"
#include "nn/dropout.hpp"

namespace {

constexpr double abs_tol = 1e-6, rel_tol = 1e-6;  // API.md precision for small cases

const fixtures::json& book() { return fixtures::load("chapter.json")["tensors"]; }
attn::tensor expected(const std::string& name) { return fixtures::to_tensor(book()[name]); }

attn::tensor row(const attn::tensor& m, std::size_t i) {
    attn::tensor r = xt::view(m, i, xt::all());
    return r;
}

const attn::tensor* entry(const attn::trace& tr, const char* name) {
    const attn::tensor* t = tr.find(name);
    REQUIRE(t != nullptr);
    return t;
}

}  // namespace

TEST_CASE("section 3.3.1: scores, normalisations and the context vector for x(2)", "[chapter][simplified]") {
    attn::tensor inputs = expected("inputs");
    attn::trace tr;
    attn::tensor all_context = attn::simplified_self_attention(inputs, &tr);
    attn::tensor scores_2 = row(*entry(tr, "scores"), 1);
    REQUIRE_CLOSE(scores_2, expected("attn_scores_2"), abs_tol, rel_tol);
    REQUIRE_CLOSE(attn::sum_normalize(scores_2), expected("attn_weights_2_tmp"), abs_tol, rel_tol);
    REQUIRE_CLOSE(attn::softmax_naive(scores_2), expected("attn_weights_2_naive"), abs_tol, rel_tol);
    REQUIRE_CLOSE(attn::softmax(scores_2, 0), expected("attn_weights_2"), abs_tol, rel_tol);
    REQUIRE_CLOSE(row(all_context, 1), expected("context_vec_2"), abs_tol, rel_tol);
}

TEST_CASE("section 3.3.2: all scores, weights and context vectors", "[chapter][simplified]") {
    attn::trace tr;
    attn::tensor all_context = attn::simplified_self_attention(expected("inputs"), &tr);
    REQUIRE_CLOSE(*entry(tr, "scores"), expected("attn_scores"), abs_tol, rel_tol);
    REQUIRE_CLOSE(*entry(tr, "weights"), expected("attn_weights"), abs_tol, rel_tol);
    REQUIRE_CLOSE(all_context, expected("all_context_vecs"), abs_tol, rel_tol);
}

TEST_CASE("section 3.4.1: torch.rand weights under seed 123 and the x(2) walk-through", "[chapter][v1]") {
    attn::generator gen;
    gen.manual_seed(123);
    attn::self_attention_v1 sa(3, 2, gen);
    REQUIRE_EXACT(sa.W_query.get(), expected("W_query"));
    REQUIRE_EXACT(sa.W_key.get(), expected("W_key"));
    REQUIRE_EXACT(sa.W_value.get(), expected("W_value"));
    attn::trace tr;
    attn::tensor out = sa.forward(expected("inputs"), &tr);
    REQUIRE_CLOSE(row(*entry(tr, "queries"), 1), expected("query_2"), abs_tol, rel_tol);
    REQUIRE_CLOSE(*entry(tr, "keys"), expected("keys"), abs_tol, rel_tol);
    REQUIRE_CLOSE(*entry(tr, "values"), expected("values"), abs_tol, rel_tol);
    attn::tensor score_22 = xt::view(*entry(tr, "scores"), 1, 1);
    REQUIRE_CLOSE(score_22, expected("attn_score_22"), abs_tol, rel_tol);
    REQUIRE_CLOSE(row(*entry(tr, "scores"), 1), expected("attn_scores_2_trainable"), abs_tol, rel_tol);
    REQUIRE_CLOSE(row(*entry(tr, "weights"), 1), expected("attn_weights_2_trainable"), abs_tol, rel_tol);
    REQUIRE_CLOSE(row(out, 1), expected("context_vec_2_trainable"), abs_tol, rel_tol);
    REQUIRE_CLOSE(out, expected("sa_v1_output"), abs_tol, rel_tol);
}

TEST_CASE("section 3.4.2: SelfAttention_v2 under seed 789", "[chapter][v2]") {
    attn::generator gen;
    gen.manual_seed(789);
    attn::self_attention_v2 sa(3, 2, false, gen);
    const auto& sd = fixtures::load("chapter.json")["sa_v2_state"];
    for (const auto& [key, value] : sa.get_state_dict()) REQUIRE_EXACT(value, fixtures::to_tensor(sd[key]));
    attn::trace tr;
    attn::tensor out = sa.forward(expected("inputs"), &tr);
    REQUIRE_CLOSE(out, expected("sa_v2_output"), abs_tol, rel_tol);
    REQUIRE_CLOSE(*entry(tr, "queries"), expected("sa_v2_queries"), abs_tol, rel_tol);
    REQUIRE_CLOSE(*entry(tr, "keys"), expected("sa_v2_keys"), abs_tol, rel_tol);
    REQUIRE_CLOSE(*entry(tr, "weights"), expected("sa_v2_attn_weights"), abs_tol, rel_tol);
}

TEST_CASE("section 3.5.1: the simple mask, renormalised weights and the -inf mask", "[chapter][causal]") {
    attn::tensor weights = expected("sa_v2_attn_weights");
    REQUIRE_EXACT(attn::tril_ones(6), expected("mask_simple"));
    attn::tensor masked_simple = weights * attn::tril_ones(6);
    REQUIRE_CLOSE(masked_simple, expected("masked_simple"), abs_tol, rel_tol);
    REQUIRE_CLOSE(attn::mask_and_renormalize(weights), expected("masked_simple_norm"), abs_tol, rel_tol);

    // The book masks SelfAttention_v2's scores (seed 789): a CausalAttention with its weights
    // and no dropout traces the same steps.
    attn::generator gen;
    gen.manual_seed(789);
    attn::self_attention_v2 sa(3, 2, false, gen);
    attn::causal_attention ca(3, 2, 6, 0.0, false, gen);
    ca.load_state_dict(sa.get_state_dict());
    attn::trace tr;
    ca.forward(expected("inputs"), &tr);
    REQUIRE_CLOSE(*entry(tr, "masked"), expected("masked"), abs_tol, rel_tol);
    const attn::tensor causal_weights = *entry(tr, "weights");
    REQUIRE_CLOSE(causal_weights, expected("causal_attn_weights"), abs_tol, rel_tol);
    // Masking before softmax gives what masking after and renormalising gave.
    REQUIRE_CLOSE(causal_weights, expected("masked_simple_norm"), 1e-6, 1e-6);
}

TEST_CASE("section 3.5.2: dropout masks under seed 123 are PyTorch's", "[chapter][dropout]") {
    attn::generator gen;
    attn::nn::dropout dropout(0.5, gen);
    gen.manual_seed(123);
    REQUIRE_EXACT(dropout.forward(attn::make_tensor({6, 6}, 1.0f)), expected("dropout_ones"));
    gen.manual_seed(123);
    REQUIRE_CLOSE(dropout.forward(expected("causal_attn_weights")), expected("dropout_weights"), abs_tol, rel_tol);
}

TEST_CASE("section 3.5.3: CausalAttention on the batch under seed 123", "[chapter][causal]") {
    attn::generator gen;
    gen.manual_seed(123);
    attn::causal_attention ca(3, 2, 6, 0.0, false, gen);
    REQUIRE_CLOSE(ca.forward(expected("batch")), expected("ca_output"), abs_tol, rel_tol);
}

TEST_CASE("section 3.6.1: MultiHeadAttentionWrapper on the batch under seed 123", "[chapter][wrapper]") {
    attn::generator gen;
    gen.manual_seed(123);
    attn::multi_head_attention_wrapper mha(3, 2, 6, 0.0, 2, false, gen);
    REQUIRE_CLOSE(mha.forward(expected("batch")), expected("mha_wrapper_output"), abs_tol, rel_tol);
}

TEST_CASE("section 3.6.2: MultiHeadAttention on the batch under seed 123", "[chapter][mha]") {
    attn::generator gen;
    gen.manual_seed(123);
    attn::multi_head_attention mha(3, 2, 6, 0.0, 2, false, gen);
    REQUIRE_CLOSE(mha.forward(expected("batch")), expected("mha_output"), abs_tol, rel_tol);
}
