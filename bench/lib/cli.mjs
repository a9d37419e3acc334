// Shared command line of run.mjs and browser.mjs.
import { ALL_PEERS, EXTRA_PEERS, ALL_GROUPS } from './harness.mjs';

export const USAGE = `usage: node bench/run.mjs     [--quick] [--workloads gpt2,sweep,peak] [--peers ours,onnxruntime,tfjs,plainjs,native]
       node bench/browser.mjs [same options]   (the same harness in headless Chromium)
  --quick       small T (a smoke run: well under a minute on a quiet machine)
  --workloads   any of: ${ALL_GROUPS.join(', ')} (default: all)
  --peers       any of: ${[...ALL_PEERS, ...EXTRA_PEERS].join(', ')} (default: ${ALL_PEERS.join(',')})
  --out DIR     where results-<env>.json and the charts go (default: bench/out)`;

export function parseArgs(argv) {
  const opts = { quick: false, groups: [...ALL_GROUPS], peers: [...ALL_PEERS], out: null };
  const list = (v, allowed, what) => {
    const items = String(v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const bad = items.filter((s) => !allowed.includes(s));
    if (!items.length || bad.length) throw new Error(`--${what}: unknown ${bad.join(', ') || '(empty)'}; choose from ${allowed.join(', ')}`);
    return items;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--quick': opts.quick = true; break;
      case '--workloads': opts.groups = list(value(), ALL_GROUPS, 'workloads'); break;
      case '--peers': opts.peers = list(value(), [...ALL_PEERS, ...EXTRA_PEERS], 'peers'); break;
      case '--out': opts.out = value(); break;
      case '-h': case '--help': opts.help = true; break;
      default: throw new Error(`unknown argument ${argv[i]}\n${USAGE}`);
    }
  }
  return opts;
}

/** The options of this process's command line; prints the usage and exits on --help or a bad argument. */
export function optionsOrExit(argv = process.argv.slice(2)) {
  let opts;
  try {
    opts = parseArgs(argv);
  } catch (e) {
    console.error(e.message);
    process.exit(2);
  }
  if (opts.help) {
    console.log(USAGE);
    process.exit(0);
  }
  return opts;
}

/** playwright-core's chromium driver, or a message saying how to install it and exit 1. */
export async function chromiumDriverOrExit() {
  try {
    return (await import('playwright-core')).chromium;
  } catch {
    console.error('playwright-core is missing: run `npm ci` at the repo root, or `npm ci --prefix bench`');
    process.exit(1);
  }
}
