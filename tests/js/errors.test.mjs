// API.md "Errors", case by case, for every class and function where the case applies: (a) the
// right class (TypeError for wrong kinds, RangeError for wrong sizes or values), (b) a message
// that names the class (or function) and the argument, (c) a correct result from the SAME
// module instance / the same wasm instance afterwards. Plus the hardening list: sizes whose
// product overflows 32 bits, shapes beyond the memory cap (refused before the heap grows),
// T = 0, contextLength 0, numHeads 0, seeds out of range, NaN / Infinity in the data.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';

import {
  SMALL, assertClose, assertExact, decode, fixture, loadAttn, nested, packedProject, seedOf,
} from './setup.mjs';

const chapter = fixture('chapter.json');
const generator = fixture('generator.json');
const nanCases = JSON.parse(readFileSync(new URL('./fixtures/nan_cases.json', import.meta.url), 'utf8'));

const INPUTS = nested(chapter.tensors.inputs);
const BATCH = nested(chapter.tensors.batch);

let attn;
let startMemory;
const count = { errors: 0, type: 0, range: 0, afterChecks: 0 };

before(async () => {
  attn = await loadAttn();
  startMemory = attn.memory();
});

// ---- helpers ----------------------------------------------------------------------------------

/**
 * Asserts fn throws exactly `Cls` (TypeError or RangeError, not a subclass of the other, not a
 * wasm RuntimeError) whose message contains every string of `parts`. Returns the error.
 */
function throwsWith(fn, Cls, parts, label) {
  let error = null;
  try {
    fn();
  } catch (err) {
    error = err;
  }
  assert.ok(error, `${label}: no error was thrown`);
  assert.equal(error.constructor, Cls, `${label}: threw ${error.constructor?.name}: ${error.message}, expected a ${Cls.name}`);
  assert.ok(!(error instanceof WebAssembly.RuntimeError), `${label}: a wasm trap`);
  for (const p of parts) assert.ok(error.message.includes(p), `${label}: the message "${error.message}" does not mention "${p}"`);
  assert.equal(typeof error.module, 'string', `${label}: the error carries no module`);
  assert.ok(error.message.startsWith(`${error.module}: `), `${label}: the message "${error.message}" does not start with its module '${error.module}'`);
  count.errors++;
  if (Cls === TypeError) count.type++;
  else count.range++;
  return error;
}

const typeError = (fn, parts, label) => throwsWith(fn, TypeError, parts, label);
const rangeError = (fn, parts, label) => throwsWith(fn, RangeError, parts, label);

test('errors carry the module and the offending argument, from JS checks and from the core alike', () => {
  const cases = [
    [() => new attn.MultiHeadAttention(3, 5, 6, 0, 2), RangeError, 'MultiHeadAttention', 'dOut'],
    [() => new attn.CausalAttention(3, 2, 0, 0), RangeError, 'CausalAttention', 'contextLength'],
    [() => new attn.CausalAttention(3, 2, 6, 1.5), RangeError, 'CausalAttention', 'dropout'],
    [() => new attn.CausalAttention(3, '2', 6, 0), TypeError, 'CausalAttention', 'dOut'],
    [() => new attn.SelfAttentionV2(3, 2, { qkvBias: 1 }), TypeError, 'SelfAttentionV2', 'qkvBias'],
    [() => new attn.CausalAttention(3, 2, 6, 0).forward(attn.ones([7, 3])), RangeError, 'CausalAttention', 'x'],
    [() => new attn.SelfAttentionV1(3, 2).forward(attn.ones([6, 4])), RangeError, 'SelfAttentionV1', 'x'],
    [() => new attn.SelfAttentionV1(3, 2).forward([[1, 2], [3]]), RangeError, 'SelfAttentionV1', 'x'],
    [() => attn.softmax(attn.ones([2, 2]), 3), RangeError, 'softmax', 'dim'],
    [() => attn.manualSeed('1'), TypeError, 'manualSeed', 'seed'],
    [() => attn.rand([2, -1]), RangeError, 'rand', 'shape'],
    [() => new attn.SelfAttentionV1(3, 2).loadStateDict({ W_query: attn.ones([2, 3]) }), RangeError, 'SelfAttentionV1', 'stateDict'],
  ];
  for (const [fn, Cls, module, argument] of cases) {
    const err = throwsWith(fn, Cls, [], `${module}/${argument}`);
    assert.equal(err.module, module, `${err.message}: module`);
    assert.equal(err.argument, argument, `${err.message}: argument`);
  }
});

// The book's modules and what they must give (chapter.json): used to check "still correct".
const BOOK = {
  SelfAttentionV1: { seed: 123, make: () => new attn.SelfAttentionV1(3, 2), x: INPUTS, out: 'sa_v1_output' },
  SelfAttentionV2: { seed: 789, make: () => new attn.SelfAttentionV2(3, 2), x: INPUTS, out: 'sa_v2_output' },
  CausalAttention: { seed: 123, make: () => new attn.CausalAttention(3, 2, 6, 0.0), x: BATCH, out: 'ca_output' },
  MultiHeadAttentionWrapper: {
    seed: 123, make: () => new attn.MultiHeadAttentionWrapper(3, 2, 6, 0.0, 2), x: BATCH, out: 'mha_wrapper_output',
  },
  MultiHeadAttention: { seed: 123, make: () => new attn.MultiHeadAttention(3, 2, 6, 0.0, 2), x: BATCH, out: 'mha_output' },
};

function bookModule(cls) {
  attn.manualSeed(BOOK[cls].seed);
  return BOOK[cls].make();
}

/** The module still computes the book's output (and the wasm instance is alive). */
function stillCorrect(m, cls, label) {
  assertClose(m.forward(BOOK[cls].x), chapter.tensors[BOOK[cls].out], SMALL, `${label}: ${cls} afterwards`);
  count.afterChecks++;
}

/** A fresh book MultiHeadAttention from the same wasm instance gives the book's numbers. */
function instanceStillCorrect(label) {
  const m = bookModule('MultiHeadAttention');
  try {
    stillCorrect(m, 'MultiHeadAttention', label);
  } finally {
    m.free();
  }
}

/** The Dropout module under seed 123 still draws the book's mask. */
function dropoutStillCorrect(d, label) {
  d.train();
  attn.manualSeed(123);
  assertExact(d.forward(attn.ones([6, 6])), chapter.tensors.dropout_ones, `${label}: Dropout afterwards`);
  count.afterChecks++;
}

const heapUnchanged = (before, label) => {
  const now = attn.memory();
  assert.equal(now.heapSize, before.heapSize, `${label}: the wasm heap grew from ${before.heapSize} to ${now.heapSize}`);
  assert.ok(now.inUse <= before.inUse + 4096, `${label}: ${now.inUse - before.inUse} bytes more in use`);
};

