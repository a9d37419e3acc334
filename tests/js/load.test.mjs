// What init() says when the module cannot be loaded (Node.js, the packed package): an Error naming
// the file, where it was looked for and the fix (locateFile, wasmBinary), with module 'init' and
// the option at fault as argument; the glue's own error is its cause. A failed load may be retried.
// Each case runs in a fresh process, before any instance exists.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { fixture, packedProject, runNode } from './setup.mjs';

function script(name, code) {
  const { project } = packedProject();
  const file = join(project, `${name}-${process.pid}.mjs`);
  writeFileSync(file, code);
  try {
    const r = runNode([file], { cwd: project, timeout: 60_000 });
    assert.equal(r.status, 0, `${name} exited with ${r.status}:\n${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').at(-1));
  } finally {
    rmSync(file, { force: true });
  }
}

const outcome = `
  const outcome = (p) => p.then((a) => ({ threads: a.threads }), (e) => ({ name: e.name, message: e.message, module: e.module, argument: e.argument, cause: String(e.cause) }));
`;

test('a .wasm that is not where locateFile says: the Error names the path and the fixes, and a retry without it loads', () => {
  const r = script('load-missing', `
    import { init } from 'attention-wasm';
    ${outcome}
    const missing = await outcome(init({ locateFile: (name) => '/nonexistent/dir/' + name }));
    const threaded = await outcome(init({ threads: 2, locateFile: (name) => '/nonexistent/dir/' + name }));
    const retry = await outcome(init());
    console.log(JSON.stringify({ missing, threaded, retry }));
  `);
  for (const [e, file] of [[r.missing, 'attention_wasm.wasm'], [r.threaded, 'attention_wasm_mt.wasm']]) {
    assert.equal(e.name, 'Error');
    assert.ok(e.message.startsWith(`init: could not read ${file} at /nonexistent/dir/${file}: ENOENT`), e.message);
    assert.match(e.message, /init\(\{ locateFile: \(name\) => '\/path\/to\/' \+ name \}\)/);
    assert.equal(e.module, 'init');
    assert.equal(e.argument, 'options.locateFile');
    assert.match(e.cause, /ENOENT/);
  }
  assert.match(r.missing.message, /or pass its bytes: init\(\{ wasmBinary \}\)$/);
  assert.deepEqual(r.retry, { threads: 1 });
});

test('bytes that are not WebAssembly in wasmBinary: the Error says so and names options.wasmBinary; the glue prints nothing', () => {
  const r = script('load-bad-binary', `
    import { init } from 'attention-wasm';
    ${outcome}
    const printed = [];
    const warn = console.warn, error = console.error;
    console.warn = console.error = (...a) => printed.push(a.join(' '));
    const bad = await outcome(init({ wasmBinary: new Uint8Array([0x3c, 0x21, 0x64, 0x6f, 0x63, 0x74, 0x79, 0x70]) }));
    console.warn = warn; console.error = error;
    console.log(JSON.stringify({ bad, printed }));
  `);
  assert.equal(r.bad.name, 'Error');
  assert.match(r.bad.message, /^init: could not load attention_wasm\.wasm from options\.wasmBinary: CompileError: WebAssembly\.instantiate\(\): expected magic word 00 61 73 6d, found 3c 21 64 6f/);
  assert.match(r.bad.message, /init\(\{ locateFile: /);
  assert.equal(r.bad.module, 'init');
  assert.equal(r.bad.argument, 'options.wasmBinary');
  assert.match(r.bad.cause, /Aborted\(CompileError/);
  assert.deepEqual(r.printed, [], "the glue's abort messages are folded into the Error, not printed");
});

test('options.locateFile and options.wasmBinary of the wrong kind are TypeErrors naming them', () => {
  const r = script('load-kinds', `
    import { init } from 'attention-wasm';
    ${outcome}
    console.log(JSON.stringify({
      locate: await outcome(init({ locateFile: '/assets/' })),
      binary: await outcome(init({ wasmBinary: [0, 97, 115, 109] })),
    }));
  `);
  assert.deepEqual(r.locate, { name: 'TypeError', message: 'init: options.locateFile must be a function (name) => URL, got a string ("/assets/")', module: 'init', argument: 'options.locateFile', cause: 'undefined' });
  assert.deepEqual(r.binary, { name: 'TypeError', message: 'init: options.wasmBinary must be an ArrayBuffer or a Uint8Array, got an array', module: 'init', argument: 'options.wasmBinary', cause: 'undefined' });
});

test("the browser entry run under Node by mistake says which entry to use; with wasmBinary it works", () => {
  const { pkgDir } = packedProject();
  const r = script('load-browser-entry', `
    import { readFileSync } from 'node:fs';
    ${outcome}
    const { init } = await import(${JSON.stringify(join(pkgDir, 'dist', 'index.js'))});
    const plain = await outcome(init());
    const attn = await init({ wasmBinary: readFileSync(${JSON.stringify(join(pkgDir, 'dist', 'attention_wasm.wasm'))}) });
    attn.manualSeed(123);
    console.log(JSON.stringify({ plain, v1: String(new attn.SelfAttentionV1(3, 2).forward(${JSON.stringify(fixture('chapter.json').tensors.inputs.data)}.reduce((rows, v, i) => (i % 3 ? rows[rows.length - 1].push(v) : rows.push([v]), rows), []))) }));
  `);
  assert.equal(r.plain.name, 'Error');
  assert.match(r.plain.message, /^init: this is attention-wasm's browser entry \(dist\/index\.js\) running under Node\.js/);
  assert.match(r.plain.message, /import 'attention-wasm' by its name/);
  assert.equal(r.v1, fixture('chapter.json').printed.sa_v1_output);
});
