// What the book fixes: its sentence, its embeddings, its six variants with their settings, the
// PyTorch line behind every step, and which of its printed tensors each variant can be checked
// against. No computed number lives here: the page computes them all with the wasm module.

export const BOOK_TOKENS = ['Your', 'journey', 'starts', 'with', 'one', 'step'];

// Section 3.3: the 3-dimensional embeddings of "Your journey starts with one step" (x^1 .. x^6).
export const BOOK_INPUTS = [
  [0.43, 0.15, 0.89],
  [0.55, 0.87, 0.66],
  [0.57, 0.85, 0.64],
  [0.22, 0.58, 0.33],
  [0.77, 0.25, 0.10],
  [0.05, 0.80, 0.55],
];

// The page's own limits: it draws every matrix, so sizes stay where drawing them makes sense.
// (The library accepts far larger sizes; these are display limits, stated as such in messages.)
export const LIMITS = { tokens: 128, dIn: 64, dOut: 128, numHeads: 16, contextLength: 4096 };

/** Parameters a variant has, in the order of the controls. */
export const PARAMS = ['seed', 'dOut', 'numHeads', 'contextLength', 'dropout', 'qkvBias', 'training'];

const causalParams = ['seed', 'dOut', 'contextLength', 'dropout', 'qkvBias', 'training'];

export const VARIANTS = [
  {
    id: 'simplified',
    name: 'Simplified',
    cls: 'simplified self-attention',
    section: '3.3',
    params: [],
    book: {},
    batched: false,
    blurb: 'No trainable weights: every token is its own query, key and value. Scores are dot products of the inputs, softmax turns each row into weights, and each context vector is the weighted sum of all inputs.',
  },
  {
    id: 'v1',
    name: 'SelfAttention_v1',
    cls: 'SelfAttentionV1',
    section: '3.4',
    params: ['seed', 'dOut'],
    book: { seed: 123, dOut: 2 },
    batched: false,
    blurb: 'Trainable weight matrices W_query, W_key and W_value (torch.rand) project the inputs to queries, keys and values; scores are scaled by 1/√d_k before the softmax.',
  },
  {
    id: 'v2',
    name: 'SelfAttention_v2',
    cls: 'SelfAttentionV2',
    section: '3.4.2',
    params: ['seed', 'dOut', 'qkvBias'],
    book: { seed: 789, dOut: 2, qkvBias: false },
    batched: false,
    blurb: 'The same computation with nn.Linear layers, which initialise their weights differently (the book uses seed 789 here).',
  },
  {
    id: 'causal',
    name: 'CausalAttention',
    cls: 'CausalAttention',
    section: '3.5',
    params: causalParams,
    book: { seed: 123, dOut: 2, contextLength: 'auto', dropout: 0, qkvBias: false, training: true },
    batched: true,
    blurb: 'A causal mask hides the future: each token attends only to itself and the tokens before it. Dropout (training only) randomly zeroes attention weights.',
  },
  {
    id: 'wrapper',
    name: 'MultiHeadAttentionWrapper',
    cls: 'MultiHeadAttentionWrapper',
    section: '3.6.1',
    params: ['seed', 'dOut', 'numHeads', 'contextLength', 'dropout', 'qkvBias', 'training'],
    book: { seed: 123, dOut: 2, numHeads: 2, contextLength: 'auto', dropout: 0, qkvBias: false, training: true },
    batched: true,
    blurb: 'Several independent CausalAttention heads run side by side; their context vectors are concatenated, so the output has numHeads × d_out columns.',
  },
  {
    id: 'mha',
    name: 'MultiHeadAttention',
    cls: 'MultiHeadAttention',
    section: '3.6.2',
    params: ['seed', 'dOut', 'numHeads', 'contextLength', 'dropout', 'qkvBias', 'training'],
    book: { seed: 123, dOut: 2, numHeads: 2, contextLength: 'auto', dropout: 0, qkvBias: false, training: true },
    batched: true,
    blurb: 'One set of projections split into numHeads heads of d_out / numHeads dimensions each; the heads attend in parallel, are merged back, and out_proj mixes them.',
  },
];

