// Soak: `calls` (default 1,000,000) forward calls through the public API of dist/index.node.js
// across every class and function, mixing valid and invalid input, with modules created, free()d
// and left to the garbage collector. Run by scripts/soak.sh as
//   node --expose-gc scripts/soak.mjs [calls] [seed]
// Prints a progress line every 100,000 calls with attn.memory(). At the end it checks that
//   - every call did what the contract (shared/API.md) says: valid input returns a result of the
//     right shape, invalid input throws TypeError / RangeError as specified, nothing else
//   - the wasm heap's in-use bytes came back to where they started (all modules freed or
//     collected), and heapSize stopped growing after the first 20% of the calls
//   - results did not drift: the book's MultiHeadAttention (seed 123, the (2, 6, 3) batch) gives
//     bit-identical output at the start and at the end, equal to chapter.json's mha_output
// and exits 1 if any of that fails.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('../', import.meta.url);
const { init } = await import(new URL('dist/index.node.js', root).href);
const attn = await init();

const CALLS = Number(process.argv[2] ?? 1_000_000);
const SEED = Number(process.argv[3] ?? 20240607);
const PROGRESS = 100_000;
const SLACK = 64 * 1024; // bytes of allocator bookkeeping tolerated between start and end
if (!Number.isSafeInteger(CALLS) || CALLS < 1) throw new RangeError(`soak: calls (${process.argv[2]}) must be a positive integer`);
if (typeof globalThis.gc !== 'function') throw new Error('soak: run with node --expose-gc (scripts/soak.sh does)');

const chapter = JSON.parse(readFileSync(fileURLToPath(new URL('tests/fixtures/chapter.json', root)), 'utf8'));

// ---- deterministic choices (mulberry32) ----------------------------------------------------------
let state = SEED >>> 0;
function rnd() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
const pick = (arr) => arr[Math.floor(rnd() * arr.length)];
const chance = (p) => rnd() < p;

// ---- bookkeeping ------------------------------------------------------------------------------
const thrown = { TypeError: 0, RangeError: 0, other: 0 };
const byCase = new Map(); // case name -> count
const failures = [];
let calls = 0;
let created = 0, freed = 0, abandoned = 0;

function fail(msg) {
  if (failures.length < 20) failures.push(msg);
}

// Runs one call. `expect`: 'ok' | 'TypeError' | 'RangeError'; `check(result)` validates a result.
function run(name, expect, fn, check) {
  byCase.set(name, (byCase.get(name) ?? 0) + 1);
  let result;
  try {
    result = fn();
  } catch (err) {
    const kind = err instanceof TypeError ? 'TypeError' : err instanceof RangeError ? 'RangeError' : 'other';
    thrown[kind]++;
    if (kind !== expect) fail(`${name}: expected ${expect}, got ${err?.constructor?.name}: ${err?.message}`);
    return undefined;
  }
  if (expect !== 'ok') fail(`${name}: expected ${expect}, got a result`);
  else if (check) {
    const problem = check(result);
    if (problem) fail(`${name}: ${problem}`);
  }
  return result;
}

const sameShape = (want) => (t) => {
  const got = t?.shape;
  if (!Array.isArray(got) || got.length !== want.length || got.some((d, i) => d !== want[i]))
    return `shape (${got}) instead of (${want})`;
  if (t.data.length !== want.reduce((a, b) => a * b, 1)) return `data length ${t.data.length} for shape (${want})`;
  return null;
};

// ---- modules ----------------------------------------------------------------------------------
// The chapter-3 classes of the core's class table (attn.classes), built from a spec by their
// arguments' names.
const CLASSES = attn.classes.filter((c) => c.input === 'floats').map((c) => c.name);

function newSpec(cls) {
  const heads = int(1, 3);
  const spec = { cls, dIn: int(1, 6), dOut: int(1, 6), ctx: int(1, 8), p: pick([0, 0, 0.1, 0.5]), heads, bias: chance(0.5) };
  if (cls === 'MultiHeadAttention') spec.dOut = heads * int(1, 3);
  if (cls === 'Dropout') spec.p = pick([0, 0.1, 0.5, 1]);
  return spec;
}

