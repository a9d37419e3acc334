// The two benchmark probes the package exposes (the harness in bench/ times them): benchPeak and
// benchGemm return the FLOPs they did, check their arguments like the rest of the API (the
// argument named, TypeError for a wrong kind, RangeError for a bad value), and leave no
// allocation behind. No timing here: speed is the benchmark's business, not a test's.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { loadAttn } from './setup.mjs';

let attn;

before(async () => {
  attn = await loadAttn();
});

test('benchPeak(n) reports 12 accumulators x 8 FLOPs per round', () => {
  assert.equal(attn.benchPeak(1000), 1000 * 12 * 8);
  assert.equal(attn.benchPeak(0), 0);
});

test('benchGemm(m, k, n, repeats) reports 2·m·n·k FLOPs per repeat and frees its operands', () => {
  const before = attn.memory().inUse;
  assert.equal(attn.benchGemm(64, 96, 40, 3), 3 * 2 * 64 * 40 * 96);
  assert.equal(attn.benchGemm(5, 7, 9, 1), 2 * 5 * 9 * 7); // off the 4x8 micro-tile
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
  assert.equal(attn.benchGemm(...ok), 2 * 8 * 8 * 8, 'the instance still works');
});
