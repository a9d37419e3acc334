// The page: one store (lib/store.js) holds the view; every control sends it a patch, and every
// part of the page draws from it. set(patch) → parse (params.js) → compute (chapter3/compute.js,
// the wasm module) → render (the parts below). Anything that cannot be computed leaves a message
// next to its control and keeps the last good view.
//
// This module exports the store and a promise of the first view, for anything that wants to read
// the page's state (the browser tests import it); nothing is put on `window`.
import { init } from 'attention-wasm';
import { PARAMS, sameValue } from './params.js';
import { INPUT_MODES, inputMode } from './modes.js';
import { bookState, fallbacks, fieldOf, inPlay, reduce } from './chapter3/state.js';
import { compute } from './chapter3/compute.js';
import { bindClassTable } from './chapter3/variants.js';
import { mountControls } from './chapter3/controls.js';
import { Pipeline } from './chapter3/pipeline.js';
import { compareWithBook } from './chapter3/badge.js';
import { mountChips } from './chips.js';
import { PALETTES, SCALE_MODES } from './lib/colors.js';
import { $, el } from './lib/dom.js';
import { download, tensorsCSV, tensorsJSON } from './lib/exporters.js';
import { createStore } from './lib/store.js';
import { decodeHash, encodeHash } from './lib/url.js';

let attn = null;

/** A state's result: its input mode's own compute, or a chapter-3 variant fed by that mode. */
const computeState = (s) => (inputMode(s.input).compute ?? compute)(attn, s);

export const store = createStore({ params: PARAMS, compute: computeState, reduce, fieldOf, inPlay });

// ---- the view around the pipeline ---------------------------------------------------------------

const page = {
  reference: undefined, // the book's printed values (undefined: loading, false: unavailable)
  theme: null, // colours read from the CSS custom properties
  hash: '', // the hash the page last wrote
  hashTimer: 0,
};

/** Follow row i (or stop): a cell follows its row; a chip, a label or the keyboard toggles it. */
function lockRow(i, how = 'chip') {
  if (!store.state) return;
  const row = i === null ? null : how === 'cell' ? i : i === store.state.row ? null : i;
  store.set({ row });
}

function setStatus(text, isError = false) {
  const s = $('status');
  s.textContent = text;
  s.classList.toggle('error', isError);
}

const MESSAGE_FIELDS = ['x', 'paste', ...PARAMS.filter((p) => p.control).map((p) => p.name)];

function renderMessages() {
  const messages = store.messages();
  for (const f of ['x', 'paste']) $(`msg-${f}`).textContent = messages.get(f) ?? '';
  if (!messages.has('paste')) $('paste-text').removeAttribute('aria-invalid');
  const err = store.problem();
  if (err) {
    // A message for a field this view does not show goes to the inputs' message.
    const field = [...messages.keys()].find((f) => MESSAGE_FIELDS.includes(f));
    if (field === undefined) $('msg-x').textContent = err.message;
    setStatus(store.state ? `Not updated: ${err.message}. The matrices below are still the last good view.` : err.message, true);
  } else setStatus(store.notice(), store.notice() !== '');
}

function renderBadge() {
  const box = $('badge');
  box.className = 'badge';
  if (page.reference === undefined) {
    box.classList.add('off');
    box.replaceChildren(el('span', { text: 'Loading the book\'s printed values…' }));
    return;
  }
  const c = compareWithBook(page.reference, store.state, store.result);
  if (c.state === 'none') {
    box.classList.add('off');
    box.replaceChildren(el('span', { text: c.reason }));
    return;
  }
  if (c.state === 'off') {
    box.classList.add('off');
    box.replaceChildren(
      el('span', { class: 'mark info', text: 'i', 'aria-hidden': 'true' }),
      el('span', { text: `The book prints its numbers for its own inputs and settings; here: ${c.differences.join(', ')}.` }),
      el('button', { type: 'button', class: 'btn small ghost', id: 'badge-book', text: 'Use the book\'s inputs and settings',
        onclick: () => store.set({ ...bookState(store.draft.variant), row: store.state.row, palette: store.state.palette, scale: store.state.scale }) }),
    );
    return;
  }
  const ok = c.state === 'ok';
  box.classList.add(ok ? 'ok' : 'bad');
  const agrees = (it) => it.shapeOk && it.agree === it.total;
  const list = el('ul', {}, ...c.items.map((it) => el('li', {},
    el('span', { class: agrees(it) ? 'agree' : 'differ', text: agrees(it) ? '✓ ' : '✗ ' }),
    el('code', { text: it.name }),
    ` (§${it.section}): ${it.shapeOk ? `${it.agree} of ${it.total} values agree` : 'different shape'}`)));
  const agreeing = c.items.filter(agrees);
  box.replaceChildren(
    el('span', { class: 'mark', text: ok ? '✓ Matches the book' : '✗ Differs from the book' }),
    el('span', { text: ok
      ? `${agreeing.length} printed tensor${agreeing.length === 1 ? ' agrees' : 's agree'} at the book's 4 decimals: ${c.items.map((it) => it.name).join(', ')}`
      : `${c.items.length - agreeing.length} of ${c.items.length} printed tensors differ: ${c.items.filter((it) => !agrees(it)).map((it) => it.name).join(', ')}` }),
    el('details', {}, el('summary', { text: 'Which numbers were compared' }),
      el('p', { class: 'note', text: 'The page computes these in WebAssembly and compares them, value by value at 4 decimals, with what the book\'s code prints (PyTorch).' }),
      list),
  );
}

