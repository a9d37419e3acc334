// The page: reads the controls, runs the chapter's code in WebAssembly (compute.js), and draws
// every intermediate matrix (heatmap.js). Any change recomputes and redraws at once; anything
// that cannot be computed leaves a message next to its control and keeps the last good view.
import { init } from 'attention-wasm';
import { BOOK_INPUTS, BOOK_TOKENS, LIMITS, VARIANTS, bookParams, constructCode, outputSpecs, stepSpecs, variantById } from './book.js';
import { InputError, cleanToken, decodeState, encodeState, parseNumber, parseParam, parseSeed, parseTable } from './parse.js';
import { compute, fieldsOf } from './compute.js';
import { Heatmap, cellText, exactText } from './heatmap.js';
import { PALETTES, makeScale } from './colors.js';
import { compareWithBook } from './badge.js';
import { download, heatmapPNG, heatmapSVG, tensorsCSV, tensorsJSON } from './exporters.js';

const $ = (id) => document.getElementById(id);
const el = (tag, props = {}, ...children) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...children.filter((c) => c !== null && c !== undefined));
  return e;
};
const shapeText = (shape) => `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;

// ---- state ------------------------------------------------------------------------------------
//
// draft: what the controls say; good: the last state that computed, and result: its tensors.

const DEFAULT_VARIANT = 'causal';
const bookState = (variant = DEFAULT_VARIANT) => ({
  variant,
  tokens: [...BOOK_TOKENS],
  inputs: BOOK_INPUTS.map((r) => r.slice()),
  params: bookParams(variant),
  batchItem: 0,
  lockedRow: null,
});
const copyState = (s) => ({ ...s, tokens: [...s.tokens], inputs: s.inputs.map((r) => r.slice()), params: { ...s.params } });

let attn = null;
let reference = null;
let draft = bookState();
let good = null;
let result = null;
const paramMemory = {}; // variant id -> its last params, so switching back restores them
const cellErrors = new Map(); // "i,j" -> message, for table cells that do not parse
let palette = 'viridis-rdbu';
let theme = null;
let views = []; // the cards on screen: { spec, heatmap, card parts, matrix() }
let structureKey = '';
const timings = { compute: [], draw: [] };
const MIN_CARD = 236; // px: room for the title, the shape and the three export buttons
let cardPad = 26; // px: the card's padding and border
let stagesWidth = 0; // px: the pipeline's width, from a ResizeObserver

// ---- messages ---------------------------------------------------------------------------------

const FIELDS = ['input', 'paste', 'seed', 'dOut', 'numHeads', 'contextLength', 'dropout'];
const fieldInput = { seed: 'p-seed', dOut: 'p-dOut', numHeads: 'p-numHeads', contextLength: 'p-contextLength', dropout: 'p-dropout' };

function clearMessages() {
  for (const f of FIELDS) {
    $(`msg-${f}`).textContent = '';
    if (fieldInput[f]) $(fieldInput[f]).removeAttribute('aria-invalid');
  }
  $('paste-text').removeAttribute('aria-invalid');
  setStatus('');
}

function setStatus(text, isError = false) {
  const s = $('status');
  s.textContent = text;
  s.classList.toggle('error', isError);
}

/** Shows an error next to the control it is about and says the view is the last good one. */
function showError(err, extraField = null) {
  const fields = extraField === $('paste-text') ? ['paste'] : fieldsOf(err);
  const variant = variantById(draft.variant);
  for (const f of fields) {
    const shown = f === 'input' || f === 'paste' || variant.params.includes(f) ? f : 'input';
    $(`msg-${shown}`).textContent = err.message;
    if (fieldInput[shown]) $(fieldInput[shown]).setAttribute('aria-invalid', 'true');
  }
  if (extraField) extraField.setAttribute('aria-invalid', 'true');
  setStatus(good ? `Not updated: ${err.message}. The matrices below are still the last good view.` : err.message, true);
}

// ---- the central loop: controls → compute → draw ----------------------------------------------

function readParams() {
  const variant = variantById(draft.variant);
  const p = { ...draft.params };
  for (const name of variant.params) {
    if (name === 'seed') p.seed = parseSeed($('p-seed').value);
    else if (name === 'dOut') p.dOut = parseParam($('p-dOut').value, 'dOut');
    else if (name === 'numHeads') p.numHeads = parseParam($('p-numHeads').value, 'numHeads');
    else if (name === 'contextLength') p.contextLength = $('p-ctx-auto').checked ? 'auto' : parseParam($('p-contextLength').value, 'contextLength');
    else if (name === 'dropout') p.dropout = parseParam($('p-dropout').value, 'dropout');
    else if (name === 'qkvBias') p.qkvBias = $('p-qkvBias').checked;
    else if (name === 'training') p.training = $('p-training').value === 'train';
  }
  return p;
}

/** Tries the controls' state; on success it becomes the view. Returns whether it did. */
function attempt() {
  clearMessages();
  if (cellErrors.size > 0) {
    const [, message] = cellErrors.entries().next().value;
    showError(new InputError(message, 'input'));
    return false;
  }
  try {
    draft.params = readParams();
  } catch (err) {
    showError(err);
    return false;
  }
  const candidate = copyState(draft);
  let r;
  try {
    r = compute(attn, candidate);
  } catch (err) {
    showError(err);
    return false;
  }
  commit(candidate, r);
  return true;
}

function commit(state, r) {
  good = state;
  result = r;
  paramMemory[state.variant] = { ...state.params };
  timings.compute.push(r.ms);
  const t0 = performance.now();
  render();
  const drawMs = performance.now() - t0;
  timings.draw.push(drawMs);
  $('foot-text').textContent = `attention-wasm ${attn.version} · ${attn.simd ? 'WebAssembly SIMD' : 'WebAssembly'} · ` +
    `last update: compute ${r.ms.toFixed(1)} ms + draw ${drawMs.toFixed(1)} ms · everything runs in this tab; the page sends nothing anywhere.`;
  saveURL();
}

// The URL keeps the whole state, so a view can be shared. Updated once things settle: browsers
// throttle pages that rewrite their URL hundreds of times (a dragged slider would).
let urlTimer = null;
function saveURL() {
  clearTimeout(urlTimer);
  urlTimer = setTimeout(() => {
    urlTimer = null;
    if (good) history.replaceState(null, '', encodeState(good));
  }, 150);
}

function render() {
  $('construct-code').textContent = constructCode(good.variant, good.params, good.inputs.length, good.inputs[0].length);
  if ($('p-ctx-auto').checked) $('p-contextLength').value = String(good.inputs.length); // "= T"
  renderChips();
  renderFollow();
  renderPipeline();
  renderBadge();
  markTableRow();
}

// ---- the input table --------------------------------------------------------------------------

function renderTable() {
  const T = draft.inputs.length;
  const dIn = draft.inputs[0].length;
  const head = el('tr', {}, el('th', { class: 'i', scope: 'col', text: '#' }), el('th', { scope: 'col', text: 'token' }));
  for (let j = 0; j < dIn; j++) head.append(el('th', { scope: 'col', class: 'num-h', text: `x[${j}]` }));
  head.append(el('th', { scope: 'col' }, el('span', { class: 'visually-hidden', text: 'remove' })));
  $('input-table').tHead.replaceChildren(head);
  const rows = draft.inputs.map((row, i) => {
    const tr = el('tr', { 'data-row': i },
      el('td', { class: 'i', text: String(i + 1) }),
      el('td', {}, el('input', { class: 'tok', type: 'text', value: draft.tokens[i], 'aria-label': `token ${i + 1} name`, 'data-i': i, spellcheck: 'false', maxlength: 40 })));
    row.forEach((v, j) => {
      tr.append(el('td', {}, el('input', {
        class: 'num', type: 'text', inputmode: 'decimal', value: String(v), 'data-i': i, 'data-j': j,
        'aria-label': `${draft.tokens[i]}, x[${j}]`, spellcheck: 'false', autocomplete: 'off',
      })));
    });
    tr.append(el('td', { class: 'rm' }, el('button', {
      type: 'button', class: 'rm-btn', 'data-remove': i, 'aria-label': `remove token ${draft.tokens[i]}`, title: 'Remove this token', text: '×',
      disabled: T <= 1,
    })));
    return tr;
  });
  $('input-table').tBodies[0].replaceChildren(...rows);
  $('input-shape').textContent = `${T} × ${dIn}`;
  $('add-token').disabled = T >= LIMITS.tokens;
  $('remove-dim').disabled = dIn <= 1;
  $('add-dim').disabled = dIn >= LIMITS.dIn;
  cellErrors.clear();
  markTableRow();
}

function markTableRow() {
  const locked = good?.lockedRow ?? null;
  for (const tr of $('input-table').tBodies[0].rows) tr.classList.toggle('followed', Number(tr.dataset.row) === locked);
}

function onTableInput(e) {
  const t = e.target;
  const i = Number(t.dataset.i);
  if (t.classList.contains('tok')) {
    draft.tokens[i] = cleanToken(t.value, i);
    attempt();
    return;
  }
  if (!t.classList.contains('num')) return;
  const j = Number(t.dataset.j);
  const key = `${i},${j}`;
  try {
    draft.inputs[i][j] = parseNumber(t.value, `${draft.tokens[i]}, x[${j}]`);
    cellErrors.delete(key);
    t.removeAttribute('aria-invalid');
  } catch (err) {
    cellErrors.set(key, err.message);
    t.setAttribute('aria-invalid', 'true');
  }
  attempt();
}

/** New values from the wasm module's generator (seeded by the row count: reproducible), 2 decimals like the book's. */
function freshValues(n, seed) {
  attn.manualSeed(seed);
  return Array.from(attn.rand([n]).data, (v) => Math.round(v * 100) / 100);
}

function structural(change) {
  const before = copyState(draft);
  try {
    change();
  } catch (err) {
    draft = before;
    clearMessages();
    showError(err instanceof InputError ? err : new InputError(err.message, 'input'));
    return;
  }
  if (draft.lockedRow !== null && draft.lockedRow >= draft.inputs.length) draft.lockedRow = null;
  renderTable();
  attempt();
}

function addToken() {
  structural(() => {
    const T = draft.inputs.length;
    if (T >= LIMITS.tokens) throw new InputError(`This page draws at most ${LIMITS.tokens} tokens`);
    const name = cleanToken($('new-token').value, T);
    draft.tokens.push(name);
    draft.inputs.push(freshValues(draft.inputs[0].length, 1000 + T));
    $('new-token').value = '';
  });
}

function removeToken(i) {
  structural(() => {
    if (draft.inputs.length <= 1) throw new InputError('At least one token is needed');
    draft.tokens.splice(i, 1);
    draft.inputs.splice(i, 1);
    if (draft.lockedRow === i) draft.lockedRow = null;
    else if (draft.lockedRow > i) draft.lockedRow -= 1;
  });
}

function addDim() {
  structural(() => {
    const d = draft.inputs[0].length;
    if (d >= LIMITS.dIn) throw new InputError(`This page draws at most ${LIMITS.dIn} values per token`);
    const col = freshValues(draft.inputs.length, 2000 + d);
    draft.inputs.forEach((r, i) => r.push(col[i]));
  });
}

function removeDim() {
  structural(() => {
    if (draft.inputs[0].length <= 1) throw new InputError('Every token needs at least one value');
    draft.inputs.forEach((r) => r.pop());
  });
}

function applyPaste() {
  let table;
  try {
    table = parseTable($('paste-text').value, draft.tokens);
  } catch (err) {
    clearMessages();
    showError(err, $('paste-text'));
    return;
  }
  structural(() => {
    draft.tokens = table.tokens;
    draft.inputs = table.inputs;
  });
}

function resetInputs() {
  structural(() => {
    draft.tokens = [...BOOK_TOKENS];
    draft.inputs = BOOK_INPUTS.map((r) => r.slice());
  });
}

// ---- tokens: chips and "follow" ---------------------------------------------------------------

function lockRow(i) {
  if (!good) return;
  const next = i === null || i === good.lockedRow ? null : i;
  good.lockedRow = next;
  draft.lockedRow = next;
  renderChips();
  renderFollow();
  for (const v of views) v.refresh();
  markTableRow();
  saveURL();
}

let chipsKey = '';
function renderChips() {
  const box = $('token-chips');
  const tokens = good.tokens;
  const key = tokens.join('\u0000');
  if (key !== chipsKey) {
    chipsKey = key;
    box.classList.toggle('many', tokens.length > 16);
    box.replaceChildren(...tokens.map((t, i) => el('button', { type: 'button', class: 'chip', 'data-row': i },
      t, el('span', { class: 'idx', text: `x(${i + 1})`, 'aria-hidden': 'true' }))));
  }
  [...box.children].forEach((chip, i) => {
    const on = good.lockedRow === i;
    chip.setAttribute('aria-pressed', String(on));
    chip.title = on ? `Stop following “${tokens[i]}”` : `Follow “${tokens[i]}” (row ${i + 1}) through every matrix`;
  });
  $('chips-hint').textContent = good.lockedRow === null
    ? 'Click a token to follow its row (its query) through every matrix, as the book does for x(2), “journey”.'
    : `Following “${tokens[good.lockedRow]}”: its row is outlined in every matrix and its numbers are listed under each. Click it again to stop.`;
}

let followKey = '';
function renderFollow() {
  const sel = $('follow');
  const key = good.tokens.join('\u0000');
  if (key !== followKey) {
    followKey = key;
    const opts = [el('option', { value: '', text: 'no token' })];
    good.tokens.forEach((t, i) => opts.push(el('option', { value: String(i), text: `${i + 1} · ${t}` })));
    sel.replaceChildren(...opts);
  }
  sel.value = good.lockedRow === null ? '' : String(good.lockedRow);
}

// ---- the variant panel ------------------------------------------------------------------------

function renderTabs() {
  const box = $('variant-tabs');
  box.replaceChildren(...VARIANTS.map((v) => el('label', { class: 'tab', 'data-variant': v.id },
    el('input', { type: 'radio', name: 'variant', value: v.id }),
    el('span', { class: 'name', text: v.name }),
    el('span', { class: 'sec', text: `§${v.section}` }))));
  box.addEventListener('change', (e) => {
    if (e.target.name === 'variant') switchVariant(e.target.value);
  });
}

function syncVariantControls() {
  const variant = variantById(draft.variant);
  for (const label of $('variant-tabs').children) {
    const on = label.dataset.variant === variant.id;
    label.classList.toggle('checked', on);
    label.querySelector('input').checked = on;
  }
  $('variant-blurb').textContent = variant.blurb;
  for (const f of document.querySelectorAll('#params .field[data-param]')) f.hidden = !variant.params.includes(f.dataset.param);
  $('book-settings').hidden = variant.params.length === 0;
  const p = draft.params;
  $('p-seed').value = String(p.seed);
  $('p-dOut').value = String(p.dOut);
  $('p-numHeads').value = String(p.numHeads);
  const auto = p.contextLength === 'auto';
  $('p-ctx-auto').checked = auto;
  $('p-contextLength').disabled = auto;
  $('p-contextLength').value = auto ? String(draft.inputs.length) : String(p.contextLength);
  $('p-dropout').value = String(p.dropout);
  $('p-dropout-range').value = String(p.dropout);
  $('p-qkvBias').checked = !!p.qkvBias;
  $('p-training').value = p.training ? 'train' : 'eval';
  $('batch-item-label').hidden = !variant.batched;
  $('batch-item').value = String(draft.batchItem);
}

function switchVariant(id) {
  paramMemory[draft.variant] = { ...draft.params };
  draft.variant = id;
  draft.params = paramMemory[id] ?? bookParams(id);
  syncVariantControls();
  attempt();
}

function useBookSettings({ inputs = false } = {}) {
  draft.params = bookParams(draft.variant);
  if (inputs) {
    draft.tokens = [...BOOK_TOKENS];
    draft.inputs = BOOK_INPUTS.map((r) => r.slice());
    renderTable();
  }
  syncVariantControls();
  attempt();
}

function wireParams() {
  $('params').addEventListener('submit', (e) => e.preventDefault());
  for (const id of ['p-seed', 'p-dOut', 'p-numHeads', 'p-contextLength', 'p-dropout']) {
    $(id).addEventListener('input', () => {
      if (id === 'p-dropout' && $('p-dropout').value !== '') $('p-dropout-range').value = $('p-dropout').value;
      attempt();
    });
  }
  $('p-dropout-range').addEventListener('input', () => {
    $('p-dropout').value = $('p-dropout-range').value;
    attempt();
  });
  $('p-ctx-auto').addEventListener('change', () => {
    const auto = $('p-ctx-auto').checked;
    $('p-contextLength').disabled = auto;
    if (auto) $('p-contextLength').value = String(draft.inputs.length);
    attempt();
  });
  for (const id of ['p-qkvBias', 'p-training']) $(id).addEventListener('change', attempt);
  $('book-settings').addEventListener('click', () => useBookSettings());
}

// ---- the badge --------------------------------------------------------------------------------

function renderBadge() {
  const box = $('badge');
  box.className = 'badge';
  const c = compareWithBook(reference, good, result);
  if (c.state === 'none') {
    box.classList.add('off');
    box.replaceChildren(el('span', { text: reference === null ? 'Loading the book\'s printed values…' : c.reason }));
    return;
  }
  if (c.state === 'off') {
    box.classList.add('off');
    box.replaceChildren(
      el('span', { class: 'mark info', text: 'i', 'aria-hidden': 'true' }),
      el('span', { text: `The book prints its numbers for its own inputs and settings; here: ${c.differences.join(', ')}.` }),
      el('button', { type: 'button', class: 'btn small ghost', id: 'badge-book', text: 'Use the book\'s inputs and settings', onclick: () => useBookSettings({ inputs: true }) }),
    );
    return;
  }
  const ok = c.state === 'ok';
  box.classList.add(ok ? 'ok' : 'bad');
  const agreeing = c.items.filter((it) => it.shapeOk && it.agree === it.total);
  const list = el('ul', {}, ...c.items.map((it) => el('li', {},
    el('span', { class: it.shapeOk && it.agree === it.total ? 'agree' : 'differ', text: it.shapeOk && it.agree === it.total ? '✓ ' : '✗ ' }),
    el('code', { text: it.name }),
    ` (§${it.section}): ${it.shapeOk ? `${it.agree} of ${it.total} values agree` : 'different shape'}`)));
  box.replaceChildren(
    el('span', { class: 'mark', text: ok ? '✓ Matches the book' : '✗ Differs from the book' }),
    el('span', { text: ok
      ? `${agreeing.length} printed tensor${agreeing.length === 1 ? '' : 's'} agree at the book's 4 decimals: ${c.items.map((it) => it.name).join(', ')}`
      : `${c.items.length - agreeing.length} of ${c.items.length} printed tensors differ: ${c.items.filter((it) => !agreeing.includes(it)).map((it) => it.name).join(', ')}` }),
    el('details', {}, el('summary', { text: 'Which numbers were compared' }),
      el('p', { class: 'note', text: 'The page computes these in WebAssembly and compares them, value by value at 4 decimals, with what the book\'s code prints (PyTorch).' }),
      list),
  );
}

