// The page as a learner uses it: it loads quietly with the book's sentence and numbers, every
// variant matches the book, and every change either recomputes or says why not while keeping
// the last good view.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { contentSecurityPolicy } from '../../scripts/serve.mjs';
import { CHAPTER, REPO, VARIANT_IDS, assertAt4, assertClose, assertQuietAndLocal, computeDirect, pageState, printedNumbers, ready, setup } from './helpers.mjs';

let env;
before(async () => {
  env = await setup();
});
after(async () => {
  await env?.close();
});

const BOOK_INPUTS = CHAPTER.tensors.inputs;
const bookRows = () => Array.from({ length: 6 }, (_, i) => BOOK_INPUTS.data.slice(3 * i, 3 * i + 3));

describe('loading', () => {
  test('the page loads with no console error and shows the six tokens and the book\'s numbers', async () => {
    const page = await env.open();
    const chips = await page.locator('#token-chips .chip').evaluateAll((cs) => cs.map((c) => c.firstChild.textContent));
    assert.deepEqual(chips, CHAPTER.tokens);
    const tableTokens = await page.locator('#input-table input.tok').evaluateAll((is) => is.map((i) => i.value));
    assert.deepEqual(tableTokens, CHAPTER.tokens);
    // The default view is CausalAttention with the book's settings: the badge says it matches.
    await page.waitForSelector('#badge.ok');
    assert.match(await page.locator('#badge').innerText(), /Matches the book/);
    const { output } = await pageState(page);
    assertAt4(output.data, printedNumbers(CHAPTER.printed.ca_output), 'ca_output');
    // The numbers are on the page as text too: follow "journey" and read its row of weights.
    await page.locator('#token-chips .chip', { hasText: 'journey' }).click();
    const readout = await page.locator('[data-card="weights"] .readout').innerText();
    assert.match(readout, /^journey:/);
    const weights = (await pageState(page)).trace.weights;
    const row = weights.data.slice(6, 12).map((v) => v.toFixed(4));
    assert.equal(readout.replace(/^journey:\s*/, '').trim().split(/\s+/).join(' '), row.join(' '));
    assertQuietAndLocal(page, env.origin);
    await page.context().close();
  });

  test('simplified attention shows the book\'s weights for "journey" (section 3.3.1) as text', async () => {
    const page = await env.open('v=simplified&row=1');
    const readout = await page.locator('[data-card="weights"] .readout').innerText();
    const shown = readout.replace(/^journey:\s*/, '').trim().split(/\s+/).map(Number);
    assert.deepEqual(shown, printedNumbers(CHAPTER.printed.attn_weights_2));
    assertQuietAndLocal(page, env.origin);
    await page.context().close();
  });

  test('the server sends COOP, COEP and a CSP that the page repeats in a <meta> tag', async () => {
    const page = await env.open();
    const res = await page.request.get(`${env.origin}/`);
    const h = res.headers();
    assert.equal(h['cross-origin-opener-policy'], 'same-origin');
    assert.equal(h['cross-origin-embedder-policy'], 'require-corp');
    assert.equal(h['content-security-policy'], contentSecurityPolicy());
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.equal(meta, contentSecurityPolicy({ meta: true }), 'the meta tag must match the server (after editing the import map: node scripts/serve.mjs --print-csp)');
    assert.equal(h['content-security-policy'], `${meta}; frame-ancestors 'none'`);
    assert.ok(await page.evaluate(() => crossOriginIsolated), 'COOP+COEP make the page cross-origin isolated');
    // JavaScript eval stays forbidden: only WebAssembly compilation is allowed.
    // (Run from a timer: code that the test driver evaluates directly is exempt from the CSP.)
    const evalResult = await page.evaluate(() => new Promise((ok) => setTimeout(() => {
      try {
        ok((0, eval)('"allowed"'));
      } catch (err) {
        ok(err.name);
      }
    }, 0)));
    assert.equal(evalResult, 'EvalError', 'eval must be blocked by the CSP');
    page.problems.length = 0; // the blocked eval is reported on the console, as it should be
    const wasm = await page.request.get(`${env.origin}/dist/attention_wasm.wasm`);
    assert.equal(wasm.headers()['content-type'], 'application/wasm');
    for (const path of ['/package.json', '/node_modules/d3-dsv/package.json', '/vendor/commander/package.json', '/tests/fixtures/chapter.json', '/dist/../package.json']) {
      assert.equal((await page.request.get(`${env.origin}${path}`)).status(), 404, `${path} must not be served`);
    }
    assert.equal((await page.request.post(`${env.origin}/`)).status(), 405);
    await page.context().close();
  });

  test('node scripts/serve.mjs serves on $PORT and says where', async () => {
    const child = spawn(process.execPath, ['scripts/serve.mjs'], { cwd: REPO, env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let out = '';
      for await (const chunk of child.stdout) {
        out += chunk;
        if (out.includes('\n')) break;
      }
      const url = out.match(/http:\/\/localhost:\d+\//)?.[0];
      assert.ok(url, `no URL in: ${out}`);
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /Attention, step by step/);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    const bad = spawn(process.execPath, ['scripts/serve.mjs'], { cwd: REPO, env: { ...process.env, PORT: 'eighty' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const [code] = await once(bad, 'exit');
    assert.equal(code, 2);
  });

  test('with the reference numbers unavailable, the page still computes everything and says the badge cannot compare', async () => {
    const page = await env.open('', { wait: false });
    await page.route('**/reference/chapter.json', (route) => route.fulfill({ status: 404, body: 'gone' }));
    await page.reload();
    await ready(page);
    await page.waitForFunction(() => /could not be loaded/.test(document.getElementById('badge').textContent));
    const { output } = await pageState(page);
    assertAt4(output.data, printedNumbers(CHAPTER.printed.ca_output), 'ca_output computed without the reference');
    await page.context().close();
  });
});

describe('the six variants', () => {
  const checks = {
    simplified: { cls: 'simplified', printed: 'all_context_vecs', code: 'attn_weights = torch.softmax(inputs @ inputs.T, dim=-1)' },
    v1: { cls: 'SelfAttentionV1', seed: 123, args: [3, 2], printed: 'sa_v1_output', code: 'sa_v1 = SelfAttention_v1(d_in=3, d_out=2)' },
    v2: { cls: 'SelfAttentionV2', seed: 789, args: [3, 2, { qkvBias: false }], printed: 'sa_v2_output', code: 'sa_v2 = SelfAttention_v2(d_in=3, d_out=2, qkv_bias=False)' },
    causal: { cls: 'CausalAttention', seed: 123, args: [3, 2, 6, 0, { qkvBias: false }], batched: true, printed: 'ca_output',
      code: 'ca = CausalAttention(d_in=3, d_out=2, context_length=6, dropout=0.0, qkv_bias=False)' },
    wrapper: { cls: 'MultiHeadAttentionWrapper', seed: 123, args: [3, 2, 6, 0, 2, { qkvBias: false }], batched: true, printed: 'mha_wrapper_output',
      code: 'mha = MultiHeadAttentionWrapper(d_in=3, d_out=2, context_length=6, dropout=0.0, num_heads=2, qkv_bias=False)' },
    mha: { cls: 'MultiHeadAttention', seed: 123, args: [3, 2, 6, 0, 2, { qkvBias: false }], batched: true, printed: 'mha_output',
      code: 'mha = MultiHeadAttention(d_in=3, d_out=2, context_length=6, dropout=0.0, num_heads=2, qkv_bias=False)' },
  };

  test('switching variant recomputes, and each matches the book and shows its code at the book\'s settings', async () => {
    const page = await env.open();
    for (const id of VARIANT_IDS) {
      await page.locator(`#variant-tabs label[data-variant="${id}"]`).click();
      await page.waitForFunction((v) => window.__test.store.state.variant === v, id);
      await page.waitForSelector('#badge.ok');
      const c = checks[id];
      const { output } = await pageState(page);
      assertAt4(output.data, printedNumbers(CHAPTER.printed[c.printed]), `${id}: ${c.printed}`);
      const direct = await computeDirect(page, { ...c, inputs: bookRows(), training: true });
      assert.deepEqual(output.data, direct, `${id}: the page shows exactly what the module computes`);
      assertClose(output.data, await computeDirect(page, { ...c, inputs: bookRows(), training: true, fast: true }), `${id}: plain forward(x)`);
      const badge = await page.locator('#badge').innerText();
      assert.match(badge, new RegExp(c.printed));
      assert.ok((await page.locator('#construct-code').innerText()).includes(c.code), `${id}: the book's code`);
    }
    // The structure follows the variant: the heads side by side, then the merge and out_proj.
    assert.match(await page.locator('[data-stage="heads"] h3').innerText(), /The 2 heads, side by side/);
    assert.equal(await page.locator('[data-card="weights"]').count(), 1, 'one card per step, holding both heads');
    assert.ok(await page.locator('[data-card="concat"]').isVisible());
    assert.ok(await page.locator('[data-card="output"]').isVisible());
    assert.match(await page.locator('[data-card="output"] .shape').innerText(), /\(2, 6, 2\)/);
    assertQuietAndLocal(page, env.origin);
    await page.context().close();
  });

  test('the causal variant at seed 789 has SelfAttention_v2\'s weights and matches section 3.5.1\'s mask and weights', async () => {
    const page = await env.open('v=causal&seed=789');
    await page.waitForSelector('#badge.ok');
    const text = await page.locator('#badge').innerText();
    assert.match(text, /masked/);
    assert.match(text, /causal_attn_weights/);
    const { trace } = await pageState(page);
    const masked = trace.masked.data.slice(0, 36).map((v) => (v === '-Infinity' ? -Infinity : v));
    assert.deepEqual(masked.map((v) => (Number.isFinite(v) ? Number(v.toFixed(4)) : v)),
      printedNumbers(CHAPTER.printed.masked).map((v) => (Number.isFinite(v) ? v : -Infinity)));
    await page.context().close();
  });
});

describe('changes', () => {
  test('changing the seed changes the numbers, the badge and the URL', async () => {
    const page = await env.open('v=v1');
    const before = await pageState(page);
    await page.fill('#p-seed', '124');
    await page.waitForFunction(() => window.__test.store.state.seed === 124);
    const after = await pageState(page);
    assert.notDeepEqual(after.output.data, before.output.data);
    const direct = await computeDirect(page, { cls: 'SelfAttentionV1', seed: 124, args: [3, 2], inputs: bookRows(), training: true });
    assert.deepEqual(after.output.data, direct);
    await page.waitForSelector('#badge.off');
    assert.match(await page.locator('#badge').innerText(), /seed 124 \(the book: 123\)/);
    await page.waitForFunction(() => location.hash.includes('seed=124'));
    // The badge offers the way back.
    await page.locator('#badge button').click();
    await page.waitForSelector('#badge.ok');
    assert.equal(await page.inputValue('#p-seed'), '123');
    assertQuietAndLocal(page, env.origin);
    await page.context().close();
  });

  test('editing a value recomputes with it', async () => {
    const page = await env.open('v=v2');
    await page.locator('#input-table input[data-i="1"][data-j="0"]').fill('0.9');
    await page.waitForFunction(() => window.__test.store.state.x[1][0] === 0.9);
    const inputs = bookRows();
    inputs[1][0] = 0.9;
    const direct = await computeDirect(page, { cls: 'SelfAttentionV2', seed: 789, args: [3, 2, { qkvBias: false }], inputs, training: true });
    assert.deepEqual((await pageState(page)).output.data, direct);
    await page.waitForSelector('#badge.off');
    assert.match(await page.locator('#badge').innerText(), /the inputs/);
    // Renaming a token relabels every matrix.
    await page.locator('#input-table input.tok[data-i="0"]').fill('My');
    await page.waitForFunction(() => window.__test.store.state.tokens[0] === 'My');
    assert.equal(await page.locator('#token-chips .chip').first().evaluate((c) => c.firstChild.textContent), 'My');
    assertQuietAndLocal(page, env.origin);
    await page.context().close();
  });

  test('adding a token grows every matrix; removing one shrinks it back', async () => {
    const page = await env.open('v=causal');
    await page.fill('#new-token', 'today');
    await page.click('#add-token');
    await page.waitForFunction(() => window.__test.store.state.tokens.length === 7);
    const s = await pageState(page);
    assert.equal(s.state.tokens[6], 'today');
    assert.deepEqual(s.trace.weights.shape, [2, 7, 7]);
    assert.equal(await page.inputValue('#p-contextLength'), '7', 'context_length follows T');
    assert.equal(await page.locator('#token-chips .chip').count(), 7);
    const direct = await computeDirect(page, { cls: 'CausalAttention', seed: 123, args: [3, 2, 7, 0, { qkvBias: false }], inputs: s.state.x, batched: true, training: true });
    assert.deepEqual(s.output.data, direct);
    await page.locator('#input-table button[data-remove="6"]').click();
    await page.waitForFunction(() => window.__test.store.state.tokens.length === 6);
    await page.waitForSelector('#badge.ok');
    // A dimension more, a dimension less.
    await page.click('#add-dim');
    await page.waitForFunction(() => window.__test.store.state.x[0].length === 4);
    await page.click('#remove-dim');
    await page.waitForFunction(() => window.__test.store.state.x[0].length === 3);
    await page.waitForSelector('#badge.ok');
    assertQuietAndLocal(page, env.origin);
    await page.context().close();
  });

  test('a pasted CSV, TSV or JSON table replaces the inputs', async () => {
    const page = await env.open('v=simplified');
    await page.locator('#paste summary').click();
    await page.fill('#paste-text', 'token,a,b\nthe,1,0\ncat,0,1\nsat,0.5,0.5\n');
    await page.click('#paste-apply');
    await page.waitForFunction(() => window.__test.store.state.tokens.join(' ') === 'the cat sat');
    assert.deepEqual((await pageState(page)).state.x, [[1, 0], [0, 1], [0.5, 0.5]]);
    await page.fill('#paste-text', 'x\t0.1\t0.2\ny\t0.3\t0.4');
    await page.click('#paste-apply');
    await page.waitForFunction(() => window.__test.store.state.tokens.join(' ') === 'x y');
    await page.fill('#paste-text', '[[0.43, 0.15, 0.89], [0.55, 0.87, 0.66]]');
    await page.click('#paste-apply');
    await page.waitForFunction(() => window.__test.store.state.x.length === 2 && window.__test.store.state.x[0].length === 3);
    await page.fill('#paste-text', JSON.stringify({ tokens: CHAPTER.tokens, inputs: bookRows() }));
    await page.click('#paste-apply');
    await page.waitForSelector('#badge.ok');
    // Reset brings the book's back after any change.
    await page.fill('#paste-text', '1,2\n3,4');
    await page.click('#paste-apply');
    await page.waitForFunction(() => window.__test.store.state.x.length === 2);
    await page.click('#reset-inputs');
    await page.waitForSelector('#badge.ok');
    assertQuietAndLocal(page, env.origin);
    await page.context().close();
  });

  test('clicking a token follows its row in every matrix; the keyboard does the same', async () => {
    const page = await env.open('v=mha');
    await page.locator('#token-chips .chip', { hasText: 'journey' }).click();
    await page.waitForFunction(() => window.__test.store.state.row === 1);
    assert.equal(await page.locator('#token-chips .chip[aria-pressed="true"]').count(), 1);
    const readouts = await page.locator('.stage:not([data-stage="params"]) .card .readout').evaluateAll((rs) => rs.map((r) => r.textContent));
    assert.ok(readouts.length >= 12 && readouts.every((t) => t.includes('journey')), `every matrix lists the followed row: ${JSON.stringify(readouts)}`);
    assert.match(await page.locator('[data-card="weights"] .readout').innerText(), /head 0:.*\n.*head 1:/s, 'for each head');
    await page.waitForFunction(() => location.hash.includes('row=1'));
    // Keyboard: focus a matrix, move down one row, press Enter.
    const canvas = page.locator('[data-card="weights"] canvas');
    await canvas.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => window.__test.store.state.row === 2);
    assert.ok(await page.locator('#tooltip').isVisible(), 'the keyboard cursor shows the cell');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => window.__test.store.state.row === null);
    // A click on a cell follows that cell's row.
    const box = await canvas.boundingBox();
    await page.mouse.move(box.x + box.width - 10, box.y + box.height - 10);
    assert.match(await page.locator('#tooltip').innerText(), /query “step”/);
    await page.mouse.click(box.x + box.width - 10, box.y + box.height - 10);
    await page.waitForFunction(() => window.__test.store.state.row === 5);
    assertQuietAndLocal(page, env.origin);
    await page.context().close();
  });

  test('the whole state travels in the URL', async () => {
    const page = await env.open('v=mha');
    await page.fill('#p-seed', '7');
    await page.fill('#p-dropout', '0.25');
    await page.selectOption('#p-training', 'train');
    await page.locator('#input-table input.tok[data-i="5"]').fill('leap');
    await page.locator('#token-chips .chip', { hasText: 'one' }).click();
    await page.waitForFunction(() => location.hash.includes('row=4') && location.hash.includes('leap'));
    const url = page.url();
    const first = await pageState(page);
    const other = await env.open(url.split('#')[1]);
    const second = await pageState(other);
    assert.deepEqual(second.state, first.state);
    assert.deepEqual(second.output.data, first.output.data);
    assertQuietAndLocal(other, env.origin);
    await page.context().close();
    await other.context().close();
  });
});

describe('mistakes keep the last good view', () => {
  async function expectKept(page, before, field, pattern) {
    await page.waitForFunction((f) => document.getElementById(`msg-${f}`).textContent !== '', field);
    assert.match(await page.locator(`#msg-${field}`).innerText(), pattern);
    assert.match(await page.locator('#status').innerText(), /Not updated: .* last good view/);
    const now = await pageState(page);
    assert.deepEqual(now.output.data, before.output.data, 'the view is unchanged');
    assert.deepEqual(now.state.tokens, before.state.tokens);
  }

  test('malformed pasted input: a clear message, nothing else changes', async () => {
    const page = await env.open('v=causal');
    const before = await pageState(page);
    await page.locator('#paste summary').click();
    for (const [text, pattern] of [
      ['1,2,3\n4,5', /Row 2 has 2 values, row 1 has 3/],
      ['[[0.1, 0.2], [0.3,', /never closed/],
      ['{"tokens": ["a"]', /Not valid JSON/],
      ['a,b,c\nd,e,f', /“b” is not a number|No tokens|not a number/],
      ['[[1, "x"]]', /not a number/],
      ['', /Nothing to read/],
      [Array.from({ length: 1000 }, (_, i) => `${i / 1000},0.5`).join('\n'), /1000 tokens: this page draws at most 128/],
      ['1e39,1', /too large for float32/],
    ]) {
      await page.fill('#paste-text', text);
      await page.click('#paste-apply');
      await expectKept(page, before, 'paste', pattern);
      assert.equal(await page.locator('#paste-text').getAttribute('aria-invalid'), 'true');
    }
    // A value that is not a number, typed in the table.
    await page.locator('#input-table input[data-i="2"][data-j="1"]').fill('abc');
    await expectKept(page, before, 'x', /starts, x\[1\]: “abc” is not a number/);
    assert.equal(await page.locator('#input-table input[data-i="2"][data-j="1"]').getAttribute('aria-invalid'), 'true');
    await page.locator('#input-table input[data-i="2"][data-j="1"]').fill('0.85');
    await page.waitForFunction(() => document.getElementById('status').textContent === '');
    assertQuietAndLocal(page, env.origin);
    await page.context().close();
  });

  test('absurd parameters: the library\'s message next to the control, the last good view kept', async () => {
    const page = await env.open('v=mha');
    const before = await pageState(page);
    await page.fill('#p-dOut', '5');
    await expectKept(page, before, 'dOut', /MultiHeadAttention: dOut \(5\) must be divisible by numHeads \(2\)/);
    assert.equal(await page.locator('#p-dOut').getAttribute('aria-invalid'), 'true');
    await page.fill('#p-dOut', '100000');
    await expectKept(page, before, 'dOut', /this page draws at most 128/);
    await page.fill('#p-dOut', '2');
    await page.fill('#p-dropout', '1.5');
    await expectKept(page, before, 'dropout', /dropout \(1\.5\) must be a probability in \[0, 1\]/);
    await page.fill('#p-dropout', '0');
    await page.fill('#p-numHeads', '0');
    await expectKept(page, before, 'numHeads', /numHeads/);
    await page.fill('#p-numHeads', '2');
    await page.fill('#p-seed', '1.5');
    await expectKept(page, before, 'seed', /seed: “1\.5” is not an integer/);
    await page.fill('#p-seed', String(2n ** 64n));
    await expectKept(page, before, 'seed', /seed .* must be in \[-2\^63, 2\^64\)/);
    await page.fill('#p-seed', '123');
    // context_length below the number of tokens: the library's own words.
    await page.uncheck('#p-contextLength-auto');
    await page.fill('#p-contextLength', '4');
    await expectKept(page, before, 'contextLength', /more than contextLength \(4\)/);
    await page.check('#p-contextLength-auto');
    await page.waitForSelector('#badge.ok');
    assert.deepEqual((await pageState(page)).output.data, before.output.data);
    assertQuietAndLocal(page, env.origin);
    await page.context().close();
  });

  test('text that does not parse stays at its field, and another variant still computes', async () => {
    const page = await env.open('v=causal');
    await page.fill('#p-seed', 'abc');
    await page.waitForFunction(() => document.getElementById('msg-seed').textContent !== '');
    assert.match(await page.locator('#msg-seed').innerText(), /seed: “abc” is not an integer/);
    await page.locator('#variant-tabs label[data-variant="simplified"]').click();
    await page.waitForFunction(() => window.__test.store.state.variant === 'simplified');
    assert.equal(await page.locator('#status').innerText(), '');
    await page.locator('#variant-tabs label[data-variant="causal"]').click();
    await page.waitForFunction(() => window.__test.store.state.variant === 'causal');
    assert.equal(await page.inputValue('#p-seed'), '123', 'the last value that parsed');
    assert.equal(await page.locator('#msg-seed').innerText(), '');
    await page.waitForSelector('#badge.ok');
    assertQuietAndLocal(page, env.origin);
    await page.context().close();
  });

  test('a broken link falls back to the book\'s values and says so', async () => {
    const page = await env.open('v=nonsense&seed=abc&x=[[1,2],[3]]');
    assert.match(await page.locator('#status').innerText(), /not understood/);
    await page.waitForSelector('#badge.ok');
    await page.context().close();
  });
});

describe('keyboard and themes', () => {
  test('every control is reachable with Tab and shows its focus', async () => {
    const page = await env.open();
    const seen = new Set();
    let invisible = [];
    for (let k = 0; k < 140; k++) {
      await page.keyboard.press('Tab');
      const info = await page.evaluate(() => {
        const e = document.activeElement;
        const cs = getComputedStyle(e);
        const label = e.id || e.dataset.export || e.getAttribute('aria-label') || e.className || e.tagName;
        return { label, tag: e.tagName, outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0, within: !!e.closest('.tab') };
      });
      seen.add(info.label);
      // Radio buttons show focus on their tab (the label), through :focus-within.
      if (!info.outline && !info.within) invisible.push(info.label);
    }
    for (const id of ['theme-toggle', 'copy-link', 'p-seed', 'p-dOut', 'p-contextLength-auto', 'p-dropout', 'p-training', 'book-settings', 'new-token', 'add-token', 'follow', 'palette']) {
      assert.ok(seen.has(id), `${id} is reachable by keyboard`);
    }
    assert.ok([...seen].some((l) => /Attention weights/.test(l)), 'the heatmaps are reachable by keyboard');
    invisible = invisible.filter((l) => l !== 'BODY');
    assert.deepEqual(invisible, [], 'focused elements without a visible focus ring');
    await page.context().close();
  });

  test('the theme switches between light and dark and redraws', async () => {
    const page = await env.open();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light');
    await page.click('#theme-toggle');
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, 'rgb(15, 18, 23)');
    const dark = await env.open('', { colorScheme: 'dark' });
    assert.equal(await dark.evaluate(() => document.documentElement.dataset.theme), 'dark');
    assertQuietAndLocal(page, env.origin);
    await page.context().close();
    await dark.context().close();
  });
});
