#include "attention/scaled_dot_product.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/attention.hpp"
#include "kernels/parallel.hpp"
#include "nn/functional.hpp"

namespace attn {

namespace F = nn::functional;

void attention_record::plan(workspace& ws, std::size_t batch, std::size_t heads, std::size_t tq, std::size_t tk,
                            std::size_t head_dim, bool causal) {
    const double bh = static_cast<double>(batch) * static_cast<double>(heads);
    ws.plan("the projections", bh * (2.0 * tq + 2.0 * tk) * static_cast<double>(head_dim));  // q, k, v, context
    ws.plan("the attention matrices", bh * (causal ? 6.0 : 3.0) * static_cast<double>(tq) * static_cast<double>(tk));
}

attention_record::attention_record(workspace& ws, std::size_t batch, std::size_t heads, std::size_t tq,
                                   std::size_t tk, std::size_t head_dim, bool causal_)
    : causal(causal_) {
    const shape_t qd{batch, heads, tq, head_dim}, kd{batch, heads, tk, head_dim}, qk{batch, heads, tq, tk};
    queries = ws.take("the projections", qd);
    keys = ws.take("the projections", kd);
    values = ws.take("the projections", kd);
    scores = ws.take("the attention matrices", qk);
    scaled = ws.take("the attention matrices", qk);
    if (causal) masked = ws.take("the attention matrices", qk);
    weights = ws.take("the attention matrices", qk);
    if (causal) dropped = ws.take("the attention matrices", qk);
    if (causal) dropout_mask = ws.take("the attention matrices", qk);
    context = ws.take("the projections", qd);
}

void attention_record::move_into(trace& out, std::initializer_list<std::size_t> drop) {
    trace tr;
    tr.put("queries", std::move(queries));
    tr.put("keys", std::move(keys));
    tr.put("values", std::move(values));
    tr.put("scores", std::move(scores));
    tr.put("scaled", std::move(scaled));
    if (causal) tr.put("masked", std::move(masked));
    tr.put("weights", std::move(weights));
    if (causal) tr.put("dropped", std::move(dropped));
    if (causal) tr.put("dropoutMask", std::move(dropout_mask));
    tr.put("context", std::move(context));
    tr.squeeze(drop);
    for (auto& entry : tr.entries) out.entries.push_back(std::move(entry));
}

namespace {

// rows × cols floats from src (row stride ld) to dst (contiguous).
void copy_rows(std::size_t rows, std::size_t cols, const float* src, std::size_t ld, float* dst) {
    for (std::size_t r = 0; r < rows; ++r) std::copy(src + r * ld, src + r * ld + cols, dst + r * cols);
}

// The steps one by one for every (b, h), keeping the (Tq, Tk) matrices: for a record, for dropout.
void materialised(workspace& ws, const attention_dims& d, rows_in q, rows_in k, rows_in v, rows_out out,
                  const nn::dropout* drop, record_slot slot, float divisor) {
    const std::size_t tq = d.queries, tk = d.keys, hd = d.head_dim;
    tensor s = ws.take("the attention matrices", {tq, tk});     // scores, then masked
    tensor w = ws.take("the attention matrices", {tq, tk});     // weights
    tensor dr = ws.take("the attention matrices", {tq, tk});    // dropped
    tensor mask = ws.take("the attention matrices", {tq, tk});  // dropout mask
    attention_record* rec = slot.rec;
    const float neg_inf = -std::numeric_limits<float>::infinity();
    for (std::size_t b = 0; b < d.batch; ++b)
        for (std::size_t h = 0; h < d.heads; ++h) {
            const float* qb = q.data + b * q.batch_stride + h * hd;
            const float* kb = k.data + b * k.batch_stride + h * hd;
            const float* vb = v.data + b * v.batch_stride + h * hd;
            float* ob = out.data + b * out.batch_stride + h * hd;
            // Offsets of this slice in the record's (B, H, ·, ·) tensors.
            const std::size_t z = rec ? (slot.batch0 + b) * rec->queries.shape()[1] + slot.head0 + h : 0;
            F::matmul_nt(tq, tk, hd, qb, q.ld, kb, k.ld, s.data(), tk);  // scores = q·kᵀ
            if (rec) {
                copy_rows(tq, hd, qb, q.ld, rec->queries.data() + z * tq * hd);
                copy_rows(tk, hd, kb, k.ld, rec->keys.data() + z * tk * hd);
                copy_rows(tk, hd, vb, v.ld, rec->values.data() + z * tk * hd);
                std::copy(s.begin(), s.end(), rec->scores.data() + z * tq * tk);
                float* scaled = rec->scaled.data() + z * tq * tk;
                for (std::size_t i = 0; i < tq * tk; ++i) scaled[i] = s.data()[i] / divisor;
            }
            if (d.causal) {  // masked_fill(mask[past : past + Tq, :Tk], -inf)
                for (std::size_t i = 0; i < tq; ++i)
                    for (std::size_t j = d.past + i + 1; j < tk; ++j) s(i, j) = neg_inf;
                if (rec) std::copy(s.begin(), s.end(), rec->masked.data() + z * tq * tk);
            }
            // weights = softmax(masked / sqrt(head_dim)): a float division, as the book's
            // attn_scores / keys.shape[-1]**0.5
            for (std::size_t i = 0; i < tq * tk; ++i) w.data()[i] = s.data()[i] / divisor;
            F::softmax_rows(tq, tk, w.data(), tk, w.data(), tk);
            const float* p = w.data();
            if (drop) {
                F::dropout(tq * tk, w.data(), drop->p(), drop->training(), drop->gen(), dr.data(), mask.data());
                p = dr.data();
            }
            F::matmul(tq, hd, tk, p, tk, vb, v.ld, ob, out.ld);  // context = dropped · v
            if (rec) {
                std::copy(w.begin(), w.end(), rec->weights.data() + z * tq * tk);
                if (rec->causal) {
                    std::copy(p, p + tq * tk, rec->dropped.data() + z * tq * tk);
                    if (drop) std::copy(mask.begin(), mask.end(), rec->dropout_mask.data() + z * tq * tk);
                    else std::fill_n(rec->dropout_mask.data() + z * tq * tk, tq * tk, 1.0f);
                }
                copy_rows(tq, hd, ob, out.ld, rec->context.data() + z * tq * hd);
            }
        }
}

}  // namespace

bool attention_materialises(const nn::dropout* drop, bool recording) {
    return recording || (drop && drop->active());
}

double attention_scratch_floats(const attention_dims& d, bool materialises) {
    if (materialises) return 4.0 * static_cast<double>(d.queries) * static_cast<double>(d.keys);
    // Query and output tiles plus packed key/value tiles: 384 floats per head dimension and 512
    // more (kernels/attention.cpp), independent of T, on each thread.
    return (400.0 * static_cast<double>(d.head_dim) + 512.0) * kernels::threads();
}

void scaled_dot_product_attention(workspace& ws, const attention_dims& d, rows_in q, rows_in k, rows_in v,
                                  rows_out out, const nn::dropout* drop, record_slot rec) {
    if (d.batch == 0 || d.queries == 0 || d.heads == 0) return;
    const float divisor = static_cast<float>(std::sqrt(static_cast<double>(d.head_dim)));
    if (attention_materialises(drop, rec.rec != nullptr)) {
        materialised(ws, d, q, k, v, out, drop, rec, divisor);
        return;
    }
    const auto kernel = F::path() == F::kernel_path::fast ? kernels::f32_attention_fused : kernels::f32_attention_ref;
    const int tq = static_cast<int>(d.queries), tk = static_cast<int>(d.keys), hd = static_cast<int>(d.head_dim);
    // One task per (batch, head) pair: each writes only its own context columns (when out is q's
    // rows, its own query columns, which no other head reads), exactly as the serial loop does.
    kernels::parallel_for(d.batch * d.heads, [&](std::size_t i) {
        const std::size_t b = i / d.heads, h = i % d.heads;
        kernel(tq, tk, hd, q.data + b * q.batch_stride + h * d.head_dim, static_cast<int>(q.ld),
               k.data + b * k.batch_stride + h * d.head_dim, static_cast<int>(k.ld),
               v.data + b * v.batch_stride + h * d.head_dim, static_cast<int>(v.ld),
               out.data + b * out.batch_stride + h * d.head_dim, static_cast<int>(out.ld), divisor, d.causal,
               static_cast<int>(d.past));
    });
}

}  // namespace attn
