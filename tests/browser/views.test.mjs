// The views a learner asks for: the heads of a step side by side on one scale, a per-row colour
// scale kept in the link, the book's stepping stones of section 3.5, cards in the book's order,
// and a page the keyboard gets around quickly, whose Follow control stays in reach and whose
// labels are not cut short on a phone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rgb } from 'd3-color';
import { interpolateCividis, interpolateViridis } from 'd3-scale-chromatic';
import { assertClose, assertQuietAndLocal, cardSVG, pageState, paste, setup, tokenLines } from './helpers.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

/** The cells of a card's SVG export: { panel, row, col, value, fill, kind }. */
function svgCells(svg) {
  const cells = [];
  for (const part of svg.split(/<g data-panel="/).slice(1)) {
    const panel = Number(part.slice(0, part.indexOf('"')));
    for (const m of part.matchAll(/<rect x="([^"]+)" y="([^"]+)"[^>]*fill="([^"]+)"[^>]*data-row="(\d+)" data-col="(\d+)" data-value="([^"]+)"(?: data-kind="(\w+)")?/g)) {
      cells.push({ panel, x: Number(m[1]), y: Number(m[2]), fill: m[3], row: Number(m[4]), col: Number(m[5]), value: Number(m[6]), kind: m[7] ?? 'value' });
    }
  }
  return cells;
}

const css = (interpolate, t) => {
  const c = rgb(interpolate(t));
  return `rgb(${c.r}, ${c.g}, ${c.b})`;
};

describe('heads side by side', () => {
  test('each step shows its heads next to each other, on one colour scale', async () => {
    const page = await env.open('v=mha');
    assert.equal(await page.locator('[data-card="weights"]').count(), 1);
    assert.equal(await page.locator('[data-card="weights"] canvas').count(), 1, 'one canvas holds both heads');
    const cells = svgCells(await cardSVG(page, 'weights'));
    const firstOf = (p) => cells.find((c) => c.panel === p && c.row === 0 && c.col === 0);
    assert.equal(firstOf(0).y, firstOf(1).y, 'the heads start on the same line');
    assert.ok(firstOf(1).x > firstOf(0).x + 5 * 20, 'head 1 sits to the right of head 0');
    // One scale: the legend's ends are the smallest and largest weight of both heads.
    const { trace } = await pageState(page);
    const both = trace.weights.data.slice(0, 72);
    const legend = await page.locator('[data-card="weights"] .legend').innerText();
    assert.match(legend, new RegExp(`${Math.max(...both).toFixed(4)}`));
    assert.equal(new Set(cells.filter((c) => c.value === Math.max(...both)).map((c) => c.fill)).size, 1, 'the largest weight has one colour in every head');
    assertQuietAndLocal(page, env.origin);
    await page.context().close();
  });

  test('on a phone, four heads share the width instead of stacking', async () => {
    const page = await env.open('v=wrapper&heads=4', { width: 390, height: 844 });
    const cells = svgCells(await cardSVG(page, 'weights'));
    const lines = new Set([0, 1, 2, 3].map((p) => cells.find((c) => c.panel === p && c.row === 0 && c.col === 0).y));
    assert.ok(lines.size <= 2, `4 heads on ${lines.size} lines`);
    const height = await page.locator('#stages').evaluate((e) => e.getBoundingClientRect().height);
    assert.ok(height < 7500, `the pipeline is ${Math.round(height)} px tall`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px`);
    await page.context().close();
  });
});

describe('colour scales', () => {
  test('a per-row scale colours each query row from 0 to its own largest weight, and the link keeps it', async () => {
    const page = await env.open('v=causal');
    await page.selectOption('#scale', 'row');
    await page.waitForFunction(() => location.hash.includes('scale=row'));
    const top = css(interpolateViridis, 1);
    const rowTops = (cells) => [0, 1, 2, 3, 4, 5].map((i) => {
      const row = cells.filter((c) => c.row === i && c.kind === 'value');
      const max = Math.max(...row.map((c) => c.value));
      return row.find((c) => c.value === max).fill;
    });
    assert.deepEqual(rowTops(svgCells(await cardSVG(page, 'weights'))), Array(6).fill(top), 'every row reaches the top colour');
    assert.match(await page.locator('[data-card="weights"] .legend').innerText(), /row max/);
    // The colours travel in the link.
    await page.selectOption('#palette', 'cividis-puor');
    await page.waitForFunction(() => location.hash.includes('pal=cividis-puor'));
    const again = await env.open(page.url().split('#')[1]);
    assert.equal(await again.inputValue('#scale'), 'row');
    assert.equal(await again.inputValue('#palette'), 'cividis-puor');
    assert.deepEqual(rowTops(svgCells(await cardSVG(again, 'weights'))), Array(6).fill(css(interpolateCividis, 1)));
    assertQuietAndLocal(again, env.origin);
    await page.context().close();
    await again.context().close();
  });

  test('a 6-token matrix uses its largest value as the top of the scale; 64 tokens leave out the largest 2%', async () => {
    const page = await env.open('v=causal');
    assert.doesNotMatch(await page.locator('[data-card="weights"] .legend').innerText(), /≥|larger/);
    await paste(page, tokenLines(64));
    await page.waitForFunction(() => window.__test.store.state.tokens.length === 64);
    assert.match(await page.locator('[data-card="weights"] .legend').innerText(), /≥0\.\d{4}.*\(\d+ larger: top colour\)/s);
    await page.context().close();
  });
});

describe('the book\'s stepping stones (section 3.5)', () => {
  test('masking after the softmax and renormalising gives the attention weights, as section 3.5.1 shows', async () => {
    const page = await env.open('v=causal&seed=789');
    await page.waitForSelector('#badge.ok');
    const badge = await page.locator('#badge').innerText();
    for (const name of ['sa_v2_attn_weights', 'mask_simple', 'masked_simple_norm', 'masked', 'causal_attn_weights']) assert.match(badge, new RegExp(name));
    const { trace, stones } = await pageState(page);
    assertClose(stones.renormalized.data, trace.weights.data.slice(0, 36), 'masked_simple_norm = the causal weights');
    for (const card of ['unmasked', 'tril', 'renormalized', 'dropoutOnes']) assert.ok(await page.locator(`[data-card="${card}"] canvas`).isVisible(), card);
    await page.context().close();
  });

  test('dropout on ones(6, 6) matches section 3.5.2 at seed 123, and its zeros are crossed out', async () => {
    const page = await env.open('v=causal');
    await page.waitForSelector('#badge.ok');
    assert.match(await page.locator('#badge').innerText(), /dropout_ones/);
    const { stones } = await pageState(page);
    const zeros = stones.dropoutOnes.data.filter((v) => v === 0).length;
    assert.ok(zeros > 0 && stones.dropoutOnes.data.every((v) => v === 0 || v === 2), 'zeros and twos (p = 0.5)');
    const svg = await cardSVG(page, 'dropoutOnes');
    assert.equal((svg.match(/<path d="M/g) ?? []).length, zeros);
    await page.context().close();
  });
});

describe('the order of the cards', () => {
  test('the causal cards follow the book\'s forward(): scores, mask (unscaled), masked scores ÷ √d_k, weights', async () => {
    const page = await env.open('v=causal');
    const order = await page.locator('[data-stage="steps"] [data-card]').evaluateAll((cs) => cs.map((c) => c.dataset.card));
    assert.deepEqual(order, ['inputs', 'queries', 'keys', 'values', 'scores', 'masked', 'scaled', 'weights', 'dropped', 'context']);
    assert.match(await page.locator('[data-card="masked"] .note').innerText(), /unscaled/);
    assert.match(await page.locator('[data-card="scaled"] h4').innerText(), /Masked scores ÷ √d_k/);
    const cells = svgCells(await cardSVG(page, 'scaled'));
    assert.equal(cells.filter((c) => c.kind === 'masked').length, 15, 'the future stays −∞ after scaling');
    const { trace } = await pageState(page);
    for (const c of cells.filter((x) => x.kind === 'value')) assert.equal(Math.fround(c.value), trace.scaled.data[c.row * 6 + c.col]);
    await page.context().close();
  });

  test('without a mask, scaling comes right after the scores', async () => {
    const page = await env.open('v=v2');
    const order = await page.locator('[data-stage="steps"] [data-card]').evaluateAll((cs) => cs.map((c) => c.dataset.card));
    assert.deepEqual(order, ['inputs', 'queries', 'keys', 'values', 'scores', 'scaled', 'weights', 'context']);
    assert.match(await page.locator('[data-card="scaled"] h4').innerText(), /Scaled by 1\/√d_k/);
    await page.context().close();
  });
});

describe('the keyboard', () => {
  test('the first Tab offers a skip link to the variants, which lands on the chosen variant', async () => {
    const page = await env.open('v=v2');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to the variants');
    await page.keyboard.press('Enter');
    assert.deepEqual(await page.evaluate(() => [document.activeElement.name, document.activeElement.value]), ['variant', 'v2']);
    assert.match(page.url(), /#v=v2/, 'the skip link leaves the view in the link alone');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => window.__test.store.state.variant === 'causal');
    // The second skip link goes to the pipeline.
    await page.reload();
    await page.waitForSelector('html[data-ready="true"]');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Skip to the pipeline');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'pipeline');
    await page.context().close();
  });

  test('the variant tabs are at most 15 Tab presses from the top', async () => {
    const page = await env.open();
    let presses = 0;
    while (presses < 60) {
      await page.keyboard.press('Tab');
      presses++;
      if (await page.evaluate(() => !!document.activeElement.closest('#variant-tabs'))) break;
    }
    assert.ok(presses <= 15, `${presses} presses`);
    await page.context().close();
  });

  test('the arrow keys move between the cells of the input table, which is one tab stop', async () => {
    const page = await env.open();
    const focused = () => page.evaluate(() => [document.activeElement.dataset.i, document.activeElement.dataset.j].join(','));
    assert.equal(await page.locator('#input-table tbody [tabindex="0"]').count(), 1);
    await page.locator('#input-table input[data-i="0"][data-j="0"]').focus();
    await page.keyboard.press('ArrowDown');
    assert.equal(await focused(), '1,0');
    await page.keyboard.press('End'); // the caret to the end of the text, then across
    await page.keyboard.press('ArrowRight');
    assert.equal(await focused(), '1,1');
    await page.keyboard.press('ArrowUp');
    assert.equal(await focused(), '0,1');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'new-token', 'Tab leaves the table');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focused(), '0,1', 'and comes back to the cell it left');
    // The token chips are one tab stop too.
    await page.locator('#token-chips .chip').first().focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement.dataset.row), '1');
    assert.equal(await page.locator('#token-chips [tabindex="0"]').count(), 1);
    await page.context().close();
  });
});

describe('in reach and readable', () => {
  for (const [width, height] of [[1280, 800], [390, 844]]) {
    test(`the Follow control stays on screen while the matrices scroll past (${width} px)`, async () => {
      const page = await env.open('v=mha', { width, height });
      // Down to the last matrices of the pipeline.
      await page.evaluate(() => window.scrollTo(0, document.getElementById('stages').getBoundingClientRect().bottom + window.scrollY - window.innerHeight));
      const box = await page.locator('#follow').boundingBox();
      assert.ok(box.y >= 0 && box.y + box.height <= height, `the Follow control is at y = ${box.y}`);
      await page.selectOption('#follow', '1');
      await page.waitForFunction(() => window.__test.store.state.row === 1);
      await page.context().close();
    });
  }

  test('on a phone, the turned column labels show whole tokens, the followed one in bold too', async () => {
    const page = await env.open('', { wait: false, width: 390, height: 844 });
    await page.addInitScript(() => {
      window.__drawn = [];
      const fillText = CanvasRenderingContext2D.prototype.fillText;
      CanvasRenderingContext2D.prototype.fillText = function (text, ...rest) {
        window.__drawn.push(String(text));
        return fillText.call(this, text, ...rest);
      };
    });
    await page.goto(`${env.origin}/?labels#v=causal&row=1`); // a new document, so the script above runs
    await page.waitForSelector('html[data-ready="true"]');
    const drawn = await page.evaluate(() => window.__drawn);
    const cut = drawn.filter((t) => t.endsWith('…'));
    assert.deepEqual(cut, [], 'labels cut short');
    for (const token of ['Your', 'journey', 'starts', 'with', 'one', 'step']) assert.ok(drawn.includes(token), token);
    await page.context().close();
  });
});
