// init() and the instance it caches: made once per entry point (index.js for browsers and
// bundlers, index.node.js for Node.js) with that entry's host, so each copy of the package has
// its own instance.
import { makeApi } from './api.js';
import { apiError, describe } from './errors.js';
import { load, threadPlan } from './load.js';

export const version = '0.1.0';

/** The init() of one entry point: loads the wasm module once; later calls resolve to the same instance. */
export function makeInit(host) {
  let instancePromise = null;
  let instanceThreads = 0; // the thread count the loaded (or loading) instance was asked for

  /**
   * @param {{wasmBinary?: ArrayBuffer|Uint8Array, locateFile?: (name: string) => string,
   *          threads?: boolean|number|'auto', warmUp?: boolean}} [options]
   */
  return function init(options = {}) {
    let threads;
    try {
      if (options === null || typeof options !== 'object') throw apiError(TypeError, 'init', 'options', `init: options must be an object, got ${describe(options)}`);
      if (options.locateFile !== undefined && typeof options.locateFile !== 'function')
        throw apiError(TypeError, 'init', 'options.locateFile', `init: options.locateFile must be a function (name) => URL, got ${describe(options.locateFile)}`);
      if (options.wasmBinary !== undefined && !(options.wasmBinary instanceof ArrayBuffer || ArrayBuffer.isView(options.wasmBinary)))
        throw apiError(TypeError, 'init', 'options.wasmBinary', `init: options.wasmBinary must be an ArrayBuffer or a Uint8Array, got ${describe(options.wasmBinary)}`);
      threads = threadPlan(options, host);
      if (options.warmUp !== undefined && typeof options.warmUp !== 'boolean')
        throw apiError(TypeError, 'init', 'options.warmUp', `init: options.warmUp must be a boolean, got ${describe(options.warmUp)}`);
    } catch (err) {
      return Promise.reject(err);
    }
    if (!instancePromise) {
      instanceThreads = threads;
      instancePromise = load(options, threads, host).then(({ raw, warmedUp }) => makeApi(raw, version, warmedUp)).catch((err) => {
        instancePromise = null; // a failed load may be retried
        throw err;
      });
    } else if (options.threads !== undefined && threads !== instanceThreads) {
      return Promise.reject(apiError(Error, 'init', 'options.threads', `init: options.threads (${describe(options.threads)}) asks for ${threads} thread(s), but the module ` +
        `is already loaded (or loading) for ${instanceThreads}; it loads once per page or process, so call init() with the same threads option`));
    }
    return instancePromise;
  };
}
