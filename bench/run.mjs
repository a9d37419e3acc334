#!/usr/bin/env node
// The benchmark in Node.js (>= 20): `npm run bench` at the repo root, or
//   node bench/run.mjs [--quick] [--workloads gpt2,sweep,peak] [--peers ours,onnxruntime,tfjs,plainjs,native]
// Prints the table, writes bench/out/results-node.json and bench/out/chart.svg.

import os from 'node:os';
import { optionsOrExit } from './lib/cli.mjs';
import { runBench } from './lib/harness.mjs';
import { textReport } from './lib/format.mjs';
import { writeOutputs } from './lib/outputs.mjs';
import { mainThreadCpuClock } from './lib/cputime.mjs';

const opts = optionsOrExit();

const started = performance.now();
const load0 = os.loadavg()[0];
const results = await runBench({
  quick: opts.quick, groups: opts.groups, peers: opts.peers, log: (s) => console.log(s), cpuClock: mainThreadCpuClock(),
});
results.env = 'node';
results.machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  node: process.version,
  runtime: `Node.js ${process.version}`,
  loadavg: [load0, os.loadavg()[0]],
};
results.wallSeconds = (performance.now() - started) / 1000;

console.log(`\n${textReport(results)}`);
const files = await writeOutputs(results, opts.out);
console.log(`\nwrote ${files.join(', ')} (${results.wallSeconds.toFixed(0)} s)`);
