// Loading the wasm module: the single-thread build, or the threaded one (init({ threads })), the
// errors that say what failed and how to fix it, and the warm-up that runs the kernels until the
// engine's optimising tier has compiled them. What differs between browsers and Node.js (where
// the files are, how workers are made) is the host's: browser.js or node.js, picked by the
// package's entry point (index.js or index.node.js); this file is the same everywhere.
import createAttentionModule from './attention_wasm.mjs';
import { apiError, describe } from './errors.js';

// options.threads: undefined / false / 1 load the single-thread build. true or an integer n > 1
// load the threaded build (Emscripten pthreads, shared memory) with n threads (true: the host's
// core count, at most AUTO_THREADS), and fail with an Error saying why where it cannot run.
// 'auto' is true where it can run and one thread elsewhere.
const MAX_THREADS = 16, AUTO_THREADS = 8;

/** How long a pthread worker may take to start once it has been sent the compiled module. */
export const WORKER_START_MS = 10_000;

export function threadPlan(options, host) {
  const t = options.threads;
  if (t === undefined || t === false) return 1;
  if (t !== true && t !== 'auto' && typeof t !== 'number')
    throw apiError(TypeError, 'init', 'options.threads', `init: options.threads must be true, false, 'auto' or an integer in [1, ${MAX_THREADS}], got ${describe(t)}`);
  if (typeof t === 'number' && !(Number.isInteger(t) && t >= 1 && t <= MAX_THREADS))
    throw apiError(RangeError, 'init', 'options.threads', `init: options.threads (${t}) must be an integer in [1, ${MAX_THREADS}]`);
  if (t === 1) return 1;
  const why = options.wasmBinary
    ? 'options.wasmBinary holds the single-thread build (attention_wasm.wasm); the threaded build is read through locateFile'
    : host.threadsUnavailable();
  if (why) {
    if (t === 'auto') return 1;
    throw apiError(Error, 'init', 'options.threads', `init: options.threads (${describe(t)}) cannot be honoured: ${why}. Use threads: 'auto' to fall back to one thread.`);
  }
  if (typeof t === 'number') return t;
  return Math.max(1, Math.min(host.cores(), AUTO_THREADS));
}

export async function load(options, threads, host) {
  const raw = threads > 1 ? await loadThreaded(options, threads, host) : await loadSingle(options, host);
  const warmedUp = options.warmUp === false ? { rounds: 0, ms: 0 } : await warmUp(raw);
  return { raw, warmedUp };
}

// ---- the single-thread build --------------------------------------------------------------------

async function loadSingle(options, host) {
  const args = await host.moduleArgs(options);
  const log = glueLog(args);
  // host.run records the URL the glue fetches (the one it computed, the bundler's or locateFile's).
  const { result, fetched } = host.run(() => createAttentionModule(args));
  try {
    const raw = await result;
    log.flush();
    return raw;
  } catch (err) {
    throw await loadFailure(host, options, 'attention_wasm.wasm', fetched[0], err, log);
  }
}

// The glue reports its steps through printErr ("wasm streaming compile failed", "falling back
// to ArrayBuffer instantiation", "Aborted(...)"). While loading they are held: a failed load
// folds them into its Error; a load that succeeded (through a fallback) prints them as usual.
function glueLog(args) {
  const held = [];
  let loading = true;
  args.printErr = (text) => (loading ? held.push(String(text)) : console.warn(text));
  return {
    held,
    flush() {
      loading = false;
      for (const text of held) console.warn(text);
    },
  };
}

// A load that failed: an Error naming the file, where it was looked for, what came back, and the
// ways to point the package at it. The glue's own error (often a bare "Aborted(...)") is its cause.
async function loadFailure(host, options, file, url, err, log) {
  const reason = (await host.diagnose(url, options)) ?? String(err?.message ?? err).replace(/^Aborted\((.*)\)(\. Build with.*)?$/s, '$1');
  const argument = options.wasmBinary && file === 'attention_wasm.wasm' ? 'options.wasmBinary' : options.locateFile ? 'options.locateFile' : undefined;
  const where = options.wasmBinary && file === 'attention_wasm.wasm' ? 'from options.wasmBinary' : url ? `from ${url}` : '';
  const e = apiError(Error, 'init', argument, `init: could not load ${file} ${where}: ${reason}. ${host.fileFix(file)}`.replace(/  +/g, ' '));
  e.cause = err;
  e.url = url;
  if (log.held.length) e.glueLog = log.held.slice();
  return e;
}

// ---- the threaded build -------------------------------------------------------------------------

// The threaded build, with threads - 1 pthread workers pre-loaded (PTHREAD_POOL_SIZE reads
// Module.attnPoolSize) for the C++ fork-join's pool. The glue makes those Workers synchronously,
// inside the factory call, and resolves only when each has answered 'loaded' to the compiled
// module it was sent. Emscripten 3.1.6 waits for that answer forever: a worker script that is
// missing, refused, or that cannot import the glue it needs never answers. So each worker is
// watched here: an error or exit before 'loaded' rejects at once, and silence rejects
// WORKER_START_MS after the module was posted to it; either way the Error names the worker's URL.
async function loadThreaded(options, threads, host) {
  const { factory, args, workerUrl } = await host.threadedModule(options);
  args.attnPoolSize = threads - 1;
  const log = glueLog(args);
  const { result, fetched, workerUrls } = host.run(() => factory(args));
  const workers = [...(args.PThread?.unusedWorkers ?? [])];
  const loading = result.catch(async (err) => {
    throw await loadFailure(host, options, 'attention_wasm_mt.wasm', fetched[0], err, log);
  });
  let raw;
  try {
    [raw] = await Promise.all([loading, startOf(host, workers, workerUrls.length ? workerUrls : workers.map(() => workerUrl))]);
  } catch (err) {
    for (const worker of workers) worker.terminate();
    throw err;
  }
  log.flush();
  host.threadsStarted(workers);
  const got = raw.setThreads(threads);
  if (got !== threads) throw apiError(Error, 'init', 'options.threads', `init: options.threads asked for ${threads} threads, the threaded build started ${got}`);
  return raw;
}

// Resolves when every worker has answered 'loaded'; rejects on the first that cannot start.
function startOf(host, workers, urls) {
  return new Promise((resolve, reject) => {
    let pending = workers.length, settled = false;
    const timers = new Set();
    const settle = (err) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      if (err) reject(err);
      else resolve();
    };
    const fail = (url, what) => settle(apiError(Error, 'init', 'options.threads',
      `init: the threaded build's worker ${url} ${what}. ${host.workerFix(url)}`));
    if (pending === 0) settle();
    workers.forEach((worker, i) => {
      const url = urls[i] ?? 'attention_wasm_mt.worker.js';
      let started = false, timer = null;
      host.watchWorker(worker, {
        started: () => started,
        posted(message) {
          if (message?.cmd !== 'load' || started || timer !== null) return;
          timer = setTimeout(() => fail(url, `did not start within ${WORKER_START_MS / 1000} s of being sent the compiled module`), WORKER_START_MS);
          timers.add(timer);
        },
        message(data) {
          if (data?.cmd !== 'loaded' || started) return;
          started = true;
          clearTimeout(timer);
          if (--pending === 0) settle();
        },
        error(detail) {
          if (!started) fail(url, `failed to load${detail ? `: ${detail}` : ''}`);
        },
        exit(code) {
          if (!started) fail(url, `exited (code ${code}) before it started`);
        },
      });
    });
  });
}

// ---- warm-up ------------------------------------------------------------------------------------

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
