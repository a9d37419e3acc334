// attention-wasm: the JavaScript API of shared/API.md over the Embind module.
//
// Everything here is marshalling and argument checking of JavaScript kinds (a string where a
// number belongs is a TypeError); every numeric rule (sizes, probabilities, shapes) is checked
// once, in the C++ core, and its messages come back through `unwrap`.
import createAttentionModule from './attention_wasm.mjs';

export const version = '0.1.0';

const isNode = typeof process === 'object' && process !== null && typeof process.versions?.node === 'string';

let instancePromise = null;
let instanceThreads = 0; // the thread count the loaded (or loading) instance was asked for

/**
 * Loads the wasm module once; later calls resolve to the same instance.
 * @param {{wasmBinary?: ArrayBuffer|Uint8Array, locateFile?: (name: string) => string,
 *          threads?: boolean|number|'auto'}} [options]
 */
export function init(options = {}) {
  let threads;
  try {
    if (options === null || typeof options !== 'object') throw new TypeError(`init: options must be an object, got ${describe(options)}`);
    threads = threadPlan(options);
    if (options.warmUp !== undefined && typeof options.warmUp !== 'boolean')
      throw new TypeError(`init: options.warmUp must be a boolean, got ${describe(options.warmUp)}`);
  } catch (err) {
    return Promise.reject(err);
  }
  if (!instancePromise) {
    instanceThreads = threads;
    instancePromise = load(options, threads).catch((err) => {
      instancePromise = null; // a failed load may be retried
      throw err;
    });
  } else if (options.threads !== undefined && threads !== instanceThreads) {
    return Promise.reject(new Error(`init: options.threads (${describe(options.threads)}) asks for ${threads} thread(s), but the module ` +
      `is already loaded (or loading) for ${instanceThreads}; it loads once per page, so call init() with the same threads option`));
  }
  return instancePromise;
}

// ---- threads --------------------------------------------------------------------------------
// options.threads: undefined / false / 1 load the single-thread build. true or an integer n > 1
// load the threaded build (attention_wasm_mt: Emscripten pthreads, shared memory) with n threads
// (true: navigator.hardwareConcurrency, at most AUTO_THREADS), and fail with an Error saying why
// where it cannot run. 'auto' is true where it can run and one thread elsewhere.

const MAX_THREADS = 16, AUTO_THREADS = 8;

// Why the threaded build cannot run here, or null when it can.
function threadsUnavailable(options) {
  if (isNode)
    return 'Node.js is not supported: with pthreads, the ES module glue of Emscripten 3.1.6 reads the CommonJS ' +
      'globals __dirname and require under Node, and its worker script (attention_wasm_mt.worker.js) is CommonJS, ' +
      'which Node loads as an ES module inside this "type": "module" package';
  if (typeof SharedArrayBuffer !== 'function' || globalThis.crossOriginIsolated !== true)
    return 'it needs SharedArrayBuffer, which a browser offers only to a cross-origin isolated page (serve it with ' +
      "Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp); this page's crossOriginIsolated is " +
      String(globalThis.crossOriginIsolated);
  if (typeof Worker !== 'function') return 'it needs Web Workers, which this context does not have';
  if (options.wasmBinary) return 'options.wasmBinary holds the single-thread build; the threaded one is fetched through locateFile';
  return null;
}

function threadPlan(options) {
  const t = options.threads;
  if (t === undefined || t === false) return 1;
  if (t !== true && t !== 'auto' && typeof t !== 'number')
    throw new TypeError(`init: options.threads must be true, false, 'auto' or an integer in [1, ${MAX_THREADS}], got ${describe(t)}`);
  if (typeof t === 'number' && !(Number.isInteger(t) && t >= 1 && t <= MAX_THREADS))
    throw new RangeError(`init: options.threads (${t}) must be an integer in [1, ${MAX_THREADS}]`);
  if (t === 1) return 1;
  const why = threadsUnavailable(options);
  if (why) {
    if (t === 'auto') return 1;
    throw new Error(`init: options.threads (${describe(t)}) cannot be honoured: ${why}. Use threads: 'auto' to fall back to one thread.`);
  }
  if (typeof t === 'number') return t;
  const cores = Number.isInteger(globalThis.navigator?.hardwareConcurrency) ? navigator.hardwareConcurrency : 1;
  return Math.max(1, Math.min(cores, AUTO_THREADS));
}

