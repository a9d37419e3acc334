// The threaded build (attention_wasm_mt: Emscripten pthreads over SharedArrayBuffer) in Chromium:
// the cross-origin isolated page loads it (init({ threads: 'auto' })) under its strict CSP, its
// results are bitwise those of the single-thread build in the same page, and init({ threads })
// refuses clearly what cannot work: bad values, a second init asking for another thread count, a
// worker script that does not load or never starts, a page that is not cross-origin isolated.
import assert from 'node:assert/strict';
import { createReadStream, existsSync } from 'node:fs';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { REPO, assertQuietAndLocal, setup } from './helpers.mjs';

const DIST = process.env.DIST_DIR ? resolve(REPO, process.env.DIST_DIR) : join(REPO, 'dist');

let env;
let page;
before(async () => {
  for (const f of ['attention_wasm_mt.mjs', 'attention_wasm_mt.wasm', 'attention_wasm_mt.worker.js'])
    assert.ok(existsSync(join(DIST, f)), `${f} is missing from ${DIST}: build it (bash scripts/build-wasm.sh)`);
  env = await setup();
  page = await env.open();
});
after(async () => {
  await page?.context().close();
  await env?.close();
});

test('the page is cross-origin isolated and runs the threaded build, quietly, from its own origin', async () => {
  const info = await page.evaluate(() => ({
    isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency, threads: window.__test.attn.threads, simd: window.__test.attn.simd,
  }));
  assert.equal(info.isolated, true);
  assert.equal(info.simd, true);
  assert.equal(info.threads, Math.max(1, Math.min(info.cores, 8)), "threads: 'auto' gives the core count, at most 8");
  if (info.threads > 1) {
    assert.match(await page.textContent('#foot-text'), new RegExp(`WebAssembly SIMD, ${info.threads} threads · `));
    assert.ok(page.requests.some((u) => u.endsWith('/dist/attention_wasm_mt.worker.js')), 'the pthread workers were started');
  }
  assertQuietAndLocal(page, env.origin);
});

test('threaded and single-thread builds give the same bits (GPT-2-sized MultiHeadAttention and every class)', async () => {
  const r = await page.evaluate(async () => {
    const mt = window.__test.attn;
    const { init } = await import('/dist/index.js?single-thread'); // a second copy of the package: its own instance
    const st = await init();
    const run = (attn) => {
      attn.manualSeed(42);
      const results = [];
      const x3 = attn.randn([2, 150, 768]);
      const mha = new attn.MultiHeadAttention(768, 768, 1024, 0.1, 12, { qkvBias: true }).eval();
      results.push(['MultiHeadAttention', mha.forward(x3)]);
      results.push(['MultiHeadAttention (trace)', mha.forward(x3, { trace: true }).output]);
      const x = attn.randn([2, 67, 40]);
      results.push(['CausalAttention', new attn.CausalAttention(40, 24, 80, 0.0, { qkvBias: true }).forward(x)]);
      results.push(['MultiHeadAttentionWrapper', new attn.MultiHeadAttentionWrapper(40, 16, 80, 0.0, 3).forward(x)]);
      results.push(['SelfAttentionV2', new attn.SelfAttentionV2(40, 33).forward(attn.randn([301, 40]))]);
      results.push(['SelfAttentionV1', new attn.SelfAttentionV1(40, 64).forward(attn.randn([129, 40]))]);
      return results;
    };
    const a = run(mt), b = run(st);
    return {
      threads: [mt.threads, st.threads],
      compared: a.map(([name, t], i) => {
        const u = new Uint32Array(t.data.buffer), v = new Uint32Array(b[i][1].data.buffer);
        let differ = 0;
        for (let k = 0; k < u.length; k++) if (u[k] !== v[k]) differ++;
        return { name, shape: t.shape.join('x'), otherShape: b[i][1].shape.join('x'), size: u.length, differ };
      }),
    };
  });
  assert.equal(r.threads[1], 1);
  for (const c of r.compared) {
    assert.equal(c.shape, c.otherShape, c.name);
    assert.ok(c.size > 0, c.name);
    assert.equal(c.differ, 0, `${c.name}: ${c.differ} of ${c.size} values differ between ${r.threads[0]} threads and 1`);
  }
});

test('init({ threads }) in the browser: bad values, a conflicting second call, a worker that fails to load', async () => {
  const r = await page.evaluate(async () => {
    const outcome = (p) => p.then((a) => `threads ${a.threads}`, (e) => `${e.name}: ${e.message}`);
    const fresh = (tag) => import(`/dist/index.js?${tag}`).then((m) => m.init);
    const bad = await fresh('bad');
    const values = [];
    for (const threads of ['2', 0, 2.5, 99, null]) values.push(await outcome(bad({ threads })));
    const two = await fresh('two');
    const first = await outcome(two({ threads: 2 }));
    const conflict = await outcome(two({ threads: 3 }));
    const same = await outcome(two({ threads: 2 }));
    const plain = await outcome(two());
    const broken = await fresh('broken-worker');
    const base = new URL('/dist/', location.href);
    const locateFile = (name) => new URL(name.endsWith('.worker.js') ? 'missing.worker.js' : name, base).href;
    const workerFails = await outcome(broken({ threads: 2, locateFile }));
    return { values, first, conflict, same, plain, workerFails };
  });
  assert.match(r.values[0], /^TypeError: init: options\.threads must be true, false, 'auto' or an integer in \[1, 16\], got a string \("2"\)$/);
  assert.match(r.values[1], /^RangeError: init: options\.threads \(0\) must be an integer in \[1, 16\]$/);
  assert.match(r.values[2], /^RangeError: init: options\.threads \(2\.5\)/);
  assert.match(r.values[3], /^RangeError: init: options\.threads \(99\)/);
  assert.match(r.values[4], /^TypeError: init: options\.threads must be .* got null$/);
  assert.equal(r.first, 'threads 2');
  assert.match(r.conflict, /^Error: init: options\.threads \(number \(3\)\) asks for 3 thread\(s\), but the module is already loaded \(or loading\) for 2/);
  assert.equal(r.same, 'threads 2');
  assert.equal(r.plain, 'threads 2');
  assert.match(r.workerFails, new RegExp(`^Error: init: the threaded build's worker ${env.origin}/dist/missing\\.worker\\.js failed to load`));
});

