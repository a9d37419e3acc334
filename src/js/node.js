// The Node.js host of load.js (the package's "node" entry, index.node.js). The .wasm files are
// read from the package folder (or where options.locateFile says) and passed as wasmBinary. The
// threaded build runs on worker_threads through Emscripten's Node glue in dist/node/: CommonJS
// (3.1.6's ES module glue reads __dirname and require under Node), next to a package.json that
// says so, since this package is "type": "module".
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { apiError } from './errors.js';

const require = createRequire(import.meta.url);
const DIST = new URL('./', import.meta.url);
const NODE_GLUE = new URL('./node/attention_wasm_mt.js', import.meta.url);

// Where a file of the package is: options.locateFile's answer (a path, a file: URL or an
// http(s): URL) or the package's own copy.
function locate(options, name, own) {
  const where = options.locateFile ? options.locateFile(name, fileURLToPath(DIST)) : own;
  const s = String(where);
  if (/^https?:/i.test(s)) return { url: s, http: true };
  if (/^file:/i.test(s)) return { url: s, path: fileURLToPath(s) };
  return { url: pathToFileURL(s).href, path: s };
}

async function readBytes(options, name, own) {
  const at = locate(options, name, own);
  try {
    if (!at.http) return new Uint8Array(await readFile(at.path));
    const res = await fetch(at.url);
    if (!res.ok) throw new Error(`the server answered ${res.status}`);
    return new Uint8Array(await res.arrayBuffer());
  } catch (err) {
    const e = apiError(Error, 'init', options.locateFile ? 'options.locateFile' : undefined,
      `init: could not read ${name} at ${at.path ?? at.url}: ${err.message}. ${nodeHost.fileFix(name)}`);
    e.cause = err;
    throw e;
  }
}

export const nodeHost = {
  threadsUnavailable() {
    return null; // worker_threads and SharedArrayBuffer are always there in Node.js >= 20
  },

  cores() {
    return typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
  },

  async moduleArgs(options) {
    if (options.wasmBinary) return { wasmBinary: options.wasmBinary };
    return { wasmBinary: await readBytes(options, 'attention_wasm.wasm', new URL('attention_wasm.wasm', DIST)) };
  },

  async threadedModule(options) {
    const worker = locate(options, 'attention_wasm_mt.worker.js', new URL('./node/attention_wasm_mt.worker.js', DIST));
    const args = {
      wasmBinary: await readBytes(options, 'attention_wasm_mt.wasm', new URL('attention_wasm_mt.wasm', DIST)),
      // The glue asks for the worker script only; worker_threads takes a path (or a URL object).
      locateFile: (name) => (name === 'attention_wasm_mt.worker.js' ? worker.path ?? new URL(worker.url) : fileURLToPath(new URL(name, NODE_GLUE))),
    };
    return { factory: require(fileURLToPath(NODE_GLUE)), args, workerUrl: worker.path ?? worker.url };
  },

  // The Node glue sets globalThis.Worker to worker_threads' Worker when its factory runs (its pool's
  // Workers are made in that call, the only time it makes any): put back what was there.
  run(factoryCall) {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'Worker');
    try {
      return { result: factoryCall(), fetched: [], workerUrls: [] };
    } finally {
      if (saved) Object.defineProperty(globalThis, 'Worker', saved);
      else delete globalThis.Worker;
    }
  },

  async diagnose() {
    return null; // the bytes were read above: what failed is the compile, and its message says why
  },

  fileFix(file) {
    return `The package's dist/ folder should hold ${file}; point init at a copy with init({ locateFile: (name) => '/path/to/' + name })` +
      (file === 'attention_wasm.wasm' ? ', or pass its bytes: init({ wasmBinary })' : '');
  },

  workerFix() {
    return "It is Emscripten's pthread worker for Node.js (CommonJS): it needs node/attention_wasm_mt.js beside it. " +
      "Or use threads: 'auto' / 1 for the single-thread build";
  },

  // Errors before the worker has started are this watcher's (init rejects). After, the glue's own
  // handler runs, which it reaches through worker.onerror.
  watchWorker(worker, on) {
    let glueOnError = null;
    Object.defineProperty(worker, 'onerror', {
      configurable: true,
      get: () => (e) => { if (on.started()) glueOnError?.(e); },
      set: (fn) => { glueOnError = fn; },
    });
    worker.on('error', (e) => on.error(e?.message));
    worker.on('exit', (code) => on.exit(code));
    worker.on('message', (data) => on.message(data));
    const post = worker.postMessage;
    worker.postMessage = function postMessage(message) {
      on.posted(message);
      return post.apply(this, arguments);
    };
  },

  // Idle pool workers must not keep the process alive: once they run, the program exits when its
  // own work is done (the workers end with it).
  threadsStarted(workers) {
    for (const worker of workers) worker.unref();
  },
};