// ---- the pipeline -----------------------------------------------------------------------------

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

/** The stages (groups of cards) for the current result: what each card shows and how. */
function describeStages() {
  const r = result;
  const s = good;
  const variant = r.variant;
  const b = variant.batched ? s.batchItem : null;
  const lead = (extra = []) => (b === null ? extra : [b, ...extra]);
  const tokens = s.tokens;
  const steps = stepSpecs(variant);
  const multi = variant.id === 'wrapper' || variant.id === 'mha';
  const dk = r.trace.keys.shape[r.trace.keys.shape.length - 1];
  const stages = [];
  const where = (h) => [b !== null ? `batch ${b}` : null, h !== null ? `head ${h}` : null].filter(Boolean).join(', ');
  const sliceNote = (t, h) => (t.shape.length > 2 ? ` → [${[b, h].filter((x) => x !== null && x !== undefined).join(', ')}]` : '');

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
function buildCard(c, maxWidth) {
  const heatmap = new Heatmap({
    label: `${c.title}${c.where ? ` (${c.where})` : ''}`,
    onLockRow: (i) => lockRow(i),
    onHover: (cell, at) => showTip(view, cell, at),
  });
  const shape = el('span', { class: 'shape' });
  const legend = el('div', { class: 'legend' });
  const readout = el('p', { class: 'readout', 'aria-live': 'off' });
  const note = c.note ? el('p', { class: 'note', text: c.note }) : null;
  const fileStem = () => `attention-${good.variant}-${c.id}${good.variant !== 'simplified' ? `-seed${good.params.seed}` : ''}`;
  const meta = () => ({ title: c.title + (c.where ? ` (${c.where})` : ''), code: c.code.join('  '), shape: shape.textContent, legend: legendText(view.scale) });
  const actions = el('div', { class: 'actions' },
    el('button', { type: 'button', class: 'btn tiny ghost', text: 'PNG', 'aria-label': `${c.title}: download PNG`, 'data-export': 'png',
      onclick: async () => download(await heatmapPNG(heatmap, meta()), `${fileStem()}.png`) }),
    el('button', { type: 'button', class: 'btn tiny ghost', text: 'SVG', 'aria-label': `${c.title}: download SVG`, 'data-export': 'svg',
      onclick: () => download(heatmapSVG(heatmap, meta()), `${fileStem()}.svg`) }),
    el('button', { type: 'button', class: 'btn tiny ghost', text: 'print()', 'aria-label': `${c.title}: PyTorch print`, 'data-export': 'print',
      onclick: () => showPrint(`${c.title}${c.where ? ` (${c.where})` : ''}`, view.printText()) }),
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
      return attn.tensor(m.data, c.tensor.realShape ?? (c.tensor.shape.length === 1 ? [m.cols] : [m.rows, m.cols])).toString();
    },
    update() {
      const m = this.matrix();
      this.m = m;
      this.scale = makeScale(c.kind, m.data, palette);
      const full = c.tensor.realShape ?? c.tensor.shape;
      // The full tensor's shape, and for batched or per-head tensors the block shown: (2, 6, 6)[0] → (6, 6)
      shape.textContent = full.length > 2 ? `${shapeText(full)}[${c.lead.join(', ')}] → ${shapeText([m.rows, m.cols])}` : shapeText(full);
      shape.title = full.length > 2 ? `showing ${c.where} of the ${shapeText(full)} tensor` : '';
      const lg = legendText(this.scale);
      const masked = m.data.includes(-Infinity);
      const dropped = !!c.before && m.data.some((v, k) => v === 0 && c.before[k] !== 0);
      const legendKey = [lg.lo, lg.hi, masked, dropped, palette].join('|');
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
      const rowLabels = c.rows ?? good.tokens;
      heatmap.set({
        data: m.data, rows: m.rows, cols: m.cols, rowLabels, colLabels: c.cols, scale: this.scale,
        lockedRow: c.param ? null : good.lockedRow, before: c.before ?? null, group: c.group ?? null,
        columnsAreTokens: !!c.columnsAreTokens,
      }, { maxWidth, theme });
      // The card is as wide as its matrix (text wraps to it), never narrower than its header.
      const w = `${Math.max(heatmap.geo.width, MIN_CARD) + cardPad}px`;
      if (card.style.width !== w) card.style.width = w;
      const i = good.lockedRow;
      if (!c.param && i !== null && i < m.rows) {
        const vals = Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols), cellText).join('  ');
        readout.replaceChildren(el('b', { text: `${good.tokens[i]}:` }), ` ${vals}`);
      } else readout.replaceChildren();
    },
  };
  return view;
}