// ---- constructor arguments --------------------------------------------------------------------

const CTOR = {
  Dropout: { args: [0.5], names: ['p'], sizes: [], probs: [0], options: false },
  SelfAttentionV1: { args: [3, 2], names: ['dIn', 'dOut'], sizes: [0, 1], probs: [], options: false },
  SelfAttentionV2: { args: [3, 2], names: ['dIn', 'dOut'], sizes: [0, 1], probs: [], options: true },
  CausalAttention: {
    args: [3, 2, 6, 0.0], names: ['dIn', 'dOut', 'contextLength', 'dropout'], sizes: [0, 1, 2], probs: [3], options: true,
  },
  MultiHeadAttentionWrapper: {
    args: [3, 2, 6, 0.0, 2], names: ['dIn', 'dOut', 'contextLength', 'dropout', 'numHeads'], sizes: [0, 1, 2, 4], probs: [3],
    options: true,
  },
  MultiHeadAttention: {
    args: [3, 2, 6, 0.0, 2], names: ['dIn', 'dOut', 'contextLength', 'dropout', 'numHeads'], sizes: [0, 1, 2, 4], probs: [3],
    options: true,
  },
};
const construct = (cls, args) => new attn[cls](...args);
const withArg = (args, i, v) => args.map((a, j) => (j === i ? v : a));

const BAD_SIZE_RANGE = [
  [NaN, '(NaN)'], [Infinity, '(Infinity)'], [-Infinity, '(-Infinity)'], [2.5, '(2.5)'], [0, '(0)'], [-1, '(-1)'],
  [-0.5, '(-0.5)'], [2 ** 31, '(2147483648)'], [1e300, ''], [Number.MAX_VALUE, ''],
];
const BAD_KIND = [['3', 'string'], [3n, 'BigInt'], [null, 'null'], [undefined, 'undefined'], [{}, 'object'], [[3], 'array'],
  [true, 'boolean']];

describe('constructor arguments', () => {
  for (const [cls, spec] of Object.entries(CTOR)) {
    test(`${cls}: sizes that are not positive integers are RangeErrors; other kinds TypeErrors`, () => {
      let n = 0;
      for (const i of spec.sizes) {
        for (const [v, shown] of BAD_SIZE_RANGE) {
          rangeError(() => construct(cls, withArg(spec.args, i, v)), [cls, spec.names[i], shown], `${cls} ${spec.names[i]} = ${v}`);
          n++;
        }
        for (const [v, kind] of BAD_KIND) {
          typeError(() => construct(cls, withArg(spec.args, i, v)), [cls, spec.names[i]], `${cls} ${spec.names[i]} = ${kind}`);
          n++;
        }
      }
      assert.equal(n, spec.sizes.length * (BAD_SIZE_RANGE.length + BAD_KIND.length));
      instanceStillCorrect(cls);
    });

    if (spec.probs.length) {
      test(`${cls}: ${spec.names[spec.probs[0]]} outside [0, 1] or NaN is a RangeError; 0 and 1 are accepted`, () => {
        const i = spec.probs[0], arg = spec.names[i];
        for (const [v, shown] of [[1.5, '(1.5)'], [-0.1, '(-0.1)'], [NaN, '(NaN)'], [Infinity, '(Infinity)'], [-Infinity, '(-Infinity)'],
          [1.0000001, '(1.0000001)']]) {
          rangeError(() => construct(cls, withArg(spec.args, i, v)), [cls, arg, shown, '[0, 1]'], `${cls} ${arg} = ${v}`);
        }
        for (const [v, kind] of [['0.1', 'string'], [null, 'null'], [undefined, 'undefined'], [0n, 'BigInt'], [{}, 'object']]) {
          typeError(() => construct(cls, withArg(spec.args, i, v)), [cls, arg], `${cls} ${arg} = ${kind}`);
        }
        for (const ok of [0, 1, 0.5, -0]) construct(cls, withArg(spec.args, i, ok)).free();
        if (cls === 'Dropout') {
          const d = new attn.Dropout(0.5);
          dropoutStillCorrect(d, cls);
          d.free();
        } else instanceStillCorrect(cls);
      });
    }

    if (spec.options) {
      test(`${cls}: options must be an object with a boolean qkvBias`, () => {
        const i = spec.args.length;
        for (const [opts, what] of [['x', 'options'], [null, 'options'], [1, 'options'], [{ qkvBias: 'yes' }, 'qkvBias'],
          [{ qkvBias: 1 }, 'qkvBias'], [{ qkvBias: null }, 'qkvBias']]) {
          typeError(() => construct(cls, withArg([...spec.args, undefined], i, opts)), [cls, what], `${cls} options ${JSON.stringify(opts)}`);
        }
        const withBias = construct(cls, [...spec.args, { qkvBias: true }]);
        assert.ok(Object.keys(withBias.stateDict()).some((k) => k.endsWith('W_query.bias')), `${cls} { qkvBias: true } has biases`);
        withBias.free();
        instanceStillCorrect(cls);
      });
    }
  }

  test('MultiHeadAttention: dOut % numHeads != 0 is a RangeError with the exact API.md message', () => {
    rangeError(() => new attn.MultiHeadAttention(3, 5, 6, 0.0, 2), ['MultiHeadAttention: dOut (5) must be divisible by numHeads (2)'], 'MHA 5/2');
    const e = rangeError(() => new attn.MultiHeadAttention(3, 6, 6, 0.0, 4), ['MultiHeadAttention', 'dOut (6)', 'numHeads (4)'], 'MHA 6/4');
    assert.equal(e.message, 'MultiHeadAttention: dOut (6) must be divisible by numHeads (4)');
    rangeError(() => new attn.MultiHeadAttention(3, 2, 6, 0.0, 3), ['dOut (2)', 'numHeads (3)'], 'MHA 2/3 (more heads than dOut)');
    // The wrapper stacks numHeads heads of dOut each: PyTorch has no such rule there.
    attn.manualSeed(1);
    const w = new attn.MultiHeadAttentionWrapper(3, 5, 6, 0.0, 2);
    assert.deepEqual(w.forward(BATCH).shape, [2, 6, 10]);
    w.free();
    instanceStillCorrect('dOut % numHeads');
  });

  test('contextLength 0 and numHeads 0 are RangeErrors', () => {
    for (const cls of ['CausalAttention', 'MultiHeadAttentionWrapper', 'MultiHeadAttention']) {
      rangeError(() => construct(cls, withArg(CTOR[cls].args, 2, 0)), [cls, 'contextLength (0)', 'positive integer'], `${cls} contextLength 0`);
    }
    for (const cls of ['MultiHeadAttentionWrapper', 'MultiHeadAttention']) {
      rangeError(() => construct(cls, withArg(CTOR[cls].args, 4, 0)), [cls, 'numHeads (0)'], `${cls} numHeads 0`);
    }
    instanceStillCorrect('contextLength/numHeads 0');
  });

  test('sizes whose product overflows 32 bits are RangeErrors before anything is allocated', () => {
    const before = attn.memory();
    const cases = [
      ['SelfAttentionV1', [70000, 70000]],
      ['SelfAttentionV1', [65536, 65536]], // exactly 2^32 floats
      ['SelfAttentionV2', [70000, 70000]],
      ['SelfAttentionV2', [65536, 65536, { qkvBias: true }]],
      ['CausalAttention', [70000, 70000, 6, 0.0]],
      ['CausalAttention', [1 << 30, 4, 6, 0.0]], // 2^32 floats per projection
      ['MultiHeadAttentionWrapper', [70000, 70000, 6, 0.0, 2]],
      ['MultiHeadAttentionWrapper', [3, 2, 6, 0.0, 1 << 30]], // 2^30 heads
      ['MultiHeadAttention', [70000, 70000, 6, 0.0, 2]],
      ['MultiHeadAttention', [3, 65536, 6, 0.0, 1]], // out_proj alone is 2^32 floats
      ['MultiHeadAttention', [1 << 30, 1 << 30, 6, 0.0, 1 << 30]],
    ];
    for (const [cls, args] of cases) {
      rangeError(() => construct(cls, args), [cls, 'weights', 'MiB'], `${cls}(${args.join(', ')})`);
      heapUnchanged(before, `${cls}(${args.join(', ')})`);
    }
    instanceStillCorrect('32-bit overflow');
  });

  test('contextLength up to 2^30 is fine (no (T, T) buffer is made up front); beyond is a RangeError', () => {
    const before = attn.memory();
    attn.manualSeed(123);
    const ca = new attn.CausalAttention(3, 2, 1 << 30, 0.0);
    assertClose(ca.forward(BATCH), chapter.tensors.ca_output, SMALL, 'CausalAttention with contextLength 2^30');
    ca.free();
    heapUnchanged(before, 'contextLength 2^30');
    rangeError(() => new attn.CausalAttention(3, 2, 2 ** 30 + 1, 0.0), ['CausalAttention', 'contextLength (1073741825)'], 'contextLength 2^30 + 1');
  });
});

