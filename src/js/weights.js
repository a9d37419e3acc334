// GPTModel.fromSafetensors (chapter 5): a .safetensors file streamed into the core, which maps its
// tensors onto the book's GPTModel (src/gpt/safetensors.cpp). The format: an 8-byte little-endian
// header length N, N bytes of JSON ({name: {dtype, shape, data_offsets: [begin, end]}, and an
// optional "__metadata__"}), then the data. Only the header is held whole; the data goes to the
// core chunk by chunk, so a file costs the model's memory and one chunk.
import { apiError, describe, unwrap } from './errors.js';

const WHO = 'GPTModel.fromSafetensors';
const MAX_HEADER = 100 * 2 ** 20; // safetensors' own limit on the JSON header
const CHUNK = 4 * 2 ** 20;

const notSafetensors = (why) => apiError(Error, WHO, 'source', `${WHO}: the source is not a safetensors file: ${why}`);

// The source as a reader of Uint8Array chunks, and its size in bytes when known.
async function open(source) {
  if (typeof source === 'string' || source instanceof URL) {
    let res;
    try {
      res = await fetch(source);
    } catch (err) {
      throw apiError(Error, WHO, 'source', `${WHO}: fetching ${source} failed (${err.message}); in Node, read a local file with fs.openAsBlob(path) and pass the Blob`, { cause: err });
    }
    if (!res.ok) throw apiError(Error, WHO, 'source', `${WHO}: fetching ${source} answered ${res.status} ${res.statusText}`);
    return open(res);
  }
  if (typeof Response === 'function' && source instanceof Response) {
    if (!source.body) throw apiError(TypeError, WHO, 'source', `${WHO}: the Response has no body`);
    const length = Number(source.headers.get('content-length'));
    return { reader: source.body.getReader(), total: Number.isFinite(length) && length > 0 ? length : undefined };
  }
  if (typeof Blob === 'function' && source instanceof Blob) return { reader: source.stream().getReader(), total: source.size };
  const bytes = source instanceof ArrayBuffer ? new Uint8Array(source)
    : ArrayBuffer.isView(source) ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : null;
  if (!bytes)
    throw apiError(TypeError, WHO, 'source', `${WHO}: source must be an ArrayBuffer, a Uint8Array, a Blob or File, a Response or a URL, got ${describe(source)}`);
  let at = 0;
  return {
    reader: { read: async () => (at < bytes.length ? { value: bytes.subarray(at, (at += CHUNK)), done: false } : { done: true }) },
    total: bytes.length,
  };
}

// Reads exactly n bytes (the header), keeping what came after them in `rest`.
async function readExactly(state, n) {
  const parts = [];
  let have = 0;
  while (have < n) {
    let chunk = state.rest;
    state.rest = null;
    if (!chunk) {
      const { value, done } = await state.reader.read();
      if (done) return null;
      chunk = value;
      state.loaded += value.length;
    }
    const need = n - have;
    if (chunk.length > need) {
      state.rest = chunk.subarray(need);
      chunk = chunk.subarray(0, need);
    }
    parts.push(chunk);
    have += chunk.length;
  }
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) out.set(p, at), (at += p.length);
  return out;
}

// The header's tensors as the core takes them, checked for their JSON kinds.
function entriesOf(header) {
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw notSafetensors('its header is not a JSON object');
  const entries = [];
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const ok = t && typeof t.dtype === 'string' && Array.isArray(t.shape) && t.shape.every((d) => Number.isInteger(d) && d >= 0)
      && Array.isArray(t.data_offsets) && t.data_offsets.length === 2 && t.data_offsets.every((d) => Number.isSafeInteger(d) && d >= 0);
    if (!ok) throw notSafetensors(`tensor '${name}' is not described by {dtype, shape, data_offsets}`);
    entries.push({ name, dtype: t.dtype, shape: t.shape, begin: t.data_offsets[0], end: t.data_offsets[1] });
  }
  return entries;
}

/**
 * Streams `source` into a new GPT model. `given`: the cfg keys the caller gave, kinds checked;
 * `wrap(handle)`: the GPTModel object for the handle that adopted the loaded model.
 */
export async function fromSafetensors(raw, wrap, source, given, onProgress) {
  const { reader, total } = await open(source);
  const state = { reader, rest: null, loaded: 0 };
  const loader = new raw.SafetensorsLoader();
  let handle = null;
  try {
    const lengthBytes = await readExactly(state, 8);
    if (!lengthBytes) throw notSafetensors('it is shorter than the 8 bytes of the header length');
    const n = Number(new DataView(lengthBytes.buffer).getBigUint64(0, true));
    if (n < 2 || n > MAX_HEADER || (total !== undefined && 8 + n > total))
      throw notSafetensors(`its first 8 bytes give a header of ${n} bytes${total !== undefined ? `, in a file of ${total}` : ''}`);
    const headerBytes = await readExactly(state, n);
    if (!headerBytes) throw notSafetensors(`it ends within its ${n}-byte header`);
    let header;
    try {
      header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
    } catch (err) {
      throw notSafetensors(`its header is not JSON (${err.message})`);
    }
    const entries = entriesOf(header);
    const dataBytes = total !== undefined ? total - 8 - n : Math.max(0, ...entries.map((e) => e.end));
    unwrap(loader.begin(entries, dataBytes, given));
    onProgress?.(state.loaded, total);
    for (let chunk = state.rest; ; chunk = null) {
      if (!chunk) {
        const { value, done } = await state.reader.read();
        if (done) break;
        chunk = value;
        state.loaded += value.length;
      }
      unwrap(loader.write(chunk));
      onProgress?.(state.loaded, total);
    }
    handle = new raw.ModuleHandle();
    unwrap(handle.adopt(loader));
    return wrap(handle);
  } catch (err) {
    handle?.delete();
    state.reader.cancel?.().catch(() => {});
    throw err;
  } finally {
    loader.delete();
  }
}