export const variantById = (id) => VARIANTS.find((v) => v.id === id);

const pyFloat = (v) => (Number.isInteger(v) ? v.toFixed(1) : String(v));
const pyBool = (b) => (b ? 'True' : 'False');

/** The PyTorch lines that build and run this variant with these settings, as in the book. */
export function constructCode(id, p, T, dIn) {
  const ctx = p.contextLength === 'auto' ? T : p.contextLength;
  const mode = p.training ? '' : '.eval()';
  switch (id) {
    case 'simplified':
      return 'attn_weights = torch.softmax(inputs @ inputs.T, dim=-1)\nall_context_vecs = attn_weights @ inputs';
    case 'v1':
      return `torch.manual_seed(${p.seed})\nsa_v1 = SelfAttention_v1(d_in=${dIn}, d_out=${p.dOut})\nsa_v1(inputs)`;
    case 'v2':
      return `torch.manual_seed(${p.seed})\nsa_v2 = SelfAttention_v2(d_in=${dIn}, d_out=${p.dOut}, qkv_bias=${pyBool(p.qkvBias)})\nsa_v2(inputs)`;
    case 'causal':
      return `torch.manual_seed(${p.seed})\nca = CausalAttention(d_in=${dIn}, d_out=${p.dOut}, context_length=${ctx}, dropout=${pyFloat(p.dropout)}, qkv_bias=${pyBool(p.qkvBias)})${mode}\nca(batch)`;
    default: {
      const cls = id === 'wrapper' ? 'MultiHeadAttentionWrapper' : 'MultiHeadAttention';
      return `torch.manual_seed(${p.seed})\nmha = ${cls}(d_in=${dIn}, d_out=${p.dOut}, context_length=${ctx}, dropout=${pyFloat(p.dropout)}, num_heads=${p.numHeads}, qkv_bias=${pyBool(p.qkvBias)})${mode}\nmha(batch)`;
    }
  }
}

/** A variant's parameters as the book sets them (parameters a variant lacks keep neutral values). */
export function bookParams(id) {
  return { seed: 123, dOut: 2, numHeads: 2, contextLength: 'auto', dropout: 0, qkvBias: false, training: true, ...variantById(id).book };
}

// ---- the steps of the pipeline ----------------------------------------------------------------
//
// One entry per step: which trace key it shows, its title, a one-line explanation, the book's
// PyTorch line(s), and how its colours read ('signed': diverging around 0, 'weights': sequential).