function renderPipeline() {
  const stagesBox = $('stages');
  const width = stagesWidth || stagesBox.clientWidth || 1200;
  cardPad = width < 600 ? 20 : 26; // the card's padding and border (style.css: narrower on phones)
  const maxWidth = Math.max(220, Math.min(440, width - cardPad - 2));
  const stages = describeStages();
  const key = JSON.stringify([good.variant, good.tokens, result.T, result.dIn, result.H, palette, maxWidth, good.batchItem,
    stages.map((st) => st.cards.map((c) => [c.id, c.tensor.shape, c.note]))]);
  $('pipeline-sub').textContent = `· ${result.variant.id === 'simplified' ? 'simplified self-attention' : `${result.variant.name}.forward(x)`} · §${result.variant.section} · ${result.T} tokens`;
  if (key !== structureKey) {
    structureKey = key;
    views = [];
    const openParams = stagesBox.querySelector('details.stage')?.open ?? false;
    stagesBox.replaceChildren(...stages.map((st) => {
      const cards = st.cards.map((c) => {
        const v = buildCard(c, maxWidth);
        views.push(v);
        return v.card;
      });
      const title = st.title === null ? null : el(st.folded ? 'summary' : 'h3', {}, st.title, st.sub ? el('span', { class: 'dim', text: ` · ${st.sub}` }) : null);
      return st.folded
        ? el('details', { class: 'stage', open: openParams, ontoggle: (e) => e.target.open && views.forEach((v) => v.stale && v.refresh()) },
          title, el('div', { class: 'cards' }, ...cards))
        : el('section', { class: 'stage' }, title, el('div', { class: 'cards' }, ...cards));
    }));
  } else {
    // Same structure: the cards stay, their tensors are new.
    const flat = stages.flatMap((st) => st.cards);
    views.forEach((v, k) => Object.assign(v.spec, flat[k]));
  }
  for (const v of views) v.update();
}

