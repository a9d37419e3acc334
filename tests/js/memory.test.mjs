// The wasm heap stays flat over 100,000 forward calls of the book's MultiHeadAttention on the
// (2, 6, 3) batch, with a traced call every 97th: (a) a new module each call, free()d; (b) one
// module reused; (c) modules never free()d, reclaimed through garbage collection and the
// package's FinalizationRegistry (a child process run with --expose-gc). And errors thrown in the
// middle of a call leak nothing.
import assert from 'node:assert/strict';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { before, test } from 'node:test';

import { SMALL, assertClose, fixture, loadAttn, nested, packedProject, runNode } from './setup.mjs';

const N = 100_000;
const SLACK = 4096; // bytes the allocator may keep in its free lists' bookkeeping
const chapter = fixture('chapter.json');
const want = chapter.tensors.mha_output;
const printed = chapter.printed.mha_output;

let attn, batch;
before(async () => {
  attn = await loadAttn();
  batch = attn.tensor(nested(chapter.tensors.batch));
});

function book() {
  attn.manualSeed(123);
  return new attn.MultiHeadAttention(3, 2, 6, 0.0, 2);
}

function assertFlat(start, end, label) {
  assert.ok(end.inUse <= start.inUse + SLACK, `${label}: inUse grew from ${start.inUse} to ${end.inUse} bytes`);
  assert.equal(end.heapSize, start.heapSize, `${label}: the heap grew from ${start.heapSize} to ${end.heapSize} bytes`);
}

test(`(b) one module reused for ${N.toLocaleString('en')} forwards: inUse and the heap stay flat`, () => {
  const m = book();
  for (let i = 0; i < 100; i++) m.forward(batch);
  const start = attn.memory();
  let traced = 0, samples = [];
  for (let i = 0; i < N; i++) {
    if (i % 97 === 0) {
      const r = m.forward(batch, { trace: true });
      traced++;
      if (i % 9700 === 0) {
        assertClose(r.output, want, SMALL, `call ${i} (traced)`);
        assertClose(r.trace.weights, chapter.mha_trace.weights, SMALL, `call ${i} trace.weights`);
      }
    } else {
      const out = m.forward(batch);
      if (i % 10000 === 1) assertClose(out, want, SMALL, `call ${i}`);
    }
    if (i % 10000 === 0) samples.push(attn.memory().inUse);
  }
  const end = attn.memory();
  assert.equal(traced, Math.ceil(N / 97));
  assertFlat(start, end, 'reused module');
  assert.ok(Math.max(...samples) <= start.inUse + SLACK, `inUse along the way: ${samples.join(', ')}`);
  assert.equal(m.forward(batch).toString(), printed);
  m.free();
});

test(`(a) a new module free()d after each of ${N.toLocaleString('en')} forwards: flat`, () => {
  for (let i = 0; i < 100; i++) book().free();
  const start = attn.memory();
  let samples = [];
  for (let i = 0; i < N; i++) {
    const m = book();
    const out = i % 97 === 0 ? m.forward(batch, { trace: true }).output : m.forward(batch);
    if (i % 10000 === 3) assertClose(out, want, SMALL, `call ${i}`);
    m.free();
    if (i % 10000 === 0) samples.push(attn.memory().inUse);
  }
  const end = attn.memory();
  assertFlat(start, end, 'create + free');
  assert.ok(Math.max(...samples) <= start.inUse + SLACK, `inUse along the way: ${samples.join(', ')}`);
});

test(`(c) ${N.toLocaleString('en')} modules never free()d: garbage collection reclaims them (node --expose-gc)`, () => {
  const { entry } = packedProject();
  const child = fileURLToPath(new URL('./helpers/gc-soak.mjs', import.meta.url));
  const r = runNode(['--expose-gc', child, pathToFileURL(entry).href, String(N)], { timeout: 120000 });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout.trim().split('\n').at(-1));
  assert.equal(got.n, N);
  assert.equal(got.first, printed);
  assert.equal(got.last, printed);
  assert.ok(got.traced > 1000);
  // Bounded while running (collected every 1,000 modules), and back to the start at the end.
  assert.ok(got.maxInUse < got.start.inUse + 16 * 1024 * 1024, `inUse peaked at ${got.maxInUse} bytes`);
  assertFlat(got.start, got.end, 'finalized modules');
});

