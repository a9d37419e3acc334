// The npm package as published: `npm pack` gives a tarball under 1 MB holding exactly the package
// files, it installs offline into a fresh project, and `import('attention-wasm')` there gives the
// API of API.md ("Loading"): init() once, the same instance later, version, simd, wasmBinary.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  MAX_TARBALL_BYTES, PACKAGE_FILES, REPO, SMALL, assertClose, checkTarball, fixture, importPackage, nested, packedProject, runNode,
} from './setup.mjs';

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));

test('npm pack: a tarball under 1 MB with exactly the package files, package.json and README.md', () => {
  const p = packedProject();
  assert.ok(p.size > 100 * 1024, `the tarball is only ${p.size} bytes`);
  assert.ok(p.size < MAX_TARBALL_BYTES, `the tarball is ${p.size} bytes`);
  assert.deepEqual(p.files, PACKAGE_FILES);
  checkTarball(p);
  assert.deepEqual([...pkg.files].sort(), PACKAGE_FILES.filter((f) => f.startsWith('dist/')));
});

test('package.json: ES module, exports with types, one runtime dependency (js-tiktoken, an exact version), Node >= 20', () => {
  assert.equal(pkg.name, 'attention-wasm');
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.exports['.'].types, './dist/index.d.ts');
  assert.equal(pkg.exports['.'].import, './dist/index.js');
  assert.equal(pkg.types, './dist/index.d.ts');
  // The tokenizer's (loaded on first use); pinned exactly, so the ids are those the tests checked.
  assert.deepEqual(Object.keys(pkg.dependencies), ['js-tiktoken']);
  assert.match(pkg.dependencies['js-tiktoken'], /^\d+\.\d+\.\d+$/);
  assert.match(pkg.engines.node, />=\s*20/);
  const installed = JSON.parse(readFileSync(join(packedProject().pkgDir, 'package.json'), 'utf8'));
  assert.equal(installed.version, pkg.version);
});

test('import("attention-wasm") resolves inside the temporary project, not the repository', async () => {
  const p = packedProject();
  assert.ok(!p.project.startsWith(REPO), 'the temporary project is outside the repo');
  assert.equal(p.entry, join(p.pkgDir, 'dist', 'index.js'));
  const mod = await importPackage();
  assert.equal(typeof mod.init, 'function');
  assert.equal(mod.version, pkg.version);
});

test('init(): one instance, later calls resolve to it; version, simd, and the book result', async () => {
  const mod = await importPackage();
  const [a, b] = await Promise.all([mod.init(), mod.init()]);
  assert.equal(a, b);
  assert.equal(await mod.init(), a);
  assert.equal(a.version, pkg.version);
  assert.equal(a.simd, true, 'the SIMD build is running');
  const chapter = fixture('chapter.json');
  a.manualSeed(123);
  const mha = new a.MultiHeadAttention(3, 2, 6, 0.0, 2);
  assertClose(mha.forward(nested(chapter.tensors.batch)), chapter.tensors.mha_output, SMALL, 'book MHA');
  mha.free();
  const names = ['tensor', 'zeros', 'ones', 'manualSeed', 'rand', 'randn', 'softmax', 'simplifiedSelfAttention', 'Dropout',
    'SelfAttentionV1', 'SelfAttentionV2', 'CausalAttention', 'MultiHeadAttentionWrapper', 'MultiHeadAttention'];
  for (const n of names) assert.equal(typeof a[n], 'function', `attn.${n}`);
  for (const n of ['sumNormalize', 'softmaxNaive', 'maskAndRenormalize', 'trilOnes']) assert.equal(typeof a.chapter[n], 'function');
});

test('init({ wasmBinary }) works in a fresh process, with an ArrayBuffer and with a Uint8Array; a bad binary rejects and may be retried', () => {
  const { project, pkgDir } = packedProject();
  const script = `
    import { readFileSync, rmSync, writeFileSync } from 'node:fs';
    import { init } from 'attention-wasm';
    const bytes = readFileSync(${JSON.stringify(join(pkgDir, 'dist', 'attention_wasm.wasm'))});
    let rejected = false;
    try { await init({ wasmBinary: new Uint8Array([0, 97, 115, 109, 9, 9, 9, 9]) }); } catch { rejected = true; }
    const u8 = new Uint8Array(bytes);
    const attn = await init({ wasmBinary: u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength) });
    attn.manualSeed(123);
    console.log(JSON.stringify({ rejected, v1: String(new attn.SelfAttentionV1(3, 2).forward(${JSON.stringify(nested(fixture('chapter.json').tensors.inputs))})) }));
  `;
  const file = join(project, `init-check-${process.pid}.mjs`);
  // written next to node_modules so that 'attention-wasm' resolves as it would for a user
  writeFileSync(file, script);
  try {
    const r = runNode([file], { cwd: project });
    assert.equal(r.status, 0, r.stderr);
    const got = JSON.parse(r.stdout.trim().split('\n').at(-1));
    assert.equal(got.rejected, true, 'a broken wasmBinary rejects init()');
    assert.equal(got.v1, fixture('chapter.json').printed.sa_v1_output);
  } finally {
    rmSync(file, { force: true });
  }
});
