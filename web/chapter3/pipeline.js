// The pipeline on the page: one card per step, each with the step's shape, the book's PyTorch
// line, a heatmap (one panel per head, side by side, one colour scale), its legend, the followed
// row's numbers and its exports. It only draws what compute.js computed; it computes nothing.
import { outputSpecs, stepSpecs, stoneSpecs } from './steps.js';
import { makeScale } from '../lib/colors.js';
import { el, shapeText } from '../lib/dom.js';
import { download, heatmapPNG, heatmapSVG } from '../lib/exporters.js';
import { Heatmap, cellText, exactText } from '../lib/heatmap.js';

const MIN_CARD = 236; // px: a card is never narrower: room for its title, its shape and three buttons

/** (rows, cols) block of a tensor at the leading indices `lead`. */
export function block(t, lead) {
  const rank = t.shape.length;
  const rows = rank >= 2 ? t.shape[rank - 2] : 1;
  const cols = t.shape[rank - 1];
  let off = 0;
  for (let a = 0; a < lead.length; a++) off = off * t.shape[a] + lead[a];
  off *= rows * cols;
  return { data: t.data.subarray(off, off + rows * cols), rows, cols };
}

const dimLabels = (n, prefix = '') => Array.from({ length: n }, (_, j) => `${prefix}${j}`);

/** Where a view of a card sits in the full tensor: "batch 0", "batch 0, heads 0–1". */
const whereText = (b, H) => [b !== null ? `batch ${b}` : null, H > 1 ? `heads 0–${H - 1}` : null].filter(Boolean).join(', ');

