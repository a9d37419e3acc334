// The page: reads the controls, runs the chapter's code in WebAssembly (compute.js), and draws
// every intermediate matrix (heatmap.js). Any change recomputes and redraws at once; anything
// that cannot be computed leaves a message next to its control and keeps the last good view.
import { init } from 'attention-wasm';
import { BOOK_INPUTS, BOOK_TOKENS, LIMITS, VARIANTS, bookParams, constructCode, variantById } from './book.js';
import { InputError, cleanToken, decodeState, encodeState, parseNumber, parseParam, parseSeed, parseTable } from './parse.js';
import { compute, fieldsOf } from './compute.js';
import { PALETTES } from './colors.js';
import { compareWithBook } from './badge.js';
import { $, el } from './dom.js';
import { download, tensorsCSV, tensorsJSON } from './exporters.js';
import { Pipeline } from './pipeline.js';


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
let pipeline = null; // the cards (pipeline.js), made once the module is loaded
const timings = { compute: [], draw: [] };

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
  $('foot-text').textContent = `attention-wasm ${attn.version} · ${attn.simd ? 'WebAssembly SIMD' : 'WebAssembly'}` +
    `${attn.threads > 1 ? `, ${attn.threads} threads` : ''} · ` +
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

function renderPipeline() {
  const v = result.variant;
  $('pipeline-sub').textContent = `· ${v.id === 'simplified' ? 'simplified self-attention' : `${v.name}.forward(x)`} · §${v.section} · ${result.T} tokens`;
  pipeline.render(good, result, { palette, theme });
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
  pipeline.refresh();
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
      ? `${agreeing.length} printed tensor${agreeing.length === 1 ? ' agrees' : 's agree'} at the book's 4 decimals: ${c.items.map((it) => it.name).join(', ')}`
      : `${c.items.length - agreeing.length} of ${c.items.length} printed tensors differ: ${c.items.filter((it) => !agreeing.includes(it)).map((it) => it.name).join(', ')}` }),
    el('details', {}, el('summary', { text: 'Which numbers were compared' }),
      el('p', { class: 'note', text: 'The page computes these in WebAssembly and compares them, value by value at 4 decimals, with what the book\'s code prints (PyTorch).' }),
      list),
  );
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
  if (good) renderPipeline();
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
    if (!pipeline || w === pipeline.width) return;
    pipeline.width = w;
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
    // The threaded build where the page is cross-origin isolated (scripts/serve.mjs sends COOP and
    // COEP), one thread elsewhere; the footer says which. Only the fast path (no trace) uses the
    // threads: the page's traced recomputes at T = 64 take the reference path and look the same.
    attn = await init({ threads: 'auto' });
  } catch (err) {
    setStatus(`The WebAssembly module did not load: ${err.message}. Build it with: bash scripts/build-wasm.sh (npm start does this).`, true);
    $('foot-text').textContent = 'The WebAssembly module is not loaded.';
    return;
  }
  pipeline = new Pipeline({
    box: $('stages'), tooltip: $('tooltip'), live: $('cell-live'), attn,
    onLockRow: (i) => lockRow(i),
    onPrint: showPrint,
  });
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
