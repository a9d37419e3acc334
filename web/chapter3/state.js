// How the chapter-3 view changes: the book's settings per variant, what a change of variant does
// to the draft, which parameters a view has in play, and which field an error belongs to. The
// store (lib/store.js) calls these; the parameter table (params.js) says what each parameter is.
import { PARAMS, defaults } from '../params.js';
import { inputMode } from '../modes.js';
import { DEFAULT_VARIANT, variantById, variantParams } from './variants.js';

const MODULE = PARAMS.filter((p) => p.scope === 'module' && p.name !== 'variant').map((p) => p.name);

/** A variant's settings as the book sets them (the ones a variant lacks keep their defaults). */
export function bookSettings(id) {
  const d = defaults();
  return { ...Object.fromEntries(MODULE.map((n) => [n, d[n]])), ...variantById(id).book };
}

/** The whole page as it opens: the book's sentence, the variant with the book's settings. */
export function bookState(id = DEFAULT_VARIANT) {
  return { ...defaults(), variant: id, ...bookSettings(id) };
}

/** Whether a parameter is part of this view (has a control, goes into the link). */
export function inPlay(p, s) {
  const v = variantById(s.variant);
  switch (p.scope) {
    case 'input': return p.name === 'input' || inputMode(s.input).params.includes(p.name);
    case 'module': return p.name === 'variant' || variantParams(v).includes(p.name);
    default: return p.name !== 'batchItem' || v.batched;
  }
}

const memory = new Map(); // variant -> its settings when the reader left it

/**
 * The next draft. Switching variant restores the settings that variant had when it was left
 * (the book's the first time); a followed row past the last token is dropped.
 */
export function reduce(draft, patch) {
  let next = { ...draft, ...patch };
  if (patch.variant !== undefined && patch.variant !== draft.variant) {
    memory.set(draft.variant, Object.fromEntries(MODULE.map((n) => [n, draft[n]])));
    const own = Object.fromEntries(MODULE.filter((n) => n in patch).map((n) => [n, patch[n]]));
    next = { ...next, ...(memory.get(patch.variant) ?? bookSettings(patch.variant)), ...own };
  }
  const T = inputMode(next.input).length(next);
  if (next.row !== null && next.row >= T) next.row = null;
  return next;
}

/**
 * The field a library error belongs to, from its `argument`. "T = 7 tokens, more than
 * contextLength (6)" names the input x; it shows at context_length when that is set by hand.
 */
export function fieldOf(err, draft) {
  if (err.field) return err.field;
  const arg = err.argument;
  if (arg === 'x' || arg === 'dIn') {
    const v = variantById(draft.variant);
    return variantParams(v).includes('contextLength') && draft.contextLength !== 'auto' ? 'contextLength' : 'x';
  }
  return PARAMS.some((p) => p.name === arg) ? arg : 'x';
}

/**
 * What to show when a link's settings do not compute: its inputs with the book's settings, then
 * the book's everything for its variant, then the page's default view. Its view settings stay.
 */
export function fallbacks(draft) {
  const view = Object.fromEntries(PARAMS.filter((p) => p.scope === 'view').map((p) => [p.name, draft[p.name]]));
  const keepRow = (s) => ({ ...s, row: s.row !== null && s.row < inputMode(s.input).length(s) ? s.row : null });
  return [
    keepRow({ ...draft, ...bookSettings(draft.variant) }),
    keepRow({ ...bookState(draft.variant), ...view }),
    bookState(),
  ];
}
