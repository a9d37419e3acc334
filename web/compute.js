// Runs one variant of the chapter on the page's inputs with the wasm module and returns every
// intermediate tensor. This is the only place the page calls the library to compute.
import { LIMITS, variantById } from './book.js';
import { InputError } from './parse.js';

/** Class constructors' argument lists, in the book's order. */
function constructArgs(variant, dIn, p, contextLength) {
  const opts = { qkvBias: p.qkvBias };
  switch (variant.id) {
    case 'v1': return [dIn, p.dOut];
    case 'v2': return [dIn, p.dOut, opts];
    case 'causal': return [dIn, p.dOut, contextLength, p.dropout, opts];
    default: return [dIn, p.dOut, contextLength, p.dropout, p.numHeads, opts];
  }
}

/** The page's display limits (the library itself accepts much more). */
function checkLimits(variant, T, dIn, p) {
  if (T > LIMITS.tokens) throw new InputError(`${T} tokens: this page draws at most ${LIMITS.tokens}`, 'input');
  if (dIn > LIMITS.dIn) throw new InputError(`${dIn} values per token: this page draws at most ${LIMITS.dIn}`, 'input');
  const has = (name) => variant.params.includes(name);
  if (has('dOut') && p.dOut > LIMITS.dOut) throw new InputError(`dOut (${p.dOut}): this page draws at most ${LIMITS.dOut}`, 'dOut');
  if (has('numHeads') && p.numHeads > LIMITS.numHeads) throw new InputError(`numHeads (${p.numHeads}): this page draws at most ${LIMITS.numHeads} heads`, 'numHeads');
  if (has('contextLength') && p.contextLength !== 'auto' && p.contextLength > LIMITS.contextLength)
    throw new InputError(`contextLength (${p.contextLength}): this page allows at most ${LIMITS.contextLength}`, 'contextLength');
}

/**
 * s: { variant, tokens, inputs (T × dIn numbers), params }.
 * Returns { variant, T, dIn, B, H, output, trace, stateDict, args, contextLength, ms }.
 * Throws InputError (page limits) or the library's TypeError/RangeError.
 */
export function compute(attn, s) {
  const t0 = performance.now();
  const variant = variantById(s.variant);
  const T = s.inputs.length;
  const dIn = T > 0 ? s.inputs[0].length : 0;
  const p = s.params;
  checkLimits(variant, T, dIn, p);
  const flat = Float32Array.from(s.inputs.flat());
  const x = attn.tensor(flat, [T, dIn]);

  if (variant.id === 'simplified') {
    const r = attn.simplifiedSelfAttention(x, { trace: true });
    return { variant, T, dIn, B: null, H: 1, output: r.output, trace: r.trace, stateDict: {}, args: [], inputs: x, ms: performance.now() - t0 };
  }

  // The book feeds the batched classes torch.stack((inputs, inputs), dim=0): a batch of two.
  const B = variant.batched ? 2 : null;
  const input = B ? attn.tensor(Float32Array.from({ length: 2 * flat.length }, (_, k) => flat[k % flat.length]), [2, T, dIn]) : x;
  const contextLength = p.contextLength === 'auto' ? T : p.contextLength;
  const args = constructArgs(variant, dIn, p, contextLength);

  attn.manualSeed(p.seed); // before construction: the weights, then dropout's masks, come from it
  const module = new attn[variant.cls](...args);
  try {
    if (!p.training) module.eval();
    const r = module.forward(input, { trace: true });
    const H = variant.id === 'wrapper' || variant.id === 'mha' ? p.numHeads : 1;
    return { variant, T, dIn, B, H, output: r.output, trace: r.trace, stateDict: module.stateDict(), args, contextLength, inputs: input, ms: performance.now() - t0 };
  } finally {
    module.free();
  }
}

/** Which controls a library message is about, so it can be shown next to them. */
export function fieldsOf(err) {
  if (err instanceof InputError) return [err.field];
  const msg = String(err?.message ?? err);
  const fields = ['seed', 'dOut', 'numHeads', 'contextLength', 'dropout'].filter((f) => new RegExp(`\\b${f}\\b`).test(msg));
  if (fields.includes('contextLength')) return ['contextLength']; // "T = 7 tokens, more than contextLength (6)"
  return fields.length ? fields : ['input'];
}
