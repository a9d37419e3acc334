// Every seeded case of modules.json and large.json, every op of generator.json and every softmax
// case, through the public JS API of the packed package (see API.md for the semantics of a case).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import {
  SMALL, assertClose, assertExact, decode, fixture, largeTolerance, loadAttn, nested, seedOf,
} from './setup.mjs';

const modules = fixture('modules.json');
const large = fixture('large.json');
const generator = fixture('generator.json');

let attn;
before(async () => {
  attn = await loadAttn();
});

const counted = { modules: 0, large: 0, traceEntries: 0, softmax: 0, sequences: 0, ops: {} };

const JS_CLASS = {
  SelfAttention_v1: 'SelfAttentionV1',
  SelfAttention_v2: 'SelfAttentionV2',
  CausalAttention: 'CausalAttention',
  MultiHeadAttentionWrapper: 'MultiHeadAttentionWrapper',
  MultiHeadAttention: 'MultiHeadAttention',
};

function construct(c) {
  const a = c.args;
  const opts = { qkvBias: a.qkv_bias };
  switch (c.class) {
    case 'SelfAttention_v1': return new attn.SelfAttentionV1(a.d_in, a.d_out);
    case 'SelfAttention_v2': return new attn.SelfAttentionV2(a.d_in, a.d_out, opts);
    case 'CausalAttention': return new attn.CausalAttention(a.d_in, a.d_out, a.context_length, a.dropout, opts);
    case 'MultiHeadAttentionWrapper':
      return new attn.MultiHeadAttentionWrapper(a.d_in, a.d_out, a.context_length, a.dropout, a.num_heads, opts);
    case 'MultiHeadAttention':
      return new attn.MultiHeadAttention(a.d_in, a.d_out, a.context_length, a.dropout, a.num_heads, opts);
    default: throw new Error(`unknown class ${c.class}`);
  }
}

// The input as a user would pass it: nested arrays for the small cases, a Float32Array-backed
// Tensor for the large ones.
function input(c, big) {
  if (!big) return nested(c.input);
  const d = decode(c.input);
  return attn.tensor(Float32Array.from(d.data), d.shape);
}

// Dropout masks are exact: a zero exactly where PyTorch's dropped value is zero.
function assertSameZeros(actual, expectedFixture, label) {
  const e = decode(expectedFixture).data;
  e.forEach((x, i) => assert.equal(actual.data[i] === 0, x === 0, `${label}: element ${i} is ${actual.data[i]}, expected ${x}`));
}

function runCase(c, { big }) {
  const x = input(c, big);
  const tolOut = big && c.input.shape.at(-2) >= 256 ? largeTolerance(c.output) : SMALL;
  if (c.class === 'simplified') {
    const plain = attn.simplifiedSelfAttention(x);
    assertClose(plain, c.output, tolOut, `${c.name}: output (untraced)`);
    if (c.trace) {
      const r = attn.simplifiedSelfAttention(x, { trace: true });
      assertClose(r.output, c.output, tolOut, `${c.name}: output (traced)`);
      checkTrace(c, r.trace, tolOut);
    }
    return;
  }
  const cls = JS_CLASS[c.class];
  const make = () => {
    attn.manualSeed(seedOf(c.seed));
    const m = construct(c);
    assert.equal(m.training, true, `${c.name}: modules start in training mode`);
    if (!c.training) assert.equal(m.eval(), m);
    assert.equal(m.training, c.training);
    return m;
  };

  // Untraced: state dict exactly, then the output.
  const m = make();
  const sd = m.stateDict();
  const keys = Object.keys(sd).filter((k) => k !== 'mask' && !k.endsWith('.mask'));
  assert.deepEqual(keys.sort(), Object.keys(c.state_dict).sort(), `${c.name}: stateDict keys`);
  for (const [k, v] of Object.entries(c.state_dict)) assertExact(sd[k], v, `${c.name}: stateDict ${k}`);
  const out = m.forward(x);
  assertClose(out, c.output, tolOut, `${c.name}: ${cls} output (untraced)`);
  m.free();

  // Traced, from an identical construction (same draws, same dropout masks).
  if (c.trace) {
    const m2 = make();
    const r = m2.forward(x, { trace: true });
    assertClose(r.output, c.output, tolOut, `${c.name}: ${cls} output (traced)`);
    checkTrace(c, r.trace, tolOut);
    if (c.training && c.args.dropout > 0) assertSameZeros(r.trace.dropped, c.trace.dropped, `${c.name}: dropout mask`);
    if (r.trace.dropoutMask) checkDropoutMask(c, r.trace);
    m2.free();
  }
}

