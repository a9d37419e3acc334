// The packed package in the three bundlers JavaScript developers use, as a new user meets it: the
// tarball is installed into a fresh project holding the tiny app in app/ (book.js prints the book's
// MultiHeadAttention; main.js runs it in the page or in a module Worker), which is built by
//   Vite 8 (production build, and its dev server; no configuration),
//   esbuild (--bundle --splitting --format=esm, then the package's attention_wasm* files copied
//            next to the bundle, as the README says: esbuild does not emit new URL() assets),
//   webpack 5 (production),
// all from tests/bundlers/package-lock.json, and each output is served with COOP/COEP to headless
// Chromium, which runs the app in the main thread and in a module Worker, with one thread and with
// two. Also: no Node module reaches a browser bundle, the threaded build is fetched only when
// threads are asked for (in Vite's workers with worker.format 'es'), the .wasm's exported subpath works with Vite's ?url, and what init says
// when esbuild's output lacks the files.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, createReadStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { build as viteBuild, createServer as viteServer } from 'vite';
import webpack from 'webpack';

import { fixture, packedProject } from '../js/setup.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const BOOK = fixture('chapter.json').printed.mha_output;
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];
const ISOLATED = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
const CASES = [['main', 1], ['main', 2], ['worker', 1], ['worker', 2]];
// The glue of the threaded build, and only it, holds this name (an object key minifiers keep).
const MT_MARKER = 'allocateUnusedWorker';

let app, browser;
const builds = {}; // bundler -> { out, warnings }

before(async () => {
  const { tarball } = packedProject();
  app = mkdtempSync(path.join(tmpdir(), 'attention-wasm-bundlers-'));
  cpSync(path.join(HERE, 'app'), app, { recursive: true });
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'bundled-app', private: true, type: 'module' }, null, 2));
  execFileSync('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund', '--no-package-lock', '--loglevel=error'],
    { cwd: app, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
});

after(async () => {
  await browser?.close();
  if (app) rmSync(app, { recursive: true, force: true });
});

// ---- the three builds -----------------------------------------------------------------------------

// `workerFormat: 'es'` for the second Vite build: Vite bundles workers as classic scripts by
// default ('iife'), which cannot load a chunk later, so its worker bundle carries the threaded glue
// whether or not threads are asked for; with 'es' the glue stays a chunk of its own.
async function buildVite({ workerFormat, outDir = 'out-vite' } = {}) {
  const warnings = [];
  const logger = { info() {}, warn: (m) => warnings.push(m), warnOnce: (m) => warnings.push(m), error: (m) => warnings.push(m),
    clearScreen() {}, hasErrorLogged: () => false, hasWarned: false };
  await viteBuild({
    root: app, configFile: false, customLogger: logger, logLevel: 'warn',
    build: { outDir, emptyOutDir: true, rollupOptions: { input: { main: path.join(app, 'index.html'), url: path.join(app, 'url.html') } } },
    ...(workerFormat ? { worker: { format: workerFormat } } : {}),
  });
  return { out: path.join(app, outDir), warnings };
}

async function buildEsbuild() {
  const out = path.join(app, 'out-esbuild');
  const result = await esbuild.build({
    absWorkingDir: app, entryPoints: ['main.js', 'worker.js'], bundle: true, splitting: true, format: 'esm', platform: 'browser',
    outdir: out, logLevel: 'silent',
  });
  copyFileSync(path.join(app, 'index.html'), path.join(out, 'index.html'));
  const dist = path.join(app, 'node_modules/attention-wasm/dist');
  for (const f of readdirSync(dist).filter((f) => f.startsWith('attention_wasm'))) copyFileSync(path.join(dist, f), path.join(out, f));
  return { out, warnings: result.warnings.map((w) => w.text) };
}

function buildWebpack() {
  const out = path.join(app, 'out-webpack');
  const compiler = webpack({
    mode: 'production', context: app, entry: './main.js', performance: { hints: false },
    output: { path: out, filename: 'main.js', clean: true },
  });
  return new Promise((resolve, reject) => {
    compiler.run((err, stats) => {
      compiler.close(() => {});
      if (err) return reject(err);
      const info = stats.toJson({ all: false, errors: true, warnings: true });
      if (info.errors.length) return reject(new Error(info.errors.map((e) => e.message).join('\n')));
      copyFileSync(path.join(app, 'index.html'), path.join(out, 'index.html'));
      resolve({ out, warnings: info.warnings.map((w) => w.message) });
    });
  });
}

async function built(bundler) {
  builds[bundler] ??= await {
    vite: () => buildVite(),
    'vite-es-worker': () => buildVite({ workerFormat: 'es', outDir: 'out-vite-es-worker' }),
    esbuild: buildEsbuild,
    webpack: buildWebpack,
  }[bundler]();
  return builds[bundler];
}

// ---- serving and running ----------------------------------------------------------------------------

const MIME = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm' };

