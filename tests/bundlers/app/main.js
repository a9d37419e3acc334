// The page: ?where=worker runs book() in a module Worker, else here; ?threads=N asks for N threads.
// The result lands in <pre id="out"> as JSON.
import { book } from './book.js';

const params = new URLSearchParams(location.search);
const threads = Number(params.get('threads') ?? 1);
const show = (result) => {
  document.getElementById('out').textContent = JSON.stringify({ where: params.get('where') ?? 'main', ...result });
};

if (params.get('where') === 'worker') {
  const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
  worker.onmessage = (e) => show(e.data);
  worker.onerror = (e) => show({ error: `worker error: ${e.message}` });
  worker.postMessage({ threads });
} else {
  show(await book(threads));
}