// ---- forward ------------------------------------------------------------------------------------

const RAGGED = [
  [[[0.1, 0.2, 0.3], [0.1, 0.2]], 'x[1]'],
  [[[[0.1, 0.2, 0.3]], [[0.1, 0.2, 0.3], [1, 2, 3]]], 'x[1]'],
  [[[0.1, 0.2, [0.3]]], 'x[0][2]'],
  [[[0.1, 0.2, 0.3], 0.5], 'x[1]'],
];
const NON_NUMERIC = [
  [[[0.1, 0.2, '0.3']], 'string'], [[[0.1, 0.2, null]], 'null'], [[[0.1, 0.2, undefined]], 'undefined'],
  // eslint-disable-next-line no-sparse-arrays
  [[[0.1, 0.2, ,]], 'undefined'], [[[0.1, 0.2, 3n]], 'BigInt'], [[[0.1, 0.2, {}]], 'object'], [[[0.1, true, 0.3]], 'boolean'],
];
const NOT_A_TENSOR = [['abc', 'string'], [null, 'null'], [undefined, 'undefined'], [{}, 'object'], [{ shape: [1, 3], data: [1, 2, 3] }, 'object'],
  [new BigInt64Array(3), 'BigInt64Array'], [Symbol('x'), 'symbol']];

describe('forward arguments', () => {
  for (const cls of Object.keys(BOOK)) {
    test(`${cls}: shape mismatch with dIn, wrong rank, T > contextLength, ragged, non-numeric; the instance stays correct`, () => {
      const m = bookModule(cls);
      const causal = !cls.startsWith('SelfAttention');
      const check = (label) => stillCorrect(m, cls, label);
      // dIn
      for (const shape of causal ? [[2, 6, 4], [6, 2], [1, 1, 1]] : [[6, 4], [6, 2], [1, 1]]) {
        rangeError(() => m.forward(attn.zeros(shape)), [cls, 'dIn = 3', `${shape.at(-1)} features`], `${cls} shape ${shape}`);
        check(`after shape ${shape}`);
      }
      // rank
      const badRanks = causal ? [[3], [1, 2, 6, 3], [1, 1, 1, 1, 3], []] : [[3], [2, 6, 3], [1, 1, 1, 3], []];
      for (const shape of badRanks) {
        rangeError(() => m.forward(attn.zeros(shape)), [cls, 'input x', `rank ${shape.length}`], `${cls} rank ${shape.length}`);
        check(`after rank ${shape.length}`);
      }
      rangeError(() => m.forward(3), [cls, 'rank 0'], `${cls} forward(3)`);
      // T > contextLength
      if (causal) {
        rangeError(() => m.forward(attn.zeros([1, 7, 3])), [cls, 'T = 7', 'contextLength (6)'], `${cls} T 7`);
        rangeError(() => m.forward(attn.zeros([7, 3])), [cls, 'T = 7', 'contextLength (6)'], `${cls} T 7 (2-D)`);
        check('after T > contextLength');
      }
      for (const [x, where] of RAGGED) {
        rangeError(() => m.forward(x), [cls, 'ragged', where], `${cls} ragged ${JSON.stringify(x)}`);
        check('after ragged');
      }
      for (const [x, kind] of NON_NUMERIC) {
        typeError(() => m.forward(x), [cls, 'numbers'], `${cls} element ${kind}`);
        check(`after element ${kind}`);
      }
      for (const [x, kind] of NOT_A_TENSOR) {
        typeError(() => m.forward(x), [cls, 'x'], `${cls} forward(${kind})`);
      }
      for (const opts of [null, 'trace', 1]) typeError(() => m.forward(BOOK[cls].x, opts), [cls, 'options'], `${cls} options ${opts}`);
      for (const trace of ['yes', 1, null]) typeError(() => m.forward(BOOK[cls].x, { trace }), [cls, 'trace'], `${cls} trace ${trace}`);
      typeError(() => m.train('no'), [cls, 'mode'], `${cls} train('no')`);
      assert.equal(m.training, true);
      check('at the end');
      m.free();
    });
  }

  test('Dropout: ragged and non-numeric input; any shape is accepted, as nn.Dropout does', () => {
    const d = new attn.Dropout(0.5);
    for (const [x, where] of RAGGED) rangeError(() => d.forward(x), ['Dropout', 'ragged', where], `Dropout ragged ${where}`);
    for (const [x, kind] of NON_NUMERIC) typeError(() => d.forward(x), ['Dropout', 'numbers'], `Dropout element ${kind}`);
    for (const [x, kind] of NOT_A_TENSOR) typeError(() => d.forward(x), ['Dropout', 'x'], `Dropout forward(${kind})`);
    typeError(() => d.forward([1], { trace: 'yes' }), ['Dropout', 'trace'], 'Dropout trace');
    for (const shape of [[], [5], [2, 3, 4], [1, 1, 1, 2, 2]]) assert.deepEqual(d.forward(attn.ones(shape)).shape, shape);
    dropoutStillCorrect(d, 'Dropout');
    d.free();
  });
});

