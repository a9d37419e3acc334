// The page as a new reader uses it, at 1280×800 and at 390 px, with mouse, touch and keyboard:
// what they click or tap is what they read, a link that cannot compute still opens a view, the
// menus fit a phone, the book's own code can be pasted, dropout's marks are dropout's own,
// printing leaves out the controls, and 64 tokens are not drawn in the dark. These tests read the
// page through its DOM and its downloads only, so they run against any version of the page.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rgb } from 'd3-color';
import { interpolateViridis } from 'd3-scale-chromatic';
import { CHAPTER, assertQuietAndLocal, cardSVG, downloadOf, exportedJSON, paste, setup, tokenLines } from './helpers.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

const tooltip = (page) => page.locator('#tooltip');

/** The canvas of a card, and a point at fractions (fx, fy) of it. */
async function pointIn(page, card, fx, fy) {
  await page.locator(`[data-card="${card}"] canvas`).scrollIntoViewIfNeeded();
  const box = await page.locator(`[data-card="${card}"] canvas`).boundingBox();
  return { x: box.x + fx * box.width, y: box.y + fy * box.height };
}

describe('what a reader clicks or taps is what the page shows', () => {
  test('clicking a heatmap cell keeps the tooltip on that cell, not on the first one', async () => {
    const page = await env.open('v=causal');
    for (const [fx, fy] of [[0.97, 0.95], [0.8, 0.7], [0.6, 0.55]]) {
      const { x, y } = await pointIn(page, 'weights', fx, fy);
      await page.mouse.move(x, y);
      const hovered = await tooltip(page).innerText();
      assert.match(hovered, /query “\w+” \(row \d\) · key “\w+” \(column \d\)/);
      await page.mouse.click(x, y);
      assert.ok(await tooltip(page).isVisible(), 'the tooltip stays after the click');
      assert.equal(await tooltip(page).innerText(), hovered, `after a click at (${fx}, ${fy}) the tooltip names the clicked cell`);
    }
    assertQuietAndLocal(page, env.origin);
    await page.context().close();
  });

  test('tapping a heatmap cell on a phone shows that cell\'s value', async () => {
    const page = await env.open('v=causal', { width: 390, height: 844, touch: true });
    const canvas = page.locator('[data-card="weights"] canvas');
    await canvas.scrollIntoViewIfNeeded();
    // The bottom-right cell is the last token attending to itself; the one left of it, to the token before.
    let box = await canvas.boundingBox();
    await page.touchscreen.tap(box.x + box.width - 6, box.y + box.height - 6);
    await tooltip(page).waitFor({ state: 'visible' });
    assert.match(await tooltip(page).innerText(), /query “step” \(row 6\) · key “step” \(column 6\)/);
    box = await canvas.boundingBox(); // following "step" may have moved the canvas
    const cellW = (box.width - 60) / 6; // the grid is at least 60 px right of the canvas's left edge
    await page.touchscreen.tap(box.x + box.width - 6 - cellW, box.y + box.height - 6);
    await tooltip(page).waitFor({ state: 'visible' });
    assert.match(await tooltip(page).innerText(), /query “step” \(row 6\) · key “one” \(column 5\)/);
    assertQuietAndLocal(page, env.origin);
    await page.context().close();
  });
});

async function exportedOutput(page) {
  const json = await exportedJSON(page);
  return { output: json.tensors.output.data, json };
}

