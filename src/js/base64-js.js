// An ES module with the API of base64-js (byteLength, toByteArray, fromByteArray), for browsers
// without a bundler. js-tiktoken, which the tokenizer loads, imports its one dependency
// `base64-js` by name, and base64-js is CommonJS, which a browser cannot import: a page's import
// map points "base64-js" here instead (README, "Tokenizer"). Node.js and bundlers use the real
// base64-js and never load this file. Like base64-js, it reads the URL-safe alphabet too and
// refuses a length that is not a multiple of 4.

function normalize(b64) {
  if (b64.length % 4 > 0) throw new Error('Invalid string. Length must be a multiple of 4');
  return b64.replace(/-/g, '+').replace(/_/g, '/');
}

export function toByteArray(b64) {
  const binary = atob(normalize(b64));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function byteLength(b64) {
  return atob(normalize(b64)).length;
}

export function fromByteArray(bytes) {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.slice(i, i + 0x8000));
  return btoa(binary);
}

export default { byteLength, toByteArray, fromByteArray };
