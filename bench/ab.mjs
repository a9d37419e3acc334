#!/usr/bin/env node
// Same-process A/B of two builds of the package on the GPT-2-small attention block
// (MultiHeadAttention(768, 768, T, 0, 12, { qkvBias: true }), eval, the same weights and input):
//
//   node bench/ab.mjs <distA> <distB> [--runs 11] [--T 1024] [--B 1]
//
// Both builds are loaded into one Node process and their runs alternate (A B A B ...), so a slow
// spell of the shared machine lands on both. Prints each build's median main-thread CPU time and
// wall time, the ratio A/B (> 1: B is faster), the per-pair ratios' quartiles, and whether the
// two outputs are bitwise equal. Used to check that a refactor keeps the speed (issue 11: B at
// >= 0.97x of A).
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import { mainThreadCpuClock } from './lib/cputime.mjs';

const argv = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const dists = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--'));
if (dists.length !== 2) {
  console.error('usage: node bench/ab.mjs <distA> <distB> [--runs 11] [--T 1024] [--B 1]');
  process.exit(2);
}
const runs = flag('runs', 11), T = flag('T', 1024), B = flag('B', 1), D = 768, H = 12;

// Deterministic weights and input (an LCG), the same for both builds.
let seed = 12345;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 0.1;
const filled = (n) => Float32Array.from({ length: n }, rand);
const weights = {};
for (const p of ['W_query', 'W_key', 'W_value', 'out_proj']) {
  weights[`${p}.weight`] = [filled(D * D), [D, D]];
  weights[`${p}.bias`] = [filled(D), [D]];
}
const x = filled(B * T * D);

async function build(dir) {
  const { init } = await import(pathToFileURL(resolve(dir, 'index.js')).href);
  const attn = await init();
  const m = new attn.MultiHeadAttention(D, D, T, 0.0, H, { qkvBias: true }).eval();
  m.loadStateDict(Object.fromEntries(Object.entries(weights).map(([k, [data, shape]]) => [k, attn.tensor(data, shape)])));
  const input = attn.tensor(x, [B, T, D]);
  return () => m.forward(input).data;
}

const cpu = mainThreadCpuClock();
const time = (f) => {
  const c0 = cpu?.(), t0 = performance.now();
  const out = f();
  return { out, wall: performance.now() - t0, cpu: cpu ? (cpu() - c0) / 1e6 : null };
};
const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const quartiles = (a) => {
  const s = [...a].sort((p, q) => p - q);
  return [s[Math.floor((s.length - 1) / 4)], s[Math.ceil((3 * (s.length - 1)) / 4)]];
};

const [a, b] = [await build(dists[0]), await build(dists[1])];
for (let i = 0; i < 3; i++) { a(); b(); } // warm-up
const sa = [], sb = [];
let same = true;
for (let i = 0; i < runs; i++) {
  const [ra, rb] = i % 2 ? [null, time(b)] : [time(a), null];
  const [ra2, rb2] = i % 2 ? [time(a), rb] : [ra, time(b)];
  sa.push(ra2);
  sb.push(rb2);
  same &&= ra2.out.length === rb2.out.length && ra2.out.every((v, k) => Object.is(v, rb2.out[k]));
}
const key = cpu ? 'cpu' : 'wall';
const ma = median(sa.map((r) => r[key])), mb = median(sb.map((r) => r[key]));
const [q1, q3] = quartiles(sa.map((r, i) => r[key] / sb[i][key]));
console.log(`A ${dists[0]}: ${ma.toFixed(1)} ms (median ${key} time of ${runs}; wall ${median(sa.map((r) => r.wall)).toFixed(1)} ms)`);
console.log(`B ${dists[1]}: ${mb.toFixed(1)} ms (median ${key} time of ${runs}; wall ${median(sb.map((r) => r.wall)).toFixed(1)} ms)`);
console.log(`A/B = ${(ma / mb).toFixed(3)} (per-pair quartiles ${q1.toFixed(3)}-${q3.toFixed(3)}); outputs ${same ? 'bitwise equal' : 'DIFFER'}`);
