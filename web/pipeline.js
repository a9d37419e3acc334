// The pipeline on the page: one card per step (per head for the multi-head variants), each with
// the step's shape, the book's PyTorch line, a heatmap, its legend, the followed row's numbers
// and its exports. It only draws what app.js computed; it computes nothing itself.
import { outputSpecs, stepSpecs } from './book.js';
import { makeScale } from './colors.js';
import { el, shapeText } from './dom.js';
import { download, heatmapPNG, heatmapSVG } from './exporters.js';
import { Heatmap, cellText, exactText } from './heatmap.js';

const MIN_CARD = 236; // px: a card is never narrower: room for its title, its shape and three buttons

/** (rows, cols) block of a tensor at the leading indices `lead`. */
function block(t, lead) {
  const rank = t.shape.length;
  const rows = rank >= 2 ? t.shape[rank - 2] : 1;
  const cols = t.shape[rank - 1];
  let off = 0;
  for (let a = 0; a < lead.length; a++) off = off * t.shape[a] + lead[a];
  off *= rows * cols;
  return { data: t.data.subarray(off, off + rows * cols), rows, cols };
}

const dimLabels = (n, prefix = '') => Array.from({ length: n }, (_, j) => `${prefix}${j}`);

/** The stages (groups of cards) for a result and the state it came from: what each card shows and how. */
export function describeStages(r, s) {
  const variant = r.variant;
  const b = variant.batched ? s.batchItem : null;
  const lead = (extra = []) => (b === null ? extra : [b, ...extra]);
  const tokens = s.tokens;
  const steps = stepSpecs(variant);
  const multi = variant.id === 'wrapper' || variant.id === 'mha';
  const dk = r.trace.keys.shape[r.trace.keys.shape.length - 1];
  const stages = [];
  const where = (h) => [b !== null ? `batch ${b}` : null, h !== null ? `head ${h}` : null].filter(Boolean).join(', ');

  const inputCard = {
    id: 'inputs', title: 'Inputs', symbol: 'x', kind: 'signed', num: 1,
    code: [variant.batched ? 'batch = torch.stack((inputs, inputs), dim=0)' : 'inputs  # one embedding per token'],
    explain: variant.batched ? 'Two copies of the sentence, as in the book; each goes through the same steps.'
      : variant.id === 'simplified' ? 'The embeddings are the queries, the keys and the values.' : 'One embedding per token.',
    tensor: r.inputs, lead: lead(), cols: dimLabels(r.dIn), where: where(null),
  };

  const headCards = (h) => steps.map((spec, k) => {
    const t = r.trace[spec.key];
    const card = {
      ...spec, id: `${spec.key}${h === null ? '' : `-h${h}`}`, num: k + 2, tensor: t,
      lead: lead(h === null ? [] : [h]), where: where(h), code: spec.code.map((line) => line),
      cols: spec.axis === 'tokens' ? tokens : dimLabels(t.shape[t.shape.length - 1]),
      columnsAreTokens: spec.axis === 'tokens',
    };
    if (h !== null && h > 0) card.explain = ''; // said once, for head 0
    if (spec.key === 'scaled') card.note = `÷ √d_k = ÷ √${dk}  (d_k = keys.shape[-1] = ${dk})`;
    if (spec.key === 'masked') card.note = 'Hatched cells are −∞: a token may not look at the tokens after it.';
    if (spec.key === 'weights') card.note = variant.batched ? 'Each row sums to 1; masked positions get exactly 0.' : 'Each row sums to 1.';
    if (spec.key === 'dropped') {
      card.before = block(r.trace.weights, card.lead).data;
      const p = s.params.dropout;
      card.note = !s.params.training ? 'module.eval(): dropout passes the weights through unchanged.'
        : p === 0 ? 'p = 0 (the book\'s setting): nothing is dropped. Raise p to see dropout at work.'
          : p === 1 ? 'p = 1: every weight is dropped.'
            : `p = ${p}: ✕ marks dropped weights; the kept ones are scaled by 1/(1 − p) = ×${+(1 / (1 - p)).toPrecision(4)}.`;
    }
    return card;
  });

  if (!multi) {
    stages.push({ title: null, cards: [inputCard, ...headCards(null)] });
  } else {
    stages.push({ title: 'Input', sub: '', cards: [inputCard] });
    for (let h = 0; h < r.H; h++) {
      stages.push({ title: `Head ${h}`, sub: variant.id === 'wrapper' ? `self.heads[${h}]` : `columns ${h * dk}–${(h + 1) * dk - 1} of the projections`, cards: headCards(h) });
    }
    const n = steps.length + 2;
    const outCards = outputSpecs(variant).map((spec, k) => {
      const t = spec.key === 'concat' ? r.trace.concat : r.output;
      const group = variant.id === 'wrapper' ? t.shape[t.shape.length - 1] / r.H : dk;
      const cols = t.shape[t.shape.length - 1];
      return {
        ...spec, id: spec.key, num: n + k, tensor: t, lead: lead(), where: where(null),
        cols: spec.key === 'output' && variant.id === 'mha' ? dimLabels(cols) : Array.from({ length: cols }, (_, j) => `h${Math.floor(j / group)}·${j % group}`),
        group: spec.key === 'output' && variant.id === 'mha' ? null : group,
      };
    });
    stages.push({ title: variant.id === 'wrapper' ? 'Concatenate the heads' : 'Merge the heads and project', sub: '', cards: outCards });
  }

  // The trainable parameters, folded away: state_dict() with PyTorch's names and shapes.
  const params = Object.entries(r.stateDict).map(([name, t]) => {
    const is1d = t.shape.length === 1;
    const isV1 = variant.id === 'v1';
    const module = name.replace(/\.(weight|bias)$/, '').replace(/heads\.(\d+)\./, 'heads[$1].');
    const outProj = module === 'out_proj';
    const code = isV1 ? `self.${name} = nn.Parameter(torch.rand(d_in, d_out))`
      : `self.${module} = nn.Linear(${outProj ? 'd_out, d_out' : `d_in, d_out, bias=qkv_bias`})  # .${is1d ? 'bias is (out,)' : 'weight is (out, in)'}`;
    return {
      id: `param-${name}`, title: name, kind: 'signed', tensor: is1d ? { shape: [1, t.shape[0]], data: t.data, realShape: t.shape } : t, lead: [],
      code: [code],
      rows: is1d ? ['bias'] : dimLabels(t.shape[0], isV1 ? 'in ' : 'out '),
      cols: dimLabels(t.shape[t.shape.length - 1], isV1 || is1d ? 'out ' : 'in '),
      explain: '', param: true,
    };
  });
  if (params.length) stages.push({ title: 'Parameters', sub: 'module.state_dict()', cards: params, folded: true });
  return stages;
}

