// The input mode "Token embeddings": the book's table of embeddings, one row per token, which the
// reader edits cell by cell, grows and shrinks, pastes over or resets. It owns the parameters
// `tokens` and `x` (params.js) and changes them only through the store.
//
// Keyboard: the table is one tab stop (a roving tabindex): the arrow keys move between its cells
// (left and right once the caret is at the text's end), Tab leaves it.
import { BOOK_INPUTS, BOOK_TOKENS, LIMITS } from '../chapter3/book.js';
import { $, el } from '../lib/dom.js';
import { InputError, cleanToken, parseNumber, parseTable } from '../lib/parse.js';

/** Mounts the panel on the page's #input-panel; returns { render(store) }. */
export function mountEmbeddings({ store, attn }) {
  const table = $('input-table');
  const tbody = table.tBodies[0];
  let shown = null; // the draft's x that the table shows; another x rebuilds it
  let values = null; // the numbers of the table's cells that parse (a working copy of x)
  const cellErrors = new Map(); // "i,j" -> InputError of a cell that does not parse
  let active = [0, 0]; // [row, column] of the cell that has the tab stop
  let typing = false; // the change comes from the table itself: its cells already show it

  /** New values from the wasm module's generator (seeded by the row count: reproducible), 2 decimals like the book's. */
  function freshValues(n, seed) {
    attn.manualSeed(seed);
    return Array.from(attn.rand([n]).data, (v) => Math.round(v * 100) / 100);
  }

  function build(d) {
    const T = d.x.length;
    const dIn = d.x[0].length;
    const head = el('tr', {}, el('th', { class: 'i', scope: 'col', text: '#' }), el('th', { scope: 'col', text: 'token' }));
    for (let j = 0; j < dIn; j++) head.append(el('th', { scope: 'col', class: 'num-h', text: `x[${j}]` }));
    head.append(el('th', { scope: 'col' }, el('span', { class: 'visually-hidden', text: 'remove' })));
    table.tHead.replaceChildren(head);
    tbody.replaceChildren(...d.x.map((row, i) => {
      const tr = el('tr', { 'data-row': i },
        el('td', { class: 'i', text: String(i + 1) }),
        el('td', {}, el('input', { class: 'tok', type: 'text', value: d.tokens[i], 'aria-label': `token ${i + 1} name`, 'data-i': i, 'data-j': -1, spellcheck: 'false', maxlength: 40, tabindex: -1 })));
      row.forEach((v, j) => {
        tr.append(el('td', {}, el('input', {
          class: 'num', type: 'text', inputmode: 'decimal', value: String(v), 'data-i': i, 'data-j': j,
          'aria-label': `${d.tokens[i]}, x[${j}]`, spellcheck: 'false', autocomplete: 'off', tabindex: -1,
        })));
      });
      tr.append(el('td', { class: 'rm' }, el('button', {
        type: 'button', class: 'rm-btn', 'data-remove': i, 'data-i': i, 'data-j': dIn, 'aria-label': `remove token ${d.tokens[i]}`, title: 'Remove this token', text: '×',
        disabled: T <= 1, tabindex: -1,
      })));
      return tr;
    }));
    $('input-shape').textContent = `${T} × ${dIn}`;
    $('add-token').disabled = T >= LIMITS.tokens;
    $('remove-dim').disabled = dIn <= 1;
    $('add-dim').disabled = dIn >= LIMITS.dIn;
    shown = d.x;
    values = d.x.map((r) => r.slice());
    cellErrors.clear();
    active = [Math.min(active[0], T - 1), Math.min(active[1], dIn)];
    rove(cellAt(active[0], active[1]) ?? cellAt(0, 0), false);
  }

  const cellAt = (i, j) => tbody.querySelector(`[data-i="${i}"][data-j="${j}"]`);

  /** Gives `cell` the table's one tab stop (and the focus, if asked). */
  function rove(cell, focus = true) {
    if (!cell) return;
    for (const c of tbody.querySelectorAll('[tabindex="0"]')) c.tabIndex = -1;
    cell.tabIndex = 0;
    active = [Number(cell.dataset.i), Number(cell.dataset.j)];
    if (focus) cell.focus();
  }

  function onKey(e) {
    const t = e.target;
    if (t.dataset.i === undefined) return;
    const i = Number(t.dataset.i);
    const j = Number(t.dataset.j);
    const T = values.length;
    const last = values[0].length; // the remove button's column
    const caret = t.tagName === 'INPUT' ? [t.selectionStart, t.selectionEnd, t.value.length] : null;
    let next = null;
    if (e.key === 'ArrowUp' && i > 0) next = [i - 1, j];
    else if (e.key === 'ArrowDown' && i < T - 1) next = [i + 1, j];
    else if (e.key === 'ArrowLeft' && j > -1 && (!caret || (caret[0] === 0 && caret[1] === 0))) next = [i, j - 1];
    else if (e.key === 'ArrowRight' && j < last && (!caret || (caret[0] === caret[2] && caret[1] === caret[2]))) next = [i, j + 1];
    else if (e.key === 'Enter' && t.tagName === 'INPUT' && i < T - 1) next = [i + 1, j];
    if (!next) return;
    e.preventDefault();
    const cell = cellAt(...next);
    if (cell && !cell.disabled) {
      rove(cell);
      if (cell.select) cell.select();
    }
  }

  function onInput(e) {
    const t = e.target;
    const i = Number(t.dataset.i);
    const d = store.draft;
    if (t.classList.contains('tok')) {
      const tokens = d.tokens.slice();
      tokens[i] = cleanToken(t.value, i);
      fromTable({ tokens });
      return;
    }
    if (!t.classList.contains('num')) return;
    const j = Number(t.dataset.j);
    const key = `${i},${j}`;
    try {
      values[i][j] = parseNumber(t.value, `${d.tokens[i]}, x[${j}]`, 'x');
      cellErrors.delete(key);
      t.removeAttribute('aria-invalid');
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      cellErrors.set(key, err);
      t.setAttribute('aria-invalid', 'true');
    }
    if (cellErrors.size > 0) {
      store.reject('x', cellErrors.values().next().value);
      return;
    }
    fromTable({ x: values.map((r) => r.slice()) });
  }

  function fromTable(patch) {
    typing = true;
    try {
      store.set(patch);
    } finally {
      typing = false;
    }
  }

  /** A change of the table's shape or contents, through the store; a refusal leaves a message. */
  function change(fn) {
    const d = store.draft;
    let patch;
    try {
      patch = fn({ tokens: d.tokens.slice(), x: d.x.map((r) => r.slice()) });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      store.fail('x', err);
      return;
    }
    store.set(patch);
  }

  const addToken = () => change(({ tokens, x }) => {
    const T = x.length;
    if (T >= LIMITS.tokens) throw new InputError(`This page draws at most ${LIMITS.tokens} tokens`);
    tokens.push(cleanToken($('new-token').value, T));
    x.push(freshValues(x[0].length, 1000 + T));
    $('new-token').value = '';
    return { tokens, x };
  });
  const removeToken = (i) => change(({ tokens, x }) => {
    if (x.length <= 1) throw new InputError('At least one token is needed');
    tokens.splice(i, 1);
    x.splice(i, 1);
    const row = store.draft.row;
    return { tokens, x, ...(row !== null && row >= i ? { row: row === i ? null : row - 1 } : {}) };
  });
  const addDim = () => change(({ x }) => {
    const d = x[0].length;
    if (d >= LIMITS.dIn) throw new InputError(`This page draws at most ${LIMITS.dIn} values per token`);
    const col = freshValues(x.length, 2000 + d);
    x.forEach((r, i) => r.push(col[i]));
    return { x };
  });
  const removeDim = () => change(({ x }) => {
    if (x[0].length <= 1) throw new InputError('Every token needs at least one value');
    x.forEach((r) => r.pop());
    return { x };
  });
  const reset = () => change(() => ({ tokens: [...BOOK_TOKENS], x: BOOK_INPUTS.map((r) => r.slice()) }));

  function applyPaste() {
    let t;
    try {
      t = parseTable($('paste-text').value, { oldTokens: store.draft.tokens, limits: LIMITS });
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      store.fail('paste', err);
      $('paste-text').setAttribute('aria-invalid', 'true');
      return;
    }
    $('paste-text').removeAttribute('aria-invalid');
    store.set({ tokens: t.tokens, x: t.inputs });
  }

  tbody.addEventListener('input', onInput);
  tbody.addEventListener('keydown', onKey);
  tbody.addEventListener('focusin', (e) => {
    if (e.target.dataset.i !== undefined) rove(e.target, false);
  });
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
  $('reset-inputs').addEventListener('click', reset);

  return {
    render() {
      const d = store.draft;
      if (typing) shown = d.x; // the cells show what was just typed
      else if (d.x !== shown) build(d);
      else {
        // Same values: the token names may have changed elsewhere (a link).
        for (const input of tbody.querySelectorAll('input.tok')) {
          const i = Number(input.dataset.i);
          if (document.activeElement !== input && input.value !== d.tokens[i]) input.value = d.tokens[i];
        }
      }
      const row = store.state?.row ?? null;
      for (const tr of tbody.rows) tr.classList.toggle('followed', Number(tr.dataset.row) === row);
    },
  };
}
