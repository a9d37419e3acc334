// The API object init() resolves to: tensors, the generator, functions, and the book's classes,
// made from the core's class table (src/api/class_table.cpp) over one Embind handle type.
import { apiError, describe, requireBoolean, requireIntegerIn, requireNumber, requireOptions, unwrap } from './errors.js';
import { Tensor, checkShapeKinds, fromRaw, toIdParts, toTensorParts } from './tensor.js';
import { getEncoding } from './tokenizer.js';
import { fromSafetensors } from './weights.js';

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

// The JS value of one constructor argument of the class table: numbers for sizes and
// probabilities, booleans for flags (kinds only: the core checks the values). `name` is how
// messages call it ('cfg.emb_dim' for a key of the book's cfg).
function argument(cls, spec, value, name = spec.name) {
  return spec.kind === 'flag' ? requireBoolean(cls, name, value) : requireNumber(cls, name, value);
}

// The keys of a cfg argument (the book's config dict) that the class reads; other keys are ignored,
// as the book's classes ignore them (FeedForward reads only emb_dim of GPT_CONFIG_124M).
function configValues(cls, keys, cfg) {
  if (cfg === null || typeof cfg !== 'object' || Array.isArray(cfg))
    throw apiError(TypeError, cls, 'cfg', `${cls}: cfg must be the book's config object (like attn.GPT_CONFIG_124M), got ${describe(cfg)}`);
  const values = {};
  for (const key of keys) {
    if (!(key.name in cfg)) throw apiError(TypeError, cls, `cfg.${key.name}`, `${cls}: cfg.${key.name} is missing (the class reads ${keys.map((k) => k.name).join(', ')})`);
    values[key.name] = argument(cls, key, cfg[key.name], `cfg.${key.name}`);
  }
  return values;
}