test('stateDict() and loadStateDict() of a GPT model hold one tensor at a time in the heap, not a second model', () => {
  const { entry } = packedProject();
  const child = fileURLToPath(new URL('./helpers/state-dict-heap.mjs', import.meta.url));
  const r = runNode([child, pathToFileURL(entry).href], { timeout: 180000 });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout.trim().split('\n').at(-1));
  assert.ok(got.same, 'the loaded model\'s state dict is not the one it was given');
  // The heap grows for at most the largest tensor (tok_emb and out_head, 154 MB each) and the
  // allocator's growth step (at most 96 MiB beyond the request), far below the model's 366 MB.
  const bound = got.largest + 96 * 1024 * 1024;
  assert.ok(got.total > bound, `the model (${got.total} bytes) is too small to tell`);
  for (const [from, to, label] of [[got.built, got.afterRead, 'stateDict()'], [got.rebuilt, got.afterLoad, 'loadStateDict()']]) {
    const grew = to.heapSize - from.heapSize;
    assert.ok(grew <= bound, `${label} grew the heap by ${grew} bytes for a largest tensor of ${got.largest}`);
    assert.ok(to.inUse <= from.inUse + SLACK, `${label} left ${to.inUse - from.inUse} bytes in use`);
  }
});

test('errors thrown in the middle of a call leak nothing: 1,000 rounds of 16 kinds of failing calls', () => {
  const m = book();
  const good = m.stateDict();
  const x7 = attn.zeros([1, 7, 3]);
  const x4 = attn.zeros([2, 6, 4]);
  const ca = new attn.CausalAttention(2, 2, 1 << 20, 0.0);
  const big = attn.zeros([1, 30000, 2]);
  const failing = [
    () => m.forward(x7), // T > contextLength: after the input was copied into the heap
    () => m.forward(x4), // dIn
    () => m.forward(x7, { trace: true }),
    () => m.loadStateDict({ ...good, 'out_proj.bias': attn.zeros([3]) }), // after every key was copied in
    () => m.loadStateDict({ ...good, 'W_bogus.weight': [[1]] }),
    () => m.loadStateDict({ ...good, mask: attn.zeros([6, 6]) }),
    () => new attn.MultiHeadAttention(3, 5, 6, 0.0, 2),
    () => new attn.MultiHeadAttention(70000, 70000, 6, 0.0, 2),
    () => new attn.MultiHeadAttentionWrapper(70000, 70000, 6, 0.0, 2),
    () => new attn.MultiHeadAttentionWrapper(3, 2, 6, 1.5, 2),
    () => ca.forward(big, { trace: true }), // the (T, T) matrices beyond the cap
    () => attn.softmax(batch, 5),
    () => attn.rand([2 ** 31]),
    () => attn.chapter.trilOnes(100000),
    () => attn.chapter.maskAndRenormalize([[1, 2, 3]]),
    () => attn.simplifiedSelfAttention(batch),
  ];
  const round = () => {
    for (const [i, f] of failing.entries()) {
      assert.throws(f, (e) => e instanceof RangeError || e instanceof TypeError, `failing call ${i} did not throw`);
    }
    return failing.length;
  };
  for (let i = 0; i < 10; i++) round(); // warm up
  const start = attn.memory();
  let calls = 0;
  for (let i = 0; i < 1000; i++) calls += round();
  assert.equal(calls, 16000);
  assertFlat(start, attn.memory(), `${calls} failing calls`);
  assertClose(m.forward(batch), want, SMALL, 'the module after the failing calls');
  m.free();
  ca.free();
});