function legendText(scale) {
  const [lo, hi] = scale.domain;
  return { lo: cellText(lo), hi: cellText(hi) };
}

/** One card: header, code, explanation, heatmap, legend, the followed row, exports. */
function buildCard(P, c, maxWidth) {
  const heatmap = new Heatmap({
    label: `${c.title}${c.where ? ` (${c.where})` : ''}`,
    onLockRow: (i) => P.onLockRow(i),
    onHover: (cell, at) => P.showTip(view, cell, at),
  });
  const shape = el('span', { class: 'shape' });
  const legend = el('div', { class: 'legend' });
  const readout = el('p', { class: 'readout', 'aria-live': 'off' });
  const note = c.note ? el('p', { class: 'note', text: c.note }) : null;
  const fileStem = () => `attention-${P.state.variant}-${c.id}${P.state.variant !== 'simplified' ? `-seed${P.state.params.seed}` : ''}`;
  const meta = () => ({ title: c.title + (c.where ? ` (${c.where})` : ''), code: c.code.join('  '), shape: shape.textContent, legend: legendText(view.scale) });
  const actions = el('div', { class: 'actions' },
    el('button', { type: 'button', class: 'btn tiny ghost', text: 'PNG', 'aria-label': `${c.title}: download PNG`, 'data-export': 'png',
      onclick: async () => download(await heatmapPNG(heatmap, meta()), `${fileStem()}.png`) }),
    el('button', { type: 'button', class: 'btn tiny ghost', text: 'SVG', 'aria-label': `${c.title}: download SVG`, 'data-export': 'svg',
      onclick: () => download(heatmapSVG(heatmap, meta()), `${fileStem()}.svg`) }),
    el('button', { type: 'button', class: 'btn tiny ghost', text: 'print()', 'aria-label': `${c.title}: PyTorch print`, 'data-export': 'print',
      onclick: () => P.onPrint(`${c.title}${c.where ? ` (${c.where})` : ''}`, view.printText()) }),
  );
  const card = el('article', { class: 'card', 'data-card': c.id },
    el('header', {}, el('h4', {}, c.num ? el('span', { class: 'num', text: String(c.num), 'aria-hidden': 'true' }) : null, c.title), shape),
    el('pre', { class: 'code' }, el('code', { text: c.code.join('\n') })),
    c.explain ? el('p', { class: 'explain', text: c.explain }) : null,
    note,
    el('div', { class: 'plot' }, heatmap.canvas),
    legend, readout, actions);

  const view = {
    spec: c, heatmap, card, scale: null,
    matrix() {
      const m = block(c.tensor, c.lead);
      return m;
    },
    printText() {
      const m = this.matrix();
      return P.attn.tensor(m.data, c.tensor.realShape ?? (c.tensor.shape.length === 1 ? [m.cols] : [m.rows, m.cols])).toString();
    },
    update() {
      const m = this.matrix();
      this.m = m;
      this.scale = makeScale(c.kind, m.data, P.palette);
      const full = c.tensor.realShape ?? c.tensor.shape;
      // The full tensor's shape, and for batched or per-head tensors the block shown: (2, 6, 6)[0] → (6, 6)
      shape.textContent = full.length > 2 ? `${shapeText(full)}[${c.lead.join(', ')}] → ${shapeText([m.rows, m.cols])}` : shapeText(full);
      shape.title = full.length > 2 ? `showing ${c.where} of the ${shapeText(full)} tensor` : '';
      const lg = legendText(this.scale);
      const masked = m.data.includes(-Infinity);
      const dropped = !!c.before && m.data.some((v, k) => v === 0 && c.before[k] !== 0);
      const legendKey = [lg.lo, lg.hi, masked, dropped, P.palette].join('|');
      if (legendKey !== this.legendKey) {
        this.legendKey = legendKey;
        legend.replaceChildren(...this.legendParts(lg, masked, dropped));
      }
      this.refresh();
    },
    legendParts(lg, masked, dropped) {
      const bar = el('span', { class: 'bar' });
      bar.style.background = `linear-gradient(to right, ${this.scale.stops().map(([o, col]) => `${col} ${(o * 100).toFixed(0)}%`).join(', ')})`;
      bar.title = this.scale.kind === 'sequential' ? 'sequential scale: 0 to the largest weight' : 'diverging scale: white at 0, symmetric around it';
      const parts = [el('span', { text: lg.lo }), bar, el('span', { text: lg.hi })];
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
      const m = this.m;
      const state = P.state;
      const rowLabels = c.rows ?? state.tokens;
      heatmap.set({
        data: m.data, rows: m.rows, cols: m.cols, rowLabels, colLabels: c.cols, scale: this.scale,
        lockedRow: c.param ? null : state.lockedRow, before: c.before ?? null, group: c.group ?? null,
        columnsAreTokens: !!c.columnsAreTokens,
      }, { maxWidth, theme: P.theme });
      // The card is as wide as its matrix (text wraps to it), never narrower than its header.
      const w = `${Math.max(heatmap.geo.width, MIN_CARD) + P.cardPad}px`;
      if (card.style.width !== w) card.style.width = w;
      const i = state.lockedRow;
      if (!c.param && i !== null && i < m.rows) {
        const vals = Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols), cellText).join('  ');
        readout.replaceChildren(el('b', { text: `${state.tokens[i]}:` }), ` ${vals}`);
      } else readout.replaceChildren();
    },
  };
  return view;
}

