// npm run build:site: the static folder works from any static host, at any base path. Served with
// no headers from a subfolder, the page computes the book's numbers on one thread; served with the
// headers of its _headers file (as Netlify or Cloudflare Pages would), it is cross-origin isolated
// and runs threaded. Either way it asks nothing of any other origin.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { REPO, assertQuietAndLocal, launchBrowser } from './helpers.mjs';

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.wasm': 'application/wasm', '.svg': 'image/svg+xml' };

let site, browser;
before(async () => {
  site = path.join(mkdtempSync(path.join(tmpdir(), 'attention-wasm-site-')), 'site');
  execFileSync(process.execPath, [path.join(REPO, 'scripts/build-site.mjs'), site], { stdio: ['ignore', 'pipe', 'pipe'] });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  if (site) rmSync(path.dirname(site), { recursive: true, force: true });
});

/** The headers of _headers' "/*" block. */
function headersFile() {
  const lines = readFileSync(path.join(site, '_headers'), 'utf8').split('\n');
  assert.equal(lines[0], '/*');
  return Object.fromEntries(lines.slice(1).filter(Boolean).map((l) => l.trim().split(/:\s(.*)/s).slice(0, 2)));
}

/** A plain static server of the site under `base`, sending `headers` with every file. */
async function host(base, headers) {
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const rel = p.startsWith(base) ? p.slice(base.length) || 'index.html' : null;
    const file = rel && path.join(site, rel);
    if (!file || !file.startsWith(site) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, headers);
      return res.end();
    }
    res.writeHead(200, { ...headers, 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((ok) => server.close(ok)) };
}

async function openSite(origin, base) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.problems = [];
  page.requests = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') page.problems.push(`console.${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => page.problems.push(`requestfailed: ${r.url()}`));
  page.on('request', (r) => page.requests.push(r.url()));
  await page.goto(`${origin}${base}`);
  await page.waitForSelector('html[data-ready="true"]', { timeout: 20_000 });
  await page.waitForSelector('#badge.ok');
  // The page's own instance: init() of the package it loaded resolves to it.
  await page.evaluate(async () => {
    const { init } = await import(new URL('dist/index.js', location.href).href);
    window.__site = { attn: await init() };
  });
  return page;
}

test('the site holds the page, the browser files of the package, the d3 modules, the reference numbers and _headers, and nothing for Node', () => {
  for (const f of ['index.html', 'app.js', 'dist/index.js', 'dist/attention_wasm.wasm', 'dist/attention_wasm_mt.worker.js',
    'vendor/d3-dsv/dist/d3-dsv.mjs', 'vendor/d3-color/LICENSE', 'reference/chapter.json', '_headers'])
    assert.ok(existsSync(path.join(site, f)), f);
  for (const f of ['dist/index.node.js', 'dist/node.js', 'dist/node', 'package.json', 'node_modules'])
    assert.ok(!existsSync(path.join(site, f)), `${f} should not be in the site`);
  const h = headersFile();
  assert.equal(h['Cross-Origin-Opener-Policy'], 'same-origin');
  assert.equal(h['Cross-Origin-Embedder-Policy'], 'require-corp');
  assert.match(h['Content-Security-Policy'], /frame-ancestors 'none'$/);
});

test('from a subfolder of a host that sends no headers: the book\'s numbers on one thread, nothing asked of other origins', async () => {
  const base = '/some/project/';
  const srv = await host(base, {});
  try {
    const page = await openSite(srv.origin, base);
    const info = await page.evaluate(() => ({ isolated: crossOriginIsolated, threads: window.__site.attn.threads }));
    assert.deepEqual(info, { isolated: false, threads: 1 });
    assert.match(await page.locator('#badge').innerText(), /Matches the book/);
    assert.ok(page.requests.every((u) => u.startsWith(`${srv.origin}${base}`) || u.startsWith('data:') || u.startsWith('blob:')),
      page.requests.filter((u) => !u.startsWith(`${srv.origin}${base}`)).join('\n'));
    assertQuietAndLocal(page, srv.origin);
    await page.context().close();
  } finally {
    await srv.close();
  }
});

test('from a host that sends the headers of _headers: cross-origin isolated, threaded, the book\'s numbers', async () => {
  const srv = await host('/', headersFile());
  try {
    const page = await openSite(srv.origin, '/');
    const info = await page.evaluate(() => ({ isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency, threads: window.__site.attn.threads }));
    assert.equal(info.isolated, true);
    assert.equal(info.threads, Math.max(1, Math.min(info.cores, 8)));
    assert.match(await page.locator('#badge').innerText(), /Matches the book/);
    assertQuietAndLocal(page, srv.origin);
    await page.context().close();
  } finally {
    await srv.close();
  }
});
