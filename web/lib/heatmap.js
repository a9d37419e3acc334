// One step of the pipeline drawn as heatmaps on one <canvas>: one panel per head, side by side
// (small multiples with one shared scale), wrapping onto more lines when they do not fit. Rows are
// queries (tokens), columns are keys (tokens) or dimensions. Cells are coloured through a lookup
// table and drawn as one scaled bitmap per panel, so a 64×64 matrix costs one drawImage, not 4096
// fillRects. Values are written in the cells when 4 decimals fit; the causal mask (−∞) is hatched
// and the cells dropout zeroed are crossed out (from dropout's own mask), so neither reads as an
// ordinary 0.
//
// Interaction: hover a cell, tap it, or focus the canvas and use the arrow keys: the page shows
// that cell. Click or tap a cell, or press Enter, to follow its row in every matrix; click a token
// label to follow or stop following it.
import { textOn } from './colors.js';

const VALUE_FONT = (px) => `${px}px ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace`;
const LABEL_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
const LABEL_FONT_BOLD = `600 ${LABEL_FONT}`;
const TITLE_FONT = '600 11.5px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
const PANEL_GAP = 14; // px between panels on a line
const LINE_GAP = 10; // px between lines of panels
const TITLE_H = 18; // px for a panel's title ("head 0") when there are several panels
const MIN_PANEL_CELL = 4; // px: narrower cells wrap the panels onto another line
const [VALUE, MASKED, DROPPED, NAN] = [0, 1, 2, 3];
const KINDS = ['value', 'masked', 'dropped', 'nan'];

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

/** s, cut with an ellipsis to fit in max px. */
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

/** The exact float32 value as the shortest decimal that reads back to it. */
export function exactText(v) {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p);
    if (Math.fround(Number(s)) === v) return String(Number(s));
  }
  return String(v);
}

export class Heatmap {
  /**
   * @param {object} o
   * @param {string} o.label             accessible name ("Attention weights")
   * @param {(row: number, how: 'cell'|'label'|'key') => void} o.onLockRow   a row (token) was chosen
   * @param {(cell: {p,i,j}|null, at: {clientX, clientY, keyboard?, touch?}|null) => void} o.onHover
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
    this.hover = null; // {p, i, j} under the pointer or the keyboard cursor
    this.cursor = null; // the keyboard cursor, {p, i, j}
    this.bitmaps = [];
    this.listen();
  }

  /**
   * view: { panels: [{ data (rows*cols, row-major), title?, dropMask? (1 kept, 0 dropped) }],
   *         rows, cols, rowLabels, colLabels, scale, lockedRow, group? (columns per head),
   *         columnsAreTokens }
   * options: { maxWidth, theme (colours from the page's CSS) }
   */
  set(view, { maxWidth, theme }) {
    // Layout depends on the sizes and the labels only; new values redraw in place.
    const layoutKey = `${view.panels.length}|${view.rows}|${view.cols}|${maxWidth}|${view.rowLabels.join('\u0000')}|${view.colLabels.join('\u0000')}|${view.panels.map((p) => p.title ?? '').join('\u0000')}`;
    this.view = view;
    this.theme = theme;
    if (layoutKey !== this.layoutKey) {
      this.layoutKey = layoutKey;
      this.geo = layout(view, maxWidth);
      this.resize();
      if (this.cursor && (this.cursor.p >= view.panels.length || this.cursor.i >= view.rows || this.cursor.j >= view.cols)) this.cursor = null;
    }
    const n = view.panels.length;
    this.canvas.setAttribute('aria-label', `${this.label}: ${n > 1 ? `${n} heads side by side, each ` : ''}${view.rows} × ${view.cols}. ` +
      `Arrow keys move between cells${n > 1 ? ' (and across heads; Page Up and Page Down jump between them)' : ''}, Enter follows the row in every matrix, Escape stops following.`);
    this.paintBitmaps();
    this.draw();
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

  /** Kind of cell k of panel p: 'masked' (−∞), 'dropped' (dropout's mask is 0), 'nan' or 'value'. */
  cellKind(p, k) {
    return KINDS[this.kinds[p][k]];
  }

  /** One pixel per cell, in the scale's colours; drawn scaled up without smoothing. Also sorts the cells into kinds. */
  paintBitmaps() {
    const { panels, rows, cols, scale } = this.view;
    const theme = this.theme;
    const special = [null, theme.maskRgb, theme.maskRgb, theme.nanRgb];
    const { lut } = scale;
    this.kinds = [];
    this.special = []; // per panel: whether any cell is masked, dropped or NaN
    panels.forEach((panel, p) => {
      let bm = this.bitmaps[p];
      if (!bm) bm = this.bitmaps[p] = document.createElement('canvas');
      if (bm.width !== cols || bm.height !== rows) {
        bm.width = cols;
        bm.height = rows;
      }
      const bctx = bm.getContext('2d');
      const img = bctx.createImageData(cols, rows);
      const px = img.data;
      const { data, dropMask } = panel;
      const kinds = new Uint8Array(rows * cols); // KINDS' index of each cell
      let any = false;
      for (let i = 0, k = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++, k++) {
          const v = data[k];
          const kind = dropMask && dropMask[k] === 0 ? DROPPED : v === -Infinity ? MASKED : Number.isNaN(v) ? NAN : VALUE;
          let r, g, b;
          if (kind === VALUE) {
            const c = 3 * scale.index(v, p, i);
            r = lut[c]; g = lut[c + 1]; b = lut[c + 2];
          } else {
            kinds[k] = kind;
            any = true;
            [r, g, b] = special[kind];
          }
          px[4 * k] = r; px[4 * k + 1] = g; px[4 * k + 2] = b; px[4 * k + 3] = 255;
        }
      }
      bctx.putImageData(img, 0, 0);
      this.kinds.push(kinds);
      this.special.push(any);
    });
    this.bitmaps.length = panels.length;
  }

