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
  async function open(hash = '', { width = 1280, height = 800, colorScheme = 'light', wait = true, touch = false } = {}) {
    const context = await browser.newContext({ viewport: { width, height }, colorScheme, acceptDownloads: true, hasTouch: touch, isMobile: touch });
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
    if (wait) await ready(page);
    return page;
  }

  async function close() {
    await browser.close();
    await server.close();
  }
  return { server, browser, origin, open, close };
}

/**
 * Waits for the first view, then gives the test a handle on the page's store and wasm module in
 * `window.__test` (the page itself puts nothing on window: the test imports the page's entry
 * module, app.js, which exports its store, and the package, whose init() returns the instance
 * the page loaded). On a page without that store (an older page) __test.store is undefined.
 */
export async function ready(page) {
  await page.waitForSelector('html[data-ready="true"]', { timeout: 15_000 });
  await page.evaluate(async () => {
    const app = await import('/app.js');
    const { init } = await import('/dist/index.js');
    window.__test = { store: app.store, attn: await init() };
  });
}

/** The page's current state and tensors, as plain data (seeds as text: they may be BigInts). */
export function pageState(page) {
  return page.evaluate(() => {
    const { store } = window.__test;
    const r = store.result;
    const plain = (t) => ({ shape: t.shape, data: Array.from(t.data, (v) => (Number.isFinite(v) ? v : String(v))) });
    return {
      state: { ...store.state, seed: String(store.state.seed) },
      output: plain(r.output),
      trace: Object.fromEntries(Object.entries(r.trace).map(([k, t]) => [k, plain(t)])),
      stateDict: Object.fromEntries(Object.entries(r.stateDict).map(([k, t]) => [k, plain(t)])),
      stones: r.stones ? Object.fromEntries(['unmasked', 'tril', 'renormalized', 'dropoutOnes'].map((k) => [k, plain(r.stones[k])])) : null,
    };
  });
}

/**
 * Runs a module independently of the page, with the page's own wasm module:
 * { cls, seed, args, inputs, batched, training } -> the output's data. The page shows a traced
 * forward pass (every intermediate), so this one is traced too (`fast: true` for the plain
 * forward(x), whose fused kernels may round differently in the last bit).
 */
export function computeDirect(page, spec) {
  return page.evaluate(({ cls, seed, args, inputs, batched, training, fast }) => {
    const { attn } = window.__test;
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

/** Clicks `clickable` and returns the download it starts: { name, text }. */
export async function downloadOf(page, clickable) {
  const [dl] = await Promise.all([page.waitForEvent('download'), clickable()]);
  return { name: dl.suggestedFilename(), text: readFileSync(await dl.path(), 'utf8') };
}

/** The SVG export of a card: its text. */
export function cardSVG(page, card) {
  return downloadOf(page, () => page.click(`[data-card="${card}"] button[data-export="svg"]`)).then((d) => d.text);
}

/** Everything the page exports as JSON: { tensors: { name: { shape, data } }, ... }. */
export async function exportedJSON(page) {
  await page.locator('#export-menu summary').click();
  const { text } = await downloadOf(page, () => page.click('#export-json'));
  return JSON.parse(text);
}

/** Pastes text into the inputs' paste box and applies it. */
export async function paste(page, text) {
  if (!(await page.locator('#paste').evaluate((d) => d.open))) await page.locator('#paste summary').click();
  await page.fill('#paste-text', text);
  await page.click('#paste-apply');
}

/** 64 (or n) tokens of 3 values that vary smoothly, as lines of CSV with names. */
export function tokenLines(n = 64) {
  return Array.from({ length: n }, (_, i) =>
    `tok${i},${(0.5 + 0.5 * Math.sin(i)).toFixed(2)},${(0.5 + 0.5 * Math.cos(1.3 * i)).toFixed(2)},${((i % 7) / 7).toFixed(2)}`).join('\n');
}

export const VARIANT_IDS = ['simplified', 'v1', 'v2', 'causal', 'wrapper', 'mha'];
