// One matrix drawn as a heatmap on a <canvas>: rows are queries (tokens), columns are keys
// (tokens) or dimensions. Cells are coloured through a lookup table and drawn as one scaled
// bitmap, so a 64×64 matrix costs one drawImage, not 4096 fillRects. Values are written in the
// cells when 4 decimals fit; the causal mask (−∞) is hatched and dropped cells are crossed out, so
// neither reads as an ordinary 0.
//
// Interaction: hover (or arrow keys when focused) reports a cell; click a cell or a token label,
// or press Enter, to follow that row in every matrix (the book's query x(2), "journey").
import { textOn } from './colors.js';

const VALUE_FONT = (px) => `${px}px ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace`;
const LABEL_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
const LABEL_FONT_BOLD = `600 ${LABEL_FONT}`;

const measureCtx = document.createElement('canvas').getContext('2d');
const widthCache = new Map();
function textWidth(font, s) {
  const key = font + '\u0000' + s;
  let w = widthCache.get(key);
  if (w === undefined) {
    measureCtx.font = font;
    w = measureCtx.measureText(s).width;
    if (widthCache.size > 5000) widthCache.clear();
    widthCache.set(key, w);
  }
  return w;
}

function fit(font, s, max) {
  if (textWidth(font, s) <= max) return s;
  let t = s;
  while (t.length > 1 && textWidth(font, t + '…') > max) t = t.slice(0, -1);
  return t + '…';
}

// A 6×6 tile with one diagonal stroke: repeated, it hatches the masked cells. One per theme.
const patterns = new WeakMap();
function hatchPattern(ctx, theme) {
  let p = patterns.get(theme);
  if (!p) {
    const tile = document.createElement('canvas');
    tile.width = tile.height = 6;
    const c = tile.getContext('2d');
    c.fillStyle = `rgb(${theme.maskRgb.join(',')})`;
    c.fillRect(0, 0, 6, 6);
    c.strokeStyle = theme.hatch;
    c.lineWidth = 1;
    c.beginPath();
    c.moveTo(-1, 7); c.lineTo(7, -1); // the diagonal, and its wrap-around corners
    c.moveTo(-1, 1); c.lineTo(1, -1);
    c.moveTo(5, 7); c.lineTo(7, 5);
    c.stroke();
    p = ctx.createPattern(tile, 'repeat');
    patterns.set(theme, p);
  }
  return p;
}

/** The 4-decimal text of a cell, as the book prints (−∞ for the mask). */
export function cellText(v) {
  if (v === -Infinity) return '−∞';
  if (v === Infinity) return '∞';
  if (Number.isNaN(v)) return 'nan';
  if (Math.abs(v) >= 1e5) return v.toExponential(1);
  return v.toFixed(4);
}