export function stepSpecs(variant) {
  const id = variant.id;
  const v1 = id === 'v1';
  const mha = id === 'mha';
  const proj = (name, W) => {
    if (id === 'simplified') return null;
    if (v1) return [`${name} = x @ self.${W}`];
    if (mha) return [`${name} = self.${W}(x)`, `${name} = ${name}.view(b, num_tokens, self.num_heads, self.head_dim)`, `${name} = ${name}.transpose(1, 2)`];
    return [`${name} = self.${W}(x)`];
  };
  const scoresCode = {
    simplified: 'attn_scores = inputs @ inputs.T',
    v1: 'attn_scores = queries @ keys.T # omega',
    v2: 'attn_scores = queries @ keys.T',
    causal: 'attn_scores = queries @ keys.transpose(1, 2)',
    wrapper: 'attn_scores = queries @ keys.transpose(1, 2)',
    mha: 'attn_scores = queries @ keys.transpose(2, 3)',
  }[id];
  const causal = variant.batched;
  const steps = [];
  if (id !== 'simplified') {
    steps.push(
      { key: 'queries', title: 'Queries', symbol: 'Q', kind: 'signed', axis: 'dims', code: proj('queries', 'W_query'),
        explain: 'What each token is looking for: x projected by W_query.' },
      { key: 'keys', title: 'Keys', symbol: 'K', kind: 'signed', axis: 'dims', code: proj('keys', 'W_key'),
        explain: 'What each token offers to be matched: x projected by W_key.' },
      { key: 'values', title: 'Values', symbol: 'V', kind: 'signed', axis: 'dims', code: proj('values', 'W_value'),
        explain: 'What each token passes on when attended to: x projected by W_value.' },
    );
  }
  steps.push({
    key: 'scores', title: 'Attention scores', symbol: 'ω', kind: 'signed', axis: 'tokens', code: [scoresCode],
    explain: id === 'simplified'
      ? 'Dot product of each token (row) with each other token (column): how similar they are.'
      : 'Dot product of each query (row) with each key (column): how well they match.',
  });
  if (id !== 'simplified') {
    steps.push({
      key: 'scaled', title: 'Scaled by 1/√d_k', symbol: 'ω/√d_k', kind: 'signed', axis: 'tokens',
      code: ['attn_scores / keys.shape[-1]**0.5'],
      explain: 'Divided by √d_k so that softmax does not saturate as d_k grows.',
    });
  }
  if (causal) {
    steps.push({
      key: 'masked', title: 'Causal mask', symbol: '−∞', kind: 'signed', axis: 'tokens',
      code: [mha ? 'attn_scores.masked_fill_(mask_bool, -torch.inf)' : 'attn_scores.masked_fill_(self.mask.bool()[:num_tokens, :num_tokens], -torch.inf)'],
      explain: 'Future tokens (above the diagonal) become −∞, so softmax gives them weight 0. The book masks the unscaled scores, then divides inside the softmax: the order does not matter.',
    });
  }
  steps.push({
    key: 'weights', title: 'Attention weights', symbol: 'α', kind: 'weights', axis: 'tokens',
    code: [id === 'simplified' ? 'attn_weights = torch.softmax(attn_scores, dim=-1)' : 'attn_weights = torch.softmax(attn_scores / keys.shape[-1]**0.5, dim=-1)'],
    explain: 'Softmax along each row: how much each query attends to each key.',
  });
  if (causal) {
    steps.push({
      key: 'dropped', title: 'Dropout', symbol: 'drop', kind: 'weights', axis: 'tokens',
      code: ['attn_weights = self.dropout(attn_weights)'],
      explain: 'In training, each weight is zeroed with probability p; the rest are scaled by 1/(1−p).',
    });
  }
  steps.push({
    key: 'context', title: 'Context vectors', symbol: 'z', kind: 'signed', axis: 'dims',
    code: [id === 'simplified' ? 'all_context_vecs = attn_weights @ inputs'
      : mha ? 'context_vec = (attn_weights @ values).transpose(1, 2)' : 'context_vec = attn_weights @ values'],
    explain: id === 'simplified'
      ? 'Each row: the input vectors summed with that row\'s weights.'
      : 'Each row: the value vectors summed with that row\'s weights.',
  });
  return steps;
}

/** Steps after the heads: the wrapper's concatenation, MultiHeadAttention's merge and out_proj. */
export function outputSpecs(variant) {
  if (variant.id === 'wrapper') {
    return [{ key: 'output', title: 'Concatenated heads (output)', kind: 'signed', axis: 'dims',
      code: ['return torch.cat([head(x) for head in self.heads], dim=-1)'],
      explain: 'The heads\' context vectors side by side: numHeads × d_out columns.' }];
  }
  if (variant.id === 'mha') {
    return [
      { key: 'concat', title: 'Heads merged', kind: 'signed', axis: 'dims',
        code: ['context_vec = context_vec.contiguous().view(b, num_tokens, self.d_out)'],
        explain: 'The heads\' context vectors put back side by side into d_out columns: the input of out_proj.' },
      { key: 'output', title: 'Output projection', kind: 'signed', axis: 'dims',
        code: ['context_vec = self.out_proj(context_vec)'],
        explain: 'A linear layer (with bias) that mixes the heads: the module\'s output.' },
    ];
  }
  return [];
}

// ---- the book's printed tensors ---------------------------------------------------------------
//
// For each variant, the tensors the book prints that the page can recompute, with the settings
// under which the book printed them. `pick` takes the page's result and returns the page's
// tensor for that name ({ shape, data }). Names are the keys of tests/fixtures/chapter.json.

const row = (t, i) => {
  const cols = t.shape[t.shape.length - 1];
  return { shape: [cols], data: t.data.subarray(i * cols, (i + 1) * cols) };
};
const whole = (t) => ({ shape: t.shape, data: t.data });

