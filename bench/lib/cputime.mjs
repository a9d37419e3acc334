// CPU time of the thread that runs the JS (and the wasm it calls), in ns: the part of a
// run's wall time that other processes on a busy machine cannot inflate (much).
// Linux: /proc/<pid>/schedstat's first field is the time that task (the main thread)
// spent on a CPU, in ns. Node only; the page asks the driver (browser.mjs) instead.
import { readFileSync, readdirSync } from 'node:fs';

export function schedstatNs(pid = 'self') {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return null;
  }
}

/** Clock for this Node process's main thread, or null where /proc is not there. */
export function mainThreadCpuClock() {
  return schedstatNs() == null ? null : () => schedstatNs();
}

// one string: zygote-forked Chromium children rewrite their title, NUL-separated or not
function cmdline(pid) {
  try { return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '); } catch { return ''; }
}

/** Chromium renderer processes of the browser started with this profile directory. */
export function rendererPids(profileDir) {
  const pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  return pids.filter((p) => {
    const c = cmdline(p);
    return c.includes(' --type=renderer ') && c.includes(` --user-data-dir=${profileDir} `);
  });
}