// ---- functions ----------------------------------------------------------------------------------

describe('functions', () => {
  test('softmax: dim out of range and non-integer dims are RangeErrors, other kinds TypeErrors', () => {
    const x = [[1, 2, 3], [4, 5, 6]];
    for (const [dim, shown] of [[2, '(2)'], [-3, '(-3)'], [100, '(100)'], [0.5, '(0.5)'], [NaN, '(NaN)'], [Infinity, '(Infinity)'],
      [-Infinity, '(-Infinity)'], [1e20, ''], [2 ** 53, '']]) {
      rangeError(() => attn.softmax(x, dim), ['softmax', 'dim', shown], `softmax dim ${dim}`);
    }
    rangeError(() => attn.softmax(attn.tensor(2), 1), ['softmax', 'dim (1)'], 'softmax of a 0-d tensor, dim 1');
    rangeError(() => attn.softmax([1, 2, 3], -2), ['softmax', 'dim (-2)'], 'softmax 1-D dim -2');
    for (const [dim, kind] of [['0', 'string'], [0n, 'BigInt'], [null, 'null'], [{}, 'object']]) {
      typeError(() => attn.softmax(x, dim), ['softmax', 'dim'], `softmax dim ${kind}`);
    }
    for (const [bad, where] of RAGGED) rangeError(() => attn.softmax(bad), ['softmax', 'ragged', where], 'softmax ragged');
    for (const [bad, kind] of NON_NUMERIC) typeError(() => attn.softmax(bad), ['softmax', 'numbers'], `softmax element ${kind}`);
    for (const [bad, kind] of NOT_A_TENSOR) typeError(() => attn.softmax(bad), ['softmax'], `softmax(${kind})`);
    // afterwards: the book's weights
    assertClose(attn.softmax(nested(chapter.tensors.attn_scores)), chapter.tensors.attn_weights, SMALL, 'softmax afterwards');
    assertClose(attn.softmax(nested(chapter.tensors.attn_scores), -2), { shape: [6, 6], data: transposeSoftmaxT(chapter.tensors.attn_scores) },
      SMALL, 'softmax dim -2');
  });

  test('simplifiedSelfAttention: wrong rank, ragged, non-numeric, bad options', () => {
    const who = 'simplifiedSelfAttention';
    for (const shape of [[3], [2, 6, 3], []]) rangeError(() => attn.simplifiedSelfAttention(attn.zeros(shape)), [who, `rank ${shape.length}`], `${who} rank`);
    for (const [x, where] of RAGGED.slice(0, 1)) rangeError(() => attn.simplifiedSelfAttention(x), [who, 'ragged', where], `${who} ragged`);
    for (const [x, kind] of NON_NUMERIC) typeError(() => attn.simplifiedSelfAttention(x), [who, 'numbers'], `${who} ${kind}`);
    typeError(() => attn.simplifiedSelfAttention(INPUTS, { trace: 1 }), [who, 'trace'], `${who} trace 1`);
    assertClose(attn.simplifiedSelfAttention(INPUTS), chapter.tensors.all_context_vecs, SMALL, `${who} afterwards`);
  });

  test('chapter helpers: ragged, non-numeric, non-square weights, trilOnes sizes and memory', () => {
    for (const fn of ['sumNormalize', 'softmaxNaive', 'maskAndRenormalize']) {
      rangeError(() => attn.chapter[fn]([[1, 2], [3]]), [fn, 'ragged'], `${fn} ragged`);
      typeError(() => attn.chapter[fn]([[1, '2'], [3, 4]]), [fn, 'numbers'], `${fn} string element`);
      typeError(() => attn.chapter[fn](null), [fn], `${fn}(null)`);
    }
    rangeError(() => attn.chapter.maskAndRenormalize([[1, 2, 3]]), ['maskAndRenormalize', 'square'], 'maskAndRenormalize (1, 3)');
    for (const [v, shown] of BAD_SIZE_RANGE) rangeError(() => attn.chapter.trilOnes(v), ['trilOnes', 't', shown], `trilOnes(${v})`);
    for (const [v, kind] of BAD_KIND) typeError(() => attn.chapter.trilOnes(v), ['trilOnes', 't'], `trilOnes(${kind})`);
    const before = attn.memory();
    rangeError(() => attn.chapter.trilOnes(100000), ['trilOnes', 'MiB'], 'trilOnes(100000)');
    rangeError(() => attn.chapter.trilOnes(65536), ['trilOnes', 'MiB'], 'trilOnes(65536): 2^32 floats');
    heapUnchanged(before, 'trilOnes');
    assertExact(attn.chapter.trilOnes(6), chapter.tensors.mask_simple, 'trilOnes afterwards');
    assertClose(attn.chapter.sumNormalize(nested(chapter.tensors.attn_scores_2)), chapter.tensors.attn_weights_2_tmp, SMALL, 'sumNormalize afterwards');
  });

  test('rand / randn / zeros / ones / tensor: shapes and data', () => {
    for (const fn of ['rand', 'randn', 'zeros', 'ones']) {
      for (const [shape, kind] of [[3, 'number'], ['3', 'string'], [null, 'null'], [undefined, 'undefined'], [{}, 'object']]) {
        typeError(() => attn[fn](shape), [fn, 'shape'], `${fn}(${kind})`);
      }
      for (const [shape, kind] of [[['2']], [[2n]], [[null]]]) typeError(() => attn[fn](shape), [fn, 'shape[0]'], `${fn}([${kind}])`);
      for (const [shape, shown] of [[[-1], '(-1)'], [[2.5], '(2.5)'], [[NaN], '(NaN)'], [[2, Infinity], '(Infinity)']]) {
        rangeError(() => attn[fn](shape), [fn, 'shape', shown], `${fn}(${JSON.stringify(shape)})`);
      }
      const before = attn.memory();
      for (const shape of [[2 ** 32], [65536, 65536], [1e6, 1e6], [0, 2 ** 32], [2 ** 31, 2]]) {
        rangeError(() => attn[fn](shape), [fn], `${fn}(${JSON.stringify(shape)})`);
      }
      heapUnchanged(before, fn);
    }
    rangeError(() => attn.tensor([1, 2, 3], [2, 2]), ['tensor', 'shape (2, 2)', '3 values'], 'tensor data/shape mismatch');
    rangeError(() => attn.tensor([[1, 2], [3]]), ['tensor', 'ragged'], 'tensor ragged');
    typeError(() => attn.tensor([[1, 2], [3, 'x']]), ['tensor', 'numbers'], 'tensor string');
    typeError(() => attn.tensor(new BigInt64Array(2), [2]), ['tensor', 'BigInt64Array'], 'tensor BigInt64Array');
    typeError(() => attn.tensor(new BigInt64Array(0), [0]), ['tensor', 'BigInt64Array'], 'tensor empty BigInt64Array');
    typeError(() => attn.tensor('1, 2'), ['tensor'], 'tensor string');
    // The Tensor class: its constructor checks its fields, and so does every call that takes one
    // (they are plain properties a caller may replace).
    rangeError(() => new attn.Tensor(new Float32Array(2), [6, 3]), ['Tensor', 'data', 'shape (6, 3)'], 'Tensor data/shape mismatch');
    typeError(() => new attn.Tensor([1, 2, 3], [3]), ['Tensor', 'data', 'Float32Array'], 'Tensor of a plain array');
    typeError(() => new attn.Tensor(new Float32Array(3), ['3']), ['Tensor', 'shape[0]'], 'Tensor shape of strings');
    rangeError(() => new attn.Tensor(new Float32Array(3), [-3]), ['Tensor', 'shape[0] (-3)'], 'Tensor negative shape');
    const v1 = bookModule('SelfAttentionV1');
    const t = attn.tensor(INPUTS);
    t.data = new Float32Array(3);
    rangeError(() => v1.forward(t), ['SelfAttentionV1', 'x.data', 'shape (6, 3)'], 'a Tensor whose data was replaced');
    t.data = null;
    typeError(() => v1.forward(t), ['SelfAttentionV1', 'x.data', 'Float32Array'], 'a Tensor whose data is null');
    t.data = new Float32Array(18);
    t.shape = [6, '3'];
    typeError(() => v1.forward(t), ['SelfAttentionV1', 'shape[1]'], 'a Tensor whose shape holds a string');
    typeError(() => attn.softmax(t), ['softmax', 'shape[1]'], 'softmax of a Tensor whose shape holds a string');
    stillCorrect(v1, 'SelfAttentionV1', 'after broken Tensors');
    v1.free();
    const u = attn.tensor([[1, 2], [3, 4]]);
    rangeError(() => u.at(0), ['Tensor.at', '2 indices'], 'at() with too few indices');
    rangeError(() => u.at(0, 2), ['Tensor.at', 'index 2'], 'at() out of range');
    typeError(() => u.at(0, 0.5), ['Tensor.at', 'index 1'], 'at() non-integer');
    assert.equal(u.at(-1, -1), 4);
    // afterwards: torch.rand under seed 123 is the book's W_query
    attn.manualSeed(123);
    assertExact(attn.rand([3, 2]), chapter.tensors.W_query, 'rand afterwards');
  });

  test('manualSeed: non-integers, unsafe numbers and BigInts outside [-2^63, 2^64) are RangeErrors', () => {
    for (const [seed, shown] of [[2.5, '(2.5)'], [NaN, '(NaN)'], [Infinity, '(Infinity)'], [-Infinity, '(-Infinity)'], [2 ** 53, '(9007199254740992)'],
      [-(2 ** 53), '(-9007199254740992)'], [1e20, ''], [2n ** 64n, '(18446744073709551616)'], [-(2n ** 63n) - 1n, '(-9223372036854775809)'],
      [2n ** 100n, '']]) {
      rangeError(() => attn.manualSeed(seed), ['manualSeed', 'seed', shown], `manualSeed(${seed})`);
    }
    for (const [seed, kind] of [['1', 'string'], [null, 'null'], [undefined, 'undefined'], [{}, 'object'], [[1], 'array'], [true, 'boolean']]) {
      typeError(() => attn.manualSeed(seed), ['manualSeed', 'seed'], `manualSeed(${kind})`);
    }
    // Every seed of generator.json's seed_* sequences: as a BigInt, and as a number when safe.
    let n = 0;
    for (const seq of generator.sequences.filter((s) => s.name.startsWith('seed_'))) {
      const want = seq.ops[0];
      assert.equal(want.op, 'rand');
      attn.manualSeed(BigInt(seq.seed));
      assertExact(attn.rand(want.shape), want.out, `manualSeed(${seq.seed}n)`);
      const s = seedOf(seq.seed);
      if (typeof s === 'number') {
        attn.manualSeed(s);
        assertExact(attn.rand(want.shape), want.out, `manualSeed(${seq.seed})`);
      }
      n++;
    }
    assert.ok(n >= 24, `only ${n} seed sequences`);
    attn.manualSeed(-0);
    const a = attn.rand([4]);
    attn.manualSeed(0n);
    assert.deepEqual(attn.rand([4]).data, a.data, 'manualSeed(-0) is manualSeed(0)');
    instanceStillCorrect('manualSeed');
  });
});

