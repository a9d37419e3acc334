// PyTorch's print of a tensor, for Tensor.toString().
// torch/_tensor_str.py (PyTorch 1.13) with its default print options: precision 4, threshold
// 1000 elements, edgeitems 3, linewidth 80.

const PRINT_THRESHOLD = 1000, PRINT_EDGE = 3, PRINT_LINEWIDTH = 80;

export function formatTensor(data, shape) {
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

