// The page's one table of parameters: everything that makes a view, with its key in the link,
// its control, how typed text becomes a value, its PyTorch name and its default. The store
// (lib/store.js) parses patches through it, the link (lib/url.js) is written and read through it,
// and the settings form is built from it. A new input mode adds its rows here.
//
//   scope 'input'   what the pipeline is fed (the input mode and its data)
//   scope 'module'  what builds and runs the module: the seed, its constructor arguments, train/eval
//   scope 'view'    how the result is shown; changing one redraws without recomputing
import { BOOK_INPUTS, BOOK_TOKENS, LIMITS } from './chapter3/book.js';
import { DEFAULT_VARIANT, VARIANTS } from './chapter3/variants.js';
import { PALETTES, SCALE_MODES } from './lib/colors.js';
import { InputError, cleanToken, parseNumber, parseParam, parseSeed, sameMatrix } from './lib/parse.js';
import { INPUT_MODES } from './modes.js';

const oneOf = (name, ids, what) => (raw) => {
  const s = String(raw);
  if (!ids.includes(s)) throw new InputError(`unknown ${what} “${s.slice(0, 24)}”`, name);
  return s;
};
const bool = (yes, no) => (raw) => {
  if (typeof raw === 'boolean') return raw;
  if (raw === yes || raw === '1' || raw === 'true') return true;
  if (raw === no || raw === '0' || raw === 'false') return false;
  throw new InputError(`“${String(raw).slice(0, 24)}” is neither ${yes} nor ${no}`);
};

/** The token names: a list of strings (or JSON text of one, from a link). */
function parseTokens(raw) {
  let list = raw;
  if (typeof raw === 'string') {
    try {
      list = JSON.parse(raw);
    } catch {
      throw new InputError('the tokens in the link are not valid JSON', 'x');
    }
  }
  if (!Array.isArray(list) || list.length === 0 || list.some((t) => typeof t !== 'string')) throw new InputError('the tokens must be a list of names', 'x');
  return list.map((t, i) => cleanToken(t, i));
}

/** The inputs: T rows of d_in numbers (numbers or typed text; JSON text from a link). */
function parseInputs(raw) {
  let rows = raw;
  if (typeof raw === 'string') {
    try {
      rows = JSON.parse(raw);
    } catch {
      throw new InputError('the inputs in the link are not valid JSON', 'x');
    }
  }
  if (!Array.isArray(rows) || rows.length === 0 || !rows.every(Array.isArray)) throw new InputError('the inputs must be rows of numbers', 'x');
  if (rows.length > LIMITS.tokens) throw new InputError(`${rows.length} tokens: this page draws at most ${LIMITS.tokens}`, 'x');
  const dIn = rows[0].length;
  if (dIn === 0) throw new InputError('every token needs at least one value', 'x');
  if (dIn > LIMITS.dIn) throw new InputError(`${dIn} values per token: this page draws at most ${LIMITS.dIn}`, 'x');
  return rows.map((r, i) => {
    if (r.length !== dIn) throw new InputError(`row ${i + 1} has ${r.length} values, row 1 has ${dIn}`, 'x');
    return r.map((c, j) => parseNumber(c, `row ${i + 1}, x[${j}]`, 'x'));
  });
}

const json = (v) => JSON.stringify(v);
const sameJSON = (a, b) => JSON.stringify(a) === JSON.stringify(b);

export const PARAMS = [
  // ---- what the pipeline is fed
  { name: 'input', key: 'in', scope: 'input', default: INPUT_MODES[0].id, parse: oneOf('input', INPUT_MODES.map((m) => m.id), 'input mode') },
  { name: 'tokens', key: 'tokens', scope: 'input', default: BOOK_TOKENS, parse: parseTokens, toURL: json, same: sameJSON },
  { name: 'x', key: 'x', py: 'inputs', scope: 'input', default: BOOK_INPUTS, parse: parseInputs, toURL: json, same: sameMatrix },

  // ---- the module: which class, its seed, its constructor arguments, train/eval
  { name: 'variant', key: 'v', scope: 'module', default: DEFAULT_VARIANT, parse: oneOf('variant', VARIANTS.map((v) => v.id), 'variant') },
  {
    name: 'seed', key: 'seed', py: 'torch.manual_seed', scope: 'module', default: 123, parse: parseSeed,
    control: { type: 'text', inputmode: 'numeric', label: 'seed', title: 'torch.manual_seed(seed) before constructing the module' },
  },
  {
    name: 'dOut', key: 'dOut', py: 'd_out', scope: 'module', default: 2, max: LIMITS.dOut, parse: (r) => parseParam(r, 'dOut'),
    control: { type: 'number', min: 1, step: 1, label: 'd_out' },
  },
  {
    name: 'numHeads', key: 'heads', py: 'num_heads', scope: 'module', default: 2, max: LIMITS.numHeads, parse: (r) => parseParam(r, 'numHeads'),
    control: { type: 'number', min: 1, step: 1, label: 'num_heads' },
  },
  {
    name: 'contextLength', key: 'ctx', py: 'context_length', scope: 'module', default: 'auto', max: LIMITS.contextLength,
    parse: (r) => (r === 'auto' ? 'auto' : parseParam(r, 'contextLength')),
    control: { type: 'number', min: 1, step: 1, label: 'context_length', auto: '= T' },
  },
  {
    name: 'dropout', key: 'p', py: 'dropout', scope: 'module', default: 0, parse: (r) => parseParam(r, 'dropout'),
    control: { type: 'number', min: 0, max: 1, step: 0.05, label: 'dropout p', range: true },
  },
  {
    name: 'qkvBias', key: 'bias', py: 'qkv_bias', scope: 'module', default: false, parse: bool('1', '0'), toURL: (b) => (b ? '1' : '0'),
    control: { type: 'checkbox', label: 'qkv_bias', text: 'bias', title: 'nn.Linear(..., bias=qkv_bias) for W_query, W_key and W_value' },
  },
  {
    name: 'training', key: 'mode', scope: 'module', default: true, parse: bool('train', 'eval'), toURL: (t) => (t ? 'train' : 'eval'),
    control: { type: 'select', label: 'mode', options: [['train', 'module.train()'], ['eval', 'module.eval()']] },
  },

  // ---- the view
  { name: 'batchItem', key: 'b', scope: 'view', default: 0, parse: (r) => (Number(r) === 1 ? 1 : 0) },
  { name: 'row', key: 'row', scope: 'view', default: null, parse: (r) => (r === null || r === '' ? null : /^\d+$/.test(String(r)) ? Number(r) : null) },
  { name: 'palette', key: 'pal', scope: 'view', default: 'viridis-rdbu', parse: oneOf('palette', Object.keys(PALETTES), 'colour palette') },
  { name: 'scale', key: 'scale', scope: 'view', default: 'matrix', parse: oneOf('scale', Object.keys(SCALE_MODES), 'colour scale') },
];

export const PARAM = Object.fromEntries(PARAMS.map((p) => [p.name, p]));

/** Equal values for a parameter (its own `same`, else ===, with seeds compared as text). */
export function sameValue(name, a, b) {
  const p = PARAM[name];
  if (p.same) return p.same(a, b);
  return a === b || String(a) === String(b) && typeof a !== 'boolean';
}

/** The state every parameter at its default. */
export function defaults() {
  return Object.fromEntries(PARAMS.map((p) => [p.name, structuredClone(p.default)]));
}
