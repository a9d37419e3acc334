// init({ threads }) under Node.js (the packed package): the threaded build is for browsers only
// (Emscripten 3.1.6's ES module pthread glue cannot start its workers under Node), so asking for
// threads rejects with an Error that says so and how to fall back, 'auto' and 1 give one thread,
// and bad values are a TypeError / RangeError naming options.threads. None of it disturbs the
// single-thread instance. (tests/browser/threads.test.mjs runs the threaded build itself.)
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { importPackage, loadAttn } from './setup.mjs';

let mod, attn;

before(async () => {
  mod = await importPackage();
  attn = await loadAttn();
});

test('the default instance runs on one thread', () => {
  assert.equal(attn.threads, 1);
});

test("init({ threads: true | n }) rejects in Node with the reason and the 'auto' fallback", async () => {
  for (const threads of [true, 2, 16]) {
    await assert.rejects(mod.init({ threads }), (err) => {
      assert.equal(err.constructor, Error);
      assert.match(err.message, /^init: options\.threads \(.*\) cannot be honoured: Node\.js is not supported/);
      assert.match(err.message, /Emscripten 3\.1\.6/);
      assert.match(err.message, /threads: 'auto'/);
      return true;
    });
  }
  assert.equal(await mod.init(), attn, 'the instance is unchanged');
});

test("init({ threads: 'auto' | 1 | false }) resolves to the single-thread instance", async () => {
  for (const threads of ['auto', 1, false, undefined]) {
    const a = await mod.init({ threads });
    assert.equal(a, attn);
    assert.equal(a.threads, 1);
  }
});

test('init({ threads }) with a bad value: TypeError or RangeError naming options.threads', async () => {
  const cases = [
    ['two', TypeError, /options\.threads must be true, false, 'auto' or an integer in \[1, 16\], got a string \("two"\)/],
    [null, TypeError, /options\.threads must be .* got null/],
    [{}, TypeError, /options\.threads must be .* got an object/],
    [2n, TypeError, /options\.threads must be .* got a BigInt/],
    [0, RangeError, /options\.threads \(0\) must be an integer in \[1, 16\]/],
    [-1, RangeError, /options\.threads \(-1\) must be an integer in \[1, 16\]/],
    [1.5, RangeError, /options\.threads \(1\.5\) must be an integer/],
    [NaN, RangeError, /options\.threads \(NaN\) must be an integer/],
    [17, RangeError, /options\.threads \(17\) must be an integer in \[1, 16\]/],
  ];
  for (const [threads, kind, message] of cases) {
    await assert.rejects(mod.init({ threads }), (err) => {
      assert.equal(err.constructor, kind, `threads: ${String(threads)}`);
      assert.match(err.message, /^init: /);
      assert.match(err.message, message);
      return true;
    });
  }
  await assert.rejects(mod.init('fast'), /^TypeError: init: options must be an object, got a string/);
  assert.equal(await mod.init(), attn);
});