function construct(spec) {
  const info = attn.classes.find((c) => c.name === spec.cls);
  const value = { p: spec.p, dIn: spec.dIn, dOut: spec.dOut, contextLength: spec.ctx, dropout: spec.p, numHeads: spec.heads };
  const args = info.args.map((a) => value[a.name]);
  return new attn[spec.cls](...args, ...(info.options.length ? [{ qkvBias: spec.bias }] : []));
}

const batchedClass = (cls) => cls !== 'SelfAttentionV1' && cls !== 'SelfAttentionV2' && cls !== 'Dropout';
const outWidth = (s) => (s.cls === 'MultiHeadAttentionWrapper' ? s.heads * s.dOut : s.dOut);

// A valid input for the module: shape and a Tensor, plus the expected output shape.
function validInput(spec) {
  let shape;
  if (spec.cls === 'Dropout') shape = Array.from({ length: int(0, 3) }, () => int(1, 4));
  else if (!batchedClass(spec.cls)) shape = [int(1, 8), spec.dIn];
  else shape = chance(0.5) ? [int(1, 3), int(1, spec.ctx), spec.dIn] : [int(1, spec.ctx), spec.dIn];
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = rnd() * 2 - 1;
  const out = spec.cls === 'Dropout' ? shape : [...shape.slice(0, -1), outWidth(spec)];
  return { x: attn.tensor(data, shape), shape, out };
}

// nested arrays from a flat Float32Array and a shape
function nest(data, shape, offset = 0) {
  if (shape.length === 0) return data[offset];
  const stride = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0] }, (_, i) => nest(data, shape.slice(1), offset + i * stride));
}

const POOL = 8;
const pool = []; // { spec, m, input }
const freedModules = []; // free()d modules, for use-after-free calls

function makeSlot() {
  const spec = newSpec(pick(CLASSES));
  const m = construct(spec);
  created++;
  return { spec, m, input: validInput(spec) };
}

function retire(slot) {
  if (chance(0.5)) {
    slot.m.free();
    freed++;
    freedModules.push(slot.m);
    if (freedModules.length > 16) freedModules.shift();
  } else {
    abandoned++; // left to the garbage collector and the package's FinalizationRegistry
  }
}

// ---- the calls --------------------------------------------------------------------------------
function forwardCase(slot) {
  const { spec, m, input } = slot;
  const cls = spec.cls;
  const r = rnd();
  if (r < 0.62) return run(`${cls} forward`, 'ok', () => m.forward(input.x), sameShape(input.out));
  if (r < 0.64)
    return run(`${cls} forward traced`, 'ok', () => m.forward(input.x, { trace: true }), (res) =>
      sameShape(input.out)(res.output) ?? (cls !== 'Dropout' && !res.trace.weights ? 'trace without weights' : null));
  if (r < 0.67) {
    // NaN / Infinity in the data propagate; no error
    const data = input.x.data.slice();
    if (data.length) data[int(0, data.length - 1)] = pick([NaN, Infinity, -Infinity, 3e38]);
    return run(`${cls} forward NaN data`, 'ok', () => m.forward(attn.tensor(data, input.shape)), sameShape(input.out));
  }
  if (r < 0.70) return run(`${cls} forward nested array`, 'ok', () => m.forward(nest(input.x.data, input.shape)), sameShape(input.out));
  if (cls === 'Dropout') {
    if (r < 0.8) {
      const shape = Array.from({ length: int(0, 4) }, () => int(0, 5));
      const n = shape.reduce((a, b) => a * b, 1);
      return run('Dropout forward any shape', 'ok', () => m.forward(attn.tensor(new Float32Array(n).fill(1.5), shape)), sameShape(shape));
    }
    if (r < 0.85) return run('Dropout forward string', 'TypeError', () => m.forward('x'));
    if (r < 0.9 && freedModules.length) return useAfterFree(input);
    return run(`${cls} forward`, 'ok', () => m.forward(input.x), sameShape(input.out));
  }
  if (r < 0.75) {
    const shape = [...input.shape.slice(0, -1), spec.dIn + int(1, 2)];
    return run(`${cls} forward wrong dIn`, 'RangeError', () => m.forward(attn.zeros(shape)));
  }
  if (r < 0.79) {
    const shape = pick([[spec.dIn], [1, 1, 1, spec.dIn], batchedClass(cls) ? [1, 1, 1, 1, spec.dIn] : [2, 2, spec.dIn]]);
    return run(`${cls} forward wrong rank`, 'RangeError', () => m.forward(attn.zeros(shape)));
  }
  if (r < 0.83) {
    if (!batchedClass(cls)) return run(`${cls} forward ragged`, 'RangeError', () => m.forward([[1, 2], [3]]));
    const t = spec.ctx + int(1, 3);
    return run(`${cls} forward T > contextLength`, 'RangeError', () => m.forward(attn.zeros([1, t, spec.dIn])));
  }
  if (r < 0.87) {
    // the second row one element longer (or, batched, the second batch one row short)
    const rowOf = (n) => Array.from({ length: n }, () => rnd());
    const x = batchedClass(cls) && chance(0.5)
      ? [[rowOf(spec.dIn), rowOf(spec.dIn)], [rowOf(spec.dIn)]]
      : [rowOf(spec.dIn), rowOf(spec.dIn + 1)];
    return run(`${cls} forward ragged`, 'RangeError', () => m.forward(x));
  }
  if (r < 0.89) return run(`${cls} forward non-number element`, 'TypeError', () => m.forward([[1, 'a']]));
  if (r < 0.91) return run(`${cls} forward string`, 'TypeError', () => m.forward('x'));
  if (r < 0.93) return run(`${cls} forward bad options`, 'TypeError', () => m.forward(input.x, { trace: 'yes' }));
  if (r < 0.96 && freedModules.length) return useAfterFree(input);
  return run(`${cls} forward`, 'ok', () => m.forward(input.x), sameShape(input.out));
}