export class Heatmap {
  /**
   * @param {object} o
   * @param {string} o.label             accessible name ("Attention weights, head 0")
   * @param {(row: number) => void} o.onLockRow   a row (token) was chosen; the page toggles it
   * @param {(cell: {i,j}|null, where: {x,y,keyboard}) => void} o.onHover
   */
  constructor({ label, onLockRow, onHover }) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'heatmap';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'img');
    this.label = label;
    this.onLockRow = onLockRow;
    this.onHover = onHover;
    this.view = null;
    this.hover = null; // {i, j} under the mouse or the keyboard cursor
    this.cursor = null; // keyboard cursor
    this.bitmap = document.createElement('canvas');
    this.listen();
  }

  /**
   * view: { data (rows*cols, row-major), rows, cols, rowLabels, colLabels, scale, lockedRow,
   *         before? (the weights before dropout, to find dropped cells), group? (columns per head),
   *         columnsAreTokens }
   * geometry: { maxWidth }, theme: colours from the page's CSS.
   */
  set(view, { maxWidth, theme }) {
    // Layout depends on the sizes and the labels only; a new set of values redraws in place.
    const layoutKey = `${view.rows}|${view.cols}|${maxWidth}|${view.rowLabels.join('\u0000')}|${view.colLabels.join('\u0000')}`;
    this.view = view;
    this.theme = theme;
    if (layoutKey !== this.layoutKey) {
      this.layoutKey = layoutKey;
      this.geo = this.layout(maxWidth);
      this.resize();
    }
    this.canvas.setAttribute('aria-label', `${this.label}: ${view.rows} × ${view.cols} heatmap. ` +
      'Arrow keys move between cells, Enter follows the row in every matrix, Escape stops following.');
    this.paintBitmap();
    this.draw();
  }

  // ---- geometry -------------------------------------------------------------------------------

  layout(maxWidth) {
    const { rows, cols, rowLabels, colLabels } = this.view;
    let labelW = 0;
    for (const s of rowLabels) labelW = Math.max(labelW, textWidth(LABEL_FONT_BOLD, s));
    const rowLabelW = Math.ceil(Math.min(labelW, 88)) + 10;
    const avail = Math.max(40, maxWidth - rowLabelW - 4);
    // One row height for every matrix with the same rows (so a followed row lines up across
    // cards): 24 px while the rows fit in a square of the card's width, smaller beyond.
    const cellH = Math.max(2, Math.min(24, Math.floor(Math.min(460, avail) / rows)));
    let cellW;
    let valueFont = null;
    if (cellH >= 22) {
      for (const px of [10.5, 9.5, 9]) {
        const need = Math.ceil(textWidth(VALUE_FONT(px), '-0.0000')) + 6;
        if (cols * need <= avail) {
          cellW = Math.min(Math.floor(avail / cols), need + 2);
          valueFont = VALUE_FONT(px);
          break;
        }
      }
    }
    if (!valueFont) cellW = Math.max(2, Math.min(36, Math.floor(avail / cols)));
    // Column labels: across when they fit in a cell, otherwise turned upright.
    let colLabelW = 0;
    for (const s of colLabels) colLabelW = Math.max(colLabelW, textWidth(LABEL_FONT, s));
    const across = colLabelW + 6 <= cellW;
    const colLabelH = across ? 20 : Math.ceil(Math.min(colLabelW, 72)) + 10;
    const gridW = cols * cellW;
    const gridH = rows * cellH;
    return {
      cellW, cellH, valueFont, rowLabelW, colLabelH, across,
      x0: rowLabelW, y0: colLabelH, gridW, gridH,
      width: rowLabelW + gridW + 2,
      height: colLabelH + gridH + 2,
      // every k-th label when cells are smaller than a line of text
      rowStep: Math.max(1, Math.ceil(14 / cellH)),
      colStep: across ? 1 : Math.max(1, Math.ceil(14 / cellW)),
    };
  }

  resize() {
    const dpr = window.devicePixelRatio || 1;
    const { width, height } = this.geo;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(height * dpr);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    this.dpr = dpr;
  }

  // ---- drawing --------------------------------------------------------------------------------

  /** Kind of a cell: 'masked' (−∞), 'dropped' (zeroed by dropout), 'nan' or 'value'. */
  cellKind(k) {
    const v = this.view.data[k];
    if (v === -Infinity) return 'masked';
    if (Number.isNaN(v)) return 'nan';
    if (this.view.before && v === 0 && this.view.before[k] !== 0) return 'dropped';
    return 'value';
  }

  /** One pixel per cell, in the scale's colours; drawn scaled up without smoothing. */
  paintBitmap() {
    const { data, rows, cols, scale } = this.view;
    const theme = this.theme;
    if (this.bitmap.width !== cols || this.bitmap.height !== rows) {
      this.bitmap.width = cols;
      this.bitmap.height = rows;
    }
    const bctx = this.bitmap.getContext('2d');
    const img = bctx.createImageData(cols, rows);
    const px = img.data;
    const { lut } = scale;
    const special = { masked: theme.maskRgb, dropped: theme.maskRgb, nan: theme.nanRgb };
    for (let k = 0; k < rows * cols; k++) {
      const kind = this.cellKind(k);
      let r, g, b;
      if (kind === 'value') {
        const i = scale.index(data[k]);
        r = lut[3 * i]; g = lut[3 * i + 1]; b = lut[3 * i + 2];
      } else [r, g, b] = special[kind];
      px[4 * k] = r; px[4 * k + 1] = g; px[4 * k + 2] = b; px[4 * k + 3] = 255;
    }
    bctx.putImageData(img, 0, 0);
  }

  draw() {
    const ctx = this.canvas.getContext('2d');
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.geo.width, this.geo.height);
    this.drawTo(ctx, { hover: this.hover });
  }

  /** Draws the whole heatmap at the origin of ctx (also used for the PNG export). */
  drawTo(ctx, { hover = null } = {}) {
    const { data, rows, cols, lockedRow, scale } = this.view;
    const g = this.geo;
    const t = this.theme;
    const { x0, y0, cellW, cellH } = g;

    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.bitmap, x0, y0, g.gridW, g.gridH);

    // The mask: diagonal hatching, filled as one pattern over each row's run of masked cells.
    // Dropout: each dropped cell crossed out.
    ctx.save();
    ctx.fillStyle = hatchPattern(ctx, t);
    const cross = new Path2D();
    for (let i = 0; i < rows; i++) {
      let run = -1;
      for (let j = 0; j <= cols; j++) {
        const kind = j < cols ? this.cellKind(i * cols + j) : 'end';
        if (kind === 'masked') {
          if (run < 0) run = j;
          continue;
        }
        if (run >= 0) {
          ctx.fillRect(x0 + run * cellW, y0 + i * cellH, (j - run) * cellW, cellH);
          run = -1;
        }
        if (kind === 'dropped') {
          const x = x0 + j * cellW;
          const y = y0 + i * cellH;
          const m = Math.min(cellW, cellH) * 0.22;
          cross.moveTo(x + m, y + m); cross.lineTo(x + cellW - m, y + cellH - m);
          cross.moveTo(x + cellW - m, y + m); cross.lineTo(x + m, y + cellH - m);
        }
      }
    }
    ctx.strokeStyle = t.cross;
    ctx.lineWidth = Math.max(1, Math.min(2, cellW / 12));
    ctx.stroke(cross);
    ctx.restore();

    // Cell borders in the card's colour, when cells are big enough for borders to help.
    if (cellW >= 6 && cellH >= 6) {
      ctx.strokeStyle = t.card;
      ctx.lineWidth = cellW >= 20 ? 1.5 : 1;
      ctx.beginPath();
      for (let j = 1; j < cols; j++) { ctx.moveTo(x0 + j * cellW, y0); ctx.lineTo(x0 + j * cellW, y0 + g.gridH); }
      for (let i = 1; i < rows; i++) { ctx.moveTo(x0, y0 + i * cellH); ctx.lineTo(x0 + g.gridW, y0 + i * cellH); }
      ctx.stroke();
    }
    // Head boundaries in merged outputs.
    if (this.view.group && this.view.group < cols) {
      ctx.strokeStyle = t.text;
      ctx.lineWidth = 2;
      ctx.beginPath();
      for (let j = this.view.group; j < cols; j += this.view.group) {
        ctx.moveTo(x0 + j * cellW, y0 - 4); ctx.lineTo(x0 + j * cellW, y0 + g.gridH);
      }
      ctx.stroke();
    }

    // Values.
    if (g.valueFont) {
      ctx.font = g.valueFont;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const k = i * cols + j;
          const kind = this.cellKind(k);
          const v = data[k];
          if (kind === 'dropped') continue;
          ctx.fillStyle = kind === 'value' ? textOn(scale.lut, scale.index(v)) : t.muted;
          ctx.fillText(cellText(v), x0 + (j + 0.5) * cellW, y0 + (i + 0.5) * cellH + 0.5);
        }
      }
    }

    // The followed row: everything else dimmed, the row outlined.
    if (lockedRow !== null && lockedRow !== undefined && lockedRow < rows) {
      ctx.fillStyle = t.dim;
      if (lockedRow > 0) ctx.fillRect(x0, y0, g.gridW, lockedRow * cellH);
      if (lockedRow < rows - 1) ctx.fillRect(x0, y0 + (lockedRow + 1) * cellH, g.gridW, (rows - lockedRow - 1) * cellH);
      ctx.strokeStyle = t.accent;
      ctx.lineWidth = 2;
      ctx.strokeRect(x0 - 1, y0 + lockedRow * cellH - 1, g.gridW + 2, cellH + 2);
    }
    if (hover && hover.i < rows && hover.j < cols) {
      ctx.strokeStyle = t.text;
      ctx.lineWidth = 2;
      ctx.strokeRect(x0 + hover.j * cellW + 1, y0 + hover.i * cellH + 1, cellW - 2, cellH - 2);
    }

    // Labels: tokens down the side; tokens or dimensions across the top. (Fonts are set once per
    // kind: assigning ctx.font costs more than drawing a label.)
    const { rowLabels, colLabels } = this.view;
    const isLocked = (i) => i === lockedRow;
    const colLocked = (j) => this.view.columnsAreTokens && j === lockedRow;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    ctx.font = LABEL_FONT;
    for (let i = 0; i < rows; i += g.rowStep) {
      if (isLocked(i)) continue;
      ctx.fillStyle = hover && hover.i === i ? t.text : t.muted;
      ctx.fillText(fit(LABEL_FONT, rowLabels[i], g.rowLabelW - 10), x0 - 6, y0 + (i + 0.5) * cellH);
    }
    const across = (j) => ctx.fillText(colLabels[j], x0 + (j + 0.5) * cellW, y0 - 10);
    const upright = (j) => ctx.fillText(fit(ctx.font, colLabels[j], g.colLabelH - 10), -(y0 - 5), x0 + (j + 0.5) * cellW);
    if (!g.across) {
      ctx.save();
      ctx.rotate(-Math.PI / 2); // x' = -y, y' = x
      ctx.textAlign = 'left';
    } else ctx.textAlign = 'center';
    for (let j = 0; j < cols; j += g.colStep) {
      if (colLocked(j)) continue;
      ctx.fillStyle = hover && hover.j === j ? t.text : t.muted;
      (g.across ? across : upright)(j);
    }
    // The followed token, in bold and the accent colour.
    ctx.font = LABEL_FONT_BOLD;
    ctx.fillStyle = t.accent;
    if (this.view.columnsAreTokens && lockedRow !== null && lockedRow !== undefined && lockedRow < cols) (g.across ? across : upright)(lockedRow);
    if (!g.across) ctx.restore();
    if (lockedRow !== null && lockedRow !== undefined && lockedRow < rows) {
      ctx.textAlign = 'right';
      ctx.fillText(fit(LABEL_FONT_BOLD, rowLabels[lockedRow], g.rowLabelW - 10), x0 - 6, y0 + (lockedRow + 0.5) * cellH);
    }
  }

  // ---- interaction ----------------------------------------------------------------------------

  /** What is at (x, y) in CSS pixels: a cell, a row label, a column label, or nothing. */
  hit(x, y) {
    const g = this.geo;
    if (!g) return null;
    const j = Math.floor((x - g.x0) / g.cellW);
    const i = Math.floor((y - g.y0) / g.cellH);
    const inCols = j >= 0 && j < this.view.cols;
    const inRows = i >= 0 && i < this.view.rows;
    if (inRows && inCols) return { type: 'cell', i, j };
    if (inRows && x < g.x0) return { type: 'row', i };
    if (inCols && y < g.y0) return { type: 'col', j };
    return null;
  }

  setHover(cell, where) {
    const same = cell && this.hover && cell.i === this.hover.i && cell.j === this.hover.j;
    if (!same && (cell || this.hover)) {
      this.hover = cell;
      this.draw();
    }
    this.onHover?.(cell, where);
  }

  listen() {
    const c = this.canvas;
    const pos = (e) => {
      const r = c.getBoundingClientRect();
      return { x: e.clientX - r.left, y: e.clientY - r.top };
    };
    c.addEventListener('pointermove', (e) => {
      const { x, y } = pos(e);
      const h = this.hit(x, y);
      c.classList.toggle('pointer', !!h && (h.type !== 'col' || this.view.columnsAreTokens));
      this.setHover(h?.type === 'cell' ? { i: h.i, j: h.j } : null, { clientX: e.clientX, clientY: e.clientY });
    });
    c.addEventListener('pointerleave', () => this.setHover(null, null));
    c.addEventListener('click', (e) => {
      const { x, y } = pos(e);
      const h = this.hit(x, y);
      if (!h) return;
      if (h.type === 'cell' || h.type === 'row') this.onLockRow(h.i);
      else if (h.type === 'col' && this.view.columnsAreTokens) this.onLockRow(h.j);
    });
    c.addEventListener('focus', () => {
      if (!this.cursor) {
        const i = this.view?.lockedRow ?? 0;
        this.cursor = { i: Math.min(i, this.view.rows - 1), j: 0 };
      }
      this.setHover(this.cursor, this.cellPoint(this.cursor));
    });
    c.addEventListener('blur', () => this.setHover(null, null));
    c.addEventListener('keydown', (e) => {
      if (!this.view) return;
      const { rows, cols } = this.view;
      const cur = this.cursor ?? { i: 0, j: 0 };
      let { i, j } = cur;
      switch (e.key) {
        case 'ArrowUp': i = Math.max(0, i - 1); break;
        case 'ArrowDown': i = Math.min(rows - 1, i + 1); break;
        case 'ArrowLeft': j = Math.max(0, j - 1); break;
        case 'ArrowRight': j = Math.min(cols - 1, j + 1); break;
        case 'Home': j = 0; break;
        case 'End': j = cols - 1; break;
        case 'Enter':
        case ' ':
          e.preventDefault();
          this.onLockRow(i);
          return;
        case 'Escape':
          if (this.view.lockedRow !== null) {
            e.preventDefault();
            this.onLockRow(null);
          }
          return;
        default:
          return;
      }
      e.preventDefault();
      this.cursor = { i, j };
      this.setHover(this.cursor, this.cellPoint(this.cursor));
    });
  }

  /** Screen position just below a cell, for the keyboard's tooltip. */
  cellPoint({ i, j }) {
    const r = this.canvas.getBoundingClientRect();
    const g = this.geo;
    return { clientX: r.left + g.x0 + (j + 0.5) * g.cellW, clientY: r.top + g.y0 + (i + 1) * g.cellH, keyboard: true };
  }

  // ---- SVG ------------------------------------------------------------------------------------

  /** The heatmap as SVG elements (no <svg> wrapper), at the origin; text and rects only. */
  toSVGBody() {
    const { data, rows, cols, rowLabels, colLabels, scale, lockedRow } = this.view;
    const g = this.geo;
    const t = this.theme;
    const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const out = [];
    out.push('<defs><pattern id="mask-hatch" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
      `<rect width="5" height="5" fill="rgb(${t.maskRgb.join(',')})"/><line x1="0" y1="0" x2="0" y2="5" stroke="${t.hatch}" stroke-width="1.2"/></pattern></defs>`);
    out.push(`<g font-family="ui-monospace, DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="${g.valueFont ? parseFloat(g.valueFont) : 10}" text-anchor="middle" dominant-baseline="central">`);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const k = i * cols + j;
        const v = data[k];
        const kind = this.cellKind(k);
        const x = g.x0 + j * g.cellW;
        const y = g.y0 + i * g.cellH;
        const fill = kind === 'value' ? scale.css(v) : kind === 'masked' ? 'url(#mask-hatch)' : `rgb(${t.maskRgb.join(',')})`;
        out.push(`<rect x="${x}" y="${y}" width="${g.cellW}" height="${g.cellH}" fill="${fill}" stroke="${t.card}" stroke-width="${g.cellW >= 6 ? 1 : 0}" data-row="${i}" data-col="${j}" data-value="${valueAttr(v)}"><title>${esc(rowLabels[i])} × ${esc(colLabels[j])}: ${valueAttr(v)}</title></rect>`);
        if (kind === 'dropped') {
          const m = Math.min(g.cellW, g.cellH) * 0.22;
          out.push(`<path d="M${x + m} ${y + m}L${x + g.cellW - m} ${y + g.cellH - m}M${x + g.cellW - m} ${y + m}L${x + m} ${y + g.cellH - m}" stroke="${t.cross}" stroke-width="1.5"/>`);
        } else if (g.valueFont) {
          const color = kind === 'value' ? textOn(scale.lut, scale.index(v)) : t.muted;
          out.push(`<text x="${x + g.cellW / 2}" y="${y + g.cellH / 2}" fill="${color}">${cellText(v)}</text>`);
        }
      }
    }
    out.push('</g>');
    if (lockedRow !== null && lockedRow !== undefined && lockedRow < rows) {
      out.push(`<rect x="${g.x0 - 1}" y="${g.y0 + lockedRow * g.cellH - 1}" width="${g.gridW + 2}" height="${g.cellH + 2}" fill="none" stroke="${t.accent}" stroke-width="2"/>`);
    }
    out.push(`<g font-family="system-ui, DejaVu Sans, sans-serif" font-size="12" fill="${t.muted}">`);
    for (let i = 0; i < rows; i += g.rowStep) {
      out.push(`<text x="${g.x0 - 6}" y="${g.y0 + (i + 0.5) * g.cellH}" text-anchor="end" dominant-baseline="central">${esc(rowLabels[i])}</text>`);
    }
    for (let j = 0; j < cols; j += g.colStep) {
      const cx = g.x0 + (j + 0.5) * g.cellW;
      out.push(g.across
        ? `<text x="${cx}" y="${g.y0 - 10}" text-anchor="middle" dominant-baseline="central">${esc(colLabels[j])}</text>`
        : `<text transform="translate(${cx} ${g.y0 - 5}) rotate(-90)" dominant-baseline="central">${esc(colLabels[j])}</text>`);
    }
    out.push('</g>');
    return out.join('\n');
  }
}

/** The exact float32 value as the shortest decimal that reads back to it. */
export function exactText(v) {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}

function valueAttr(v) {
  return exactText(v);
}
