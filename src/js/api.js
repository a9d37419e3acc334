// The API object init() resolves to: tensors, the generator, functions and the book's classes
// over one Embind handle type.
import { apiError, describe, requireBoolean, requireIntegerIn, requireNumber, unwrap } from './errors.js';
import { Tensor, checkShape, fromRaw, toTensorParts } from './tensor.js';

const TWO_64 = 1n << 64n;

function seedHalves(seed) {
  let big;
  if (typeof seed === 'bigint') big = seed;
  else if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed)) throw apiError(RangeError, 'manualSeed', 'seed', `manualSeed: seed (${seed}) must be a safe integer or a BigInt in [-2^63, 2^64)`);
    big = BigInt(seed);
  } else throw apiError(TypeError, 'manualSeed', 'seed', `manualSeed: seed must be a number or a BigInt, got ${describe(seed)}`);
  if (big < -(1n << 63n) || big >= TWO_64) throw apiError(RangeError, 'manualSeed', 'seed', `manualSeed: seed (${big}) must be in [-2^63, 2^64), as torch.manual_seed accepts`);
  const u = big < 0n ? big + TWO_64 : big; // two's complement, as torch wraps negative seeds
  return [Number(u >> 32n), Number(u & 0xffffffffn)];
}

export function makeApi(raw, version) {
  const registry = typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry((handle) => { if (!handle.isDeleted()) handle.delete(); })
    : null;

  const tensor = (data, shape) => {
    if (shape !== undefined) checkShape('tensor', shape);
    const p = toTensorParts(data, shape, 'tensor', 'data');
    // The new Tensor owns its data: copy unless toTensorParts already made a fresh array.
    const shared = p.data === data || (data instanceof Tensor && p.data === data.data);
    return new Tensor(shared ? p.data.slice() : p.data, p.shape);
  };
  const filled = (who, shape, value) => {
    checkShape(who, shape);
    const n = shape.reduce((a, b) => a * b, 1);
    if (n > raw.maxMemory / 4) throw apiError(RangeError, who, 'shape', `${who}: shape (${shape.join(', ')}) has ${n} elements, more than the wasm memory can hold`);
    return new Tensor(new Float32Array(n).fill(value), shape.slice());
  };
  const input = (x, who, arg = 'x') => toTensorParts(x, undefined, who, arg);

  class Module {
    constructor(cls, args) {
      const handle = new raw.ModuleHandle();
      try {
        unwrap(handle.init(cls, args));
      } catch (err) {
        handle.delete();
        throw err;
      }
      this._cls = cls;
      this._handle = handle;
      registry?.register(this, handle, this);
    }

    // member: the method called, or (read: true) the getter read, after free().
    _live(member, read = false) {
      if (this._handle === null) throw apiError(TypeError, this._cls, undefined, `${this._cls}: ${read ? `${member} was read` : `${member}() was called`} after free()`);
      return this._handle;
    }

    forward(x, options = {}) {
      const handle = this._live('forward');
      if (options === null || typeof options !== 'object') throw apiError(TypeError, this._cls, 'options', `${this._cls}: options must be an object, got ${describe(options)}`);
      const trace = options.trace === undefined ? false : requireBoolean(this._cls, 'options.trace', options.trace);
      const p = input(x, this._cls);
      const r = unwrap(handle.forward(p.data, p.shape, trace));
      if (!trace) return fromRaw(r.output);
      return { output: fromRaw(r.output), trace: mapValues(r.trace, fromRaw) };
    }

    train(mode = true) {
      this._live('train').train(requireBoolean(this._cls, 'mode', mode));
      return this;
    }

    eval() {
      this._live('eval').train(false);
      return this;
    }

    get training() {
      return this._live('training', true).training();
    }

    stateDict() {
      return mapValues(unwrap(this._live('stateDict').stateDict()), fromRaw);
    }

    loadStateDict(obj) {
      const handle = this._live('loadStateDict');
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
        throw apiError(TypeError, this._cls, 'stateDict', `${this._cls}: loadStateDict expects an object of { name: Tensor }, got ${describe(obj)}`);
      const entries = Object.entries(obj).map(([key, value]) => ({ key, ...input(value, this._cls, `state dict key '${key}'`) }));
      unwrap(handle.loadStateDict(entries));
      return this;
    }

    free() {
      if (this._handle === null) return;
      registry?.unregister(this);
      this._handle.delete();
      this._handle = null;
    }

    // `using m = new attn.MultiHeadAttention(...)` frees m at the end of its block.
    [Symbol.dispose ?? Symbol.for('Symbol.dispose')]() {
      this.free();
    }
  }

  const options = (cls, opts) => {
    if (opts === undefined) return false;
    if (opts === null || typeof opts !== 'object') throw apiError(TypeError, cls, 'options', `${cls}: options must be an object like { qkvBias: true }, got ${describe(opts)}`);
    return opts.qkvBias === undefined ? false : requireBoolean(cls, 'qkvBias', opts.qkvBias);
  };
  const sizes = (cls, named) => {
    for (const [arg, v] of Object.entries(named)) requireNumber(cls, arg, v);
    return named;
  };

  class Dropout extends Module {
    constructor(p) {
      super('Dropout', { p: requireNumber('Dropout', 'p', p), qkvBias: false });
    }
  }
  class SelfAttentionV1 extends Module {
    constructor(dIn, dOut) {
      super('SelfAttentionV1', { ...sizes('SelfAttentionV1', { dIn, dOut }), qkvBias: false });
    }
  }
  class SelfAttentionV2 extends Module {
    constructor(dIn, dOut, opts) {
      super('SelfAttentionV2', { ...sizes('SelfAttentionV2', { dIn, dOut }), qkvBias: options('SelfAttentionV2', opts) });
    }
  }
  class CausalAttention extends Module {
    constructor(dIn, dOut, contextLength, dropout, opts) {
      const cls = 'CausalAttention';
      super(cls, { ...sizes(cls, { dIn, dOut, contextLength, dropout }), qkvBias: options(cls, opts) });
    }
  }
  class MultiHeadAttentionWrapper extends Module {
    constructor(dIn, dOut, contextLength, dropout, numHeads, opts) {
      const cls = 'MultiHeadAttentionWrapper';
      super(cls, { ...sizes(cls, { dIn, dOut, contextLength, dropout, numHeads }), qkvBias: options(cls, opts) });
    }
  }
  class MultiHeadAttention extends Module {
    constructor(dIn, dOut, contextLength, dropout, numHeads, opts) {
      const cls = 'MultiHeadAttention';
      super(cls, { ...sizes(cls, { dIn, dOut, contextLength, dropout, numHeads }), qkvBias: options(cls, opts) });
    }
  }

  const traced = (who, r, opts) => {
    const trace = opts?.trace === undefined ? false : requireBoolean(who, 'options.trace', opts.trace);
    return [trace, (res) => (trace ? { output: fromRaw(res.output), trace: mapValues(res.trace, fromRaw) } : fromRaw(res.output))];
  };
  const chapterFn = (name) => (x) => {
    const p = input(x, name);
    return fromRaw(unwrap(raw[name](p.data, p.shape)));
  };

  return Object.freeze({
    version,
    simd: raw.simdBuild(),
    // Threads the fast path runs on (1 unless init({ threads }) loaded the threaded build).
    threads: raw.threads(),
    Tensor,
    tensor,
    zeros: (shape) => filled('zeros', shape, 0),
    ones: (shape) => filled('ones', shape, 1),
    manualSeed(seed) {
      const [hi, lo] = seedHalves(seed);
      raw.manualSeed(hi, lo);
    },
    rand: (shape) => fromRaw(unwrap(raw.randomTensor(checkShape('rand', shape), false))),
    randn: (shape) => fromRaw(unwrap(raw.randomTensor(checkShape('randn', shape), true))),
    softmax(x, dim = -1) {
      requireNumber('softmax', 'dim', dim);
      const p = input(x, 'softmax');
      return fromRaw(unwrap(raw.softmax(p.data, p.shape, dim)));
    },
    simplifiedSelfAttention(x, opts) {
      const [trace, wrap] = traced('simplifiedSelfAttention', null, opts);
      const p = input(x, 'simplifiedSelfAttention');
      return wrap(unwrap(raw.simplifiedSelfAttention(p.data, p.shape, trace)));
    },
    // The chapter's stepping stones (section 3.3.1 and 3.5.1), for the page and for readers.
    chapter: Object.freeze({
      sumNormalize: chapterFn('sumNormalize'),
      softmaxNaive: chapterFn('softmaxNaive'),
      maskAndRenormalize: chapterFn('maskAndRenormalize'),
      trilOnes: (t) => fromRaw(unwrap(raw.trilOnes(requireNumber('trilOnes', 't', t)))),
    }),
    Dropout,
    SelfAttentionV1,
    SelfAttentionV2,
    CausalAttention,
    MultiHeadAttentionWrapper,
    MultiHeadAttention,
    // Diagnostics: bytes the wasm allocator holds now, and the heap's size.
    memory: () => ({ inUse: raw.heapInUse(), heapSize: raw.heapSize(), maxMemory: raw.maxMemory }),
    // The SIMD128 multiply-add peak loop: returns the FLOPs it performed (time it).
    benchPeak(iterations) {
      requireIntegerIn('benchPeak', 'iterations', iterations, 0, 1e10, '1e10');
      return raw.maddPeak(iterations);
    },
    benchGemm(m, k, n, repeats) {
      // X (m, k) · Wᵀ (W: n × k) + bias through the packed SGEMM, `repeats` times. At most 4096
      // a side: the operands and the packed copy (4 × 64 MiB) stay well inside the heap's maximum.
      for (const [arg, v, max] of [['m', m, 4096], ['k', k, 4096], ['n', n, 4096], ['repeats', repeats, 1000]])
        requireIntegerIn('benchGemm', arg, v, 1, max);
      return raw.gemmBench(m, k, n, repeats);
    },
  });
}

function mapValues(obj, fn) {
  const out = {};
  for (const key of Object.keys(obj)) out[key] = fn(obj[key]);
  return out;
}
