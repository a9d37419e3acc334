// The chapter's six variants as records: which class runs, what it has (trainable projections, a
// causal mask, dropout, heads, out_proj), the book's settings, and the few lines of the book's code
// that differ from the rest. Everything the page does per variant reads these flags; nothing asks
// for a variant by name.
//
// A class's constructor arguments (`args`, in the book's order) and options, with their names in
// the book, come from the package's own class table (attn.classes), read once the module has
// loaded (bindClassTable); the page does not restate them.

export const VARIANTS = [
  {
    id: 'simplified',
    name: 'Simplified',
    title: 'simplified self-attention',
    fn: 'simplifiedSelfAttention', // a function of the package, not a class
    section: '3.3',
    args: [],
    options: [],
    book: {},
    projections: null, // the inputs are the queries, keys and values
    batched: false,
    causal: false,
    dropout: false,
    heads: null,
    outProj: false,
    code: {
      scores: 'attn_scores = inputs @ inputs.T',
      weights: 'attn_weights = torch.softmax(attn_scores, dim=-1)',
      context: 'all_context_vecs = attn_weights @ inputs',
      construct: 'attn_weights = torch.softmax(inputs @ inputs.T, dim=-1)\nall_context_vecs = attn_weights @ inputs',
    },
    blurb: 'No trainable weights: every token is its own query, key and value. Scores are dot products of the inputs, softmax turns each row into weights, and each context vector is the weighted sum of all inputs.',
  },
  {
    id: 'v1',
    name: 'SelfAttention_v1',
    cls: 'SelfAttentionV1',
    instance: 'sa_v1',
    section: '3.4',
    book: { seed: 123, dOut: 2 },
    projections: 'parameter', // nn.Parameter(torch.rand(d_in, d_out)), applied as x @ W
    batched: false,
    causal: false,
    dropout: false,
    heads: null,
    outProj: false,
    code: { scores: 'attn_scores = queries @ keys.T # omega' },
    blurb: 'Trainable weight matrices W_query, W_key and W_value (torch.rand) project the inputs to queries, keys and values; scores are scaled by 1/√d_k before the softmax.',
  },
  {
    id: 'v2',
    name: 'SelfAttention_v2',
    cls: 'SelfAttentionV2',
    instance: 'sa_v2',
    section: '3.4.2',
    book: { seed: 789, dOut: 2, qkvBias: false },
    projections: 'linear', // nn.Linear(d_in, d_out, bias=qkv_bias)
    batched: false,
    causal: false,
    dropout: false,
    heads: null,
    outProj: false,
    code: {},
    blurb: 'The same computation with nn.Linear layers, which initialise their weights differently (the book uses seed 789 here).',
  },
  {
    id: 'causal',
    name: 'CausalAttention',
    cls: 'CausalAttention',
    instance: 'ca',
    section: '3.5',
    book: { seed: 123, dOut: 2, contextLength: 'auto', dropout: 0, qkvBias: false, training: true },
    projections: 'linear',
    batched: true, // the book feeds torch.stack((inputs, inputs), dim=0)
    causal: true,
    dropout: true,
    heads: null,
    outProj: false,
    steppingStones: true, // section 3.5.1's mask-and-renormalise and 3.5.2's dropout on ones
    code: {},
    blurb: 'A causal mask hides the future: each token attends only to itself and the tokens before it. Dropout (training only) randomly zeroes attention weights.',
  },
  {
    id: 'wrapper',
    name: 'MultiHeadAttentionWrapper',
    cls: 'MultiHeadAttentionWrapper',
    instance: 'mha',
    section: '3.6.1',
    book: { seed: 123, dOut: 2, numHeads: 2, contextLength: 'auto', dropout: 0, qkvBias: false, training: true },
    projections: 'linear',
    batched: true,
    causal: true,
    dropout: true,
    heads: 'stacked', // numHeads CausalAttention modules, each d_out wide; outputs concatenated
    outProj: false,
    code: {},
    blurb: 'Several independent CausalAttention heads run side by side; their context vectors are concatenated, so the output has numHeads × d_out columns.',
  },
  {
    id: 'mha',
    name: 'MultiHeadAttention',
    cls: 'MultiHeadAttention',
    instance: 'mha',
    section: '3.6.2',
    book: { seed: 123, dOut: 2, numHeads: 2, contextLength: 'auto', dropout: 0, qkvBias: false, training: true },
    projections: 'linear',
    batched: true,
    causal: true,
    dropout: true,
    heads: 'split', // one projection, split into numHeads heads of d_out / numHeads
    outProj: true,
    code: {},
    blurb: 'One set of projections split into numHeads heads of d_out / numHeads dimensions each; the heads attend in parallel, are merged back, and out_proj mixes them.',
  },
];

export const DEFAULT_VARIANT = 'causal';

/**
 * Gives each variant that runs a class the class's constructor arguments and options from the
 * package's class table: args and options (names, in order) and pyNames (name -> the book's name).
 */
export function bindClassTable(classes) {
  for (const v of VARIANTS) {
    if (!v.cls) continue;
    const spec = classes?.find((c) => c.name === v.cls);
    if (!spec) throw new Error(`the package has no class ${v.cls} in its class table (attn.classes)`);
    v.args = spec.args.map((a) => a.name);
    v.options = spec.options.map((o) => o.name);
    v.pyNames = Object.fromEntries([...spec.args, ...spec.options].map((a) => [a.name, a.bookName]));
  }
}

export const variantById = (id) => VARIANTS.find((v) => v.id === id);

/**
 * The settings a variant has controls for, in the order of the controls: the seed for anything
 * with weights, its constructor arguments (d_in comes from the inputs), its options, and
 * train/eval where it has dropout.
 */
export function variantParams(v) {
  if (!v.cls) return [];
  return ['seed', ...v.args.filter((a) => a !== 'dIn'), ...v.options, ...(v.dropout ? ['training'] : [])];
}
