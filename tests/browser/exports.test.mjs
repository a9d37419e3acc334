// Exports download files whose numbers are the module's: all tensors as JSON and CSV, one matrix
// as SVG (exact values in data-value) and PNG, and the PyTorch-style print.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { csvParseRows } from 'd3-dsv';
import { assertQuietAndLocal, computeDirect, pageState, printedNumbers, setup } from './helpers.mjs';

let env;
let page;
let state;
before(async () => {
  env = await setup();
  // Multi-head attention in training with dropout: the exports hold −∞ (the mask) and dropped zeros.
  page = await env.open('v=mha&p=0.5&row=1');
  state = await pageState(page);
});
after(async () => {
  await page?.context().close();
  await env?.close();
});

const asNumber = (v) => (typeof v === 'string' ? Number(v) : v); // "-Infinity" -> -Infinity
const f32 = (v) => Math.fround(asNumber(v));

async function downloadOf(clickable) {
  const [dl] = await Promise.all([page.waitForEvent('download'), clickable()]);
  return { name: dl.suggestedFilename(), bytes: readFileSync(await dl.path()) };
}

function assertSameTensor(got, want, what) {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  assert.equal(got.data.length, want.data.length, `${what}: length`);
  got.data.forEach((v, i) => assert.equal(f32(v), asNumber(want.data[i]), `${what}[${i}]`));
}

test('all tensors as JSON: every value is the module\'s, exactly', async () => {
  await page.locator('#export-menu summary').click();
  const { name, bytes } = await downloadOf(() => page.click('#export-json'));
  assert.match(name, /^attention-mha-seed123\.json$/);
  const json = JSON.parse(bytes.toString('utf8'));
  assert.equal(json.variant, 'MultiHeadAttention');
  assert.deepEqual(json.tokens, state.state.tokens);
  for (const [k, t] of Object.entries(state.trace)) assertSameTensor(json.tensors[`trace.${k}`], t, `trace.${k}`);
  for (const [k, t] of Object.entries(state.stateDict)) assertSameTensor(json.tensors[`state_dict.${k}`], t, `state_dict.${k}`);
  assertSameTensor(json.tensors.output, state.output, 'output');
  assert.ok(json.tensors['trace.masked'].data.includes('-Infinity'), 'the mask is written as "-Infinity"');
  // ... and they are what the module computes on its own from the same inputs and settings.
  const direct = await computeDirect(page, { cls: 'MultiHeadAttention', seed: 123, args: [3, 2, 6, 0.5, 2, { qkvBias: false }], inputs: state.state.x, batched: true, training: true });
  assert.deepEqual(json.tensors.output.data.map(f32), direct);
});

test('all tensors as CSV: one line per element, the same values', async () => {
  await page.locator('#export-menu summary').click();
  const { name, bytes } = await downloadOf(() => page.click('#export-csv'));
  assert.match(name, /\.csv$/);
  const rows = csvParseRows(bytes.toString('utf8').trim());
  assert.deepEqual(rows[0], ['tensor', 'i0', 'i1', 'i2', 'i3', 'value']);
  const byTensor = new Map();
  for (const r of rows.slice(1)) {
    if (!byTensor.has(r[0])) byTensor.set(r[0], []);
    byTensor.get(r[0]).push(r);
  }
  const weights = byTensor.get('trace.weights');
  assert.equal(weights.length, state.trace.weights.data.length);
  weights.forEach((r, k) => assert.equal(f32(r[5]), state.trace.weights.data[k], `weights line ${k}`));
  // The index columns address the element: (b, h, i, j) of a (2, 2, 6, 6) tensor.
  assert.deepEqual(weights[6 * 6 + 7].slice(1, 5), ['0', '1', '1', '1']);
  const out = byTensor.get('output');
  out.forEach((r, k) => assert.equal(f32(r[5]), state.output.data[k]));
  assert.equal(byTensor.get('trace.masked')[1][5], '-Infinity');
});

test('one step as SVG: its cells carry the exact values of every head of that step', async () => {
  for (const [card, key, lead] of [['masked', 'masked', [0]], ['dropped', 'dropped', [0]], ['output', null, [0]]]) {
    const { name, bytes } = await downloadOf(() => page.click(`[data-card="${card}"] button[data-export="svg"]`));
    assert.match(name, new RegExp(`^attention-mha-${card}-seed123\\.svg$`));
    const svg = bytes.toString('utf8');
    assert.match(svg, /^<\?xml[^>]*>\s*<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const values = [...svg.matchAll(/data-value="([^"]+)"/g)].map((m) => Number(m[1]));
    const t = key ? state.trace[key] : state.output;
    const n = t.shape.slice(lead.length).reduce((a, b) => a * b, 1); // all heads of batch item 0
    const offset = lead.reduce((o, i, a) => o * t.shape[a] + i, 0) * n;
    const want = t.data.slice(offset, offset + n).map(asNumber);
    if (t.shape.length === 4) assert.equal(new Set([...svg.matchAll(/data-panel="(\d+)"/g)].map((m) => m[1])).size, t.shape[1], `${card}: one panel per head`);
    assert.equal(values.length, want.length, `${card}: one rect per cell`);
    values.forEach((v, k) => assert.equal(Math.fround(v), want[k], `${card} cell ${k}`));
    if (key === 'masked') assert.ok(values.includes(-Infinity));
    // The 4-decimal texts drawn in the cells agree with the values.
    const texts = [...svg.matchAll(/<text x="[^"]+" y="[^"]+" fill="[^"]+">([^<]+)<\/text>/g)].map((m) => m[1]);
    assert.ok(texts.length > 0);
  }
});

test('one step as PNG: a real PNG image of its matrices', async () => {
  const { name, bytes } = await downloadOf(() => page.click('[data-card="weights"] button[data-export="png"]'));
  assert.match(name, /\.png$/);
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  const canvas = await page.locator('[data-card="weights"] canvas').boundingBox();
  assert.ok(width >= 2 * canvas.width && height >= 2 * canvas.height, `PNG ${width}×${height} holds the matrix at 2×`);
});

test('the PyTorch print shows a step\'s heads as torch prints them', async () => {
  await page.click('[data-card="weights"] button[data-export="print"]');
  const text = await page.locator('#print-text').innerText();
  assert.match(text, /^tensor\(\[\[\[/);
  const t = state.trace.weights;
  const want = t.data.slice(0, 72).map((v) => Number(v.toFixed(4))); // batch[0], both heads
  assert.deepEqual(printedNumbers(text), want);
  await page.click('#print-close');
  await page.locator('#export-menu summary').click();
  await page.click('#export-print');
  const out = await page.locator('#print-text').innerText();
  assert.deepEqual(printedNumbers(out), state.output.data.map((v) => Number(v.toFixed(4))));
  assert.match(out, /^tensor\(\[\[\[/);
  await page.click('#print-copy');
  await page.waitForFunction(() => document.getElementById('print-msg').textContent !== '');
  await page.click('#print-close');
  assertQuietAndLocal(page, env.origin);
});
