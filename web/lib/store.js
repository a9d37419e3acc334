// The page's one store: set(patch) → parse → compute → render.
//
//   draft   what the controls say: one value per parameter of the table (params.js), parsed
//   state   the last draft that computed, and `result`, what it computed
//   errors  why the draft is not the state: a field's text that does not parse (kept until that
//           field parses), the library's objection to the draft, or an action that failed (a paste)
//
// A patch names parameters of the table and gives raw text (from a control or the link) or
// values; each is parsed by its row of the table. Parameters of scope 'view' reach the state at
// once and redraw without computing; any other change computes the draft, and only a draft that
// computes becomes the state. So bad input leaves a message at its field and never loses the view.
// What a parameter means, how the draft changes when the variant changes, and how a failure maps
// to a field are the caller's: the store knows only the table and the three functions it is given.
import { InputError } from './parse.js';

/**
 * @param {object} o
 * @param {object[]} o.params     the parameter table: { name, scope, parse?, same? }
 * @param {(draft) => object} o.compute   the result for a draft; throws what the library throws
 * @param {(draft, patch, store) => object} [o.reduce]   the next draft (default: merge)
 * @param {(err, draft) => string} [o.fieldOf]   the field an error of compute belongs to
 * @param {(param, draft) => boolean} [o.inPlay]   whether the draft's view has this parameter
 */
export function createStore({ params, compute, reduce = (draft, patch) => ({ ...draft, ...patch }), fieldOf = (err) => err.field ?? 'x', inPlay = () => true }) {
  const table = new Map(params.map((p) => [p.name, p]));
  const same = (name, a, b) => (table.get(name).same ?? Object.is)(a, b);
  const listeners = new Set();
  const parseErrors = new Map(); // parameter -> InputError, until that parameter parses
  let computeError = null; // { field, error } from the last attempt
  let actionError = null; // { field, error } from an action; cleared by the next change
  let notice = ''; // a remark about the last load (parts of a link not understood)

  const store = {
    state: null,
    result: null,
    draft: null,
    /** Time of the last compute and the last render, in ms. */
    ms: { compute: 0, render: 0 },

    /** Field -> message, for every message the page shows next to a control. */
    messages() {
      const out = new Map();
      for (const [name, err] of parseErrors) out.set(err.field && table.has(err.field) ? err.field : name, err.message);
      if (computeError) out.set(computeError.field, computeError.error.message);
      if (actionError) out.set(actionError.field, actionError.error.message);
      return out;
    },

    /** The first message, if any: the draft did not become the state. */
    problem() {
      return parseErrors.values().next().value ?? computeError?.error ?? actionError?.error ?? null;
    },

    /** Whether a parameter's text did not parse (its control keeps the text). */
    unparsed: (name) => parseErrors.has(name),

    notice: () => notice,

    /** Runs fn(change) after every change; returns a function that stops it. */
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },

    /**
     * The first view: `draft` is what was asked for (a link); if it does not compute, each of
     * `fallbacks` is tried in turn and the first that computes is shown, while the draft (and its
     * error at its field) stays in the controls. `problems`: parts of the link that did not parse.
     */
    load(draft, fallbacks = [], problems = []) {
      parseErrors.clear();
      computeError = null;
      actionError = null;
      notice = problems.length ? `Parts of the link were not understood (${problems.join('; ')}); the book's values are used there.` : '';
      store.draft = draft;
      const previous = store.state;
      let failure = null; // why the draft itself did not compute
      for (const candidate of [draft, ...fallbacks]) {
        const r = attempt(candidate);
        if (r.ok) {
          commit(candidate, r.result);
          computeError = failure;
          emit({ computed: true, ok: failure === null, previous });
          return failure === null;
        }
        failure ??= r.failure;
      }
      computeError = failure;
      emit({ computed: false, ok: false, previous });
      return false;
    },

    /** Applies a patch of raw text or values; returns whether the view now shows the draft. */
    set(patch) {
      if (!store.draft) return false; // nothing loaded yet (the wasm module is still loading)
      const typed = {};
      for (const [name, raw] of Object.entries(patch)) {
        const p = table.get(name);
        if (!p) throw new Error(`store: no parameter “${name}” in the table`);
        try {
          typed[name] = p.parse ? p.parse(raw) : raw;
          parseErrors.delete(name);
        } catch (err) {
          if (!(err instanceof InputError)) throw err;
          parseErrors.set(name, err);
        }
      }
      actionError = null;
      notice = '';
      const before = store.draft;
      store.draft = reduce(before, typed, store);
      // Text that did not parse is forgotten where the reducer set that parameter anew (another
      // variant brings its own settings) or where the view no longer has it.
      for (const name of [...parseErrors.keys()]) {
        if (!table.has(name) || name in patch) continue;
        if (!same(name, store.draft[name], before[name]) || !inPlay(table.get(name), store.draft)) parseErrors.delete(name);
      }
      return update();
    },

    /** A field's text that does not parse (an input table's cell): kept until that parameter is set. */
    reject(name, err) {
      parseErrors.set(name, err);
      actionError = null;
      notice = '';
      computeError = null;
      emit({ computed: false, ok: false, previous: store.state });
    },

    /** An action that failed (a paste that does not read): its message, nothing else changes. */
    fail(field, err) {
      actionError = { field, error: err };
      emit({ computed: false, ok: false, previous: store.state });
    },
  };

  function attempt(candidate) {
    const t0 = performance.now();
    try {
      const result = compute(candidate);
      store.ms.compute = performance.now() - t0;
      return { ok: true, result };
    } catch (err) {
      // Bad input is an InputError (the page) or an error carrying `module` (the library);
      // anything else is a bug, and is not hidden.
      if (!(err instanceof InputError) && err?.module === undefined) throw err;
      return { ok: false, failure: { field: fieldOf(err, candidate), error: err } };
    }
  }

  function commit(candidate, result) {
    const old = store.result;
    store.state = candidate;
    store.result = result;
    computeError = null;
    if (old && old !== result) old.dispose?.();
  }

  function update() {
    const previous = store.state;
    const draft = store.draft;
    // View parameters reach the state at once.
    let viewChanged = false;
    const view = {};
    for (const p of params) {
      if (p.scope === 'view' && !same(p.name, draft[p.name], previous[p.name])) {
        view[p.name] = draft[p.name];
        viewChanged = true;
      }
    }
    if (viewChanged) store.state = { ...previous, ...view };
    if (parseErrors.size > 0) {
      computeError = null;
      emit({ computed: false, ok: false, previous });
      return false;
    }
    const dirty = params.some((p) => p.scope !== 'view' && !same(p.name, draft[p.name], store.state[p.name]));
    if (!dirty) {
      computeError = null;
      emit({ computed: false, ok: true, previous });
      return true;
    }
    const r = attempt(draft);
    if (!r.ok) {
      computeError = r.failure;
      emit({ computed: false, ok: false, previous });
      return false;
    }
    commit(draft, r.result);
    emit({ computed: true, ok: true, previous });
    return true;
  }

  function emit(change) {
    const t0 = performance.now();
    for (const fn of listeners) fn(change, store);
    store.ms.render = performance.now() - t0;
  }

  return store;
}
