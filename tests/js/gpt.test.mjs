// Chapters 2, 4 and 5 through the public API of the packed package: nn.Embedding, LayerNorm, GELU,
// FeedForward, TransformerBlock and GPTModel against PyTorch (ch02.json, ch04.json, ch05.json),
// the KV cache, the three generation functions, the book's own printed numbers for GPT_CONFIG_124M
// (book.json: its logits print, its generated ids, its parameter count), and bad input.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { SMALL, assertClose, assertExact, decode, fixture, loadAttn, nested, seedOf } from './setup.mjs';

const ch02 = fixture('ch02.json');
const ch04 = fixture('ch04.json');
const ch05 = fixture('ch05.json');
const book = fixture('book.json').outputs;

let attn;
before(async () => {
  attn = await loadAttn();
});

// API.md's whole-model tolerance: 2e-4·max|expected| + 2e-4·|expected|.
function modelTolerance(expected) {
  let max = 0;
  for (const v of decode(expected).data) if (Number.isFinite(v)) max = Math.max(max, Math.abs(v));
  return { abs: 2e-4 * max, rel: 2e-4 };
}
const ids = (t) => nested(t); // token ids as nested arrays, as a user passes them
// The flat offset of a printed value's index (book.json gives [i, j, ...]) in a tensor of `shape`.
const offset = (index, shape) => index.reduce((acc, i, axis) => acc * shape[axis] + i, 0);
// Every value a print shows equals the tensor's to the print's decimals (half a unit, plus float noise).
function assertPrinted(t, printed, label) {
  const tol = 0.5 * 10 ** -printed.decimals + 1e-6;
  printed.visible.values.forEach((v, i) => {
    const got = t.data[offset(printed.visible.indices[i], t.shape)];
    assert.ok(Math.abs(got - v) <= tol, `${label} ${JSON.stringify(printed.visible.indices[i])}: ${got} vs printed ${v}`);
  });
}
const modelNamed = (name) => ch04.gpt_models.find((m) => m.name === name);
function build(model) {
  attn.manualSeed(seedOf(model.seed));
  return new attn.GPTModel(model.cfg);
}
function assertState(m, want, label) {
  const sd = m.stateDict();
  assert.deepEqual(Object.keys(sd), Object.keys(want), `${label}: stateDict keys in PyTorch's order`);
  for (const [k, v] of Object.entries(want)) assertExact(sd[k], v, `${label}: ${k}`);
}

describe('chapter 2: nn.Embedding', () => {
  test('Embedding draws PyTorch\'s weights and looks up ids of any rank', () => {
    for (const c of ch02.embedding) {
      attn.manualSeed(seedOf(c.seed));
      const layers = c.layers.map((l) => new attn.Embedding(l.num_embeddings, l.embedding_dim));
      c.layers.forEach((l, i) => assertExact(layers[i].stateDict().weight, l.weight, `${c.name}: weight ${i}`));
      for (const lookup of c.lookups) assertExact(layers[lookup.layer].forward(ids(lookup.ids)), lookup.output, `${c.name}: lookup`);
      layers.forEach((l) => l.free());
    }
  });

  test('token and position embeddings add up as in section 2.8', () => {
    for (const c of ch02.input_embeddings) {
      attn.manualSeed(seedOf(c.seed));
      const tok = new attn.Embedding(c.vocab_size, c.emb_dim);
      const pos = new attn.Embedding(c.context_length, c.emb_dim);
      assertExact(tok.stateDict().weight, c.tok_weight, `${c.name}: tok_emb`);
      assertExact(pos.stateDict().weight, c.pos_weight, `${c.name}: pos_emb`);
      const x = ids(c.ids);
      const t = tok.forward(x), p = pos.forward(Array.from({ length: x[0].length }, (_, i) => i));
      const sum = attn.tensor(t.data.map((v, i) => v + p.data[i % p.data.length]), t.shape);
      assertClose(sum, c.output, SMALL, `${c.name}: output`);
      tok.free();
      pos.free();
    }
  });

  test('the book\'s section 2.7 embedding rows, from its printed output', () => {
    const e = book.ch02_embedding;
    attn.manualSeed(e.seed);
    const layer = new attn.Embedding(e.num_embeddings, e.embedding_dim);
    assertPrinted(layer.stateDict().weight, e.weight, 'weight');
    assertPrinted(layer.forward(e.lookup_ids), e.lookup, 'lookup');
    layer.free();
  });
});