async function load(options, threads = 1) {
  const moduleArgs = {};
  if (options.locateFile) moduleArgs.locateFile = options.locateFile;
  if (options.wasmBinary) {
    moduleArgs.wasmBinary = options.wasmBinary;
  } else if (isNode) {
    // emscripten 3.1.6's ES module output cannot locate its .wasm under Node: read it here.
    const { readFile } = await import('node:fs/promises');
    moduleArgs.wasmBinary = await readFile(new URL('./attention_wasm.wasm', import.meta.url));
  } else if (!options.locateFile) {
    const base = new URL('./', import.meta.url);
    moduleArgs.locateFile = (name) => new URL(name, base).href;
  }
  const raw = threads > 1 ? await loadThreaded(moduleArgs, threads) : await createAttentionModule(moduleArgs);
  if (options.warmUp !== false) await warmUp(raw);
  return makeApi(raw);
}

// V8 runs WebAssembly in a baseline tier (Liftoff) until a function has run hot, compiles it
// optimised in the background and uses that code from its next call on. Left alone, a user's
// first large forward runs baseline code (GPT-2-small block, T = 1024, Node 20: 640-660 ms on
// the first call, ~200 ms from the third). So init() runs the fast-path kernels on small inputs
// (src/kernels/warm_up.cpp) until a round stops getting faster, at most WARM_UP_MAX_MS: init
// takes ~50-60 ms longer and that first forward took 220-240 ms. init({ warmUp: false }) skips it.
const WARM_UP_MAX_MS = 600, WARM_UP_MAX_ROUNDS = 60;
async function warmUp(raw) {
  const start = performance.now();
  let best = Infinity, flat = 0;
  for (let round = 0; round < WARM_UP_MAX_ROUNDS && performance.now() - start < WARM_UP_MAX_MS; round++) {
    const t0 = performance.now();
    raw.warmUp();
    const ms = performance.now() - t0;
    if (ms < 0.9 * best) flat = 0;
    else if (++flat === 4) break; // four rounds in a row no faster than the best: optimised code is in
    best = Math.min(best, ms);
    await new Promise((resolve) => setTimeout(resolve, 0)); // background compiles may finish meanwhile
  }
}

// The threaded build, with threads - 1 pthread workers pre-loaded (PTHREAD_POOL_SIZE reads
// Module.attnPoolSize) for the C++ fork-join's pool. The glue makes those Workers synchronously,
// inside the factory call, but listens for their errors only once the wasm is compiled: a worker
// script that fails to load (missing, or refused by a CSP without worker-src) fires its error
// before that, and Emscripten 3.1.6's promise would never settle. The listeners added here, on
// the Workers it exposes as Module.PThread, reject the load instead.
async function loadThreaded(moduleArgs, threads) {
  const { default: createThreaded } = await import('./attention_wasm_mt.mjs');
  const args = { ...moduleArgs, attnPoolSize: threads - 1 };
  const loading = createThreaded(args);
  const failure = new Promise((_, reject) => {
    for (const worker of args.PThread?.unusedWorkers ?? []) {
      worker.addEventListener('error', (e) => reject(new Error(
        `init: a worker of the threaded build (attention_wasm_mt.worker.js) failed to load${e.message ? `: ${e.message}` : ''}`)));
    }
  });
  const raw = await Promise.race([loading, failure]);
  const got = raw.setThreads(threads);
  if (got !== threads) throw new Error(`init: options.threads asked for ${threads} threads, the threaded build started ${got}`);
  return raw;
}

// ---- errors ---------------------------------------------------------------------------------