function transposeSoftmaxT(t) {
  // softmax over dim -2 of a (6, 6) tensor, in float64, for a reference
  const { data } = decode(t);
  const out = new Array(36);
  for (let j = 0; j < 6; j++) {
    let max = -Infinity;
    for (let i = 0; i < 6; i++) max = Math.max(max, data[i * 6 + j]);
    let sum = 0;
    for (let i = 0; i < 6; i++) sum += Math.exp(data[i * 6 + j] - max);
    for (let i = 0; i < 6; i++) out[i * 6 + j] = Math.exp(data[i * 6 + j] - max) / sum;
  }
  return out;
}

// ---- state dicts ----------------------------------------------------------------------------------

describe('loadStateDict', () => {
  for (const cls of Object.keys(BOOK)) {
    test(`${cls}: unknown, missing and mis-shaped keys are RangeErrors, bad values TypeErrors; nothing is half-loaded`, () => {
      const m = bookModule(cls);
      const good = m.stateDict();
      const keys = Object.keys(good);
      assert.ok(keys.length >= 3);
      const zeroed = (k) => attn.zeros(good[k].shape);
      // unknown key (alongside a changed good key: must not be half-applied)
      rangeError(() => m.loadStateDict({ ...good, [keys[0]]: zeroed(keys[0]), 'W_bogus.weight': [[1]] }), [cls, "unknown key 'W_bogus.weight'"],
        `${cls} unknown key`);
      stillCorrect(m, cls, 'after unknown key');
      for (const k of keys) {
        const missing = { ...good, [keys[0]]: zeroed(keys[0]) };
        if (k === keys[0]) continue;
        delete missing[k];
        rangeError(() => m.loadStateDict(missing), [cls, `missing key '${k}'`], `${cls} missing ${k}`);
        stillCorrect(m, cls, `after missing ${k}`);
      }
      for (const k of keys) {
        const s = good[k].shape;
        const wrong = s.length === 1 ? [s[0] + 1] : [s[1], s[0] + 1];
        rangeError(() => m.loadStateDict({ ...good, [keys[0]]: zeroed(keys[0]), [k]: attn.zeros(wrong) }), [cls, `'${k}'`, 'shape'],
          `${cls} mis-shaped ${k}`);
        rangeError(() => m.loadStateDict({ ...good, [k]: attn.zeros([...s, 1]) }), [cls, `'${k}'`], `${cls} ${k} of rank ${s.length + 1}`);
      }
      stillCorrect(m, cls, 'after mis-shaped keys');
      for (const [v, kind] of [['x', 'string'], [null, 'null'], [undefined, 'undefined'], [{ shape: [1], data: [1] }, 'plain object'], [5n, 'BigInt']]) {
        typeError(() => m.loadStateDict({ ...good, [keys[1]]: v }), [cls, keys[1]], `${cls} value ${kind}`);
      }
      rangeError(() => m.loadStateDict({ ...good, [keys[1]]: [[1, 2], [3]] }), [cls, 'ragged'], `${cls} ragged value`);
      typeError(() => m.loadStateDict({ ...good, [keys[1]]: [[1, 2], [3, '4']] }), [cls, 'numbers'], `${cls} string element`);
      for (const [obj, kind] of [[null, 'null'], [undefined, 'undefined'], [[good], 'array'], ['sd', 'string'], [3, 'number']]) {
        typeError(() => m.loadStateDict(obj), [cls, 'loadStateDict'], `${cls} loadStateDict(${kind})`);
      }
      if (!cls.startsWith('SelfAttention')) {
        const maskKey = cls === 'MultiHeadAttentionWrapper' ? 'heads.0.mask' : 'mask';
        const triu = attn.tensor(Array.from({ length: 6 }, (_, i) => Array.from({ length: 6 }, (_, j) => (j > i ? 1 : 0))));
        rangeError(() => m.loadStateDict({ ...good, [maskKey]: attn.zeros([6, 6]) }), [cls, 'mask'], `${cls} wrong mask`);
        rangeError(() => m.loadStateDict({ ...good, [maskKey]: attn.zeros([5, 5]) }), [cls, 'mask'], `${cls} mis-shaped mask`);
        m.loadStateDict({ ...good, [maskKey]: triu }); // the right buffer is accepted (PyTorch's state_dict has it)
      }
      stillCorrect(m, cls, 'after bad values');
      // A good load (nested arrays) round-trips exactly.
      m.loadStateDict(Object.fromEntries(Object.entries(good).map(([k, v]) => [k, v.toArray()])));
      for (const k of keys) assert.deepEqual(m.stateDict()[k].data, good[k].data);
      stillCorrect(m, cls, 'after a good load');
      m.free();
    });
  }

  test('Dropout has an empty state dict; any key is unknown', () => {
    const d = new attn.Dropout(0.5);
    assert.deepEqual(d.stateDict(), {});
    d.loadStateDict({});
    rangeError(() => d.loadStateDict({ weight: [1] }), ['Dropout', "unknown key 'weight' (it has no parameters: expected an empty state dict)"], 'Dropout unknown key');
    dropoutStillCorrect(d, 'Dropout');
    d.free();
  });
});