describe('chapter 4: the layers and the GPT model', () => {
  test('LayerNorm and GELU give PyTorch\'s outputs, special values included', () => {
    for (const c of ch04.layernorm) {
      const ln = new attn.LayerNorm(c.emb_dim);
      if (c.state_dict) ln.loadStateDict({ scale: nested(c.state_dict.scale), shift: nested(c.state_dict.shift) });
      assertClose(ln.forward(nested(c.input)), c.output, { abs: 1e-5, rel: 1e-5 }, `LayerNorm ${c.name}`);
      ln.free();
    }
    const gelu = new attn.GELU();
    for (const c of ch04.gelu) assertClose(gelu.forward(nested(c.input)), c.output, SMALL, `GELU ${c.name}`);
    gelu.free();
  });

  test('FeedForward and TransformerBlock: seeded weights, training-mode dropout and eval as PyTorch', () => {
    for (const c of [...ch04.feedforward, ...ch04.transformer_block]) {
      attn.manualSeed(seedOf(c.seed));
      const m = new attn[c.class](c.cfg);
      assertState(m, c.state_dict, c.name);
      if (!c.training) m.eval();
      assertClose(m.forward(nested(c.input)), c.output, { abs: 1e-5, rel: 1e-5 }, c.name);
      m.free();
    }
  });

  test('GPTModel: state dicts, logits in training and eval mode, and each block\'s attention trace', () => {
    for (const c of ch04.gpt) {
      const m = build(modelNamed(c.model));
      if (c === ch04.gpt[0]) assertState(m, modelNamed(c.model).state_dict, c.model);
      if (!c.training) m.eval();
      const r = m.forward(ids(c.ids), c.trace ? { trace: true } : undefined);
      const logits = c.trace ? r.output : r;
      assertClose(logits, c.logits, modelTolerance(c.logits), `${c.name}: logits`);
      if (c.trace) {
        assert.equal(r.trace.layers.length, c.trace.layers.length);
        c.trace.layers.forEach((layer, i) => {
          for (const [k, v] of Object.entries(layer)) {
            if (k === 'dropoutMask') assertExact(r.trace.layers[i][k], v, `${c.name}: layer ${i} ${k}`);
            else assertClose(r.trace.layers[i][k], v, { abs: 1e-5, rel: 1e-5 }, `${c.name}: layer ${i} ${k}`);
          }
        });
      }
      m.free();
    }
  });

  test('options.trace.layers traces only the blocks asked for', () => {
    const c = ch04.gpt.find((g) => g.trace);
    const m = build(modelNamed(c.model)).eval();
    const { trace } = m.forward(ids(c.ids), { trace: { layers: [1] } });
    assert.equal(trace.layers[0], null);
    assert.deepEqual(trace.layers[1].weights.shape, decode(c.trace.layers[1].weights).shape);
    m.free();
  });

  test('the KV cache gives PyTorch\'s logits call by call, and resetKVCache empties it', () => {
    for (const c of ch04.kv_cache) {
      const m = build(modelNamed(c.model)).eval();
      c.calls.forEach((call, i) => {
        if (call.op === 'reset') return m.resetKVCache();
        assertClose(m.forward(ids(call.ids), { useCache: call.use_cache }), call.logits, modelTolerance(call.logits), `${c.name}: call ${i}`);
      });
      m.free();
    }
  });

  test('generateTextSimple and generateTextSimpleCached give PyTorch\'s tokens', () => {
    for (const c of ch04.generate_simple) {
      const m = build(modelNamed(c.model)).eval();
      assert.deepEqual(attn.generateTextSimple(m, ids(c.ids), c.max_new_tokens, c.context_size), ids(c.out), c.name);
      m.free();
    }
    for (const c of ch04.generate_cached) {
      const m = build(modelNamed(c.model));
      assert.deepEqual(attn.generateTextSimpleCached(m, ids(c.ids), c.max_new_tokens, c.context_size), ids(c.out), c.name);
      m.free();
    }
  });
});

