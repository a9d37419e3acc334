// A hand-written SVG chart of one or more results objects (node, chromium):
//  top: median ms per peer per workload (grouped bars, log scale; Chromium hatched);
//  bottom: time per causally counted FLOP against T at B=1 (log–log; Chromium dashed).

const COLORS = { ours: '#d62728', onnxruntime: '#1f77b4', tfjs: '#ff7f0e', 'tfjs-batched': '#9467bd', plainjs: '#7f7f7f' };
const EXTRA = ['#2ca02c', '#8c564b', '#e377c2', '#17becf'];
const ORDER = ['ours', 'onnxruntime', 'tfjs', 'tfjs-batched', 'plainjs'];
const ENV_NAME = { node: 'Node.js', chromium: 'Chromium' };

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f = (v) => +v.toFixed(1);
const timed = (r) => r && (r.status === 'ok' || r.status === 'disagrees');
// thread CPU time where measured (robust to other processes), wall time otherwise
const ms = (r) => r.cpuMedianMs ?? r.medianMs;

function logTicks(lo, hi) {
  const ticks = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) ticks.push({ v, major: m === 1 });
    }
  }
  return ticks;
}
const tickLabel = (v) => (v >= 1000 ? `${v / 1000}k` : v >= 1 ? `${v}` : `${+v.toPrecision(2)}`);

function logDomain(values) {
  const lo = Math.min(...values), hi = Math.max(...values);
  return [10 ** Math.floor(Math.log10(lo)), 10 ** Math.ceil(Math.log10(hi))];
}

