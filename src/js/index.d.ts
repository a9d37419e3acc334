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

/** nn.Dropout has no intermediates: its trace is empty. */
export type DropoutTrace = Record<string, never>;

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
  /** Accepts the keys of stateDict() with Tensors or nested arrays; a `mask` buffer is checked and ignored. */
  loadStateDict(state: Record<string, TensorLike>): this;
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

export interface SimplifiedTrace {
  queries: Tensor;
  keys: Tensor;
  values: Tensor;
  scores: Tensor;
  weights: Tensor;
  context: Tensor;
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
  readonly Tensor: typeof Tensor;

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

  /** Bytes the wasm allocator holds, the heap's current size and the most it may grow to. */
  memory(): { inUse: number; heapSize: number; maxMemory: number };
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
