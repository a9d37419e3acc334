#!/usr/bin/env node
// The same harness in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; no browser download):
//   node bench/browser.mjs [--quick] [--workloads gpt2,sweep,peak] [--peers ours,onnxruntime,tfjs,plainjs]
// Serves the repo root on 127.0.0.1 (free port, COOP/COEP headers), opens
// bench/browser.html with a fresh profile, prints the table, writes
// bench/out/results-chromium.json and bench/out/chart.svg.
// Environment: CHROMIUM=/path/to/chromium to use another binary; BENCH_SERVER_LOG=1 logs requests.

import os from 'node:os';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromiumDriverOrExit, optionsOrExit } from './lib/cli.mjs';
import { textReport } from './lib/format.mjs';
import { writeOutputs } from './lib/outputs.mjs';
import { startServer } from './lib/server.mjs';
import { rendererPids, schedstatNs } from './lib/cputime.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic'];
const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const TIMEOUT_MS = 45 * 60 * 1000;

const opts = optionsOrExit();
if (!existsSync(CHROMIUM)) {
  console.error(`no Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (Debian), or set CHROMIUM=/path`);
  process.exit(1);
}
const chromium = await chromiumDriverOrExit();

const peers = opts.peers.filter((p) => p !== 'native');
if (peers.length < opts.peers.length) console.log('(native is a Node-only peer: left out of the browser run)');

const started = performance.now();
const load0 = os.loadavg()[0];
const srv = await startServer(REPO_ROOT, { log: process.env.BENCH_SERVER_LOG ? (l) => console.log(`[http] ${l}`) : null });
const profile = await mkdtemp(path.join(os.tmpdir(), 'attention-wasm-bench-chromium-'));
let context;
let exitCode = 0;
try {
  context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  const browserVersion = context.browser()?.version() ?? null;
  const page = context.pages()[0] ?? await context.newPage();
  let done;
  const finished = new Promise((resolve, reject) => {
    done = resolve;
    page.on('crash', () => reject(new Error('the page crashed (out of memory?)')));
    setTimeout(() => reject(new Error(`no result after ${TIMEOUT_MS / 60000} minutes`)), TIMEOUT_MS).unref();
  });
  page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.log(`[console.${m.type()}] ${m.text()}`); });
  await page.exposeFunction('__benchLog', (line) => console.log(line));
  await page.exposeFunction('__benchDone', (json) => done(json));
  // CPU time of the page's JS thread (the renderer's main thread), for the harness: the
  // page burns ~300 ms between a snapshot and a pick, and the renderer that used the CPU is it.
  let snapshot = null;
  let rendererPid = null;
  await page.exposeFunction('__benchCpuSnapshot', () => {
    snapshot = new Map(rendererPids(profile).map((p) => [p, schedstatNs(p)]));
    return snapshot.size;
  });
  await page.exposeFunction('__benchCpuPick', () => {
    let best = null;
    for (const [p, ns0] of snapshot ?? []) {
      const ns1 = schedstatNs(p);
      if (ns0 != null && ns1 != null && (!best || ns1 - ns0 > best.ns)) best = { pid: p, ns: ns1 - ns0 };
    }
    rendererPid = best?.pid ?? null;
    return best ? { pid: best.pid, ms: best.ns / 1e6 } : null;
  });
  await page.exposeFunction('__benchCpuNs', () => (rendererPid ? schedstatNs(rendererPid) : null));
  const q = new URLSearchParams({ quick: opts.quick ? '1' : '0', workloads: opts.groups.join(','), peers: peers.join(',') });
  await page.goto(`${srv.url}/bench/browser.html?${q}`);
  const results = JSON.parse(await finished);
  if (results.failed) throw new Error(`the page failed: ${results.failed}`);
  const userAgent = results.page?.userAgent ?? '';
  results.machine = {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    chromium: browserVersion ?? userAgent.match(/Chrome\/([\d.]+)/)?.[1] ?? null,
    runtime: `Chromium ${browserVersion ?? ''}`.trim(),
    userAgent,
    loadavg: [load0, os.loadavg()[0]],
  };
  results.wallSeconds = (performance.now() - started) / 1000;
  console.log(`\n${textReport(results)}`);
  const files = await writeOutputs(results, opts.out);
  console.log(`\nwrote ${files.join(', ')} (${results.wallSeconds.toFixed(0)} s)`);
} catch (e) {
  console.error(`browser run failed: ${e?.stack ?? e}`);
  exitCode = 1;
} finally {
  await context?.close().catch(() => {});
  await srv.close();
  await rm(profile, { recursive: true, force: true });
}
process.exit(exitCode);
