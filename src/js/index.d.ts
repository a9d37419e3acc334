// Types of the attention-wasm API (shared/API.md). The names mirror the book's PyTorch code.

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
}

/** The intermediates of a forward pass, each where the variant has that step (API.md "trace"). */
export interface Trace {
  /** (T, dOut) · (B, T, dOut) for CausalAttention · (B, H, T, headDim) for the multi-head classes */
  queries: Tensor;
  keys: Tensor;
  values: Tensor;
  /** q·kᵀ before scaling: (T, T) · (B, T, T) · (B, H, T, T) */
  scores: Tensor;
  /** scores / sqrt(d_k), before the mask (an extra of this package) */
  scaled: Tensor;
  /** after the causal mask, with -Infinity (causal classes only) */
  masked?: Tensor;
  /** after softmax */
  weights: Tensor;
  /** after dropout (causal classes only) */
  dropped?: Tensor;
  /** weights·values, before any out_proj */
  context: Tensor;
  /** MultiHeadAttention: the heads merged back to (B, T, dOut), the input of out_proj */
  concat?: Tensor;
}

export interface TracedResult {
  output: Tensor;
  trace: Trace;
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

/** What every module shares: forward, train/eval, state dicts, free(). */
export declare abstract class Module {
  forward(x: TensorLike, options?: ForwardOptions & { trace?: false }): Tensor;
  forward(x: TensorLike, options: ForwardOptions & { trace: true }): TracedResult;
  forward(x: TensorLike, options?: ForwardOptions): Tensor | TracedResult;
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
}

export declare class Dropout extends Module {
  constructor(p: number);
}
export declare class SelfAttentionV1 extends Module {
  constructor(dIn: number, dOut: number);
}
export declare class SelfAttentionV2 extends Module {
  constructor(dIn: number, dOut: number, options?: ProjectionOptions);
}
export declare class CausalAttention extends Module {
  constructor(dIn: number, dOut: number, contextLength: number, dropout: number, options?: ProjectionOptions);
}
export declare class MultiHeadAttentionWrapper extends Module {
  constructor(dIn: number, dOut: number, contextLength: number, dropout: number, numHeads: number,
              options?: ProjectionOptions);
}
export declare class MultiHeadAttention extends Module {
  constructor(dIn: number, dOut: number, contextLength: number, dropout: number, numHeads: number,
              options?: ProjectionOptions);
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
  simplifiedSelfAttention(x: TensorLike, options: { trace: true }): { output: Tensor; trace: SimplifiedTrace };

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

  readonly Dropout: typeof Dropout;
  readonly SelfAttentionV1: typeof SelfAttentionV1;
  readonly SelfAttentionV2: typeof SelfAttentionV2;
  readonly CausalAttention: typeof CausalAttention;
  readonly MultiHeadAttentionWrapper: typeof MultiHeadAttentionWrapper;
  readonly MultiHeadAttention: typeof MultiHeadAttention;

  /** Bytes the wasm allocator holds, the heap's current size and the most it may grow to. */
  memory(): { inUse: number; heapSize: number; maxMemory: number };
  /** Runs the SIMD multiply-add peak loop and returns the FLOPs it performed (time it). */
  benchPeak(iterations: number): number;
}

export interface InitOptions {
  /** The .wasm bytes, when the caller has them (otherwise read next to index.js). */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** Where to fetch `attention_wasm.wasm` from, in browsers. */
  locateFile?: (name: string) => string;
}

/** Loads the wasm module once; later calls resolve to the same instance. */
export declare function init(options?: InitOptions): Promise<Attention>;

export declare const version: string;
