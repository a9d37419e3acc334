#!/usr/bin/env node
// The threaded build against the single-thread build, side by side in one process, in Node.js
// (worker_threads) and in headless Chromium (Web Workers, a cross-origin isolated page):
//   node bench/threads.mjs [--env node,chromium] [--threads N] [--runs N] [--batches 1,8] [--quick]
// The GPT-2-small attention block (d = 768, 12 heads, qkv bias, out_proj, causal, eval), T = 1024,
// B = 1 and B = 8, the same weights and input in both instances (two copies of the package's entry,
// each with its own instance). Each is warmed up (at least 3 runs and 1 s), then their timed runs
// alternate (single, threaded, single, ...) so that a change in the machine's load hits both; the
// median wall time of each (at least 5 runs), their ratio and the quartiles of the per-round ratios
// are printed and written to bench/out/threads-<env>.json. The outputs are checked to be the same
// bits. A benchmark, never a test: nothing here fails on a slow or busy machine.
// Environment: CHROMIUM=/path/to/chromium; DIST_DIR measures a package built elsewhere.
import os from 'node:os';
import path from 'node:path';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromiumDriverOrExit } from './lib/cli.mjs';
import { startServer } from './lib/server.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run'];
const REPO = fileURLToPath(new URL('..', import.meta.url));

const ENVS = ['node', 'chromium'];

function usage(message) {
  console.error(`bench/threads.mjs: ${message}\nusage: node bench/threads.mjs [--env node,chromium] [--threads N (2..16, default 2)] ` +
    '[--runs N (>= 5, default 11)] [--batches 1,8] [--quick (B = 1, 5 runs)]');
  process.exit(2);
}
function parseArgs(argv) {
  const o = { envs: [...ENVS], threads: 2, runs: 11, batches: [1, 8] };
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
    } else if (flag === '--env') {
      const list = (value ?? '').split(',');
      if (!value || list.some((e) => !ENVS.includes(e))) usage(`--env must be a comma-separated list of ${ENVS.join(', ')}, got ${JSON.stringify(value)}`);
      o.envs = list;
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

// Runs in the page (page.evaluate) or in this process alike, so it uses nothing from outside: both
// builds, one workload, alternating timed runs. `entry` is the URL of the package's entry for the
// environment (dist/index.js in the page, dist/index.node.js in Node). Returns plain numbers.
async function pairRun({ entry, threads, batch, tokens, runs }) {
  const st = await (await import(`${entry}?single`)).init();
  const mt = await (await import(`${entry}?threaded`)).init({ threads });
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

const quartiles = (xs) => {
  const s = [...xs].sort((p, q) => p - q);
  const at = (f) => s[Math.min(s.length - 1, Math.max(0, Math.round(f * (s.length - 1))))];
  return [at(0.25), at(0.75)];
};

const opts = parseArgs(process.argv.slice(2));
const distDir = path.resolve(REPO, process.env.DIST_DIR ?? 'dist');
for (const f of ['index.js', 'index.node.js', 'attention_wasm.wasm', 'attention_wasm_mt.wasm', 'attention_wasm_mt.worker.js', 'node/attention_wasm_mt.js']) {
  if (!existsSync(path.join(distDir, f))) {
    console.error(`${path.join(distDir, f)} is missing: build it with bash scripts/build-wasm.sh`);
    process.exit(1);
  }
}
mkdirSync(path.join(REPO, 'bench/out'), { recursive: true });

/** Times every batch with `run(workload)` in one environment; prints and writes its table. */
async function measure(env, label, run) {
  const results = [];
  const load = [os.loadavg()[0]];
  console.log(`${label}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg()[0].toFixed(2)}; ` +
    `${opts.threads} threads vs 1, ${opts.runs} alternating runs each after warm-up`);
  console.log('workload                                  1 thread   threaded   speed-up   rounds q1-q3   same bits');
  for (const batch of opts.batches) {
    const r = await run({ threads: opts.threads, batch, tokens: 1024, runs: opts.runs });
    const single = median(r.single), threaded = median(r.threaded);
    const pairs = r.single.map((s, i) => s / r.threaded[i]);
    const row = { workload: `gpt2 MultiHeadAttention B=${batch} T=1024`, batch, tokens: 1024, threads: r.threads[1],
      singleMs: single, threadedMs: threaded, speedup: single / threaded, pairSpeedupMedian: median(pairs),
      pairSpeedupQuartiles: quartiles(pairs), sameBits: r.differ === 0, single: r.single, threaded: r.threaded };
    results.push(row);
    load.push(os.loadavg()[0]);
    console.log(`${row.workload.padEnd(40)} ${single.toFixed(1).padStart(8)} ms ${threaded.toFixed(1).padStart(7)} ms ` +
      `${row.speedup.toFixed(2).padStart(8)}×   ${row.pairSpeedupQuartiles.map((q) => q.toFixed(2)).join('-').padStart(11)}   ` +
      `${row.sameBits ? 'yes' : `NO (${r.differ} of ${r.size} differ)`}`);
  }
  writeFileSync(path.join(REPO, `bench/out/threads-${env}.json`), `${JSON.stringify({
    date: new Date().toISOString(), environment: label, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model,
    loadAverage1m: load, threads: opts.threads, runs: opts.runs, results }, null, 2)}\n`);
  console.log(`(median wall time per forward pass; load average 1 min: ${load.map((l) => l.toFixed(2)).join(' → ')}; ` +
    `bench/out/threads-${env}.json has every run)`);
}

if (opts.envs.includes('node')) {
  const entry = pathToFileURL(path.join(distDir, 'index.node.js')).href;
  await measure('node', `Node.js ${process.versions.node} (worker_threads)`, (w) => pairRun({ entry, ...w }));
}

if (opts.envs.includes('chromium')) {
  if (!existsSync(CHROMIUM)) {
    console.error(`no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM=/path`);
    process.exit(1);
  }
  const distUrl = `/${path.relative(REPO, distDir).split(path.sep).join('/')}/`;
  const chromium = await chromiumDriverOrExit();
  const srv = await startServer(REPO);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => console.log(`[page error] ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') console.log(`[console.${m.type()}] ${m.text()}`); });
    await page.goto(`${srv.url}/bench/threads.html`);
    const env = await page.evaluate(() => ({ isolated: crossOriginIsolated, cores: navigator.hardwareConcurrency }));
    if (!env.isolated) throw new Error('the bench page is not cross-origin isolated: the server must send COOP/COEP');
    await measure('chromium', `Chromium ${browser.version()} (Web Workers; ${env.cores} cores reported)`,
      (w) => page.evaluate(pairRun, { entry: `${distUrl}index.js`, ...w }));
  } finally {
    await browser.close();
    await srv.close();
  }
}
// The threaded instances' pool workers do not hold the process (the package unrefs them in Node).
