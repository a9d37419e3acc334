// Colour scales from d3-scale-chromatic, sampled once into 256-entry lookup tables so that a
// 64×64 heatmap colours its cells with array reads, not colour-string parsing.
//
//   sequential (weights, all ≥ 0):  viridis or cividis, both perceptually uniform and readable
//                                   with colour-vision deficiencies
//   diverging (signed values):      RdBu or PuOr (ColorBrewer), centred on 0: blue/purple below,
//                                   red/orange above, near-white at 0
import { interpolateCividis, interpolatePuOr, interpolateRdBu, interpolateViridis } from 'd3-scale-chromatic';
import { rgb } from 'd3-color';

export const PALETTES = {
  'viridis-rdbu': { label: 'viridis + RdBu', sequential: interpolateViridis, diverging: (t) => interpolateRdBu(1 - t) },
  'cividis-puor': { label: 'cividis + PuOr', sequential: interpolateCividis, diverging: (t) => interpolatePuOr(1 - t) },
};

const N = 256;
const cache = new Map();

/** { lut: Uint8Array(256*3), css(i) } for one interpolator. */
function table(interpolate) {
  if (cache.has(interpolate)) return cache.get(interpolate);
  const lut = new Uint8Array(N * 3);
  for (let i = 0; i < N; i++) {
    const c = rgb(interpolate(i / (N - 1)));
    lut[3 * i] = c.r;
    lut[3 * i + 1] = c.g;
    lut[3 * i + 2] = c.b;
  }
  const t = { lut, interpolate };
  cache.set(interpolate, t);
  return t;
}

/**
 * A scale for one matrix. kind 'weights': [0, max] sequential; 'signed': [-m, m] diverging with
 * m = max |v|. Non-finite values (−∞ of the mask, NaN) are left out of the domain.
 */
export function makeScale(kind, data, paletteId) {
  const palette = PALETTES[paletteId] ?? PALETTES['viridis-rdbu'];
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) lo = hi = 0; // nothing finite
  let domain;
  let interpolate;
  if (kind === 'weights' && lo >= 0) {
    domain = [0, hi > 0 ? hi : 1];
    interpolate = palette.sequential;
  } else {
    const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    domain = [-m, m];
    interpolate = palette.diverging;
  }
  const { lut } = table(interpolate);
  const [d0, d1] = domain;
  const k = (N - 1) / (d1 - d0);
  return {
    kind: kind === 'weights' && lo >= 0 ? 'sequential' : 'diverging',
    domain,
    lut,
    interpolate,
    /** LUT index of v (finite v only). */
    index(v) {
      const i = Math.round((v - d0) * k);
      return i < 0 ? 0 : i > N - 1 ? N - 1 : i;
    },
    /** CSS colour of v. */
    css(v) {
      const i = this.index(v);
      return `rgb(${lut[3 * i]}, ${lut[3 * i + 1]}, ${lut[3 * i + 2]})`;
    },
    /** CSS gradient stops for the legend, low to high. */
    stops(n = 11) {
      return Array.from({ length: n }, (_, i) => {
        const j = Math.round((i / (n - 1)) * (N - 1));
        return [i / (n - 1), `rgb(${lut[3 * j]}, ${lut[3 * j + 1]}, ${lut[3 * j + 2]})`];
      });
    },
  };
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