// ---- free() ---------------------------------------------------------------------------------------

describe('use after free()', () => {
  for (const cls of [...Object.keys(BOOK), 'Dropout']) {
    test(`${cls}: every method after free() is a TypeError naming the class and the method`, () => {
      const m = cls === 'Dropout' ? new attn.Dropout(0.5) : bookModule(cls);
      const sd = m.stateDict();
      m.free();
      const calls = {
        forward: () => m.forward(BOOK[cls]?.x ?? [1, 2]),
        'forward(trace)': () => m.forward(BOOK[cls]?.x ?? [1, 2], { trace: true }),
        train: () => m.train(),
        'train(false)': () => m.train(false),
        eval: () => m.eval(),
        training: () => m.training,
        stateDict: () => m.stateDict(),
        loadStateDict: () => m.loadStateDict(sd),
      };
      for (const [name, call] of Object.entries(calls)) {
        typeError(call, [cls, name.replace(/\(.*/, ''), 'free()'], `${cls}.${name} after free()`);
      }
      m.free(); // a second free() is harmless
      m.free();
      instanceStillCorrect(`${cls} after free()`);
    });
  }
});

// ---- memory cap -----------------------------------------------------------------------------------

describe('shapes beyond the memory cap: a RangeError before the heap grows', () => {
  test('traced forwards whose (T, T) matrices exceed the cap, for every class and function', () => {
    const before = attn.memory();
    const cases = [
      ['SelfAttentionV1', [2, 2], [30000, 2]],
      ['SelfAttentionV2', [2, 2], [30000, 2]],
      ['CausalAttention', [2, 2, 1 << 20, 0.0], [1, 30000, 2]],
      ['CausalAttention', [2, 2, 1 << 20, 0.0], [30000, 2]],
      ['MultiHeadAttentionWrapper', [2, 2, 1 << 20, 0.0, 2], [1, 20000, 2]],
      ['MultiHeadAttention', [2, 4, 1 << 20, 0.0, 4], [8, 8192, 2]],
      ['MultiHeadAttention', [2, 4, 1 << 20, 0.0, 4], [65536, 2]],
    ];
    for (const [cls, args, shape] of cases) {
      const m = construct(cls, args);
      const x = attn.zeros(shape);
      const mark = attn.memory();
      rangeError(() => m.forward(x, { trace: true }), [cls, 'MiB', 'memory limit'], `${cls} traced forward ${shape}`);
      heapUnchanged(mark, `${cls} traced forward ${shape}`);
      m.free();
    }
    rangeError(() => attn.simplifiedSelfAttention(attn.zeros([40000, 1]), { trace: true }), ['simplifiedSelfAttention', 'MiB'],
      'simplifiedSelfAttention T 40000');
    heapUnchanged(before, 'simplifiedSelfAttention');
    instanceStillCorrect('memory cap');
  });

  test('untraced forwards too large even without (T, T) matrices: (B·T, dOut) projections beyond the cap', () => {
    const start = attn.memory();
    // 2^20 rows of 1024 outputs: 4 GiB per projection, from an input of 4 MiB.
    const cases = [
      ['SelfAttentionV1', [1, 1024], [1 << 20, 1]],
      ['SelfAttentionV2', [1, 1024], [1 << 20, 1]],
      ['CausalAttention', [1, 1024, 8, 0.0], [1 << 17, 8, 1]],
      ['MultiHeadAttentionWrapper', [1, 1024, 8, 0.0, 2], [1 << 17, 8, 1]],
      ['MultiHeadAttention', [1, 1024, 8, 0.0, 2], [1 << 17, 8, 1]],
    ];
    for (const [cls, args, shape] of cases) {
      const m = construct(cls, args).eval();
      const x = attn.zeros(shape);
      const before = attn.memory();
      rangeError(() => m.forward(x), [cls, 'MiB', 'memory limit'], `${cls} forward ${shape}`);
      heapUnchanged(before, `${cls} forward ${shape}`);
      m.free();
    }
    heapUnchanged(start, 'all projection cases');
    instanceStillCorrect('projections beyond the cap');
  });

  // Were the plan to miss a part, the heap would grow (for good: wasm memory never shrinks)
  // before bad_alloc: each case runs in its own child process. Untraced, the classes hold one
  // sequence's q | k | v at a time, so what exceeds the cap is the (B·T, dOut) output; traced, the
  // (B, H, T, headDim) projections the trace keeps; in training with dropout, the same output.
  const PROJECTION_CASES = [ // every case needs more than the 4 GiB heap can hold
    ['SelfAttentionV1', [1, 65536], [6000, 1], false],
    ['SelfAttentionV2', [1, 65536], [6000, 1], false],
    ['CausalAttention', [1, 65536, 8, 0.0], [16384, 1, 1], false],
    ['CausalAttention', [1, 65536, 8, 0.0], [8192, 1, 1], true],
    ['CausalAttention', [1, 65536, 8, 0.5], [16384, 1, 1], false], // training with dropout: the materialised path
    ['MultiHeadAttentionWrapper', [1, 65536, 8, 0.0, 1], [16384, 1, 1], false],
    ['MultiHeadAttentionWrapper', [1, 65536, 8, 0.0, 1], [8192, 1, 1], true],
    ['MultiHeadAttention', [1, 8192, 8, 0.0, 1], [131072, 1, 1], false],
    ['MultiHeadAttention', [1, 8192, 8, 0.0, 1], [65536, 1, 1], true],
  ];
  test('outputs and projections beyond the cap are refused before the heap grows, traced and dropout paths too (child processes)', () => {
    const { entry } = packedProject();
    const grew = [];
    for (const [cls, args, shape, trace] of PROJECTION_CASES) {
      const script = `
        const { init } = await import(${JSON.stringify(pathToFileURL(entry).href)});
        const attn = await init();
        const m = new attn[${JSON.stringify(cls)}](...${JSON.stringify(args)});
        const x = attn.zeros(${JSON.stringify(shape)});
        const before = attn.memory().heapSize;
        let error = null;
        try { m.forward(x, { trace: ${trace} }); } catch (e) { error = e; }
        console.log(JSON.stringify({ kind: error?.constructor.name, message: error?.message, grew: attn.memory().heapSize - before }));
      `;
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60000 });
      assert.equal(r.status, 0, r.stderr);
      const got = JSON.parse(r.stdout.trim().split('\n').at(-1));
      const label = `${cls}(${args.join(', ')}).forward(${shape}${trace ? ', trace' : ''})`;
      assert.equal(got.kind, 'RangeError', `${label}: ${got.kind} ${got.message}`);
      if (got.grew !== 0 || !got.message.includes(cls)) grew.push(`${label}: heap +${(got.grew / 2 ** 20).toFixed(0)} MiB, "${got.message}"`);
    }
    assert.deepEqual(grew, [], 'refused only after the heap grew');
  });
});

