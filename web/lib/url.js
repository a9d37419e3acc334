// The view in the link: the hash holds every parameter of the table that is in play, by its
// `key`, so a link reopens exactly this view. The hash never reaches a server.
//
//   #v=causal&seed=123&dOut=2&ctx=auto&p=0&bias=0&mode=train&row=1&tokens=[...]&x=[[...]]
//
// Module parameters are always written (a link says its settings); view and input parameters
// only where they differ from their defaults (the book's inputs are left out).
const ORDER = { module: 0, view: 1, input: 2 };

/** The hash for `state`; `inPlay(param, state)` says which parameters the view has. */
export function encodeHash(state, params, inPlay) {
  const q = new URLSearchParams();
  const sorted = params.slice().sort((a, b) => ORDER[a.scope] - ORDER[b.scope]);
  for (const p of sorted) {
    if (!inPlay(p, state)) continue;
    const v = state[p.name];
    if (p.scope !== 'module' && (p.same ?? Object.is)(v, p.default)) continue;
    q.set(p.key, p.toURL ? p.toURL(v) : String(v));
  }
  return '#' + q.toString();
}

/** Reads a hash into { patch (parsed values by parameter name), problems (messages) }. */
export function decodeHash(hash, params) {
  const q = new URLSearchParams(String(hash ?? '').replace(/^#/, ''));
  const patch = {};
  const problems = [];
  for (const p of params) {
    const raw = q.get(p.key);
    if (raw === null) continue;
    try {
      patch[p.name] = p.parse ? p.parse(raw) : raw;
    } catch (err) {
      problems.push(err.message);
    }
  }
  return { patch, problems };
}
