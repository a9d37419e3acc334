// The npm package as published: `npm pack` gives a tarball under 1 MB holding exactly the package
// files, it installs offline into a fresh project, and `import('attention-wasm')` there gives the
// API of API.md ("Loading"): init() once, the same instance later, version, simd, wasmBinary.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';

import {
  MAX_TARBALL_BYTES, PACKAGE_FILES, REPO, SMALL, assertClose, checkTarball, fixture, importPackage, nested, packedProject, runNode,
} from './setup.mjs';

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));

test('npm pack: a tarball under 1 MB with exactly the package files, LICENSE, package.json and README.md', () => {
  const p = packedProject();
  assert.ok(p.size > 100 * 1024, `the tarball is only ${p.size} bytes`);
  assert.ok(p.size < MAX_TARBALL_BYTES, `the tarball is ${p.size} bytes`);
  assert.deepEqual(p.files, PACKAGE_FILES);
  checkTarball(p);
  assert.deepEqual([...pkg.files].sort(), PACKAGE_FILES.filter((f) => f !== 'README.md' && f !== 'package.json'));
});

test('package.json: ES module, a Node entry and a browser/bundler entry with types, one runtime dependency (js-tiktoken, an exact version), Node >= 20', () => {
  assert.equal(pkg.name, 'attention-wasm');
  assert.equal(pkg.type, 'module');
  assert.deepEqual(Object.keys(pkg.exports['.']), ['types', 'node', 'default'], 'condition order: types, then node, then everyone else');
  assert.equal(pkg.exports['.'].types, './dist/index.d.ts');
  assert.equal(pkg.exports['.'].node, './dist/index.node.js');
  assert.equal(pkg.exports['.'].default, './dist/index.js');
  assert.equal(pkg.types, './dist/index.d.ts');
  // The tokenizer's (loaded on first use); pinned exactly, so the ids are those the tests checked.
  assert.deepEqual(Object.keys(pkg.dependencies), ['js-tiktoken']);
  assert.match(pkg.dependencies['js-tiktoken'], /^\d+\.\d+\.\d+$/);
  assert.match(pkg.engines.node, />=\s*20/);
  const installed = JSON.parse(readFileSync(join(packedProject().pkgDir, 'package.json'), 'utf8'));
  assert.equal(installed.version, pkg.version);
});

test('package.json: MIT with its LICENSE, and repository, homepage and bugs pointing at one repository', () => {
  assert.equal(pkg.license, 'MIT');
  const license = readFileSync(join(packedProject().pkgDir, 'LICENSE'), 'utf8');
  assert.match(license, /^MIT License\n/);
  assert.match(license, /Permission is hereby granted, free of charge/);
  const repo = 'https://github.com/attention-wasm/attention-wasm';
  assert.deepEqual(pkg.repository, { type: 'git', url: `git+${repo}.git` });
  assert.equal(pkg.homepage, `${repo}#readme`);
  assert.deepEqual(pkg.bugs, { url: `${repo}/issues` });
});

test('the .wasm files and the threaded build are exported subpaths, resolvable from a project; the internals are not', async () => {
  const { project, pkgDir } = packedProject();
  const req = createRequire(join(project, 'package.json'));
  for (const sub of ['dist/attention_wasm.wasm', 'dist/attention_wasm_mt.wasm', 'dist/attention_wasm_mt.mjs', 'dist/attention_wasm_mt.worker.js']) {
    assert.equal(req.resolve(`attention-wasm/${sub}`), join(pkgDir, sub), sub);
  }
  assert.throws(() => req.resolve('attention-wasm/dist/load.js'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
});

test('import("attention-wasm") in Node resolves to the Node entry inside the temporary project, not the repository', async () => {
  const p = packedProject();
  assert.ok(!p.project.startsWith(REPO), 'the temporary project is outside the repo');
  assert.equal(p.entry, join(p.pkgDir, 'dist', 'index.node.js'));
  const mod = await importPackage();
  assert.equal(typeof mod.init, 'function');
  assert.equal(mod.version, pkg.version);
});

test("the browser entry never imports a Node module, and the Node-only files are imported only by the Node entry", () => {
  const { pkgDir } = packedProject();
  const importsOf = (file) => [...readFileSync(join(pkgDir, 'dist', file), 'utf8').matchAll(/^\s*(?:import|export)\b[^;]*?from\s+'([^']+)'|import\('([^']+)'\)/gm)].map((m) => m[1] ?? m[2]);
  const seen = new Set();
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of importsOf(file)) {
      const bare = spec.replace(/^node:/, '').split('/')[0];
      assert.ok(!spec.startsWith('node:') && !builtinModules.includes(bare), `dist/${file} (reached from dist/index.js) imports ${spec}`);
      if (spec.startsWith('./') && spec.endsWith('.js') && !spec.includes('attention_wasm')) walk(spec.slice(2));
    }
  };
  walk('index.js');
  assert.ok(!seen.has('node.js') && !seen.has('index.node.js'), [...seen].join(', '));
  assert.ok(seen.has('browser.js') && seen.has('load.js') && seen.has('api.js'), [...seen].join(', '));
  assert.ok(importsOf('node.js').some((s) => s === 'node:fs/promises'));
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