function renderViewTools() {
  const s = store.state;
  const r = store.result;
  const sel = $('follow');
  const key = r.tokens.join('\u0000');
  if (sel.dataset.key !== key) {
    sel.dataset.key = key;
    sel.replaceChildren(el('option', { value: '', text: 'no token' }), ...r.tokens.map((t, i) => el('option', { value: String(i), text: `${i + 1} · ${t}` })));
  }
  sel.value = s.row === null ? '' : String(s.row);
  $('batch-item-label').hidden = !inPlay(PARAMS.find((p) => p.name === 'batchItem'), s);
  $('batch-item').value = String(s.batchItem);
  $('palette').value = s.palette;
  $('scale').value = s.scale;
  const v = r.variant;
  $('pipeline-sub').textContent = `${v.cls ? `${v.name}.forward(x)` : v.title} · §${v.section} · ${r.T} tokens`;
}

function renderPipeline() {
  page.pipeline.render(store.state, store.result, { theme: page.theme });
}

/** The link follows the view, a moment after the last change (typing a value writes it once). */
function saveHash() {
  clearTimeout(page.hashTimer);
  page.hashTimer = setTimeout(() => {
    const hash = encodeHash(store.state, PARAMS, inPlay);
    if (hash === page.hash) return;
    page.hash = hash;
    history.replaceState(null, '', hash);
  }, 120);
}

const VIEW_REDRAW = PARAMS.filter((p) => p.scope === 'view' && p.name !== 'row').map((p) => p.name);

function render(change) {
  page.controls.render();
  for (const panel of page.panels) panel.render();
  renderMessages();
  const s = store.state;
  if (!s) return;
  const prev = change.previous;
  page.chips.render(store.result.tokens, s.row);
  renderViewTools();
  const redraw = change.computed || !prev || VIEW_REDRAW.some((n) => !sameValue(n, s[n], prev[n]));
  if (redraw) renderPipeline();
  else if (!sameValue('row', s.row, prev.row)) page.pipeline.refresh(s);
  if (change.computed) renderBadge();
  if (change.ok) saveHash();
  $('export-menu').querySelectorAll('button').forEach((b) => { b.disabled = !store.result; });
  if (change.computed) {
    $('foot-text').textContent = `attention-wasm ${attn.version} · ${attn.simd ? 'WebAssembly SIMD' : 'WebAssembly'}` +
      `${attn.threads > 1 ? `, ${attn.threads} threads` : ''} · last update: compute ${store.ms.compute.toFixed(1)} ms · ` +
      'everything runs in this tab; the page sends nothing anywhere.';
  }
}

// ---- exports and sharing ------------------------------------------------------------------------

function showPrint(title, text) {
  $('print-title').textContent = `print(${title})`;
  $('print-text').textContent = text;
  $('print-msg').textContent = '';
  $('print-dialog').showModal();
}

function exportMeta() {
  const s = store.state;
  const r = store.result;
  const v = r.variant;
  return {
    generator: `attention-wasm ${attn.version} (web page)`,
    variant: v.cls ?? v.title,
    section: v.section,
    args: r.args,
    seed: v.cls ? String(s.seed) : null,
    training: v.dropout ? s.training : null,
    batch: v.batched ? 'torch.stack((inputs, inputs), dim=0)' : null,
    input: s.input,
    tokens: r.tokens,
  };
}

function wireExports() {
  const menu = $('export-menu');
  const stem = () => `attention-${store.state.variant}${store.result.variant.cls ? `-seed${store.state.seed}` : ''}`;
  const close = () => { menu.open = false; };
  $('export-json').addEventListener('click', () => {
    close();
    download(new Blob([tensorsJSON(store.result, exportMeta())], { type: 'application/json' }), `${stem()}.json`);
  });
  $('export-csv').addEventListener('click', () => {
    close();
    download(new Blob([tensorsCSV(store.result)], { type: 'text/csv' }), `${stem()}.csv`);
  });
  $('export-print').addEventListener('click', () => {
    close();
    showPrint('output', store.result.output.toString());
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
    if (!menu.contains(e.target)) close();
  });
  menu.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && menu.open) {
      e.preventDefault();
      close();
      menu.querySelector('summary').focus();
    }
  });
}

// ---- theme, colours and printing --------------------------------------------------------------

