// Lifetime: every module has [Symbol.dispose] (what `using` calls at the end of a block), which
// frees it as free() does; after that each method says it was called, and the training getter
// that it was read, after free(). (tests/browser/threads.test.mjs runs a real `using` block.)
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { loadAttn } from './setup.mjs';

let attn;
before(async () => {
  attn = await loadAttn();
});

const makers = {
  Dropout: (a) => new a.Dropout(0.5),
  SelfAttentionV1: (a) => new a.SelfAttentionV1(3, 2),
  SelfAttentionV2: (a) => new a.SelfAttentionV2(3, 2),
  CausalAttention: (a) => new a.CausalAttention(3, 2, 6, 0.0),
  MultiHeadAttentionWrapper: (a) => new a.MultiHeadAttentionWrapper(3, 2, 6, 0.0, 2),
  MultiHeadAttention: (a) => new a.MultiHeadAttention(3, 2, 6, 0.0, 2),
};

test('Symbol.dispose exists in this Node and every module class has it', () => {
  assert.equal(typeof Symbol.dispose, 'symbol');
  for (const [cls, make] of Object.entries(makers)) {
    const m = make(attn);
    assert.equal(typeof m[Symbol.dispose], 'function', cls);
    m.free();
  }
});

test('[Symbol.dispose]() releases the wasm memory as free() does, and a second call does nothing', () => {
  const start = attn.memory().inUse;
  for (const [cls, make] of Object.entries(makers)) {
    const m = make(attn);
    assert.ok(attn.memory().inUse > start, `${cls} holds memory`);
    m[Symbol.dispose]();
    assert.equal(attn.memory().inUse, start, `${cls}: memory back after dispose`);
    m[Symbol.dispose]();
    m.free();
    assert.equal(attn.memory().inUse, start);
  }
});

test('after free(): methods say they were called, the training getter that it was read', () => {
  for (const [cls, make] of Object.entries(makers)) {
    const m = make(attn);
    m[Symbol.dispose]();
    for (const [call, what] of [[() => m.forward([[1, 2, 3]]), 'forward() was called'], [() => m.train(), 'train() was called'],
      [() => m.eval(), 'eval() was called'], [() => m.stateDict(), 'stateDict() was called'],
      [() => m.loadStateDict({}), 'loadStateDict() was called'], [() => m.training, 'training was read']]) {
      assert.throws(call, (err) => {
        assert.equal(err.constructor, TypeError);
        assert.equal(err.message, `${cls}: ${what} after free()`);
        assert.equal(err.module, cls);
        return true;
      });
    }
  }
});
