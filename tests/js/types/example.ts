// The whole API of attention-wasm as a TypeScript user writes it: must type-check with no error
// against the packed index.d.ts (tests/js/types.test.mjs). Written like the book's code.
import {
  init,
  version,
  Tensor,
  type Attention,
  type CausalTrace,
  type Encoding,
  type GPTConfig,
  type GPTModel,
  type GPTTrace,
  type LoadResult,
  type MultiHeadAttention,
  type MultiHeadTrace,
  type SimplifiedTrace,
  type StateDict,
  type Trace,
  type TracedResult,
} from 'attention-wasm';

// Compile-time equality of two types.
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function expectType<T extends true>(_: T): void {}

const attn: Attention = await init();
const again: Attention = await init({ locateFile: (name: string) => `/assets/${name}` });
const withBinary = init({ wasmBinary: new Uint8Array(8) });
void withBinary;
const v: string = attn.version + version + again.version;
const simd: boolean = attn.simd;

// Tensors
const inputs = attn.tensor([
  [0.43, 0.15, 0.89], // Your     (x^1)
  [0.55, 0.87, 0.66], // journey  (x^2)
  [0.57, 0.85, 0.64], // starts   (x^3)
  [0.22, 0.58, 0.33], // with     (x^4)
  [0.77, 0.25, 0.10], // one      (x^5)
  [0.05, 0.80, 0.55], // step     (x^6)
]);
const flat: Tensor = attn.tensor(new Float32Array(6), [2, 3]);
const scalar: Tensor = attn.tensor(3.5);
const batch: Tensor = attn.tensor([inputs.toArray() as number[][], inputs.toArray() as number[][]]);
const shape: number[] = batch.shape;
const data: Float32Array = batch.data;
const size: number = batch.size;
const one: number = inputs.at(1, 2);
const printed: string = inputs.toString();
const zeros: Tensor = attn.zeros([2, 3]);
const ones: Tensor = attn.ones([6, 6]);
const own = new Tensor(new Float32Array([1, 2]), [2]);
const isTensor: boolean = own instanceof attn.Tensor;
const json: { shape: number[]; data: number[] } = inputs.toJSON();
const back: Tensor = attn.tensor(json.data, json.shape);

// The generator
attn.manualSeed(123);
attn.manualSeed(18446744073709551615n);
attn.manualSeed(-9223372036854775808n);
const r: Tensor = attn.rand([3, 2]);
const rn: Tensor = attn.randn([16]);

// Functions
const w: Tensor = attn.softmax(inputs);
const w0: Tensor = attn.softmax([1, 2, 3], 0);
const ctx: Tensor = attn.simplifiedSelfAttention(inputs);
const simple = attn.simplifiedSelfAttention(inputs, { trace: true });
expectType<Equal<typeof simple, TracedResult<SimplifiedTrace>>>(true);
const scores: Tensor = simple.trace.scores;

// The chapter's stepping stones
const tmp: Tensor = attn.chapter.sumNormalize(scores);
const naive: Tensor = attn.chapter.softmaxNaive([0.9544, 1.495, 1.4754]);
const renorm: Tensor = attn.chapter.maskAndRenormalize(w);
const tril: Tensor = attn.chapter.trilOnes(6);

// Modules
const dropout = new attn.Dropout(0.5);
const dropped: Tensor = dropout.forward(ones);
const v1 = new attn.SelfAttentionV1(3, 2);
const v2 = new attn.SelfAttentionV2(3, 2, { qkvBias: false });
const ca = new attn.CausalAttention(3, 2, 6, 0.0);
const caBias = new attn.CausalAttention(3, 2, 6, 0.1, { qkvBias: true });
const wrapper = new attn.MultiHeadAttentionWrapper(3, 2, 6, 0.0, 2);
const mha: MultiHeadAttention = new attn.MultiHeadAttention(3, 2, 6, 0.0, 2, { qkvBias: true });

// forward: a Tensor without a trace, { output, trace } with one
const out = mha.forward(batch);
expectType<Equal<typeof out, Tensor>>(true);
const out2 = mha.forward(batch, { trace: false });
expectType<Equal<typeof out2, Tensor>>(true);
const traced = mha.forward(batch, { trace: true });
expectType<Equal<typeof traced, TracedResult<MultiHeadTrace>>>(true);
const concat: Tensor = traced.trace.concat;
const masked: Tensor = traced.trace.masked;
const caTraced = ca.forward(batch, { trace: true });
expectType<Equal<typeof caTraced.trace, CausalTrace>>(true);
const v1Traced: TracedResult<Trace> = v1.forward(inputs, { trace: true });
const v2Out: Tensor = v2.forward([[1, 2, 3]]);
const wrapped: Tensor = wrapper.forward(inputs).data.length > 0 ? wrapper.forward(inputs) : zeros;
const flag: boolean = Math.random() > 2;
const either = caBias.forward(batch, { trace: flag });
expectType<Equal<typeof either, Tensor | TracedResult<CausalTrace>>>(true);
const fromFloat32: Tensor = v1.forward(new Float32Array(6));

