// The steps of the pipeline, read from a variant's flags (variants.js): which trace key each card
// shows, its title, a one-line explanation, the book's PyTorch line(s), and how its colours read
// ('signed': diverging around 0, 'weights': sequential from 0). Also the code that builds the
// module, written with the book's argument names from the package's class table.

/** The steps each head goes through, in the order of the book's forward(). */
export function stepSpecs(v) {
  const split = v.heads === 'split';
  const proj = (name, W) => {
    if (v.projections === 'parameter') return [`${name} = x @ self.${W}`];
    if (split) return [`${name} = self.${W}(x)`, `${name} = ${name}.view(b, num_tokens, self.num_heads, self.head_dim)`, `${name} = ${name}.transpose(1, 2)`];
    return [`${name} = self.${W}(x)`];
  };
  const steps = [];
  if (v.projections) {
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
    key: 'scores', title: 'Attention scores', symbol: 'ω', kind: 'signed', axis: 'tokens',
    code: [v.code.scores ?? (v.batched ? `attn_scores = queries @ keys.transpose(${split ? '2, 3' : '1, 2'})` : 'attn_scores = queries @ keys.T')],
    explain: v.projections
      ? 'Dot product of each query (row) with each key (column): how well they match.'
      : 'Dot product of each token (row) with each other token (column): how similar they are.',
  });
  if (v.causal) {
    // The book masks the raw scores in place, then scales them inside the softmax: the cards
    // follow that order, so the mask shows unscaled scores and the scaling shows masked ones.
    steps.push({
      key: 'masked', title: 'Causal mask', symbol: '−∞', kind: 'signed', axis: 'tokens',
      code: split
        ? ['mask_bool = self.mask.bool()[:num_tokens, :num_tokens]', 'attn_scores.masked_fill_(mask_bool, -torch.inf)']
        : ['attn_scores.masked_fill_(self.mask.bool()[:num_tokens, :num_tokens], -torch.inf)'],
      explain: 'Future tokens (above the diagonal) become −∞, so softmax will give them weight 0.',
      note: 'These are the unscaled scores: the book masks first, in place, and scales inside the softmax (next card).',
    });
  }
  if (v.projections) {
    steps.push({
      key: 'scaled', title: v.causal ? 'Masked scores ÷ √d_k' : 'Scaled by 1/√d_k', symbol: 'ω/√d_k', kind: 'signed', axis: 'tokens',
      code: ['attn_scores / keys.shape[-1]**0.5'],
      explain: v.causal
        ? 'The masked scores divided by √d_k: what the softmax receives. −∞ stays −∞.'
        : 'Divided by √d_k so that softmax does not saturate as d_k grows.',
    });
  }
  steps.push({
    key: 'weights', title: 'Attention weights', symbol: 'α', kind: 'weights', axis: 'tokens',
    code: [v.code.weights ?? 'attn_weights = torch.softmax(attn_scores / keys.shape[-1]**0.5, dim=-1)'],
    explain: 'Softmax along each row: how much each query attends to each key.',
  });
  if (v.dropout) {
    steps.push({
      key: 'dropped', title: 'Dropout', symbol: 'drop', kind: 'weights', axis: 'tokens',
      code: ['attn_weights = self.dropout(attn_weights)'],
      explain: 'In training, each weight is zeroed with probability p; the rest are scaled by 1/(1−p).',
    });
  }
  steps.push({
    key: 'context', title: 'Context vectors', symbol: 'z', kind: 'signed', axis: 'dims',
    code: [v.code.context ?? (split ? 'context_vec = (attn_weights @ values).transpose(1, 2)' : 'context_vec = attn_weights @ values')],
    explain: v.projections ? 'Each row: the value vectors summed with that row\'s weights.' : 'Each row: the input vectors summed with that row\'s weights.',
  });
  return steps;
}

