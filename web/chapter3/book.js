// What the book fixes: its sentence, its embeddings, and which of its printed tensors each
// variant can be checked against (the variants themselves are in variants.js, the steps in
// steps.js). No computed number lives here: the page computes them all with the wasm module.

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
      checks: [
        { name: 'ca_output', section: '3.5.3', pick: (r) => whole(r.output) },
        // Section 3.5.2: torch.manual_seed(123); nn.Dropout(0.5)(torch.ones(6, 6)).
        { name: 'dropout_ones', section: '3.5.2', pick: (r) => r.stones?.p === 0.5 && whole(r.stones.dropoutOnes) },
      ],
    },
    {
      // Section 3.5.1 masks the scores of SelfAttention_v2 (seed 789); CausalAttention draws its
      // three nn.Linear layers in the same order, so with seed 789 it has the same weights.
      settings: { seed: 789, dOut: 2, qkvBias: false, dropout: 0 },
      checks: [
        { name: 'sa_v2_attn_weights', section: '3.5.1', pick: (r) => r.stones && whole(r.stones.unmasked) },
        { name: 'mask_simple', section: '3.5.1', pick: (r) => r.stones && whole(r.stones.tril) },
        { name: 'masked_simple_norm', section: '3.5.1', pick: (r) => r.stones && whole(r.stones.renormalized) },
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