// ---- hover --------------------------------------------------------------------------------------

function showTip(view, cell, at) {
  const tip = $('tooltip');
  if (!cell || !at) {
    tip.hidden = true;
    return;
  }
  const c = view.spec;
  const m = view.m;
  const k = cell.i * m.cols + cell.j;
  const v = m.data[k];
  const rowName = c.rows ? c.rows[cell.i] : good.tokens[cell.i];
  const colName = c.cols[cell.j];
  const lines = [];
  lines.push(el('div', {}, el('b', { text: c.title }), el('span', { class: 'sub', text: c.where ? ` · ${c.where}` : '' })));
  lines.push(el('div', { class: 'v', text: exactText(v) }));
  if (c.param) lines.push(el('div', { class: 'sub', text: `row ${rowName}, column ${colName}` }));
  else if (c.columnsAreTokens) lines.push(el('div', { class: 'sub', text: `query “${rowName}” (row ${cell.i + 1}) · key “${colName}” (column ${cell.j + 1})` }));
  else lines.push(el('div', { class: 'sub', text: `token “${rowName}” (row ${cell.i + 1}) · dimension ${colName}` }));
  const prev = (key) => block(result.trace[key], c.lead).data[k];
  if (c.key === 'scaled') lines.push(el('div', { text: `= score ${cellText(prev('scores'))} ÷ √${result.trace.keys.shape.at(-1)}` }));
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
  if (at.keyboard) $('cell-live').textContent = lines.map((l) => l.textContent).join('. ');
}