function unwrap(result) {
  if (result !== null && typeof result === 'object' && typeof result.error === 'string') {
    throw result.error === 'type' ? new TypeError(result.message) : new RangeError(result.message);
  }
  return result;
}

function describe(v) {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'bigint') return `a BigInt (${v}n)`;
  if (typeof v === 'string') return `a string (${JSON.stringify(v.length > 20 ? v.slice(0, 20) + '…' : v)})`;
  return typeof v === 'object' ? `an object (${v.constructor?.name ?? 'Object'})` : `${typeof v} (${String(v)})`;
}

function requireNumber(cls, arg, v) {
  if (typeof v !== 'number') throw new TypeError(`${cls}: ${arg} must be a number, got ${describe(v)}`);
  return v;
}

// A number (else TypeError) that is an integer in [min, max] (else RangeError).
function requireIntegerIn(cls, arg, v, min, max, maxText = String(max)) {
  requireNumber(cls, arg, v);
  if (!Number.isInteger(v) || v < min || v > max)
    throw new RangeError(`${cls}: ${arg} (${v}) must be an integer in [${min}, ${maxText}]`);
  return v;
}

function requireBoolean(cls, arg, v) {
  if (typeof v !== 'boolean') throw new TypeError(`${cls}: ${arg} must be a boolean, got ${describe(v)}`);
  return v;
}

// ---- tensors --------------------------------------------------------------------------------

/** A float32, row-major tensor whose data lives in JavaScript (the caller owns it). */
export class Tensor {
  /** @param {Float32Array} data @param {number[]} shape */
  constructor(data, shape) {
    checkTensorFields('Tensor', 'data', data, shape);
    this.data = data;
    this.shape = shape;
  }

  get size() {
    return this.data.length;
  }

  /** Nested arrays of numbers (a number for a 0-d tensor). */
  toArray() {
    const { data, shape } = this;
    if (shape.length === 0) return data[0];
    const build = (axis, offset) => {
      const n = shape[axis];
      const stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
      const out = new Array(n);
      for (let i = 0; i < n; i++) out[i] = axis === shape.length - 1 ? data[offset + i] : build(axis + 1, offset + i * stride);
      return out;
    };
    return build(0, 0);
  }

  /** One element; negative indices count from the end. */
  at(...index) {
    if (index.length !== this.shape.length)
      throw new RangeError(`Tensor.at: expected ${this.shape.length} indices for shape (${this.shape.join(', ')}), got ${index.length}`);
    let offset = 0;
    for (let axis = 0; axis < index.length; axis++) {
      let i = index[axis];
      const n = this.shape[axis];
      if (typeof i !== 'number' || !Number.isInteger(i)) throw new TypeError(`Tensor.at: index ${axis} must be an integer, got ${describe(i)}`);
      if (i < 0) i += n;
      if (i < 0 || i >= n) throw new RangeError(`Tensor.at: index ${index[axis]} is out of range for axis ${axis} of size ${n}`);
      offset = offset * n + i;
    }
    return this.data[offset];
  }

  /** PyTorch's print: tensor([[0.2996, 0.8053], ...]) with 4 decimals. */
  toString() {
    return formatTensor(this.data, this.shape);
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    return this.toString();
  }
}

