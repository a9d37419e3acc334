// Types of the attention-wasm API (shared/API.md). The names mirror the book's PyTorch code.

declare global {
  // Symbol.dispose, for projects whose TypeScript lib predates it (ES2022 and older); the same
  // declaration as lib.esnext.disposable's, so the two merge.
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

/** A nested array of numbers of any depth: number[], number[][], ... */
export type NestedArray = number | NestedArray[];
/** Anything a function or module accepts as a tensor. */
export type TensorLike = Tensor | NestedArray | Float32Array;
export type Shape = number[];

/** A float32, row-major, contiguous tensor whose data lives in JavaScript (the caller owns it). */
export declare class Tensor {
  constructor(data: Float32Array, shape: Shape);
  readonly shape: Shape;
  readonly data: Float32Array;
  /** The number of elements. */
  readonly size: number;
  /** Nested arrays (a plain number for a 0-d tensor). */
  toArray(): NestedArray;
  /** One element; negative indices count from the end. */
  at(...index: number[]): number;
  /** PyTorch's print with 4 decimals: `tensor([[0.2996, 0.8053], ...])`. */
  toString(): string;
  /**
   * What `JSON.stringify(t)` writes: the shape and the values as a flat, row-major `number[]`
   * (NaN and ±Infinity become `null`, as JSON has no such numbers). `attn.tensor(data, shape)`
   * reads it back.
   */
  toJSON(): { shape: Shape; data: number[] };
}

/**
 * What every error the API throws carries besides its message (a TypeError for wrong kinds, a
 * RangeError for wrong sizes or values): the class or function, and the argument, where there
 * is one, so a caller can point at the field without parsing the message.
 */
export interface AttentionErrorFields {
  /** The class or function: 'MultiHeadAttention', 'softmax', 'init', ... */
  module: string;
  /** The offending argument: 'dOut', 'x', 'dim', 'stateDict', 'options.threads', ... */
  argument?: string;
}

/** The intermediates of a forward pass (API.md "trace"): SelfAttentionV1 / SelfAttentionV2. */
export interface Trace {
  /** (T, dOut) · (B, T, dOut) for CausalAttention · (B, H, T, headDim) for the multi-head classes */
  queries: Tensor;
  keys: Tensor;
  values: Tensor;
  /** q·kᵀ before scaling: (T, T) · (B, T, T) · (B, H, T, T) */
  scores: Tensor;
  /** scores / sqrt(d_k), before the mask (an extra of this package) */
  scaled: Tensor;
  /** after softmax */
  weights: Tensor;
  /** weights·values, before any out_proj */
  context: Tensor;
}

/** CausalAttention and MultiHeadAttentionWrapper: the causal mask and dropout too. */
export interface CausalTrace extends Trace {
  /** after the causal mask, with -Infinity */
  masked: Tensor;
  /** after dropout */
  dropped: Tensor;
  /** 1 where dropout kept a weight, 0 where it zeroed it (all 1 in eval mode or with p = 0); the shape of `weights` */
  dropoutMask: Tensor;
}

/** MultiHeadAttention: also the heads merged back to (B, T, dOut), the input of out_proj. */
export interface MultiHeadTrace extends CausalTrace {
  concat: Tensor;
}

/** nn.Dropout's trace: the mask it drew. */
export interface DropoutTrace {
  /** x's shape: 1 where a value was kept, 0 where it was zeroed (all 1 in eval mode or with p = 0) */
  dropoutMask: Tensor;
}

export interface TracedResult<T extends object = Trace> {
  output: Tensor;
  trace: T;
}

export interface ForwardOptions {
  trace?: boolean;
}

export interface ProjectionOptions {
  /** Bias in the query, key and value projections (the book's `qkv_bias`). Default false. */
  qkvBias?: boolean;
}

/** PyTorch's state_dict(): { "W_query.weight": Tensor, ... } with PyTorch's keys and shapes. */
export type StateDict = Record<string, Tensor>;

export interface LoadOptions {
  /** Refuse unknown and missing keys (default true), as torch's load_state_dict(strict=True). */
  strict?: boolean;
}

/** What loadStateDict could not match (empty lists when strict). */
export interface LoadResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** One constructor argument of a class, as the core's class table describes it. */
export interface ClassArgument {
  /** The JS name: 'dIn'. */
  name: string;
  /** 'size': a positive integer; 'probability': a number in [0, 1]; 'flag': a boolean option. */
  kind: 'size' | 'probability' | 'flag';
  /** The book's PyTorch name: 'd_in'. */
  bookName: string;
}

/** A class of the package, as the core's class table describes it (attn.classes). */
export interface ClassInfo {
  /** The JS name: 'MultiHeadAttention'. */
  name: string;
  /** The book's class: 'SelfAttention_v1', 'nn.Dropout', ... */
  bookName: string;
  /** The book's section that introduces it: '3.6.2'. */
  section: string;
  /** The positional constructor arguments, in order. */
  args: readonly ClassArgument[];
  /** The flags of the trailing options object. */
  options: readonly ClassArgument[];
  /** What forward takes: a float tensor, or token ids. */
  input: 'floats' | 'tokenIds';
}

/**
 * What every module shares: forward, train/eval, state dicts, free(). The modules are made from
 * the instance `init()` resolves to (`new attn.MultiHeadAttention(...)`); these are their types.
 */
export interface Module<T extends object = Trace> {
  forward(x: TensorLike, options?: ForwardOptions & { trace?: false }): Tensor;
  forward(x: TensorLike, options: ForwardOptions & { trace: true }): TracedResult<T>;
  forward(x: TensorLike, options?: ForwardOptions): Tensor | TracedResult<T>;
  /** Training mode (dropout active); modules start in training mode, as in PyTorch. */
  train(mode?: boolean): this;
  eval(): this;
  readonly training: boolean;
  /** A copy of the parameters with PyTorch's keys (the `mask` buffers are left out). */
  stateDict(): StateDict;
  /**
   * Accepts the keys of stateDict() with Tensors or nested arrays; a `mask` buffer is checked and
   * ignored. Everything is checked before anything is written. With `strict` (the default) an
   * unknown or missing key is a RangeError; with `strict: false` they are reported instead. A
   * key with the wrong shape is a RangeError either way, as in PyTorch.
   */
  loadStateDict(stateDict: Record<string, TensorLike>, options?: LoadOptions): LoadResult;
  /** Releases the wasm memory now (otherwise when the object is garbage-collected). */
  free(): void;
  /** `free()`, for `using m = new attn.MultiHeadAttention(...)`. */
  [Symbol.dispose](): void;
}

export interface Dropout extends Module<DropoutTrace> {}
export interface SelfAttentionV1 extends Module<Trace> {}
export interface SelfAttentionV2 extends Module<Trace> {}
export interface CausalAttention extends Module<CausalTrace> {}
export interface MultiHeadAttentionWrapper extends Module<CausalTrace> {}
export interface MultiHeadAttention extends Module<MultiHeadTrace> {}

export interface DropoutConstructor {
  new (p: number): Dropout;
  readonly prototype: Dropout;
}
export interface SelfAttentionV1Constructor {
  new (dIn: number, dOut: number): SelfAttentionV1;
  readonly prototype: SelfAttentionV1;
}
export interface SelfAttentionV2Constructor {
  new (dIn: number, dOut: number, options?: ProjectionOptions): SelfAttentionV2;
  readonly prototype: SelfAttentionV2;
}
export interface CausalAttentionConstructor {
  new (dIn: number, dOut: number, contextLength: number, dropout: number, options?: ProjectionOptions): CausalAttention;
  readonly prototype: CausalAttention;
}
export interface MultiHeadAttentionWrapperConstructor {
  new (dIn: number, dOut: number, contextLength: number, dropout: number, numHeads: number,
       options?: ProjectionOptions): MultiHeadAttentionWrapper;
  readonly prototype: MultiHeadAttentionWrapper;
}
export interface MultiHeadAttentionConstructor {
  new (dIn: number, dOut: number, contextLength: number, dropout: number, numHeads: number,
       options?: ProjectionOptions): MultiHeadAttention;
  readonly prototype: MultiHeadAttention;
}

/** Token ids: nested arrays of integers of any rank, or an Int32Array / Uint32Array of ids. */
export type TokenIds = number | TokenIdArray | Int32Array | Uint32Array;
export interface TokenIdArray extends Array<number | TokenIdArray> {}

/** The book's config dict (chapter 4), with the book's keys. */
export interface GPTConfig {
  vocab_size: number;
  context_length: number;
  emb_dim: number;
  n_heads: number;
  n_layers: number;
  drop_rate: number;
  qkv_bias: boolean;
}

/** nn.Embedding(numEmbeddings, embeddingDim): forward(ids) -> ids.shape + [embeddingDim]. */
export interface Embedding extends Omit<Module<Record<string, never>>, 'forward'> {
  /** `shape`: the shape of ids given flat (an Int32Array, Uint32Array or number[]). */
  forward(ids: TokenIds, options?: { shape?: Shape }): Tensor;
}
export interface LayerNorm extends Module<Record<string, never>> {}
export interface GELU extends Module<Record<string, never>> {}
export interface FeedForward extends Module<Record<string, never>> {}
/** A TransformerBlock's trace is its attention's (MultiHeadAttention's keys and shapes). */
export interface TransformerBlock extends Module<MultiHeadTrace> {}

export interface GPTForwardOptions {
  /** Every block's attention trace (true), or only some blocks' ({ layers: [0, 11] }). */
  trace?: boolean | { layers: number[] };
  /** The book's KV cache (ch04/03_kv-cache): append these tokens, return their logits only. */
  useCache?: boolean;
  /** Only the last position's logits: (B, 1, vocab_size) (what generation reads). */
  lastOnly?: boolean;
  /** The shape of idx given flat (an Int32Array, Uint32Array or number[]): [B, T] or [T]. */
  shape?: Shape;
}
/** trace.layers[i]: block i's attention trace, or null for a block that was not traced. */
export interface GPTTrace {
  layers: (MultiHeadTrace | null)[];
}
/** The book's GPTModel(cfg): forward(idx) -> logits (B, T, vocab_size), or (T, vocab_size) for (T) ids. */
export interface GPTModel extends Omit<Module<GPTTrace>, 'forward'> {
  forward(idx: TokenIds, options?: GPTForwardOptions & { trace?: false | undefined }): Tensor;
  forward(idx: TokenIds, options: GPTForwardOptions & { trace: true | { layers: number[] } }): TracedResult<GPTTrace>;
  forward(idx: TokenIds, options?: GPTForwardOptions): Tensor | TracedResult<GPTTrace>;
  /** Empties every block's KV cache (the book's reset_kv_cache). */
  resetKVCache(): void;
}

export interface EmbeddingConstructor {
  new (numEmbeddings: number, embeddingDim: number): Embedding;
  readonly prototype: Embedding;
}
export interface LayerNormConstructor {
  new (embDim: number): LayerNorm;
  readonly prototype: LayerNorm;
}
export interface GELUConstructor {
  new (): GELU;
  readonly prototype: GELU;
}
export interface FeedForwardConstructor {
  /** Reads cfg.emb_dim only, as the book's. */
  new (cfg: Pick<GPTConfig, 'emb_dim'> & Partial<GPTConfig>): FeedForward;
  readonly prototype: FeedForward;
}
export interface TransformerBlockConstructor {
  new (cfg: Pick<GPTConfig, 'emb_dim' | 'context_length' | 'n_heads' | 'drop_rate' | 'qkv_bias'> & Partial<GPTConfig>): TransformerBlock;
  readonly prototype: TransformerBlock;
}
/**
 * Where fromSafetensors reads: bytes, a Blob or File, a fetch Response, or a URL (a string or a
 * URL object). Typed structurally, so these types need neither the DOM's nor Node's.
 */
export type SafetensorsSource = ArrayBuffer | ArrayBufferView | string | { readonly href: string }
  | { readonly size: number; stream(): unknown }
  | { readonly body: unknown; readonly headers: { get(name: string): string | null } };

export interface GPTModelConstructor {
  new (cfg: GPTConfig): GPTModel;
  readonly prototype: GPTModel;
  /**
   * Chapter 5's pretrained weights: a GPT model (in eval mode) from a .safetensors file in Hugging
   * Face's openai-community/gpt2* layout or the book's own, F32, F16 or BF16, streamed (the
   * model's memory and one chunk). The config comes from the tensors' shapes (n_heads = emb_dim /
   * 64, qkv_bias from the biases, drop_rate 0); `cfg` overrides any key. In Node, pass the bytes or
   * `await fs.openAsBlob(path)`. A file that is not safetensors, is truncated, lacks a tensor or has
   * one of the wrong shape rejects naming the tensor and both shapes; nothing is kept.
   */
  fromSafetensors(source: SafetensorsSource, cfg?: Partial<GPTConfig> | null,
                  options?: { onProgress?: (loadedBytes: number, totalBytes: number | undefined) => void }): Promise<GPTModel>;
}

export interface GenerateOptions {
  /** 0 (the default): greedy; > 0: softmax(logits / temperature) and torch.multinomial's draws. */
  temperature?: number;
  /** Keep each row's topK largest logits. */
  topK?: number | null;
  /** Stop before appending it (a batch: once every row gives it). */
  eosId?: number | null;
}

/** Ids as nested arrays with the rank of idx: number[] for (T) ids, number[][] for (B, T). */
export type GeneratedIds<I> = I extends number[] ? number[] : I extends Int32Array | Uint32Array ? number[] : number[][];

export interface SimplifiedTrace {
  queries: Tensor;
  keys: Tensor;
  values: Tensor;
  scores: Tensor;
  weights: Tensor;
  context: Tensor;
}

/** The encodings `getEncoding` offers: tiktoken's GPT-2 encoding, the book's tokenizer. */
export type EncodingName = 'gpt2';

/** Special tokens for `encode`'s options: `'all'`, or a list (or Set) such as `['<|endoftext|>']`. */
export type SpecialTokens = 'all' | readonly string[] | ReadonlySet<string>;

export interface EncodeOptions {
  /**
   * The special tokens to encode as such (tiktoken's `allowed_special`); default none, so
   * `'<|endoftext|>'` in the text throws unless it is allowed here.
   */
  allowedSpecial?: SpecialTokens;
  /**
   * The special tokens whose presence in the text is an error (tiktoken's `disallowed_special`);
   * default `'all'`, every special token not allowed. `[]` encodes them as ordinary text.
   */
  disallowedSpecial?: SpecialTokens;
}

/** Token ids for `decode`: numbers, each an integer in [0, nVocab). */
export type IdSequence = readonly number[] | Int32Array | Uint32Array | Uint16Array | Int16Array | Uint8Array | Int8Array
  | Float64Array | Float32Array;

/**
 * tiktoken's Encoding (`tiktoken.get_encoding("gpt2")`), from `await attn.getEncoding('gpt2')`.
 * Errors carry `module: 'Encoding'` and the argument (`'text'`, `'ids'`, `'id'`,
 * `'options.allowedSpecial'`, ...): a TypeError for a wrong kind, a RangeError for an id outside
 * [0, nVocab) (naming its position), an unknown special token, or a special token in the text
 * that is not allowed.
 */
export interface Encoding {
  /** 'gpt2' */
  readonly name: EncodingName;
  /** The number of token ids, tiktoken's `n_vocab`: 50257 for gpt2. */
  readonly nVocab: number;
  /** The id of '<|endoftext|>', tiktoken's `eot_token`: 50256 for gpt2. */
  readonly eotToken: number;
  /** The special tokens, tiktoken's `special_tokens_set`: ['<|endoftext|>']. */
  readonly specialTokens: readonly string[];
  /** The token ids tiktoken's `encode(text, allowed_special=..., disallowed_special=...)` returns. */
  encode(text: string, options?: EncodeOptions): number[];
  /** The text of the ids; bytes that are not valid UTF-8 (a partial character) become U+FFFD, as in tiktoken. */
  decode(ids: IdSequence): string;
  /** Each id decoded alone: the book's `[tokenizer.decode([i]) for i in ids]`. */
  decodeTokens(ids: IdSequence): string[];
  /** A token's bytes (tiktoken's `decode_single_token_bytes`), which may be part of a UTF-8 character. */
  tokenBytes(id: number): Uint8Array;
  /**
   * The token as GPT-2's vocabulary file (encoder.json) spells it: one printable character per
   * byte ('Ġ' for a space, 'Ċ' for a newline), so partial characters stay legible.
   */
  tokenSymbol(id: number): string;
}

export interface Attention {
  /** The package version. */
  readonly version: string;
  /** true when the WebAssembly SIMD build is running. */
  readonly simd: boolean;
  /**
   * Threads the fast path runs on, counting the calling one: 1 for the single-thread build, n > 1
   * when `init({ threads })` loaded the threaded build. Results are bitwise the same either way.
   */
  readonly threads: number;
  /** What init() spent warming the kernels up ({ rounds: 0, ms: 0 } with `warmUp: false`). */
  readonly warmedUp: { readonly rounds: number; readonly ms: number };
  readonly Tensor: typeof Tensor;
  /** Every class below, from the core's class table, in the book's order. */
  readonly classes: readonly ClassInfo[];

  tensor(data: TensorLike | number[], shape?: Shape): Tensor;
  zeros(shape: Shape): Tensor;
  ones(shape: Shape): Tensor;

  /** torch.manual_seed: a safe integer or a BigInt in [-2^63, 2^64). */
  manualSeed(seed: number | bigint): void;
  /** torch.rand(*shape) from the global generator. */
  rand(shape: Shape): Tensor;
  /** torch.randn(*shape) from the global generator. */
  randn(shape: Shape): Tensor;

  /** torch.softmax(x, dim). */
  softmax(x: TensorLike, dim?: number): Tensor;
  /** Section 3.3: context = softmax(x·xᵀ)·x, no trainable weights. */
  simplifiedSelfAttention(x: TensorLike, options?: { trace?: false }): Tensor;
  simplifiedSelfAttention(x: TensorLike, options: { trace: true }): TracedResult<SimplifiedTrace>;
  simplifiedSelfAttention(x: TensorLike, options?: { trace?: boolean }): Tensor | TracedResult<SimplifiedTrace>;

  /** The chapter's stepping stones (sections 3.3.1 and 3.5.1). */
  readonly chapter: {
    /** x / x.sum(-1) */
    sumNormalize(x: TensorLike): Tensor;
    /** exp(x) / exp(x).sum(-1) */
    softmaxNaive(x: TensorLike): Tensor;
    /** (weights * tril(ones)) / row sums */
    maskAndRenormalize(weights: TensorLike): Tensor;
    /** torch.tril(torch.ones(t, t)) */
    trilOnes(t: number): Tensor;
  };

  readonly Dropout: DropoutConstructor;
  readonly SelfAttentionV1: SelfAttentionV1Constructor;
  readonly SelfAttentionV2: SelfAttentionV2Constructor;
  readonly CausalAttention: CausalAttentionConstructor;
  readonly MultiHeadAttentionWrapper: MultiHeadAttentionWrapperConstructor;
  readonly MultiHeadAttention: MultiHeadAttentionConstructor;
  readonly Embedding: EmbeddingConstructor;
  readonly LayerNorm: LayerNormConstructor;
  readonly GELU: GELUConstructor;
  readonly FeedForward: FeedForwardConstructor;
  readonly TransformerBlock: TransformerBlockConstructor;
  readonly GPTModel: GPTModelConstructor;

  /** The book's GPT_CONFIG_124M: { vocab_size: 50257, context_length: 1024, emb_dim: 768, ... }. */
  readonly GPT_CONFIG_124M: Readonly<GPTConfig>;
  /** Chapter 4: greedy generation, cropping the context to its last contextSize ids. */
  generateTextSimple<I extends TokenIds>(model: GPTModel, idx: I, maxNewTokens: number, contextSize: number): GeneratedIds<I>;
  /** ch04/03_kv-cache: the same tokens with the KV cache (puts the model in eval mode, resets its cache). */
  generateTextSimpleCached<I extends TokenIds>(model: GPTModel, idx: I, maxNewTokens: number, contextSize?: number | null): GeneratedIds<I>;
  /**
   * One step of the book's generate on logits (B, vocab_size), or (B, T, vocab_size) read at the
   * last position (the book's logits[:, -1, :]; a lastOnly forward's output as it comes): each row's next id (top-k, then
   * argmax, or softmax(logits / temperature) and torch.multinomial's draws). For a loop of your own,
   * e.g. streaming tokens with `model.forward(ids, { useCache: true, lastOnly: true })`.
   */
  sampleNext(logits: TensorLike, options?: Omit<GenerateOptions, 'eosId'>): number[];
  /** Chapter 5: temperature, top-k and torch.multinomial's draws from the global generator. */
  generate<I extends TokenIds>(model: GPTModel, idx: I, maxNewTokens: number, contextSize: number, options?: GenerateOptions): GeneratedIds<I>;

  /**
   * Chapter 2's tokenizer, `tiktoken.get_encoding(name)` through js-tiktoken, which loads on the
   * first call (never by `import` or `init()`); later calls resolve to the same Encoding. Rejects
   * with a RangeError for a name other than 'gpt2', and with an Error when js-tiktoken cannot be
   * loaded (in a browser without a bundler: see the README's import map).
   */
  getEncoding(name: EncodingName): Promise<Encoding>;

  /** Bytes the wasm allocator holds, the heap's current size and the most it may grow to. */
  memory(): { inUse: number; heapSize: number; maxMemory: number };
  /**
   * Reads every parameter byte of `module` once with SIMD loads and returns the bytes read: time it
   * for the memory floor of decoding one token.
   */
  benchParameterRead(module: Module<object> | GPTModel | Embedding): number;
  /** Runs the SIMD multiply-add peak loop and returns the FLOPs it performed (time it). */
  benchPeak(iterations: number): number;
  /**
   * Runs the fast path's packed SGEMM, Y(m, n) = X(m, k)·Wᵀ + bias, `repeats` times on fixed
   * operands (allocated and W packed once per call, not counted) and returns the FLOPs of the
   * GEMMs, 2·m·n·k each. Time two calls with different `repeats` to leave the setup out.
   * Sizes are integers in [1, 4096], `repeats` in [1, 1000].
   */
  benchGemm(m: number, k: number, n: number, repeats: number): number;
}

export interface InitOptions {
  /** The bytes of `attention_wasm.wasm`, when the caller has them (otherwise it is fetched or read). */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /**
   * Where the package's files are, by name: `attention_wasm.wasm`, and with threads
   * `attention_wasm_mt.wasm` and `attention_wasm_mt.worker.js`. Without it, browsers and bundlers
   * use the URLs the Emscripten glue computes next to itself (which Vite and webpack 5 rewrite),
   * and Node.js reads the package's own copies. In Node.js it may return a path or a `file:` URL.
   */
  locateFile?: (name: string, scriptDirectory?: string) => string;
  /**
   * The threaded build (Emscripten pthreads over SharedArrayBuffer): in browsers on a cross-origin
   * isolated page (COOP `same-origin` + COEP `require-corp`), and in Node.js on worker_threads.
   * - `undefined`, `false`, `1`: one thread (the default);
   * - `true`: as many threads as cores (`navigator.hardwareConcurrency`, or Node's
   *   `os.availableParallelism()`), at most 8; rejects with an Error saying why where threads
   *   cannot run (a page that is not cross-origin isolated, or with `wasmBinary`);
   * - an integer in [2, 16]: that many threads, rejecting likewise;
   * - `'auto'`: as `true` where threads can run, one thread elsewhere.
   * `attn.threads` tells what was loaded. The module loads once: a later `init` asking for a
   * different thread count rejects. A pthread worker that cannot start rejects `init` within 10 s,
   * naming the worker's URL.
   */
  threads?: boolean | number | 'auto';
  /**
   * Run the fast-path kernels on small inputs before resolving (default `true`), so the
   * engine's optimising tier has compiled them before the first real call: in V8 a first
   * GPT-2-small forward (T = 1024) otherwise runs its baseline code, ~3× slower. Costs
   * about 50-100 ms of `init`, at most 600 ms.
   */
  warmUp?: boolean;
}

/** Loads the wasm module once; later calls resolve to the same instance. */
export declare function init(options?: InitOptions): Promise<Attention>;

export declare const version: string;