// trace.dropoutMask is the mask PyTorch drew: wherever a weight is not zero, PyTorch's dropped
// value is non-zero exactly where the mask is 1; the mask is all ones when dropout draws nothing.
function checkDropoutMask(c, trace) {
  const { weights, dropoutMask } = trace;
  assert.deepEqual(dropoutMask.shape, weights.shape, `${c.name}: dropoutMask has the shape of weights`);
  const active = c.training && c.args.dropout > 0;
  const dropped = decode(c.trace.dropped).data;
  let kept = 0;
  dropoutMask.data.forEach((m, i) => {
    assert.ok(m === 0 || m === 1, `${c.name}: dropoutMask[${i}] is ${m}`);
    if (!active) assert.equal(m, 1, `${c.name}: dropoutMask[${i}] without dropout`);
    else if (weights.data[i] !== 0) assert.equal(m, dropped[i] !== 0 ? 1 : 0, `${c.name}: dropoutMask[${i}] against PyTorch's dropped value`);
    kept += m;
  });
  counted.traceEntries++;
}

function checkTrace(c, trace, tol) {
  const names = Object.keys(c.trace);
  assert.ok(names.length >= 6, `${c.name}: trace has only ${names.length} entries`);
  for (const name of names) {
    assert.ok(trace[name], `${c.name}: trace has no '${name}' (it has ${Object.keys(trace).join(', ')})`);
    assertClose(trace[name], c.trace[name], tol === SMALL ? SMALL : largeTolerance(c.trace[name]), `${c.name}: trace.${name}`);
    counted.traceEntries++;
  }
}

describe('modules.json: seeded cases (state dict exactly, output and trace within 1e-6 + 1e-6·|x|)', () => {
  test('the fixture has every class and both input ranks', () => {
    const classes = new Set(modules.cases.map((c) => c.class));
    assert.deepEqual([...classes].sort(), ['CausalAttention', 'MultiHeadAttention', 'MultiHeadAttentionWrapper',
      'SelfAttention_v1', 'SelfAttention_v2', 'simplified']);
    assert.equal(modules.cases.length, 68);
  });
  for (const c of modules.cases) {
    test(c.name, () => {
      runCase(c, { big: false });
      counted.modules++;
    });
  }
});

describe('large.json: T >= 256 within 1e-4·max|x| + 1e-4·|x|', () => {
  for (const c of large.cases) {
    test(c.name, () => {
      runCase(c, { big: true });
      counted.large++;
    });
  }
});

describe('modules.json softmax cases: every dim, -inf rows, large values', () => {
  test('all softmax cases', () => {
    for (const [i, s] of modules.softmax.entries()) {
      const out = attn.softmax(nested(s.input), s.dim);
      assertClose(out, s.out, SMALL, `softmax case ${i} (shape ${s.input.shape}, dim ${s.dim})`);
      // The same through a Float32Array-backed tensor.
      const d = decode(s.input);
      assertClose(attn.softmax(attn.tensor(Float32Array.from(d.data), d.shape), s.dim), s.out, SMALL, `softmax case ${i} (flat)`);
      counted.softmax++;
    }
    assert.equal(counted.softmax, 74);
    assert.ok(modules.softmax.some((s) => s.out.data.includes('NaN')), 'the -inf rows give NaN (all masked)');
  });
});

// ---- generator.json ----

const randnMismatches = [];
let randnLargeValues = 0;
const f32 = new Float32Array(2), i32 = new Int32Array(f32.buffer);
// Distance in float32 ulps (finite values of the same sign, as here).
function ulps(a, b) {
  f32[0] = a;
  f32[1] = b;
  return Math.abs(i32[0] - i32[1]);
}

