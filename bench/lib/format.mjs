// Text and markdown tables of a results object (or several, one per environment).
//
// Two times per peer and workload: the median wall time of a run, and the median CPU
// time of the JS thread over that run (Linux /proc; both runners measure it). On a quiet
// machine they agree; when other processes share the cores the wall time grows and the
// thread CPU time barely moves, so GFLOP/s, "ours ×" and "% of peak" are computed from
// the thread CPU time where it was measured (the "basis"), from wall time otherwise.

const PEER_ORDER = ['ours', 'onnxruntime', 'tfjs', 'tfjs-batched', 'plainjs'];

/** Thread CPU / wall over the timed runs below this: another process shared the core. */
export const CONTENDED = 0.9;

export function peerNames(results) {
  const seen = new Set();
  for (const w of results.workloads) for (const p of Object.keys(w.peers)) seen.add(p);
  return [...PEER_ORDER.filter((p) => seen.has(p)), ...[...seen].filter((p) => !PEER_ORDER.includes(p))];
}

export function workloadTitle(w) {
  const parts = [];
  if (w.groups.includes('gpt2')) parts.push('GPT-2 block');
  if (w.groups.includes('sweep')) parts.push('sweep');
  return `${parts.join(' + ')} B=${w.B} T=${w.T}`;
}

/** Display order: the GPT-2 block workloads first, then the sweep by T. */
export function orderedWorkloads(results) {
  const key = (w) => (w.groups.includes('gpt2') ? 0 : 1) * 1e9 + w.B * 1e6 + w.T;
  return [...results.workloads].sort((a, b) => key(a) - key(b));
}

export const timed = (r) => r && (r.status === 'ok' || r.status === 'disagrees');
export const contended = (r) => r?.cpuPerWall != null && r.cpuPerWall < CONTENDED;
/** The time the derived numbers use: thread CPU ms when measured, else wall ms. */
export const basisMs = (r) => r.cpuMedianMs ?? r.medianMs;
export const basisGflops = (r) => r.cpuGflops ?? r.gflops;
export function peakGflops(results) {
  const p = results.peak;
  return p?.status === 'ok' ? (p.cpuGflops ?? p.gflops) : null;
}

/**
 * The per-round ratios peer / ours: round i timed run i of every peer back to back, so each
 * ratio compares two runs that met the same state of the machine. Returns the quartiles
 * { n, q1, median, q3 } (thread CPU time when both have it, else wall), or null.
 */
export function roundRatios(peer, ours) {
  if (!timed(peer) || !timed(ours)) return null;
  const cpu = peer.cpuSamplesMs && ours.cpuSamplesMs;
  const a = cpu ? peer.cpuSamplesMs : peer.samplesMs, b = cpu ? ours.cpuSamplesMs : ours.samplesMs;
  if (!a || !b) return null;
  const n = Math.min(a.length, b.length);
  const r = [];
  for (let i = 0; i < n; i++) if (b[i] > 0) r.push(a[i] / b[i]);
  if (r.length < 4) return null;
  r.sort((x, y) => x - y);
  const q = (f) => { const k = f * (r.length - 1), lo = Math.floor(k); return r[lo] + (r[Math.min(lo + 1, r.length - 1)] - r[lo]) * (k - lo); };
  return { n: r.length, q1: q(0.25), median: q(0.5), q3: q(0.75) };
}
const rangeText = (rr) => (rr ? `${rr.q1.toFixed(2)}–${rr.q3.toFixed(2)}` : '');

const fmtMs = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

/** A cell: "369 ms" (wall), or "369 ms (cpu 352)" with cpu, "*" when contended; else the status. */
export function cellText(r, { short = false, cpu = true, unit = ' ms' } = {}) {
  if (!r) return '';
  if (timed(r)) {
    const c = cpu && r.cpuMedianMs != null ? ` (cpu ${fmtMs(r.cpuMedianMs)})` : '';
    return `${fmtMs(r.medianMs)}${unit}${contended(r) ? '*' : ''}${c}${r.status === 'disagrees' ? ' DISAGREES' : ''}`;
  }
  if (r.status === 'skipped') return 'skipped (too slow)';
  if (r.status === 'unavailable') return /not built/.test(r.note ?? '') ? 'not built' : (r.note ?? 'n/a');
  const text = `error: ${r.note ?? ''}`;
  return short && text.length > 28 ? `${text.slice(0, 27)}…` : text.slice(0, 160);
}

