// The browser host of load.js (the package's default entry, index.js): browsers, Web Workers and
// bundlers. It imports nothing from Node.js, and leaves the Emscripten glue's own
// new URL('attention_wasm.wasm', import.meta.url) and new Worker(new URL(..., import.meta.url))
// in charge unless the caller passes locateFile: those are the patterns bundlers (Vite, webpack 5)
// see, emit and rewrite, and that resolve next to the glue when nothing bundles it.
import { apiError } from './errors.js';

const isNode = typeof process === 'object' && process !== null && typeof process.versions?.node === 'string';

const BUNDLERS = 'Vite and webpack 5 emit it by themselves when they bundle the package; esbuild and plain copies do not: ' +
  'put the file next to the bundle (it is in node_modules/attention-wasm/dist/)';

export const browserHost = {
  threadsUnavailable() {
    if (typeof SharedArrayBuffer !== 'function' || globalThis.crossOriginIsolated !== true)
      return 'it needs SharedArrayBuffer, which a browser offers only to a cross-origin isolated page (serve it with ' +
        "Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp); this page's crossOriginIsolated is " +
        String(globalThis.crossOriginIsolated);
    if (typeof Worker !== 'function') return 'it needs Web Workers, which this context does not have';
    return null;
  },

  cores() {
    return Number.isInteger(globalThis.navigator?.hardwareConcurrency) ? navigator.hardwareConcurrency : 1;
  },

  async moduleArgs(options) {
    if (isNode && !options.wasmBinary)
      throw apiError(Error, 'init', undefined, "init: this is attention-wasm's browser entry (dist/index.js) running under Node.js, where it " +
        "cannot fetch its .wasm: import 'attention-wasm' by its name (Node picks dist/index.node.js through the package's exports), " +
        'or pass init({ wasmBinary })');
    const args = {};
    if (options.wasmBinary) args.wasmBinary = options.wasmBinary;
    if (options.locateFile) args.locateFile = options.locateFile;
    return args;
  },

  // A separate chunk for bundlers: the threaded glue loads only when threads are asked for.
  async threadedModule(options) {
    let factory;
    try {
      ({ default: factory } = await import('./attention_wasm_mt.mjs'));
    } catch (err) {
      const e = apiError(Error, 'init', 'options.threads', `init: could not load the threaded build's glue (attention_wasm_mt.mjs, ` +
        `a chunk of its own in a bundle): ${err?.message ?? err}. Serve it with the rest of the package or the bundle, or use threads: 'auto' / 1`);
      e.cause = err;
      throw e;
    }
    const args = {};
    if (options.locateFile) args.locateFile = options.locateFile;
    return { factory, args };
  },

  // Runs the glue's factory and records the URLs it fetches and starts Workers from, which only
  // the glue (or the bundler that rewrote it) knows: the factory makes its first fetch and its
  // pool's Workers synchronously, so fetch and Worker are wrapped for the length of the call.
  run(factoryCall) {
    const fetched = [], workerUrls = [];
    const saved = { fetch: globalThis.fetch, Worker: globalThis.Worker };
    const urlOf = (x) => {
      const s = String(x?.url ?? x);
      try {
        return new URL(s, globalThis.location?.href).href;
      } catch {
        return s;
      }
    };
    // Where a global cannot be replaced (frozen by the page), its URLs go unrecorded: the errors
    // then name the file without its URL.
    const swap = (name, value) => {
      try {
        globalThis[name] = value;
      } catch {
        // left as it was
      }
    };
    if (typeof saved.fetch === 'function') {
      swap('fetch', new Proxy(saved.fetch, {
        apply(target, self, args) {
          fetched.push(urlOf(args[0]));
          return Reflect.apply(target, globalThis, args);
        },
      }));
    }
    if (typeof saved.Worker === 'function') {
      swap('Worker', new Proxy(saved.Worker, {
        construct(target, args) {
          workerUrls.push(urlOf(args[0]));
          return Reflect.construct(target, args, target);
        },
      }));
    }
    try {
      return { result: factoryCall(), fetched, workerUrls };
    } finally {
      if (typeof saved.fetch === 'function') swap('fetch', saved.fetch);
      if (typeof saved.Worker === 'function') swap('Worker', saved.Worker);
    }
  },

  // What the server sent for a .wasm that did not load, or null when it looks right.
  async diagnose(url) {
    if (!url) return null;
    try {
      const res = await fetch(url, { cache: 'no-store' });
      if (!res.ok) return `the server answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
      const bytes = new Uint8Array(await res.arrayBuffer());
      if (bytes[0] === 0x00 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d) return null;
      const type = res.headers.get('content-type') || 'no content type';
      const head = new TextDecoder().decode(bytes.subarray(0, 24)).replace(/\s+/g, ' ').trim();
      return `the server answered with ${bytes.length} bytes of ${type} starting "${head}", not WebAssembly ` +
        '(a server or dev server that sends its index.html for files it does not have)';
    } catch (err) {
      return `fetching it failed (${err?.message ?? err})`;
    }
  },

  fileFix(file) {
    return `Serve ${file} at that URL (${BUNDLERS}), or tell init where it is: init({ locateFile: (name) => '/your/path/' + name })` +
      (file === 'attention_wasm.wasm' ? ', or pass its bytes: init({ wasmBinary })' : '');
  },

  workerFix(url) {
    let glue = 'attention_wasm_mt.mjs';
    try {
      glue = new URL(glue, url).href;
    } catch {
      // a relative URL: name the file alone
    }
    return `The worker script must be served as JavaScript, and it imports attention_wasm_mt.mjs from its own folder ` +
      `(${glue}); ${BUNDLERS}, with attention_wasm_mt.mjs and attention_wasm_mt.wasm. ` +
      "Or use threads: 'auto' / 1 for the single-thread build";
  },

  // The glue assigns worker.onerror (a handler that throws) when it sends the module: until the
  // worker has started, errors are this watcher's, reported through init's rejection instead.
  watchWorker(worker, on) {
    let glueOnError = null;
    Object.defineProperty(worker, 'onerror', { configurable: true, get: () => glueOnError, set: (fn) => { glueOnError = fn; } });
    worker.addEventListener('error', (e) => {
      if (on.started()) return glueOnError?.call(worker, e);
      e.preventDefault();
      on.error(e.message);
    });
    worker.addEventListener('message', (e) => on.message(e.data));
    const post = worker.postMessage;
    worker.postMessage = function postMessage(message) {
      on.posted(message);
      return post.apply(this, arguments);
    };
  },

  threadsStarted() {},
};
