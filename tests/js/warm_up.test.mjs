// init({ warmUp }): the option is checked like every other (a TypeError naming it), and false
// resolves to the same, working instance. (Warm-up changes speed, not results; its kernel
// round is tested natively in test_kernels.cpp, and no test here may depend on timing.)
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { importPackage, loadAttn } from './setup.mjs';

let mod, attn;

before(async () => {
  mod = await importPackage();
  attn = await loadAttn();
});

test('init({ warmUp }) takes booleans only, and says so', async () => {
  for (const [value, shown] of [['yes', /a string \("yes"\)/], [1, /number \(1\)/], [null, /null/], [{}, /an object/]]) {
    await assert.rejects(mod.init({ warmUp: value }), (err) => {
      assert.equal(err.constructor, TypeError);
      assert.match(err.message, /^init: options\.warmUp must be a boolean, got /);
      assert.match(err.message, shown);
      return true;
    });
  }
});

test('init({ warmUp: false | true }) resolves to the loaded instance, which still computes', async () => {
  for (const warmUp of [false, true]) assert.equal(await mod.init({ warmUp }), attn);
  const y = attn.softmax(attn.tensor(new Float32Array([0, Math.log(3)]), [2]));
  const [a, b] = y.data;
  assert.ok(Math.abs(a - 0.25) < 1e-6 && Math.abs(b - 0.75) < 1e-6, `softmax([0, ln 3]) = [${a}, ${b}]`);
});