function pad(rows) {
  const widths = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, String(c).length); });
  return rows.map((r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ')).join('\n');
}

function peakLine(results) {
  const p = results.peak;
  if (!p) return null;
  if (p.status !== 'ok') return `n/a${p.status === 'unavailable' ? ` — ours ${p.note}` : p.note ? ` (${p.note})` : ''}`;
  return `${(p.cpuGflops ?? p.gflops).toFixed(2)} GFLOP/s${p.cpuGflops != null ? ` on thread CPU time (wall: ${p.gflops.toFixed(2)})` : ''}`;
}

/** "SGEMM 1024x768x2304 (attn.benchGemm): 34.1 GFLOP/s = 80.3% of the peak", or null. */
function gemmLine(results) {
  const g = results.peak?.gemm;
  if (!g) return null;
  if (g.status !== 'ok') return `SGEMM (attn.benchGemm): n/a${g.note ? ` (${g.note})` : ''}`;
  return `SGEMM ${g.m}×${g.k}×${g.n} (attn.benchGemm, the q|k|v projection at T = 1024): ${(g.cpuGflops ?? g.gflops).toFixed(2)} GFLOP/s` +
    `${g.pctOfPeak != null ? ` = ${g.pctOfPeak.toFixed(1)}% of the peak` : ''} (${(g.cpuMedianMs ?? g.medianMs).toFixed(1)} ms per GEMM)` +
    `${g.pctOfPeakSamples ? `; the % is the median over ${g.pctOfPeakSamples.length} GEMMs each timed right after one run of the peak loop (${Math.min(...g.pctOfPeakSamples).toFixed(0)}–${Math.max(...g.pctOfPeakSamples).toFixed(0)}%)` : ''}`;
}

const anyCpu = (results) => results.workloads.some((w) => Object.values(w.peers).some((r) => r.cpuMedianMs != null));
const anyContended = (results) => results.workloads.some((w) => Object.values(w.peers).some(contended));

/** The stdout report of one run. */
export function textReport(results) {
  const lines = [];
  const m = results.machine ?? {};
  lines.push(`attention-wasm bench — ${results.env ?? ''} — ${results.date}`);
  lines.push(`machine: ${m.cpu ?? '?'} (${m.cores ?? '?'} cores), ${m.os ?? ''}; ${m.runtime ?? ''}; single thread${m.loadavg ? `; load average ${m.loadavg.map((v) => v.toFixed(2)).join(' → ')}` : ''}`);
  const pk = peakLine(results);
  if (pk) lines.push(`SIMD128 peak (attn.benchPeak): ${pk}`);
  const gl = gemmLine(results);
  if (gl) lines.push(gl);
  const peakG = peakGflops(results);
  const peers = peerNames(results);
  if (results.workloads.length) {
    lines.push('');
    lines.push(`Median ms per run, wall time${anyCpu(results) ? ' (and CPU time of the JS thread)' : ''}:`);
    const rows = [['workload', 'GFLOP', ...peers]];
    for (const w of orderedWorkloads(results)) rows.push([workloadTitle(w), (w.flops / 1e9).toFixed(2), ...peers.map((p) => cellText(w.peers[p], { short: true }))]);
    lines.push(pad(rows));
    if (anyContended(results)) lines.push(`* thread CPU / wall < ${CONTENDED}: another process shared the core during those runs, so their wall time is inflated; derived numbers use CPU time.`);
    lines.push('');
    lines.push(`Details (GFLOP/s over causally counted FLOPs; "ours ×" = peer time / our time; ${anyCpu(results) ? 'both from thread CPU time' : 'both from wall time'}; max|diff| vs the plain-JS reference):`);
    const drows = [['workload', 'peer', 'wall ms', 'min ms', 'cpu ms', 'runs', 'cpu/wall', 'GFLOP/s', 'ours ×', 'per round', '% of peak', 'max|diff|', 'diff/tol', 'agrees', 'reference']];
    for (const w of orderedWorkloads(results)) {
      const ours = w.peers.ours;
      for (const p of peers) {
        const r = w.peers[p];
        if (!r) continue;
        if (!timed(r)) { drows.push([workloadTitle(w), p, '-', '', '', '', '', '', '', '', '', '', '', '', cellText(r)]); continue; }
        const ratio = p === 'ours' ? '1.00' : timed(ours) ? (basisMs(r) / basisMs(ours)).toFixed(2) : 'n/a';
        const ag = r.agreement ?? {};
        drows.push([
          workloadTitle(w), p, r.medianMs.toFixed(1), r.minMs.toFixed(1), r.cpuMedianMs != null ? r.cpuMedianMs.toFixed(1) : '-', r.runs,
          r.cpuPerWall != null ? r.cpuPerWall.toFixed(2) : '-', basisGflops(r).toFixed(2), ratio,
          p === 'ours' ? '' : rangeText(roundRatios(r, ours)),
          peakG ? `${((100 * basisGflops(r)) / peakG).toFixed(1)}%` : 'n/a',
          ag.maxAbsDiff != null ? ag.maxAbsDiff.toExponential(2) : '-',
          ag.worstRatio != null ? ag.worstRatio.toFixed(3) : '-',
          ag.ok ? 'yes' : 'NO',
          p === 'plainjs' ? '(is the reference)' : (w.reference ?? ''),
        ]);
      }
    }
    lines.push(pad(drows));
    lines.push('per round: the middle half (quartiles) of the ratios peer / ours of the runs timed back to back in one round.');
  }
  const nat = results.native;
  if (nat) {
    lines.push('');
    if (nat.status !== 'ok') lines.push(`native: ${nat.note}`);
    else {
      lines.push(`native kernels (${nat.binary}${nat.args?.length ? ` ${nat.args.join(' ')}` : ''}): ${nat.rows.length} rows`);
      for (const row of nat.rows) lines.push(`  ${Object.entries(row).map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toPrecision(6) : JSON.stringify(v)}`).join('  ')}`);
      for (const n of nat.notes ?? []) lines.push(`  # ${n}`);
    }
  }
  return lines.join('\n');
}

