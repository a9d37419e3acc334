// init({ threads }) under Node.js (the packed package, through its "node" entry): the threaded build
// runs on worker_threads, gives the same bits as one thread, leaves the host process as it found
// it (no global Worker, no process-wide handlers) and lets it exit by itself when its work is done;
// a pthread worker that cannot start rejects init within 10 s naming the worker's path; bad values
// are a TypeError / RangeError naming options.threads. Each threaded case runs in a fresh process
// (one instance per process), as a user's script would.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';

import { importPackage, loadAttn, packedProject, runNode } from './setup.mjs';

let mod, attn;

before(async () => {
  mod = await importPackage();
  attn = await loadAttn();
});

/** Runs `code` as an .mjs file in the consumer project; returns its last stdout line as JSON. */
function script(name, code, { timeout = 60_000 } = {}) {
  const { project } = packedProject();
  const file = join(project, `${name}-${process.pid}.mjs`);
  writeFileSync(file, code);
  try {
    const t0 = Date.now();
    const r = runNode([file], { cwd: project, timeout });
    const ms = Date.now() - t0;
    assert.equal(r.status, 0, `${name} exited with ${r.status} after ${ms} ms (a process that does not exit by itself is killed after ${timeout} ms):\n${r.stderr}`);
    return { ...JSON.parse(r.stdout.trim().split('\n').at(-1)), ms, stderr: r.stderr };
  } finally {
    rmSync(file, { force: true });
  }
}

test('the default instance runs on one thread', () => {
  assert.equal(attn.threads, 1);
});

test('init({ threads: 2 }) runs on worker_threads and gives the bits of one thread (GPT-2-sized MultiHeadAttention and the other classes)', () => {
  const r = script('threads-bits', `
    import { init } from 'attention-wasm';
    // A second copy of the package (another URL of its entry): its own, single-thread instance.
    const entry = import.meta.resolve('attention-wasm');
    const single = await (await import(entry + '?single-thread')).init();
    const threaded = await init({ threads: 2 });
    const run = (attn) => {
      attn.manualSeed(42);
      const out = [];
      const x3 = attn.randn([2, 150, 768]);
      out.push(['MultiHeadAttention', new attn.MultiHeadAttention(768, 768, 1024, 0.1, 12, { qkvBias: true }).eval().forward(x3)]);
      const x = attn.randn([2, 67, 40]);
      out.push(['CausalAttention', new attn.CausalAttention(40, 24, 80, 0.0, { qkvBias: true }).forward(x)]);
      out.push(['MultiHeadAttentionWrapper', new attn.MultiHeadAttentionWrapper(40, 16, 80, 0.0, 3).forward(x)]);
      out.push(['SelfAttentionV2', new attn.SelfAttentionV2(40, 33).forward(attn.randn([301, 40]))]);
      return out;
    };
    const a = run(threaded), b = run(single);
    const compared = a.map(([name, t], i) => {
      const u = new Uint32Array(t.data.buffer), v = new Uint32Array(b[i][1].data.buffer);
      let differ = u.length === v.length ? 0 : -1;
      for (let k = 0; differ >= 0 && k < u.length; k++) if (u[k] !== v[k]) differ++;
      return { name, size: u.length, differ };
    });
    console.log(JSON.stringify({ threads: [threaded.threads, single.threads], compared }));
  `);
  assert.deepEqual(r.threads, [2, 1]);
  for (const c of r.compared) {
    assert.ok(c.size > 0, c.name);
    assert.equal(c.differ, 0, `${c.name}: ${c.differ} of ${c.size} values differ between 2 threads and 1`);
  }
});

test('a threaded process exits by itself when its work is done, and leaves no global Worker or process handlers behind', () => {
  const r = script('threads-exit', `
    import { init } from 'attention-wasm';
    const listeners = () => ['exit', 'uncaughtException', 'unhandledRejection'].map((e) => process.listenerCount(e));
    const before = { worker: typeof globalThis.Worker, listeners: listeners() };
    const attn = await init({ threads: 2 });
    attn.manualSeed(123);
    const y = new attn.MultiHeadAttention(64, 64, 128, 0.0, 4).eval().forward(attn.randn([2, 128, 64]));
    console.log(JSON.stringify({ threads: attn.threads, before, after: { worker: typeof globalThis.Worker, listeners: listeners() }, finite: y.data.every(Number.isFinite) }));
    // no process.exit(): the pool's workers must not keep the process alive
  `, { timeout: 30_000 });
  assert.equal(r.threads, 2);
  assert.equal(r.finite, true);
  assert.deepEqual(r.after, r.before, 'the glue left a global Worker or a process listener behind');
  assert.equal(r.before.worker, 'undefined');
});

test("init({ threads: 'auto' }) in Node gives the machine's cores, at most 8", () => {
  const r = script('threads-auto', `
    import { init } from 'attention-wasm';
    const attn = await init({ threads: 'auto' });
    console.log(JSON.stringify({ threads: attn.threads }));
  `);
  assert.equal(r.threads, Math.min(availableParallelism(), 8));
});