/** The stages (groups of cards) for a result and the state it came from: what each card shows. */
export function describeStages(r, s) {
  const v = r.variant;
  const b = v.batched ? s.batchItem : null;
  const lead = b === null ? [] : [b];
  const tokens = r.tokens;
  const steps = stepSpecs(v);
  const H = r.H;
  const dk = r.trace.keys ? r.trace.keys.shape.at(-1) : r.dIn;
  const stages = [];

  const inputCard = {
    id: 'inputs', title: 'Inputs', kind: 'signed', num: 1,
    code: [v.batched ? 'batch = torch.stack((inputs, inputs), dim=0)' : 'inputs  # one embedding per token'],
    explain: v.batched ? 'Two copies of the sentence, as in the book; each goes through the same steps.'
      : v.projections ? 'One embedding per token.' : 'The embeddings are the queries, the keys and the values.',
    tensor: r.inputs, lead, heads: 0, cols: dimLabels(r.dIn), where: whereText(b, 1),
  };

  const stepCards = steps.map((spec, k) => {
    const t = r.shown[spec.key] ?? r.trace[spec.key];
    const card = {
      ...spec, id: spec.key, num: k + 2, tensor: t, lead, heads: v.heads ? H : 0, where: whereText(b, v.heads ? H : 1),
      cols: spec.axis === 'tokens' ? tokens : dimLabels(t.shape.at(-1)),
      columnsAreTokens: spec.axis === 'tokens',
    };
    if (spec.key === 'scaled') card.note = `÷ √d_k = ÷ √${dk}  (d_k = keys.shape[-1] = ${dk})`;
    if (spec.key === 'weights') card.note = v.causal ? 'Each row sums to 1; masked positions get exactly 0.' : 'Each row sums to 1.';
    if (spec.key === 'dropped') {
      card.before = r.trace.weights;
      card.mask = r.trace.dropoutMask;
      const p = s.dropout;
      card.note = !s.training ? 'module.eval(): dropout passes the weights through unchanged.'
        : p === 0 ? 'p = 0 (the book\'s setting): nothing is dropped. Raise p to see dropout at work.'
          : p === 1 ? 'p = 1: every weight is dropped (✕), the masked zeros too.'
            : `p = ${p}: ✕ marks the weights dropout zeroed (its own mask, the masked zeros included); the kept ones are scaled by 1/(1 − p) = ×${+(1 / (1 - p)).toPrecision(4)}.`;
    }
    return card;
  });

  if (!v.heads) {
    stages.push({ id: 'steps', title: null, cards: [inputCard, ...stepCards] });
  } else {
    stages.push({ id: 'input', title: 'Input', cards: [inputCard] });
    stages.push({
      id: 'heads', title: H > 1 ? `The ${H} heads, side by side` : 'The head',
      sub: v.heads === 'stacked' ? 'self.heads[0], self.heads[1], …: one colour scale per step' : `each head: ${dk} columns of the projections; one colour scale per step`,
      cards: stepCards, wide: true,
    });
    const n = steps.length + 2;
    const outCards = outputSpecs(v).map((spec, k) => {
      const t = spec.key === 'concat' ? r.trace.concat : r.output;
      const cols = t.shape.at(-1);
      const group = v.heads === 'stacked' ? cols / H : dk;
      const merged = !(spec.key === 'output' && v.outProj);
      return {
        ...spec, id: spec.key, num: n + k, tensor: t, lead, heads: 0, where: whereText(b, 1),
        cols: merged ? Array.from({ length: cols }, (_, j) => `h${Math.floor(j / group)}·${j % group}`) : dimLabels(cols),
        group: merged ? group : null,
      };
    });
    stages.push({ id: 'output', title: v.heads === 'stacked' ? 'Concatenate the heads' : 'Merge the heads and project', cards: outCards });
  }

  if (r.stones) {
    const st = r.stones;
    const stoneCards = stoneSpecs(st.p, s.seed, r.T).map((spec) => {
      const t = st[spec.key];
      const card = { ...spec, id: spec.key, tensor: t, lead: [], heads: 0, where: '', cols: tokens, columnsAreTokens: true };
      if (spec.key === 'unmasked') card.note = v.batched ? 'batch[0], before the mask: softmax(scaled scores) over every key.' : '';
      if (spec.key === 'renormalized') card.note = 'Compare with “Attention weights” above: the same numbers (to float32 rounding).';
      // Dropout of ones: an entry is 0 exactly where dropout dropped it.
      if (spec.key === 'dropoutOnes') card.mask = { shape: t.shape, data: t.data.map((x) => (x === 0 ? 0 : 1)) };
      return card;
    });
    stages.push({ id: 'stones', title: 'The book\'s stepping stones', sub: '§3.5.1 masks after the softmax; §3.5.2 tries dropout on ones', cards: stoneCards });
  }

  // The trainable parameters, folded away: state_dict() with PyTorch's names and shapes.
  const params = Object.entries(r.stateDict).map(([name, t]) => {
    const is1d = t.shape.length === 1;
    const isParameter = v.projections === 'parameter';
    const module = name.replace(/\.(weight|bias)$/, '').replace(/heads\.(\d+)\./, 'heads[$1].');
    const outProj = module === 'out_proj';
    const code = isParameter ? `self.${name} = nn.Parameter(torch.rand(d_in, d_out))`
      : `self.${module} = nn.Linear(${outProj ? 'd_out, d_out' : 'd_in, d_out, bias=qkv_bias'})  # .${is1d ? 'bias is (out,)' : 'weight is (out, in)'}`;
    return {
      id: `param-${name}`, title: name, kind: 'signed', tensor: is1d ? { shape: [1, t.shape[0]], data: t.data, realShape: t.shape } : t, lead: [], heads: 0,
      code: [code],
      rows: is1d ? ['bias'] : dimLabels(t.shape[0], isParameter ? 'in ' : 'out '),
      cols: dimLabels(t.shape.at(-1), isParameter || is1d ? 'out ' : 'in '),
      explain: '', param: true, where: '',
    };
  });
  if (params.length) stages.push({ id: 'params', title: 'Parameters', sub: 'module.state_dict()', cards: params, folded: true });
  return stages;
}