// ---- exports and sharing ------------------------------------------------------------------------

function showPrint(title, text) {
  $('print-title').textContent = `print(${title})`;
  $('print-text').textContent = text;
  $('print-msg').textContent = '';
  $('print-dialog').showModal();
}

function exportMeta() {
  const v = result.variant;
  return {
    generator: `attention-wasm ${attn.version} (web page)`,
    variant: v.cls,
    section: v.section,
    args: result.args,
    seed: v.params.includes('seed') ? String(good.params.seed) : null,
    training: v.params.includes('training') ? good.params.training : null,
    batch: v.batched ? 'torch.stack((inputs, inputs), dim=0)' : null,
    tokens: good.tokens,
  };
}

function wireExports() {
  const stem = () => `attention-${good.variant}${good.variant !== 'simplified' ? `-seed${good.params.seed}` : ''}`;
  $('export-json').addEventListener('click', () => {
    download(new Blob([tensorsJSON(result, exportMeta())], { type: 'application/json' }), `${stem()}.json`);
    $('export-menu').open = false;
  });
  $('export-csv').addEventListener('click', () => {
    download(new Blob([tensorsCSV(result)], { type: 'text/csv' }), `${stem()}.csv`);
    $('export-menu').open = false;
  });
  $('export-print').addEventListener('click', () => {
    $('export-menu').open = false;
    showPrint('output', result.output.toString());
  });
  $('print-close').addEventListener('click', () => $('print-dialog').close());
  $('print-copy').addEventListener('click', async () => {
    const text = $('print-text').textContent;
    try {
      await navigator.clipboard.writeText(text);
      $('print-msg').textContent = 'Copied.';
    } catch {
      const range = document.createRange();
      range.selectNodeContents($('print-text'));
      getSelection().removeAllRanges();
      getSelection().addRange(range);
      $('print-msg').textContent = 'Selected: press Ctrl+C (⌘C) to copy.';
    }
  });
  $('copy-link').addEventListener('click', async () => {
    const b = $('copy-link');
    try {
      await navigator.clipboard.writeText(location.href);
      b.textContent = 'Link copied';
    } catch {
      b.textContent = 'Copy the address bar';
    }
    setTimeout(() => { b.textContent = 'Copy link'; }, 1800);
  });
  document.addEventListener('click', (e) => {
    if (!$('export-menu').contains(e.target)) $('export-menu').open = false;
  });
}