// Flattens nested arrays (checking they are rectangular and numeric) or takes a flat
// Float32Array / number[] with an explicit shape.
function toTensorParts(x, shape, who, arg = 'x') {
  if (x instanceof Tensor) {
    // Its fields are plain properties a caller may have replaced: check them again.
    checkTensorFields(who, `${arg}.data`, x.data, x.shape);
    if (shape !== undefined) checkShapeMatches(who, arg, x.data.length, shape);
    return { data: x.data, shape: shape ?? x.shape };
  }
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
    if (x instanceof BigInt64Array || x instanceof BigUint64Array) throw new TypeError(`${who}: ${arg} must hold numbers, got a ${x.constructor.name}`);
    const data = x instanceof Float32Array ? x : Float32Array.from(x);
    const s = shape ?? [data.length];
    checkShapeMatches(who, arg, data.length, s);
    return { data, shape: s.slice() };
  }
  if (typeof x === 'number') {
    if (shape !== undefined && shape.length !== 0) checkShapeMatches(who, arg, 1, shape);
    return { data: Float32Array.of(x), shape: shape ? shape.slice() : [] };
  }
  if (!Array.isArray(x)) {
    throw new TypeError(`${who}: ${arg} must be a Tensor, a nested array of numbers or a Float32Array, got ${describe(x)}`);
  }
  if (shape !== undefined) {
    const flat = x.flat(Infinity);
    flat.forEach((v, i) => {
      if (typeof v !== 'number') throw new TypeError(`${who}: ${arg} must hold numbers, element ${i} is ${describe(v)}`);
    });
    checkShapeMatches(who, arg, flat.length, shape);
    return { data: Float32Array.from(flat), shape: shape.slice() };
  }
  const inferred = [];
  for (let level = x; Array.isArray(level); level = level[0]) {
    inferred.push(level.length);
    if (level.length === 0) break;
  }
  const count = inferred.reduce((a, b) => a * b, 1);
  const data = new Float32Array(count);
  let k = 0;
  const walk = (node, axis, path) => {
    if (axis === inferred.length) {
      if (typeof node !== 'number') {
        if (Array.isArray(node)) throw new RangeError(`${who}: ${arg} is a ragged nested array: ${arg}${path} has more levels than ${arg}[0]...`);
        throw new TypeError(`${who}: ${arg} must hold numbers, ${arg}${path} is ${describe(node)}`);
      }
      data[k++] = node;
      return;
    }
    if (!Array.isArray(node) || node.length !== inferred[axis]) {
      const got = Array.isArray(node) ? `length ${node.length}` : describe(node);
      throw new RangeError(`${who}: ${arg} is a ragged nested array: ${arg}${path} has ${got}, expected length ${inferred[axis]} as in shape (${inferred.join(', ')})`);
    }
    for (let i = 0; i < node.length; i++) walk(node[i], axis + 1, `${path}[${i}]`);
  };
  walk(x, 0, '');
  return { data, shape: inferred };
}

// The largest axis any tensor may have: the bound of every size argument (validate.cpp), so a
// tensor made here can always be passed to the wasm module.
const MAX_AXIS = 2 ** 30;

function checkShape(who, shape) {
  if (!Array.isArray(shape)) throw new TypeError(`${who}: shape must be an array of integers, got ${describe(shape)}`);
  shape.forEach((d, i) => {
    if (typeof d !== 'number') throw new TypeError(`${who}: shape[${i}] must be a number, got ${describe(d)}`);
    if (!Number.isInteger(d) || d < 0) throw new RangeError(`${who}: shape[${i}] (${d}) must be a non-negative integer`);
    if (d > MAX_AXIS) throw new RangeError(`${who}: shape[${i}] (${d}) is too large (at most ${MAX_AXIS})`);
  });
  return shape;
}

// data: what to call the data in messages ('data' in the constructor, 'x.data' for an argument).
function checkTensorFields(who, dataName, data, shape) {
  if (!(data instanceof Float32Array)) throw new TypeError(`${who}: ${dataName} must be a Float32Array, got ${describe(data)}`);
  checkShapeMatches(who, dataName, data.length, shape);
}

function checkShapeMatches(who, arg, length, shape) {
  checkShape(who, shape);
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== length) throw new RangeError(`${who}: ${arg} has ${length} values, shape (${shape.join(', ')}) needs ${n}`);
}

function fromRaw(raw) {
  return new Tensor(raw.data, raw.shape);
}

// ---- printing -------------------------------------------------------------------------------
// torch/_tensor_str.py (PyTorch 1.13) with its default print options: precision 4, threshold
// 1000 elements, edgeitems 3, linewidth 80.

const PRINT_THRESHOLD = 1000, PRINT_EDGE = 3, PRINT_LINEWIDTH = 80;

