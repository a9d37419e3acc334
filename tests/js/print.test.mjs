// Tensor.toString() against what PyTorch 1.13 prints (tests/js/fixtures/print_cases.json, written by
// make_print_cases.py beside it): fixed / integer / scientific modes, the width rule (nonzero finite
// values only), ties rounded to even as Python does, -0, nan/inf, line wrapping at 80 columns,
// summarization beyond 1000 elements, empty and 0-d tensors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, test } from 'node:test';

import { loadAttn } from './setup.mjs';

const cases = JSON.parse(readFileSync(new URL('./fixtures/print_cases.json', import.meta.url), 'utf8')).cases;
const value = (s) => ({ Infinity: Infinity, '-Infinity': -Infinity, NaN: NaN, '-0': -0 })[s] ?? Number(s);

let attn;
before(async () => {
  attn = await loadAttn();
});

function values(c) {
  if (c.b64 === undefined) {
    const data = Float32Array.from(c.data, value);
    data.forEach((v, i) => assert.ok(Object.is(v, value(c.data[i])), `${c.name}: value ${c.data[i]} is not a float32`));
    return data;
  }
  const bytes = Buffer.from(c.b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)); // little-endian hosts
}

test('print_cases.json holds the expected cases', () => {
  assert.ok(cases.length >= 55, `only ${cases.length} print cases`);
  for (const c of cases) assert.equal(values(c).length, c.shape.reduce((a, b) => a * b, 1), c.name);
  assert.ok(cases.some((c) => c.b64 !== undefined) && cases.some((c) => c.data !== undefined));
});

for (const c of cases) {
  test(`toString() prints like torch: ${c.name} (${c.shape.join('x') || '0-d'})`, () => {
    const data = values(c);
    const t = c.shape.length === 0 ? attn.tensor(data[0]) : attn.tensor(data, c.shape);
    assert.deepEqual(t.shape, c.shape);
    assert.equal(t.toString(), c.printed);
    assert.equal(`${t}`, c.printed);
  });
}