export function makeApi(raw, version, warmedUp) {
  const registry = typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry((handle) => { if (!handle.isDeleted()) handle.delete(); })
    : null;

  // A shape whose values the core checks (integers, maxAxis, the memory limit): for the tensors
  // made here in JavaScript.
  const checkedShape = (who, shape) => {
    unwrap(raw.checkShape(checkShapeKinds(who, shape), who));
    return shape;
  };
  const tensor = (data, shape) => {
    if (shape !== undefined) checkedShape('tensor', shape);
    const p = toTensorParts(data, shape, 'tensor', 'data');
    // The new Tensor owns its data: copy unless toTensorParts already made a fresh array.
    const shared = p.data === data || (data instanceof Tensor && p.data === data.data);
    return new Tensor(shared ? p.data.slice() : p.data, p.shape);
  };
  const filled = (who, shape, value) => {
    checkedShape(who, shape);
    return new Tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value), shape.slice());
  };
  const input = (x, who, arg = 'x') => toTensorParts(x, undefined, who, arg);
  const traced = (who, opts) => requireOptions(who, opts).trace === undefined ? false : requireBoolean(who, 'options.trace', opts.trace);
  // A token module's forward options: trace (true, or { layers: [i, ...] }), useCache, lastOnly,
  // and shape (for ids given as a flat Int32Array / Uint32Array / number[]).
  const tokenOptions = (who, opts) => {
    const o = requireOptions(who, opts, '{ trace: true }');
    if (o.shape !== undefined) checkShapeKinds(who, o.shape);
    const useCache = o.useCache === undefined ? false : requireBoolean(who, 'options.useCache', o.useCache);
    const lastOnly = o.lastOnly === undefined ? false : requireBoolean(who, 'options.lastOnly', o.lastOnly);
    let traceAll = false, traceLayers = [];
    if (o.trace === true || o.trace === false || o.trace === undefined) traceAll = o.trace === true;
    else if (o.trace !== null && typeof o.trace === 'object' && Array.isArray(o.trace.layers)) {
      traceLayers = o.trace.layers.map((l) => requireNumber(who, 'options.trace.layers', l));
    } else {
      throw apiError(TypeError, who, 'options.trace', `${who}: options.trace must be a boolean or { layers: [indices] }, got ${describe(o.trace)}`);
    }
    return { useCache, lastOnly, traceAll, traceLayers, shape: o.shape };
  };
  // A traced token forward's trace: { layers: [trace | null, ...] } for the GPT model.
  const traceOf = (t) => {
    const out = mapValues(Object.fromEntries(Object.entries(t).filter(([k]) => k !== 'layers')), fromRaw);
    if (t.layers) out.layers = t.layers.map((l) => (l === null ? null : traceOf(l)));
    return out;
  };
  const result = (r, trace) => (trace ? { output: fromRaw(r.output), trace: mapValues(r.trace, fromRaw) } : fromRaw(r.output));

  const classTable = raw.classTable();

  /** What every class of the class table shares; the classes themselves are made from the table. */
  class Module {
    constructor(cls, args) {
      const handle = new raw.ModuleHandle();
      try {
        unwrap(handle.init(cls, args));
      } catch (err) {
        handle.delete();
        throw err;
      }
      this._own(cls, handle);
    }

    _own(cls, handle) {
      this._cls = cls;
      this._info = classTable.find((c) => c.name === cls);
      this._handle = handle;
      registry?.register(this, handle, this);
    }

    // An instance of class `cls` over a handle that already holds its module (a loaded model).
    static adopt(cls, handle) {
      const m = Object.create(classes[cls].prototype);
      m._own(cls, handle);
      return m;
    }

    // member: the method called, or (read: true) the getter read, after free().
    _live(member, read = false) {
      if (this._handle === null) throw apiError(TypeError, this._cls, undefined, `${this._cls}: ${read ? `${member} was read` : `${member}() was called`} after free()`);
      return this._handle;
    }

    forward(x, options) {
      const handle = this._live('forward');
      if (this._info.input === 'tokenIds') {
        const o = tokenOptions(this._cls, options);
        const p = toIdParts(x, o.shape, this._cls, this._info.inputArg);
        const r = unwrap(handle.forwardIds(p.data, p.shape, o));
        return o.traceAll || o.traceLayers.length ? { output: fromRaw(r.output), trace: traceOf(r.trace) } : fromRaw(r.output);
      }
      const trace = traced(this._cls, options);
      const p = input(x, this._cls);
      return result(unwrap(handle.forward(p.data, p.shape, trace)), trace);
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

    loadStateDict(obj, options) {
      const handle = this._live('loadStateDict');
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
        throw apiError(TypeError, this._cls, 'stateDict', `${this._cls}: loadStateDict expects an object of { name: Tensor }, got ${describe(obj)}`);
      const opts = requireOptions(this._cls, options, '{ strict: false }');
      const strict = opts.strict === undefined ? true : requireBoolean(this._cls, 'options.strict', opts.strict);
      const entries = Object.entries(obj).map(([key, value]) => ({ key, ...input(value, this._cls, `state dict key '${key}'`) }));
      return unwrap(handle.loadStateDict(entries, strict));
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

  // One JS class per entry of the core's class table: positional arguments in the table's order,
  // then an options object with the table's flags (false unless given).
  const classes = {};
  for (const spec of classTable) {
    const { name, args, options, config } = spec;
    const example = options.length ? `{ ${options[0].name}: true }` : '';
    const Cls = class extends Module {
      constructor(...params) {
        if (params.length > args.length + (options.length ? 1 : 0)) {
          const list = [...args.map((a) => a.name), ...(options.length ? ['options'] : [])].join(', ');
          throw apiError(TypeError, name, undefined, `${name}: takes (${list}), got ${params.length} arguments`);
        }
        const values = {};
        args.forEach((a, i) => {
          if (a.kind === 'config') Object.assign(values, configValues(name, config, params[i]));
          else values[a.name] = argument(name, a, params[i]);
        });
        const opts = requireOptions(name, params[args.length], example);
        for (const o of options) values[o.name] = opts[o.name] === undefined ? false : argument(name, o, opts[o.name]);
        super(name, values);
      }
    };
    Object.defineProperty(Cls, 'name', { value: name });
    classes[name] = Cls;
  }

  // The GPT model's own methods (chapter 4's KV cache), and chapter 5's pretrained weights.
  Object.defineProperty(classes.GPTModel.prototype, 'resetKVCache', {
    value() { this._live('resetKVCache').resetKVCache(); },
  });
  const gptKeys = classTable.find((c) => c.name === 'GPTModel').config;
  Object.defineProperty(classes.GPTModel, 'fromSafetensors', {
    value(source, cfg, options) {
      const who = 'GPTModel.fromSafetensors';
      try {
        // cfg: any of the book's keys, overriding what the shapes imply.
        const given = {};
        if (cfg !== undefined && cfg !== null) {
          requireOptions(who, cfg, '{ n_heads: 12 }');
          for (const key of gptKeys) if (cfg[key.name] !== undefined) given[key.name] = argument(who, key, cfg[key.name], `cfg.${key.name}`);
        }
        const o = requireOptions(who, options, '{ onProgress(loaded, total) {} }');
        if (o.onProgress !== undefined && typeof o.onProgress !== 'function')
          throw apiError(TypeError, who, 'options.onProgress', `${who}: options.onProgress must be a function, got ${describe(o.onProgress)}`);
        return fromSafetensors(raw, (handle) => Module.adopt('GPTModel', handle), source, given, o.onProgress);
      } catch (err) {
        return Promise.reject(err);
      }
    },
  });

  // ---- generation (chapters 4 and 5) ----
  const gptHandle = (fn, model) => {
    if (!(model instanceof classes.GPTModel)) throw apiError(TypeError, fn, 'model', `${fn}: model must be a GPTModel, got ${describe(model)}`);
    return model._live(fn);
  };
  const nullable = (fn, arg, v, check) => (v === undefined || v === null ? null : check(fn, arg, v));
  // The ids back as nested arrays with the rank of idx.
  const nestedIds = (r) => {
    const rows = r.shape.length === 2 ? r.shape[0] : 1, t = r.shape.at(-1);
    const out = Array.from({ length: rows }, (_, b) => Array.from(r.data.subarray(b * t, (b + 1) * t)));
    return r.shape.length === 2 ? out : out[0];
  };
  const runGenerate = (fn, mode, model, idx, maxNewTokens, contextSize, temperature, topK, eosId) => {
    const handle = gptHandle(fn, model);
    const p = toIdParts(idx, undefined, fn, 'idx');
    requireNumber(fn, 'maxNewTokens', maxNewTokens);
    return nestedIds(unwrap(handle.generate(mode, p.data, p.shape, maxNewTokens, contextSize, temperature, topK, eosId)));
  };
  const generation = {
    generateTextSimple: (model, idx, maxNewTokens, contextSize) =>
      runGenerate('generateTextSimple', 'simple', model, idx, maxNewTokens, requireNumber('generateTextSimple', 'contextSize', contextSize), 0, null, null),
    generateTextSimpleCached: (model, idx, maxNewTokens, contextSize) =>
      runGenerate('generateTextSimpleCached', 'cached', model, idx, maxNewTokens,
        nullable('generateTextSimpleCached', 'contextSize', contextSize, requireNumber), 0, null, null),
    // One step of the book's generate on logits (B, vocab_size) or (B, T, vocab_size) (read at the
    // last position): the next id of each row, drawn from the global generator when temperature > 0.
    sampleNext(logits, options) {
      const fn = 'sampleNext';
      const o = requireOptions(fn, options, '{ temperature: 1.4, topK: 25 }');
      const p = input(logits, fn, 'logits');
      const r = unwrap(raw.sampleNext(p.data, p.shape, o.temperature === undefined ? 0 : requireNumber(fn, 'temperature', o.temperature),
        nullable(fn, 'topK', o.topK, requireNumber)));
      return Array.from(r.data);
    },
    generate(model, idx, maxNewTokens, contextSize, options) {
      const fn = 'generate';
      const o = requireOptions(fn, options, '{ temperature: 1.4, topK: 25 }');
      return runGenerate(fn, 'sample', model, idx, maxNewTokens, requireNumber(fn, 'contextSize', contextSize),
        o.temperature === undefined ? 0 : requireNumber(fn, 'temperature', o.temperature),
        nullable(fn, 'topK', o.topK, requireNumber), nullable(fn, 'eosId', o.eosId, requireNumber));
    },
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
    // What init() spent warming the kernels up: { rounds, ms } ({ rounds: 0 } with warmUp: false).
    warmedUp: Object.freeze(warmedUp),
    // The classes above as the core describes them: [{ name, bookName, section, args, options, input }].
    classes: Object.freeze(classTable.map((c) => Object.freeze(c))),
    Tensor,
    tensor,
    zeros: (shape) => filled('zeros', shape, 0),
    ones: (shape) => filled('ones', shape, 1),
    manualSeed(seed) {
      const [hi, lo] = seedHalves(seed);
      raw.manualSeed(hi, lo);
    },
    rand: (shape) => fromRaw(unwrap(raw.randomTensor(checkShapeKinds('rand', shape), false))),
    randn: (shape) => fromRaw(unwrap(raw.randomTensor(checkShapeKinds('randn', shape), true))),
    softmax(x, dim = -1) {
      requireNumber('softmax', 'dim', dim);
      const p = input(x, 'softmax');
      return fromRaw(unwrap(raw.softmax(p.data, p.shape, dim)));
    },
    simplifiedSelfAttention(x, opts) {
      const trace = traced('simplifiedSelfAttention', opts);
      const p = input(x, 'simplifiedSelfAttention');
      return result(unwrap(raw.simplifiedSelfAttention(p.data, p.shape, trace)), trace);
    },
    // The chapter's stepping stones (section 3.3.1 and 3.5.1), for the page and for readers.
    chapter: Object.freeze({
      sumNormalize: chapterFn('sumNormalize'),
      softmaxNaive: chapterFn('softmaxNaive'),
      maskAndRenormalize: chapterFn('maskAndRenormalize'),
      trilOnes: (t) => fromRaw(unwrap(raw.trilOnes(requireNumber('trilOnes', 't', t)))),
    }),
    ...classes,
    // The book's GPT_CONFIG_124M (chapter 4), as the core defines it.
    GPT_CONFIG_124M: Object.freeze(raw.gptConfig124M()),
    ...generation,
    // Chapter 2's tokenizer, tiktoken.get_encoding: js-tiktoken and its ranks load on the first call.
    getEncoding,
    // Diagnostics: bytes the wasm allocator holds now, and the heap's size.
    memory: () => ({ inUse: raw.heapInUse(), heapSize: raw.heapSize(), maxMemory: raw.maxMemory }),
    // The SIMD128 multiply-add peak loop: returns the FLOPs it performed (time it).
    benchPeak(iterations) {
      requireIntegerIn('benchPeak', 'iterations', iterations, 0, 1e10, '1e10');
      return raw.maddPeak(iterations);
    },
    // Reads every parameter byte of `module` once with SIMD loads and returns the bytes read: time
    // it for the memory floor of decoding one token (each parameter is read once per token).
    benchParameterRead(module) {
      if (!(module instanceof Module)) throw apiError(TypeError, 'benchParameterRead', 'module', `benchParameterRead: module must be a module of this package, got ${describe(module)}`);
      return module._live('benchParameterRead').readParameters();
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
