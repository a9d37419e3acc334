// Exports: every tensor of the current view as JSON or CSV, one matrix as PNG or SVG. Files are
// made in the page and handed to the browser as downloads; nothing leaves the machine.
import { csvFormatRows } from 'd3-dsv';
import { exactText } from './heatmap.js';

/** Starts a download of `blob` named `name`. */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A float32 value for JSON: the exact value as a number, non-finite ones as strings. */
const jsonValue = (v) => (Number.isFinite(v) ? Number(exactText(v)) : exactText(v));

// Section 3.5's stepping stones under the names the book gives them.
const STONE_NAMES = { unmasked: 'attn_weights_unmasked', tril: 'mask_simple', renormalized: 'masked_simple_norm', dropoutOnes: 'dropout_example' };

/** All tensors of one result, in pipeline order, as { name: Tensor }. */
export function allTensors(result) {
  const out = { inputs: result.inputs };
  for (const [k, t] of Object.entries(result.trace)) out[`trace.${k}`] = t;
  out.output = result.output;
  for (const [k, t] of Object.entries(result.stateDict)) out[`state_dict.${k}`] = t;
  if (result.stones) for (const [k, name] of Object.entries(STONE_NAMES)) out[`book.${name}`] = result.stones[k];
  return out;
}

export function tensorsJSON(result, meta) {
  const tensors = {};
  for (const [name, t] of Object.entries(allTensors(result))) {
    tensors[name] = { shape: t.shape, data: Array.from(t.data, jsonValue) };
  }
  return JSON.stringify({ ...meta, encoding: 'float32 values, row-major; -Infinity (the causal mask) and NaN as strings', tensors }, null, 1);
}

/**
 * Long ("tidy") CSV: one line per element, tensor,i0,i1,i2,i3,value (unused index columns
 * empty). Values are exact float32 decimals; the causal mask is -Infinity.
 */
export function tensorsCSV(result) {
  const rows = [['tensor', 'i0', 'i1', 'i2', 'i3', 'value']];
  for (const [name, t] of Object.entries(allTensors(result))) {
    const { shape, data } = t;
    const idx = new Array(shape.length).fill(0);
    for (let k = 0; k < data.length; k++) {
      const line = [name];
      for (let a = 0; a < 4; a++) line.push(a < idx.length ? String(idx[a]) : '');
      line.push(exactText(data[k]));
      rows.push(line);
      for (let a = idx.length - 1; a >= 0; a--) {
        if (++idx[a] < shape[a]) break;
        idx[a] = 0;
      }
    }
  }
  return csvFormatRows(rows) + '\n';
}

// ---- one matrix -------------------------------------------------------------------------------

const HEADER_FONT = '600 15px system-ui, "DejaVu Sans", sans-serif';
const SUB_FONT = '12px ui-monospace, "DejaVu Sans Mono", monospace';

/** Width of the exported picture: the matrix, or its title or code line if wider. */
function exportWidth(heatmap, { title, code, shape }) {
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = HEADER_FONT;
  const titleW = ctx.measureText(`${title}  ${shape}`).width;
  ctx.font = SUB_FONT;
  const codeW = ctx.measureText(code).width;
  return Math.ceil(Math.max(heatmap.geo.width, 320, titleW, codeW));
}

/** The matrix as a PNG at twice the screen size, with its title, code line and colour legend. */
export function heatmapPNG(heatmap, { title, code, shape, legend }) {
  const g = heatmap.geo;
  const t = heatmap.theme;
  const scale = 2;
  const pad = 16;
  const headH = 50;
  const legendH = 34;
  const w = exportWidth(heatmap, { title, code, shape }) + 2 * pad;
  const h = headH + g.height + legendH + 2 * pad;
  const canvas = document.createElement('canvas');
  canvas.width = w * scale;
  canvas.height = h * scale;
  const ctx = canvas.getContext('2d');
  ctx.scale(scale, scale);
  ctx.fillStyle = t.card;
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = t.text;
  ctx.font = HEADER_FONT;
  ctx.textBaseline = 'top';
  ctx.fillText(`${title}  ${shape}`, pad, pad);
  ctx.font = SUB_FONT;
  ctx.fillStyle = t.muted;
  ctx.fillText(code, pad, pad + 22);
  ctx.save();
  ctx.translate(pad, pad + headH);
  heatmap.drawTo(ctx, {});
  ctx.restore();
  // legend: gradient bar with its ends
  const y = pad + headH + g.height + 12;
  const grad = ctx.createLinearGradient(pad + 60, 0, pad + 220, 0);
  for (const [o, c] of heatmap.view.scale.stops(16)) grad.addColorStop(o, c);
  ctx.fillStyle = grad;
  ctx.fillRect(pad + 60, y, 160, 10);
  ctx.fillStyle = t.muted;
  ctx.font = '11px ui-monospace, "DejaVu Sans Mono", monospace';
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  ctx.fillText(legend.lo, pad + 54, y + 5);
  ctx.textAlign = 'left';
  ctx.fillText(legend.hi, pad + 226, y + 5);
  return new Promise((ok, fail) => canvas.toBlob((b) => (b ? ok(b) : fail(new Error('PNG encoding failed'))), 'image/png'));
}

/** The matrix as a standalone SVG: rects carry data-value with the exact number. */
export function heatmapSVG(heatmap, { title, code, shape, legend }) {
  const g = heatmap.geo;
  const t = heatmap.theme;
  const pad = 16;
  const headH = 50;
  const legendH = 34;
  const w = exportWidth(heatmap, { title, code, shape }) + 2 * pad;
  const h = headH + g.height + legendH + 2 * pad;
  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const stops = heatmap.view.scale.stops(16).map(([o, c]) => `<stop offset="${o}" stop-color="${c}"/>`).join('');
  const y = pad + headH + g.height + 12;
  const svg = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">
<title>${esc(title)} ${esc(shape)}</title>
<rect width="100%" height="100%" fill="${t.card}"/>
<text x="${pad}" y="${pad + 12}" font-family="system-ui, DejaVu Sans, sans-serif" font-size="15" font-weight="600" fill="${t.text}">${esc(title)}  ${esc(shape)}</text>
<text x="${pad}" y="${pad + 32}" font-family="ui-monospace, DejaVu Sans Mono, monospace" font-size="12" fill="${t.muted}">${esc(code)}</text>
<g transform="translate(${pad} ${pad + headH})">
${heatmap.toSVGBody()}
</g>
<defs><linearGradient id="legend">${stops}</linearGradient></defs>
<rect x="${pad + 60}" y="${y}" width="160" height="10" fill="url(#legend)"/>
<g font-family="ui-monospace, DejaVu Sans Mono, monospace" font-size="11" fill="${t.muted}" dominant-baseline="central">
<text x="${pad + 54}" y="${y + 5}" text-anchor="end">${esc(legend.lo)}</text>
<text x="${pad + 226}" y="${y + 5}">${esc(legend.hi)}</text>
</g>
</svg>
`;
  return new Blob([svg], { type: 'image/svg+xml' });
}