/** The panels of a card: one per head (side by side), else one. */
function panelsOf(c) {
  const n = Math.max(1, c.heads);
  return Array.from({ length: n }, (_, h) => {
    const at = c.heads ? [...c.lead, h] : c.lead;
    return {
      title: c.heads > 1 ? `head ${h}` : null,
      data: block(c.tensor, at).data,
      dropMask: c.mask ? block(c.mask, at).data : null,
      before: c.before ? block(c.before, at).data : null,
    };
  });
}

/** One card: header, code, explanation, heatmap, legend, the followed row, exports. */
function buildCard(P, c, maxWidth) {
  const heatmap = new Heatmap({
    label: `${c.title}${c.where ? ` (${c.where})` : ''}`,
    onLockRow: (i, how) => P.onLockRow(i, how),
    onHover: (cell, at) => P.showTip(view, cell, at),
  });
  const shape = el('span', { class: 'shape' });
  const legend = el('div', { class: 'legend' });
  const readout = el('div', { class: 'readout', 'aria-live': 'off' });
  const note = el('p', { class: 'note' });
  const fileStem = () => `attention-${P.state.variant}-${c.id}${P.result.variant.cls ? `-seed${P.state.seed}` : ''}`;
  const meta = () => ({ title: c.title + (c.where ? ` (${c.where})` : ''), code: c.code.join('  '), shape: shape.textContent, legend: legendText(view.scale) });
  const actions = el('div', { class: 'actions' },
    el('button', { type: 'button', class: 'btn tiny ghost', text: 'PNG', 'aria-label': `${c.title}: download PNG`, 'data-export': 'png',
      onclick: async () => download(await heatmapPNG(heatmap, meta()), `${fileStem()}.png`) }),
    el('button', { type: 'button', class: 'btn tiny ghost', text: 'SVG', 'aria-label': `${c.title}: download SVG`, 'data-export': 'svg',
      onclick: () => download(heatmapSVG(heatmap, meta()), `${fileStem()}.svg`) }),
    el('button', { type: 'button', class: 'btn tiny ghost', text: 'print()', 'aria-label': `${c.title}: PyTorch print`, 'data-export': 'print',
      onclick: () => P.onPrint(`${c.title}${c.where ? ` (${c.where})` : ''}`, view.printText()) }),
  );
  const card = el('article', { class: `card${c.heads > 1 ? ' wide' : ''}`, 'data-card': c.id },
    el('header', {}, el('h4', {}, c.num ? el('span', { class: 'num', text: String(c.num), 'aria-hidden': 'true' }) : null, c.title), shape),
    el('pre', { class: 'code' }, el('code', { text: c.code.join('\n') })),
    c.explain ? el('p', { class: 'explain', text: c.explain }) : null,
    note,
    el('div', { class: 'plot' }, heatmap.canvas),
    legend, readout, actions);

  const view = {
    spec: c, heatmap, card, scale: null, panels: null,
    printText() {
      // The block shown: the tensor at the card's leading indices (all heads of a wide card).
      const t = c.tensor;
      const sub = t.realShape ?? t.shape.slice(c.lead.length);
      const n = sub.reduce((a, x) => a * x, 1);
      const at = c.lead.reduce((o, i, a) => o * t.shape[a] + i, 0);
      return P.attn.tensor(t.data.subarray(at * n, (at + 1) * n), sub).toString();
    },
    update() {
      const panels = panelsOf(c);
      this.panels = panels;
      const rows = c.tensor.shape.length >= 2 ? c.tensor.shape.at(-2) : 1;
      const cols = c.tensor.shape.at(-1);
      this.scale = makeScale(c.kind, panels.map((p) => p.data), { palette: P.state.palette, mode: c.kind === 'weights' ? P.state.scale : 'matrix', rows, cols });
      const full = c.tensor.realShape ?? c.tensor.shape;
      // The full tensor's shape, and for batched or per-head tensors the block shown: (2, 6, 6)[0] → (6, 6)
      const shown = c.heads ? [c.heads, rows, cols] : [rows, cols];
      shape.textContent = full.length > 2 && c.lead.length ? `${shapeText(full)}[${c.lead.join(', ')}] → ${shapeText(shown)}` : shapeText(full);
      shape.title = full.length > 2 && c.lead.length ? `showing ${c.where} of the ${shapeText(full)} tensor` : '';
      if (note.textContent !== (c.note ?? '')) note.textContent = c.note ?? '';
      note.hidden = !c.note;
      const lg = legendText(this.scale);
      const masked = panels.some((p) => p.data.includes(-Infinity));
      const dropped = panels.some((p) => p.dropMask?.includes(0));
      const legendKey = [lg.lo, lg.hi, lg.clipped, this.scale.mode, masked, dropped, P.state.palette].join('|');
      if (legendKey !== this.legendKey) {
        this.legendKey = legendKey;
        legend.replaceChildren(...this.legendParts(lg, masked, dropped));
      }
      this.refresh();
    },
    legendParts(lg, masked, dropped) {
      const bar = el('span', { class: 'bar' });
      bar.style.background = `linear-gradient(to right, ${this.scale.stops().map(([o, col]) => `${col} ${(o * 100).toFixed(0)}%`).join(', ')})`;
      bar.title = this.scale.describe;
      const parts = this.scale.mode === 'row'
        ? [el('span', { text: '0' }), bar, el('span', { text: 'row max', title: 'each row is coloured from 0 to its own largest weight' })]
        : [el('span', { text: lg.lo }), bar, el('span', { text: lg.hi })];
      if (lg.clipped) parts.push(el('span', { class: 'clip', text: `(${lg.clipped} larger: top colour)`, title: 'From 256 values on, the largest 2% do not stretch the scale; they are drawn in its top colour. Hover for exact values.' }));
      if (masked) parts.push(el('span', { class: 'sw' }, el('i', { class: 'masked' }), '−∞ masked'));
      if (dropped) parts.push(el('span', { class: 'sw' }, el('i', { class: 'dropped' }), 'dropped'));
      return parts;
    },
    refresh() {
      // Cards folded away (the parameters) are drawn when they are opened.
      const folded = card.closest('details');
      if (folded && !folded.open) {
        this.stale = true;
        return;
      }
      this.stale = false;
      const state = P.state;
      const rows = c.tensor.shape.length >= 2 ? c.tensor.shape.at(-2) : 1;
      const cols = c.tensor.shape.at(-1);
      const lockedRow = c.param ? null : state.row;
      heatmap.set({
        panels: this.panels, rows, cols, rowLabels: c.rows ?? P.result.tokens, colLabels: c.cols, scale: this.scale,
        lockedRow, group: c.group ?? null, columnsAreTokens: !!c.columnsAreTokens,
      }, { maxWidth: c.heads > 1 ? P.wideWidth : maxWidth, theme: P.theme });
      // The card is as wide as its matrices (text wraps to it), never narrower than its header.
      const w = `${Math.max(heatmap.geo.width, MIN_CARD) + P.cardPad}px`;
      if (card.style.width !== w) card.style.width = w;
      if (lockedRow !== null && lockedRow < rows) {
        const lines = this.panels.map((p, h) => {
          const vals = Array.from(p.data.subarray(lockedRow * cols, (lockedRow + 1) * cols), cellText).join('  ');
          return el('p', {}, el('b', { text: this.panels.length > 1 ? `head ${h}:` : `${P.result.tokens[lockedRow]}:` }), ` ${vals}`);
        });
        if (this.panels.length > 1) lines.unshift(el('p', {}, el('b', { text: `${P.result.tokens[lockedRow]}` })));
        readout.replaceChildren(...lines);
      } else readout.replaceChildren();
    },
  };
  return view;
}

