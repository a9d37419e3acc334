// The book's tokenizer (chapter 2): `attn.getEncoding('gpt2')` is `tiktoken.get_encoding("gpt2")`,
// through js-tiktoken (the byte-pair encoding is theirs; this file checks arguments, says what went
// wrong, and gives each token's bytes).
//
// Loaded on first use: nothing here imports js-tiktoken statically, so importing the package or
// calling init() never loads it. getEncoding() imports js-tiktoken/lite (the encoder, without any
// ranks) and js-tiktoken/ranks/gpt2 (545 kB of JavaScript) the first time it is called; both
// specifiers are literals, so a bundler splits them into chunks of their own. A browser without a
// bundler resolves them through an import map (README, "Tokenizer"; dist/base64-js.js stands in
// for js-tiktoken's one dependency, base64-js, which is CommonJS).
import { apiError, describe, requireOptions } from './errors.js';

// The encodings this package offers: name -> the import of its ranks.
const RANKS = {
  gpt2: () => import('js-tiktoken/ranks/gpt2'),
};
const SUPPORTED = Object.keys(RANKS).map((n) => `'${n}'`).join(', ');

const loading = new Map(); // name -> Promise<Encoding>; one Encoding per name and copy of the package

/**
 * `tiktoken.get_encoding(name)`: resolves to the Encoding (the same object on every call).
 * Rejects with a TypeError for a name that is not a string, a RangeError for an encoding this
 * package does not have, and an Error when js-tiktoken cannot be loaded (then a later call tries again).
 */
export function getEncoding(name) {
  if (typeof name !== 'string')
    return Promise.reject(apiError(TypeError, 'getEncoding', 'name', `getEncoding: name must be a string such as 'gpt2', got ${describe(name)}`));
  if (!Object.hasOwn(RANKS, name))
    return Promise.reject(apiError(RangeError, 'getEncoding', 'name',
      `getEncoding: unknown encoding ${JSON.stringify(name)}; this package has ${SUPPORTED} (tiktoken's GPT-2 encoding, the book's tokenizer)`));
  let p = loading.get(name);
  if (!p) {
    p = load(name).catch((err) => {
      loading.delete(name); // a failed load may be retried
      throw err;
    });
    loading.set(name, p);
  }
  return p;
}

async function load(name) {
  let Tiktoken, ranks;
  try {
    [{ Tiktoken }, { default: ranks }] = await Promise.all([import('js-tiktoken/lite'), RANKS[name]()]);
  } catch (cause) {
    const err = apiError(Error, 'getEncoding', undefined,
      `getEncoding: could not load js-tiktoken for '${name}' (${cause?.message ?? cause}). It is a dependency of attention-wasm: ` +
      'in Node.js, install the package with its dependencies; in a browser without a bundler, map js-tiktoken/lite, ' +
      `js-tiktoken/ranks/${name} and base64-js in the page's import map (README, "Tokenizer")`);
    err.cause = cause;
    throw err;
  }
  return new Encoding(name, ranks, new Tiktoken(ranks));
}

// GPT-2's printable spelling of bytes (bytes_to_unicode in OpenAI's encoder.py, the keys of its
// encoder.json): the 188 printable Latin-1 bytes stand for themselves, the others (controls,
// space, 0x7f-0xa0, soft hyphen) map in order to U+0100 onwards, so a space is 'Ġ' and '\n' 'Ċ'.
let byteSymbols = null;
function symbolOfByte(b) {
  if (!byteSymbols) {
    byteSymbols = new Array(256);
    let next = 256;
    for (let c = 0; c < 256; c++) {
      const printable = (c >= 0x21 && c <= 0x7e) || (c >= 0xa1 && c <= 0xac) || (c >= 0xae && c <= 0xff);
      byteSymbols[c] = String.fromCharCode(printable ? c : next++);
    }
  }
  return byteSymbols[b];
}

const utf8 = new TextEncoder();

/**
 * tiktoken's Encoding: encode/decode between text and token ids, plus each token's bytes.
 * Made by getEncoding(); frozen.
 */
class Encoding {
  #tiktoken;
  #ranks;
  #specials; // Map: '<|endoftext|>' -> 50256
  #base64 = null; // id -> the base64 of its bytes, read from the ranks on the first tokenBytes()

