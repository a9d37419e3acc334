#include "attention/scaled_dot_product.hpp"

#include <xtensor/xmanipulation.hpp>
#include <xtensor/xstrided_view.hpp>

#include "reference/ops.hpp"

namespace attn {

tensor scaled_dot_product_attention(const tensor& q, const tensor& k, const tensor& v,
                                    const attention_options& opt, trace* tr) {
    const std::size_t d_k = k.shape()[3];
    tensor scores = ref::matmul_nt(q, k);                               // (B, H, T, T)
    tensor masked = opt.causal ? ref::causal_mask(scores) : scores;     // (B, H, T, T)
    tensor weights = ref::softmax(ref::scale_scores(masked, d_k), 3);  // (B, H, T, T)
    tensor mask;  // (B, H, T, T): 1 where dropout kept a weight, 0 where it zeroed it
    tensor dropped = opt.causal ? ref::dropout(weights, opt.dropout, opt.training, *opt.gen, &mask) : weights;
    tensor context = ref::batched_matmul(dropped, v);  // (B, H, T, headDim)
    if (tr) {
        tr->put("queries", q);
        tr->put("keys", k);
        tr->put("values", v);
        tr->put("scores", scores);
        tr->put("scaled", ref::scale_scores(scores, d_k));
        if (opt.causal) tr->put("masked", masked);
        tr->put("weights", weights);
        if (opt.causal) tr->put("dropped", dropped);
        if (opt.causal) tr->put("dropoutMask", mask);
        tr->put("context", context);
    }
    return context;
}

tensor split_heads(const tensor& x, std::size_t heads) {
    const auto& s = x.shape();  // (B, T, H·hd)
    const std::size_t b = s[0], t = s[1], hd = s[2] / heads;
    tensor out = xt::transpose(xt::reshape_view(x, shape_t{b, t, heads, hd}), {0, 2, 1, 3});
    return out;
}

tensor merge_heads(const tensor& x) {
    const auto& s = x.shape();  // (B, H, T, hd)
    tensor moved = xt::transpose(x, {0, 2, 1, 3});
    moved.reshape({s[0], s[2], s[1] * s[3]});
    return moved;
}

void squeeze_trace(trace& tr, std::initializer_list<std::size_t> drop) {
    for (auto& entry : tr.entries) {
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

}  // namespace attn
