// attention-wasm for Node.js (package.json "exports": "node"): the API of index.js, with the .wasm
// read from the package folder and init({ threads }) on worker_threads (node.js).
import { makeInit } from './instance.js';
import { nodeHost } from './node.js';

export { Tensor } from './tensor.js';
export { version } from './instance.js';

/** Loads the wasm module once; later calls resolve to the same instance. */
export const init = makeInit(nodeHost);