describe('a link that parses but cannot compute', () => {
  for (const [hash, field, value, pattern] of [
    ['v=mha&dOut=0', 'dOut', '0', /MultiHeadAttention: dOut \(0\) must be a positive integer/],
    ['v=mha&dOut=3&heads=2', 'dOut', '3', /MultiHeadAttention: dOut \(3\) must be divisible by numHeads \(2\)/],
    ['v=causal&ctx=3', 'contextLength', '3', /more than contextLength \(3\)/],
  ]) {
    test(`#${hash} shows the error at ${field} and a computed view, and its exports work`, async () => {
      const page = await env.open(hash);
      // The error, next to its field, which keeps the link's value.
      assert.match(await page.locator(`#msg-${field}`).innerText(), pattern);
      assert.equal(await page.inputValue(`#p-${field}`), value);
      assert.equal(await page.locator(`#p-${field}`).getAttribute('aria-invalid'), 'true');
      // A view that computed: the sentence, the code, the badge and the matrices.
      assert.deepEqual(await page.locator('#token-chips .chip').evaluateAll((cs) => cs.map((c) => c.firstChild.textContent)), CHAPTER.tokens);
      assert.match(await page.locator('#construct-code').innerText(), /torch\.manual_seed\(123\)/);
      assert.notEqual((await page.locator('#badge').innerText()).trim(), '');
      assert.ok(await page.locator('[data-card="weights"] canvas').first().isVisible());
      // Every export works and closes the menu.
      const { json } = await exportedOutput(page);
      assert.equal(json.tensors.output.shape.at(-2), 6);
      assert.equal(await page.locator('#export-menu').evaluate((d) => d.open), false, 'the menu closes after an export');
      await page.locator('#export-menu summary').click();
      const csv = await downloadOf(page, () => page.click('#export-csv'));
      assert.match(csv.text, /^tensor,i0,i1,i2,i3,value/);
      await page.locator('#export-menu summary').click();
      await page.click('#export-print');
      assert.match(await page.locator('#print-text').innerText(), /^tensor\(/);
      await page.click('#print-close');
      assertQuietAndLocal(page, env.origin);
      await page.context().close();
    });
  }
});

describe('menus on a phone', () => {
  test('the Export menu fits a 390 px screen, and Escape closes it', async () => {
    const page = await env.open('', { width: 390, height: 844, touch: true });
    await page.locator('#export-menu summary').click();
    const body = await page.locator('#export-menu .menu-body').boundingBox();
    assert.ok(body.x >= 0 && body.x + body.width <= 390, `the menu spans ${body.x}–${body.x + body.width} px`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
    await page.locator('#export-json').focus();
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('#export-menu').evaluate((d) => d.open), false, 'Escape closes the menu');
    assert.equal(await page.evaluate(() => document.activeElement.matches('#export-menu summary')), true, 'the focus returns to the menu button');
    await page.context().close();
  });
});

describe('pasting what a reader of the book has', () => {
  const chips = (page) => page.locator('#token-chips .chip').evaluateAll((cs) => cs.map((c) => c.firstChild.textContent));
  const tableValues = (page) => page.locator('#input-table input.num').evaluateAll((is) => is.map((i) => Number(i.value)));

  test('the book\'s own code, a printed tensor, space-separated rows and the page\'s JSON export all paste', async () => {
    const page = await env.open('v=causal');
    const book = [
      'inputs = torch.tensor(',
      '  [[0.43, 0.15, 0.89], # Your     (x^1)',
      '   [0.55, 0.87, 0.66], # journey  (x^2)',
      '   [0.57, 0.85, 0.64], # starts   (x^3)',
      '   [0.22, 0.58, 0.33], # with     (x^4)',
      '   [0.77, 0.25, 0.10], # one      (x^5)',
      '   [0.05, 0.80, 0.55]] # step     (x^6)',
      ')',
    ].join('\n');
    const exported = (await exportedJSON(page));
    await paste(page, 'the 1 0\ncat 0 1\nsat 0.5 0.5');
    await page.waitForFunction(() => document.querySelectorAll('#token-chips .chip').length === 3);
    assert.deepEqual(await chips(page), ['the', 'cat', 'sat']);
    assert.deepEqual(await tableValues(page), [1, 0, 0, 1, 0.5, 0.5]);
    await paste(page, 'tensor([[0.4300, 0.1500],\n        [0.5500, 0.8700]], grad_fn=<MmBackward0>)');
    await page.waitForFunction(() => document.querySelectorAll('#token-chips .chip').length === 2);
    assert.deepEqual(await tableValues(page), [0.43, 0.15, 0.55, 0.87]);
    await paste(page, book);
    await page.waitForSelector('#badge.ok');
    assert.deepEqual(await chips(page), CHAPTER.tokens, 'the comments name the tokens');
    await paste(page, '1 2\n3 4');
    await page.waitForFunction(() => document.querySelectorAll('#token-chips .chip').length === 2);
    await paste(page, JSON.stringify(exported, null, 1));
    await page.waitForSelector('#badge.ok');
    assert.deepEqual(await chips(page), CHAPTER.tokens, 'the page\'s own export reads back');
    assert.equal(await page.locator('#msg-paste').innerText(), '');
    assertQuietAndLocal(page, env.origin);
    await page.context().close();
  });
});

describe('dropout', () => {
  for (const [hash, what] of [['v=causal&p=1', 'at p = 1, every weight'], ['v=causal&p=0.5', 'at p = 0.5'], ['v=mha&p=0.5', 'per head']]) {
    test(`the ✕ marks are dropout's own mask (${what}), the masked zeros included`, async () => {
      const page = await env.open(hash);
      const mask = (await exportedJSON(page)).tensors['trace.dropoutMask'];
      const n = mask.data.length / mask.shape[0]; // batch item 0: every head
      const zeros = mask.data.slice(0, n).filter((v) => v === 0).length;
      const svg = await cardSVG(page, 'dropped');
      const crosses = (svg.match(/<path d="M/g) ?? []).length;
      assert.equal(crosses, zeros, `${crosses} cells crossed out, dropout's mask has ${zeros} zeros`);
      if (hash.includes('p=1')) assert.equal(crosses, 36, 'at p = 1 all 36 cells, the upper triangle too');
      assertQuietAndLocal(page, env.origin);
      await page.context().close();
    });
  }
});

describe('printing', () => {
  test('printing leaves out the controls, the inputs panel and the exports, and keeps the pipeline', async () => {
    const page = await env.open('v=causal');
    await page.emulateMedia({ media: 'print' });
    const shown = (sel) => page.locator(sel).first().evaluate((e) => getComputedStyle(e).display !== 'none' && e.getClientRects().length > 0);
    for (const sel of ['.sidebar', '#params', '#variant-tabs', '.top-actions', '.view-tools', '[data-card="weights"] .actions']) {
      assert.equal(await shown(sel), false, `${sel} is not printed`);
    }
    for (const sel of ['#token-chips', '#construct-code', '#badge', '[data-card="weights"] canvas', '[data-card="context"] canvas']) {
      assert.equal(await shown(sel), true, `${sel} is printed`);
    }
    const pdf = await page.pdf({ format: 'A4' });
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    await page.context().close();
  });
});

describe('64 tokens', () => {
  test('at 64 tokens the attention weights are not drawn almost all dark', async () => {
    const page = await env.open('v=causal');
    await paste(page, tokenLines(64));
    await page.waitForFunction(() => document.querySelectorAll('#token-chips .chip').length === 64);
    const svg = await cardSVG(page, 'weights');
    // The cells that hold a weight (the lower triangle); "dark" is viridis' darkest 15%.
    const lum = (c) => {
      const lin = (u) => ((u /= 255) <= 0.03928 ? u / 12.92 : ((u + 0.055) / 1.055) ** 2.4);
      return 0.2126 * lin(c.r) + 0.7152 * lin(c.g) + 0.0722 * lin(c.b);
    };
    const darkest = lum(rgb(interpolateViridis(0.15)));
    const cells = [...svg.matchAll(/<rect [^>]*fill="(rgb\([^"]+\))"[^>]*data-value="([^"]+)"/g)].filter((m) => Number(m[2]) > 0);
    assert.ok(cells.length >= 64 * 65 / 2, `${cells.length} weights`);
    const dark = cells.filter((m) => lum(rgb(m[1])) <= darkest).length / cells.length;
    assert.ok(dark < 0.25, `${(dark * 100).toFixed(0)}% of the weights are drawn dark`);
    await page.context().close();
  });
});