export const BOOK_CHECKS = {
  simplified: [{
    settings: {},
    checks: [
      { name: 'attn_scores_2', section: '3.3.1', pick: (r) => row(r.trace.scores, 1) },
      { name: 'attn_weights_2', section: '3.3.1', pick: (r) => row(r.trace.weights, 1) },
      { name: 'context_vec_2', section: '3.3.1', pick: (r) => row(r.output, 1) },
      { name: 'attn_scores', section: '3.3.2', pick: (r) => whole(r.trace.scores) },
      { name: 'attn_weights', section: '3.3.2', pick: (r) => whole(r.trace.weights) },
      { name: 'all_context_vecs', section: '3.3.2', pick: (r) => whole(r.output) },
    ],
  }],
  v1: [{
    settings: { seed: 123, dOut: 2 },
    checks: [
      { name: 'W_query', section: '3.4.1', pick: (r) => whole(r.stateDict.W_query) },
      { name: 'W_key', section: '3.4.1', pick: (r) => whole(r.stateDict.W_key) },
      { name: 'W_value', section: '3.4.1', pick: (r) => whole(r.stateDict.W_value) },
      { name: 'query_2', section: '3.4.1', pick: (r) => row(r.trace.queries, 1) },
      { name: 'keys', section: '3.4.1', pick: (r) => whole(r.trace.keys) },
      { name: 'values', section: '3.4.1', pick: (r) => whole(r.trace.values) },
      { name: 'attn_scores_2_trainable', section: '3.4.1', pick: (r) => row(r.trace.scores, 1) },
      { name: 'attn_weights_2_trainable', section: '3.4.1', pick: (r) => row(r.trace.weights, 1) },
      { name: 'context_vec_2_trainable', section: '3.4.1', pick: (r) => row(r.output, 1) },
      { name: 'sa_v1_output', section: '3.4.2', pick: (r) => whole(r.output) },
    ],
  }],
  v2: [{
    settings: { seed: 789, dOut: 2, qkvBias: false },
    checks: [
      { name: 'sa_v2_output', section: '3.4.2', pick: (r) => whole(r.output) },
      { name: 'sa_v2_queries', section: '3.5.1', pick: (r) => whole(r.trace.queries) },
      { name: 'sa_v2_keys', section: '3.5.1', pick: (r) => whole(r.trace.keys) },
      { name: 'sa_v2_attn_scores', section: '3.5.1', pick: (r) => whole(r.trace.scores) },
      { name: 'sa_v2_attn_weights', section: '3.5.1', pick: (r) => whole(r.trace.weights) },
    ],
  }],
  causal: [
    {
      settings: { seed: 123, dOut: 2, qkvBias: false, dropout: 0 },
      checks: [{ name: 'ca_output', section: '3.5.3', pick: (r) => whole(r.output) }],
    },
    {
      // Section 3.5.1 masks the scores of SelfAttention_v2 (seed 789); CausalAttention draws its
      // three nn.Linear layers in the same order, so with seed 789 it has the same weights.
      settings: { seed: 789, dOut: 2, qkvBias: false, dropout: 0 },
      checks: [
        { name: 'masked', section: '3.5.1', pick: (r) => first(r.trace.masked) },
        { name: 'causal_attn_weights', section: '3.5.1', pick: (r) => first(r.trace.weights) },
      ],
    },
  ],
  wrapper: [{
    settings: { seed: 123, dOut: 2, numHeads: 2, qkvBias: false, dropout: 0 },
    checks: [{ name: 'mha_wrapper_output', section: '3.6.1', pick: (r) => whole(r.output) }],
  }],
  mha: [{
    settings: { seed: 123, dOut: 2, numHeads: 2, qkvBias: false, dropout: 0 },
    checks: [{ name: 'mha_output', section: '3.6.2', pick: (r) => whole(r.output) }],
  }],
};

// The first item of the batch: (B, T, T) -> (T, T).
function first(t) {
  const n = t.shape.slice(1).reduce((a, b) => a * b, 1);
  return { shape: t.shape.slice(1), data: t.data.subarray(0, n) };
}