/** Steps after the heads: the wrapper's concatenation, MultiHeadAttention's merge and out_proj. */
export function outputSpecs(v) {
  if (v.heads === 'stacked') {
    return [{ key: 'output', title: 'Concatenated heads (output)', kind: 'signed', axis: 'dims',
      code: ['return torch.cat([head(x) for head in self.heads], dim=-1)'],
      explain: 'The heads\' context vectors side by side: numHeads × d_out columns.' }];
  }
  if (v.heads === 'split') {
    return [
      { key: 'concat', title: 'Heads merged', kind: 'signed', axis: 'dims',
        code: ['context_vec = context_vec.contiguous().view(b, num_tokens, self.d_out)'],
        explain: 'The heads\' context vectors put back side by side into d_out columns: the input of out_proj.' },
      ...(v.outProj ? [{ key: 'output', title: 'Output projection', kind: 'signed', axis: 'dims',
        code: ['context_vec = self.out_proj(context_vec)'],
        explain: 'A linear layer (with bias) that mixes the heads: the module\'s output.' }] : []),
    ];
  }
  return [];
}

/**
 * Section 3.5's stepping stones, for a variant that has them: 3.5.1 masks the weights after the
 * softmax and renormalises each row (the same weights as masking with −∞ first), and 3.5.2 shows
 * dropout on a matrix of ones.
 */
export function stoneSpecs(p, seed, T) {
  return [
    { key: 'unmasked', title: 'Weights without the mask', kind: 'weights', axis: 'tokens',
      code: ['attn_weights = torch.softmax(attn_scores / keys.shape[-1]**0.5, dim=-1)'],
      explain: 'Section 3.5.1 starts from the weights of the unmasked scores: every token still sees the future.' },
    { key: 'tril', title: 'A mask of ones', kind: 'weights', axis: 'tokens',
      code: [`mask_simple = torch.tril(torch.ones(context_length, context_length))  # ${T} × ${T}`],
      explain: 'Ones on and below the diagonal: the keys each query may see.' },
    { key: 'renormalized', title: 'Masked, then renormalised', kind: 'weights', axis: 'tokens',
      code: ['masked_simple = attn_weights * mask_simple', 'row_sums = masked_simple.sum(dim=-1, keepdim=True)', 'masked_simple_norm = masked_simple / row_sums'],
      explain: 'Zero the future, then divide each row by its sum: the same numbers as the attention weights above, which mask with −∞ before the softmax instead.' },
    { key: 'dropoutOnes', title: `Dropout on ones (p = ${p})`, kind: 'weights', axis: 'tokens',
      code: [`torch.manual_seed(${seed})`, `dropout = torch.nn.Dropout(${pyFloat(p)})`, `example = torch.ones(${T}, ${T})`, 'dropout(example)'],
      explain: p === 1 ? 'Section 3.5.2, at p = 1: every entry is zeroed.'
        : `Section 3.5.2: each entry is zeroed with probability p; the survivors become 1/(1 − p) = ${+(1 / (1 - p)).toPrecision(4)}.` },
  ];
}

// ---- the code that builds the module ----------------------------------------------------------

const pyFloat = (v) => (Number.isInteger(v) ? v.toFixed(1) : String(v));
const pyValue = (name, v) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : name === 'dropout' ? pyFloat(v) : String(v));

/** The PyTorch lines that build and run this variant with these settings, as in the book. */
export function constructCode(v, s, T, dIn) {
  if (!v.cls) return v.code.construct;
  const values = { ...s, dIn, contextLength: s.contextLength === 'auto' ? T : s.contextLength };
  const args = [...v.args, ...v.options].map((a) => `${v.pyNames[a]}=${pyValue(a, values[a])}`);
  const mode = v.dropout && !s.training ? '.eval()' : '';
  return `torch.manual_seed(${s.seed})\n${v.instance} = ${v.name}(${args.join(', ')})${mode}\n${v.instance}(${v.batched ? 'batch' : 'inputs'})`;
}