  draw() {
    const ctx = this.canvas.getContext('2d');
    ctx.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    ctx.clearRect(0, 0, this.geo.width, this.geo.height);
    this.drawTo(ctx, { hover: this.hover });
  }

  /** Draws every panel at the origin of ctx (also used for the PNG export). */
  drawTo(ctx, { hover = null } = {}) {
    const { panels, rows, cols, lockedRow, scale, rowLabels, colLabels } = this.view;
    const g = this.geo;
    const t = this.theme;
    const { cellW, cellH } = g;
    const locked = lockedRow !== null && lockedRow !== undefined && lockedRow < rows ? lockedRow : null;

    panels.forEach((panel, p) => {
      const { x0, y0 } = g.panels[p];
      const data = panel.data;
      const kinds = this.kinds[p];
      ctx.imageSmoothingEnabled = false;
      ctx.drawImage(this.bitmaps[p], x0, y0, g.gridW, g.gridH);

      // The mask: diagonal hatching, filled as one pattern over each row's run of masked cells.
      // Dropout: each dropped cell crossed out.
      if (this.special[p]) this.drawSpecial(ctx, p);

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
      const group = this.view.group;
      if (group && group < cols) {
        ctx.strokeStyle = t.text;
        ctx.lineWidth = 2;
        ctx.beginPath();
        for (let j = group; j < cols; j += group) {
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
            if (kinds[k] === DROPPED) continue;
            const v = data[k];
            ctx.fillStyle = kinds[k] === VALUE ? textOn(scale.lut, scale.index(v, p, i)) : t.muted;
            ctx.fillText(cellText(v), x0 + (j + 0.5) * cellW, y0 + (i + 0.5) * cellH + 0.5);
          }
        }
      }

      // The followed row: everything else dimmed, the row outlined.
      if (locked !== null) {
        ctx.fillStyle = t.dim;
        if (locked > 0) ctx.fillRect(x0, y0, g.gridW, locked * cellH);
        if (locked < rows - 1) ctx.fillRect(x0, y0 + (locked + 1) * cellH, g.gridW, (rows - locked - 1) * cellH);
        ctx.strokeStyle = t.accent;
        ctx.lineWidth = 2;
        ctx.strokeRect(x0 - 1, y0 + locked * cellH - 1, g.gridW + 2, cellH + 2);
      }
      if (hover && hover.p === p && hover.i < rows && hover.j < cols) {
        ctx.strokeStyle = t.text;
        ctx.lineWidth = 2;
        ctx.strokeRect(x0 + hover.j * cellW + 1, y0 + hover.i * cellH + 1, cellW - 2, cellH - 2);
      }

      // The panel's title ("head 0").
      if (panel.title && g.titleH) {
        ctx.font = TITLE_FONT;
        ctx.fillStyle = t.text;
        ctx.textAlign = 'left';
        ctx.textBaseline = 'middle';
        ctx.fillText(panel.title, x0, y0 - g.colLabelH - g.titleH / 2);
      }

      // Column labels: tokens or dimensions, across when they fit, else turned upright.
      const colLocked = this.view.columnsAreTokens ? locked : null;
      ctx.textBaseline = 'middle';
      ctx.font = LABEL_FONT;
      const across = (j) => ctx.fillText(colLabels[j], x0 + (j + 0.5) * cellW, y0 - 10);
      const upright = (j, font) => ctx.fillText(fit(font, colLabels[j], g.colLabelH - 10), -(y0 - 5), x0 + (j + 0.5) * cellW);
      ctx.save();
      if (!g.across) {
        ctx.rotate(-Math.PI / 2); // x' = -y, y' = x
        ctx.textAlign = 'left';
      } else ctx.textAlign = 'center';
      for (let j = 0; j < cols; j += g.colStep) {
        if (colLocked !== null && Math.abs(j - colLocked) < g.colStep) continue; // room for the followed one
        ctx.fillStyle = hover && hover.p === p && hover.j === j ? t.text : t.muted;
        g.across ? across(j) : upright(j, LABEL_FONT);
      }
      if (colLocked !== null && colLocked < cols) {
        ctx.font = LABEL_FONT_BOLD;
        ctx.fillStyle = t.accent;
        g.across ? across(colLocked) : upright(colLocked, LABEL_FONT_BOLD);
      }
      ctx.restore();
    });

