// Chapter 3, tensor by tensor (tests/fixtures/chapter.json), through the public JS API of the
// packed package: every value within API.md's small tolerance (random draws and dropout masks
// exactly) and every toString() equal to what PyTorch prints.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { SMALL, assertClose, assertExact, decode, fixture, loadAttn, nested } from './setup.mjs';

const chapter = fixture('chapter.json');
let attn;
const produced = new Map(); // fixture name -> Tensor made through the API
const checkedValues = new Set();
const checkedPrints = new Set();

before(async () => {
  attn = await loadAttn();
});

// A row of a 2-D tensor (or an element of a 1-D one) as a new tensor, the way the book indexes.
const row = (t, i) => attn.tensor(t.toArray()[i]);

function expectTensor(name, actual, { exact = false } = {}) {
  assert.ok(name in chapter.tensors, `chapter.json has no tensor '${name}'`);
  if (exact) assertExact(actual, chapter.tensors[name], name);
  else assertClose(actual, chapter.tensors[name], SMALL, name);
  produced.set(name, actual);
  checkedValues.add(name);
}

const inputs = () => nested(chapter.tensors.inputs);
const batch = () => nested(chapter.tensors.batch);

test('3.3: inputs, batch and the simplified self-attention (section 3.3.1, 3.3.2)', () => {
  expectTensor('inputs', attn.tensor(inputs()), { exact: true });
  expectTensor('batch', attn.tensor(batch()), { exact: true });

  const { output, trace } = attn.simplifiedSelfAttention(inputs(), { trace: true });
  for (const k of ['queries', 'keys', 'values']) assertExact(trace[k], chapter.tensors.inputs, `simplified trace.${k}`);
  expectTensor('attn_scores', trace.scores);
  expectTensor('attn_weights', trace.weights);
  expectTensor('all_context_vecs', output);
  assertClose(trace.context, chapter.tensors.all_context_vecs, SMALL, 'simplified trace.context');
  // The untraced call gives the same output.
  assertClose(attn.simplifiedSelfAttention(inputs()), chapter.tensors.all_context_vecs, SMALL, 'simplified (untraced)');

  // 3.3.1: the second token as the query.
  const scores2 = row(trace.scores, 1);
  expectTensor('attn_scores_2', scores2);
  expectTensor('attn_weights_2_tmp', attn.chapter.sumNormalize(scores2));
  expectTensor('attn_weights_2_naive', attn.chapter.softmaxNaive(scores2));
  expectTensor('attn_weights_2', attn.softmax(scores2, 0));
  assertClose(attn.softmax(scores2), chapter.tensors.attn_weights_2, SMALL, 'softmax(attn_scores_2) with dim = -1 by default');
  expectTensor('context_vec_2', row(output, 1));
  // The helpers also take the fixture's own values as nested arrays.
  assertClose(attn.chapter.sumNormalize(nested(chapter.tensors.attn_scores_2)), chapter.tensors.attn_weights_2_tmp, SMALL,
    'sumNormalize(fixture attn_scores_2)');
});

test('3.4: SelfAttentionV1 under seed 123: W_query/W_key/W_value, query_2, keys, values, scores, output', () => {
  attn.manualSeed(123);
  const sa = new attn.SelfAttentionV1(3, 2);
  const sd = sa.stateDict();
  assert.deepEqual(Object.keys(sd).sort(), ['W_key', 'W_query', 'W_value']);
  expectTensor('W_query', sd.W_query, { exact: true });
  expectTensor('W_key', sd.W_key, { exact: true });
  expectTensor('W_value', sd.W_value, { exact: true });

  const { output, trace } = sa.forward(inputs(), { trace: true });
  expectTensor('query_2', row(trace.queries, 1));
  expectTensor('keys', trace.keys);
  expectTensor('values', trace.values);
  expectTensor('attn_score_22', attn.tensor(trace.scores.at(1, 1)));
  expectTensor('attn_scores_2_trainable', row(trace.scores, 1));
  expectTensor('attn_weights_2_trainable', row(trace.weights, 1));
  expectTensor('context_vec_2_trainable', row(output, 1));
  expectTensor('sa_v1_output', output);
  // Untraced forward: the same numbers.
  assertClose(sa.forward(inputs()), chapter.tensors.sa_v1_output, SMALL, 'sa_v1 (untraced)');
  sa.free();
});

