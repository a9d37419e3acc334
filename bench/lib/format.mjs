// Text and markdown tables of a results object (or several, one per environment).

const PEER_ORDER = ['ours', 'onnxruntime', 'tfjs', 'tfjs-batched', 'plainjs'];

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

const fmtMs = (ms) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

/** One cell's short text: "345 ms", "skipped (too slow)", "not built", "ERROR". */
export function cellText(r, { short = false } = {}) {
  if (!r) return '';
  if (r.status === 'ok' || r.status === 'disagrees') {
    const contended = r.cpuPerWall != null && r.cpuPerWall < CONTENDED ? '*' : '';
    return `${fmtMs(r.medianMs)} ms${contended}${r.status === 'disagrees' ? ' DISAGREES' : ''}`;
  }
  if (r.status === 'skipped') return 'skipped (too slow)';
  if (r.status === 'unavailable') return /not built/.test(r.note ?? '') ? 'not built' : (r.note ?? 'n/a');
  const text = `error: ${r.note ?? ''}`;
  return short && text.length > 28 ? `${text.slice(0, 27)}…` : text.slice(0, 160);
}

/** Node runs: CPU time / wall time below this over the timed runs means another process took the core. */
export const CONTENDED = 0.9;

function pad(rows) {
  const widths = [];
  for (const r of rows) r.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, String(c).length); });
  return rows.map((r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ')).join('\n');
}

const timed = (r) => r && (r.status === 'ok' || r.status === 'disagrees');

/** The stdout report of one run. */
export function textReport(results) {
  const lines = [];
  const m = results.machine ?? {};
  lines.push(`attention-wasm bench — ${results.env ?? ''} — ${results.date}`);
  lines.push(`machine: ${m.cpu ?? '?'} (${m.cores ?? '?'} cores), ${m.os ?? ''}; ${m.runtime ?? ''}; single thread`);
  const peak = results.peak;
  const peakG = peak?.status === 'ok' ? peak.gflops : null;
  if (peak) lines.push(`SIMD128 peak (attn.benchPeak): ${peakG ? `${peakG.toFixed(2)} GFLOP/s` : peak.status === 'unavailable' ? `n/a — ours ${peak.note}` : `n/a${peak.note ? ` (${peak.note})` : ''}`}`);
  const peers = peerNames(results);
  if (results.workloads.length) {
    lines.push('');
    lines.push('Median ms per run (warm-up excluded):');
    const head = ['workload', 'GFLOP', ...peers];
    const rows = [head];
    for (const w of orderedWorkloads(results)) rows.push([workloadTitle(w), (w.flops / 1e9).toFixed(2), ...peers.map((p) => cellText(w.peers[p], { short: true }))]);
    lines.push(pad(rows));
    const anyContended = results.workloads.some((w) => Object.values(w.peers).some((r) => r.cpuPerWall != null && r.cpuPerWall < CONTENDED));
    if (anyContended) lines.push(`* CPU time / wall time < ${CONTENDED} over the timed runs: another process was using this core, the time is inflated.`);
    lines.push('');
    lines.push('Details (GFLOP/s over causally counted FLOPs; "ours ×" = peer time / our time; max|diff| vs the plain-JS reference):');
    const drows = [['workload', 'peer', 'median ms', 'runs', 'cpu/wall', 'GFLOP/s', 'ours ×', '% of peak', 'max|diff|', 'worst diff/tol', 'agrees', 'reference']];
    for (const w of orderedWorkloads(results)) {
      const ours = w.peers.ours;
      for (const p of peers) {
        const r = w.peers[p];
        if (!r) continue;
        if (!timed(r)) { drows.push([workloadTitle(w), p, '-', '', '', '', '', '', '', '', '', cellText(r)]); continue; }
        const ratio = timed(ours) && p !== 'ours' ? `${(r.medianMs / ours.medianMs).toFixed(2)}` : p === 'ours' ? '1.00' : 'n/a';
        const ag = r.agreement ?? {};
        drows.push([
          workloadTitle(w), p, r.medianMs.toFixed(1), r.runs, r.cpuPerWall != null ? r.cpuPerWall.toFixed(2) : '-', r.gflops.toFixed(2), ratio,
          peakG ? `${((100 * r.gflops) / peakG).toFixed(1)}%` : 'n/a',
          ag.maxAbsDiff != null ? ag.maxAbsDiff.toExponential(2) : '-',
          ag.worstRatio != null ? ag.worstRatio.toFixed(3) : '-',
          ag.ok ? 'yes' : 'NO',
          p === 'plainjs' ? '(is the reference)' : (w.reference ?? ''),
        ]);
      }
    }
    lines.push(pad(drows));
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
  out.push('Generated by `node bench/report.mjs` from `bench/out/results-*.json`; see [bench/README.md](README.md) for what each peer is and how to run it.');
  out.push('Times are medians of at least 5 runs after a warm-up, one thread, the same seeded weights and input for every peer. GFLOP/s divides the FLOPs a causal kernel must do (projections plus the visible half of q·kᵀ and weights·v) by the median time, for every peer alike. "ours ×" is the peer\'s time over ours (above 1: ours is faster).');
  out.push('');
  for (const r of all) {
    const m = r.machine ?? {};
    out.push(`## ${r.env === 'chromium' ? 'Chromium' : 'Node.js'} (${m.runtime ?? ''})`);
    out.push('');
    out.push(`${r.date.slice(0, 10)} · ${m.cpu ?? '?'} · ${m.cores ?? '?'} cores · ${m.os ?? ''}${r.options?.quick ? ' · **--quick run**' : ''}`);
    out.push('');
    const peakG = r.peak?.status === 'ok' ? r.peak.gflops : null;
    if (r.peak) out.push(`SIMD128 peak (\`attn.benchPeak\`): ${peakG ? `**${peakG.toFixed(2)} GFLOP/s**` : `n/a (${r.peak.note ?? r.peak.status})`}`);
    out.push('');
    const peers = peerNames(r);
    out.push(`| workload | GFLOP | ${peers.map((p) => `${p} ms (GFLOP/s)`).join(' | ')} | ${peers.filter((p) => p !== 'ours').map((p) => `ours × ${p}`).join(' | ')} |`);
    out.push(`|---|---:|${peers.map(() => '---:').join('|')}|${peers.filter((p) => p !== 'ours').map(() => '---:').join('|')}|`);
    for (const w of orderedWorkloads(r)) {
      const ours = w.peers.ours;
      const cells = peers.map((p) => {
        const x = w.peers[p];
        if (!timed(x)) return cellText(x, { short: true });
        const star = x.cpuPerWall != null && x.cpuPerWall < CONTENDED ? '\\*' : '';
        return `${fmtMs(x.medianMs)}${star} (${x.gflops.toFixed(1)}${peakG ? `, ${((100 * x.gflops) / peakG).toFixed(0)}% of peak` : ''})${x.status === 'disagrees' ? ' **disagrees**' : ''}`;
      });
      const ratios = peers.filter((p) => p !== 'ours').map((p) => (timed(ours) && timed(w.peers[p]) ? `${(w.peers[p].medianMs / ours.medianMs).toFixed(2)}×` : 'n/a'));
      out.push(`| ${workloadTitle(w)} | ${(w.flops / 1e9).toFixed(2)} | ${cells.join(' | ')} | ${ratios.join(' | ')} |`);
    }
    if (r.workloads.some((w) => Object.values(w.peers).some((x) => x.cpuPerWall != null && x.cpuPerWall < CONTENDED))) {
      out.push('', `\\* CPU time / wall time < ${CONTENDED} over the timed runs: another process shared the core, so that time is inflated.`);
    }
    const errs = [];
    for (const w of orderedWorkloads(r)) for (const [p, x] of Object.entries(w.peers)) if (x.status === 'error') errs.push(`${p} at B=${w.B} T=${w.T}: ${x.note}`);
    if (errs.length) out.push('', 'Errors:', '', ...errs.map((e) => `- ${e}`));
    if (r.machine?.loadavg) out.push('', `1-minute load average at the start and end of the run: ${r.machine.loadavg.map((v) => v.toFixed(2)).join(' → ')} (${r.machine.cores} cores).`);
    out.push('');
    // agreement summary
    const worst = {};
    for (const w of r.workloads) for (const [p, x] of Object.entries(w.peers)) {
      if (!x.agreement || p === 'plainjs' || x.agreement.maxAbsDiff == null) continue;
      const cur = worst[p] ?? { maxAbsDiff: 0, worstRatio: 0, ok: true };
      worst[p] = { maxAbsDiff: Math.max(cur.maxAbsDiff, x.agreement.maxAbsDiff), worstRatio: Math.max(cur.worstRatio, x.agreement.worstRatio), ok: cur.ok && x.agreement.ok };
    }
    const ag = Object.entries(worst).map(([p, v]) => `${p} ${v.maxAbsDiff.toExponential(1)} (${v.ok ? 'within' : '**outside**'} tolerance, worst diff/tol ${v.worstRatio.toFixed(3)})`);
    if (ag.length) out.push(`Agreement with the plain-JS reference, largest max|diff| over the workloads: ${ag.join('; ')}.`);
    if (r.native) out.push('', r.native.status === 'ok' ? `Native kernel rows: ${r.native.rows.length} (see \`bench/out/results-node.json\`).` : `Native: ${r.native.note}.`);
    out.push('');
  }
  return out.join('\n');
}