function formatTensor(data, shape) {
  const n = data.length;
  const summarize = n > PRINT_THRESHOLD;
  const edge = PRINT_EDGE;
  const strides = shape.map((_, axis) => shape.slice(axis + 1).reduce((a, b) => a * b, 1));
  // The values the formatter looks at: all of them, or only the printed edges when summarizing.
  const shown = [];
  const collect = (axis, offset) => {
    if (axis === shape.length) return void shown.push(data[offset]);
    const size = shape[axis];
    for (let i = 0; i < size; i++) {
      if (summarize && size > 2 * edge && i === edge) i = size - edge;
      collect(axis + 1, offset + i * strides[axis]);
    }
  };
  if (shape.length === 0) return `tensor(${formatter([data[0]])(data[0])})`;
  if (n === 0) return shape.length === 1 ? 'tensor([])' : `tensor([], size=(${shape.join(', ')}))`;
  collect(0, 0);
  const fmt = formatter(shown);
  const render = (axis, offset, indent) => {
    const size = shape[axis];
    const parts = [];
    const last = axis === shape.length - 1;
    for (let i = 0; i < size; i++) {
      if (summarize && size > 2 * edge && i === edge) {
        parts.push(last ? ' ...' : '...');
        i = size - edge;
      }
      parts.push(last ? fmt(data[offset + i]) : render(axis + 1, offset + i * strides[axis], indent + 1));
    }
    if (last) {
      // _vector_str: as many elements per line as fit in the line width.
      const perLine = Math.max(1, Math.floor((PRINT_LINEWIDTH - indent) / (fmt.width + 2)));
      const lines = [];
      for (let i = 0; i < parts.length; i += perLine) lines.push(parts.slice(i, i + perLine).join(', '));
      return `[${lines.join(',\n' + ' '.repeat(indent + 1))}]`;
    }
    const depth = shape.length - axis - 1;
    return `[${parts.join(',' + '\n'.repeat(depth) + ' '.repeat(indent + 1))}]`;
  };
  return `tensor(${render(0, 0, 'tensor('.length)})`;
}

// PyTorch's _Formatter: integer mode, fixed 4 decimals, or scientific, chosen from the nonzero
// finite values, which also set the width every element is right-aligned to.
function formatter(values) {
  let intMode = true, sci = false, width = 1;
  let min = Infinity, max = 0, any = false;
  for (const v of values) {
    if (!Number.isFinite(v) || v === 0) continue;
    any = true;
    const a = Math.abs(v);
    if (a < min) min = a;
    if (a > max) max = a;
    if (v !== Math.ceil(v)) intMode = false;
  }
  if (any) {
    let len;
    if (intMode) {
      sci = max / min > 1000 || max > 1e8;
      len = sci ? (v) => formatExponential(v, 4).length : (v) => formatFixed(v, 0).length + 1;
    } else {
      sci = max / min > 1000 || max > 1e8 || min < 1e-4;
      len = sci ? (v) => formatExponential(v, 4).length : (v) => formatFixed(v, 4).length;
    }
    for (const v of values) if (Number.isFinite(v) && v !== 0) width = Math.max(width, len(v));
  }
  const one = (v) => {
    if (Number.isNaN(v)) return 'nan';
    if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
    if (sci) return formatExponential(v, 4);
    if (intMode) return `${formatFixed(v, 0)}.`;
    return formatFixed(v, 4);
  };
  const fmt = (v) => one(v).padStart(width);
  fmt.width = width;
  return fmt;
}

// Python's '{:.Nf}' / '{:.Ne}' of a double: correctly rounded from its exact binary value, ties
// to even (0.03125 -> '0.0312'), where JavaScript's toFixed/toExponential round ties up.
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

