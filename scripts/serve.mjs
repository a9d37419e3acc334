#!/usr/bin/env node
// The page's static server: node scripts/serve.mjs, then open http://localhost:8080 (PORT overrides).
//
//   /                        web/            the page itself
//   /dist/<file>             dist/           the package: index.js, attention_wasm.mjs, attention_wasm.wasm,
//                                            and the threaded build attention_wasm_mt.{mjs,wasm,worker.js}
//   /vendor/<pkg>/dist/...   web-deps/node_modules/, node_modules/  the page's front-end dependencies
//                            (VENDOR below: d3 from web-deps/, js-tiktoken from the package's own), nothing else
//   /reference/chapter.json  tests/fixtures/ the numbers the book prints, for the "matches the book" badge
//
// Every response carries COOP/COEP (the page is cross-origin isolated, so it has SharedArrayBuffer
// and loads the threaded build) and the page's Content-Security-Policy. Only GET and HEAD are answered; the page never sends data anywhere.
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// DIST_DIR serves a package built elsewhere (as scripts/build-wasm.sh's DIST_DIR writes it).
const DIST = path.resolve(ROOT, process.env.DIST_DIR ?? 'dist');

/**
 * npm packages the page imports (through the import map in web/index.html): d3 for drawing, and
 * js-tiktoken, which attn.getEncoding() imports on first use (its CommonJS dependency base64-js
 * is mapped to the package's dist/base64-js.js instead).
 */
export const VENDOR = ['d3-color', 'd3-interpolate', 'd3-scale-chromatic', 'd3-dsv', 'js-tiktoken'];
/** Where each is installed: d3 by web-deps/ (the page's own), js-tiktoken as the package's dependency. */
export function vendorDir(pkg) {
  return path.join(ROOT, pkg === 'js-tiktoken' ? 'node_modules' : 'web-deps/node_modules', pkg);
}
/** The package's files under dist/, as package.json's "files" lists them (the one list of them). */
const DIST_FILES = new Set(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).files
  .filter((f) => f.startsWith('dist/')).map((f) => f.slice('dist/'.length)));

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
};

// ---- Content-Security-Policy ------------------------------------------------------------------
//
// Nothing is allowed by default; each kind of resource is then allowed from the page's own
// origin only, and only where the page uses it:
//   script-src 'self'              the page's modules, the package, the vendored modules (d3, js-tiktoken)
//   script-src 'wasm-unsafe-eval'  WebAssembly.instantiate(Streaming) counts as code compilation
//                                  under CSP; this keyword allows compiling wasm and nothing else
//                                  (JS eval and new Function stay blocked: the Emscripten glue is
//                                  built with -sDYNAMIC_EXECUTION=0 and its Embind code needs neither)
//   script-src 'sha256-...'        the inline <script type="importmap"> (an import map cannot be an
//                                  external file); the hash pins its exact text
//   style-src 'self'               style.css (the page sets styles through the CSSOM only)
//   img-src 'self'                 the favicon
//   connect-src 'self'             fetch() of attention_wasm.wasm and of the book's reference numbers
//   worker-src 'self'              the threaded build's pthreads: new Worker(attention_wasm_mt.worker.js),
//                                  a classic worker script that import()s attention_wasm_mt.mjs (under
//                                  script-src, from the worker's own response's CSP) and instantiates
//                                  the module the page already compiled (posted to it: no fetch, no
//                                  compile). Without it workers would fall back to script-src, which
//                                  also allows them; said explicitly so the page allows workers from
//                                  its own origin only, and would not lose them if script-src changed.
//                                  The shared memory itself needs no CSP, only COOP + COEP below.
// The rest say no: no plugins, no <base>, no form posts, no framing. frame-ancestors is not
// allowed in a <meta> tag, so it is only in the header; the meta tag holds the rest.

/** The sha256 source of the page's inline import map, computed from web/index.html. */
export function importMapHash(html = readFileSync(path.join(ROOT, 'web/index.html'), 'utf8')) {
  const m = html.match(/<script type="importmap">([\s\S]*?)<\/script>/);
  if (!m) throw new Error('web/index.html has no <script type="importmap">');
  return `'sha256-${createHash('sha256').update(m[1], 'utf8').digest('base64')}'`;
}