function legendText(scale) {
  const [lo, hi] = scale.domain;
  return { lo: cellText(lo), hi: scale.clipped ? `≥${cellText(hi)}` : cellText(hi), clipped: scale.clipped };
}

/** The cards of the pipeline, in `box`; the tooltip they share. */
export class Pipeline {
  /**
   * @param {object} o
   * @param {HTMLElement} o.box      where the stages go
   * @param {HTMLElement} o.tooltip  the shared tooltip; o.live: a polite live region for keyboard reading
   * @param {object} o.attn          the loaded module (for tensor printing)
   * @param {(row: number|null, how: string) => void} o.onLockRow
   * @param {(title: string, text: string) => void} o.onPrint
   */
  constructor({ box, tooltip, live, attn, onLockRow, onPrint }) {
    Object.assign(this, { box, tooltip, live, attn, onLockRow, onPrint });
    this.views = []; // the cards on screen: { spec, heatmap, card, update(), refresh() }
    this.key = ''; // what the cards were built for; the same key redraws them in place
    this.width = 0; // px, the box's width (set from a ResizeObserver by the page)
    this.cardPad = 26;
    // A tapped cell's tooltip stays with its cell while the page scrolls (it goes when the cell
    // leaves the screen), until something else is tapped.
    addEventListener('scroll', () => {
      if (!this.tipAnchor) return;
      const { view, cell } = this.tipAnchor;
      const at = view.heatmap.cellPoint(cell);
      if (at.clientY < 0 || at.clientY > innerHeight) this.showTip(null, null, null);
      else this.place(view, { ...at, touch: true });
    }, { passive: true });
    addEventListener('pointerdown', (e) => {
      if (this.tipAnchor && !(e.target instanceof HTMLCanvasElement)) this.showTip(null, null, null);
    });
  }

