// README.md's "## Quick start": its first ```js block, run as a user would (a .mjs file in a project
// where the packed tarball is installed), must print the book's MultiHeadAttention output for the
// sample batch under seed 123 (chapter.json printed.mha_output).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { REPO, fixture, packedProject, runNode } from './setup.mjs';

const README = join(REPO, 'README.md');

/** The first ```js block of the section whose heading starts with "## Quick start". */
export function quickStartBlock(markdown) {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => /^##\s+Quick start\b/i.test(l));
  assert.ok(start >= 0, 'README.md has no "## Quick start" section');
  let end = lines.findIndex((l, i) => i > start && /^##\s/.test(l));
  if (end < 0) end = lines.length;
  const section = lines.slice(start + 1, end);
  const open = section.findIndex((l) => /^```(js|javascript|mjs)\s*$/.test(l.trim()));
  assert.ok(open >= 0, 'the Quick start section has no ```js block');
  const close = section.findIndex((l, i) => i > open && l.trim() === '```');
  assert.ok(close > open, 'the ```js block of the Quick start section is not closed');
  return section.slice(open + 1, close).join('\n');
}

test('README.md exists (the lead writes it) and is in the tarball', () => {
  assert.ok(existsSync(README), 'README.md is missing from the repository root: the Quick start cannot be checked');
  assert.ok(packedProject().files.includes('README.md'), 'README.md is not in the npm tarball');
});

test('README Quick start: the first ```js block prints the book\'s MultiHeadAttention output', () => {
  assert.ok(existsSync(README), 'README.md is missing from the repository root');
  const code = quickStartBlock(readFileSync(README, 'utf8'));
  assert.match(code, /from ['"]attention-wasm['"]/, 'the Quick start imports the package by its name');
  const { project } = packedProject();
  const file = join(project, `readme-quick-start-${process.pid}.mjs`);
  writeFileSync(file, code);
  try {
    const r = runNode([file], { cwd: project, timeout: 60000 });
    assert.equal(r.status, 0, `the Quick start failed:\n${r.stderr}`);
    const want = fixture('chapter.json').printed.mha_output;
    assert.ok(r.stdout.includes(want), `the Quick start printed:\n${r.stdout}\nnot the book's:\n${want}`);
  } finally {
    rmSync(file, { force: true });
  }
});
