// This project's package (attention-wasm), through its public API (shared/API.md):
// the book's MultiHeadAttention in eval mode, weights loaded once with loadStateDict.
// The build lands at <repo>/dist/ (`npm run build` at the repo root): Node imports its Node
// entry, dist/index.node.js, as `import 'attention-wasm'` would; the page gets dist/index.js from
// the same local server, which serves the repo root.

import { isNode, Unavailable } from '../lib/env.mjs';
import { D_MODEL, NUM_HEADS, PARAM_NAMES } from '../lib/workload.mjs';

export const DIST_URL = new URL(isNode ? '../../dist/index.node.js' : '../../dist/index.js', import.meta.url);
const NOT_BUILT = 'not built (run npm run build)';

async function distPresent() {
  if (isNode) {
    const { existsSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    return existsSync(fileURLToPath(DIST_URL));
  }
  try {
    const res = await fetch(DIST_URL, { method: 'HEAD', cache: 'no-store' });
    return res.ok;
  } catch {
    return false;
  }
}

let attnPromise;
/** The initialised package, or an Unavailable error when dist/ is not there. */
export async function load() {
  attnPromise ??= (async () => {
    if (!(await distPresent())) throw new Unavailable(NOT_BUILT);
    const { init } = await import(DIST_URL.href);
    return init();
  })();
  return attnPromise;
}

export async function create(weights, { B, T }) {
  const attn = await load();
  const m = new attn.MultiHeadAttention(D_MODEL, D_MODEL, T, 0.0, NUM_HEADS, { qkvBias: true });
  m.eval();
  const sd = {};
  for (const name of PARAM_NAMES) {
    sd[name] = attn.tensor(weights[name], name.endsWith('.weight') ? [D_MODEL, D_MODEL] : [D_MODEL]);
  }
  m.loadStateDict(sd);
  for (const t of Object.values(sd)) t.free?.();
  const shape = [B, T, D_MODEL];
  return {
    name: 'ours',
    version: attn.version,
    simd: attn.simd,
    run(x) {
      const xt = attn.tensor(x, shape);
      const y = m.forward(xt);
      const out = y.data;
      xt.free?.();
      y.free?.();
      return out;
    },
    dispose() { m.free(); },
  };
}

/**
 * The package's SIMD128 peak probe, if it has one: attn.benchPeak(iterations) returns
 * the FLOPs it did. Returns null when the package has no benchPeak.
 */
export async function peakProbe() {
  const attn = await load();
  if (typeof attn.benchPeak !== 'function') return null;
  return (iterations) => attn.benchPeak(iterations);
}

/** (m, k, n, repeats) => FLOPs of `repeats` packed SGEMMs, or null when the package has no benchGemm. */
export async function gemmProbe() {
  const attn = await load();
  if (typeof attn.benchGemm !== 'function') return null;
  return (m, k, n, repeats) => attn.benchGemm(m, k, n, repeats);
}