  /** Shows `result` (computed from `state`): rebuilds the cards only when their structure changed. */
  render(state, result, { theme }) {
    Object.assign(this, { state, result, theme });
    const width = this.width || this.box.clientWidth || 1200;
    this.cardPad = width < 600 ? 20 : 26; // the card's padding and border (style.css: narrower on phones)
    const maxWidth = Math.max(220, Math.min(440, width - this.cardPad - 2));
    this.wideWidth = Math.max(220, width - this.cardPad - 2);
    const stages = describeStages(result, state);
    const key = JSON.stringify([result.variant.id, result.tokens, result.T, result.dIn, result.H, maxWidth, this.wideWidth, state.batchItem,
      stages.map((st) => st.cards.map((c) => [c.id, c.tensor.shape, c.title]))]);
    if (key !== this.key) {
      this.key = key;
      this.views = [];
      const openParams = this.box.querySelector('details.stage')?.open ?? false;
      this.box.replaceChildren(...stages.map((st) => {
        const cards = st.cards.map((c) => {
          const v = buildCard(this, c, maxWidth);
          this.views.push(v);
          return v.card;
        });
        const title = st.title === null ? null : el(st.folded ? 'summary' : 'h3', {}, st.title, st.sub ? el('span', { class: 'dim', text: ` · ${st.sub}` }) : null);
        return st.folded
          ? el('details', { class: 'stage', 'data-stage': st.id, open: openParams, ontoggle: (e) => e.target.open && this.views.forEach((v) => v.stale && v.refresh()) },
            title, el('div', { class: 'cards' }, ...cards))
          : el('section', { class: `stage${st.wide ? ' wide' : ''}`, 'data-stage': st.id }, title, el('div', { class: 'cards' }, ...cards));
      }));
    } else {
      // Same structure: the cards stay, their tensors are new.
      const flat = stages.flatMap((st) => st.cards);
      this.views.forEach((v, k) => Object.assign(v.spec, flat[k]));
    }
    for (const v of this.views) v.update();
  }

  /** Redraws every card after the followed row changed. */
  refresh(state) {
    this.state = state;
    for (const v of this.views) v.refresh();
  }