// Any method of a free()d module: TypeError (forward most often).
function useAfterFree(input) {
  const m = pick(freedModules);
  const method = pick(['forward', 'forward', 'forward', 'stateDict', 'loadStateDict', 'train', 'eval', 'training']);
  return run(`${method} after free()`, 'TypeError', () => {
    if (method === 'forward') return m.forward(input.x);
    if (method === 'loadStateDict') return m.loadStateDict({});
    if (method === 'training') return m.training;
    return m[method]();
  });
}

function functionCase() {
  const r = rnd();
  const shape = [int(1, 4), int(1, 5)];
  const n = shape[0] * shape[1];
  const data = Float32Array.from({ length: n }, () => rnd() * 4 - 2);
  const x = attn.tensor(data, shape);
  if (r < 0.4) return run('softmax', 'ok', () => attn.softmax(x, pick([-2, -1, 0, 1])), (y) => {
    const bad = sameShape(shape)(y);
    if (bad) return bad;
    return null;
  });
  if (r < 0.5) return run('softmax dim out of range', 'RangeError', () => attn.softmax(x, pick([2, -3, 7])));
  if (r < 0.55) return run('softmax dim 0.5', 'RangeError', () => attn.softmax(x, 0.5));
  if (r < 0.6) return run('softmax dim string', 'TypeError', () => attn.softmax(x, '1'));
  if (r < 0.85) return run('simplifiedSelfAttention', 'ok', () => attn.simplifiedSelfAttention(x), sameShape(shape));
  if (r < 0.9)
    return run('simplifiedSelfAttention traced', 'ok', () => attn.simplifiedSelfAttention(x, { trace: true }),
      (res) => sameShape(shape)(res.output));
  return run('simplifiedSelfAttention rank 3', 'RangeError', () => attn.simplifiedSelfAttention(attn.zeros([1, ...shape])));
}

// Constructors with bad arguments (one per call of this function).
function badConstructor() {
  const bad = pick([0, -1, NaN, 2.5, Infinity, -Infinity, '3', 1e300, 2 ** 31]);
  const kind = typeof bad === 'string' ? 'TypeError' : 'RangeError';
  const which = int(0, 7);
  switch (which) {
    case 0: return run('new SelfAttentionV1 bad size', kind, () => new attn.SelfAttentionV1(bad, 2));
    case 1: return run('new SelfAttentionV2 bad size', kind, () => new attn.SelfAttentionV2(3, bad));
    case 2: return run('new CausalAttention bad contextLength', kind, () => new attn.CausalAttention(3, 2, bad, 0));
    case 3: return run('new MultiHeadAttentionWrapper bad numHeads', kind, () => new attn.MultiHeadAttentionWrapper(3, 2, 6, 0, bad));
    case 4: return run('new MultiHeadAttention bad dIn', kind, () => new attn.MultiHeadAttention(bad, 4, 6, 0, 2));
    case 5: return run('new Dropout bad p', 'RangeError', () => new attn.Dropout(pick([1.5, -0.1, NaN, Infinity])));
    case 6: return run('new CausalAttention bad dropout', 'RangeError', () => new attn.CausalAttention(3, 2, 6, pick([1.5, -0.1, NaN])));
    default: return run('new MultiHeadAttention dOut % numHeads', 'RangeError', () => new attn.MultiHeadAttention(3, 5, 6, 0, 2));
  }
}

