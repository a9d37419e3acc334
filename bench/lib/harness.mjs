// The harness proper, the same in Node (run.mjs) and in the page (browser.mjs →
// browser.html): same weights and inputs for every peer, every output checked against
// the plain-JS reference, a warm-up, then the median of at least MIN_RUNS timed runs, the
// peers' runs interleaved round by round.

import { isNode, Unavailable } from './env.mjs';
import { makeWeights, makeInput, workloadList, causalFlops, D_MODEL } from './workload.mjs';
import { forward as referenceForward } from '../peers/plainjs.mjs';

export const ALL_PEERS = ['ours', 'onnxruntime', 'tfjs', 'plainjs', 'native'];
/** Selectable with --peers but not run by default. */
export const EXTRA_PEERS = ['tfjs-batched'];
export const ALL_GROUPS = ['gpt2', 'sweep', 'peak'];

// 11, not 5 or 7: on a shared 2-core VM one run of the same build moves by 10-40% (another tenant
// on the host), and the median of 11 moves about 0.8x as far as the median of 7.
export const MIN_RUNS = 11;
const MAX_RUNS = 25;
const MIN_TIMED_MS = 1500;      // keep sampling small workloads until this much time is spent
const FULL_REFERENCE_FLOPS = 3e9; // below this, the reference computes every output row
/** Peers that skip big workloads as too slow (counted FLOPs above the limit). */
const PEER_FLOP_LIMIT = { 'tfjs-batched': 7e9 };

/** Agreement tolerance, per element: 1e-4·max|ref| + 1e-4·|ref| (API.md, large cases). */
export const TOL = { abs: 1e-4, rel: 1e-4 };

const PEERS = {
  ours: () => import('../peers/ours.mjs').then((m) => m.create),
  onnxruntime: () => import('../peers/onnxruntime.mjs').then((m) => m.create),
  tfjs: () => import('../peers/tfjs.mjs').then((m) => m.create),
  'tfjs-batched': () => import('../peers/tfjs.mjs').then((m) => m.createBatched),
  plainjs: () => import('../peers/plainjs.mjs').then((m) => m.create),
};

