// Files a run leaves behind: out/results-<env>.json, out/chart-<env>.svg and
// out/chart.svg (the chart of the latest run). Node only.
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { renderChart } from './chart.mjs';

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
export const OUT_DIR = path.join(BENCH_DIR, 'out');

export async function writeOutputs(results, outDir = null) {
  const dir = outDir ? path.resolve(outDir) : OUT_DIR;
  await mkdir(dir, { recursive: true });
  const json = path.join(dir, `results-${results.env}.json`);
  await writeFile(json, `${JSON.stringify(results, null, 1)}\n`);
  const svg = renderChart([results]);
  const chartEnv = path.join(dir, `chart-${results.env}.svg`);
  const chart = path.join(dir, 'chart.svg');
  await writeFile(chartEnv, svg);
  await writeFile(chart, svg);
  const rel = (f) => path.relative(process.cwd(), f) || f;
  return [rel(json), rel(chart)];
}
