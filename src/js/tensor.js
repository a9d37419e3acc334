// Tensor: float32, row-major, contiguous, its data in JavaScript (the caller owns it), and the
// conversions of what the API accepts as a tensor (nested arrays, typed arrays, Tensors).
import { apiError, describe } from './errors.js';
import { formatTensor } from './print.js';

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
      throw apiError(RangeError, 'Tensor.at', 'index', `Tensor.at: expected ${this.shape.length} indices for shape (${this.shape.join(', ')}), got ${index.length}`);
    let offset = 0;
    for (let axis = 0; axis < index.length; axis++) {
      let i = index[axis];
      const n = this.shape[axis];
      if (typeof i !== 'number' || !Number.isInteger(i)) throw apiError(TypeError, 'Tensor.at', 'index', `Tensor.at: index ${axis} must be an integer, got ${describe(i)}`);
      if (i < 0) i += n;
      if (i < 0 || i >= n) throw apiError(RangeError, 'Tensor.at', 'index', `Tensor.at: index ${index[axis]} is out of range for axis ${axis} of size ${n}`);
      offset = offset * n + i;
    }
    return this.data[offset];
  }

  /**
   * What JSON.stringify writes: { shape, data } with data a flat number[] (row-major), so
   * attn.tensor(json.data, json.shape) reads it back. (JSON has no NaN or ±Infinity: they are
   * written as null, as JSON.stringify writes them anywhere.)
   */
  toJSON() {
    return { shape: this.shape.slice(), data: Array.from(this.data) };
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
// `Storage`: the typed array nested arrays are read into (Float64Array for token ids).
export function toTensorParts(x, shape, who, arg = 'x', Storage = Float32Array) {
  if (x instanceof Tensor) {
    // Its fields are plain properties a caller may have replaced: check them again.
    checkTensorFields(who, `${arg}.data`, x.data, x.shape);
    if (shape !== undefined) checkShapeMatches(who, arg, x.data.length, shape);
    return { data: x.data, shape: shape ?? x.shape };
  }
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) {
    if (x instanceof BigInt64Array || x instanceof BigUint64Array) throw apiError(TypeError, who, arg, `${who}: ${arg} must hold numbers, got a ${x.constructor.name}`);
    const data = x instanceof Float32Array ? x : Float32Array.from(x);
    const s = shape ?? [data.length];
    checkShapeMatches(who, arg, data.length, s);
    return { data, shape: s.slice() };
  }
  if (typeof x === 'number') {
    if (shape !== undefined && shape.length !== 0) checkShapeMatches(who, arg, 1, shape);
    return { data: Storage.of(x), shape: shape ? shape.slice() : [] };
  }
  if (!Array.isArray(x)) {
    throw apiError(TypeError, who, arg, `${who}: ${arg} must be a Tensor, a nested array of numbers or a Float32Array, got ${describe(x)}`);
  }
  if (shape !== undefined) {
    const flat = x.flat(Infinity);
    flat.forEach((v, i) => {
      if (typeof v !== 'number') throw apiError(TypeError, who, arg, `${who}: ${arg} must hold numbers, element ${i} is ${describe(v)}`);
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
  const data = new Storage(count);
  let k = 0;
  const walk = (node, axis, path) => {
    if (axis === inferred.length) {
      if (typeof node !== 'number') {
        if (Array.isArray(node)) throw apiError(RangeError, who, arg, `${who}: ${arg} is a ragged nested array: ${arg}${path} has more levels than ${arg}[0]...`);
        throw apiError(TypeError, who, arg, `${who}: ${arg} must hold numbers, ${arg}${path} is ${describe(node)}`);
      }
      data[k++] = node;
      return;
    }
    if (!Array.isArray(node) || node.length !== inferred[axis]) {
      const got = Array.isArray(node) ? `length ${node.length}` : describe(node);
      throw apiError(RangeError, who, arg, `${who}: ${arg} is a ragged nested array: ${arg}${path} has ${got}, expected length ${inferred[axis]} as in shape (${inferred.join(', ')})`);
    }
    for (let i = 0; i < node.length; i++) walk(node[i], axis + 1, `${path}[${i}]`);
  };
  walk(x, 0, '');
  return { data, shape: inferred };
}

// Token ids as the API accepts them: nested arrays of numbers of any rank, or an Int32Array,
// Uint32Array or number[] with a shape. Returns { data: Float64Array, shape }: the values as they
// are (2.5 stays 2.5), for the core to check (integers in [0, vocab), named by position).
export function toIdParts(x, shape, who, arg) {
  if (x instanceof Int32Array || x instanceof Uint32Array || (Array.isArray(x) && shape !== undefined)) {
    const flat = Array.isArray(x) ? x.flat(Infinity) : x;
    const s = shape ?? [flat.length];
    checkShape(who, s);
    flat.forEach((v, i) => {
      if (typeof v !== 'number') throw apiError(TypeError, who, arg, `${who}: ${arg} must hold integers, element ${i} is ${describe(v)}`);
    });
    const n = s.reduce((a, b) => a * b, 1);
    if (n !== flat.length) throw apiError(RangeError, who, arg, `${who}: ${arg} has ${flat.length} values, shape (${s.join(', ')}) needs ${n}`);
    return { data: Float64Array.from(flat), shape: s.slice() };
  }
  if (shape !== undefined) throw apiError(TypeError, who, arg, `${who}: ${arg} with a shape must be an Int32Array, a Uint32Array or an array of numbers, got ${describe(x)}`);
  if (typeof x === 'number' || Array.isArray(x)) {
    // Nested arrays: the same walk as float tensors (ragged and non-numeric arrays refused alike).
    const p = toTensorParts(x, undefined, who, arg, Float64Array);
    return { data: p.data, shape: p.shape };
  }
  throw apiError(TypeError, who, arg, `${who}: ${arg} must be token ids: nested arrays of integers, or an Int32Array with a shape, got ${describe(x)}`);
}

// A shape's JavaScript kinds: an array of numbers (else a TypeError). Its values are the core's
// to check (core/validate: non-negative integers, at most maxAxis, within the memory limit).
export function checkShapeKinds(who, shape) {
  if (!Array.isArray(shape)) throw apiError(TypeError, who, 'shape', `${who}: shape must be an array of integers, got ${describe(shape)}`);
  shape.forEach((d, i) => {
    if (typeof d !== 'number') throw apiError(TypeError, who, 'shape', `${who}: shape[${i}] must be a number, got ${describe(d)}`);
  });
  return shape;
}

// A shape that describes a Tensor's data: the Tensor class's own invariant, which it keeps
// without the wasm module (a Tensor can be made before init()).
function checkShape(who, shape) {
  checkShapeKinds(who, shape);
  shape.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 0) throw apiError(RangeError, who, 'shape', `${who}: shape[${i}] (${d}) must be a non-negative integer`);
  });
  return shape;
}

// data: what to call the data in messages ('data' in the constructor, 'x.data' for an argument).
function checkTensorFields(who, dataName, data, shape) {
  if (!(data instanceof Float32Array)) throw apiError(TypeError, who, dataName, `${who}: ${dataName} must be a Float32Array, got ${describe(data)}`);
  checkShapeMatches(who, dataName, data.length, shape);
}

function checkShapeMatches(who, arg, length, shape) {
  checkShape(who, shape);
  const n = shape.reduce((a, b) => a * b, 1);
  if (n !== length) throw apiError(RangeError, who, arg, `${who}: ${arg} has ${length} values, shape (${shape.join(', ')}) needs ${n}`);
}

export function fromRaw(raw) {
  return new Tensor(raw.data, raw.shape);
}