describe('chapter 5: sampling', () => {
  test('generate gives PyTorch\'s tokens: temperature, top-k, eos, batches (torch.multinomial\'s draws)', () => {
    for (const c of ch05.generate) {
      attn.manualSeed(seedOf(c.seed));
      const m = new attn.GPTModel(c.cfg).eval();
      attn.manualSeed(seedOf(c.sample_seed));
      const out = attn.generate(m, ids(c.ids), c.max_new_tokens, c.context_size,
        { temperature: c.temperature, topK: c.top_k, eosId: c.eos_id });
      assert.deepEqual(out, ids(c.out), c.name);
      m.free();
    }
  });
});

describe('generation step by step', () => {
  test('a loop of cached lastOnly forwards and sampleNext gives generate\'s tokens', () => {
    let compared = 0;
    for (const c of ch05.generate.filter((g) => g.eos_id === null && g.ids.shape.length === 2)) {
      attn.manualSeed(seedOf(c.seed));
      const m = new attn.GPTModel(c.cfg).eval();
      attn.manualSeed(seedOf(c.sample_seed));
      const rows = ids(c.ids);
      // Only where generate never crops its context: a cache does not slide.
      if (rows[0].length + c.max_new_tokens - 1 > Math.min(c.context_size, c.cfg.context_length)) continue;
      const options = { temperature: c.temperature, topK: c.top_k };
      let logits = m.forward(rows, { useCache: true, lastOnly: true });
      const out = ids(c.ids).map((r) => r.slice());
      for (let step = 0; step < c.max_new_tokens; step++) {
        assert.deepEqual(logits.shape, [rows.length, 1, c.cfg.vocab_size]);
        const next = attn.sampleNext(logits, options);
        next.forEach((id, b) => out[b].push(id));
        logits = m.forward(next.map((id) => [id]), { useCache: true, lastOnly: true });
      }
      assert.deepEqual(out, ids(c.out), c.name);
      compared++;
      m.free();
    }
    assert.ok(compared >= 3, `only ${compared} cases compared`);
  });

  test('sampleNext reads (B, T, vocab_size) logits at their last position, as the book\'s logits[:, -1, :]', () => {
    attn.manualSeed(5);
    const logits = attn.randn([2, 3, 7]);                          // (B, T, vocab)
    const last = attn.tensor(Float32Array.from({ length: 14 }, (_, i) => logits.at(i >> 3 ? 1 : 0, 2, i % 7)), [2, 7]);
    assert.deepEqual(attn.sampleNext(logits), attn.sampleNext(last));
    for (const seed of [1, 2, 3]) {
      attn.manualSeed(seed);
      const a = attn.sampleNext(logits, { temperature: 1.5, topK: 4 });
      attn.manualSeed(seed);
      assert.deepEqual(a, attn.sampleNext(last, { temperature: 1.5, topK: 4 }));
    }
    // Greedy is each row's argmax of the last position.
    const argmax = (r) => [...Array(7).keys()].reduce((m, j) => (logits.at(r, 2, j) > logits.at(r, 2, m) ? j : m), 0);
    assert.deepEqual(attn.sampleNext(logits), [argmax(0), argmax(1)]);
  });

  test('sampleNext refuses logits of another rank, an empty position axis and a topK above the vocabulary, naming the argument', () => {
    const refuses = (fn, argument, pattern) => assert.throws(fn, (e) => e instanceof RangeError && e.module === 'sampleNext'
      && e.argument === argument && pattern.test(e.message));
    refuses(() => attn.sampleNext(attn.zeros([7])), 'logits', /\(B, vocab_size\) or \(B, T, vocab_size\).*got \(7,\)/);
    refuses(() => attn.sampleNext(attn.zeros([1, 0, 7])), 'logits', /got \(1, 0, 7\)/);
    refuses(() => attn.sampleNext(attn.zeros([1, 7]), { topK: 8 }), 'topK', /at most the vocabulary's 7/);
    refuses(() => attn.sampleNext(attn.zeros([1, 7]), { temperature: -1 }), 'temperature', /temperature/);
  });
});

describe('the book\'s GPT_CONFIG_124M', () => {
  test('GPT_CONFIG_124M is the book\'s config', () => {
    assert.deepEqual({ ...attn.GPT_CONFIG_124M }, book.ch04_gpt_config_124m.cfg);
  });

  test('seed 123: the logits chapter 4 prints, its parameter count, and generateTextSimple\'s ids', () => {
    const g = ch04.gpt124m;
    attn.manualSeed(123);
    const model = new attn.GPTModel(attn.GPT_CONFIG_124M);
    // The state dict: PyTorch's parameter count and its first and last values of some tensors.
    const sd = model.stateDict();
    let total = 0;
    for (const t of Object.values(sd)) total += t.data.length;
    assert.equal(total, book.ch04_parameters.total_params);
    for (const [k, s] of Object.entries(g.param_samples)) {
      assert.deepEqual(sd[k].shape, s.shape, k);
      assert.deepEqual(Array.from(sd[k].data.subarray(0, 4)), s.first.map(Math.fround), `${k} first`);
      assert.deepEqual(Array.from(sd[k].data.subarray(-4)), s.last.map(Math.fround), `${k} last`);
    }
    // Training mode (dropout 0.1): the batch's logits, as printed by the book (4 decimals) and
    // sampled every vocab_stride-th entry against PyTorch.
    const logits = model.forward(book.ch04_batch.ids);
    assert.deepEqual(logits.shape, [2, 4, 50257]);
    assertPrinted(logits, book.ch04_gpt_logits, "the book's logits");
    const sample = decode(g.training.logits_sample);
    const V = 50257;
    sample.data.forEach((v, i) => {
      const row = Math.floor(i / g.vocab_indices.length), j = g.vocab_indices[i % g.vocab_indices.length];
      const got = logits.data[row * V + j];
      assert.ok(Math.abs(got - v) <= 2e-4 * 2 + 2e-4 * Math.abs(v), `logits sample ${i}: ${got} vs ${v}`);
    });
    // Eval mode: greedy generation from "Hello, I am".
    model.eval();
    const gen = book.ch04_generate;
    assert.deepEqual(attn.generateTextSimple(model, [gen.encoded], gen.max_new_tokens, 1024), [gen.out]);
    assert.deepEqual(attn.generateTextSimpleCached(model, gen.encoded, gen.max_new_tokens), gen.out);
    model.free();
  });
});

describe('bad input', () => {
  test('token ids that are not integers or outside the vocabulary are RangeErrors naming the position', () => {
    attn.manualSeed(1);
    const e = new attn.Embedding(10, 3);
    for (const [bad, at] of [[[[1, 2], [3, 10]], 'ids[1][1] (10)'], [[1, 2.5], 'ids[1] (2.5)'], [[-1], 'ids[0] (-1)'], [[NaN], 'ids[0] (NaN)']]) {
      assert.throws(() => e.forward(bad), (err) => err instanceof RangeError && err.message.includes(at) && err.message.includes('[0, 10)')
        && err.module === 'Embedding' && err.argument === 'ids', JSON.stringify(bad));
    }
    assert.throws(() => e.forward([['1']]), (err) => err instanceof TypeError && err.argument === 'ids');
    assert.deepEqual(e.forward(new Int32Array([1, 2])).shape, [2, 3], 'an Int32Array of ids');
    assert.deepEqual(e.forward(new Uint32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] }).shape, [2, 3, 3], 'flat ids with a shape');
    assert.throws(() => e.forward(new Int32Array(5), { shape: [2, 3] }), (err) => err instanceof RangeError && err.argument === 'ids');
    const m = build(modelNamed('small_seed123')).eval();
    assert.throws(() => m.forward([[1, 97]]), (err) => err instanceof RangeError && err.message.includes('idx[0][1] (97)') && err.argument === 'idx');
    assert.throws(() => m.forward(Array(13).fill(1)), (err) => err instanceof RangeError && err.message.includes('context_length (12)'));
    assert.deepEqual(m.forward([1, 2]).shape, [2, 97], 'the same model afterwards');
    e.free();
    m.free();
  });

  test('a config with missing or wrong keys, or emb_dim not divisible by n_heads, names the key', () => {
    const cfg = { ...modelNamed('small_seed123').cfg };
    const cases = [
      [{ ...cfg, n_heads: undefined }, TypeError, 'cfg.n_heads'],
      [{ ...cfg, emb_dim: '16' }, TypeError, 'cfg.emb_dim'],
      [{ ...cfg, qkv_bias: 0 }, TypeError, 'cfg.qkv_bias'],
      [{ ...cfg, emb_dim: 0 }, RangeError, 'cfg.emb_dim'],
      [{ ...cfg, drop_rate: 1.5 }, RangeError, 'cfg.drop_rate'],
      [{ ...cfg, emb_dim: 18 }, RangeError, 'cfg.emb_dim'],
    ];
    delete cases[0][0].n_heads;
    for (const [c, Kind, argument] of cases) {
      assert.throws(() => new attn.GPTModel(c), (err) => err.constructor === Kind && err.argument === argument && err.module === 'GPTModel'
        && err.message.startsWith(`GPTModel: ${argument}`), `${argument}: ${JSON.stringify(c)}`);
    }
    assert.throws(() => new attn.GPTModel(null), (err) => err instanceof TypeError && err.argument === 'cfg');
    // FeedForward reads only emb_dim, as the book's: the other keys may be anything.
    const ff = new attn.FeedForward({ emb_dim: 4 });
    assert.deepEqual(ff.forward([[1, 2, 3, 4]]).shape, [1, 4]);
    ff.free();
  });

  test('generation: a cache past context_length, bad counts and options are refused; the model stays usable', () => {
    const m = build(modelNamed('small_seed123')).eval();
    assert.throws(() => attn.generateTextSimpleCached(m, [1, 2, 3], 11), (err) => err instanceof RangeError && err.argument === 'maxNewTokens');
    assert.throws(() => attn.generateTextSimple(m, [1], -1, 12), (err) => err instanceof RangeError && err.argument === 'maxNewTokens');
    assert.throws(() => attn.generateTextSimple(m, [1], 1, 0), (err) => err instanceof RangeError && err.argument === 'contextSize');
    assert.throws(() => attn.generate(m, [1], 1, 12, { temperature: -1 }), (err) => err instanceof RangeError && err.argument === 'temperature');
    assert.throws(() => attn.generate(m, [1], 1, 12, { topK: 98 }), (err) => err instanceof RangeError && err.argument === 'topK');
    assert.throws(() => attn.generate(m, [1], 1, 12, { eosId: 97 }), (err) => err instanceof RangeError && err.argument === 'eosId');
    assert.throws(() => attn.generate({}, [1], 1, 12), (err) => err instanceof TypeError && err.argument === 'model');
    m.forward([1, 2], { useCache: true });
    assert.throws(() => m.forward([[1], [2]], { useCache: true }), (err) => err instanceof RangeError && err.message.includes('resetKVCache'));
    m.resetKVCache();
    assert.deepEqual(m.forward([[1], [2]], { useCache: true }).shape, [2, 1, 97]);
    assert.equal(attn.generateTextSimple(m, [1, 2], 2, 12).length, 4);
    m.free();
  });
});