/** The cards of the pipeline, in `box`; the tooltip they share. */
export class Pipeline {
  /**
   * @param {object} o
   * @param {HTMLElement} o.box      where the stages go
   * @param {HTMLElement} o.tooltip  the shared tooltip; o.live: a polite live region for keyboard reading
   * @param {object} o.attn          the loaded module (for tensor printing)
   * @param {(row: number|null) => void} o.onLockRow
   * @param {(title: string, text: string) => void} o.onPrint
   */
  constructor({ box, tooltip, live, attn, onLockRow, onPrint }) {
    Object.assign(this, { box, tooltip, live, attn, onLockRow, onPrint });
    this.views = []; // the cards on screen: { spec, heatmap, card, update(), refresh() }
    this.key = ''; // what the cards were built for; the same key redraws them in place
    this.width = 0; // px, the box's width (set from a ResizeObserver by the page)
    this.cardPad = 26;
  }

  /** Shows `result` (computed from `state`): rebuilds the cards only when their structure changed. */
  render(state, result, { palette, theme }) {
    Object.assign(this, { state, result, palette, theme });
    const width = this.width || this.box.clientWidth || 1200;
    this.cardPad = width < 600 ? 20 : 26; // the card's padding and border (style.css: narrower on phones)
    const maxWidth = Math.max(220, Math.min(440, width - this.cardPad - 2));
    const stages = describeStages(result, state);
    const key = JSON.stringify([state.variant, state.tokens, result.T, result.dIn, result.H, palette, maxWidth, state.batchItem,
      stages.map((st) => st.cards.map((c) => [c.id, c.tensor.shape, c.note]))]);
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
          ? el('details', { class: 'stage', open: openParams, ontoggle: (e) => e.target.open && this.views.forEach((v) => v.stale && v.refresh()) },
            title, el('div', { class: 'cards' }, ...cards))
          : el('section', { class: 'stage' }, title, el('div', { class: 'cards' }, ...cards));
      }));
    } else {
      // Same structure: the cards stay, their tensors are new.
      const flat = stages.flatMap((st) => st.cards);
      this.views.forEach((v, k) => Object.assign(v.spec, flat[k]));
    }
    for (const v of this.views) v.update();
  }

  /** Redraws every card after the followed row changed. */
  refresh() {
    for (const v of this.views) v.refresh();
  }

  /** The tooltip for a cell under the mouse or the keyboard cursor (cell null: hide it). */
  showTip(view, cell, at) {
    const tip = this.tooltip;
    if (!cell || !at) {
      tip.hidden = true;
      return;
    }
    const c = view.spec;
    const m = view.m;
    const k = cell.i * m.cols + cell.j;
    const v = m.data[k];
    const rowName = c.rows ? c.rows[cell.i] : this.state.tokens[cell.i];
    const colName = c.cols[cell.j];
    const lines = [];
    lines.push(el('div', {}, el('b', { text: c.title }), el('span', { class: 'sub', text: c.where ? ` · ${c.where}` : '' })));
    lines.push(el('div', { class: 'v', text: exactText(v) }));
    if (c.param) lines.push(el('div', { class: 'sub', text: `row ${rowName}, column ${colName}` }));
    else if (c.columnsAreTokens) lines.push(el('div', { class: 'sub', text: `query “${rowName}” (row ${cell.i + 1}) · key “${colName}” (column ${cell.j + 1})` }));
    else lines.push(el('div', { class: 'sub', text: `token “${rowName}” (row ${cell.i + 1}) · dimension ${colName}` }));
    const trace = this.result.trace;
    const prev = (key) => block(trace[key], c.lead).data[k];
    if (c.key === 'scaled') lines.push(el('div', { text: `= score ${cellText(prev('scores'))} ÷ √${trace.keys.shape.at(-1)}` }));
    if (c.key === 'masked') lines.push(el('div', { text: v === -Infinity ? `masked: “${colName}” comes after “${rowName}”` : 'kept: this key is at or before the query' }));
    if (c.key === 'dropped') {
      const w = c.before[k];
      lines.push(el('div', { text: w === 0 ? 'weight 0 (masked) stays 0'
        : v === 0 ? `dropped: the weight ${cellText(w)} became 0`
          : v === w ? `kept: weight ${cellText(w)} unchanged` : `kept: weight ${cellText(w)} × 1/(1 − p) = ${cellText(v)}` }));
    }
    tip.replaceChildren(...lines);
    tip.hidden = false;
    const pad = 14;
    const { innerWidth: W, innerHeight: H } = window;
    const r = tip.getBoundingClientRect();
    let x = at.clientX + pad;
    let y = at.clientY + pad;
    if (x + r.width > W - 8) x = Math.max(8, at.clientX - r.width - pad);
    if (y + r.height > H - 8) y = Math.max(8, at.clientY - r.height - pad);
    tip.style.left = `${x}px`;
    tip.style.top = `${y}px`;
    if (at.keyboard) this.live.textContent = lines.map((l) => l.textContent).join('. ');
  }
}
