// Vite only: the .wasm as an exported subpath, imported with ?url and handed to locateFile (the
// usual way to place a .wasm by hand in Vite).
import wasmUrl from 'attention-wasm/dist/attention_wasm.wasm?url';
import { init } from 'attention-wasm';

const show = (result) => { document.getElementById('out').textContent = JSON.stringify(result); };
try {
  const attn = await init({ locateFile: () => wasmUrl });
  attn.manualSeed(123);
  const x = [[0.43, 0.15, 0.89], [0.55, 0.87, 0.66], [0.57, 0.85, 0.64], [0.22, 0.58, 0.33], [0.77, 0.25, 0.10], [0.05, 0.80, 0.55]];
  show({ where: 'main', threads: attn.threads, wasmUrl, printed: new attn.MultiHeadAttention(3, 2, 6, 0.0, 2).forward([x, x]).toString() });
} catch (err) {
  show({ error: `${err.name}: ${err.message}` });
}