    // Row labels: tokens down the left of each line of panels.
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    for (const y0 of g.lineY) {
      ctx.font = LABEL_FONT;
      for (let i = 0; i < rows; i += g.rowStep) {
        if (locked !== null && Math.abs(i - locked) < g.rowStep) continue; // room for the followed one
        ctx.fillStyle = hover && hover.i === i ? t.text : t.muted;
        ctx.fillText(fit(LABEL_FONT, rowLabels[i], g.rowLabelW - 10), g.rowLabelW - 6, y0 + (i + 0.5) * cellH);
      }
      if (locked !== null) {
        ctx.font = LABEL_FONT_BOLD;
        ctx.fillStyle = t.accent;
        ctx.fillText(fit(LABEL_FONT_BOLD, rowLabels[locked], g.rowLabelW - 10), g.rowLabelW - 6, y0 + (locked + 0.5) * cellH);
      }
    }
  }

  /** Hatches panel p's masked cells and crosses out its dropped ones. */
  drawSpecial(ctx, p) {
    const { rows, cols } = this.view;
    const { cellW, cellH, panels } = this.geo;
    const { x0, y0 } = panels[p];
    const kinds = this.kinds[p];
    ctx.save();
    ctx.fillStyle = hatchPattern(ctx, this.theme);
    const cross = new Path2D();
    for (let i = 0; i < rows; i++) {
      let run = -1;
      for (let j = 0; j <= cols; j++) {
        const kind = j < cols ? kinds[i * cols + j] : -1;
        if (kind === MASKED) {
          if (run < 0) run = j;
          continue;
        }
        if (run >= 0) {
          ctx.fillRect(x0 + run * cellW, y0 + i * cellH, (j - run) * cellW, cellH);
          run = -1;
        }
        if (kind === DROPPED) {
          const x = x0 + j * cellW;
          const y = y0 + i * cellH;
          const m = Math.min(cellW, cellH) * 0.22;
          cross.moveTo(x + m, y + m); cross.lineTo(x + cellW - m, y + cellH - m);
          cross.moveTo(x + cellW - m, y + m); cross.lineTo(x + m, y + cellH - m);
        }
      }
    }
    ctx.strokeStyle = this.theme.cross;
    ctx.lineWidth = Math.max(1, Math.min(2, cellW / 12));
    ctx.stroke(cross);
    ctx.restore();
  }

  // ---- interaction ----------------------------------------------------------------------------

  /** What is at (x, y) in CSS pixels: a cell, a row label, a column label, or nothing. */
  hit(x, y) {
    const g = this.geo;
    if (!g || !this.view) return null;
    const { rows, cols } = this.view;
    for (let p = 0; p < g.panels.length; p++) {
      const { x0, y0 } = g.panels[p];
      const j = Math.floor((x - x0) / g.cellW);
      const i = Math.floor((y - y0) / g.cellH);
      const inCols = x >= x0 && j < cols;
      const inRows = y >= y0 && i < rows;
      if (inRows && inCols) return { type: 'cell', p, i, j };
      if (inCols && y < y0 && y >= y0 - g.colLabelH) return { type: 'col', p, j };
      if (inRows && x < g.rowLabelW && x0 === g.rowLabelW) return { type: 'row', p, i };
    }
    return null;
  }

  setHover(cell, at) {
    const same = cell && this.hover && cell.p === this.hover.p && cell.i === this.hover.i && cell.j === this.hover.j;
    if (!same && (cell || this.hover)) {
      this.hover = cell;
      this.draw();
    }
    this.onHover?.(cell, at);
  }

  listen() {
    const c = this.canvas;
    const pos = (e) => {
      const r = c.getBoundingClientRect();
      return { x: e.clientX - r.left, y: e.clientY - r.top };
    };
    c.addEventListener('pointermove', (e) => {
      if (e.pointerType === 'touch') return; // a finger shows a cell when it taps (below)
      const { x, y } = pos(e);
      const h = this.hit(x, y);
      c.classList.toggle('pointer', !!h && (h.type !== 'col' || this.view.columnsAreTokens));
      this.setHover(h?.type === 'cell' ? { p: h.p, i: h.i, j: h.j } : null, { clientX: e.clientX, clientY: e.clientY });
    });
    c.addEventListener('pointerleave', (e) => {
      if (e.pointerType !== 'touch') this.setHover(null, null);
    });
    // The pointer puts the keyboard cursor where it went down, so the focus that follows a
    // click or a tap shows that cell (not the first one).
    c.addEventListener('pointerdown', (e) => {
      const { x, y } = pos(e);
      const h = this.hit(x, y);
      this.down = h; // the click that follows names this cell (its own coordinates are rounded to whole pixels)
      if (h?.type === 'cell') this.cursor = { p: h.p, i: h.i, j: h.j };
    });
    c.addEventListener('click', (e) => {
      const { x, y } = pos(e);
      const h = this.down !== undefined ? this.down : this.hit(x, y);
      this.down = undefined;
      if (!h) return;
      if (h.type === 'cell') {
        // A tap has no hover: show the tapped cell, below the finger.
        const touch = e.pointerType === 'touch' || (e.sourceCapabilities?.firesTouchEvents ?? false);
        this.setHover({ p: h.p, i: h.i, j: h.j }, touch ? { ...this.cellPoint(h), touch: true } : { clientX: e.clientX, clientY: e.clientY });
        this.onLockRow(h.i, 'cell');
      } else if (h.type === 'row') this.onLockRow(h.i, 'label');
      else if (h.type === 'col' && this.view.columnsAreTokens) this.onLockRow(h.j, 'label');
    });
    c.addEventListener('focus', () => {
      // Only the keyboard's focus shows the cursor's cell; a click's focus keeps the clicked one.
      if (!c.matches(':focus-visible')) return;
      if (!this.cursor) {
        const i = this.view?.lockedRow ?? 0;
        this.cursor = { p: 0, i: Math.min(i, this.view.rows - 1), j: 0 };
      }
      this.setHover(this.cursor, this.cellPoint(this.cursor));
    });
    c.addEventListener('blur', () => this.setHover(null, null));
    c.addEventListener('keydown', (e) => {
      if (!this.view) return;
      const { rows, cols, panels } = this.view;
      let { p, i, j } = this.cursor ?? { p: 0, i: Math.min(this.view.lockedRow ?? 0, rows - 1), j: 0 };
      switch (e.key) {
        case 'ArrowUp': i = Math.max(0, i - 1); break;
        case 'ArrowDown': i = Math.min(rows - 1, i + 1); break;
        case 'ArrowLeft':
          if (j > 0) j--;
          else if (p > 0) { p--; j = cols - 1; } // into the head on the left
          break;
        case 'ArrowRight':
          if (j < cols - 1) j++;
          else if (p < panels.length - 1) { p++; j = 0; }
          break;
        case 'Home': j = 0; break;
        case 'End': j = cols - 1; break;
        case 'PageUp': p = Math.max(0, p - 1); break;
        case 'PageDown': p = Math.min(panels.length - 1, p + 1); break;
        case 'Enter':
        case ' ':
          e.preventDefault();
          this.onLockRow(i, 'key');
          return;
        case 'Escape':
          if (this.view.lockedRow !== null) {
            e.preventDefault();
            this.onLockRow(null, 'key');
          }
          return;
        default:
          return;
      }
      e.preventDefault();
      this.cursor = { p, i, j };
      this.setHover(this.cursor, this.cellPoint(this.cursor));
    });
  }

  /** Screen position just below a cell, for the keyboard's (and a tap's) tooltip. */
  cellPoint({ p = 0, i, j }) {
    const r = this.canvas.getBoundingClientRect();
    const g = this.geo;
    const { x0, y0 } = g.panels[p];
    return { clientX: r.left + x0 + (j + 0.5) * g.cellW, clientY: r.top + y0 + (i + 1) * g.cellH, keyboard: true };
  }

  // ---- SVG ------------------------------------------------------------------------------------

  /** The heatmap as SVG elements (no <svg> wrapper), at the origin; text and rects only. */
  toSVGBody() {
    const { panels, rows, cols, rowLabels, colLabels, scale, lockedRow } = this.view;
    const g = this.geo;
    const t = this.theme;
    const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
    const out = [];
    out.push('<defs><pattern id="mask-hatch" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
      `<rect width="5" height="5" fill="rgb(${t.maskRgb.join(',')})"/><line x1="0" y1="0" x2="0" y2="5" stroke="${t.hatch}" stroke-width="1.2"/></pattern></defs>`);
    panels.forEach((panel, p) => {
      const { x0, y0 } = g.panels[p];
      if (panel.title && g.titleH) out.push(`<text x="${x0}" y="${y0 - g.colLabelH - g.titleH / 2}" font-family="system-ui, DejaVu Sans, sans-serif" font-size="11.5" font-weight="600" fill="${t.text}" dominant-baseline="central">${esc(panel.title)}</text>`);
      out.push(`<g data-panel="${p}" font-family="ui-monospace, DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="${g.valueFont ? parseFloat(g.valueFont) : 10}" text-anchor="middle" dominant-baseline="central">`);
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < cols; j++) {
          const k = i * cols + j;
          const v = panel.data[k];
          const kind = this.cellKind(p, k);
          const x = x0 + j * g.cellW;
          const y = y0 + i * g.cellH;
          const fill = kind === 'value' ? scale.css(v, p, i) : kind === 'masked' ? 'url(#mask-hatch)' : `rgb(${(kind === 'nan' ? t.nanRgb : t.maskRgb).join(',')})`;
          out.push(`<rect x="${x}" y="${y}" width="${g.cellW}" height="${g.cellH}" fill="${fill}" stroke="${t.card}" stroke-width="${g.cellW >= 6 ? 1 : 0}" data-row="${i}" data-col="${j}" data-value="${exactText(v)}"${kind === 'value' ? '' : ` data-kind="${kind}"`}><title>${esc(rowLabels[i])} × ${esc(colLabels[j])}: ${exactText(v)}</title></rect>`);
          if (kind === 'dropped') {
            const m = Math.min(g.cellW, g.cellH) * 0.22;
            out.push(`<path d="M${x + m} ${y + m}L${x + g.cellW - m} ${y + g.cellH - m}M${x + g.cellW - m} ${y + m}L${x + m} ${y + g.cellH - m}" stroke="${t.cross}" stroke-width="1.5"/>`);
          } else if (g.valueFont) {
            const color = kind === 'value' ? textOn(scale.lut, scale.index(v, p, i)) : t.muted;
            out.push(`<text x="${x + g.cellW / 2}" y="${y + g.cellH / 2}" fill="${color}">${cellText(v)}</text>`);
          }
        }
      }
      out.push('</g>');
      if (lockedRow !== null && lockedRow !== undefined && lockedRow < rows) {
        out.push(`<rect x="${x0 - 1}" y="${y0 + lockedRow * g.cellH - 1}" width="${g.gridW + 2}" height="${g.cellH + 2}" fill="none" stroke="${t.accent}" stroke-width="2"/>`);
      }
      out.push(`<g font-family="system-ui, DejaVu Sans, sans-serif" font-size="12" fill="${t.muted}">`);
      for (let j = 0; j < cols; j += g.colStep) {
        const cx = x0 + (j + 0.5) * g.cellW;
        out.push(g.across
          ? `<text x="${cx}" y="${y0 - 10}" text-anchor="middle" dominant-baseline="central">${esc(colLabels[j])}</text>`
          : `<text transform="translate(${cx} ${y0 - 5}) rotate(-90)" dominant-baseline="central">${esc(colLabels[j])}</text>`);
      }
      out.push('</g>');
    });
    out.push(`<g font-family="system-ui, DejaVu Sans, sans-serif" font-size="12" fill="${t.muted}">`);
    for (const y0 of g.lineY) {
      for (let i = 0; i < rows; i += g.rowStep) {
        out.push(`<text x="${g.rowLabelW - 6}" y="${y0 + (i + 0.5) * g.cellH}" text-anchor="end" dominant-baseline="central">${esc(rowLabels[i])}</text>`);
      }
    }
    out.push('</g>');
    return out.join('\n');
  }
}