test('a pthread worker that cannot start rejects init naming its path: at once when it is missing or exits, within 10 s when it never answers', () => {
  const { project } = packedProject();
  const silent = join(project, `silent-worker-${process.pid}.cjs`);
  const quitter = join(project, `quitting-worker-${process.pid}.cjs`);
  writeFileSync(silent, 'setInterval(() => {}, 1000); // a worker that starts and never answers\n');
  writeFileSync(quitter, '// a worker that ends at once\n');
  try {
    const r = script('threads-broken-worker', `
      import { init } from 'attention-wasm';
      const entry = import.meta.resolve('attention-wasm');
      const dist = new URL('.', entry);
      const attempt = async (tag, worker) => {
        const { init } = await import(entry + '?' + tag);
        const locateFile = (name) => (name === 'attention_wasm_mt.worker.js' ? worker : new URL(name, dist).href);
        const t0 = performance.now();
        try {
          const attn = await init({ threads: 2, locateFile });
          return { resolved: attn.threads };
        } catch (err) {
          return { name: err.name, message: err.message, module: err.module, argument: err.argument, ms: performance.now() - t0 };
        }
      };
      const missing = await attempt('missing', ${JSON.stringify(join(project, 'no-such-worker.js'))});
      const quits = await attempt('quits', ${JSON.stringify(quitter)});
      const silent = await attempt('silent', ${JSON.stringify(silent)});
      // After all that, the package still loads with threads (a fresh copy).
      const fine = await (await import(entry + '?fine')).init({ threads: 2 });
      console.log(JSON.stringify({ missing, quits, silent, fine: fine.threads }));
    `, { timeout: 60_000 });
    for (const [key, path, what, maxMs] of [
      ['missing', join(project, 'no-such-worker.js'), /failed to load: Cannot find module/, 5000],
      ['quits', quitter, /exited \(code 0\) before it started/, 5000],
      ['silent', silent, /did not start within 10 s of being sent the compiled module/, 14000],
    ]) {
      const e = r[key];
      assert.equal(e.name, 'Error', `${key}: ${JSON.stringify(e)}`);
      assert.ok(e.message.startsWith(`init: the threaded build's worker ${path} `), `${key}: ${e.message}`);
      assert.match(e.message, what, key);
      assert.match(e.message, /threads: 'auto' \/ 1/, key);
      assert.equal(e.module, 'init');
      assert.equal(e.argument, 'options.threads');
      assert.ok(e.ms < maxMs, `${key}: rejected after ${Math.round(e.ms)} ms`);
    }
    assert.ok(r.silent.ms >= 9500, `the silent worker was given up after ${Math.round(r.silent.ms)} ms, before its 10 s`);
    assert.equal(r.fine, 2);
    assert.ok(r.ms < 40_000, `the process took ${r.ms} ms to end: the failed workers were not terminated`);
  } finally {
    rmSync(silent, { force: true });
    rmSync(quitter, { force: true });
  }
});

test('init({ threads }) with wasmBinary rejects saying the bytes are the single-thread build', async () => {
  await assert.rejects(mod.init({ threads: 2, wasmBinary: new Uint8Array(8) }), (err) => {
    assert.equal(err.constructor, Error);
    assert.match(err.message, /^init: options\.threads \(number \(2\)\) cannot be honoured: options\.wasmBinary holds the single-thread build/);
    assert.match(err.message, /threads: 'auto'/);
    assert.equal(err.argument, 'options.threads');
    return true;
  });
  assert.equal(await mod.init(), attn, 'the instance is unchanged');
});

test("a second init asking for other threads than the loaded instance rejects; 'auto' with wasmBinary, 1 and false resolve to it", async () => {
  await assert.rejects(mod.init({ threads: 2 }), /^Error: init: options\.threads \(number \(2\)\) asks for 2 thread\(s\), but the module is already loaded \(or loading\) for 1/);
  for (const options of [{ threads: 'auto', wasmBinary: new Uint8Array(8) }, { threads: 1 }, { threads: false }, { threads: undefined }]) {
    const a = await mod.init(options);
    assert.equal(a, attn);
    assert.equal(a.threads, 1);
  }
});

test('init({ threads }) with a bad value: TypeError or RangeError naming options.threads', async () => {
  const cases = [
    ['two', TypeError, /options\.threads must be true, false, 'auto' or an integer in \[1, 16\], got a string \("two"\)/],
    [null, TypeError, /options\.threads must be .* got null/],
    [{}, TypeError, /options\.threads must be .* got an object/],
    [2n, TypeError, /options\.threads must be .* got a BigInt/],
    [0, RangeError, /options\.threads \(0\) must be an integer in \[1, 16\]/],
    [-1, RangeError, /options\.threads \(-1\) must be an integer in \[1, 16\]/],
    [1.5, RangeError, /options\.threads \(1\.5\) must be an integer/],
    [NaN, RangeError, /options\.threads \(NaN\) must be an integer/],
    [17, RangeError, /options\.threads \(17\) must be an integer in \[1, 16\]/],
  ];
  for (const [threads, kind, message] of cases) {
    await assert.rejects(mod.init({ threads }), (err) => {
      assert.equal(err.constructor, kind, `threads: ${String(threads)}`);
      assert.match(err.message, /^init: /);
      assert.match(err.message, message);
      assert.equal(err.argument, 'options.threads');
      return true;
    });
  }
  await assert.rejects(mod.init('fast'), /^TypeError: init: options must be an object, got a string/);
  assert.equal(await mod.init(), attn);
});
