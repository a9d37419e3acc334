#!/usr/bin/env node
// The GPT model of chapter 4 at GPT-2-small's shape (GPT_CONFIG_124M, random seeded weights, eval),
// one thread, in Node:
//
//   node bench/gpt.mjs [--runs 5] [--T 1024] [--context 256] [--tokens 16]
//
//   construction  new GPTModel(GPT_CONFIG_124M) under manualSeed(123): 163M parameters drawn
//   prefill       forward of B = 1, T tokens, timed right after one run of the SIMD128 multiply-add
//                 peak loop (attn.benchPeak), each pair's ratio counting only the FLOPs a causal
//                 model must do: 24·emb²·T per block (q, k, v, out_proj, the feed-forward), 4·head_dim
//                 per visible (query, key) pair per head, 2·emb·vocab·T for out_head
//   decode        with the KV cache holding --context tokens, the time per new token, beside the
//                 memory floor: one SIMD read of the model's parameter bytes (attn.benchParameterRead)
//
// Times are the main thread's CPU time (/proc schedstat), medians; the machine is shared, so
// every figure comes with its spread.
import { init } from '../dist/index.js';
import { mainThreadCpuClock } from './lib/cputime.mjs';

const argv = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const runs = flag('runs', 5), T = flag('T', 1024), context = flag('context', 256), tokens = flag('tokens', 16);

const cpu = mainThreadCpuClock();
const clock = () => (cpu ? cpu() / 1e6 : performance.now());
const timed = (f) => {
  const t0 = clock();
  const r = f();
  return { ms: clock() - t0, r };
};
const median = (a) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const spread = (a) => `${Math.min(...a).toFixed(1)}-${Math.max(...a).toFixed(1)}`;

const attn = await init();
const cfg = attn.GPT_CONFIG_124M;
const { emb_dim: D, n_layers: L, n_heads: H, vocab_size: V } = cfg;
attn.manualSeed(123);
const built = timed(() => new attn.GPTModel(cfg));
const model = built.r.eval();
const params = attn.benchParameterRead(model);
console.log(`GPTModel(GPT_CONFIG_124M): constructed in ${(built.ms / 1000).toFixed(2)} s (seeded draws of ${params / 4} parameters), ` +
  `${(attn.memory().inUse / 2 ** 20).toFixed(0)} MiB in use for ${(params / 2 ** 20).toFixed(0)} MiB of parameters`);

const ids = (n, salt) => Array.from({ length: n }, (_, i) => (i * 7919 + salt) % V);
const causalFlops = (t) => 24 * D * D * t * L + 4 * (D / H) * (t * (t + 1) / 2) * H * L + 2 * D * V * t;

// ---- prefill ----
const peakIterations = 2e8; // ~0.4 s: well above the CPU clock's tick
const prefill = [], peak = [], ratio = [];
model.forward([ids(T, 0)]); // warm
for (let r = 0; r < runs; r++) {
  const p = timed(() => attn.benchPeak(peakIterations));
  const f = timed(() => model.forward([ids(T, r + 1)]));
  const peakGflops = p.r / p.ms / 1e6, gflops = causalFlops(T) / f.ms / 1e6;
  prefill.push(f.ms);
  peak.push(peakGflops);
  ratio.push(gflops / peakGflops);
}
console.log(`prefill B=1 T=${T}: ${median(prefill).toFixed(0)} ms (${spread(prefill)}), ` +
  `${(causalFlops(T) / median(prefill) / 1e6).toFixed(1)} GFLOP/s on ${(causalFlops(T) / 1e9).toFixed(1)} GFLOP; ` +
  `peak loop ${median(peak).toFixed(1)} GFLOP/s (${spread(peak)}); ` +
  `${(100 * median(ratio)).toFixed(0)}% of the same-run peak (pairs ${(100 * Math.min(...ratio)).toFixed(0)}-${(100 * Math.max(...ratio)).toFixed(0)}%)`);

// ---- decode ----
// Each run: the cache filled to `context` tokens, then `tokens` reads of the parameters and
// `tokens` decoded tokens, each timed as a whole (a single token is near the clock's tick).
const perToken = [], floor = [], ratios = [];
for (let r = 0; r < runs; r++) {
  model.resetKVCache();
  model.forward([ids(context, r)], { useCache: true });
  const read = timed(() => { for (let i = 0; i < tokens; i++) attn.benchParameterRead(model); }).ms / tokens;
  const step = timed(() => { for (let i = 0; i < tokens; i++) model.forward([[(i * 31 + r) % V]], { useCache: true }); }).ms / tokens;
  floor.push(read);
  perToken.push(step);
  ratios.push(step / read);
}
const m = median(perToken), f = median(floor);
console.log(`decode at context ${context}: ${m.toFixed(1)} ms per token (${spread(perToken)}); memory floor ` +
  `${f.toFixed(1)} ms (${spread(floor)}, ${(params / f / 1e6).toFixed(1)} GB/s); ${median(ratios).toFixed(2)}x the floor ` +
  `(runs ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})`);
model.free();
