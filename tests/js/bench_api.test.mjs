// The two benchmark probes the package exposes (the harness in bench/ times them) check their
// arguments like the rest of the API (the argument named, TypeError for a wrong kind, RangeError
// for a bad value) and leave no allocation behind. (The FLOPs they return are formulas of their
// sizes, not measurements: nothing here to test beyond the arithmetic.) No timing here: speed is
// the benchmark's business, not a test's.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { loadAttn } from './setup.mjs';

let attn;

before(async () => {
  attn = await loadAttn();
});

test('benchGemm frees its operands, on and off the 4x8 micro-tile', () => {
  const before = attn.memory().inUse;
  attn.benchGemm(64, 96, 40, 3);
  attn.benchGemm(5, 7, 9, 1);
  assert.equal(attn.memory().inUse, before);
});

test('benchGemm names the argument that is wrong and what it expected', () => {
  const ok = [8, 8, 8, 1];
  for (const [i, arg] of ['m', 'k', 'n', 'repeats'].entries()) {
    const max = arg === 'repeats' ? 1000 : 4096;
    for (const bad of [0, -1, 2.5, max + 1, NaN, Infinity]) {
      const args = ok.slice();
      args[i] = bad;
      assert.throws(() => attn.benchGemm(...args), (err) => {
        assert.equal(err.constructor, RangeError);
        assert.equal(err.message, `benchGemm: ${arg} (${bad}) must be an integer in [1, ${max}]`);
        return true;
      });
    }
    const args = ok.slice();
    args[i] = '8';
    assert.throws(() => attn.benchGemm(...args), (err) => err instanceof TypeError && err.message.startsWith(`benchGemm: ${arg} must be a number`));
  }
  assert.ok(attn.benchGemm(...ok) > 0, 'the instance still works');
});
