#!/usr/bin/env node
// node scripts/patch-worker.mjs <attention_wasm_mt.worker.js>: two edits to the pthread worker
// script Emscripten 3.1.6 writes for the browser, each checked to apply exactly once (a different
// Emscripten fails the build here rather than shipping an unpatched worker):
//  - its import(e.data.urlOrBlob), a branch this package never takes (it sets no
//    mainScriptUrlOrBlob), is marked for bundlers to leave alone: webpack 5 otherwise warns
//    "Critical dependency: the request of a dependency is an expression" on every build;
//  - a failure to import or start the glue is thrown from the worker's global scope, which
//    raises an error event on the Worker in the page, so init() rejects at once naming the
//    worker (load.js). As written, the rejection stays inside the worker and init() waits for
//    load.js's timeout.
import { readFileSync, writeFileSync } from 'node:fs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/patch-worker.mjs <attention_wasm_mt.worker.js>');
  process.exit(2);
}
const EDITS = [
  ['import(e.data.urlOrBlob)', 'import(/* webpackIgnore: true */ /* @vite-ignore */ e.data.urlOrBlob)'],
  ['.then(function(instance){Module=instance})', '.then(function(instance){Module=instance}).catch(function(err){setTimeout(function(){throw err})})'],
];
let text = readFileSync(file, 'utf8');
for (const [from, to] of EDITS) {
  const count = text.split(from).length - 1;
  if (count !== 1) {
    console.error(`patch-worker: expected ${JSON.stringify(from)} once in ${file}, found it ${count} times`);
    process.exit(1);
  }
  text = text.replace(from, to);
}
writeFileSync(file, text);
