// Reading what a person types or pastes: numbers, seeds, sizes, a pasted table (JSON, CSV or
// TSV), and the page state kept in the URL. Every function either returns a clean value or throws
// an InputError whose message is shown next to the control; nothing here touches the page.
import { csvParseRows, tsvParseRows, dsvFormat } from 'd3-dsv';
import { BOOK_INPUTS, BOOK_TOKENS, LIMITS, VARIANTS, bookParams, variantById } from './book.js';

export class InputError extends Error {
  constructor(message, field = 'input') {
    super(message);
    this.name = 'InputError';
    this.field = field;
  }
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const FLOAT32_MAX = 3.4028234663852886e38;

/** A finite float32 number, from a string or a number. `where` names it in the message. */
export function parseNumber(text, where = 'value') {
  if (typeof text === 'number') {
    if (!Number.isFinite(text)) throw new InputError(`${where}: ${text} is not a finite number`);
    if (Math.abs(text) > FLOAT32_MAX) throw new InputError(`${where}: ${text} is too large for float32`);
    return text;
  }
  const s = String(text ?? '').trim();
  if (s === '') throw new InputError(`${where} is empty`);
  if (!NUMBER.test(s)) throw new InputError(`${where}: “${s.length > 24 ? s.slice(0, 24) + '…' : s}” is not a number`);
  const v = Number(s);
  if (!Number.isFinite(v) || Math.abs(v) > FLOAT32_MAX) throw new InputError(`${where}: ${s} is too large for float32`);
  return v;
}

/**
 * A size or probability as typed: a number (integer or not) goes on to the library, which checks
 * the rules (positive integer, probability, divisibility) and says what is wrong in its own words.
 */
export function parseParam(text, name) {
  const s = String(text ?? '').trim();
  if (s === '') throw new InputError(`${name}: enter a number`, name);
  if (!NUMBER.test(s)) throw new InputError(`${name}: “${s.slice(0, 24)}” is not a number`, name);
  return Number(s);
}

/** torch.manual_seed accepts any integer in [-2^63, 2^64); big ones travel as BigInt. */
export function parseSeed(text) {
  const s = String(text ?? '').trim();
  if (!/^[+-]?\d+$/.test(s)) throw new InputError(`seed: “${s.slice(0, 24)}” is not an integer`, 'seed');
  const big = BigInt(s);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

// ---- pasted tables ----------------------------------------------------------------------------

/**
 * A pasted table of embeddings: a JSON array of rows, a JSON object { tokens, inputs }, or CSV /
 * TSV text with one token per line (an optional first column of token names, an optional header
 * line). Returns { tokens, inputs } with tokens named from the old ones when the paste has none.
 */
export function parseTable(text, oldTokens = BOOK_TOKENS) {
  const s = String(text ?? '').trim();
  if (s === '') throw new InputError('Nothing to read: paste a JSON array or CSV lines of numbers');
  let tokens = null;
  let rows;
  if (s.startsWith('[') || s.startsWith('{')) {
    let json;
    try {
      json = JSON.parse(s);
    } catch (err) {
      throw new InputError(`Not valid JSON: ${err.message}`);
    }
    if (Array.isArray(json)) rows = json;
    else if (json && Array.isArray(json.inputs)) {
      rows = json.inputs;
      if (json.tokens !== undefined) {
        if (!Array.isArray(json.tokens) || json.tokens.some((t) => typeof t !== 'string'))
          throw new InputError('“tokens” must be an array of strings');
        tokens = json.tokens;
      }
    } else throw new InputError('JSON must be an array of rows like [[0.43, 0.15, 0.89], ...] or { "tokens": [...], "inputs": [[...], ...] }');
    if (rows.length > 0 && !Array.isArray(rows[0])) rows = [rows]; // one token given as a flat array
    rows.forEach((r, i) => {
      if (!Array.isArray(r)) throw new InputError(`Row ${i + 1} is not an array of numbers`);
    });
  } else {
    const parseRows = s.includes('\t') ? tsvParseRows : s.includes(';') && !s.includes(',') ? dsvFormat(';').parseRows : csvParseRows;
    let table = parseRows(s).map((r) => r.map((c) => c.trim())).filter((r) => r.some((c) => c !== ''));
    if (table.length === 0) throw new InputError('Nothing to read: no lines with values');
    const isNum = (c) => NUMBER.test(c);
    // A header line: nothing in it (past an optional first column) is a number.
    if (table.length > 1 && table[0].slice(1).every((c) => !isNum(c)) && table[1].slice(1).some(isNum)) table = table.slice(1);
    const named = table.some((r) => r.length > 0 && !isNum(r[0]));
    if (named) {
      tokens = table.map((r) => r[0]);
      rows = table.map((r) => r.slice(1));
    } else rows = table;
  }
  if (rows.length === 0) throw new InputError('No tokens: give at least one row');
  if (rows.length > LIMITS.tokens) throw new InputError(`${rows.length} tokens: this page draws at most ${LIMITS.tokens}`);
  const dIn = rows[0].length;
  if (dIn === 0) throw new InputError('Row 1 has no values');
  if (dIn > LIMITS.dIn) throw new InputError(`${dIn} values per token: this page draws at most ${LIMITS.dIn}`);
  const inputs = rows.map((r, i) => {
    if (r.length !== dIn) throw new InputError(`Row ${i + 1} has ${r.length} value${r.length === 1 ? '' : 's'}, row 1 has ${dIn}: every token needs the same number`);
    return r.map((c, j) => parseNumber(c, `Row ${i + 1}, value ${j + 1}`));
  });
  if (tokens === null) tokens = inputs.map((_, i) => oldTokens[i] ?? `token${i + 1}`);
  if (tokens.length !== inputs.length) throw new InputError(`${tokens.length} tokens but ${inputs.length} rows of values`);
  return { tokens: tokens.map((t, i) => cleanToken(t, i)), inputs };
}

export function cleanToken(t, i) {
  const s = String(t).replace(/\s+/g, ' ').trim().slice(0, 40);
  return s === '' ? `token${i + 1}` : s;
}

// ---- the state in the URL ---------------------------------------------------------------------
//
// #v=causal&seed=123&dOut=2&heads=2&ctx=auto&p=0&bias=0&mode=train&b=0&row=1&tokens=[...]&x=[[...]]
// The hash never reaches a server. Inputs are left out while they are the book's.

export function sameInputs(a, b) {
  return a.length === b.length && a.every((r, i) => r.length === b[i].length && r.every((v, j) => Math.fround(v) === Math.fround(b[i][j])));
}

export function encodeState(s) {
  const q = new URLSearchParams();
  const variant = variantById(s.variant);
  q.set('v', s.variant);
  const p = s.params;
  for (const name of variant.params) {
    if (name === 'seed') q.set('seed', String(p.seed));
    if (name === 'dOut') q.set('dOut', String(p.dOut));
    if (name === 'numHeads') q.set('heads', String(p.numHeads));
    if (name === 'contextLength') q.set('ctx', String(p.contextLength));
    if (name === 'dropout') q.set('p', String(p.dropout));
    if (name === 'qkvBias') q.set('bias', p.qkvBias ? '1' : '0');
    if (name === 'training') q.set('mode', p.training ? 'train' : 'eval');
  }
  if (variant.batched && s.batchItem) q.set('b', String(s.batchItem));
  if (s.lockedRow !== null && s.lockedRow !== undefined) q.set('row', String(s.lockedRow));
  if (!(sameInputs(s.inputs, BOOK_INPUTS) && s.tokens.join('\u0000') === BOOK_TOKENS.join('\u0000'))) {
    q.set('tokens', JSON.stringify(s.tokens));
    q.set('x', JSON.stringify(s.inputs));
  }
  return '#' + q.toString();
}

/** Reads a hash; returns { state, problems } where state has the book's values where the hash has none. */
export function decodeState(hash, base) {
  const q = new URLSearchParams(String(hash ?? '').replace(/^#/, ''));
  const problems = [];
  const state = structuredClone(base);
  const v = q.get('v');
  if (v !== null) {
    if (VARIANTS.some((x) => x.id === v)) state.variant = v;
    else problems.push(`unknown variant “${v}”`);
  }
  const p = { ...bookParams(state.variant) };
  const take = (key, fn) => {
    const raw = q.get(key);
    if (raw === null) return;
    try {
      fn(raw);
    } catch (err) {
      problems.push(err.message);
    }
  };
  take('seed', (r) => { p.seed = parseSeed(r); });
  take('dOut', (r) => { p.dOut = parseParam(r, 'dOut'); });
  take('heads', (r) => { p.numHeads = parseParam(r, 'numHeads'); });
  take('ctx', (r) => { p.contextLength = r === 'auto' ? 'auto' : parseParam(r, 'contextLength'); });
  take('p', (r) => { p.dropout = parseParam(r, 'dropout'); });
  take('bias', (r) => { p.qkvBias = r === '1' || r === 'true'; });
  take('mode', (r) => { p.training = r !== 'eval'; });
  state.params = p;
  take('b', (r) => { state.batchItem = r === '1' ? 1 : 0; });
  take('row', (r) => { state.lockedRow = /^\d+$/.test(r) ? Number(r) : null; });
  if (q.has('x')) {
    take('x', (r) => {
      let tokens = null;
      try {
        tokens = q.has('tokens') ? JSON.parse(q.get('tokens')) : null;
      } catch {
        throw new InputError('the tokens in the link are not valid JSON');
      }
      const table = parseTable(JSON.stringify(tokens ? { tokens, inputs: JSON.parse(r) } : JSON.parse(r)));
      state.tokens = table.tokens;
      state.inputs = table.inputs;
    });
  }
  if (state.lockedRow !== null && state.lockedRow >= state.tokens.length) state.lockedRow = null;
  return { state, problems };
}
