// The long-context check of the speed issue: MultiHeadAttention at B=1, T=16,384, d=768,
// 12 heads, eval, no trace — the fused kernel never builds the T×T matrix, so the wasm heap
// stays under 256 MB. Prints the time and the heap.  node bench/long-context.mjs [T]
import { init } from '../dist/index.node.js';

const attn = await init();
const T = Number(process.argv[2] ?? 16384);
const D = 768;
attn.manualSeed(0);
const mha = new attn.MultiHeadAttention(D, D, T, 0.0, 12, { qkvBias: true }).eval();
const x = new Float32Array(T * D);
for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37);
// Warm-up as every benchmark here does: V8 runs wasm in its baseline tier until a function has
// been hot for a while and swaps in optimised code only between calls, so one long first call
// would be timed in the baseline tier. A few short calls of the same kernels come first.
const warm = new attn.MultiHeadAttention(D, D, 256, 0.0, 12, { qkvBias: true }).eval();
const xw = attn.tensor(x.subarray(0, 256 * D), [1, 256, D]);
for (let i = 0; i < 8; i++) warm.forward(xw);
warm.free();
await new Promise((resolve) => setTimeout(resolve, 500)); // let the background compiler finish
const before = attn.memory();
const t0 = performance.now();
const y = mha.forward(attn.tensor(x, [1, T, D]));
const ms = performance.now() - t0;
const after = attn.memory();
const mib = (b) => (b / 2 ** 20).toFixed(1);
console.log(`MultiHeadAttention B=1 T=${T} d=${D} 12 heads: ${(ms / 1000).toFixed(1)} s, output (${y.shape.join(', ')}), ` +
  `all finite: ${y.data.every(Number.isFinite)}`);
console.log(`wasm heap: ${mib(before.heapSize)} MiB before, ${mib(after.heapSize)} MiB after (the most it grew to); ` +
  `${mib(after.inUse)} MiB in use after (the weights)`);
mha.free();