// train / eval / training, chaining as in PyTorch
const training: boolean = mha.training;
const evalMode: MultiHeadAttention = mha.eval();
mha.train();
mha.train(false);

// state dicts
const sd: StateDict = mha.stateDict();
const weight: Tensor | undefined = sd['W_query.weight'];
const loaded: LoadResult = mha.loadStateDict(sd);
mha.loadStateDict({ 'out_proj.bias': [0, 0], 'out_proj.weight': [[1, 0], [0, 1]] }, { strict: false });
v1.loadStateDict({ W_query: new Float32Array(6) });

// Chapter 2's tokenizer: tiktoken.get_encoding("gpt2")
const tokenizer: Encoding = await attn.getEncoding('gpt2');
const ids: number[] = tokenizer.encode('Hello, do you like tea? <|endoftext|> In the sunlit terraces', { allowedSpecial: ['<|endoftext|>'] });
const allIds: number[] = tokenizer.encode('<|endoftext|>', { allowedSpecial: 'all' });
const asText: number[] = tokenizer.encode('<|endoftext|>', { disallowedSpecial: [] });
const fromSet: number[] = tokenizer.encode('Akwirw ier', { allowedSpecial: new Set(['<|endoftext|>']) });
const plain: number[] = tokenizer.encode('Every effort moves you');
const text: string = tokenizer.decode(ids) + tokenizer.decode(new Int32Array(ids)) + tokenizer.decode(Uint16Array.from(plain));
const pieces: string[] = tokenizer.decodeTokens(ids);
const bytes: Uint8Array = tokenizer.tokenBytes(ids[0] ?? tokenizer.eotToken);
const symbol: string = tokenizer.tokenSymbol(220);
const sizes: number = tokenizer.nVocab + tokenizer.eotToken;
const encodingName: 'gpt2' = tokenizer.name;
const specials: readonly string[] = tokenizer.specialTokens;

// diagnostics
const mem: { inUse: number; heapSize: number; maxMemory: number } = attn.memory();
const classNames: string[] = attn.classes.map((c) => c.name);

// chapter 2: embeddings of token ids
attn.manualSeed(123);
const embedding = new attn.Embedding(6, 3);
const embedded: Tensor = embedding.forward([2, 3, 5, 1]);
const embedded2: Tensor = embedding.forward(new Int32Array([2, 3]));

// chapter 4: the GPT model, with the book's config
const cfg: GPTConfig = { ...attn.GPT_CONFIG_124M, n_layers: 2, vocab_size: 97, emb_dim: 16, n_heads: 4 };
const model: GPTModel = new attn.GPTModel(cfg);
const logits: Tensor = model.forward([[6109, 3626, 6100, 345].map((i) => i % 97)]);
const gptTraced = model.forward([1, 2, 3], { trace: { layers: [0] } });
expectType<Equal<typeof gptTraced.trace, GPTTrace>>(true);
const headWeights: Tensor | undefined = gptTraced.trace.layers[0]?.weights;
const cachedLogits: Tensor = model.forward([4], { useCache: true });
model.resetKVCache();
const ln = new attn.LayerNorm(16);
const gelu = new attn.GELU();
const ff = new attn.FeedForward({ emb_dim: 16 });
const block = new attn.TransformerBlock(cfg);
const blockOut: Tensor = block.forward(gelu.forward(ln.forward(ff.forward(attn.rand([2, 3, 16])))));
const greedy: number[][] = attn.generateTextSimple(model, [[1, 2, 3]], 5, cfg.context_length);
const greedy1: number[] = attn.generateTextSimpleCached(model, [1, 2, 3], 5);
const sampled: number[][] = attn.generate(model, [[1, 2, 3]], 5, 12, { temperature: 1.4, topK: 25, eosId: null });
for (const m of [embedding, model, ln, gelu, ff, block]) m.free();

for (const m of [dropout, v1, v2, ca, caBias, wrapper]) m.free();
mha[Symbol.dispose](); // what `using mha = ...` calls at the end of its block

export const all = [v, simd, flat, scalar, shape, data, size, one, printed, own, isTensor, r, rn, w0, ctx, tmp, naive, renorm,
  tril, dropped, out, out2, concat, masked, v1Traced, v2Out, wrapped, either, fromFloat32, training, evalMode, weight, mem,
  loaded, classNames, embedded, embedded2, logits, headWeights, cachedLogits, blockOut, greedy, greedy1, sampled,
  allIds, asText, fromSet, text, pieces, bytes, symbol, sizes, encodingName, specials];
