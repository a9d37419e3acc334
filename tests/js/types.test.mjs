// index.d.ts of the PACKED package: tests/js/types/example.ts (the whole API) must type-check with
// `tsc --noEmit` (strict), and every misuse in misuse.ts must be a type error: tsc fails on an
// unused @ts-expect-error, and with the directives stripped each marked line must fail by itself.
// The folder is copied into the temporary project, so 'attention-wasm' resolves to
// node_modules/attention-wasm there, as for a user. Also: what the types promise holds at runtime.
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { REPO, loadAttn, packedProject, runNode } from './setup.mjs';

const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
const TYPES = new URL('./types/', import.meta.url);

let dir;
before(() => {
  const { project } = packedProject();
  dir = mkdtempSync(join(project, 'types-check-'));
  cpSync(TYPES, dir, { recursive: true });
});

function tsc(args) {
  return runNode([TSC, ...args], { cwd: dir, timeout: 120000 });
}

test('example.ts (the whole API) and misuse.ts (every @ts-expect-error used) type-check against the packed index.d.ts', () => {
  const r = tsc(['--noEmit', '-p', dir, '--traceResolution']);
  const resolved = r.stdout.split('\n').filter((l) => l.includes("Module name 'attention-wasm' was successfully resolved"));
  assert.ok(resolved.length >= 2, `attention-wasm was not resolved:\n${r.stdout.slice(-2000)}`);
  for (const line of resolved) assert.ok(line.includes(join(packedProject().pkgDir, 'dist', 'index.d.ts')), line);
  const errors = r.stdout.split('\n').filter((l) => /error TS\d+/.test(l));
  assert.deepEqual(errors, [], 'tsc reported errors');
  assert.equal(r.status, 0, `tsc exited with ${r.status}:\n${r.stderr}`);
});

test('misuse.ts without its @ts-expect-error directives: every marked line is a type error', () => {
  const source = readFileSync(join(dir, 'misuse.ts'), 'utf8').split('\n');
  const marked = [];
  const stripped = source.map((line, i) => {
    if (line.trim().startsWith('// @ts-expect-error')) {
      marked.push(i + 2); // the next line, 1-based
      return '';
    }
    return line;
  });
  assert.ok(marked.length >= 20, `only ${marked.length} misuses`);
  writeFileSync(join(dir, 'misuse-stripped.ts'), stripped.join('\n'));
  writeFileSync(join(dir, 'tsconfig.stripped.json'), JSON.stringify({ extends: './tsconfig.json', files: ['misuse-stripped.ts'] }));
  const r = tsc(['--noEmit', '-p', join(dir, 'tsconfig.stripped.json')]);
  assert.notEqual(r.status, 0);
  const failing = new Set([...r.stdout.matchAll(/misuse-stripped\.ts\((\d+),\d+\): error TS/g)].map((m) => Number(m[1])));
  const missed = marked.filter((l) => !failing.has(l));
  assert.deepEqual(missed, [], `lines that type-check although they misuse the API: ${missed.map((l) => stripped[l - 1].trim()).join(' | ')}`);
  // and nothing else fails: the unmarked lines are fine
  const unexpected = [...failing].filter((l) => !marked.includes(l));
  assert.deepEqual(unexpected, [], r.stdout);
});

test('what the types promise holds at runtime: trace keys per class, module exports', async () => {
  const attn = await loadAttn();
  const mod = await import(new URL(`file://${packedProject().entry}`).href);
  assert.deepEqual(Object.keys(mod).sort(), ['Tensor', 'init', 'version'], 'the top-level exports of index.d.ts values');
  const x3 = attn.ones([2, 6, 3]), x2 = attn.ones([6, 3]);
  const keys = (r) => Object.keys(r.trace).sort();
  const base = ['context', 'keys', 'queries', 'scaled', 'scores', 'values', 'weights'];
  const causal = [...base, 'dropoutMask', 'dropped', 'masked'].sort();
  const made = [];
  const make = (m) => (made.push(m), m);
  assert.deepEqual(keys(make(new attn.SelfAttentionV1(3, 2)).forward(x2, { trace: true })), base);
  assert.deepEqual(keys(make(new attn.SelfAttentionV2(3, 2)).forward(x2, { trace: true })), base);
  assert.deepEqual(keys(make(new attn.CausalAttention(3, 2, 6, 0)).forward(x3, { trace: true })), causal);
  assert.deepEqual(keys(make(new attn.MultiHeadAttentionWrapper(3, 2, 6, 0, 2)).forward(x3, { trace: true })), causal);
  assert.deepEqual(keys(make(new attn.MultiHeadAttention(3, 2, 6, 0, 2)).forward(x3, { trace: true })), [...causal, 'concat'].sort());
  assert.deepEqual(keys(make(new attn.Dropout(0.5)).forward(x3, { trace: true })), ['dropoutMask']);
  assert.deepEqual(keys(attn.simplifiedSelfAttention(x2, { trace: true })), ['context', 'keys', 'queries', 'scores', 'values', 'weights']);
  const m = made.at(-2);
  assert.equal(m.eval(), m, 'eval() returns this');
  assert.equal(m.train(), m, 'train() returns this');
  assert.deepEqual(m.loadStateDict(m.stateDict()), { missingKeys: [], unexpectedKeys: [] }, 'loadStateDict() reports what it could not match');
  assert.equal(m.free(), undefined);
  for (const mm of made) mm.free();
});

// index.d.ts and the core's class table (attn.classes) describe the same classes: every class of
// the table is declared as `readonly <Name>: <Name>Constructor` with a constructor taking the
// table's arguments in order (and `options` when it has flags), and every declared constructor is
// in the table.
test('index.d.ts declares exactly the classes of the class table, with its constructor arguments', async () => {
  const attn = await loadAttn();
  const ts = createRequire(import.meta.url)(join(REPO, 'node_modules', 'typescript'));
  const file = join(packedProject().pkgDir, 'dist', 'index.d.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const constructors = {}; // 'MultiHeadAttention' -> ['dIn', ..., 'options']
  const members = new Map(); // members of interface Attention: name -> type text
  ts.forEachChild(source, (node) => {
    if (!ts.isInterfaceDeclaration(node)) return;
    const name = node.name.text;
    if (name === 'Attention') {
      for (const m of node.members) if (m.name && m.type) members.set(m.name.getText(source), m.type.getText(source));
    } else if (name.endsWith('Constructor')) {
      const ctor = node.members.find((m) => ts.isConstructSignatureDeclaration(m));
      constructors[name.slice(0, -'Constructor'.length)] = ctor.parameters.map((p) => p.name.getText(source));
    }
  });
  const table = Object.fromEntries(attn.classes.map((c) => [c.name, [...c.args.map((a) => a.name), ...(c.options.length ? ['options'] : [])]]));
  assert.deepEqual(constructors, table, 'the constructors of index.d.ts and the class table');
  for (const name of Object.keys(table)) {
    assert.equal(members.get(name), `${name}Constructor`, `Attention.${name} is declared as ${name}Constructor`);
    assert.equal(typeof attn[name], 'function', `attn.${name} is a class`);
    assert.equal(attn[name].name, name);
  }
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});