export function renderChart(all) {
  all = all.filter(Boolean);
  const W = 1000, H = 845;
  const s = [];
  s.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  s.push('<defs>');
  const peersSeen = new Set();
  for (const r of all) for (const w of r.workloads) for (const [p, x] of Object.entries(w.peers)) if (timed(x)) peersSeen.add(p);
  const peers = [...ORDER.filter((p) => peersSeen.has(p)), ...[...peersSeen].filter((p) => !ORDER.includes(p))];
  const color = (p) => COLORS[p] ?? EXTRA[peers.indexOf(p) % EXTRA.length];
  for (const p of peers) {
    s.push(`<pattern id="hatch-${p}" patternUnits="userSpaceOnUse" width="5" height="5" patternTransform="rotate(45)"><rect width="5" height="5" fill="#fff"/><rect width="2.5" height="5" fill="${color(p)}"/></pattern>`);
  }
  s.push('</defs>');
  s.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  s.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">attention-wasm: GPT-2-small causal multi-head attention (768 wide, 12 heads), one thread</text>`);

  const envs = all.map((r) => r.env ?? 'node');
  const series = [];
  for (const p of peers) for (let e = 0; e < all.length; e++) series.push({ p, e });

  // ---------- top: grouped bars, ms per run ----------
  const wlKey = (w) => (w.B === 1 ? w.T : 1e6 + w.B * 1e4 + w.T);
  const wlMap = new Map();
  for (const r of all) for (const w of r.workloads) if (!wlMap.has(w.id)) wlMap.set(w.id, w);
  const wls = [...wlMap.values()].sort((a, b) => wlKey(a) - wlKey(b));
  const msVals = [];
  for (const r of all) for (const w of r.workloads) for (const x of Object.values(w.peers)) if (timed(x)) msVals.push(ms(x));
  const A = { x0: 70, x1: W - 20, y0: 60, y1: 380 };
  s.push(`<text x="${A.x0}" y="${A.y0 - 12}" font-size="13" font-weight="bold">Median time per forward pass (ms of JS-thread CPU time, log scale; lower is better)</text>`);
  if (msVals.length && wls.length) {
    const [lo, hi] = logDomain(msVals);
    const y = (v) => A.y1 - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (A.y1 - A.y0);
    for (const t of logTicks(lo, hi)) {
      s.push(`<line x1="${A.x0}" x2="${A.x1}" y1="${f(y(t.v))}" y2="${f(y(t.v))}" stroke="${t.major ? '#ccc' : '#eee'}"/>`);
      s.push(`<text x="${A.x0 - 6}" y="${f(y(t.v) + 4)}" text-anchor="end" fill="#444">${tickLabel(t.v)}</text>`);
    }
    s.push(`<text transform="translate(18 ${(A.y0 + A.y1) / 2}) rotate(-90)" text-anchor="middle" fill="#444">ms</text>`);
    const gw = (A.x1 - A.x0) / wls.length;
    const bw = Math.min(22, (gw - 16) / Math.max(1, series.length));
    wls.forEach((w, gi) => {
      const gx = A.x0 + gi * gw + (gw - bw * series.length) / 2;
      series.forEach(({ p, e }, si) => {
        const we = all[e].workloads.find((v) => v.id === w.id);
        const x = we?.peers[p];
        const bx = gx + si * bw;
        if (timed(x)) {
          const by = y(ms(x));
          const fill = envs[e] === 'chromium' ? `url(#hatch-${p})` : color(p);
          s.push(`<rect x="${f(bx + 1)}" y="${f(by)}" width="${f(bw - 2)}" height="${f(A.y1 - by)}" fill="${fill}" stroke="${color(p)}"><title>${esc(`${p} (${ENV_NAME[envs[e]] ?? envs[e]}) B=${w.B} T=${w.T}: ${ms(x).toFixed(1)} ms${x.cpuMedianMs != null ? ` thread CPU, ${x.medianMs.toFixed(1)} ms wall` : ' wall'}`)}</title></rect>`);
          const label = ms(x) >= 100 ? ms(x).toFixed(0) : ms(x).toFixed(1);
          s.push(`<text transform="translate(${f(bx + bw / 2 + 3)} ${f(by - 3)}) rotate(-90)" font-size="9" fill="#333">${label}${x.status === 'disagrees' ? ' ✗' : ''}</text>`);
        } else if (x && we) {
          const why = x.status === 'skipped' ? 'skipped' : x.status === 'unavailable' ? 'not built' : 'error';
          s.push(`<text transform="translate(${f(bx + bw / 2 + 3)} ${A.y1 - 3}) rotate(-90)" font-size="9" fill="#999">${why}</text>`);
        }
      });
      const name = w.groups.includes('gpt2') ? `GPT-2 B=${w.B} T=${w.T}` : `T=${w.T}`;
      s.push(`<text x="${f(A.x0 + gi * gw + gw / 2)}" y="${A.y1 + 16}" text-anchor="middle">${esc(name)}</text>`);
      s.push(`<text x="${f(A.x0 + gi * gw + gw / 2)}" y="${A.y1 + 30}" text-anchor="middle" fill="#666" font-size="10">${(w.flops / 1e9).toFixed(1)} GFLOP</text>`);
    });
    s.push(`<line x1="${A.x0}" x2="${A.x1}" y1="${A.y1}" y2="${A.y1}" stroke="#333"/>`);
  } else {
    s.push(`<text x="${W / 2}" y="${(A.y0 + A.y1) / 2}" text-anchor="middle" fill="#999">no timed workloads</text>`);
  }

  // legend
  let lx = A.x0, ly = A.y1 + 50;
  for (const p of peers) {
    s.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${color(p)}"/><text x="${lx + 16}" y="${ly}">${esc(p)}</text>`);
    lx += 30 + p.length * 7;
  }
  if (all.length > 1 || envs[0] === 'chromium') {
    lx += 20;
    for (let e = 0; e < all.length; e++) {
      const hatch = envs[e] === 'chromium';
      s.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${hatch ? 'url(#hatch-' + peers[0] + ')' : '#555'}" stroke="#555"/>`);
      s.push(`<line x1="${lx + 18}" x2="${lx + 40}" y1="${ly - 4}" y2="${ly - 4}" stroke="#555" stroke-width="2" ${hatch ? 'stroke-dasharray="5 3"' : ''}/>`);
      s.push(`<text x="${lx + 46}" y="${ly}">${esc(ENV_NAME[envs[e]] ?? envs[e])}</text>`);
      lx += 130;
    }
  }

  // ---------- bottom: time per causal FLOP vs T (B = 1) ----------
  const Bp = { x0: 70, x1: W - 200, y0: 490, y1: 720 };
  s.push(`<text x="${Bp.x0}" y="${Bp.y0 - 14}" font-size="13" font-weight="bold">Time per causally counted FLOP vs T, B=1 (ps/FLOP, log–log; lower is better)</text>`);
  const pts = [];
  for (let e = 0; e < all.length; e++) {
    for (const p of peers) {
      const line = all[e].workloads.filter((w) => w.B === 1 && timed(w.peers[p])).sort((a, b) => a.T - b.T)
        .map((w) => ({ T: w.T, ps: (ms(w.peers[p]) * 1e9) / w.flops }));
      if (line.length) pts.push({ p, e, line });
    }
  }
  const peaks = all.map((r, e) => ({ e, g: r.peak?.status === 'ok' ? (r.peak.cpuGflops ?? r.peak.gflops) : null })).filter((q) => q.g);
  if (pts.length) {
    const Ts = pts.flatMap((q) => q.line.map((v) => v.T));
    const psVals = [...pts.flatMap((q) => q.line.map((v) => v.ps)), ...peaks.map((q) => 1000 / q.g)];
    const [lo, hi] = logDomain(psVals);
    const tLo = Math.min(...Ts) / 1.3, tHi = Math.max(...Ts) * 1.3;
    const x = (T) => Bp.x0 + ((Math.log2(T) - Math.log2(tLo)) / (Math.log2(tHi) - Math.log2(tLo))) * (Bp.x1 - Bp.x0);
    const y = (v) => Bp.y1 - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * (Bp.y1 - Bp.y0);
    for (const t of logTicks(lo, hi)) {
      s.push(`<line x1="${Bp.x0}" x2="${Bp.x1}" y1="${f(y(t.v))}" y2="${f(y(t.v))}" stroke="${t.major ? '#ccc' : '#eee'}"/>`);
      s.push(`<text x="${Bp.x0 - 6}" y="${f(y(t.v) + 4)}" text-anchor="end" fill="#444">${tickLabel(t.v)}</text>`);
    }
    for (const T of [...new Set(Ts)].sort((a, b) => a - b)) {
      s.push(`<line x1="${f(x(T))}" x2="${f(x(T))}" y1="${Bp.y0}" y2="${Bp.y1}" stroke="#eee"/>`);
      s.push(`<text x="${f(x(T))}" y="${Bp.y1 + 16}" text-anchor="middle">${T}</text>`);
    }
    s.push(`<text x="${(Bp.x0 + Bp.x1) / 2}" y="${Bp.y1 + 34}" text-anchor="middle" fill="#444">T (tokens)</text>`);
    s.push(`<text transform="translate(18 ${(Bp.y0 + Bp.y1) / 2}) rotate(-90)" text-anchor="middle" fill="#444">ps / FLOP</text>`);
    s.push(`<rect x="${Bp.x0}" y="${Bp.y0}" width="${Bp.x1 - Bp.x0}" height="${Bp.y1 - Bp.y0}" fill="none" stroke="#333"/>`);
    if (peaks.length) {
      for (const q of peaks) {
        const yy = f(y(1000 / q.g));
        s.push(`<line x1="${Bp.x0}" x2="${Bp.x1}" y1="${yy}" y2="${yy}" stroke="#000" stroke-width="1" stroke-dasharray="2 3"/>`);
      }
      const top = Math.min(...peaks.map((q) => y(1000 / q.g)));
      const text = peaks.map((q) => `${q.g.toFixed(1)}${peaks.length > 1 ? ` (${ENV_NAME[envs[q.e]] ?? envs[q.e]})` : ''}`).join(' / ');
      s.push(`<text x="${Bp.x1 - 4}" y="${f(top - 4)}" text-anchor="end" font-size="10">SIMD128 peak (attn.benchPeak): ${esc(text)} GFLOP/s</text>`);
    }
    let ky = Bp.y0 + 10;
    for (const { p, e, line } of pts) {
      const dash = envs[e] === 'chromium' ? ' stroke-dasharray="6 4"' : '';
      s.push(`<polyline fill="none" stroke="${color(p)}" stroke-width="2"${dash} points="${line.map((v) => `${f(x(v.T))},${f(y(v.ps))}`).join(' ')}"/>`);
      for (const v of line) s.push(`<circle cx="${f(x(v.T))}" cy="${f(y(v.ps))}" r="3" fill="${envs[e] === 'chromium' ? '#fff' : color(p)}" stroke="${color(p)}"><title>${esc(`${p} (${ENV_NAME[envs[e]] ?? envs[e]}) T=${v.T}: ${v.ps.toFixed(1)} ps/FLOP = ${(1000 / v.ps).toFixed(2)} GFLOP/s`)}</title></circle>`);
      s.push(`<line x1="${Bp.x1 + 14}" x2="${Bp.x1 + 40}" y1="${ky - 4}" y2="${ky - 4}" stroke="${color(p)}" stroke-width="2"${dash}/>`);
      s.push(`<text x="${Bp.x1 + 46}" y="${ky}">${esc(p)} (${esc(ENV_NAME[envs[e]] ?? envs[e])})</text>`);
      ky += 18;
    }
  } else {
    s.push(`<text x="${(Bp.x0 + Bp.x1) / 2}" y="${(Bp.y0 + Bp.y1) / 2}" text-anchor="middle" fill="#999">no B=1 workloads timed</text>`);
  }

  // ---------- caption ----------
  const m = all[0]?.machine ?? {};
  const runtimes = all.map((r) => r.machine?.runtime ?? r.env).join(' · ');
  const dates = [...new Set(all.map((r) => r.date.slice(0, 10)))].join(', ');
  s.push(`<text x="${W / 2}" y="${H - 44}" text-anchor="middle" fill="#333">${esc(`${dates} · ${m.cpu ?? 'unknown CPU'} (${m.cores ?? '?'} cores) · ${runtimes}${all.some((r) => r.options?.quick) ? ' · --quick' : ''}`)}</text>`);
  s.push(`<text x="${W / 2}" y="${H - 25}" text-anchor="middle" fill="#666" font-size="11">Medians of ≥5 runs after a warm-up; one thread; the same seeded weights and input for every peer; CPU time of the JS thread (wall time where not measured).</text>`);
  s.push(`<text x="${W / 2}" y="${H - 9}" text-anchor="middle" fill="#666" font-size="11">FLOPs counted causally: the 4 projections + the visible half of q·kᵀ and weights·v. Hatched bars / dashed lines: Chromium.</text>`);
  s.push('</svg>');
  return `${s.join('\n')}\n`;
}