test('a pthread worker that loads but cannot start: rejects at once when its glue is missing, within 10 s when it never answers, naming its URL', async () => {
  // The package's files and two broken workers, from a server with COOP / COEP:
  //   /lonely/attention_wasm_mt.worker.js   the real worker, without the glue it imports beside it
  //   /silent.worker.js                     a worker that ignores every message
  const server = http.createServer((req, res) => {
    const name = new URL(req.url, 'http://x').pathname;
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
    if (name === '/') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html' });
      return res.end('<!doctype html><title>broken workers</title>');
    }
    if (name === '/silent.worker.js') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript' });
      return res.end('self.onmessage = () => {};\n');
    }
    const file = name === '/lonely/attention_wasm_mt.worker.js' ? join(DIST, 'attention_wasm_mt.worker.js')
      : name.startsWith('/dist/') && !name.includes('..') ? join(DIST, name.slice(6)) : null;
    if (!file || !existsSync(file)) {
      res.writeHead(404, headers);
      return res.end();
    }
    res.writeHead(200, { ...headers, 'Content-Type': file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript' });
    createReadStream(file).pipe(res);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const p = await env.browser.newPage();
  try {
    await p.goto(`${origin}/`);
    const r = await p.evaluate(async () => {
      const attempt = async (tag, worker) => {
        const { init } = await import(`/dist/index.js?${tag}`);
        const locateFile = (name) => (name.endsWith('.worker.js') ? worker : `/dist/${name}`);
        const t0 = performance.now();
        return init({ threads: 2, locateFile }).then((a) => ({ resolved: a.threads }),
          (e) => ({ message: `${e.name}: ${e.message}`, argument: e.argument, ms: performance.now() - t0 }));
      };
      const lonely = await attempt('lonely', '/lonely/attention_wasm_mt.worker.js');
      const silent = await attempt('silent', '/silent.worker.js');
      const fine = await attempt('fine', '/dist/attention_wasm_mt.worker.js');
      return { isolated: crossOriginIsolated, lonely, silent, fine };
    });
    assert.equal(r.isolated, true);
    assert.ok(r.lonely.message.startsWith(`Error: init: the threaded build's worker ${origin}/lonely/attention_wasm_mt.worker.js failed to load: `), r.lonely.message);
    assert.match(r.lonely.message, new RegExp(`Failed to fetch dynamically imported module: ${origin}/lonely/attention_wasm_mt\\.mjs`));
    assert.match(r.lonely.message, new RegExp(`it imports attention_wasm_mt\\.mjs from its own folder \\(${origin}/lonely/attention_wasm_mt\\.mjs\\)`));
    assert.ok(r.lonely.ms < 5000, `the lonely worker was given up after ${Math.round(r.lonely.ms)} ms`);
    assert.ok(r.silent.message.startsWith(`Error: init: the threaded build's worker ${origin}/silent.worker.js did not start within 10 s of being sent the compiled module.`), r.silent.message);
    assert.ok(r.silent.ms >= 9500 && r.silent.ms < 14000, `the silent worker was given up after ${Math.round(r.silent.ms)} ms`);
    for (const e of [r.lonely, r.silent]) assert.equal(e.argument, 'options.threads');
    assert.deepEqual(r.fine, { resolved: 2 }, 'the real worker from the same server starts');
  } finally {
    await p.context().close();
    await new Promise((ok) => server.close(ok));
  }
});

test('a page that is not cross-origin isolated: threads: true rejects saying why, \'auto\' gives one thread', async () => {
  // The same files from a server that sends no COOP / COEP (and no CSP).
  const plain = http.createServer((req, res) => {
    const name = new URL(req.url, 'http://x').pathname;
    if (name === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return res.end('<!doctype html><title>not isolated</title>');
    }
    const file = name.startsWith('/dist/') ? join(DIST, name.slice(6)) : null;
    if (!file || name.includes('..') || !existsSync(file)) {
      res.writeHead(404);
      return res.end();
    }
    res.writeHead(200, { 'Content-Type': file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript' });
    createReadStream(file).pipe(res);
  });
  await new Promise((ok) => plain.listen(0, '127.0.0.1', ok));
  const p = await env.browser.newPage();
  try {
    await p.goto(`http://127.0.0.1:${plain.address().port}/`);
    const r = await p.evaluate(async () => {
      const { init } = await import('/dist/index.js');
      const outcome = (q) => q.then((a) => `threads ${a.threads}`, (e) => `${e.name}: ${e.message}`);
      return {
        isolated: crossOriginIsolated,
        strict: await outcome(init({ threads: true })),
        auto: await outcome(init({ threads: 'auto' })),
      };
    });
    assert.equal(r.isolated, false);
    assert.match(r.strict, /^Error: init: options\.threads \(boolean \(true\)\) cannot be honoured: it needs SharedArrayBuffer, which a browser offers only to a cross-origin isolated page .* crossOriginIsolated is false\. Use threads: 'auto' to fall back to one thread\.$/);
    assert.equal(r.auto, 'threads 1');
  } finally {
    await p.context().close();
    await new Promise((ok) => plain.close(ok));
  }
});