function stateCase(slot) {
  const { spec, m } = slot;
  const sd = run(`${spec.cls} stateDict`, 'ok', () => m.stateDict());
  if (!sd) return;
  const keys = Object.keys(sd);
  const r = rnd();
  if (r < 0.5 || keys.length === 0) return run(`${spec.cls} loadStateDict round trip`, 'ok', () => m.loadStateDict(sd));
  if (r < 0.7) return run(`${spec.cls} loadStateDict unknown key`, 'RangeError', () => m.loadStateDict({ ...sd, bogus: [1] }));
  if (r < 0.9) {
    const k = pick(keys);
    return run(`${spec.cls} loadStateDict wrong shape`, 'RangeError', () =>
      m.loadStateDict({ ...sd, [k]: attn.zeros([...sd[k].shape, 1]) }));
  }
  return run(`${spec.cls} loadStateDict nested arrays`, 'ok', () =>
    m.loadStateDict(Object.fromEntries(keys.map((k) => [k, sd[k].toArray()]))));
}

// ---- the reference forward --------------------------------------------------------------------
function reference() {
  attn.manualSeed(123);
  const mha = new attn.MultiHeadAttention(3, 2, 6, 0.0, 2);
  const out = mha.forward(nest(Float32Array.from(chapter.tensors.batch.data), chapter.tensors.batch.shape));
  mha.free();
  return out;
}

