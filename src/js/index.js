// attention-wasm: the JavaScript API of shared/API.md over the Embind module. This is the entry
// point for browsers, Web Workers and bundlers (package.json "exports": "default"); Node.js gets
// index.node.js. Both are the same API; they differ in how the .wasm files are found (browser.js,
// node.js).
import { browserHost } from './browser.js';
import { makeInit } from './instance.js';

export { Tensor } from './tensor.js';
export { version } from './instance.js';

/** Loads the wasm module once; later calls resolve to the same instance. */
export const init = makeInit(browserHost);
