// Plain JavaScript peer: Float32Array storage, double-precision accumulation (JS numbers),
// loops ordered so the innermost loop walks contiguous memory, a 2×4 register block in
// the projections, and a causal attention that never touches the masked half. No SIMD,
// no workers. The same code, asked for a subset of rows, is the harness's reference.

import { D_MODEL, NUM_HEADS, HEAD_DIM } from '../lib/workload.mjs';

/**
 * y[r, :] = x[rows[r], :] · Wᵀ + b for each listed row.
 * x: (N, D) row-major; W: (O, D) row-major (nn.Linear layout); b: (O); y: (rows.length, O).
 * Rows are taken two at a time and outputs four at a time so each loaded x and W value
 * feeds several accumulators (the dot products run along contiguous rows of x and W).
 */
function linear(x, rows, W, b, y, D = D_MODEL, O = D_MODEL) {
  const R = rows.length;
  let r = 0;
  for (; r + 1 < R; r += 2) {
    const x0 = rows[r] * D, x1 = rows[r + 1] * D;
    const y0 = r * O, y1 = y0 + O;
    for (let o = 0; o < O; o += 4) {
      const w0 = o * D, w1 = w0 + D, w2 = w1 + D, w3 = w2 + D;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, c0 = 0, c1 = 0, c2 = 0, c3 = 0;
      for (let i = 0; i < D; i++) {
        const xa = x[x0 + i], xb = x[x1 + i];
        const v0 = W[w0 + i], v1 = W[w1 + i], v2 = W[w2 + i], v3 = W[w3 + i];
        a0 += xa * v0; a1 += xa * v1; a2 += xa * v2; a3 += xa * v3;
        c0 += xb * v0; c1 += xb * v1; c2 += xb * v2; c3 += xb * v3;
      }
      y[y0 + o] = a0 + b[o]; y[y0 + o + 1] = a1 + b[o + 1];
      y[y0 + o + 2] = a2 + b[o + 2]; y[y0 + o + 3] = a3 + b[o + 3];
      y[y1 + o] = c0 + b[o]; y[y1 + o + 1] = c1 + b[o + 1];
      y[y1 + o + 2] = c2 + b[o + 2]; y[y1 + o + 3] = c3 + b[o + 3];
    }
  }
  for (; r < R; r++) {
    const x0 = rows[r] * D, y0 = r * O;
    for (let o = 0; o < O; o++) {
      const w0 = o * D;
      let a = 0;
      for (let i = 0; i < D; i++) a += x[x0 + i] * W[w0 + i];
      y[y0 + o] = a + b[o];
    }
  }
}

function range(n, start = 0) {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = start + i;
  return a;
}

/**
 * Causal multi-head attention for one batch item, for the query positions `positions`
 * (ascending). q: (positions.length, D); k, v: (≥ max position + 1, D);
 * ctx: (positions.length, D), heads side by side as after the book's transpose+view.
 */
function causalAttention(q, k, v, positions, ctx) {
  const scale = 1 / Math.sqrt(HEAD_DIM);
  const maxPos = positions[positions.length - 1];
  const p = new Float64Array(maxPos + 1);   // one row of scores, then weights
  const acc = new Float64Array(HEAD_DIM);   // one row of context for one head
  for (let h = 0; h < NUM_HEADS; h++) {
    const hOff = h * HEAD_DIM;
    for (let r = 0; r < positions.length; r++) {
      const i = positions[r];
      const qOff = r * D_MODEL + hOff;
      // scores[j] = q_i · k_j / sqrt(64) for the visible j ≤ i (j > i is masked to -inf)
      let m = -Infinity;
      for (let j = 0; j <= i; j++) {
        const kOff = j * D_MODEL + hOff;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let d = 0; d < HEAD_DIM; d += 4) {
          s0 += q[qOff + d] * k[kOff + d];
          s1 += q[qOff + d + 1] * k[kOff + d + 1];
          s2 += q[qOff + d + 2] * k[kOff + d + 2];
          s3 += q[qOff + d + 3] * k[kOff + d + 3];
        }
        const s = (s0 + s1 + s2 + s3) * scale;
        p[j] = s;
        if (s > m) m = s;
      }
      // softmax over the visible scores; masked ones contribute exp(-inf) = 0
      let sum = 0;
      for (let j = 0; j <= i; j++) { const e = Math.exp(p[j] - m); p[j] = e; sum += e; }
      // context_i = Σ_j weights_ij · v_j
      acc.fill(0);
      for (let j = 0; j <= i; j++) {
        const w = p[j], vOff = j * D_MODEL + hOff;
        for (let d = 0; d < HEAD_DIM; d++) acc[d] += w * v[vOff + d];
      }
      const inv = 1 / sum, cOff = r * D_MODEL + hOff;
      for (let d = 0; d < HEAD_DIM; d++) ctx[cOff + d] = acc[d] * inv;
    }
  }
}

/**
 * The block's forward pass, optionally only for some outputs.
 * weights: PyTorch state dict of Float32Arrays; x: (B, T, 768).
 * sel (optional): { batches: number[], positions: number[] (ascending) } computes only
 * those output rows, returned as (batches.length · positions.length, 768) in that order.
 * Without sel the result is the whole (B, T, 768).
 */
export function forward(weights, x, B, T, sel = null) {
  const batches = sel ? sel.batches : Array.from({ length: B }, (_, b) => b);
  const positions = sel ? Int32Array.from(sel.positions) : range(T);
  const P = positions.length, maxPos = positions[P - 1];
  const out = new Float32Array(batches.length * P * D_MODEL);
  const k = new Float32Array((maxPos + 1) * D_MODEL);
  const v = new Float32Array((maxPos + 1) * D_MODEL);
  const q = new Float32Array(P * D_MODEL);
  const ctx = new Float32Array(P * D_MODEL);
  batches.forEach((b, bi) => {
    const base = b * T;
    const kvRows = range(maxPos + 1, base);                 // keys/values for every visible token
    const qRows = positions.map((t) => base + t);          // queries only where asked
    linear(x, qRows, weights['W_query.weight'], weights['W_query.bias'], q);
    linear(x, kvRows, weights['W_key.weight'], weights['W_key.bias'], k);
    linear(x, kvRows, weights['W_value.weight'], weights['W_value.bias'], v);
    causalAttention(q, k, v, positions, ctx);
    const y = out.subarray(bi * P * D_MODEL, (bi + 1) * P * D_MODEL);
    linear(ctx, range(P), weights['out_proj.weight'], weights['out_proj.bias'], y);
  });
  return out;
}

export async function create(weights, { B, T }) {
  return {
    name: 'plainjs',
    run: (x) => forward(weights, x, B, T),
    dispose() {},
  };
}
