// The app's one job: the book's MultiHeadAttention (section 3.6.2, seed 123) through the package,
// as a new user writes it. Returns what the page shows: the print, or the error init gave.
import { init } from 'attention-wasm';

const inputs = [
  [0.43, 0.15, 0.89], // Your     (x^1)
  [0.55, 0.87, 0.66], // journey  (x^2)
  [0.57, 0.85, 0.64], // starts   (x^3)
  [0.22, 0.58, 0.33], // with     (x^4)
  [0.77, 0.25, 0.10], // one      (x^5)
  [0.05, 0.80, 0.55], // step     (x^6)
];

export async function book(threads) {
  const t0 = performance.now();
  try {
    const attn = await init(threads > 1 ? { threads } : {});
    attn.manualSeed(123);
    const mha = new attn.MultiHeadAttention(3, 2, 6, 0.0, 2);
    return { threads: attn.threads, printed: mha.forward([inputs, inputs]).toString(), ms: performance.now() - t0 };
  } catch (err) {
    return { error: `${err.name}: ${err.message}`, module: err.module, argument: err.argument, ms: performance.now() - t0 };
  }
}
