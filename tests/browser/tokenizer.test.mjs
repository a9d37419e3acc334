// The tokenizer in a browser without a bundler: the served page's import map resolves js-tiktoken
// (from /vendor/) and base64-js (the package's dist/base64-js.js), and under the page's CSP a
// module of that origin can init() the package and call getEncoding('gpt2'), which fetches
// js-tiktoken and the gpt2 ranks only then. The page's own app.js is swapped for a small module
// (the check does not depend on what the page draws); the document, its import map and its CSP
// are the served ones.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { REPO, assertQuietAndLocal, setup } from './helpers.mjs';

const BOOK = JSON.parse(readFileSync(join(REPO, 'tests/fixtures/book.json'), 'utf8')).outputs;

// Stands in for web/app.js: a module script of the page, so everything it imports is fetched under
// the page's CSP. It first checks that the CSP holds for module imports (a data: URL is refused),
// then loads the package and offers the tokenizer to the test.
const CHECK_MODULE = `
import { init } from 'attention-wasm';
window.__dataImport = await import('data:text/javascript,export default 1').then(() => 'loaded', (err) => err.name);
const attn = await init();
window.__tokenize = async ({ text, allowedSpecial, ids }) => {
  const enc = await attn.getEncoding('gpt2');
  return {
    same: enc === (await attn.getEncoding('gpt2')),
    nVocab: enc.nVocab,
    ids: enc.encode(text, { allowedSpecial }),
    decoded: enc.decode(ids),
    pieces: enc.decodeTokens(ids),
    bytes: Array.from(enc.tokenBytes(ids[0])),
    refused: (() => { try { enc.encode(text); return null; } catch (err) { return [err.name, err.module, err.argument]; } })(),
  };
};
document.documentElement.dataset.ready = 'true';
`;

let env, page;
before(async () => {
  env = await setup();
  page = await openWithCheck();
});
after(async () => {
  await page?.context().close();
  await env?.close();
});

// The served page with app.js replaced (helpers.mjs's open() without the route), recording
// console errors, page errors and requests as open() does.
async function openWithCheck() {
  const context = await env.browser.newContext();
  await context.route(/\/app\.js$/, (route) => route.fulfill({ status: 200, contentType: 'text/javascript; charset=utf-8', body: CHECK_MODULE }));
  const p = await context.newPage();
  p.problems = [];
  p.requests = [];
  p.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') p.problems.push(`console.${m.type()}: ${m.text()}`);
  });
  p.on('pageerror', (e) => p.problems.push(`pageerror: ${e.message}`));
  p.on('requestfailed', (r) => p.problems.push(`requestfailed: ${r.url()} ${r.failure()?.errorText}`));
  p.on('request', (r) => p.requests.push(r.url()));
  await p.goto(`${env.origin}/`);
  await p.waitForSelector('html[data-ready="true"]', { timeout: 15_000 });
  return p;
}

const tokenizerRequests = () => page.requests.filter((u) => /\/vendor\/js-tiktoken\/|\/dist\/base64-js\.js$/.test(u)).map((u) => new URL(u).pathname);

test('the page\'s CSP applies to module imports: its module cannot import a data: URL', async () => {
  assert.equal(await page.evaluate(() => window.__dataImport), 'TypeError');
  assert.ok(page.problems.some((p) => /Content Security Policy/.test(p)), page.problems.join('\n'));
  page.problems.length = 0; // the refusal is reported on the console, as it should be
});

test('init() in the page fetches nothing of the tokenizer; getEncoding("gpt2") then loads it under the CSP and encodes as the book prints', async () => {
  assert.deepEqual(tokenizerRequests(), [], 'no tokenizer module before getEncoding');
  const { text, allowed_special, ids, decoded } = BOOK.ch02_tiktoken_endoftext;
  const got = await page.evaluate((args) => window.__tokenize(args), { text, allowedSpecial: allowed_special, ids });
  assert.equal(got.same, true, 'getEncoding resolves to one Encoding');
  assert.equal(got.nVocab, BOOK.ch04_gpt_config_124m.cfg.vocab_size);
  assert.deepEqual(got.ids, ids);
  assert.equal(got.decoded, decoded);
  assert.equal(got.pieces.join(''), decoded);
  assert.deepEqual(got.bytes, [...new TextEncoder().encode(got.pieces[0])]);
  assert.deepEqual(got.refused, ['RangeError', 'Encoding', 'text'], 'the special token is refused without allowedSpecial');
  const loaded = tokenizerRequests();
  for (const path of ['/vendor/js-tiktoken/dist/lite.js', '/vendor/js-tiktoken/dist/ranks/gpt2.js', '/dist/base64-js.js'])
    assert.ok(loaded.includes(path), `${path} was fetched: ${loaded.join(', ')}`);
  assert.ok(!loaded.some((p) => /\/ranks\/(?!gpt2\.js)/.test(p) || p.endsWith('/dist/index.js')), `only what gpt2 needs: ${loaded.join(', ')}`);
  assertQuietAndLocal(page, env.origin);
});

test('the server serves js-tiktoken\'s dist/ under /vendor/ as JavaScript, and nothing else of it or of base64-js', async () => {
  const res = await page.request.get(`${env.origin}/vendor/js-tiktoken/dist/ranks/gpt2.js`);
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-type'], /^text\/javascript/);
  for (const path of ['/vendor/js-tiktoken/package.json', '/vendor/js-tiktoken/src/index.ts', '/vendor/base64-js/index.js'])
    assert.equal((await page.request.get(`${env.origin}${path}`)).status(), 404, `${path} must not be served`);
});
