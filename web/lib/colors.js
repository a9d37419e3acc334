// Colour scales from d3-scale-chromatic, sampled once into 256-entry lookup tables so that a
// 64×64 heatmap colours its cells with array reads, not colour-string parsing.
//
//   sequential (weights, all ≥ 0):  viridis or cividis, both perceptually uniform and readable
//                                   with colour-vision deficiencies
//   diverging (signed values):      RdBu or PuOr (ColorBrewer), centred on 0: blue/purple below,
//                                   red/orange above, near-white at 0
//
// One scale serves every panel of a card (the heads of a step share it). Its top is the largest
// value, except that from 256 values on (past 16 × 16) the largest 2% are left out when placing
// the top (as seaborn's robust=True does): at 64 tokens, row 1's causal weight of 1.0 would
// otherwise turn every other weight (about 1/64) dark. The book's 6-token views are not affected. Values above the top are drawn in the top colour, and the
// legend says so. A weights card can instead scale each query row on its own ('row').
import { interpolateCividis, interpolatePuOr, interpolateRdBu, interpolateViridis } from 'd3-scale-chromatic';
import { rgb } from 'd3-color';

export const PALETTES = {
  'viridis-rdbu': { label: 'viridis + RdBu', sequential: interpolateViridis, diverging: (t) => interpolateRdBu(1 - t) },
  'cividis-puor': { label: 'cividis + PuOr', sequential: interpolateCividis, diverging: (t) => interpolatePuOr(1 - t) },
};

/** How the weights are coloured: one scale for the matrix (all its heads), or each query row on its own. */
export const SCALE_MODES = {
  matrix: { label: 'one per matrix' },
  row: { label: 'per row (weights)' },
};

const N = 256;
const cache = new Map();

function table(interpolate) {
  if (cache.has(interpolate)) return cache.get(interpolate);
  const lut = new Uint8Array(N * 3);
  for (let i = 0; i < N; i++) {
    const c = rgb(interpolate(i / (N - 1)));
    lut[3 * i] = c.r;
    lut[3 * i + 1] = c.g;
    lut[3 * i + 2] = c.b;
  }
  cache.set(interpolate, lut);
  return lut;
}

export const ROBUST_FROM = 256; // values; below this the scale's top is the largest value

/** The top of a robust scale: the largest of `values` (≥ 0), past ROBUST_FROM values once the largest 2% are left out. */
function robustTop(values, n) {
  const k = n >= ROBUST_FROM ? Math.floor(n * 0.02) : 0;
  let max = 0;
  for (let i = 0; i < n; i++) if (values[i] > max) max = values[i];
  if (k === 0) return { top: max, clipped: 0 };
  const top = nth(values.subarray(0, n), n - 1 - k);
  if (!(top > 0)) return { top: max, clipped: 0 };
  let clipped = 0;
  for (let i = 0; i < n; i++) if (values[i] > top) clipped++;
  return { top, clipped };
}

/** The r-th smallest value of a (0-based), by quickselect: reorders a, O(n) on average. */
function nth(a, r) {
  let lo = 0;
  let hi = a.length - 1;
  while (hi > lo) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i]; a[i] = a[j]; a[j] = t;
        i++;
        j--;
      }
    }
    if (r <= j) hi = j;
    else if (r >= i) lo = i;
    else return a[r];
  }
  return a[r];
}

/**
 * A scale for one card. kind 'weights': sequential from 0; 'signed': diverging, symmetric around
 * 0. `panels` is a list of Float32Arrays (rows × cols each); non-finite values (−∞ of the mask,
 * NaN) are left out. mode 'row' (weights only): each row of each panel from 0 to its own largest.
 */
export function makeScale(kind, panels, { palette: paletteId, mode = 'matrix', rows = 1, cols = 1 } = {}) {
  const palette = PALETTES[paletteId] ?? PALETTES['viridis-rdbu'];
  let total = 0;
  for (const d of panels) total += d.length;
  const finite = new Float32Array(total);
  let n = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (const d of panels) {
    for (let i = 0; i < d.length; i++) {
      const v = d[i];
      if (!Number.isFinite(v)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
      finite[n++] = v;
    }
  }
  if (n === 0) lo = hi = 0;
  const sequential = kind === 'weights' && lo >= 0;
  const lut = table(sequential ? palette.sequential : palette.diverging);
  const base = { lut, kind: sequential ? 'sequential' : 'diverging', min: lo, max: hi };

  if (sequential && mode === 'row') {
    // rowTop[p * rows + i]: the largest finite value of row i of panel p.
    const rowTop = new Float32Array(panels.length * rows);
    panels.forEach((d, p) => {
      for (let i = 0; i < rows; i++) {
        let m = 0;
        for (let j = 0; j < cols; j++) {
          const v = d[i * cols + j];
          if (v > m && v !== Infinity) m = v;
        }
        rowTop[p * rows + i] = m > 0 ? m : 1;
      }
    });
    return {
      ...base, mode: 'row', domain: [0, hi > 0 ? hi : 1], clipped: 0,
      index(v, p = 0, i = 0) {
        const k = Math.round((v / rowTop[p * rows + i]) * (N - 1));
        return k < 0 ? 0 : k > N - 1 ? N - 1 : k;
      },
      rowTop: (p, i) => rowTop[p * rows + i],
      css(v, p, i) { return cssOf(lut, this.index(v, p, i)); },
      stops: (m = 11) => stopsOf(lut, m),
      describe: 'each row from 0 to its own largest weight',
    };
  }

  let d0;
  let d1;
  let clipped;
  if (sequential) {
    const r = robustTop(finite, n);
    d0 = 0;
    d1 = r.top > 0 ? r.top : 1;
    clipped = r.clipped;
  } else {
    for (let i = 0; i < n; i++) finite[i] = Math.abs(finite[i]);
    const r = robustTop(finite, n);
    const m = r.top > 0 ? r.top : 1;
    d0 = -m;
    d1 = m;
    clipped = r.clipped;
  }
  const k = (N - 1) / (d1 - d0);
  return {
    ...base, mode: 'matrix', domain: [d0, d1], clipped,
    /** LUT index of v (finite v only); values past the domain take its end colours. */
    index(v) {
      const i = Math.round((v - d0) * k);
      return i < 0 ? 0 : i > N - 1 ? N - 1 : i;
    },
    css(v) { return cssOf(lut, this.index(v)); },
    stops: (m = 11) => stopsOf(lut, m),
    describe: sequential ? 'sequential: 0 to the largest weight' : 'diverging: white at 0, symmetric around it',
  };
}

const cssOf = (lut, i) => `rgb(${lut[3 * i]}, ${lut[3 * i + 1]}, ${lut[3 * i + 2]})`;

function stopsOf(lut, m) {
  return Array.from({ length: m }, (_, i) => {
    const j = Math.round((i / (m - 1)) * (N - 1));
    return [i / (m - 1), cssOf(lut, j)];
  });
}

/** Black or white text, whichever reads better on this LUT colour (WCAG relative luminance). */
export function textOn(lut, i) {
  const lin = (c) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const L = 0.2126 * lin(lut[3 * i]) + 0.7152 * lin(lut[3 * i + 1]) + 0.0722 * lin(lut[3 * i + 2]);
  return L > 0.22 ? '#111' : '#fff';
}