/** The policy; `meta: true` leaves out what a <meta http-equiv> tag may not hold. */
export function contentSecurityPolicy({ meta = false, html } = {}) {
  const directives = [
    "default-src 'none'",
    `script-src 'self' 'wasm-unsafe-eval' ${importMapHash(html)}`,
    "style-src 'self'",
    "img-src 'self'",
    "connect-src 'self'",
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ];
  if (!meta) directives.push("frame-ancestors 'none'");
  return directives.join('; ');
}

// ---- routing ----------------------------------------------------------------------------------

function resolve(urlPath) {
  let p;
  try {
    p = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (p.includes('\0') || p.split('/').includes('..')) return null;
  if (p === '/' || p === '') return path.join(ROOT, 'web/index.html');
  if (p.startsWith('/dist/')) {
    const name = p.slice('/dist/'.length);
    return DIST_FILES.has(name) ? path.join(DIST, name) : null;
  }
  if (p.startsWith('/vendor/')) {
    const [pkg, ...rest] = p.slice('/vendor/'.length).split('/');
    if (!VENDOR.includes(pkg) || rest[0] !== 'dist' && rest.join('/') !== 'LICENSE') return null;
    return path.join(vendorDir(pkg), ...rest);
  }
  if (p === '/reference/chapter.json') return path.join(ROOT, 'tests/fixtures/chapter.json');
  return path.join(ROOT, 'web', p);
}

export function securityHeaders(csp) {
  return {
    'Content-Security-Policy': csp,
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-cache',
  };
}

function handler(req, res) {
  let csp;
  try {
    csp = contentSecurityPolicy();
  } catch (err) {
    res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
    return res.end(`${err.message}\n`);
  }
  const headers = securityHeaders(csp);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { ...headers, Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
    return res.end('method not allowed\n');
  }
  const url = new URL(req.url, 'http://localhost');
  const file = resolve(url.pathname);
  let stat = null;
  try {
    stat = file && statSync(file);
  } catch {
    stat = null;
  }
  if (!stat || !stat.isFile()) {
    res.writeHead(404, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
    const hint = url.pathname.startsWith('/dist/') ? ' (run bash scripts/build-wasm.sh, or npm start)' : '';
    return res.end(`not found: ${url.pathname}${hint}\n`);
  }
  const type = MIME[path.extname(file)] ?? 'application/octet-stream';
  res.writeHead(200, { ...headers, 'Content-Type': type, 'Content-Length': stat.size });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file).pipe(res);
}

// ---- start ------------------------------------------------------------------------------------

function listen(server, port, host) {
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      ok(server.address().port);
    });
  });
}

/**
 * Starts the server on 127.0.0.1 (and on [::1] with the same port when the machine has IPv6, so
 * http://localhost works whichever address the browser tries first). port 0 picks a free port.
 * Resolves to { port, url, close() }.
 */
export async function startServer({ port = 8080, host = '127.0.0.1' } = {}) {
  const servers = [http.createServer(handler)];
  const actual = await listen(servers[0], port, host);
  if (host === '127.0.0.1') {
    const v6 = http.createServer(handler);
    try {
      await listen(v6, actual, '::1');
      servers.push(v6);
    } catch {
      v6.close(); // no IPv6 loopback here (or the port is taken there): IPv4 alone is fine
    }
  }
  return {
    port: actual,
    url: `http://localhost:${actual}/`,
    close: () => Promise.all(servers.map((s) => new Promise((ok) => {
      s.closeAllConnections?.();
      s.close(() => ok());
    }))),
  };
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href;
if (isMain) {
  if (process.argv.includes('--print-csp')) {
    // For the <meta> tag in web/index.html after the import map changes.
    console.log(contentSecurityPolicy({ meta: true }));
    process.exit(0);
  }
  const raw = process.env.PORT ?? '8080';
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) {
    console.error(`serve: PORT must be an integer in [0, 65535], got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  for (const f of ['index.js', 'attention_wasm.mjs', 'attention_wasm.wasm']) {
    try {
      statSync(path.join(DIST, f));
    } catch {
      console.warn(`serve: ${path.join(DIST, f)} is missing; build it with: bash scripts/build-wasm.sh`);
    }
  }
  const { url, close } = await startServer({ port });
  console.log(`attention-wasm: serving web/ on ${url}  (Ctrl-C stops)`);
  const stop = () => close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
