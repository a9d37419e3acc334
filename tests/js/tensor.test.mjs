// Tensor beyond printing: JSON.stringify writes { shape, data: number[] } (not the Float32Array's
// index-keyed object), which attn.tensor reads back.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';

import { loadAttn } from './setup.mjs';

let attn;
before(async () => {
  attn = await loadAttn();
});

test('JSON.stringify(tensor) gives { shape, data } with data a flat number array, and attn.tensor reads it back', () => {
  const t = attn.tensor([[0.5, -1.25, 3], [4, 5, 6.75]]);
  const json = JSON.stringify(t);
  assert.equal(json, '{"shape":[2,3],"data":[0.5,-1.25,3,4,5,6.75]}');
  const parsed = JSON.parse(json);
  const back = attn.tensor(parsed.data, parsed.shape);
  assert.deepEqual(back.shape, [2, 3]);
  assert.deepEqual(Array.from(back.data), Array.from(t.data));
});

test('toJSON copies: changing the JSON object leaves the tensor as it was', () => {
  const t = attn.ones([2]);
  const j = t.toJSON();
  j.shape.push(9);
  j.data[0] = 7;
  assert.deepEqual(t.shape, [2]);
  assert.deepEqual(Array.from(t.data), [1, 1]);
});

test('in JSON, tensors nest inside other objects, and NaN and ±Infinity become null as JSON.stringify writes them', () => {
  const out = JSON.parse(JSON.stringify({ scalar: attn.tensor(2.5), odd: attn.tensor(new Float32Array([NaN, Infinity, -Infinity, -0]), [2, 2]) }));
  assert.deepEqual(out.scalar, { shape: [], data: [2.5] });
  assert.deepEqual(out.odd, { shape: [2, 2], data: [null, null, null, 0] });
});
