// The page side of the browser run (browser.html): the same harness as Node, reporting
// to the driver (browser.mjs) through the functions it exposes, or to the page itself.
import { runBench, ALL_GROUPS, ALL_PEERS } from './harness.mjs';
import { textReport } from './format.mjs';
import { renderChart } from './chart.mjs';

const q = new URLSearchParams(location.search);
const opts = {
  quick: q.get('quick') === '1',
  groups: q.get('workloads')?.split(',').filter(Boolean) ?? ALL_GROUPS,
  peers: q.get('peers')?.split(',').filter(Boolean) ?? ALL_PEERS.filter((p) => p !== 'native'),
};
const pre = document.getElementById('log');
const log = (line) => {
  pre.textContent += `${line}\n`;
  globalThis.__benchLog?.(String(line));
};

window.addEventListener('error', (e) => log(`page error: ${e.message}`));
window.addEventListener('unhandledrejection', (e) => log(`unhandled rejection: ${e.reason?.stack ?? e.reason}`));

(async () => {
  log(`crossOriginIsolated: ${globalThis.crossOriginIsolated}; hardwareConcurrency: ${navigator.hardwareConcurrency}`);
  // the JS thread's CPU clock, read by the driver from /proc (see browser.mjs)
  let cpuClock = null;
  if (globalThis.__benchCpuSnapshot) {
    const n = await globalThis.__benchCpuSnapshot();
    const t0 = performance.now();
    while (performance.now() - t0 < 300) { /* burn: the renderer doing this is ours */ }
    const pick = await globalThis.__benchCpuPick();
    if (pick && pick.ms > 50) {
      cpuClock = () => globalThis.__benchCpuNs();
      log(`JS thread CPU clock: renderer pid ${pick.pid} (${n} renderer(s); ${pick.ms.toFixed(0)} ms CPU in a 300 ms busy loop)`);
    } else {
      log(`no JS thread CPU clock (${n} renderer(s) found${pick ? `; best ${pick.ms.toFixed(0)} ms` : ''}): wall time only`);
    }
  }
  let results;
  try {
    results = await runBench({ ...opts, log, cpuClock });
  } catch (e) {
    log(`FAILED: ${e?.stack ?? e}`);
    globalThis.__benchDone?.(JSON.stringify({ failed: String(e?.stack ?? e) }));
    return;
  }
  results.env = 'chromium';
  results.page = { userAgent: navigator.userAgent, crossOriginIsolated: globalThis.crossOriginIsolated, hardwareConcurrency: navigator.hardwareConcurrency };
  if (globalThis.__benchDone) {
    globalThis.__benchDone(JSON.stringify(results));
  } else {
    results.machine = { cpu: '(browser: not visible)', cores: navigator.hardwareConcurrency, runtime: navigator.userAgent };
    log(`\n${textReport(results)}`);
    document.getElementById('chart').innerHTML = renderChart([results]);
  }
})();
