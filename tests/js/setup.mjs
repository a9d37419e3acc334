// Shared helper of the JS suite (not a test file): packs the repository with `npm pack`, checks the
// tarball, installs it with its dependencies offline into a temporary consumer project and loads
// `attention-wasm` FROM THERE, so every test drives exactly what a user would install. The
// install is cached in os.tmpdir() by the hash of the tarball and of the locked dependencies, so
// the files of one run (and reruns on the same build) share it. Also: fixture reading and tensor comparison with API.md's tolerances.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FIXTURES = join(REPO, 'tests/fixtures');

/** The files the tarball must hold: package.files plus what npm always adds. */
export const PACKAGE_FILES = [
  'LICENSE',
  'README.md',
  'dist/api.js',
  'dist/attention_wasm.mjs',
  'dist/attention_wasm.wasm',
  'dist/attention_wasm_mt.mjs',
  'dist/attention_wasm_mt.wasm',
  'dist/attention_wasm_mt.worker.js',
  'dist/base64-js.js',
  'dist/browser.js',
  'dist/errors.js',
  'dist/index.d.ts',
  'dist/index.js',
  'dist/index.node.js',
  'dist/instance.js',
  'dist/load.js',
  'dist/node.js',
  'dist/node/attention_wasm_mt.js',
  'dist/node/attention_wasm_mt.worker.js',
  'dist/node/package.json',
  'dist/print.js',
  'dist/tensor.js',
  'dist/tokenizer.js',
  'dist/weights.js',
  'package.json',
];
export const MAX_TARBALL_BYTES = 1024 * 1024;

const npmEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };

function npm(args, cwd) {
  return execFileSync('npm', args, { cwd, env: npmEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

let packed = null;

/**
 * Packs the repo, checks the tarball and installs it into a cached temporary project.
 * @returns {{ project: string, pkgDir: string, tarball: string, hash: string, size: number, files: string[], entry: string }}
 */
export function packedProject() {
  if (packed) return packed;
  for (const f of PACKAGE_FILES.filter((f) => f.startsWith('dist/'))) {
    assert.ok(existsSync(join(REPO, f)), `${f} is missing: build first (bash scripts/build-wasm.sh)`);
  }
  const packDir = mkdtempSync(join(tmpdir(), 'attention-wasm-pack-'));
  let info;
  try {
    info = JSON.parse(npm(['pack', '--json', '--pack-destination', packDir], REPO))[0];
    const tarballTmp = join(packDir, info.filename);
    const bytes = readFileSync(tarballTmp);
    const runtime = runtimeLockEntries();
    const hash = createHash('sha256').update(bytes).update(JSON.stringify(runtime)).digest('hex').slice(0, 24);
    const files = info.files.map((f) => f.path).sort();
    // Every test file relies on these; README.md is checked by package.test.mjs / readme.test.mjs.
    assert.ok(bytes.length < MAX_TARBALL_BYTES, `npm pack: the tarball is ${bytes.length} bytes, not < 1 MB`);
    assert.deepEqual(files.filter((f) => f !== 'README.md'), PACKAGE_FILES.filter((f) => f !== 'README.md'),
      'npm pack: the tarball must hold exactly the files of package.json "files", package.json and README.md');

    const cacheRoot = join(tmpdir(), 'attention-wasm-tests');
    mkdirSync(cacheRoot, { recursive: true });
    removeStale(cacheRoot, hash);
    const project = join(cacheRoot, hash);
    const tarball = join(cacheRoot, `${hash}.tgz`);
    if (!existsSync(join(project, '.ready'))) {
      copyFileSync(tarballTmp, tarball);
      const staging = mkdtempSync(join(cacheRoot, `${hash}.staging-`));
      writeConsumer(staging, tarball, bytes, runtime);
      npm(['ci', '--offline', '--no-audit', '--no-fund', '--loglevel=error'], staging);
      writeFileSync(join(staging, '.ready'), hash);
      try {
        renameSync(staging, project);
      } catch (err) {
        // Another process installed the same tarball first: use theirs.
        rmSync(staging, { recursive: true, force: true });
        if (!existsSync(join(project, '.ready'))) throw err;
      }
    }
    const pkgDir = join(project, 'node_modules', 'attention-wasm');
    const entry = createRequire(join(project, 'package.json')).resolve('attention-wasm');
    packed = { project, pkgDir, tarball, hash, size: bytes.length, files, entry };
    return packed;
  } finally {
    rmSync(packDir, { recursive: true, force: true });
  }
}

// The entries of the repository's package-lock.json for the package's runtime dependencies
// (js-tiktoken, base64-js): what a user's install resolves the package.json pins to.
function runtimeLockEntries() {
  const lock = JSON.parse(readFileSync(join(REPO, 'package-lock.json'), 'utf8'));
  return Object.fromEntries(Object.entries(lock.packages).filter(([path, entry]) => path.startsWith('node_modules/') && !entry.dev));
}

// The consumer project: package.json depends on the tarball, and package-lock.json pins the
// tarball and the runtime dependencies to the repository's lock. `npm ci --offline` then installs
// them from the npm cache that `npm ci` at the root filled. (`npm install <tarball> --offline`
// would need the registry's metadata of each dependency, which `npm ci` does not fetch: it fails
// on a fresh machine.)
function writeConsumer(dir, tarball, bytes, runtime) {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  const name = 'attention-wasm-consumer';
  const dependencies = { 'attention-wasm': `file:${tarball}` };
  const packages = {
    '': { name, version: '0.0.0', dependencies },
    'node_modules/attention-wasm': {
      version: pkg.version, resolved: `file:${tarball}`,
      integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
      ...(pkg.dependencies ? { dependencies: pkg.dependencies } : {}),
    },
    ...runtime,
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, version: '0.0.0', type: 'module', dependencies }, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name, version: '0.0.0', lockfileVersion: 3, requires: true, packages }, null, 2));
}