// ---- theme and colours ------------------------------------------------------------------------

function readTheme() {
  const cs = getComputedStyle(document.documentElement);
  const v = (name) => cs.getPropertyValue(name).trim();
  const rgbList = (name) => v(name).split(',').map((x) => Number(x.trim()));
  theme = {
    card: v('--card'), text: v('--text'), muted: v('--muted'), accent: v('--accent'),
    hatch: v('--hatch'), cross: v('--cross'), dim: v('--dim'),
    maskRgb: rgbList('--mask'), nanRgb: rgbList('--nan'),
  };
}

function setTheme(name, save = true) {
  document.documentElement.dataset.theme = name;
  $('theme-toggle').textContent = name === 'dark' ? 'Light theme' : 'Dark theme';
  $('theme-toggle').setAttribute('aria-pressed', String(name === 'dark'));
  if (save) {
    try {
      localStorage.setItem('attention-wasm-theme', name);
    } catch { /* private mode: the choice lasts for this visit */ }
  }
  readTheme();
  if (good) for (const v of views) v.update();
}

function initialTheme() {
  let saved = null;
  try {
    saved = localStorage.getItem('attention-wasm-theme');
  } catch { /* ignore */ }
  return saved ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
}

// ---- start ------------------------------------------------------------------------------------

function loadFromHash() {
  const { state, problems } = decodeState(location.hash, bookState());
  if (!location.hash || location.hash === '#') state.variant = DEFAULT_VARIANT;
  draft = state;
  Object.assign(paramMemory, { [state.variant]: { ...state.params } });
  renderTable();
  syncVariantControls();
  const ok = attempt();
  if (problems.length) setStatus(`Parts of the link were not understood (${problems.join('; ')}); the book's values are used there.`, true);
  return ok;
}