/** bench/results.md from one or more results objects (node, chromium). */
export function markdownReport(all) {
  const out = ['# attention-wasm benchmark results', ''];
  out.push('Generated by `node bench/report.mjs` from `bench/out/results-*.json`; see [README.md](README.md) for what each peer is and how to run it.');
  out.push('');
  const minRuns = Math.min(...all.map((r) => r.minRuns ?? 7));
  out.push(`Every peer runs single-threaded on the same seeded weights and input; times are medians of at least ${minRuns} runs after a warm-up, the runs of the peers interleaved round by round. Each run is timed twice: wall time, and the CPU time of the JS thread that does the work (Linux \`/proc/<pid>/schedstat\`), which other processes on the machine cannot inflate. GFLOP/s divides the FLOPs a causal kernel must do (the four projections plus the visible half of q·kᵀ and weights·v) by the thread CPU time (wall time where that was not measured), the same count for every peer; "ours ×" is the peer's time over ours (above 1: ours is faster), on the same basis. In brackets: the middle half (quartiles) of the per-round ratios, each the peer's run over ours in the same round, which shows how far one median ratio can move between runs.`);
  out.push('');
  for (const r of all) {
    const m = r.machine ?? {};
    out.push(`## ${r.env === 'chromium' ? 'Chromium' : 'Node.js'} (${m.runtime ?? ''})`);
    out.push('');
    out.push(`${r.date.slice(0, 10)} · ${m.cpu ?? '?'} · ${m.cores ?? '?'} cores · ${m.os ?? ''}${m.loadavg ? ` · load average ${m.loadavg.map((v) => v.toFixed(2)).join(' → ')}` : ''}${r.options?.quick ? ' · **--quick run**' : ''}`);
    out.push('');
    const pk = peakLine(r);
    if (pk) out.push(`SIMD128 peak (\`attn.benchPeak\`): **${pk}**`, '');
    const gl = gemmLine(r);
    if (gl) out.push(gl, '');
    const peakG = peakGflops(r);
    const peers = peerNames(r);
    out.push(`Median ms per run: wall${anyCpu(r) ? ' (JS thread CPU)' : ''}`);
    out.push('');
    out.push(`| workload | GFLOP | ${peers.join(' | ')} |`);
    out.push(`|---|---:|${peers.map(() => '---:').join('|')}|`);
    for (const w of orderedWorkloads(r)) {
      out.push(`| ${workloadTitle(w)} | ${(w.flops / 1e9).toFixed(2)} | ${peers.map((p) => cellText(w.peers[p], { short: true, unit: '' }).replace('*', '\\*').replace(' (cpu ', ' (')).join(' | ')} |`);
    }
    if (anyContended(r)) out.push('', `\\* thread CPU / wall < ${CONTENDED} during those runs: other processes shared the core, so the wall time is inflated.`);
    out.push('');
    const others = peers.filter((p) => p !== 'ours');
    out.push(`GFLOP/s${peakG ? ' (% of the SIMD128 peak)' : ''} and ours × peer:`);
    out.push('');
    out.push(`| workload | ${peers.join(' | ')} | ${others.map((p) => `ours × ${p}`).join(' | ')} |`);
    out.push(`|---|${peers.map(() => '---:').join('|')}|${others.map(() => '---:').join('|')}|`);
    for (const w of orderedWorkloads(r)) {
      const ours = w.peers.ours;
      const cells = peers.map((p) => {
        const x = w.peers[p];
        if (!timed(x)) return x?.status === 'skipped' ? 'skipped' : x?.status === 'unavailable' ? 'n/a' : x ? 'error' : '';
        return `${basisGflops(x).toFixed(1)}${peakG ? ` (${((100 * basisGflops(x)) / peakG).toFixed(0)}%)` : ''}${x.status === 'disagrees' ? ' **disagrees**' : ''}`;
      });
      const ratios = others.map((p) => {
        if (!timed(ours) || !timed(w.peers[p])) return 'n/a';
        const rr = roundRatios(w.peers[p], ours);
        return `${(basisMs(w.peers[p]) / basisMs(ours)).toFixed(2)}×${rr ? ` [${rangeText(rr)}]` : ''}`;
      });
      out.push(`| ${workloadTitle(w)} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`);
    }
    out.push('');
    const errs = [];
    for (const w of orderedWorkloads(r)) for (const [p, x] of Object.entries(w.peers)) if (x.status === 'error') errs.push(`${p} at B=${w.B} T=${w.T}: ${x.note}`);
    if (errs.length) out.push('Errors:', '', ...errs.map((e) => `- ${e}`), '');
    const worst = {};
    for (const w of r.workloads) for (const [p, x] of Object.entries(w.peers)) {
      if (!x.agreement || p === 'plainjs' || x.agreement.maxAbsDiff == null) continue;
      const cur = worst[p] ?? { maxAbsDiff: 0, worstRatio: 0, ok: true };
      worst[p] = { maxAbsDiff: Math.max(cur.maxAbsDiff, x.agreement.maxAbsDiff), worstRatio: Math.max(cur.worstRatio, x.agreement.worstRatio), ok: cur.ok && x.agreement.ok };
    }
    const ag = Object.entries(worst).map(([p, v]) => `${p} ${v.maxAbsDiff.toExponential(1)} (${v.ok ? 'within' : '**outside**'} tolerance; worst diff/tol ${v.worstRatio.toFixed(3)})`);
    if (ag.length) out.push(`Agreement with the plain-JS reference (tolerance \`1e-4·max|ref| + 1e-4·|ref|\`), largest max|diff| over the workloads: ${ag.join('; ')}.`, '');
    if (r.native) {
      if (r.native.status !== 'ok') out.push(`Native: ${r.native.note}.`, '');
      else {
        out.push(`Native kernels (\`${r.native.binary}\`), as it printed them:`, '');
        for (const row of r.native.rows) out.push(`- ${Object.entries(row).map(([k, v]) => `${k}=${typeof v === 'number' ? +v.toPrecision(5) : v}`).join(' ')}`);
        out.push('');
      }
    }
  }
  return out.join('\n');
}