  constructor(name, ranks, tiktoken) {
    this.#tiktoken = tiktoken;
    this.#ranks = ranks;
    this.#specials = new Map(Object.entries(ranks.special_tokens));
    /** 'gpt2' */
    this.name = name;
    /** tiktoken's n_vocab: the largest token id + 1 (50257 for gpt2). */
    this.nVocab = ranks.explicit_n_vocab;
    /** tiktoken's eot_token: the id of '<|endoftext|>' (50256 for gpt2). */
    this.eotToken = this.#specials.get('<|endoftext|>');
    /** tiktoken's special_tokens_set, as a list. */
    this.specialTokens = Object.freeze([...this.#specials.keys()]);
    Object.freeze(this);
  }

  /**
   * `encode(text, allowed_special=..., disallowed_special=...)`. allowedSpecial: the special tokens
   * to encode as such ('all', or a list or Set; default none). disallowedSpecial: those whose
   * presence in the text is an error (default 'all': every special token not allowed); a special
   * token that is neither is encoded as ordinary text.
   */
  encode(text, options) {
    if (typeof text !== 'string') throw apiError(TypeError, 'Encoding', 'text', `Encoding: encode(text) takes a string, got ${describe(text)}`);
    const opts = requireOptions('Encoding', options, "{ allowedSpecial: ['<|endoftext|>'] }");
    const allowed = opts.allowedSpecial === undefined ? new Set() : this.#specialSet('allowedSpecial', opts.allowedSpecial);
    const disallowed = opts.disallowedSpecial === undefined || opts.disallowedSpecial === 'all'
      ? new Set(this.specialTokens.filter((t) => !allowed.has(t)))
      : this.#specialSet('disallowedSpecial', opts.disallowedSpecial);
    if (disallowed.size > 0) {
      const found = text.match(new RegExp([...disallowed].map(escapeRegExp).join('|')));
      if (found) {
        const token = found[0];
        throw apiError(RangeError, 'Encoding', 'text',
          `Encoding: text contains the special token '${token}' (at index ${found.index}), which encode() refuses unless told: ` +
          `pass { allowedSpecial: ['${token}'] } (or 'all') to encode it as the special token ${this.#specials.get(token)}, ` +
          `or { disallowedSpecial: [] } to encode it as ordinary text (tiktoken's allowed_special and disallowed_special)`);
      }
    }
    return this.#tiktoken.encode(text, [...allowed], []); // disallowed tokens were checked above
  }

  /** The text of the ids (invalid UTF-8, as from a partial sequence, becomes U+FFFD, as in tiktoken). */
  decode(ids) {
    return this.#tiktoken.decode(this.#ids(ids));
  }

  /** Each id decoded alone, as the book's `[tokenizer.decode([i]) for i in ids]`. */
  decodeTokens(ids) {
    return this.#ids(ids).map((id) => this.#tiktoken.decode([id]));
  }

  /** A token's bytes (tiktoken's decode_single_token_bytes): a fresh Uint8Array. */
  tokenBytes(id) {
    this.#checkId('id', id);
    const special = this.#specialText(id);
    if (special !== undefined) return utf8.encode(special);
    if (!this.#base64) {
      // js-tiktoken's ranks: lines of "<a token> <offset> <base64 of token offset> <base64 of token offset+1> ..."
      const table = new Array(this.nVocab);
      for (const line of this.#ranks.bpe_ranks.split('\n')) {
        if (!line) continue;
        const [, offset, ...tokens] = line.split(' ');
        const start = Number(offset);
        tokens.forEach((b64, i) => { table[start + i] = b64; });
      }
      this.#base64 = table;
    }
    return Uint8Array.from(atob(this.#base64[id]), (c) => c.charCodeAt(0));
  }

  /**
   * A token as GPT-2's vocabulary file (encoder.json) spells it: each byte one printable
   * character ('Ġ' a space, 'Ċ' a newline), so partial UTF-8 sequences stay legible; a special
   * token is its own text ('<|endoftext|>').
   */
  tokenSymbol(id) {
    const bytes = this.tokenBytes(id);
    const special = this.#specialText(id);
    if (special !== undefined) return special;
    let s = '';
    for (const b of bytes) s += symbolOfByte(b);
    return s;
  }

  #specialText(id) {
    for (const [text, special] of this.#specials) if (special === id) return text;
    return undefined;
  }

  // ids: an array of numbers or a typed array of integers, each a token id. Returns a plain array.
  #ids(ids) {
    const typed = ArrayBuffer.isView(ids) && !(ids instanceof DataView);
    if (!Array.isArray(ids) && !typed)
      throw apiError(TypeError, 'Encoding', 'ids', `Encoding: ids must be an array of token ids or a typed array, got ${describe(ids)}`);
    if (ids instanceof BigInt64Array || ids instanceof BigUint64Array)
      throw apiError(TypeError, 'Encoding', 'ids', `Encoding: ids must hold numbers, got a ${ids.constructor.name}`);
    const out = Array.from(ids);
    out.forEach((id, i) => this.#checkId(`ids[${i}]`, id, 'ids'));
    return out;
  }

  // A token id: a number (else TypeError) that is an integer in [0, nVocab) (else RangeError).
  #checkId(what, id, argument = what) {
    if (typeof id !== 'number')
      throw apiError(TypeError, 'Encoding', argument, `Encoding: ${what} must be a token id (a number), got ${describe(id)}`);
    if (!Number.isInteger(id) || id < 0 || id >= this.nVocab)
      throw apiError(RangeError, 'Encoding', argument, `Encoding: ${what} (${id}) is not a token id of ${this.name}: ids are integers in [0, ${this.nVocab})`);
  }

  // allowedSpecial / disallowedSpecial: 'all', or a list or Set of special tokens -> a Set.
  #specialSet(name, value) {
    const arg = `options.${name}`;
    if (value === 'all') return new Set(this.specialTokens);
    if (!Array.isArray(value) && !(value instanceof Set))
      throw apiError(TypeError, 'Encoding', arg, `Encoding: ${arg} must be 'all' or a list of special tokens such as ['<|endoftext|>'], got ${describe(value)}`);
    const set = new Set();
    for (const token of value) {
      if (typeof token !== 'string')
        throw apiError(TypeError, 'Encoding', arg, `Encoding: ${arg} must hold strings (special tokens), got ${describe(token)}`);
      if (!this.#specials.has(token))
        throw apiError(RangeError, 'Encoding', arg,
          `Encoding: ${arg}: ${JSON.stringify(token)} is not a special token of ${this.name}; its special tokens are ${this.specialTokens.map((t) => `'${t}'`).join(', ')}`);
      set.add(token);
    }
    return set;
  }
}

function escapeRegExp(s) {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}
