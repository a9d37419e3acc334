// Runs one variant of the chapter on the inputs an input mode feeds it, with the wasm module, and
// returns every intermediate tensor. This is the only place the page calls the library to compute.
import { LIMITS } from './book.js';
import { variantById } from './variants.js';
import { PARAM } from '../params.js';
import { inputMode } from '../modes.js';
import { InputError } from '../lib/parse.js';

/** The page's display limits, from the parameter table (the library itself accepts much more). */
function checkLimits(v, T, dIn, s) {
  if (T > LIMITS.tokens) throw new InputError(`${T} tokens: this page draws at most ${LIMITS.tokens}`, 'x');
  if (dIn > LIMITS.dIn) throw new InputError(`${dIn} values per token: this page draws at most ${LIMITS.dIn}`, 'x');
  for (const name of [...v.args, ...v.options]) {
    const max = PARAM[name]?.max;
    if (max !== undefined && typeof s[name] === 'number' && s[name] > max)
      throw new InputError(`${name} (${s[name]}): this page draws at most ${max}`, name);
  }
}

/** A copy of `scaled` with −∞ wherever `masked` has it: the masked scores ÷ √d_k, as the book's softmax receives them. */
function maskedScaled(attn, scaled, masked) {
  const data = scaled.data.slice();
  for (let k = 0; k < data.length; k++) if (masked.data[k] === -Infinity) data[k] = -Infinity;
  return attn.tensor(data, scaled.shape);
}

/** (T, T) of the first batch item (and head) of a (B, [H,] T, T) tensor. */
function firstMatrix(attn, t) {
  const T = t.shape.at(-1);
  return attn.tensor(t.data.subarray(0, T * T), [T, T]);
}

/**
 * s: the state (params.js). Returns { variant, tokens, T, dIn, B, H, inputs, output, trace,
 * shown (tensors the cards show where they differ from the trace), stones, stateDict, args,
 * contextLength }. Throws InputError (page limits) or the library's TypeError/RangeError.
 */
export function compute(attn, s) {
  const mode = inputMode(s.input);
  const { tokens, x } = mode.feed(s);
  const v = variantById(s.variant);
  const T = x.length;
  const dIn = T > 0 ? x[0].length : 0;
  if (tokens.length !== T) throw new InputError(`${tokens.length} token names for ${T} rows of values`, 'x');
  checkLimits(v, T, dIn, s);
  const flat = Float32Array.from(x.flat());
  const inputs2d = attn.tensor(flat, [T, dIn]);

  if (!v.cls) {
    const r = attn[v.fn](inputs2d, { trace: true });
    return { variant: v, tokens, T, dIn, B: null, H: 1, inputs: inputs2d, output: r.output, trace: r.trace, shown: {}, stones: null, stateDict: {}, args: [], contextLength: null };
  }

  // The book feeds the batched classes torch.stack((inputs, inputs), dim=0): a batch of two.
  const B = v.batched ? 2 : null;
  const inputs = B ? attn.tensor(Float32Array.from({ length: 2 * flat.length }, (_, k) => flat[k % flat.length]), [2, T, dIn]) : inputs2d;
  const contextLength = s.contextLength === 'auto' ? T : s.contextLength;
  const values = { ...s, dIn, contextLength };
  const args = [...v.args.map((a) => values[a]), ...(v.options.length ? [Object.fromEntries(v.options.map((o) => [o, values[o]]))] : [])];

  attn.manualSeed(s.seed); // before construction: the weights, then dropout's masks, come from it
  const module = new attn[v.cls](...args);
  let r;
  let stateDict;
  try {
    if (v.dropout && !s.training) module.eval();
    r = module.forward(inputs, { trace: true });
    stateDict = module.stateDict();
  } finally {
    module.free();
  }
  const trace = r.trace;
  const shown = v.causal ? { scaled: maskedScaled(attn, trace.scaled, trace.masked) } : {};
  const H = v.heads ? s.numHeads : 1;

  let stones = null;
  if (v.steppingStones) {
    // Section 3.5.1 on the first batch item: softmax without the mask, then mask and renormalise.
    const unmasked = attn.softmax(firstMatrix(attn, trace.scaled));
    // Section 3.5.2: torch.manual_seed(seed); nn.Dropout(p)(torch.ones(T, T)), at the book's
    // p = 0.5 while the module's own p is 0 (nothing to see there).
    const p = s.dropout > 0 && s.dropout <= 1 ? s.dropout : 0.5;
    attn.manualSeed(s.seed);
    const dropout = new attn.Dropout(p);
    let dropoutOnes;
    try {
      dropoutOnes = dropout.forward(attn.ones([T, T]));
    } finally {
      dropout.free();
    }
    stones = { unmasked, tril: attn.chapter.trilOnes(T), renormalized: attn.chapter.maskAndRenormalize(unmasked), dropoutOnes, p };
  }
  return { variant: v, tokens, T, dIn, B, H, inputs, output: r.output, trace, shown, stones, stateDict, args, contextLength };
}