// ---- message details ------------------------------------------------------------------------------

test('messages name the class and print numbers as JavaScript prints them (10, not 1e+01)', () => {
  const wrong = [];
  const expect = (fn, part, label) => {
    try {
      fn();
      wrong.push(`${label}: no error`);
    } catch (e) {
      if (!e.message.includes(part)) wrong.push(`${label}: "${e.message}" lacks "${part}"`);
    }
  };
  expect(() => new attn.CausalAttention(3, 2, 6, 10), 'dropout (10)', 'CausalAttention dropout 10');
  expect(() => new attn.Dropout(-20), 'p (-20)', 'Dropout p -20');
  expect(() => new attn.SelfAttentionV1(-100, 2), 'dIn (-100)', 'SelfAttentionV1 dIn -100');
  expect(() => new attn.SelfAttentionV2(3e9, 2), 'dIn (3000000000)', 'SelfAttentionV2 dIn 3e9');
  expect(() => new attn.MultiHeadAttention(3, 2, 6, 0, 1.5e9), 'numHeads (1500000000)', 'MultiHeadAttention numHeads 1.5e9');
  for (const cls of ['SelfAttentionV1', 'SelfAttentionV2']) {
    const m = new attn[cls](1, 1024);
    expect(() => m.forward(attn.zeros([1 << 20, 1])), `${cls}:`, `${cls} projections beyond the cap`);
    m.free();
  }
  const v1 = new attn.SelfAttentionV1(1, 65536); // (6000, 3 · 65536) q | k | v: 4500 MiB
  expect(() => v1.forward(attn.zeros([6000, 1])), 'would need 4500 MiB', 'a MiB amount printed as JavaScript prints 4500');
  v1.free();
  assert.deepEqual(wrong, []);
});

// ---- T = 0 ------------------------------------------------------------------------------------------

describe('T = 0 and B = 0 behave as in PyTorch: empty outputs of the right shape, no error, no draws', () => {
  const SHAPES = {
    CausalAttention: { dOut: 2, heads: null },
    MultiHeadAttentionWrapper: { dOut: 4, heads: 2, headDim: 2 },
    MultiHeadAttention: { dOut: 2, heads: 2, headDim: 1 },
  };
  for (const [cls, s] of Object.entries(SHAPES)) {
    test(`${cls}: (2, 0, 3), (0, 6, 3), (0, 0, 3) and (0, 3)`, () => {
      const m = bookModule(cls);
      for (const [B, T] of [[2, 0], [0, 6], [0, 0]]) {
        const { output, trace } = m.forward(attn.zeros([B, T, 3]), { trace: true });
        assert.deepEqual(output.shape, [B, T, s.dOut], `${cls} (${B}, ${T}, 3)`);
        assert.equal(output.data.length, 0);
        assert.equal(output.toString(), `tensor([], size=(${B}, ${T}, ${s.dOut}))`);
        const hd = s.heads ? s.headDim : 2;
        const lead = s.heads ? [B, s.heads] : [B];
        for (const k of ['queries', 'keys', 'values', 'context']) assert.deepEqual(trace[k].shape, [...lead, T, hd], `${cls} trace.${k}`);
        for (const k of ['scores', 'masked', 'weights', 'dropped']) assert.deepEqual(trace[k].shape, [...lead, T, T], `${cls} trace.${k}`);
        assert.deepEqual(m.forward(attn.zeros([B, T, 3])).shape, [B, T, s.dOut]);
      }
      assert.deepEqual(m.forward(attn.zeros([0, 3])).shape, [0, s.dOut], `${cls} (0, 3)`);
      stillCorrect(m, cls, 'after T = 0');
      // Training with dropout: T = 0 draws nothing from the generator.
      attn.manualSeed(5);
      const withDropout = construct(cls, [3, 2, 6, 0.5, ...(s.heads ? [2] : [])]);
      const drawn = attn.rand([3]);
      attn.manualSeed(5);
      const again = construct(cls, [3, 2, 6, 0.5, ...(s.heads ? [2] : [])]);
      again.forward(attn.zeros([2, 0, 3]));
      assert.deepEqual(attn.rand([3]).data, drawn.data, `${cls}: a T = 0 forward drew from the generator`);
      withDropout.free();
      again.free();
      m.free();
    });
  }

  test('SelfAttentionV1/V2, simplifiedSelfAttention, softmax: (0, d)', () => {
    for (const cls of ['SelfAttentionV1', 'SelfAttentionV2']) {
      const m = bookModule(cls);
      const { output, trace } = m.forward(attn.zeros([0, 3]), { trace: true });
      assert.deepEqual(output.shape, [0, 2]);
      assert.deepEqual(trace.scores.shape, [0, 0]);
      assert.deepEqual(trace.weights.shape, [0, 0]);
      assert.deepEqual(trace.context.shape, [0, 2]);
      stillCorrect(m, cls, 'after T = 0');
      m.free();
    }
    const r = attn.simplifiedSelfAttention(attn.zeros([0, 3]), { trace: true });
    assert.deepEqual(r.output.shape, [0, 3]);
    assert.deepEqual(r.trace.scores.shape, [0, 0]);
    assert.deepEqual(attn.softmax(attn.zeros([0, 3])).shape, [0, 3]);
    assert.deepEqual(attn.softmax(attn.zeros([2, 0]), 0).shape, [2, 0]);
    assert.equal(attn.zeros([0]).toString(), 'tensor([])');
  });
});