const now = () => performance.now();
const tick = () => new Promise((r) => setTimeout(r, 0));
const median = (a) => {
  const s = [...a].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * The median thread CPU time of a set of runs, or null when the clock missed a run or reads no
 * time at all (a clock on the wrong thread): GFLOP/s then fall back to wall time.
 */
const cpuMedian = (cpuSamples, runs) => {
  if (cpuSamples.length !== runs) return null;
  const m = median(cpuSamples);
  return m > 0 ? m : null;
};

/** Rows the reference computes when it does not compute all of them. */
function sampleSelection(B, T) {
  const pos = new Set([0, 1, 2, 3, T - 4, T - 3, T - 2, T - 1]);
  for (let k = 0; k < 56; k++) pos.add(Math.floor(((k + 0.5) * T) / 56));
  const positions = [...pos].filter((t) => t >= 0 && t < T).sort((a, b) => a - b);
  const batches = B === 1 ? [0] : [0, B - 1];
  return { batches, positions };
}

/** Compare y (B, T, 768) against a full or sampled reference. */
export function agreement(y, ref, { B, T }) {
  const out = { compared: 0, maxAbsDiff: 0, maxRef: 0, worstRatio: 0, violations: 0, reference: ref.kind };
  if (!y || y.length !== B * T * D_MODEL) {
    return { ...out, violations: 1, ok: false, note: `output length ${y?.length} != ${B * T * D_MODEL}` };
  }
  const idx = [];
  if (ref.kind === 'full') {
    for (let i = 0; i < ref.data.length; i++) idx.push(i);
  } else {
    ref.sel.batches.forEach((b) => ref.sel.positions.forEach((t) => {
      for (let c = 0; c < D_MODEL; c++) idx.push((b * T + t) * D_MODEL + c);
    }));
  }
  let maxRef = 0;
  for (let r = 0; r < ref.data.length; r++) maxRef = Math.max(maxRef, Math.abs(ref.data[r]));
  let maxAbsDiff = 0, worst = 0, violations = 0;
  for (let r = 0; r < idx.length; r++) {
    const e = ref.data[r], v = y[idx[r]];
    const d = Math.abs(v - e);
    const tol = TOL.abs * maxRef + TOL.rel * Math.abs(e);
    if (!(d <= tol)) violations++;          // NaN counts as a violation
    if (!(d <= maxAbsDiff)) maxAbsDiff = d;
    const ratio = d / tol;
    if (!(ratio <= worst)) worst = ratio;
  }
  return {
    ...out, compared: idx.length, maxAbsDiff, maxRef, worstRatio: worst, violations, ok: violations === 0,
  };
}

const WARMUP_RUNS = 3, WARMUP_MS = 1000, WARMUP_MAX = 10;

// One peer's life in a workload: create, warm up, then one timed run per round (rounds()).
async function startPeer(create, weights, w, x) {
  const t0 = now();
  const peer = await create(weights, { B: w.B, T: w.T });
  const createMs = now() - t0;
  try {
    // warm-up, the same for every peer: V8 first runs WebAssembly (and JS) in its baseline tier
    // and swaps in optimised code only between calls, which takes several calls of a big kernel
    // (measured: 1740, 266, 200, 172 ms for the first four runs of one peer). So: at least
    // WARMUP_RUNS runs and WARMUP_MS of them, at most WARMUP_MAX runs.
    let t1 = now();
    await peer.run(x);
    const warmMs = now() - t1;
    let warmRuns = 1, warmTotal = warmMs;
    while (warmRuns < WARMUP_MAX && (warmRuns < WARMUP_RUNS || warmTotal < WARMUP_MS)) {
      await tick();
      t1 = now();
      await peer.run(x);
      warmTotal += now() - t1;
      warmRuns++;
    }
    return { peer, createMs, warmMs, samples: [], cpuSamples: [], out: null, cpuMs: 0, wallMs: 0 };
  } catch (e) {
    await peer.dispose?.();
    throw e;
  }
}

/**
 * One timed call of fn() after yielding to the event loop: { value, wall } in ms, and cpu, the
 * JS thread's CPU ms over the call (null without a cpuClock or when it gave no reading).
 */
async function clockCall(fn, cpuClock) {
  await tick();
  const c0 = cpuClock ? await cpuClock() : null;
  const t0 = now();
  const value = await fn();
  const wall = now() - t0;
  const c1 = cpuClock ? await cpuClock() : null;
  return { value, wall, cpu: c0 != null && c1 != null ? (c1 - c0) / 1e6 : null };
}

async function timedRun(t, x, cpuClock) {
  const cpu0 = isNode ? process.cpuUsage() : null;
  const { value: y, wall, cpu } = await clockCall(() => t.peer.run(x), cpuClock);
  t.samples.push(wall);
  t.wallMs += wall;
  if (cpu0) { const c = process.cpuUsage(cpu0); t.cpuMs += (c.user + c.system) / 1000; }
  if (cpu != null) t.cpuSamples.push(cpu);
  t.out ??= y;
}

const enough = (t) => t.samples.length >= MAX_RUNS || (t.samples.length >= MIN_RUNS && t.wallMs >= MIN_TIMED_MS);

/**
 * Run the selected workloads and peers.
 * opts: { quick, groups: ['gpt2','sweep','peak'], peers: [...], log(line) }
 * Returns the results object written to results-<env>.json (without machine info).
 */
export async function runBench({ quick = false, groups = ALL_GROUPS, peers = ALL_PEERS, log = console.log, cpuClock = null } = {}) {
  const results = {
    schema: 1,
    date: new Date().toISOString(),
    minRuns: MIN_RUNS,
    options: { quick, groups, peers },
    cpuClock: cpuClock ? 'CPU time of the JS thread (/proc/<pid>/schedstat)' : null,
    tolerance: `|y - ref| <= ${TOL.abs}*max|ref| + ${TOL.rel}*|ref| per element`,
    flopsCounting: 'causal: 4*2*B*T*768^2 (projections) + 2*2*64*12*B*T(T+1)/2 (q.k and weights.v over visible pairs)',
    peak: null,
    workloads: [],
    native: null,
  };
  const weights = makeWeights();

  // --- SIMD128 peak, from the package's own probe ---
  if (groups.includes('peak')) results.peak = await measurePeak(log, cpuClock);

  // --- the attention workloads ---
  const list = workloadList({ quick })
    .filter((w) => w.groups.some((g) => groups.includes(g)))
    .sort((a, b) => a.flops - b.flops);
  const jsPeers = peers.filter((p) => p in PEERS);
  // plainjs first: when it runs the whole workload its output is the reference
  jsPeers.sort((a, b) => (a === 'plainjs' ? -1 : b === 'plainjs' ? 1 : 0));
  const unavailable = {};
  const errorsSeen = new Set();

  for (const w of list) {
    const label = `B=${w.B} T=${w.T}`;
    log(`\n== ${label} (${w.groups.join(', ')}; ${(w.flops / 1e9).toFixed(2)} GFLOP counted causally)`);
    const x = makeInput(w.B, w.T);
    const entry = { id: w.id, B: w.B, T: w.T, groups: w.groups, flops: w.flops, reference: null, peers: {} };
    results.workloads.push(entry);
    let ref = null;
    const ensureReference = async () => {
      if (ref) return ref;
      const t0 = now();
      if (w.flops <= FULL_REFERENCE_FLOPS) {
        ref = { kind: 'full', data: referenceForward(weights, x, w.B, w.T) };
      } else {
        const sel = sampleSelection(w.B, w.T);
        ref = { kind: `sampled: ${sel.positions.length} rows x ${sel.batches.length} batch item(s)`, sel, data: referenceForward(weights, x, w.B, w.T, sel) };
      }
      log(`   reference (plain JS, ${ref.kind}) in ${((now() - t0) / 1000).toFixed(1)} s`);
      return ref;
    };

    // The peers run interleaved: each is created and warmed up, then every round times one run
    // of each peer in turn, until each has MIN_RUNS runs and MIN_TIMED_MS of them (small
    // workloads: up to MAX_RUNS). A slow spell of the machine (another VM on the host, a
    // compile) then lands on every peer alike instead of on whichever ran during it.
    const fail = (name, r, e) => {
      if (e instanceof Unavailable || e?.name === 'Unavailable') {
        unavailable[name] = e.message;
        Object.assign(r, { status: 'unavailable', note: e.message });
        log(`   ${name}: ${e.message}`);
      } else {
        Object.assign(r, { status: 'error', note: String(e?.message ?? e).split('\n')[0].slice(0, 300) });
        // the whole stack once per peer and message; afterwards the message alone
        const key = `${name}: ${r.note}`;
        log(`   ${name}: ERROR ${errorsSeen.has(key) ? r.note : e?.stack ?? e}`);
        errorsSeen.add(key);
      }
    };
    const live = new Map();  // name -> timing state, in jsPeers order
    try {
      for (const name of jsPeers) {
        const r = { status: 'ok' };
        entry.peers[name] = r;
        if (unavailable[name]) { Object.assign(r, { status: 'unavailable', note: unavailable[name] }); log(`   ${name}: ${r.note}`); continue; }
        if ((name === 'plainjs' && !w.plainjs) || (PEER_FLOP_LIMIT[name] && w.flops > PEER_FLOP_LIMIT[name])) {
          Object.assign(r, { status: 'skipped', note: 'skipped (too slow)' });
          log(`   ${name}: skipped (too slow)`);
          continue;
        }
        try {
          live.set(name, await startPeer(await PEERS[name](), weights, w, x));
        } catch (e) {
          fail(name, entry.peers[name], e);
        }
        await tick();
      }
      while ([...live.values()].some((t) => !enough(t))) {
        for (const [name, t] of live) {
          if (enough(t)) continue;
          try {
            await timedRun(t, x, cpuClock);
          } catch (e) {
            fail(name, entry.peers[name], e);
            live.delete(name);
            await t.peer.dispose?.();
          }
        }
      }
      for (const [name, t] of live) {
        const r = entry.peers[name];
        const med = median(t.samples);
        const cpuMed = cpuMedian(t.cpuSamples, t.samples.length);
        Object.assign(r, {
          version: t.peer.version ?? null,
          medianMs: med,
          minMs: Math.min(...t.samples),
          samplesMs: t.samples.map((v) => Math.round(v * 1000) / 1000),
          runs: t.samples.length,
          gflops: w.flops / med / 1e6,
          // CPU time of the JS thread per run: what other processes on the machine cannot inflate
          cpuMedianMs: cpuMed,
          cpuSamplesMs: cpuMed != null ? t.cpuSamples.map((v) => Math.round(v * 1000) / 1000) : undefined,
          cpuGflops: cpuMed ? w.flops / cpuMed / 1e6 : null,
          // thread CPU / wall, summed over the timed runs: well below 1 = the core was shared
          cpuPerWall: cpuMed != null ? t.cpuSamples.reduce((a, b) => a + b, 0) / t.wallMs : null,
          processCpuPerWall: isNode ? t.cpuMs / t.wallMs : null,
          createMs: t.createMs,
          warmupMs: t.warmMs,
        });
        if (name === 'plainjs') ref = { kind: 'full', data: t.out };
      }
      for (const [name, t] of live) {
        const r = entry.peers[name];
        if (name !== 'plainjs') await ensureReference();
        r.agreement = name === 'plainjs' ? { reference: 'is the reference', ok: true } : agreement(t.out, ref, w);
        if (!r.agreement.ok) r.status = 'disagrees';
        const ag = name === 'plainjs' ? 'reference' : `max|diff| ${r.agreement.maxAbsDiff.toExponential(2)} (${r.agreement.ok ? 'agrees' : `DISAGREES: ${r.agreement.violations} elements out of tolerance`})`;
        const cpuText = r.cpuMedianMs != null ? `, thread cpu ${r.cpuMedianMs.toFixed(1)} ms, cpu/wall ${r.cpuPerWall.toFixed(2)}` : '';
        log(`   ${name.padEnd(12)} median ${r.medianMs.toFixed(1).padStart(9)} ms  (${r.runs} runs, ${r.gflops.toFixed(2)} GFLOP/s${cpuText})  ${ag}`);
      }
    } finally {
      for (const t of live.values()) await t.peer.dispose?.();
    }
    entry.reference = ref ? ref.kind : null;
  }

  // --- the native kernel rows ---
  if (peers.includes('native')) {
    try {
      const { collect } = await import('../peers/native.mjs');
      log('\n== native kernels (build/native/bench_kernels)');
      results.native = { status: 'ok', ...(await collect({ quick })) };
      log(`   ${results.native.rows.length} rows in ${(results.native.wallMs / 1000).toFixed(1)} s`);
    } catch (e) {
      const un = e instanceof Unavailable || e?.name === 'Unavailable';
      results.native = { status: un ? 'unavailable' : 'error', note: String(e?.message ?? e).slice(0, 2000) };
      log(`   native: ${results.native.note}`);
    }
  }
  return results;
}

/** Time attn.benchPeak(n), doubling n until one call takes ≥ 100 ms, then median of 5. */
async function measurePeak(log, cpuClock) {
  log('== SIMD128 peak (attn.benchPeak)');
  try {
    const { peakProbe } = await import('../peers/ours.mjs');
    const probe = await peakProbe();
    if (!probe) { log('   n/a (the package has no benchPeak)'); return { status: 'n/a', note: 'the package has no benchPeak' }; }
    let n = 1, ms = 0, flops = 0;
    for (;;) {
      const t0 = now();
      flops = Number(await probe(n));
      ms = now() - t0;
      if (ms >= 100 || n >= 2 ** 30) break;
      n *= ms > 0 ? Math.min(64, Math.max(2, Math.ceil(150 / ms))) : 64;
    }
    const samples = [];
    const cpuSamples = [];
    for (let i = 0; i < MIN_RUNS; i++) {
      const r = await clockCall(() => probe(n), cpuClock);
      flops = Number(r.value);
      samples.push(r.wall);
      if (r.cpu != null) cpuSamples.push(r.cpu);
    }
    const med = median(samples);
    const gflops = flops / med / 1e6;
    const cpuMed = cpuMedian(cpuSamples, samples.length);
    const cpuGflops = cpuMed ? flops / cpuMed / 1e6 : null;
    log(`   ${gflops.toFixed(2)} GFLOP/s (${n} iterations, ${flops.toExponential(3)} FLOPs, median ${med.toFixed(1)} ms${cpuMed != null ? `; thread cpu ${cpuMed.toFixed(1)} ms → ${cpuGflops.toFixed(2)} GFLOP/s` : ''})`);
    const gemm = await measureGemm(log, cpuClock, cpuGflops ?? gflops, { probe, iterations: n });
    return { status: 'ok', iterations: n, flops, medianMs: med, samplesMs: samples, gflops, cpuMedianMs: cpuMed, cpuSamplesMs: cpuMed != null ? cpuSamples : undefined, cpuGflops, gemm };
  } catch (e) {
    const un = e instanceof Unavailable || e?.name === 'Unavailable';
    log(`   ${un ? '' : 'ERROR '}${e?.message ?? e}`);
    return { status: un ? 'unavailable' : 'error', note: String(e?.message ?? e) };
  }
}

/**
 * The q|k|v projection's SGEMM alone (GPT-2-small, T = 1024: 1024 x 768 x 2304) through
 * attn.benchGemm, which allocates and packs W once per call: each sample is the difference of a
 * call with 1 + GEMM_EXTRA repeats and one with 1, divided by GEMM_EXTRA, so the setup drops out.
 * Median of MIN_RUNS such pairs after two warm-up pairs, on thread CPU time where there is one.
 * Each pair follows one run of the peak loop, and the "% of the peak" is the median of the
 * per-pair ratios: the GEMM and the ceiling it is measured against meet the same state of a
 * shared machine (measured apart, minutes apart, they were 66% and 102% in two runs).
 */
const GEMM_SHAPE = { m: 1024, k: 768, n: 2304 }, GEMM_EXTRA = 4;
async function measureGemm(log, cpuClock, peak, peakLoop) {
  const { m, k, n } = GEMM_SHAPE;
  try {
    const { gemmProbe } = await import('../peers/ours.mjs');
    const probe = await gemmProbe();
    if (!probe) { log('   SGEMM: n/a (the package has no benchGemm)'); return { status: 'n/a', note: 'the package has no benchGemm' }; }
    const timeCall = (repeats) => clockCall(() => probe(m, k, n, repeats), cpuClock);
    const timePeak = () => clockCall(() => peakLoop.probe(peakLoop.iterations), cpuClock);
    const flops = 2 * m * n * k;
    const samples = [], cpuSamples = [], pcts = [];
    for (let i = 0; i < MIN_RUNS + 2; i++) {
      const pk = peakLoop ? await timePeak() : null;
      const one = await timeCall(1);
      const many = await timeCall(1 + GEMM_EXTRA);
      if (i < 2) continue; // warm-up pairs
      const wall = (many.wall - one.wall) / GEMM_EXTRA;
      const cpu = one.cpu != null && many.cpu != null ? (many.cpu - one.cpu) / GEMM_EXTRA : null;
      samples.push(wall);
      if (cpu != null) cpuSamples.push(cpu);
      if (pk) {
        // GEMM GFLOP/s over the peak loop's, both on thread CPU time when both have it
        const useCpu = cpu > 0 && pk.cpu > 0;
        pcts.push((100 * (flops / (useCpu ? cpu : wall))) / (Number(pk.value) / (useCpu ? pk.cpu : pk.wall)));
      }
    }
    const med = median(samples);
    const cpuMed = cpuMedian(cpuSamples, samples.length);
    const gflops = flops / med / 1e6, cpuGflops = cpuMed ? flops / cpuMed / 1e6 : null;
    const pct = pcts.length ? median(pcts) : peak ? (100 * (cpuGflops ?? gflops)) / peak : null;
    log(`   SGEMM ${m}x${k}x${n} (attn.benchGemm): median ${med.toFixed(1)} ms per GEMM, ${gflops.toFixed(2)} GFLOP/s${cpuMed != null ? `; thread cpu ${cpuMed.toFixed(1)} ms → ${cpuGflops.toFixed(2)} GFLOP/s` : ''}${pct != null ? ` = ${pct.toFixed(1)}% of the peak${pcts.length ? ` (median of ${pcts.length} GEMM / peak-loop pairs, ${Math.min(...pcts).toFixed(0)}–${Math.max(...pcts).toFixed(0)}%)` : ''}` : ''}`);
    return {
      status: 'ok', m, k, n, flops, medianMs: med, samplesMs: samples, gflops, cpuMedianMs: cpuMed,
      cpuSamplesMs: cpuMed != null ? cpuSamples : undefined, cpuGflops, pctOfPeak: pct,
      pctOfPeakSamples: pcts.length ? pcts.map((v) => Math.round(v * 10) / 10) : undefined,
    };
  } catch (e) {
    log(`   SGEMM: ERROR ${e?.message ?? e}`);
    return { status: 'error', note: String(e?.message ?? e) };
  }
}