test('3.4: SelfAttentionV2 under seed 789: state dict, output, queries, keys, scores, weights', () => {
  attn.manualSeed(789);
  const sa = new attn.SelfAttentionV2(3, 2);
  const sd = sa.stateDict();
  assert.deepEqual(Object.keys(sd).sort(), Object.keys(chapter.sa_v2_state).sort());
  for (const [k, v] of Object.entries(chapter.sa_v2_state)) assertExact(sd[k], v, `sa_v2 stateDict ${k}`);
  const { output, trace } = sa.forward(inputs(), { trace: true });
  expectTensor('sa_v2_output', output);
  expectTensor('sa_v2_queries', trace.queries);
  expectTensor('sa_v2_keys', trace.keys);
  expectTensor('sa_v2_attn_scores', trace.scores);
  expectTensor('sa_v2_attn_weights', trace.weights);
  assertClose(sa.forward(inputs()), chapter.tensors.sa_v2_output, SMALL, 'sa_v2 (untraced)');
  sa.free();
});

test('3.5.1: the causal mask: tril, masked_simple, renormalised, -inf masking and its softmax', () => {
  const weights = attn.tensor(nested(chapter.tensors.sa_v2_attn_weights));
  const tril = attn.chapter.trilOnes(6);
  expectTensor('mask_simple', tril, { exact: true });
  // masked_simple = attn_weights * mask_simple: a multiply by exact 1 or 0, done here in JS.
  const w = produced.get('sa_v2_attn_weights') ?? weights;
  const product = new Float32Array(36).map((_, i) => w.data[i] * tril.data[i]);
  expectTensor('masked_simple', attn.tensor(product, [6, 6]));
  expectTensor('masked_simple_norm', attn.chapter.maskAndRenormalize(w));
  assertClose(attn.chapter.maskAndRenormalize(weights), chapter.tensors.masked_simple_norm, SMALL, 'maskAndRenormalize(fixture weights)');

  // masked (scores with -inf) and their softmax: V2's parameters in a CausalAttention, traced.
  const ca = new attn.CausalAttention(3, 2, 6, 0.0);
  ca.loadStateDict(Object.fromEntries(Object.entries(chapter.sa_v2_state).map(([k, v]) => [k, nested(v)])));
  for (const [k, v] of Object.entries(chapter.sa_v2_state)) assertExact(ca.stateDict()[k], v, `loaded ${k}`);
  const { trace } = ca.forward(inputs(), { trace: true });
  expectTensor('masked', trace.masked);
  expectTensor('causal_attn_weights', trace.weights);
  ca.free();
});

test('3.5.2: Dropout(0.5) under seed 123: the mask on ones and on the causal weights', () => {
  attn.manualSeed(123);
  const dropout = new attn.Dropout(0.5);
  assert.equal(dropout.training, true);
  expectTensor('dropout_ones', dropout.forward(attn.ones([6, 6])), { exact: true });
  attn.manualSeed(123);
  const weights = produced.get('causal_attn_weights') ?? attn.tensor(nested(chapter.tensors.causal_attn_weights));
  const out = dropout.forward(weights);
  expectTensor('dropout_weights', out);
  // The mask is exact: zero exactly where the book's is, 2·w elsewhere.
  const want = decode(chapter.tensors.dropout_weights).data;
  const ones = decode(chapter.tensors.dropout_ones).data;
  out.data.forEach((v, i) => {
    if (ones[i] === 0) assert.equal(v, 0, `dropout_weights[${i}] must be dropped`);
    else assert.equal(v, Math.fround(weights.data[i] * 2), `dropout_weights[${i}] must be 2·w`);
  });
  // The traced forward draws the same mask and returns it: 1 where the book's ones stayed (as 2).
  attn.manualSeed(123);
  const { trace } = dropout.forward(attn.ones([6, 6]), { trace: true });
  assert.deepEqual(Array.from(trace.dropoutMask.data), Array.from(ones, (v) => v / 2), 'trace.dropoutMask');
  // eval(): the identity, no draws.
  dropout.eval();
  assertExact(dropout.forward(weights), { shape: [6, 6], data: Array.from(weights.data) }, 'Dropout in eval mode');
  assert.ok(dropout.forward(weights, { trace: true }).trace.dropoutMask.data.every((v) => v === 1), 'eval: a mask of ones');
  dropout.free();
});

