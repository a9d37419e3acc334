// attention-wasm: the JavaScript API of shared/API.md over the Embind module.
//
// The entry point: init() loads the module once (load.js) and returns the API (api.js). The
// instance is cached here, in the entry module, so each copy of the package has its own.
import { makeApi } from './api.js';
import { apiError, describe } from './errors.js';
import { load, threadPlan } from './load.js';

export { Tensor } from './tensor.js';

export const version = '0.1.0';

let instancePromise = null;
let instanceThreads = 0; // the thread count the loaded (or loading) instance was asked for

/**
 * Loads the wasm module once; later calls resolve to the same instance.
 * @param {{wasmBinary?: ArrayBuffer|Uint8Array, locateFile?: (name: string) => string,
 *          threads?: boolean|number|'auto'}} [options]
 */
export function init(options = {}) {
  let threads;
  try {
    if (options === null || typeof options !== 'object') throw apiError(TypeError, 'init', 'options', `init: options must be an object, got ${describe(options)}`);
    threads = threadPlan(options);
    if (options.warmUp !== undefined && typeof options.warmUp !== 'boolean')
      throw apiError(TypeError, 'init', 'options.warmUp', `init: options.warmUp must be a boolean, got ${describe(options.warmUp)}`);
  } catch (err) {
    return Promise.reject(err);
  }
  if (!instancePromise) {
    instanceThreads = threads;
    instancePromise = load(options, threads).then(({ raw, warmedUp }) => makeApi(raw, version, warmedUp)).catch((err) => {
      instancePromise = null; // a failed load may be retried
      throw err;
    });
  } else if (options.threads !== undefined && threads !== instanceThreads) {
    return Promise.reject(apiError(Error, 'init', 'options.threads', `init: options.threads (${describe(options.threads)}) asks for ${threads} thread(s), but the module ` +
      `is already loaded (or loading) for ${instanceThreads}; it loads once per page, so call init() with the same threads option`));
  }
  return instancePromise;
}