// Installs of other builds, untouched for a day, are removed (each build has its own hash).
function removeStale(cacheRoot, keep) {
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  for (const name of readdirSync(cacheRoot)) {
    if (name.startsWith(keep)) continue;
    const path = join(cacheRoot, name);
    try {
      if (statSync(path).mtimeMs < dayAgo) rmSync(path, { recursive: true, force: true });
    } catch {
      // another process removed it first
    }
  }
}

/** Checks what `npm pack` produced: size and exact file list (throws AssertionError). */
export function checkTarball(p = packedProject()) {
  assert.ok(p.size < MAX_TARBALL_BYTES, `the tarball is ${p.size} bytes, not < 1 MB`);
  assert.deepEqual(p.files, PACKAGE_FILES, 'the tarball must hold exactly the package files, LICENSE, package.json and README.md');
}

let api = null;

/** The package module, imported from the temporary project (not from the repo). */
export async function importPackage() {
  const p = packedProject();
  assert.ok(p.entry.startsWith(p.pkgDir), `attention-wasm resolved to ${p.entry}, outside ${p.pkgDir}`);
  return import(pathToFileURL(p.entry).href);
}

/** `await init()` of the packed package (one instance per process, as init() promises). */
export async function loadAttn() {
  if (!api) {
    const mod = await importPackage();
    api = await mod.init();
  }
  return api;
}

// ---- fixtures -------------------------------------------------------------------------------

const fixtureCache = new Map();

