// Loading the wasm module: the single-thread build, or the threaded one (init({ threads })),
// and the warm-up that runs the kernels until the engine's optimising tier has compiled them.
import createAttentionModule from './attention_wasm.mjs';
import { apiError, describe } from './errors.js';

const isNode = typeof process === 'object' && process !== null && typeof process.versions?.node === 'string';
// options.threads: undefined / false / 1 load the single-thread build. true or an integer n > 1
// load the threaded build (attention_wasm_mt: Emscripten pthreads, shared memory) with n threads
// (true: navigator.hardwareConcurrency, at most AUTO_THREADS), and fail with an Error saying why
// where it cannot run. 'auto' is true where it can run and one thread elsewhere.

const MAX_THREADS = 16, AUTO_THREADS = 8;

// Why the threaded build cannot run here, or null when it can.
function threadsUnavailable(options) {
  if (isNode)
    return 'Node.js is not supported: with pthreads, the ES module glue of Emscripten 3.1.6 reads the CommonJS ' +
      'globals __dirname and require under Node, and its worker script (attention_wasm_mt.worker.js) is CommonJS, ' +
      'which Node loads as an ES module inside this "type": "module" package';
  if (typeof SharedArrayBuffer !== 'function' || globalThis.crossOriginIsolated !== true)
    return 'it needs SharedArrayBuffer, which a browser offers only to a cross-origin isolated page (serve it with ' +
      "Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp); this page's crossOriginIsolated is " +
      String(globalThis.crossOriginIsolated);
  if (typeof Worker !== 'function') return 'it needs Web Workers, which this context does not have';
  if (options.wasmBinary) return 'options.wasmBinary holds the single-thread build; the threaded one is fetched through locateFile';
  return null;
}

export function threadPlan(options) {
  const t = options.threads;
  if (t === undefined || t === false) return 1;
  if (t !== true && t !== 'auto' && typeof t !== 'number')
    throw apiError(TypeError, 'init', 'options.threads', `init: options.threads must be true, false, 'auto' or an integer in [1, ${MAX_THREADS}], got ${describe(t)}`);
  if (typeof t === 'number' && !(Number.isInteger(t) && t >= 1 && t <= MAX_THREADS))
    throw apiError(RangeError, 'init', 'options.threads', `init: options.threads (${t}) must be an integer in [1, ${MAX_THREADS}]`);
  if (t === 1) return 1;
  const why = threadsUnavailable(options);
  if (why) {
    if (t === 'auto') return 1;
    throw apiError(Error, 'init', 'options.threads', `init: options.threads (${describe(t)}) cannot be honoured: ${why}. Use threads: 'auto' to fall back to one thread.`);
  }
  if (typeof t === 'number') return t;
  const cores = Number.isInteger(globalThis.navigator?.hardwareConcurrency) ? navigator.hardwareConcurrency : 1;
  return Math.max(1, Math.min(cores, AUTO_THREADS));
}

export async function load(options, threads = 1) {
  const moduleArgs = {};
  if (options.locateFile) moduleArgs.locateFile = options.locateFile;
  if (options.wasmBinary) {
    moduleArgs.wasmBinary = options.wasmBinary;
  } else if (isNode) {
    // emscripten 3.1.6's ES module output cannot locate its .wasm under Node: read it here.
    const { readFile } = await import('node:fs/promises');
    moduleArgs.wasmBinary = await readFile(new URL('./attention_wasm.wasm', import.meta.url));
  } else if (!options.locateFile) {
    const base = new URL('./', import.meta.url);
    moduleArgs.locateFile = (name) => new URL(name, base).href;
  }
  const raw = threads > 1 ? await loadThreaded(moduleArgs, threads) : await createAttentionModule(moduleArgs);
  const warmedUp = options.warmUp === false ? { rounds: 0, ms: 0 } : await warmUp(raw);
  return { raw, warmedUp };
}

// V8 runs WebAssembly in a baseline tier (Liftoff) until a function has run hot, compiles it
// optimised in the background and uses that code from its next call on. Left alone, a user's
// first large forward runs baseline code (GPT-2-small block, T = 1024, Node 20: 640-660 ms on
// the first call, ~200 ms from the third). So init() runs the fast-path kernels on small inputs
// (src/kernels/warm_up.cpp) until a round stops getting faster, at most WARM_UP_MAX_MS: init
// takes ~50-60 ms longer and that first forward took 220-240 ms. init({ warmUp: false }) skips it.
const WARM_UP_MAX_MS = 600, WARM_UP_MAX_ROUNDS = 60;
// Returns the rounds it ran and the time it took (attn.warmedUp).
async function warmUp(raw) {
  const start = performance.now();
  let best = Infinity, flat = 0, rounds = 0;
  while (rounds < WARM_UP_MAX_ROUNDS && performance.now() - start < WARM_UP_MAX_MS) {
    const t0 = performance.now();
    raw.warmUp();
    rounds++;
    const ms = performance.now() - t0;
    if (ms < 0.9 * best) flat = 0;
    else if (++flat === 4) break; // four rounds in a row no faster than the best: optimised code is in
    best = Math.min(best, ms);
    await new Promise((resolve) => setTimeout(resolve, 0)); // background compiles may finish meanwhile
  }
  return { rounds, ms: performance.now() - start };
}

// The threaded build, with threads - 1 pthread workers pre-loaded (PTHREAD_POOL_SIZE reads
// Module.attnPoolSize) for the C++ fork-join's pool. The glue makes those Workers synchronously,
// inside the factory call, but listens for their errors only once the wasm is compiled: a worker
// script that fails to load (missing, or refused by a CSP without worker-src) fires its error
// before that, and Emscripten 3.1.6's promise would never settle. The listeners added here, on
// the Workers it exposes as Module.PThread, reject the load instead.
async function loadThreaded(moduleArgs, threads) {
  const { default: createThreaded } = await import('./attention_wasm_mt.mjs');
  const args = { ...moduleArgs, attnPoolSize: threads - 1 };
  const loading = createThreaded(args);
  const failure = new Promise((_, reject) => {
    for (const worker of args.PThread?.unusedWorkers ?? []) {
      worker.addEventListener('error', (e) => reject(apiError(Error, 'init', 'options.threads',
        `init: a worker of the threaded build (attention_wasm_mt.worker.js) failed to load${e.message ? `: ${e.message}` : ''}`)));
    }
  });
  const raw = await Promise.race([loading, failure]);
  const got = raw.setThreads(threads);
  if (got !== threads) throw apiError(Error, 'init', 'options.threads', `init: options.threads asked for ${threads} threads, the threaded build started ${got}`);
  return raw;
}

