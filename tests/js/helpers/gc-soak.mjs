// Child process of memory.test.mjs, run as `node --expose-gc gc-soak.mjs <package entry URL> <n>`:
// creates n book MultiHeadAttention modules and never calls free(); garbage collection and the
// package's FinalizationRegistry must give the wasm memory back. Prints one JSON line.
if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
const [entry, nArg] = process.argv.slice(2);
const n = Number(nArg);
const { init } = await import(entry);
const attn = await init();
const batch = attn.tensor([
  [[0.43, 0.15, 0.89], [0.55, 0.87, 0.66], [0.57, 0.85, 0.64], [0.22, 0.58, 0.33], [0.77, 0.25, 0.10], [0.05, 0.80, 0.55]],
  [[0.43, 0.15, 0.89], [0.55, 0.87, 0.66], [0.57, 0.85, 0.64], [0.22, 0.58, 0.33], [0.77, 0.25, 0.10], [0.05, 0.80, 0.55]],
]);
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
async function collect() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await tick();
  }
}
// Warm up (the allocator's first pages), then the baseline.
for (let i = 0; i < 100; i++) new attn.MultiHeadAttention(3, 2, 6, 0.0, 2).forward(batch);
await collect();
const start = attn.memory();
let maxInUse = start.inUse, traced = 0, first = null, last = null;
for (let i = 0; i < n; i++) {
  attn.manualSeed(123);
  const m = new attn.MultiHeadAttention(3, 2, 6, 0.0, 2);
  const out = i % 97 === 0 ? (traced++, m.forward(batch, { trace: true }).output) : m.forward(batch);
  if (i === 0) first = out.toString();
  if (i === n - 1) last = out.toString();
  if (i % 1000 === 999) {
    maxInUse = Math.max(maxInUse, attn.memory().inUse);
    await collect();
  }
}
await collect();
const end = attn.memory();
console.log(JSON.stringify({ n, traced, start, end, maxInUse, first, last }));