  /** The tooltip for a cell under the mouse, a tap or the keyboard cursor (cell null: hide it). */
  showTip(view, cell, at) {
    const tip = this.tooltip;
    if (!cell || !at) {
      tip.hidden = true;
      this.tipAnchor = null;
      return;
    }
    const c = view.spec;
    const panel = view.panels[cell.p];
    const cols = c.tensor.shape.at(-1);
    const k = cell.i * cols + cell.j;
    const v = panel.data[k];
    const tokens = this.result.tokens;
    const rowName = c.rows ? c.rows[cell.i] : tokens[cell.i];
    const colName = c.cols[cell.j];
    const lines = [];
    const where = [c.heads > 1 ? `head ${cell.p}` : null, this.result.variant.batched && !c.param && c.lead.length ? `batch ${this.state.batchItem}` : null].filter(Boolean).join(', ');
    lines.push(el('div', {}, el('b', { text: c.title }), el('span', { class: 'sub', text: where ? ` · ${where}` : '' })));
    lines.push(el('div', { class: 'v', text: exactText(v) }));
    if (c.param) lines.push(el('div', { class: 'sub', text: `row ${rowName}, column ${colName}` }));
    else if (c.columnsAreTokens) lines.push(el('div', { class: 'sub', text: `query “${rowName}” (row ${cell.i + 1}) · key “${colName}” (column ${cell.j + 1})` }));
    else lines.push(el('div', { class: 'sub', text: `token “${rowName}” (row ${cell.i + 1}) · dimension ${colName}` }));
    const trace = this.result.trace;
    const at2 = c.heads ? [...c.lead, cell.p] : c.lead;
    const prev = (key) => block(trace[key], at2).data[k];
    if (c.key === 'scaled') {
      const score = prev('scores');
      lines.push(el('div', { text: v === -Infinity ? `masked: −∞ ÷ √${trace.keys.shape.at(-1)} stays −∞` : `= score ${cellText(score)} ÷ √${trace.keys.shape.at(-1)}` }));
    }
    if (c.key === 'masked') lines.push(el('div', { text: v === -Infinity ? `masked: “${colName}” comes after “${rowName}”` : 'kept: this key is at or before the query' }));
    if (c.key === 'dropped') {
      const w = panel.before[k];
      const kept = panel.dropMask ? panel.dropMask[k] !== 0 : true;
      lines.push(el('div', { text: !kept ? (w === 0 ? 'dropped: dropout\'s mask is 0 here (the weight was already 0: masked)' : `dropped: the weight ${cellText(w)} became 0`)
        : w === 0 ? 'kept by dropout, but the weight is 0 (masked)'
          : v === w ? `kept: weight ${cellText(w)} unchanged` : `kept: weight ${cellText(w)} × 1/(1 − p) = ${cellText(v)}` }));
    }
    if (c.key === 'dropoutOnes') lines.push(el('div', { text: v === 0 ? 'dropped: 1 became 0' : `kept: 1 × 1/(1 − p) = ${cellText(v)}` }));
    if (view.scale.mode === 'row' && c.kind === 'weights' && Number.isFinite(v)) lines.push(el('div', { class: 'sub', text: `${Math.round((v / view.scale.rowTop(cell.p, cell.i)) * 100)}% of this row's largest` }));
    tip.replaceChildren(...lines);
    tip.hidden = false;
    this.tipAnchor = at.touch ? { view, cell } : null;
    this.place(view, at);
    if (at.keyboard) this.live.textContent = lines.map((l) => l.textContent).join('. ');
  }

  /** Puts the tooltip next to `at`, inside the window. */
  place(view, at) {
    const tip = this.tooltip;
    const pad = 14;
    const { innerWidth: W, innerHeight: Hh } = window;
    const r = tip.getBoundingClientRect();
    let x = at.clientX + pad;
    let y = at.clientY + pad;
    if (x + r.width > W - 8) x = Math.max(8, Math.min(at.clientX - r.width - pad, W - r.width - 8));
    if (y + r.height > Hh - 8) y = Math.max(8, at.clientY - r.height - pad - (at.keyboard ? view.heatmap.geo.cellH : 0));
    tip.style.left = `${x}px`;
    tip.style.top = `${y}px`;
  }
}
