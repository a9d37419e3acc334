// `using` in a browser that has it (Chromium): a module declared with `using` is freed when its
// block ends, as its [Symbol.dispose] says, even when the block throws; JSON.stringify of a Tensor
// gives { shape, data }.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setup } from './helpers.mjs';

let env, page;
before(async () => {
  env = await setup();
  page = await env.open();
});
after(async () => {
  await page?.context().close();
  await env?.close();
});

test('a module declared with `using` is freed at the end of its block, also when the block throws', async () => {
  // As a string: Node 20, which runs this file, cannot parse `using`; Chromium can.
  const r = await page.evaluate(`(() => {
    const attn = window.__test.attn;
    const before = attn.memory().inUse;
    let inside, kept;
    {
      using mha = new attn.MultiHeadAttention(8, 8, 16, 0.0, 2);
      inside = attn.memory().inUse - before;
      kept = mha;
    }
    const afterBlock = attn.memory().inUse - before;
    let message = null;
    try {
      kept.forward([[1, 2, 3, 4, 5, 6, 7, 8]]);
    } catch (e) {
      message = e.message;
    }
    let thrown = null;
    try {
      using ca = new attn.CausalAttention(8, 8, 16, 0.0);
      ca.forward([[1, 2, 3]]); // wrong width: throws
    } catch (e) {
      thrown = e.message;
    }
    return { inside, afterBlock, afterThrow: attn.memory().inUse - before, message, thrown };
  })()`);
  assert.ok(r.inside > 0, 'the module held wasm memory inside its block');
  assert.equal(r.afterBlock, 0, 'its memory came back when the block ended');
  assert.equal(r.message, 'MultiHeadAttention: forward() was called after free()');
  assert.match(r.thrown, /^CausalAttention: /);
  assert.equal(r.afterThrow, 0, 'a block that threw freed its module too');
});

test('JSON.stringify of a Tensor in the page gives { shape, data }', async () => {
  const json = await page.evaluate(() => JSON.stringify(window.__test.attn.tensor([[1, 2], [3, 4.5]])));
  assert.equal(json, '{"shape":[2,2],"data":[1,2,3,4.5]}');
});
