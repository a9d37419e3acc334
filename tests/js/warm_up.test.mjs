// init({ warmUp }): the option is checked like every other (a TypeError naming it); by default
// init runs the kernels' warm-up rounds, with warmUp: false none (attn.warmedUp says which, in
// fresh processes); a later init() resolves to the loaded instance without warming it again.
// (Warm-up changes speed, not results; its kernel round is tested natively in test_kernels.cpp,
// and no test here may depend on timing.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { before, test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { importPackage, loadAttn, packedProject } from './setup.mjs';

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

// attn.warmedUp of a fresh process that calls init(options).
function warmedUpIn(options) {
  const script = `
    const { init } = await import(${JSON.stringify(pathToFileURL(packedProject().entry).href)});
    const attn = await init(${JSON.stringify(options)});
    console.log(JSON.stringify(attn.warmedUp));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60000 });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

test('init() warms the kernels up by default and not with warmUp: false', () => {
  const warmed = warmedUpIn({});
  assert.ok(warmed.rounds >= 1 && warmed.ms > 0, `default: ${JSON.stringify(warmed)}`);
  assert.deepEqual(warmedUpIn({ warmUp: false }), { rounds: 0, ms: 0 });
});

test('a later init({ warmUp }) resolves to the loaded instance without warming it up again, and it still computes', async () => {
  const before = attn.warmedUp;
  for (const warmUp of [false, true]) assert.equal(await mod.init({ warmUp }), attn);
  assert.equal(attn.warmedUp, before);
  const y = attn.softmax(attn.tensor(new Float32Array([0, Math.log(3)]), [2]));
  const [a, b] = y.data;
  assert.ok(Math.abs(a - 0.25) < 1e-6 && Math.abs(b - 0.75) < 1e-6, `softmax([0, ln 3]) = [${a}, ${b}]`);
});
