// GPTModel.fromSafetensors through the packed package: the checkpoints make_fixtures_ch05.py wrote
// (tests/fixtures/checkpoints: Hugging Face's and the book's layouts, F32, F16, BF16) from every
// kind of source, giving PyTorch's logits and tokens; progress; and files that are not what they
// should be, refused naming what is wrong, with nothing kept and the instance still working.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import { FIXTURES, decode, fixture, loadAttn, nested } from './setup.mjs';

const ch05 = fixture('ch05.json');
const bytesOf = (file) => new Uint8Array(readFileSync(`${FIXTURES}/checkpoints/${file}`));

let attn, server, base;
before(async () => {
  attn = await loadAttn();
  // A local server for URL sources (the files as they are, with Content-Length).
  server = http.createServer((req, res) => {
    try {
      const body = bytesOf(decodeURIComponent(req.url.slice(1)));
      res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}/`;
});
after(() => server.close());

function modelTolerance(expected) {
  let max = 0;
  for (const v of decode(expected).data) max = Math.max(max, Math.abs(v));
  return 2e-4 * max;
}
function assertLogits(m, c, label) {
  const want = decode(c.logits), got = m.forward(nested(c.ids));
  assert.deepEqual(got.shape, want.shape, label);
  const tol = modelTolerance(c.logits);
  want.data.forEach((v, i) => assert.ok(Math.abs(got.data[i] - v) <= tol + 2e-4 * Math.abs(v), `${label}: logit ${i}: ${got.data[i]} vs ${v}`));
}

// A copy of a checkpoint with its header rewritten by `edit(header)` (the data left as it is).
function withHeader(file, edit) {
  const bytes = bytesOf(file);
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  edit(header);
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + bytes.length - 8 - n);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + n), 8 + json.length);
  return out;
}

describe('loading', () => {
  test('every checkpoint, from bytes, an ArrayBuffer, a Blob, a Response and a URL, gives PyTorch\'s logits', async () => {
    for (const c of ch05.checkpoints) {
      const bytes = bytesOf(c.file);
      const sources = {
        Uint8Array: bytes,
        ArrayBuffer: bytes.slice().buffer,
        Blob: new Blob([bytes]),
        Response: new Response(bytes),
        URL: base + c.file,
      };
      for (const [kind, source] of Object.entries(sources)) {
        const m = await attn.GPTModel.fromSafetensors(source);
        assert.equal(m.training, false, `${c.file} from ${kind}: eval mode`);
        for (const k of c.cases) assertLogits(m, k, `${c.file} from ${kind}`);
        m.free();
      }
    }
  });

  test('the config comes from the shapes, cfg overrides it, and greedy generation gives PyTorch\'s tokens', async () => {
    for (const c of ch05.checkpoints) {
      const m = await attn.GPTModel.fromSafetensors(bytesOf(c.file));
      const g = c.generate_simple;
      assert.deepEqual(attn.generateTextSimple(m, nested(g.ids), g.max_new_tokens, g.context_size), nested(g.out), c.file);
      m.free();
      const o = c.override;
      const m4 = await attn.GPTModel.fromSafetensors(bytesOf(c.file), o.cfg_override);
      assertLogits(m4, o, `${c.file} with ${JSON.stringify(o.cfg_override)}`);
      m4.free();
    }
  });

  test('onProgress reports the bytes read as they stream, up to the file\'s size', async () => {
    const c = ch05.checkpoints[0];
    const calls = [];
    const m = await attn.GPTModel.fromSafetensors(new Blob([bytesOf(c.file)]), null, { onProgress: (loaded, total) => calls.push([loaded, total]) });
    assert.ok(calls.length >= 2, `${calls.length} calls`);
    calls.forEach(([loaded, total], i) => {
      assert.equal(total, c.bytes);
      if (i) assert.ok(loaded >= calls[i - 1][0]);
    });
    assert.equal(calls.at(-1)[0], c.bytes);
    m.free();
  });

  test('loading draws nothing from the generator', async () => {
    attn.manualSeed(5);
    const want = attn.rand([3]).data;
    attn.manualSeed(5);
    (await attn.GPTModel.fromSafetensors(bytesOf(ch05.checkpoints[0].file))).free();
    assert.deepEqual(attn.rand([3]).data, want);
  });
});

describe('files that are not what they should be', () => {
  const file = 'gpt2_tiny_hf_f32.safetensors';
  const refused = async (source, Kind, parts, label) => {
    const before = attn.memory().inUse;
    await assert.rejects(attn.GPTModel.fromSafetensors(source), (err) => {
      assert.equal(err.constructor, Kind, `${label}: ${err.constructor.name}: ${err.message}`);
      assert.equal(err.module, 'GPTModel.fromSafetensors', label);
      for (const p of parts) assert.ok(err.message.includes(p), `${label}: "${err.message}" lacks "${p}"`);
      return true;
    });
    assert.equal(attn.memory().inUse, before, `${label}: nothing is kept`);
  };

  test('each is refused naming the tensor (and both shapes), keeping nothing', async () => {
    const bytes = bytesOf(file);
    await refused(new Uint8Array(20), Error, ['not a safetensors file', 'header of 0 bytes'], 'zeros');
    await refused(new TextEncoder().encode('{"not": "safetensors"} and more text'), Error, ['not a safetensors file'], 'text');
    const badJson = bytes.slice();
    badJson[9] = 0x7b; // '{' where a '"' was: the JSON breaks
    await refused(badJson, Error, ['not a safetensors file', 'not JSON'], 'broken JSON');
    await refused(bytes.subarray(0, bytes.length - 100), RangeError, ['truncated'], 'truncated');
    await refused(withHeader(file, (h) => delete h['h.1.mlp.c_fc.weight']), RangeError,
      ["no tensor 'h.1.mlp.c_fc.weight'", '(64, 256)'], 'missing tensor');
    await refused(withHeader(file, (h) => { h['h.0.attn.c_proj.weight'].shape = [32, 128]; }), RangeError,
      ["'h.0.attn.c_proj.weight'", 'shape (32, 128)', 'expected (64, 64)'], 'wrong shape');
    await refused(withHeader(file, (h) => { h['wte.weight'].dtype = 'I8'; }), RangeError, ["'wte.weight'", 'dtype I8'], 'dtype');
    await refused(withHeader(file, (h) => { h['ln_f.bias'].data_offsets = [0, 8]; }), RangeError, ["'ln_f.bias'", 'data_offsets [0, 8]', '256 bytes'], 'offsets');
    await refused(base + 'no-such-file.safetensors', Error, ['404'], 'a URL that is not there');
    await refused(42, TypeError, ['source must be'], 'a number');
    await assert.rejects(attn.GPTModel.fromSafetensors(bytes, { n_heads: 5 }), (err) => err.argument === 'cfg.emb_dim' && err instanceof RangeError);
    await assert.rejects(attn.GPTModel.fromSafetensors(bytes, { n_heads: '4' }), (err) => err.argument === 'cfg.n_heads' && err instanceof TypeError);
    // The instance still works.
    const m = await attn.GPTModel.fromSafetensors(bytes);
    assertLogits(m, ch05.checkpoints[0].cases[0], 'afterwards');
    m.free();
  });
});