function readTheme() {
  const cs = getComputedStyle(document.documentElement);
  const v = (name) => cs.getPropertyValue(name).trim();
  const rgbList = (name) => v(name).split(',').map((x) => Number(x.trim()));
  page.theme = {
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
  if (store.state && page.pipeline) renderPipeline();
}

function initialTheme() {
  let saved = null;
  try {
    saved = localStorage.getItem('attention-wasm-theme');
  } catch { /* ignore */ }
  return saved ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
}

/** Paper is light: a dark page prints in the light theme, and returns to dark afterwards. */
function wirePrinting() {
  let before = null;
  addEventListener('beforeprint', () => {
    before = document.documentElement.dataset.theme;
    if (before !== 'light') setTheme('light', false);
  });
  addEventListener('afterprint', () => {
    if (before && before !== 'light') setTheme(before, false);
    before = null;
  });
}

// ---- start ------------------------------------------------------------------------------------

/** The view a hash asks for: the link's values over the book's, with fallbacks if they do not compute. */
function loadHash() {
  const { patch, problems } = decodeHash(location.hash, PARAMS);
  // Token names and their values travel apart (the book's values are left out of a link).
  const base = bookState(patch.variant);
  const x = patch.x ?? base.x;
  if (patch.tokens && patch.tokens.length !== x.length) {
    problems.push(`${patch.tokens.length} token names for ${x.length} rows of values`);
    delete patch.tokens;
  }
  if (patch.x && !patch.tokens) patch.tokens = x.map((_, i) => base.tokens[i] ?? `token${i + 1}`);
  // The variant's book settings, then the rest of the link over them.
  const draft = reduce(base, patch);
  page.hash = location.hash;
  store.load(draft, fallbacks(draft), problems);
}

function wire() {
  $('follow').addEventListener('change', (e) => lockRow(e.target.value === '' ? null : Number(e.target.value), 'cell'));
  $('batch-item').addEventListener('change', (e) => store.set({ batchItem: e.target.value }));
  $('palette').replaceChildren(...Object.entries(PALETTES).map(([id, p]) => el('option', { value: id, text: p.label })));
  $('palette').addEventListener('change', (e) => store.set({ palette: e.target.value }));
  $('scale').replaceChildren(...Object.entries(SCALE_MODES).map(([id, m]) => el('option', { value: id, text: m.label })));
  $('scale').addEventListener('change', (e) => store.set({ scale: e.target.value }));
  $('theme-toggle').addEventListener('click', () => setTheme(document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark'));
  // Skip links move the focus; they leave the hash (which holds the view) alone.
  for (const a of document.querySelectorAll('a.skip')) {
    a.addEventListener('click', (e) => {
      e.preventDefault();
      const target = a.dataset.target === 'variants' ? $('variant-tabs').querySelector('input:checked') : $(a.dataset.target);
      target?.focus();
      target?.scrollIntoView({ block: 'start' });
    });
  }
  wireExports();
  wirePrinting();
  // The pipeline's width decides the matrices' size; read it here, not during a redraw (a read
  // after DOM changes would force a layout in the middle of every update).
  new ResizeObserver((entries) => {
    const w = Math.round(entries[0].contentRect.width);
    if (!page.pipeline || w === page.pipeline.width) return;
    page.pipeline.width = w;
    if (store.state) renderPipeline();
  }).observe($('stages'));
  addEventListener('hashchange', () => {
    if (location.hash !== page.hash) loadHash();
  });
}

async function main() {
  setTheme(initialTheme(), false);
  wire();
  try {
    // The threaded build where the page is cross-origin isolated (scripts/serve.mjs sends COOP and
    // COEP), one thread elsewhere; the footer says which. Only the fast path (no trace) uses the
    // threads: the page's traced recomputes take the reference path and look the same.
    attn = await init({ threads: 'auto' });
    bindClassTable(attn.classes);
  } catch (err) {
    setStatus(`The WebAssembly module did not load: ${err.message}. Build it with: bash scripts/build-wasm.sh (npm start does this).`, true);
    $('foot-text').textContent = 'The WebAssembly module is not loaded.';
    return false;
  }
  page.pipeline = new Pipeline({
    box: $('stages'), tooltip: $('tooltip'), live: $('cell-live'), attn,
    onLockRow: lockRow,
    onPrint: showPrint,
  });
  page.controls = mountControls({ store });
  page.chips = mountChips({ onLockRow: lockRow });
  page.panels = INPUT_MODES.map((m) => m.mount({ store, attn }));
  store.subscribe(render);
  // The book's printed values, for the badge only (fetched from this server, never shown as results).
  fetch('reference/chapter.json')
    .then((r) => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
    .then((json) => { page.reference = json; })
    .catch(() => { page.reference = false; })
    .finally(() => store.state && renderBadge());
  loadHash();
  document.documentElement.dataset.ready = 'true';
  return true;
}

/** Resolves once the first view is drawn (to false if the wasm module did not load). */
export const ready = main();
