// The benchmarked workload: GPT-2-small causal multi-head attention, as the book's
// `MultiHeadAttention` (chapter 3) in eval mode: d_in = d_out = 768, 12 heads of 64,
// qkv_bias=True, out_proj with bias. Deterministic data shared by every peer.

export const D_MODEL = 768;
export const NUM_HEADS = 12;
export const HEAD_DIM = D_MODEL / NUM_HEADS; // 64

/** PyTorch state-dict keys of the book's MultiHeadAttention (mask buffer left out). */
export const PARAM_NAMES = [
  'W_query.weight', 'W_query.bias',
  'W_key.weight', 'W_key.bias',
  'W_value.weight', 'W_value.bias',
  'out_proj.weight', 'out_proj.bias',
];

/** mulberry32: a tiny, fast 32-bit PRNG; the same stream in Node and in the browser. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296; // [0, 1)
  };
}

/** Float32Array of n values uniform in [-bound, bound), from seed. */
export function uniform(n, bound, seed) {
  const next = mulberry32(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (2 * next() - 1) * bound;
  return out;
}

/**
 * The block's parameters, as nn.Linear initialises them (uniform ±1/sqrt(in_features)),
 * keyed by PyTorch state-dict name. Weights are (out, in) row-major, biases (out).
 */
export function makeWeights(seed = 20240601) {
  const bound = 1 / Math.sqrt(D_MODEL);
  const w = {};
  PARAM_NAMES.forEach((name, k) => {
    const n = name.endsWith('.weight') ? D_MODEL * D_MODEL : D_MODEL;
    w[name] = uniform(n, bound, seed + 7919 * (k + 1));
  });
  return w;
}

/** Input x: (B, T, 768), uniform ±1. */
export function makeInput(B, T, seed = 777) {
  return uniform(B * T * D_MODEL, 1, seed + 1009 * B + T);
}

/**
 * FLOPs the way a causal kernel must do them: the four projections
 * (4 × 2·B·T·768·768) plus, per head, 2·64 per visible (i, j ≤ i) pair for q·k and
 * the same for weights·v (2 × 2·64·12·B·T(T+1)/2). Softmax, mask and bias adds are
 * not counted. Peers that compute the full T×T square are still divided by this.
 */
export function causalFlops(B, T) {
  const proj = 4 * 2 * B * T * D_MODEL * D_MODEL;
  const attn = 2 * 2 * HEAD_DIM * NUM_HEADS * B * T * (T + 1) / 2;
  return proj + attn;
}

/** Attention-only part of causalFlops (for "time per causal FLOP" plots). */
export function attentionFlops(B, T) {
  return 2 * 2 * HEAD_DIM * NUM_HEADS * B * T * (T + 1) / 2;
}

/**
 * The workload list. `groups` says which CLI group(s) include it; the B=1 T=1024
 * GPT-2 block is also the T=1024 point of the sweep, so it is measured once.
 * `plainjs: false` marks where the plain-JS peer is skipped as too slow (its
 * output is still used as the reference, on sampled rows, see reference.mjs).
 */
export function workloadList({ quick = false } = {}) {
  const list = [];
  const add = (B, T, groups, plainjs = true) => {
    const id = `b${B}-t${T}`;
    const have = list.find((w) => w.id === id);
    if (have) { for (const g of groups) if (!have.groups.includes(g)) have.groups.push(g); return; }
    list.push({ id, B, T, groups: [...groups], plainjs, flops: causalFlops(B, T) });
  };
  if (quick) {
    add(1, 128, ['gpt2']);
    add(2, 128, ['gpt2']);
    for (const T of [32, 64, 128, 256]) add(1, T, ['sweep']);
  } else {
    add(1, 1024, ['gpt2']);
    add(8, 1024, ['gpt2'], false);
    for (const T of [128, 512, 1024, 2048, 4096]) add(1, T, ['sweep'], T <= 1024);
  }
  return list;
}

export function workloadLabel(w) {
  return `${w.groups.includes('gpt2') ? 'GPT-2 block' : 'sweep'} B=${w.B} T=${w.T}`;
}