/** A static server of `root` with COOP/COEP; unknown paths get 404. Resolves to { origin, close }. */
async function serve(root) {
  const server = http.createServer((req, res) => {
    let p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    if (p.endsWith('/')) p += 'index.html';
    const file = path.join(root, p);
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain', ...ISOLATED });
      return res.end('not found');
    }
    res.writeHead(200, { 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream', ...ISOLATED });
    createReadStream(file).pipe(res);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((ok) => server.close(ok)) };
}

/** Opens origin + path, waits for #out, returns { result, requests, problems }. */
async function run(origin, pathAndQuery, { timeout = 30_000 } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const requests = [], problems = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console.error: ${m.text()}`); });
  try {
    await page.goto(origin + pathAndQuery);
    await page.waitForFunction(() => document.getElementById('out')?.textContent, null, { timeout });
    return { result: JSON.parse(await page.textContent('#out')), requests, problems };
  } finally {
    await context.close();
  }
}

async function assertBookEverywhere(origin, label) {
  for (const [where, threads] of CASES) {
    const { result, problems } = await run(origin, `/?where=${where}&threads=${threads}`);
    assert.equal(result.error, undefined, `${label}, ${where}, ${threads} thread(s): ${result.error}`);
    assert.equal(result.where, where);
    assert.equal(result.threads, threads, `${label}, ${where}: threads`);
    assert.equal(result.printed, BOOK, `${label}, ${where}, ${threads} thread(s): not the book's numbers`);
    assert.deepEqual(problems, [], `${label}, ${where}, ${threads} thread(s)`);
  }
}

async function withServer(root, fn) {
  const srv = await serve(root);
  try {
    return await fn(srv.origin);
  } finally {
    await srv.close();
  }
}

// ---- the tests ---------------------------------------------------------------------------------

test('Vite production build: the book\'s MultiHeadAttention in the main thread and in a module Worker, on one thread and on two', async () => {
  const { out } = await built('vite');
  await withServer(out, (origin) => assertBookEverywhere(origin, 'vite build'));
});

test('esbuild bundle with the package\'s files copied beside it: the book\'s numbers in the main thread and in a module Worker, on one thread and on two', async () => {
  const { out } = await built('esbuild');
  await withServer(out, (origin) => assertBookEverywhere(origin, 'esbuild'));
});

test('webpack 5 production build: the book\'s numbers in the main thread and in a module Worker, on one thread and on two', async () => {
  const { out } = await built('webpack');
  await withServer(out, (origin) => assertBookEverywhere(origin, 'webpack'));
});

test('Vite\'s dev server serves the same app with the same numbers', async () => {
  const server = await viteServer({
    root: app, configFile: false, logLevel: 'silent', server: { port: 0, host: '127.0.0.1', headers: ISOLATED },
  });
  await server.listen();
  try {
    const origin = server.resolvedUrls.local[0].replace(/\/$/, '');
    await assertBookEverywhere(origin, 'vite dev');
  } finally {
    await server.close();
  }
});

test('the builds warn of nothing but webpack\'s circular chunk note and Vite\'s size hint for the tokenizer\'s ranks, and no Node.js module reaches a browser bundle', async () => {
  const vite = await built('vite'), viteEs = await built('vite-es-worker'), es = await built('esbuild'), wp = await built('webpack');
  // Vite's one note: the GPT-2 ranks of the tokenizer (js-tiktoken/ranks/gpt2, about 1 MB
  // minified) make a chunk above its 500 kB hint; it is loaded by getEncoding() alone.
  const sizeHint = /^\[plugin builtin:vite-reporter\] \n\(!\) Some chunks are larger than 500 kB after minification/;
  const plain = (w) => w.replace(/\x1b\[[0-9;]*m/g, ''); // Vite colours its messages when it sees CI
  assert.deepEqual(vite.warnings.map(plain).filter((w) => !sizeHint.test(w)), [], 'vite');
  assert.deepEqual(viteEs.warnings.map(plain).filter((w) => !sizeHint.test(w)), [], 'vite, worker.format es');
  assert.deepEqual(es.warnings, [], 'esbuild');
  // Emscripten's pthread worker imports the glue that starts it: webpack notes the cycle between
  // the two chunks (it cannot put each one's hash into the other). Anything else is new.
  for (const w of wp.warnings) assert.match(w, /^Circular dependency between chunks with runtime/, `webpack: ${w}`);
  for (const { out } of [vite, viteEs, es, wp]) {
    for (const file of readdirSync(out, { recursive: true }).filter((f) => /\.m?js$/.test(f))) {
      const text = readFileSync(path.join(out, file), 'utf8');
      // node.js (the Node host) is the only file that names availableParallelism.
      for (const bad of ['node:fs', 'node:module', 'node:os', 'node:url', 'worker_threads', 'require("fs")', 'availableParallelism'])
        assert.ok(!text.includes(bad), `${path.relative(app, path.join(out, file))} holds ${bad}`);
    }
  }
});

test('with one thread, no bundle fetches the threaded build: its glue and its .wasm load only when threads are asked for (Vite: with worker.format \'es\')', async (t) => {
  for (const bundler of ['vite-es-worker', 'esbuild', 'webpack']) {
    const { out } = await built(bundler);
    await withServer(out, async (origin) => {
      for (const where of ['main', 'worker']) {
        const one = await run(origin, `/?where=${where}&threads=1`);
        const two = await run(origin, `/?where=${where}&threads=2`);
        const files = (r) => r.requests.filter((u) => u.startsWith(origin)).map((u) => path.join(out, new URL(u).pathname));
        const holdsGlue = (f) => /\.m?js$/.test(f) && readFileSync(f, 'utf8').includes(MT_MARKER);
        const wasm = (r) => files(r).filter((f) => f.endsWith('.wasm')).map((f) => statSync(f).size);
        assert.deepEqual(files(one).filter(holdsGlue), [], `${bundler}, ${where}, 1 thread: fetched the threaded glue`);
        assert.deepEqual(wasm(one), [statSync(path.join(app, 'node_modules/attention-wasm/dist/attention_wasm.wasm')).size], `${bundler}, ${where}, 1 thread`);
        assert.ok(files(two).some(holdsGlue), `${bundler}, ${where}, 2 threads: the threaded glue was not fetched (the marker test would pass vacuously)`);
        assert.ok(wasm(two).includes(statSync(path.join(app, 'node_modules/attention-wasm/dist/attention_wasm_mt.wasm')).size), `${bundler}, ${where}, 2 threads`);
        const jsBytes = (r) => files(r).filter((f) => /\.m?js$/.test(f)).reduce((n, f) => n + statSync(f).size, 0);
        t.diagnostic(`${bundler}, ${where}: ${jsBytes(one)} bytes of JavaScript fetched for 1 thread, ${jsBytes(two)} for 2`);
      }
    });
  }
});

test('Vite: the exported attention-wasm/dist/attention_wasm.wasm?url handed to locateFile loads the module', async () => {
  const { out } = await built('vite');
  await withServer(out, async (origin) => {
    const { result, problems } = await run(origin, '/url.html');
    assert.equal(result.error, undefined, result.error);
    assert.match(result.wasmUrl, /^\/assets\/attention_wasm-[\w-]+\.wasm$/);
    assert.equal(result.printed, BOOK);
    assert.deepEqual(problems, []);
  });
});

test('esbuild output without the .wasm beside it: init rejects naming the URL it fetched, what came back and the fixes', async () => {
  const { out } = await built('esbuild');
  const bare = `${out}-no-wasm`;
  cpSync(out, bare, { recursive: true });
  rmSync(path.join(bare, 'attention_wasm.wasm'));
  try {
    await withServer(bare, async (origin) => {
      for (const where of ['main', 'worker']) {
        const { result } = await run(origin, `/?where=${where}&threads=1`);
        assert.equal(result.error.split(': ')[0], 'Error', `${where}: ${result.error}`);
        assert.equal(result.error, `Error: init: could not load attention_wasm.wasm from ${origin}/attention_wasm.wasm: the server answered 404 Not Found. ` +
          'Serve attention_wasm.wasm at that URL (Vite and webpack 5 emit it by themselves when they bundle the package; esbuild and plain copies do not: ' +
          'put the file next to the bundle (it is in node_modules/attention-wasm/dist/)), or tell init where it is: ' +
          "init({ locateFile: (name) => '/your/path/' + name }), or pass its bytes: init({ wasmBinary })", where);
        assert.equal(result.module, 'init');
      }
    });
  } finally {
    rmSync(bare, { recursive: true, force: true });
  }
});

test('esbuild output with the pthread worker but not the glue it imports: init({ threads: 2 }) rejects at once, naming the worker and its missing import', async () => {
  const { out } = await built('esbuild');
  const bare = `${out}-no-glue`;
  cpSync(out, bare, { recursive: true });
  rmSync(path.join(bare, 'attention_wasm_mt.mjs'));
  try {
    await withServer(bare, async (origin) => {
      for (const where of ['main', 'worker']) {
        const { result } = await run(origin, `/?where=${where}&threads=2`);
        assert.ok(result.error?.startsWith(`Error: init: the threaded build's worker ${origin}/attention_wasm_mt.worker.js failed to load: `), `${where}: ${result.error}`);
        assert.match(result.error, new RegExp(`${origin}/attention_wasm_mt\\.mjs`), where);
        assert.match(result.error, /threads: 'auto' \/ 1/);
        assert.equal(result.argument, 'options.threads');
        assert.ok(result.ms < 5000, `${where}: rejected after ${Math.round(result.ms)} ms`);
      }
    });
  } finally {
    rmSync(bare, { recursive: true, force: true });
  }
});