function wire() {
  const tbody = $('input-table').tBodies[0];
  tbody.addEventListener('input', onTableInput);
  tbody.addEventListener('click', (e) => {
    const b = e.target.closest('[data-remove]');
    if (b) removeToken(Number(b.dataset.remove));
  });
  $('add-token').addEventListener('click', addToken);
  $('new-token').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') addToken();
  });
  $('add-dim').addEventListener('click', addDim);
  $('remove-dim').addEventListener('click', removeDim);
  $('paste-apply').addEventListener('click', applyPaste);
  $('reset-inputs').addEventListener('click', resetInputs);
  $('token-chips').addEventListener('click', (e) => {
    const chip = e.target.closest('.chip');
    if (chip) lockRow(Number(chip.dataset.row));
  });
  $('follow').addEventListener('change', (e) => lockRow(e.target.value === '' ? null : Number(e.target.value)));
  $('batch-item').addEventListener('change', (e) => {
    draft.batchItem = Number(e.target.value);
    if (good) {
      good.batchItem = draft.batchItem;
      renderPipeline();
      saveURL();
    }
  });
  const pal = $('palette');
  pal.replaceChildren(...Object.entries(PALETTES).map(([id, p]) => el('option', { value: id, text: p.label })));
  pal.addEventListener('change', () => {
    palette = pal.value;
    if (good) renderPipeline();
  });
  $('theme-toggle').addEventListener('click', () => setTheme(document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark'));
  wireParams();
  wireExports();
  // The pipeline's width decides the matrices' size; read it here, not during a redraw (a read
  // after DOM changes would force a layout in the middle of every update).
  new ResizeObserver((entries) => {
    const w = Math.round(entries[0].contentRect.width);
    if (w === stagesWidth) return;
    stagesWidth = w;
    if (good) renderPipeline();
  }).observe($('stages'));
  window.addEventListener('hashchange', () => {
    if (location.hash !== encodeState(good)) loadFromHash();
  });
}

async function main() {
  setTheme(initialTheme(), false);
  renderTabs();
  wire();
  try {
    attn = await init();
  } catch (err) {
    setStatus(`The WebAssembly module did not load: ${err.message}. Build it with: bash scripts/build-wasm.sh (npm start does this).`, true);
    $('foot-text').textContent = 'The WebAssembly module is not loaded.';
    return;
  }
  // The book's printed values, for the badge only (fetched from this server, never shown as results).
  fetch('reference/chapter.json')
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
    .then((json) => { reference = json; })
    .catch((err) => { reference = false; console.warn(`reference values unavailable: ${err.message}`); })
    .finally(() => good && renderBadge());
  loadFromHash();

  // For the browser tests: the module and the page's state.
  window.__attn = attn;
  window.__app = {
    get state() { return copyState(good); },
    get result() { return result; },
    get reference() { return reference; },
    timings,
    /** Recomputes and redraws the current view; returns { compute, draw } in ms. */
    update() {
      const r = compute(attn, good);
      const t0 = performance.now();
      result = r;
      render();
      return { compute: r.ms, draw: performance.now() - t0 };
    },
  };
  document.documentElement.dataset.ready = 'true';
}

main();
