// Deliberate misuse: every line after a @ts-expect-error must be a type error, so tsc fails
// ("Unused '@ts-expect-error' directive") if index.d.ts were too loose.
import { init, type Tensor, type TracedResult, type MultiHeadTrace, MultiHeadAttention } from 'attention-wasm';

const attn = await init();
const mha = new attn.MultiHeadAttention(3, 2, 6, 0.0, 2);
const x = [[[0.43, 0.15, 0.89]]];

// @ts-expect-error the modules are made from the initialised instance: the export is only a type
new MultiHeadAttention(3, 2, 6, 0.0, 2);
// @ts-expect-error without { trace: true } forward returns a Tensor, not { output, trace }
const a: TracedResult<MultiHeadTrace> = mha.forward(x);
// @ts-expect-error with { trace: true } it is not a Tensor
const b: Tensor = mha.forward(x, { trace: true });
// @ts-expect-error a Tensor has no trace
mha.forward(x).trace;
// @ts-expect-error CausalAttention has no concat in its trace
new attn.CausalAttention(3, 2, 6, 0.0).forward(x, { trace: true }).trace.concat;
// @ts-expect-error sizes are numbers, not strings
new attn.SelfAttentionV1('3', 2);
// @ts-expect-error MultiHeadAttention needs numHeads
new attn.MultiHeadAttention(3, 2, 6, 0.0);
// @ts-expect-error qkvBias is a boolean
new attn.SelfAttentionV2(3, 2, { qkvBias: 'yes' });
// @ts-expect-error unknown option
new attn.CausalAttention(3, 2, 6, 0.0, { bias: true });
// @ts-expect-error trace is a boolean
mha.forward(x, { trace: 1 });
// @ts-expect-error a string is not a tensor
mha.forward('x');
// @ts-expect-error elements are numbers
mha.forward([['0.1']]);
// @ts-expect-error seeds are numbers or bigints
attn.manualSeed('123');
// @ts-expect-error shapes are arrays
attn.rand(3);
// @ts-expect-error training is read-only
mha.training = false;
// @ts-expect-error free() returns nothing to chain
mha.free().forward(x);
// @ts-expect-error shape is number[]
const s: string = mha.forward(x).shape;
// @ts-expect-error the version is a string
const n: number = attn.version;
// @ts-expect-error softmax's dim is a number
attn.softmax(x, '0');
// @ts-expect-error the chapter helpers are under attn.chapter
attn.trilOnes(6);
// @ts-expect-error simplifiedSelfAttention's trace has no masked step
attn.simplifiedSelfAttention([[1, 2]], { trace: true }).trace.masked;
// @ts-expect-error the Dropout trace holds only its mask
new attn.Dropout(0.5).forward([1], { trace: true }).trace.weights.shape;
// @ts-expect-error loadStateDict takes an object of tensors
mha.loadStateDict([1, 2, 3]);
// @ts-expect-error init options: wasmBinary is bytes
init({ wasmBinary: 'attention_wasm.wasm' });

// @ts-expect-error a GPT model is built from the book's cfg dict
new attn.GPTModel(50257, 768);
// @ts-expect-error the cfg's keys are the book's (n_heads, not numHeads)
new attn.GPTModel({ vocab_size: 97, context_length: 12, emb_dim: 16, numHeads: 4, n_layers: 1, drop_rate: 0, qkv_bias: false });
// @ts-expect-error generation takes a GPTModel
attn.generateTextSimple(new attn.MultiHeadAttention(3, 2, 6, 0, 1), [1, 2], 3, 6);
// @ts-expect-error a GPT model's untraced forward gives a Tensor, with no trace
new attn.GPTModel(attn.GPT_CONFIG_124M).forward([1]).trace;

// The tokenizer
const enc = await attn.getEncoding('gpt2');
// @ts-expect-error the only encoding is 'gpt2'
attn.getEncoding('cl100k_base');
// @ts-expect-error getEncoding is async: the Encoding comes from await
attn.getEncoding('gpt2').encode('text');
// @ts-expect-error encode takes a string
enc.encode(['Hello']);
// @ts-expect-error allowedSpecial is 'all' or a list, not one token
enc.encode('Hello <|endoftext|>', { allowedSpecial: '<|endoftext|>' });
// @ts-expect-error the option is allowedSpecial (camelCase), not tiktoken's allowed_special
enc.encode('Hello <|endoftext|>', { allowed_special: 'all' });
// @ts-expect-error encode returns numbers, not a string
const e: string = enc.encode('Hello');
// @ts-expect-error decode takes ids, not text
enc.decode('Hello');
// @ts-expect-error ids are numbers, not BigInts
enc.decode(new BigInt64Array(2));
// @ts-expect-error decode takes one sequence, not a batch
enc.decode([[15496, 11]]);
// @ts-expect-error tokenBytes gives bytes, not text
const piece: string = enc.tokenBytes(220);
// @ts-expect-error nVocab is read-only
enc.nVocab = 100;

export const uses = [a, b, s, n, e, piece];