// ---- NaN / Infinity in the data ---------------------------------------------------------------------

// Accepts, per element, PyTorch's value or the alternative where masked / dropped positions
// contribute an exact 0 (API.md), both within the small tolerance, NaN matching NaN.
function assertCloseEither(actual, want, alt, label) {
  const w = decode(want), a = alt ? decode(alt) : w;
  assert.deepEqual(actual.shape, w.shape, `${label}: shape`);
  const ok = (v, e) => (Number.isNaN(e) ? Number.isNaN(v) : !Number.isFinite(e) ? v === e : Math.abs(v - e) <= SMALL.abs + SMALL.rel * Math.abs(e));
  let nan = 0;
  actual.data.forEach((v, i) => {
    assert.ok(ok(v, w.data[i]) || ok(v, a.data[i]), `${label}: element ${i} is ${v}, PyTorch gives ${w.data[i]}` +
      (alt ? ` (or ${a.data[i]} skipping masked work)` : ''));
    if (Number.isNaN(v)) nan++;
  });
  return nan;
}

describe('NaN and Infinity in the data propagate as in PyTorch (no error)', () => {
  test('nan_cases.json holds the cases', () => {
    assert.equal(nanCases.cases.length, 24);
    assert.equal(nanCases.softmax.length, 4);
  });
  for (const c of nanCases.cases) {
    test(c.name, () => {
      const x = nested(c.input);
      if (c.class === 'simplified') {
        const r = attn.simplifiedSelfAttention(x, { trace: true });
        assertCloseEither(r.output, c.output, null, `${c.name} output`);
        for (const [k, v] of Object.entries(c.trace)) assertCloseEither(r.trace[k], v, null, `${c.name} trace.${k}`);
        return;
      }
      const a = c.args;
      const cls = { SelfAttention_v1: 'SelfAttentionV1', SelfAttention_v2: 'SelfAttentionV2' }[c.class] ?? c.class;
      const args = {
        SelfAttentionV1: [a.d_in, a.d_out],
        SelfAttentionV2: [a.d_in, a.d_out, { qkvBias: a.qkv_bias }],
        CausalAttention: [a.d_in, a.d_out, a.context_length, a.dropout, { qkvBias: a.qkv_bias }],
        MultiHeadAttentionWrapper: [a.d_in, a.d_out, a.context_length, a.dropout, a.num_heads, { qkvBias: a.qkv_bias }],
        MultiHeadAttention: [a.d_in, a.d_out, a.context_length, a.dropout, a.num_heads, { qkvBias: a.qkv_bias }],
      }[cls];
      const run = (trace) => {
        attn.manualSeed(seedOf(c.seed));
        const m = construct(cls, args);
        if (!c.training) m.eval();
        const r = m.forward(x, { trace });
        m.free();
        return r;
      };
      const nanOut = assertCloseEither(run(false), c.output, c.alt_output, `${c.name} output (untraced)`);
      const r = run(true);
      assertCloseEither(r.output, c.output, c.alt_output, `${c.name} output (traced)`);
      for (const [k, v] of Object.entries(c.trace)) assertCloseEither(r.trace[k], v, c.alt_trace?.[k], `${c.name} trace.${k}`);
      // Where PyTorch's result has NaN even skipping masked work, ours must too: not vacuous.
      const mustNaN = decode(c.alt_output ?? c.output).data.filter(Number.isNaN).length;
      assert.ok(nanOut >= mustNaN, `${c.name}: ${nanOut} NaN, at least ${mustNaN} expected`);
      instanceStillCorrect(c.name);
    });
  }
  test('softmax with NaN, Infinity and all -Infinity rows', () => {
    for (const [i, s] of nanCases.softmax.entries()) {
      assertCloseEither(attn.softmax(nested(s.input), s.dim), s.out, null, `softmax NaN case ${i}`);
    }
  });
});

// ---- the end ----------------------------------------------------------------------------------------

after(() => {
  // Nothing above may have aborted the wasm instance: the book's MultiHeadAttention, traced.
  attn.manualSeed(123);
  const mha = new attn.MultiHeadAttention(3, 2, 6, 0.0, 2);
  const { output, trace } = mha.forward(BATCH, { trace: true });
  assertClose(output, chapter.tensors.mha_output, SMALL, 'MHA after all error tests');
  for (const [k, v] of Object.entries(chapter.mha_trace)) assertClose(trace[k], v, SMALL, `MHA trace.${k} after all error tests`);
  assert.equal(output.toString(), chapter.printed.mha_output);
  mha.free();
  assert.ok(count.errors >= 800, `only ${count.errors} errors were checked`);
  assert.ok(count.type >= 250 && count.range >= 250, `TypeErrors ${count.type}, RangeErrors ${count.range}`);
  assert.ok(count.afterChecks >= 150, `only ${count.afterChecks} after-checks`);
  // And nothing leaked across the whole file (every module made here was freed).
  const end = attn.memory();
  assert.ok(end.inUse <= startMemory.inUse + 64 * 1024, `inUse grew from ${startMemory.inUse} to ${end.inUse}`);
  assert.equal(end.heapSize, startMemory.heapSize, 'the heap never grew');
});
