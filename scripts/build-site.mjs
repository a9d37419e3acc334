#!/usr/bin/env node
// node scripts/build-site.mjs [out]: the page as a static folder (default site/) that any static
// host serves as it is:
//   index.html, app.js, ...        web/
//   dist/                          the package's browser files (package.json "files", less the Node-only ones)
//   vendor/<pkg>/dist/, LICENSE    the page's d3 modules (web-deps/node_modules) and js-tiktoken
//   reference/chapter.json         the numbers the book prints, for the "matches the book" badge
//   _headers                       COOP/COEP, the CSP and the rest of scripts/serve.mjs's headers, in the
//                                  format Netlify and Cloudflare Pages read
// Every path in the page is relative, so the folder works at any base path (a GitHub Pages project
// site, a subfolder). The page loads with init({ threads: 'auto' }): threads where the host sends
// COOP/COEP (the page is then cross-origin isolated), one thread elsewhere. Its CSP is in a <meta>
// tag too, so it holds on hosts that send no headers (all but frame-ancestors, which only a header
// can carry). npm run build:site builds dist/ first when it is missing or stale.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VENDOR, contentSecurityPolicy, securityHeaders, vendorDir } from './serve.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.resolve(process.argv[2] ?? path.join(ROOT, 'site'));
const NODE_ONLY = (f) => f.startsWith('dist/node/') || f === 'dist/index.node.js' || f === 'dist/node.js' || f.endsWith('.d.ts');

const distFiles = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).files.filter((f) => f.startsWith('dist/') && !NODE_ONLY(f));
for (const f of distFiles) {
  if (!existsSync(path.join(ROOT, f))) {
    console.error(`build-site: ${f} is missing: build it first (bash scripts/build-wasm.sh, or npm run build:site)`);
    process.exit(1);
  }
}
for (const pkg of VENDOR) {
  if (!existsSync(vendorDir(pkg))) {
    console.error(`build-site: ${vendorDir(pkg)} is missing: npm ci --prefix web-deps, and npm ci --omit=dev (or npm run build:site)`);
    process.exit(1);
  }
}

if (existsSync(out) && readdirSync(out).length && !existsSync(path.join(out, '_headers'))) {
  console.error(`build-site: ${out} exists and is not a site this script wrote (no _headers): refusing to replace it`);
  process.exit(1);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
cpSync(path.join(ROOT, 'web'), out, { recursive: true });
for (const f of distFiles) cpSync(path.join(ROOT, f), path.join(out, f));
for (const pkg of VENDOR) {
  cpSync(path.join(vendorDir(pkg), 'dist'), path.join(out, 'vendor', pkg, 'dist'), { recursive: true });
  if (existsSync(path.join(vendorDir(pkg), 'LICENSE'))) cpSync(path.join(vendorDir(pkg), 'LICENSE'), path.join(out, 'vendor', pkg, 'LICENSE'));
}
mkdirSync(path.join(out, 'reference'));
cpSync(path.join(ROOT, 'tests/fixtures/chapter.json'), path.join(out, 'reference/chapter.json'));
const headers = securityHeaders(contentSecurityPolicy());
delete headers['Cache-Control']; // the host's own caching is fine for a published site
writeFileSync(path.join(out, '_headers'), `/*\n${Object.entries(headers).map(([k, v]) => `  ${k}: ${v}`).join('\n')}\n`);

const count = readdirSync(out, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).length;
console.log(`build-site: ${out} (${count} files); any static host serves it; one that sends the headers in _headers gets threads`);
