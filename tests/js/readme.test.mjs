// README.md's "## Quick start": its first ```js block, run as a user would (a .mjs file in a project
// where the packed tarball is installed), must print the book's MultiHeadAttention output for the
// sample batch under seed 123 (chapter.json printed.mha_output).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { REPO, fixture, packedProject, runNode } from './setup.mjs';

const README = join(REPO, 'README.md');

/** The first ```js block of the section whose heading starts with `heading` ("## Quick start"). */
export function sectionBlock(markdown, heading = 'Quick start') {
  const lines = markdown.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`## ${heading}`));
  assert.ok(start >= 0, `README.md has no "## ${heading}" section`);
  let end = lines.findIndex((l, i) => i > start && /^##\s/.test(l));
  if (end < 0) end = lines.length;
  const section = lines.slice(start + 1, end);
  const open = section.findIndex((l) => /^```(js|javascript|mjs)\s*$/.test(l.trim()));
  assert.ok(open >= 0, `the ${heading} section has no \`\`\`js block`);
  const close = section.findIndex((l, i) => i > open && l.trim() === '```');
  assert.ok(close > open, `the \`\`\`js block of the ${heading} section is not closed`);
  return section.slice(open + 1, close).join('\n');
}

// Runs a README block as a user would: a .mjs file in a project where the packed tarball is installed.
function runBlock(code, name) {
  assert.match(code, /from ['"]attention-wasm['"]/, 'the block imports the package by its name');
  const { project } = packedProject();
  const file = join(project, `readme-${name}-${process.pid}.mjs`);
  writeFileSync(file, code);
  try {
    const r = runNode([file], { cwd: project, timeout: 180000 });
    assert.equal(r.status, 0, `the README's ${name} block failed:\n${r.stderr}`);
    return r.stdout;
  } finally {
    rmSync(file, { force: true });
  }
}

test('README.md exists (the lead writes it) and is in the tarball', () => {
  assert.ok(existsSync(README), 'README.md is missing from the repository root: the Quick start cannot be checked');
  assert.ok(packedProject().files.includes('README.md'), 'README.md is not in the npm tarball');
});

test('README Quick start: the first ```js block prints the book\'s MultiHeadAttention output', () => {
  const out = runBlock(sectionBlock(readFileSync(README, 'utf8')), 'quick-start');
  const want = fixture('chapter.json').printed.mha_output;
  assert.ok(out.includes(want), `the Quick start printed:\n${out}\nnot the book's:\n${want}`);
});

test('README\'s GPT model section: its first ```js block prints the text chapter 4\'s untrained model generates', () => {
  const out = runBlock(sectionBlock(readFileSync(README, 'utf8'), 'A GPT model'), 'gpt');
  const want = fixture('book.json').outputs.ch04_generate.decoded;
  assert.equal(out.trim(), want);
});

// GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens.
const anchorOf = (heading) => heading.trim().toLowerCase().replace(/[^\w\- ]/g, '').replace(/ /g, '-');

test('README links work inside the tarball: relative ones name shipped files, #anchors name headings, the rest are absolute to the repository', () => {
  const text = readFileSync(README, 'utf8');
  const { files } = packedProject();
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8'));
  const repo = pkg.homepage.replace(/#readme$/, '');
  const anchors = new Set(text.split('\n').filter((l) => /^#{1,6} /.test(l)).map((l) => anchorOf(l.replace(/^#+ /, ''))));
  const links = [...text.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]);
  assert.ok(links.length >= 5, `only ${links.length} links found`);
  for (const link of links) {
    if (link.startsWith('#')) assert.ok(anchors.has(link.slice(1)), `README links to ${link}, which no heading makes`);
    else if (/^https?:/.test(link)) assert.ok(link.startsWith(`${repo}/`) || !link.includes('github.com/attention-wasm'), `${link} is not under ${repo}`);
    else assert.ok(files.includes(link.replace(/^\.\//, '').replace(/#.*$/, '')), `README links to ${link}, which the tarball does not hold`);
  }
});

test('README names the two set-up commands for a fresh Debian 12 machine, npm start and npm test, after the npm material', () => {
  const text = readFileSync(README, 'utf8');
  const section = text.slice(text.indexOf('### The two commands'));
  const block = section.slice(section.indexOf('```sh') + 5, section.indexOf('```', section.indexOf('```sh') + 5));
  assert.deepEqual(block.trim().split('\n').map((l) => l.split('#')[0].trim()), ['npm start', 'npm test']);
  assert.ok(text.indexOf('## Install') < text.indexOf('### The two commands'), 'Install comes before the Debian set-up');
  assert.ok(text.indexOf('## Quick start') < text.indexOf('apt-get'), 'the first apt-get comes after the Quick start');
});
