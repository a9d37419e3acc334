// Reading what a person types or pastes: numbers, seeds, sizes and pasted tables of embeddings.
// Every function returns a clean value or throws an InputError whose message is shown next to
// the control it names; nothing here touches the page.
import { csvParseRows, dsvFormat, tsvParseRows } from 'd3-dsv';

export class InputError extends Error {
  /** field: the parameter (or input: 'x', 'paste') the message belongs next to. */
  constructor(message, field = 'x') {
    super(message);
    this.name = 'InputError';
    this.field = field;
  }
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const FLOAT32_MAX = 3.4028234663852886e38;

/** A finite float32 number, from a string or a number. `where` names it in the message. */
export function parseNumber(text, where = 'value', field = 'x') {
  if (typeof text === 'number') {
    if (!Number.isFinite(text)) throw new InputError(`${where}: ${text} is not a finite number`, field);
    if (Math.abs(text) > FLOAT32_MAX) throw new InputError(`${where}: ${text} is too large for float32`, field);
    return text;
  }
  const s = String(text ?? '').trim();
  if (s === '') throw new InputError(`${where} is empty`, field);
  if (!NUMBER.test(s)) throw new InputError(`${where}: “${s.length > 24 ? s.slice(0, 24) + '…' : s}” is not a number`, field);
  const v = Number(s);
  if (!Number.isFinite(v) || Math.abs(v) > FLOAT32_MAX) throw new InputError(`${where}: ${s} is too large for float32`, field);
  return v;
}

/**
 * A size or probability as typed: any number goes on to the library, which checks the rules
 * (positive integer, probability, divisibility) and says what is wrong in its own words.
 */
export function parseParam(text, name) {
  if (typeof text === 'number') return text;
  const s = String(text ?? '').trim();
  if (s === '') throw new InputError(`${name}: enter a number`, name);
  if (!NUMBER.test(s)) throw new InputError(`${name}: “${s.slice(0, 24)}” is not a number`, name);
  return Number(s);
}

/** torch.manual_seed accepts any integer in [-2^63, 2^64); big ones travel as BigInt. */
export function parseSeed(text) {
  if (typeof text === 'bigint' || Number.isSafeInteger(text)) return text;
  const s = String(text ?? '').trim();
  if (!/^[+-]?\d+$/.test(s)) throw new InputError(`seed: “${s.slice(0, 24)}” is not an integer`, 'seed');
  const big = BigInt(s);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

export function cleanToken(t, i) {
  const s = String(t ?? '').replace(/\s+/g, ' ').trim().slice(0, 40);
  return s === '' ? `token${i + 1}` : s;
}

// ---- pasted tables ----------------------------------------------------------------------------
//
// What a reader of the book is likely to have on the clipboard:
//   the book's own code       inputs = torch.tensor([[0.43, 0.15, 0.89], # Your     (x^1) ...])
//   a printed tensor          tensor([[0.4300, 0.1500, 0.8900], ...]) or a NumPy print [[0.43 0.15 0.89] ...]
//   JSON                      [[0.43, 0.15, 0.89], ...] or { "tokens": [...], "inputs": [[...], ...] }
//   this page's JSON export   { "tokens": [...], "tensors": { "inputs": { "shape": [6, 3], "data": [...] } } }
//   lines of values           CSV, TSV, "a;b;c" or space-separated, each with an optional token name first

/**
 * Returns { tokens, inputs } (tokens named from `oldTokens` when the paste names none).
 * `limits` is { tokens, dIn }: the page's display limits.
 */
export function parseTable(text, { oldTokens = [], limits = { tokens: 128, dIn: 64 } } = {}) {
  const s = String(text ?? '').trim();
  if (s === '') throw new InputError('Nothing to read: paste the book\'s inputs, a JSON array or lines of numbers', 'paste');
  let table;
  if (s.startsWith('{')) table = fromJSONObject(s);
  else if (s.includes('[')) table = fromBrackets(s);
  else table = fromLines(s);
  return finish(table, oldTokens, limits);
}

function fromJSONObject(s) {
  let json;
  try {
    json = JSON.parse(s);
  } catch (err) {
    throw new InputError(`Not valid JSON: ${err.message}`, 'paste');
  }
  let tokens = json.tokens ?? null;
  if (tokens !== null && (!Array.isArray(tokens) || tokens.some((t) => typeof t !== 'string')))
    throw new InputError('“tokens” must be an array of strings', 'paste');
  let rows;
  const exported = json.tensors?.inputs;
  if (exported && Array.isArray(exported.shape) && Array.isArray(exported.data)) {
    // This page's export: the inputs (T, dIn), or the book's batch (2, T, dIn) of two copies.
    const { shape, data } = exported;
    if (shape.length < 2) throw new InputError(`“tensors.inputs” has shape (${shape.join(', ')}): expected (T, d_in)`, 'paste');
    const [T, d] = shape.slice(-2);
    rows = Array.from({ length: T }, (_, i) => data.slice(i * d, (i + 1) * d));
  } else if (Array.isArray(json.inputs)) rows = json.inputs;
  else throw new InputError('JSON must be an array of rows like [[0.43, 0.15, 0.89], ...], { "tokens": [...], "inputs": [[...], ...] } or this page\'s JSON export', 'paste');
  if (rows.length > 0 && !Array.isArray(rows[0])) rows = [rows];
  rows.forEach((r, i) => {
    if (!Array.isArray(r)) throw new InputError(`Row ${i + 1} is not a list of numbers`, 'paste');
  });
  if (tokens && tokens.length !== rows.length) tokens = tokens.length > rows.length ? tokens.slice(0, rows.length) : null;
  return { tokens, rows };
}

/**
 * Nested lists in brackets, as Python, PyTorch, NumPy or JSON write them: commas optional,
 * trailing commas allowed, "# comment" to the end of a line (a comment after a row names its
 * token, as in the book), and anything before the first "[" or after its matching "]"
 * (inputs = torch.tensor(, dtype=..., requires_grad=True)) left out.
 */
function fromBrackets(s) {
  const lines = s.split(/\r?\n/);
  const names = []; // line -> the first word of its comment
  const code = lines.map((line, n) => {
    const hash = line.indexOf('#');
    if (hash < 0) return line;
    names[n] = line.slice(hash + 1).trim().split(/\s+/)[0] ?? '';
    return line.slice(0, hash);
  });
  // Scan for the outermost list; note on which line each row (a list one level down) closes.
  let depth = 0;
  let start = null;
  let end = null;
  const rowEnds = [];
  let maxDepth = 0;
  outer: for (let n = 0; n < code.length; n++) {
    for (let c = 0; c < code[n].length; c++) {
      const ch = code[n][c];
      if (ch === '[') {
        if (start === null) start = { n, c };
        depth++;
        maxDepth = Math.max(maxDepth, depth);
      } else if (ch === ']') {
        depth--;
        if (depth === 1) rowEnds.push(n);
        if (depth === 0) {
          end = { n, c };
          break outer;
        }
        if (depth < 0) throw new InputError('A “]” closes a list that was never opened', 'paste');
      }
    }
  }
  if (end === null) throw new InputError('A “[” is never closed: the list is cut short', 'paste');
  const body = code.slice(start.n, end.n + 1);
  body[body.length - 1] = body[body.length - 1].slice(0, end.c + 1);
  body[0] = body[0].slice(start.c);
  let value = nested(body.join('\n'));
  let tokens = null;
  if (maxDepth === 3) {
    // A batch (B, T, dIn), as the book's torch.stack((inputs, inputs)): one item, or identical ones.
    const first = JSON.stringify(value[0]);
    if (!value.every((item) => JSON.stringify(item) === first))
      throw new InputError(`A batch of ${value.length} different items: paste one (T, d_in) matrix`, 'paste');
    value = value[0];
  } else if (maxDepth === 2) {
    // Token names from the comments that end rows ("[0.43, 0.15, 0.89], # Your (x^1)").
    const named = rowEnds.map((n) => names[n]);
    if (named.length === value.length && named.every((t) => t) && new Set(rowEnds).size === rowEnds.length) tokens = named;
  } else if (maxDepth === 1) value = [value];
  else throw new InputError(`Lists nested ${maxDepth} deep: expected rows of numbers, [[0.43, 0.15, 0.89], ...]`, 'paste');
  return { tokens, rows: value };
}

/** [1, [2, 3],] -> nested arrays of strings; separators are commas and/or white space. */
function nested(text) {
  const atoms = text.match(/\[|\]|,|[^\s[\],]+/g) ?? [];
  let k = 0;
  const list = () => {
    k++; // '['
    const out = [];
    while (k < atoms.length && atoms[k] !== ']') {
      if (atoms[k] === ',') {
        k++;
        continue;
      }
      out.push(atoms[k] === '[' ? list() : atoms[k++]);
    }
    k++; // ']'
    return out;
  };
  return list();
}

function fromLines(s) {
  const parseRows = s.includes('\t') ? tsvParseRows
    : s.includes(',') ? csvParseRows
      : s.includes(';') ? dsvFormat(';').parseRows
        : (t) => t.split(/\r?\n/).map((line) => line.trim().split(/\s+/));
  let table = parseRows(s).map((r) => r.map((c) => c.trim())).filter((r) => r.some((c) => c !== ''));
  if (table.length === 0) throw new InputError('Nothing to read: no lines with values', 'paste');
  const isNum = (c) => NUMBER.test(c);
  // A header line: nothing in it (past an optional first column) is a number.
  if (table.length > 1 && table[0].slice(1).every((c) => !isNum(c)) && table[1].slice(1).some(isNum)) table = table.slice(1);
  const named = table.some((r) => r.length > 0 && !isNum(r[0]));
  if (named) return { tokens: table.map((r) => r[0]), rows: table.map((r) => r.slice(1)) };
  return { tokens: null, rows: table };
}

function finish({ tokens, rows }, oldTokens, limits) {
  if (rows.length === 0) throw new InputError('No tokens: give at least one row', 'paste');
  if (rows.length > limits.tokens) throw new InputError(`${rows.length} tokens: this page draws at most ${limits.tokens}`, 'paste');
  const dIn = rows[0].length;
  if (dIn === 0) throw new InputError('Row 1 has no values', 'paste');
  if (dIn > limits.dIn) throw new InputError(`${dIn} values per token: this page draws at most ${limits.dIn}`, 'paste');
  const inputs = rows.map((r, i) => {
    if (r.some((c) => Array.isArray(c))) throw new InputError(`Row ${i + 1} holds a list, not numbers`, 'paste');
    if (r.length !== dIn) throw new InputError(`Row ${i + 1} has ${r.length} value${r.length === 1 ? '' : 's'}, row 1 has ${dIn}: every token needs the same number`, 'paste');
    return r.map((c, j) => parseNumber(c, `Row ${i + 1}, value ${j + 1}`, 'paste'));
  });
  const names = tokens ?? inputs.map((_, i) => oldTokens[i] ?? `token${i + 1}`);
  if (names.length !== inputs.length) throw new InputError(`${names.length} tokens but ${inputs.length} rows of values`, 'paste');
  return { tokens: names.map((t, i) => cleanToken(t, i)), inputs };
}

/** Float32-equal tables of numbers. */
export function sameMatrix(a, b) {
  return a.length === b.length && a.every((r, i) => r.length === b[i].length && r.every((v, j) => Math.fround(v) === Math.fround(b[i][j])));
}
