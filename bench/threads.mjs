#!/usr/bin/env node
// The threaded build against the single-thread build, in headless Chromium, in the same page:
//   node bench/threads.mjs [--threads N] [--runs N] [--batches 1,8]
// The GPT-2-small attention block (d = 768, 12 heads, qkv bias, out_proj, causal, eval), T = 1024,
// B = 1 and B = 8, the same weights and input in both instances. Each is warmed up (at least 3
// runs and 1 s), then their timed runs alternate (single, threaded, single, ...) so that a change
// in the machine's load hits both; the median wall time of each (at least 5 runs) and their ratio
// are printed and written to bench/out/threads-chromium.json. The outputs are checked to be the
// same bits. A benchmark, never a test: nothing here fails on a slow or busy machine.
// Environment: CHROMIUM=/path/to/chromium; DIST_DIR serves a package built elsewhere.
import os from 'node:os';
import path from 'node:path';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromiumDriverOrExit } from './lib/cli.mjs';
import { startServer } from './lib/server.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run'];
const REPO = fileURLToPath(new URL('..', import.meta.url));

function usage(message) {
  console.error(`bench/threads.mjs: ${message}\nusage: node bench/threads.mjs [--threads N (2..16, default 2)] [--runs N (>= 5, default 11)] [--batches 1,8]`);
  process.exit(2);
}
function parseArgs(argv) {
  const o = { threads: 2, runs: 11, batches: [1, 8] };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--threads' || flag === '--runs') {
      const n = Number(value);
      const lo = flag === '--threads' ? 2 : 5, hi = flag === '--threads' ? 16 : 1000;
      if (!/^\d+$/.test(value ?? '') || n < lo || n > hi) usage(`${flag} must be an integer in [${lo}, ${hi}], got ${JSON.stringify(value)}`);
      o[flag.slice(2)] = n;
      i++;
    } else if (flag === '--batches') {
      const list = (value ?? '').split(',').map(Number);
      if (!value || list.some((b) => !Number.isInteger(b) || b < 1 || b > 16)) usage(`--batches must be a comma-separated list of integers in [1, 16], got ${JSON.stringify(value)}`);
      o.batches = list;
      i++;
    } else if (flag === '--quick') {
      o.runs = 5;
      o.batches = [1];
    } else {
      usage(`unknown argument ${JSON.stringify(flag)}`);
    }
  }
  return o;
}

// Runs in the page: both builds, one workload, alternating timed runs. Returns plain numbers.
async function pageRun({ dist, threads, batch, tokens, runs }) {
  const st = await (await import(`${dist}index.js?single`)).init();
  const mt = await (await import(`${dist}index.js?threaded`)).init({ threads });
  const make = (attn) => {
    attn.manualSeed(123);
    const mha = new attn.MultiHeadAttention(768, 768, 1024, 0.0, 12, { qkvBias: true }).eval();
    const x = attn.randn([batch, tokens, 768]);
    return { mha, x };
  };
  const a = make(st), b = make(mt);
  const time = (m) => {
    const t0 = performance.now();
    const y = m.mha.forward(m.x);
    return { ms: performance.now() - t0, y };
  };
  // Same bits?
  const ya = new Uint32Array(time(a).y.data.buffer), yb = new Uint32Array(time(b).y.data.buffer);
  let differ = ya.length === yb.length ? 0 : -1;
  for (let i = 0; differ >= 0 && i < ya.length; i++) if (ya[i] !== yb[i]) differ++;
  // Warm-up: at least 3 runs and 1 s of each.
  for (const m of [a, b]) {
    const t0 = performance.now();
    for (let n = 0; n < 3 || performance.now() - t0 < 1000; n++) time(m);
  }
  const single = [], threaded = [];
  for (let r = 0; r < runs; r++) {
    single.push(time(a).ms);
    threaded.push(time(b).ms);
  }
  a.mha.free();
  b.mha.free();
  return { threads: [st.threads, mt.threads], differ, size: ya.length, single, threaded };
}

const median = (xs) => {
  const s = [...xs].sort((p, q) => p - q);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const opts = parseArgs(process.argv.slice(2));
if (!existsSync(CHROMIUM)) {
  console.error(`no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM=/path`);
  process.exit(1);
}
const distDir = path.resolve(REPO, process.env.DIST_DIR ?? 'dist');
const distUrl = `/${path.relative(REPO, distDir).split(path.sep).join('/')}/`;
for (const f of ['index.js', 'attention_wasm.wasm', 'attention_wasm_mt.wasm', 'attention_wasm_mt.worker.js']) {
  if (!existsSync(path.join(distDir, f))) {
    console.error(`${path.join(distDir, f)} is missing: build it with bash scripts/build-wasm.sh`);
    process.exit(1);
  }
}
const chromium = await chromiumDriverOrExit();

const srv = await startServer(REPO);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
const results = [];
const load = [os.loadavg()[0]];
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.log(`[console.${m.type()}] ${m.text()}`); });
  await page.goto(`${srv.url}/bench/threads.html`);
  const env = await page.evaluate(() => ({ isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency, ua: navigator.userAgent }));
  if (!env.isolated) throw new Error('the bench page is not cross-origin isolated: the server must send COOP/COEP');
  console.log(`Chromium ${browser.version()}, ${env.cores} cores reported, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), ` +
    `load average ${os.loadavg()[0].toFixed(2)}; ${opts.threads} threads vs 1, ${opts.runs} alternating runs each after warm-up`);
  console.log('workload                                  1 thread   threaded   speed-up   same bits');
  for (const batch of opts.batches) {
    const r = await page.evaluate(pageRun, { dist: distUrl, threads: opts.threads, batch, tokens: 1024, runs: opts.runs });
    const single = median(r.single), threaded = median(r.threaded);
    const pairs = r.single.map((s, i) => s / r.threaded[i]);
    const row = { workload: `gpt2 MultiHeadAttention B=${batch} T=1024`, batch, tokens: 1024, threads: r.threads[1],
      singleMs: single, threadedMs: threaded, speedup: single / threaded, pairSpeedupMedian: median(pairs),
      sameBits: r.differ === 0, single: r.single, threaded: r.threaded };
    results.push(row);
    load.push(os.loadavg()[0]);
    console.log(`${row.workload.padEnd(40)} ${single.toFixed(1).padStart(8)} ms ${threaded.toFixed(1).padStart(7)} ms ` +
      `${row.speedup.toFixed(2).padStart(8)}×   ${row.sameBits ? 'yes' : `NO (${r.differ} of ${r.size} differ)`}`);
  }
  mkdirSync(path.join(REPO, 'bench/out'), { recursive: true });
  writeFileSync(path.join(REPO, 'bench/out/threads-chromium.json'), `${JSON.stringify({
    date: new Date().toISOString(), chromium: browser.version(), cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model,
    loadAverage1m: load, threads: opts.threads, runs: opts.runs, results }, null, 2)}\n`);
  console.log(`(median wall time per forward pass; load average 1 min: ${load.map((l) => l.toFixed(2)).join(' → ')}; ` +
    'bench/out/threads-chromium.json has every run)');
} finally {
  await browser.close();
  await srv.close();
}