const MODULES = [
  ['CausalAttention', 'ca', () => new attn.CausalAttention(3, 2, 6, 0.0)],
  ['MultiHeadAttentionWrapper', 'mha_wrapper', () => new attn.MultiHeadAttentionWrapper(3, 2, 6, 0.0, 2)],
  ['MultiHeadAttention', 'mha', () => new attn.MultiHeadAttention(3, 2, 6, 0.0, 2)],
];

for (const [cls, key, make] of MODULES) {
  test(`3.5.3/3.6: ${cls} under seed 123 on the batch: state dict, output, trace`, () => {
    attn.manualSeed(123);
    const m = make();
    const sd = m.stateDict();
    const wantState = chapter[`${key}_state`];
    assert.deepEqual(Object.keys(sd).filter((k) => !k.endsWith('mask')).sort(), Object.keys(wantState).sort());
    for (const [k, v] of Object.entries(wantState)) assertExact(sd[k], v, `${cls} stateDict ${k}`);
    const { output, trace } = m.forward(batch(), { trace: true });
    expectTensor(`${key}_output`, output);
    const wantTrace = chapter[`${key}_trace`];
    for (const [k, v] of Object.entries(wantTrace)) {
      assert.ok(k in trace, `${cls} trace has no '${k}'`);
      assertClose(trace[k], v, SMALL, `${cls} trace.${k}`);
    }
    assertClose(m.forward(batch()), chapter.tensors[`${key}_output`], SMALL, `${cls} (untraced)`);
    // A (T, dIn) input is a batch of one, and the batch axis is dropped from output and trace.
    const single = m.forward(inputs(), { trace: true });
    const want = decode(chapter.tensors[`${key}_output`]);
    assertClose(single.output, { shape: want.shape.slice(1), data: want.data.slice(0, want.data.length / 2) }, SMALL, `${cls} 2-D input`);
    for (const [k, v] of Object.entries(wantTrace)) {
      const d = decode(v);
      assert.deepEqual(single.trace[k].shape, d.shape.slice(1), `${cls} 2-D input: trace.${k} drops the batch axis`);
    }
    m.free();
  });
}

test('toString() prints exactly what PyTorch prints for every chapter tensor', () => {
  for (const [name, want] of Object.entries(chapter.printed)) {
    const t = produced.get(name);
    assert.ok(t, `no tensor was produced for '${name}'`);
    assert.equal(t.toString(), want, `toString() of ${name}`);
    assert.equal(String(t), want, `String() of ${name}`);
    checkedPrints.add(name);
  }
});

test('toString() of the fixture values themselves (made with attn.tensor) matches PyTorch', () => {
  // Independent of our arithmetic: the exact PyTorch values must print as PyTorch prints them.
  for (const [name, want] of Object.entries(chapter.printed)) {
    const d = decode(chapter.tensors[name]);
    const t = d.shape.length === 0 ? attn.tensor(d.data[0]) : attn.tensor(Float32Array.from(d.data), d.shape);
    assert.equal(t.toString(), want, `toString() of fixture ${name}`);
  }
});

after(() => {
  // Nothing may pass vacuously: every tensor of chapter.json was reproduced and printed.
  const all = Object.keys(chapter.tensors);
  const missing = all.filter((k) => !checkedValues.has(k));
  assert.deepEqual(missing, [], `chapter tensors not reproduced: ${missing.join(', ')}`);
  assert.equal(checkedPrints.size, all.length, 'every printed string was compared');
});
