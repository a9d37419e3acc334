#!/usr/bin/env node
// Merge the Node and Chromium results into the two files the README shows:
//   node bench/report.mjs [results-node.json results-chromium.json ...]
// Default inputs: bench/out/results-node.json and bench/out/results-chromium.json (either
// may be missing). Writes bench/results.md and bench/chart.svg (both committed).

import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { markdownReport } from './lib/format.mjs';
import { renderChart } from './lib/chart.mjs';
import { BENCH_DIR, OUT_DIR } from './lib/outputs.mjs';

const args = process.argv.slice(2);
const inputs = args.length ? args : ['node', 'chromium'].map((e) => path.join(OUT_DIR, `results-${e}.json`)).filter((f) => existsSync(f));
if (!inputs.length) {
  console.error('no results: run `node bench/run.mjs` and/or `node bench/browser.mjs` first');
  process.exit(1);
}
const all = [];
for (const f of inputs) {
  const r = JSON.parse(await readFile(f, 'utf8'));
  if (!r.workloads) { console.error(`${f}: not a results file`); process.exit(1); }
  all.push(r);
}
all.sort((a, b) => (a.env === 'node' ? -1 : b.env === 'node' ? 1 : 0));
const md = path.join(BENCH_DIR, 'results.md');
const svg = path.join(BENCH_DIR, 'chart.svg');
await writeFile(md, `${markdownReport(all)}\n`);
await writeFile(svg, renderChart(all));
console.log(`merged ${inputs.map((f) => path.relative(process.cwd(), f)).join(' + ')} → ${path.relative(process.cwd(), md)}, ${path.relative(process.cwd(), svg)}`);
if (all.some((r) => r.options?.quick)) console.log('note: at least one input is a --quick run');
