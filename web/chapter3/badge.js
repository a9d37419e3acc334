// "Matches the book": compares the page's numbers, computed just now by the wasm module, with
// the values the book prints (tests/fixtures/chapter.json, written by PyTorch from the book's
// code), at the book's 4 printed decimals. The reference is only ever compared against, never
// shown as a result.
import { BOOK_CHECKS, BOOK_INPUTS } from './book.js';
import { sameMatrix } from '../lib/parse.js';

/** The numbers in one of the book's printed tensors, in order: "tensor([[0.2996, -inf], ...])". */
export function printedNumbers(text) {
  return (text.match(/-?inf|nan|-?\d+\.\d*(?:e[+-]?\d+)?|-?\d+(?:e[+-]?\d+)?/g) ?? []).map((s) =>
    s === 'inf' ? Infinity : s === '-inf' ? -Infinity : s === 'nan' ? NaN : Number(s));
}

const at4 = (v) => (Number.isFinite(v) ? Number(v.toFixed(4)) : v); // -0.0000 and 0.0000 agree

function agree(a, b) {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
  return at4(a) === at4(b);
}

const describeSetting = (k, v) => (k === 'dOut' ? `d_out ${v}` : k === 'numHeads' ? `num_heads ${v}` : k === 'qkvBias' ? `qkv_bias ${v ? 'True' : 'False'}` : k === 'dropout' ? `dropout ${v}` : `${k} ${v}`);

/**
 * Returns { state: 'ok' | 'bad' | 'off' | 'none', text, items, differences } where items lists each
 * printed tensor compared: { name, section, agree, total, shapeOk }.
 */
export function compareWithBook(reference, state, result) {
  const sets = BOOK_CHECKS[state.variant] ?? [];
  if (!reference) return { state: 'none', reason: 'The book\'s reference numbers could not be loaded.' };
  const differences = [];
  if (!sameMatrix(state.x, BOOK_INPUTS)) differences.push('the inputs');
  const p = state;
  const dropoutOff = p.dropout === 0 || p.training === false;
  // The first set of settings that the page's settings match.
  let chosen = null;
  let firstMisses = null;
  for (const set of sets) {
    const misses = [];
    for (const [k, v] of Object.entries(set.settings)) {
      if (k === 'dropout') {
        if (!dropoutOff) misses.push(`dropout ${p.dropout} in train() (the book: 0.0)`);
      } else if (k === 'seed') {
        if (String(p.seed) !== String(v)) misses.push(`seed ${p.seed} (the book: ${v})`);
      } else if (p[k] !== v) misses.push(`${describeSetting(k, p[k])} (the book: ${describeSetting(k, v).split(' ').pop()})`);
    }
    if (misses.length === 0) {
      chosen = set;
      break;
    }
    firstMisses ??= misses;
  }
  if (!chosen) differences.push(...(firstMisses ?? []));
  if (differences.length > 0) {
    return { state: 'off', differences };
  }
  const items = chosen.checks.map((c) => {
    const ours = c.pick(result);
    if (!ours) return null;
    const want = printedNumbers(reference.printed[c.name]);
    const shapeOk = JSON.stringify(ours.shape) === JSON.stringify(reference.tensors[c.name].shape);
    let n = 0;
    if (shapeOk && want.length === ours.data.length) {
      for (let k = 0; k < want.length; k++) if (agree(ours.data[k], want[k])) n++;
    }
    return { name: c.name, section: c.section, agree: n, total: want.length, shapeOk };
  }).filter(Boolean);
  const allAgree = items.every((it) => it.shapeOk && it.agree === it.total);
  return { state: allAgree ? 'ok' : 'bad', items };
}