// ---- geometry ---------------------------------------------------------------------------------

/**
 * Where everything goes, in CSS pixels: cell sizes, the value font (when 4 decimals fit), label
 * bands, and each panel's grid origin. Panels sit side by side while their cells stay at least
 * MIN_PANEL_CELL wide, and wrap onto more lines beyond.
 */
function layout(view, maxWidth) {
  const { rows, cols, rowLabels, colLabels } = view;
  const P = view.panels.length;
  let labelW = 0;
  for (const s of rowLabels) labelW = Math.max(labelW, textWidth(LABEL_FONT_BOLD, s));
  const rowLabelW = Math.ceil(Math.min(labelW, 88)) + 10;
  const avail = Math.max(40, maxWidth - rowLabelW - 4);
  // One row height for every matrix with the same rows (so a followed row lines up across
  // cards): 24 px while the rows fit in a square of a single matrix's width, smaller beyond.
  const cellH = Math.max(2, Math.min(24, Math.floor(Math.min(460, avail) / rows)));
  let perLine = P;
  const panelAvail = (k) => Math.floor((avail - (k - 1) * PANEL_GAP) / k);
  while (perLine > 1 && panelAvail(perLine) / cols < MIN_PANEL_CELL) perLine--;
  const pw = Math.min(panelAvail(perLine), P > 1 ? 440 : Infinity);
  let cellW;
  let valueFont = null;
  if (cellH >= 22) {
    for (const px of [10.5, 9.5, 9]) {
      const need = Math.ceil(textWidth(VALUE_FONT(px), '-0.0000')) + 6;
      if (cols * need <= pw) {
        cellW = Math.min(Math.floor(pw / cols), need + 2);
        valueFont = VALUE_FONT(px);
        break;
      }
    }
  }
  if (!valueFont) cellW = Math.max(2, Math.min(36, Math.floor(pw / cols)));
  // Column labels: across when they fit in a cell, otherwise turned upright, tall enough for the
  // longest label in bold (the followed token is drawn in bold).
  let colLabelW = 0;
  for (const s of colLabels) colLabelW = Math.max(colLabelW, textWidth(LABEL_FONT, s));
  const across = colLabelW + 6 <= cellW;
  let boldW = 0;
  for (const s of colLabels) boldW = Math.max(boldW, textWidth(LABEL_FONT_BOLD, s));
  const colLabelH = across ? 20 : Math.ceil(Math.min(boldW, 96)) + 12;
  const titleH = P > 1 ? TITLE_H : 0;
  const gridW = cols * cellW;
  const gridH = rows * cellH;
  const lines = Math.ceil(P / perLine);
  const lineH = titleH + colLabelH + gridH;
  const panels = Array.from({ length: P }, (_, p) => {
    const line = Math.floor(p / perLine);
    const col = p % perLine;
    return { x0: rowLabelW + col * (gridW + PANEL_GAP), y0: line * (lineH + LINE_GAP) + titleH + colLabelH };
  });
  return {
    cellW, cellH, valueFont, rowLabelW, colLabelH, titleH, across, gridW, gridH, perLine, panels,
    lineY: Array.from({ length: lines }, (_, l) => panels[l * perLine].y0),
    width: rowLabelW + Math.min(P, perLine) * gridW + (Math.min(P, perLine) - 1) * PANEL_GAP + 2,
    height: lines * lineH + (lines - 1) * LINE_GAP + 2,
    // every k-th label when cells are smaller than a line of text
    rowStep: Math.max(1, Math.ceil(14 / cellH)),
    colStep: across ? 1 : Math.max(1, Math.ceil(14 / cellW)),
  };
}
