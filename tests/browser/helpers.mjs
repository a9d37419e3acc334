// Shared by the browser tests (not a test file): the page's server on a free port, Debian's
// Chromium through playwright-core, and a page that records every console error, page error and
// request, so each test can say the page stayed quiet and local.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const OUT = join(REPO, 'tests/out');
export const CHAPTER = JSON.parse(readFileSync(join(REPO, 'tests/fixtures/chapter.json'), 'utf8'));

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];

/** Debian's Chromium, headless, as every browser test runs it. */
export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** Starts the server and the browser; returns { server, browser, open, close }. */
export async function setup() {
  for (const f of ['index.js', 'attention_wasm.mjs', 'attention_wasm.wasm']) {
    try {
      readFileSync(join(process.env.DIST_DIR ? resolve(REPO, process.env.DIST_DIR) : join(REPO, 'dist'), f));
    } catch {
      assert.fail(`dist/${f} is missing: build first (bash scripts/build-wasm.sh, or npm test)`);
    }
  }
  mkdirSync(join(OUT, 'screenshots'), { recursive: true });
  const server = await startServer({ port: 0 });
  const browser = await launchBrowser();
  const origin = `http://localhost:${server.port}`;

  /**
   * Opens the page (hash: the part after '#'). Waits until the first view is drawn.
   * The returned page has .problems (console errors, page errors, failed requests) and
   * .requests (every URL asked for).
   */
  async function open(hash = '', { width = 1280, height = 800, colorScheme = 'light', wait = true } = {}) {
    const context = await browser.newContext({ viewport: { width, height }, colorScheme, acceptDownloads: true });
    const page = await context.newPage();
    page.problems = [];
    page.requests = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') page.problems.push(`console.${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
    page.on('requestfailed', (r) => page.problems.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
    page.on('request', (r) => page.requests.push(r.url()));
    await page.goto(`${origin}/${hash ? `#${hash}` : ''}`);
    if (wait) await page.waitForSelector('html[data-ready="true"]', { timeout: 15_000 });
    return page;
  }

  async function close() {
    await browser.close();
    await server.close();
  }
  return { server, browser, origin, open, close };
}

/** The page's current state and tensors, as plain data. */
export function pageState(page) {
  return page.evaluate(() => {
    const r = window.__app.result;
    const plain = (t) => ({ shape: t.shape, data: Array.from(t.data, (v) => (Number.isFinite(v) ? v : String(v))) });
    return {
      state: window.__app.state,
      output: plain(r.output),
      trace: Object.fromEntries(Object.entries(r.trace).map(([k, t]) => [k, plain(t)])),
      stateDict: Object.fromEntries(Object.entries(r.stateDict).map(([k, t]) => [k, plain(t)])),
    };
  });
}

/**
 * Runs a module independently of the page, with the page's own wasm module (window.__attn):
 * { cls, seed, args, inputs, batched, training } -> the output's data. The page shows a traced
 * forward pass (every intermediate), so this one is traced too (`fast: true` for the plain
 * forward(x), whose fused kernels may round differently in the last bit).
 */
export function computeDirect(page, spec) {
  return page.evaluate(({ cls, seed, args, inputs, batched, training, fast }) => {
    const attn = window.__attn;
    const opts = fast ? {} : { trace: true };
    const out = (r) => Array.from((fast ? r : r.output).data);
    if (cls === 'simplified') return out(attn.simplifiedSelfAttention(inputs, opts));
    attn.manualSeed(seed);
    const m = new attn[cls](...args);
    try {
      if (!training) m.eval();
      return out(m.forward(batched ? [inputs, inputs] : inputs, opts));
    } finally {
      m.free();
    }
  }, spec);
}

/** Within API.md's precision for small cases: 1e-6 + 1e-6·|expected| per element. */
export function assertClose(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= 1e-6 + 1e-6 * Math.abs(expected[i]), `${what}[${i}]: ${v} vs ${expected[i]}`));
}

/** The numbers of a PyTorch print, in order. */
export function printedNumbers(text) {
  return (text.match(/-?inf|nan|-?\d+\.\d*(?:e[+-]?\d+)?|-?\d+(?:e[+-]?\d+)?/g) ?? []).map((s) =>
    (s === 'inf' ? Infinity : s === '-inf' ? -Infinity : s === 'nan' ? NaN : Number(s)));
}

/** Equal at the 4 decimals the book prints. */
export function assertAt4(actual, expected, what) {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, expected ${expected.length}`);
  actual.forEach((v, i) => assert.equal(Number(v.toFixed(4)), Number(expected[i].toFixed(4)), `${what}[${i}]: ${v} vs ${expected[i]}`));
}

/** The page said nothing on the console and asked only its own server for anything. */
export function assertQuietAndLocal(page, origin) {
  assert.deepEqual(page.problems, [], 'console errors, page errors or failed requests');
  const foreign = page.requests.filter((u) => !u.startsWith(origin) && !u.startsWith('blob:') && !u.startsWith('data:'));
  assert.deepEqual(foreign, [], 'requests to anything but the page\'s own server');
}

export const VARIANT_IDS = ['simplified', 'v1', 'v2', 'causal', 'wrapper', 'mha'];
