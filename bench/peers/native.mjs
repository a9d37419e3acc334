// The project's native kernel benchmark (bench/native/bench_kernels.cpp, built by the lead
// to <repo>/build/native/bench_kernels). It is not a JS peer of the workload: it prints
// one JSON object per line about its own kernels, and the harness reports those rows as
// they are. Node only; absent binary → "not built".

import { isNode, Unavailable } from '../lib/env.mjs';

export const BINARY_URL = new URL('../../build/native/bench_kernels', import.meta.url);
const NOT_BUILT = 'not built (the lead builds build/native/bench_kernels)';

/**
 * Run the binary and collect its JSON lines.
 * Extra arguments: $NATIVE_BENCH_ARGS (split on spaces); BENCH_QUICK=1 is set in its
 * environment for --quick runs. Lines that are not JSON objects are kept as `notes`.
 */
export async function collect({ quick = false, timeoutMs = 10 * 60 * 1000 } = {}) {
  if (!isNode) throw new Unavailable('n/a in the browser (native code)');
  const { existsSync } = await import('node:fs');
  const { fileURLToPath } = await import('node:url');
  const { execFile } = await import('node:child_process');
  const bin = fileURLToPath(BINARY_URL);
  if (!existsSync(bin)) throw new Unavailable(NOT_BUILT);
  const args = (process.env.NATIVE_BENCH_ARGS ?? '').split(/\s+/).filter(Boolean);
  const env = { ...process.env, ...(quick ? { BENCH_QUICK: '1' } : {}) };
  const t0 = performance.now();
  const stdout = await new Promise((resolve, reject) => {
    execFile(bin, args, { env, timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, out, errOut) => {
      if (err) reject(new Error(`${bin} ${args.join(' ')}: ${err.message}${errOut ? `\n${errOut.slice(-2000)}` : ''}`));
      else resolve(out);
    });
  });
  const rows = [];
  const notes = [];
  for (const line of stdout.split('\n')) {
    const s = line.trim();
    if (!s) continue;
    try {
      const v = JSON.parse(s);
      if (v && typeof v === 'object' && !Array.isArray(v)) rows.push(v); else notes.push(s);
    } catch {
      notes.push(s);
    }
  }
  return { binary: 'build/native/bench_kernels', args, wallMs: performance.now() - t0, rows, notes };
}

export async function create() {
  throw new Unavailable('native reports kernel rows (see collect()); it does not run the JS workload');
}