// Performs one op with the global generator, checking its result; returns nothing. `linear`
// ops are checked through SelfAttentionV2, whose W_query is the first nn.Linear it draws, and
// then re-played as the equal number of uniform draws (rand) so the sequence can go on.
function performOp(op, label, { check }) {
  switch (op.op) {
    case 'manual_seed':
      attn.manualSeed(seedOf(op.seed));
      return;
    case 'rand':
    case 'rand_param': {
      const t = attn.rand(op.shape);
      if (check) assertExact(t, op.out, label);
      return;
    }
    case 'randn': {
      const t = attn.randn(op.shape);
      if (!check) return;
      if (t.data.length < 16) assertExact(t, op.out, label); // the cached-normal path: exact
      else {
        // The 16-wide Box-Muller path: PyTorch's AVX2 build ("out_avx2"); see the 'randn >= 16
        // elements' test below for exactness.
        const e = decode(op.out_avx2).data;
        assert.deepEqual(t.shape, op.out.shape, label);
        t.data.forEach((v, i) => {
          const d = ulps(v, e[i]);
          assert.ok(d <= 2, `${label}: element ${i} is ${v}, expected ${e[i]} (${d} ulps apart)`);
          if (d !== 0) randnMismatches.push(`${label} element ${i}: ${v} vs ${e[i]} (${d} ulp)`);
        });
        randnLargeValues += e.length;
      }
      return;
    }
    case 'dropout':
    case 'dropout_eval': {
      const d = new attn.Dropout(op.p);
      if (op.op === 'dropout_eval') d.eval();
      const t = d.forward(nested(op.input));
      d.free();
      if (check) {
        assertExact(t, op.out, label); // bit for bit, -0 where torch gives -0 (dropped negatives)
      }
      return;
    }
    case 'linear':
      // kaiming_uniform_ on the (out, in) weight, then uniform_ on the bias: one draw per value.
      attn.rand([op.out_features * op.in_features]);
      if (op.bias) attn.rand([op.out_features]);
      return;
    default:
      throw new Error(`${label}: unknown op ${op.op}`);
  }
}

describe('generator.json: every op of every sequence (rand, randn, dropout exactly; nn.Linear through SelfAttentionV2)', () => {
  for (const seq of generator.sequences) {
    test(seq.name, () => {
      attn.manualSeed(seedOf(seq.seed));
      seq.ops.forEach((op, k) => {
        const label = `${seq.name} op ${k} (${op.op})`;
        if (op.op === 'linear') {
          const sa = new attn.SelfAttentionV2(op.in_features, op.out_features, { qkvBias: op.bias });
          const sd = sa.stateDict();
          sa.free();
          assertExact(sd['W_query.weight'], op.weight, `${label} weight`);
          if (op.bias) assertExact(sd['W_query.bias'], op.bias_value, `${label} bias`);
          else assert.ok(!('W_query.bias' in sd), `${label}: no bias`);
          // Back to the state after this one nn.Linear: re-seed and replay the ops so far.
          let start = seq.ops.findLastIndex((o, i) => i < k && o.op === 'manual_seed');
          attn.manualSeed(seedOf(start < 0 ? seq.seed : seq.ops[start].seed));
          for (let i = start + 1; i <= k; i++) performOp(seq.ops[i], `${seq.name} replay ${i}`, { check: false });
        } else {
          performOp(op, label, { check: true });
        }
        counted.ops[op.op] = (counted.ops[op.op] ?? 0) + 1;
      });
      counted.sequences++;
    });
  }
});

// API.md: randn agrees exactly with one of PyTorch's two CPU builds: with 16+ elements, the AVX2
// build (the C++ core computes its vectorised log/sincos in portable float arithmetic,
// src/core/float_math.cpp; the scalar build's glibc logf/cosf/sinf are not available in wasm).
// This test runs after the sequences above.
test('generator.json: randn with >= 16 elements is exactly PyTorch AVX2 build', () => {
  assert.ok(randnLargeValues > 2000, `only ${randnLargeValues} randn values of the 16-wide path were compared`);
  assert.deepEqual(randnMismatches, [], `${randnMismatches.length} of ${randnLargeValues} values differ`);
});

after(() => {
  assert.equal(counted.modules, modules.cases.length, 'every modules.json case ran');
  assert.equal(counted.large, large.cases.length, 'every large.json case ran');
  assert.equal(large.cases.length, 5);
  assert.ok(counted.traceEntries >= 60 * 6, `only ${counted.traceEntries} trace entries compared`);
  assert.equal(counted.sequences, generator.sequences.length);
  const want = {};
  for (const s of generator.sequences) for (const o of s.ops) want[o.op] = (want[o.op] ?? 0) + 1;
  assert.deepEqual(counted.ops, want, 'every generator op ran');
  assert.equal(want.linear, 24);
});