// |v| = digits / 10^scale exactly (v finite).
function exactDecimal(v) {
  f64[0] = v;
  const bits = u64[0];
  const exponent = Number((bits >> 52n) & 0x7ffn);
  let m = bits & 0xfffffffffffffn;
  let e2;
  if (exponent === 0) e2 = -1074;
  else {
    m |= 1n << 52n;
    e2 = exponent - 1075;
  }
  if (m === 0n) return { neg: (bits >> 63n) === 1n, digits: 0n, scale: 0 };
  while ((m & 1n) === 0n && e2 < 0) {
    m >>= 1n;
    e2++;
  }
  const neg = (bits >> 63n) === 1n;
  return e2 >= 0 ? { neg, digits: m << BigInt(e2), scale: 0 } : { neg, digits: m * 5n ** BigInt(-e2), scale: -e2 };
}

// digits / 10^drop rounded half to even.
function roundHalfEven(digits, drop) {
  if (drop <= 0) return digits * 10n ** BigInt(-drop);
  const div = 10n ** BigInt(drop);
  let q = digits / div;
  const r = digits % div, half = div / 2n;
  if (r > half || (r === half && (q & 1n) === 1n)) q += 1n;
  return q;
}

function formatFixed(v, decimals) {
  const { neg, digits, scale } = exactDecimal(v);
  const s = roundHalfEven(digits, scale - decimals).toString().padStart(decimals + 1, '0');
  const body = decimals === 0 ? s : `${s.slice(0, s.length - decimals)}.${s.slice(s.length - decimals)}`;
  return (neg ? '-' : '') + body;
}

function formatExponential(v, decimals) {
  const { neg, digits, scale } = exactDecimal(v);
  let mantissa, exp;
  if (digits === 0n) {
    mantissa = 0n;
    exp = 0;
  } else {
    const len = digits.toString().length;
    exp = len - 1 - scale;
    mantissa = roundHalfEven(digits, len - (decimals + 1));
    if (mantissa === 10n ** BigInt(decimals + 1)) {
      mantissa /= 10n;
      exp += 1;
    }
  }
  const s = mantissa.toString().padStart(decimals + 1, '0');
  const e = `${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return `${neg ? '-' : ''}${s[0]}${decimals ? '.' + s.slice(1) : ''}e${e}`;
}

// ---- seeds ----------------------------------------------------------------------------------

const TWO_64 = 1n << 64n;

function seedHalves(seed) {
  let big;
  if (typeof seed === 'bigint') big = seed;
  else if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`manualSeed: seed (${seed}) must be a safe integer or a BigInt in [-2^63, 2^64)`);
    big = BigInt(seed);
  } else throw new TypeError(`manualSeed: seed must be a number or a BigInt, got ${describe(seed)}`);
  if (big < -(1n << 63n) || big >= TWO_64) throw new RangeError(`manualSeed: seed (${big}) must be in [-2^63, 2^64), as torch.manual_seed accepts`);
  const u = big < 0n ? big + TWO_64 : big; // two's complement, as torch wraps negative seeds
  return [Number(u >> 32n), Number(u & 0xffffffffn)];
}

// ---- the API --------------------------------------------------------------------------------

function makeApi(raw) {
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
    if (n > raw.maxMemory / 4) throw new RangeError(`${who}: shape (${shape.join(', ')}) has ${n} elements, more than the wasm memory can hold`);
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

    _live(method) {
      if (this._handle === null) throw new TypeError(`${this._cls}: ${method}() was called after free()`);
      return this._handle;
    }

    forward(x, options = {}) {
      const handle = this._live('forward');
      if (options === null || typeof options !== 'object') throw new TypeError(`${this._cls}: options must be an object, got ${describe(options)}`);
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
      return this._live('training').training();
    }

    stateDict() {
      return mapValues(unwrap(this._live('stateDict').stateDict()), fromRaw);
    }

    loadStateDict(obj) {
      const handle = this._live('loadStateDict');
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
        throw new TypeError(`${this._cls}: loadStateDict expects an object of { name: Tensor }, got ${describe(obj)}`);
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
  }

  const options = (cls, opts) => {
    if (opts === undefined) return false;
    if (opts === null || typeof opts !== 'object') throw new TypeError(`${cls}: options must be an object like { qkvBias: true }, got ${describe(opts)}`);
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