/** Parsed fixture JSON (tests/fixtures/<name>). */
export function fixture(name) {
  if (!fixtureCache.has(name)) fixtureCache.set(name, JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')));
  return fixtureCache.get(name);
}

const NONFINITE = { Infinity: Infinity, '-Infinity': -Infinity, NaN: NaN };

/** A fixture tensor {shape, data} with the strings "Infinity"/"-Infinity"/"NaN" decoded. */
export function decode(t) {
  assert.ok(t && Array.isArray(t.shape) && Array.isArray(t.data), 'not a fixture tensor');
  const data = t.data.map((v) => (typeof v === 'string' ? NONFINITE[v] : v));
  data.forEach((v) => assert.equal(typeof v, 'number'));
  assert.equal(data.length, t.shape.reduce((a, b) => a * b, 1), 'fixture tensor data does not match its shape');
  return { shape: t.shape.slice(), data };
}

/** A fixture tensor as the nested array a user would pass (or a Float32Array + shape). */
export function nested(t) {
  const { shape, data } = decode(t);
  if (shape.length === 0) return data[0];
  const build = (axis, offset) => {
    const stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: shape[axis] }, (_, i) => (axis === shape.length - 1 ? data[offset + i] : build(axis + 1, offset + i * stride)));
  };
  return build(0, 0);
}

/** A fixture seed (decimal string) as manualSeed takes it: a number when safe, else a BigInt. */
export function seedOf(s) {
  const big = BigInt(s);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

// ---- comparisons ----------------------------------------------------------------------------

export const SMALL = { abs: 1e-6, rel: 1e-6 };

/** API.md's tolerance for T >= 256: 1e-4·max|expected| + 1e-4·|expected|. */
export function largeTolerance(expected) {
  const e = expected.data ? expected : decode(expected);
  let max = 0;
  for (const v of e.data) if (Number.isFinite(v)) max = Math.max(max, Math.abs(v));
  return { abs: 1e-4 * max, rel: 1e-4 };
}

function fmt(v) {
  return Object.is(v, -0) ? '-0' : String(v);
}

/**
 * Asserts a Tensor (or {shape, data}) equals a fixture tensor within tol ({abs, rel}); NaN must be
 * NaN and ±Infinity the same infinity. `exact` compares bit patterns of the float32 values (so
 * -0 and 0 differ). Returns the number of elements compared.
 */
export function assertClose(actual, expectedFixture, tol, label, { exact = false } = {}) {
  const e = expectedFixture.data && expectedFixture.data.every?.((v) => typeof v === 'number') ? expectedFixture : decode(expectedFixture);
  assert.ok(actual && Array.isArray(actual.shape), `${label}: not a tensor`);
  assert.deepEqual(actual.shape, e.shape, `${label}: shape (${actual.shape}) != expected (${e.shape})`);
  assert.ok(actual.data instanceof Float32Array, `${label}: data is not a Float32Array`);
  assert.equal(actual.data.length, e.data.length, `${label}: ${actual.data.length} values for shape (${e.shape})`);
  for (let i = 0; i < e.data.length; i++) {
    const a = actual.data[i], x = e.data[i];
    let good;
    if (exact) good = Object.is(a, Math.fround(x));
    else if (Number.isNaN(x)) good = Number.isNaN(a);
    else if (!Number.isFinite(x)) good = a === x;
    else good = Math.abs(a - x) <= tol.abs + tol.rel * Math.abs(x);
    if (!good) {
      assert.fail(`${label}: element ${i} of shape (${e.shape}) is ${fmt(a)}, expected ${fmt(x)}` +
        (exact ? ' (exactly)' : ` (tolerance ${tol.abs} + ${tol.rel}·|expected|)`));
    }
  }
  return e.data.length;
}

export function assertExact(actual, expectedFixture, label) {
  return assertClose(actual, expectedFixture, { abs: 0, rel: 0 }, label, { exact: true });
}

/** Runs node on a script file, returning {status, stdout, stderr}. */
export function runNode(args, { cwd, timeout = 120000 } = {}) {
  try {
    const stdout = execFileSync(process.execPath, args, { cwd, encoding: 'utf8', timeout, stdio: ['ignore', 'pipe', 'pipe'] });
    return { status: 0, stdout, stderr: '' };
  } catch (err) {
    return { status: err.status ?? 1, stdout: err.stdout ?? '', stderr: String(err.stderr ?? err.message) };
  }
}
