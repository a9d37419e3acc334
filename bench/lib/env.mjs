// Where are we (Node or a browser page), and how to load the few dependencies that do
// not ship a browser ES module. The page (browser.html) maps the bare specifiers
// 'onnxruntime-web' with an import map; everything else goes through here.

export const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

/** URL of a file under bench/node_modules (file: URL in Node, http: URL in the page). */
export function depUrl(rel) {
  return new URL(`../node_modules/${rel}`, import.meta.url);
}

/** Node: the file-system path of depUrl(rel). */
export async function depPath(rel) {
  const { fileURLToPath } = await import('node:url');
  return fileURLToPath(depUrl(rel));
}

/** Evaluate a CommonJS file's text in the page with a small `require` table. */
async function evalCjs(url, requireTable = {}) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`fetch ${url}: ${res.status}`);
  const src = await res.text();
  const module = { exports: {} };
  const require = (name) => {
    if (name in requireTable) return requireTable[name];
    throw new Error(`evalCjs(${url}): no module ${name}`);
  };
  // eslint-disable-next-line no-new-func
  new Function('module', 'exports', 'require', `${src}\n//# sourceURL=${url}`)(module, module.exports, require);
  return module.exports;
}

let onnxProto;
/** The `onnx` namespace of the onnx-proto package (protobufjs static code). */
export async function loadOnnxProto() {
  if (onnxProto) return onnxProto;
  if (isNode) {
    const { createRequire } = await import('node:module');
    const require = createRequire(import.meta.url);
    onnxProto = require('onnx-proto').onnx;
  } else {
    const protobuf = await evalCjs(depUrl('protobufjs/dist/minimal/protobuf.js'));
    const mod = await evalCjs(depUrl('onnx-proto/dist/onnx.js'), { 'protobufjs/minimal': protobuf });
    onnxProto = mod.onnx;
  }
  return onnxProto;
}

/** Load a classic (UMD) script into the page once. */
export function loadScript(url) {
  const href = String(url);
  const have = [...document.scripts].find((s) => s.src === href);
  if (have) return have.__loaded;
  const s = document.createElement('script');
  s.src = href;
  s.__loaded = new Promise((resolve, reject) => {
    s.onload = resolve;
    s.onerror = () => reject(new Error(`could not load ${href}`));
  });
  document.head.appendChild(s);
  return s.__loaded;
}

/** A peer that cannot run here (not built, not in this environment): not a failure. */
export class Unavailable extends Error {
  constructor(message) { super(message); this.name = 'Unavailable'; }
}