function compareToFixture(out) {
  const want = chapter.tensors.mha_output;
  if (out.shape.join() !== want.shape.join()) return { ok: false, maxDiff: Infinity };
  let maxDiff = 0, ok = true;
  for (let i = 0; i < want.data.length; i++) {
    const d = Math.abs(out.data[i] - want.data[i]);
    maxDiff = Math.max(maxDiff, d);
    if (!(d <= 1e-6 + 1e-6 * Math.abs(want.data[i]))) ok = false;
  }
  return { ok, maxDiff };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
async function collect() {
  for (let i = 0; i < 4; i++) {
    globalThis.gc();
    await tick(); // FinalizationRegistry callbacks run as tasks
  }
}

function releaseAll() {
  for (const slot of pool.splice(0)) {
    slot.m.free();
    freed++;
  }
  freedModules.length = 0;
}

const fmt = (n) => n.toLocaleString('en');
const mib = (b) => `${(b / 1048576).toFixed(2)} MiB`;

// ---- run --------------------------------------------------------------------------------------
const refStart = reference();
// Warm-up: the allocator's free lists settle, then everything is released and measured.
for (let i = 0; i < POOL; i++) pool.push(makeSlot());
for (let i = 0; i < 5000; i++) forwardCase(pool[i % POOL]);
releaseAll();
await collect();
const start = attn.memory();
const t0 = performance.now();
console.log(`soak: ${fmt(CALLS)} calls, seed ${SEED}; start: inUse ${fmt(start.inUse)} B, heapSize ${mib(start.heapSize)}`);

for (let i = 0; i < POOL; i++) pool.push(makeSlot());
let heapAtFifth = null;
let peakInUse = start.inUse;
while (calls < CALLS) {
  const slotIndex = int(0, POOL - 1);
  if (chance(1 / 200)) {
    retire(pool[slotIndex]);
    pool[slotIndex] = makeSlot();
  }
  const slot = pool[slotIndex];
  const r = rnd();
  if (r < 0.85) forwardCase(slot);
  else if (r < 0.95) functionCase();
  else if (r < 0.97) badConstructor();
  else if (r < 0.98) stateCase(slot);
  else if (r < 0.99) {
    if (chance(0.5)) slot.m.eval();
    else slot.m.train();
    forwardCase(slot);
  } else {
    slot.input = validInput(slot.spec);
    forwardCase(slot);
  }
  calls++;
  if (calls % 1000 === 0) {
    await tick();
    if (calls % 20000 === 0) globalThis.gc();
    peakInUse = Math.max(peakInUse, attn.memory().inUse);
  }
  if (calls === Math.ceil(CALLS / 5)) heapAtFifth = attn.memory().heapSize;
  if (calls % PROGRESS === 0 || calls === CALLS) {
    const m = attn.memory();
    const s = (performance.now() - t0) / 1000;
    console.log(
      `  ${fmt(calls).padStart(9)} calls  ${s.toFixed(1).padStart(6)} s  inUse ${fmt(m.inUse).padStart(9)} B  ` +
        `heapSize ${mib(m.heapSize)}  thrown: TypeError ${fmt(thrown.TypeError)}, RangeError ${fmt(thrown.RangeError)}, ` +
        `other ${thrown.other}  modules: ${fmt(created)} created, ${fmt(freed)} freed, ${fmt(abandoned)} to GC`,
    );
  }
}

releaseAll();
await collect();
const end = attn.memory();
const seconds = (performance.now() - t0) / 1000;
const refEnd = reference();
await collect();
const endAfterRef = attn.memory();

const identical = Buffer.compare(Buffer.from(refStart.data.buffer), Buffer.from(refEnd.data.buffer)) === 0;
const fixture = compareToFixture(refEnd);
console.log(`soak: ${fmt(calls)} calls in ${seconds.toFixed(1)} s (${fmt(Math.round(calls / seconds))}/s)`);
console.log(`  heap inUse: start ${fmt(start.inUse)} B, end ${fmt(end.inUse)} B (${end.inUse - start.inUse >= 0 ? '+' : ''}${fmt(end.inUse - start.inUse)}), peak ${fmt(peakInUse)} B`);
console.log(`  heapSize: start ${mib(start.heapSize)}, at 20% ${mib(heapAtFifth)}, end ${mib(end.heapSize)}`);
console.log(`  thrown: TypeError ${fmt(thrown.TypeError)}, RangeError ${fmt(thrown.RangeError)}, other ${thrown.other}`);
console.log(`  modules: ${fmt(created)} created, ${fmt(freed)} free()d, ${fmt(abandoned)} left to the GC`);
console.log(`  reference MultiHeadAttention (seed 123, batch (2, 6, 3)): start/end bit-identical ${identical}, ` +
  `max |diff| to chapter.json mha_output ${fixture.maxDiff.toExponential(2)}`);
const total = (test) => [...byCase].filter(([k]) => test(k)).reduce((a, [, v]) => a + v, 0);
console.log(`  calls: ${fmt(total((k) => / forward/.test(k) || k === 'forward after free()'))} module forwards ` +
  `(${fmt(total((k) => / forward$/.test(k)))} valid plain ones), ` +
  `${fmt(total((k) => /^(softmax|simplified)/.test(k)))} softmax / simplifiedSelfAttention, ` +
  `${fmt(total((k) => k.startsWith('new ')))} bad constructors, ` +
  `${fmt(total((k) => /stateDict|loadStateDict/.test(k) && !k.includes('after free')))} state dict calls, ` +
  `${fmt(total((k) => k.includes('after free()')))} calls after free()`);
if (process.env.SOAK_CASES) for (const [k, v] of [...byCase].sort()) console.log(`    ${k}: ${fmt(v)}`);

if (end.inUse > start.inUse + SLACK) fail(`heap inUse grew from ${start.inUse} to ${end.inUse} bytes`);
if (endAfterRef.inUse > start.inUse + SLACK) fail(`heap inUse after the reference forward: ${endAfterRef.inUse} bytes`);
if (heapAtFifth !== null && end.heapSize !== heapAtFifth) fail(`heapSize kept growing: ${heapAtFifth} at 20%, ${end.heapSize} at the end`);
if (!identical) fail('the reference forward drifted: start and end outputs differ');
if (!fixture.ok) fail(`the reference forward differs from chapter.json mha_output by ${fixture.maxDiff}`);
if (thrown.other) fail(`${thrown.other} errors other than TypeError / RangeError`);
if (failures.length) {
  console.error(`soak: FAILED\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('soak: OK');
