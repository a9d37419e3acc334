#include "attention/qkv_attention.hpp"

#include <algorithm>

#include "nn/functional.hpp"

namespace attn {

namespace F = nn::functional;

namespace {
attention_dims dims_of(const qkv_attention& a, std::size_t tokens) {
    return {1, a.heads, a.d_out / a.heads, tokens, tokens, 0, a.causal};
}
}  // namespace

void plan_qkv_attention(workspace& ws, const qkv_attention& a, std::size_t batch, std::size_t tokens, bool recording) {
    if (batch == 0 || tokens == 0) return;
    ws.plan("the projections", 3.0 * static_cast<double>(tokens) * static_cast<double>(a.d_out));
    const bool materialises = attention_materialises(a.drop, recording);
    ws.plan(materialises ? "the attention matrices" : "the attention kernel's scratch",
            attention_scratch_floats(dims_of(a, tokens), materialises));
}

void run_qkv_attention(workspace& ws, const qkv_attention& a, const float* x, std::size_t batch, std::size_t tokens,
                       const qkv_io& io) {
    tensor& out = *io.out;
    if (batch == 0 || tokens == 0) {
        if (out.dimension() == 0) out = ws.take("the output", io.out_shape);
        return;
    }
    const std::size_t width = io.out_shape.back();
    const std::size_t d = a.d_out, ld = 3 * d;
    tensor qkv = ws.take("the projections", {tokens, ld});  // (T, 3·dOut): q | k | v
    float* const q = qkv.data();
    attention_dims dims = dims_of(a, tokens);
    kv_cache* const cache = io.cache;
    if (cache) {
        dims.past = cache->length;
        dims.keys = cache->length + tokens;
    }
    for (std::size_t b = 0; b < batch; ++b) {
        auto into = [&](std::size_t i, float* y) {
            kernels::GemmOutput o = a.projections[i];
            o.y = y;
            o.ldy = static_cast<int>(ld);
            return o;
        };
        F::linear(tokens, x + b * tokens * a.d_in, a.d_in, {into(0, q), into(1, q + d), into(2, q + 2 * d)});
        // x is not read again after the last sequence: its memory can hold the output.
        if (io.owned && b + 1 == batch) *io.owned = tensor();
        if (b == 0 && out.dimension() == 0) out = ws.take("the output", io.out_shape);
        float* const out_b = out.data() + b * tokens * width + io.col0;
        // The keys and values attention reads: this sequence's, or the cache's with them appended.
        rows_in keys{q + d, ld, 0}, values{q + 2 * d, ld, 0};
        if (cache) {
            const std::size_t cap = cache->capacity();
            float* const ck = cache->keys.data() + (b * cap + cache->length) * d;
            float* const cv = cache->values.data() + (b * cap + cache->length) * d;
            for (std::size_t t = 0; t < tokens; ++t) {
                std::copy(q + t * ld + d, q + t * ld + 2 * d, ck + t * d);
                std::copy(q + t * ld + 2 * d, q + t * ld + 3 * d, cv + t * d);
            }
            keys = {cache->keys.data() + b * cap * d, d, 0};
            values = {cache->values.data() + b * cap * d, d, 0};
        }
        // With out_proj, each head's context overwrites its query columns, already in the merged
        // (T, H·headDim) order out_proj reads; without, it goes straight to the output.
        const rows_out context = a.out_proj ? rows_out{q, ld, 0} : rows_out{out_b, width, 0};
        scaled_dot_product_attention(ws, dims, {q, ld, 0}, keys, values, context, a.drop,
                                     {io.rec.rec, io.rec.batch0 + b, io.rec.head0});
        if (io.concat)
            for (std::size_t t = 0; t < tokens; ++t)
                std::copy(context.data + t * context.ld, context.data + t * context.ld + d,
                          io.concat->data() + (b * tokens + t) * d);
        if (a.out_proj) F::linear(tokens, q, ld, {a.out_proj->into(out_b, width)});
    }
    if (cache) cache->length += tokens;
}

}  // namespace attn
