// onnxruntime-web, WASM execution provider, one thread, SIMD build. The block is an ONNX
// graph of standard ops only (no contrib/fused attention), written here with onnx-proto:
//
//   x (B,T,768) ─Reshape→ (B·T,768) ─Gemm(W_query,b,transB)→ ─Mul(1/8)→ ─Reshape→ (B,T,12,64) ─Transpose→ q (B,12,T,64)
//                                   ─Gemm(W_key,  b,transB)→ ─Reshape→ ─Transpose(0,2,3,1)→ kᵀ (B,12,64,T)
//                                   ─Gemm(W_value,b,transB)→ ─Reshape→ ─Transpose→ v (B,12,T,64)
//   scores = MatMul(q, kᵀ) (B,12,T,T) ─Add(mask: 0 / -inf above the diagonal, (T,T))→ ─Softmax(axis=-1)→
//   context = MatMul(weights, v) (B,12,T,64) ─Transpose→ (B,T,12,64) ─Reshape→ (B·T,768) ─Gemm(out_proj)→ ─Reshape→ y (B,T,768)
//
// 1/sqrt(64) = 1/8 is applied to q (exact: a power of two) rather than to the T×T scores;
// otherwise this is what torch.onnx.export makes of the book's MultiHeadAttention.
// Like any dense formulation it computes the whole T×T square, masked half included.

import { isNode, depUrl, depPath, loadOnnxProto } from '../lib/env.mjs';
import { D_MODEL, NUM_HEADS, HEAD_DIM } from '../lib/workload.mjs';

const OPSET = 17;
const IR_VERSION = 8; // onnx-proto 8 carries ONNX 1.10's schema (IR version 8)

let ortPromise;
async function loadOrt() {
  ortPromise ??= (async () => {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;      // no worker threads
    ort.env.wasm.simd = true;         // the (only) SIMD build
    ort.env.wasm.proxy = false;
    ort.env.logLevel = 'warning';
    // Node: the wasm files straight from node_modules; browser: served locally.
    ort.env.wasm.wasmPaths = isNode ? `${await depPath('onnxruntime-web/dist/')}/` : depUrl('onnxruntime-web/dist/').href;
    return ort;
  })();
  return ortPromise;
}

/** ModelProto bytes of the block for fixed B, T. */
export async function buildModel(weights, B, T) {
  const onnx = await loadOnnxProto();
  const { FLOAT, INT64 } = onnx.TensorProto.DataType;
  const A = onnx.AttributeProto.AttributeType;
  const inits = [];
  const nodes = [];
  const bytes = (ta) => new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength);
  const f32 = (name, dims, data) => inits.push(onnx.TensorProto.create({ name, dims, dataType: FLOAT, rawData: bytes(data) }));
  const i64 = (name, values) => inits.push(onnx.TensorProto.create({
    name, dims: [values.length], dataType: INT64, rawData: bytes(BigInt64Array.from(values.map(BigInt))),
  }));
  const attr = (name, value) => (Array.isArray(value)
    ? onnx.AttributeProto.create({ name, type: A.INTS, ints: value })
    : Number.isInteger(value)
      ? onnx.AttributeProto.create({ name, type: A.INT, i: value })
      : onnx.AttributeProto.create({ name, type: A.FLOAT, f: value }));
  let n = 0;
  const node = (opType, inputs, attrs = {}, output = `${opType.toLowerCase()}_${n}`) => {
    nodes.push(onnx.NodeProto.create({
      name: `${opType}_${n++}`, opType, input: inputs, output: [output],
      attribute: Object.entries(attrs).map(([k, v]) => attr(k, v)),
    }));
    return output;
  };

  // parameters, in nn.Linear layout: weight (out, in), bias (out)
  for (const p of ['W_query', 'W_key', 'W_value', 'out_proj']) {
    f32(`${p}.weight`, [D_MODEL, D_MODEL], weights[`${p}.weight`]);
    f32(`${p}.bias`, [D_MODEL], weights[`${p}.bias`]);
  }
  f32('scale', [], Float32Array.of(1 / Math.sqrt(HEAD_DIM)));
  // mask: (T, T), 0 where j <= i, -inf where j > i (broadcast over B and heads)
  const mask = new Float32Array(T * T);
  for (let i = 0; i < T; i++) mask.fill(-Infinity, i * T + i + 1, (i + 1) * T);
  f32('mask', [T, T], mask);
  i64('shape_rows', [B * T, D_MODEL]);
  i64('shape_heads', [B, T, NUM_HEADS, HEAD_DIM]);
  i64('shape_out', [B, T, D_MODEL]);

  const x2 = node('Reshape', ['x', 'shape_rows']);                                   // (B·T, 768)
  const lin = (p, input) => node('Gemm', [input, `${p}.weight`, `${p}.bias`], { transB: 1 });
  const heads = (t, perm) => node('Transpose', [node('Reshape', [t, 'shape_heads'])], { perm });
  const q = heads(node('Mul', [lin('W_query', x2), 'scale']), [0, 2, 1, 3]);          // (B,12,T,64)
  const kT = heads(lin('W_key', x2), [0, 2, 3, 1]);                                   // (B,12,64,T)
  const v = heads(lin('W_value', x2), [0, 2, 1, 3]);                                  // (B,12,T,64)
  const scores = node('MatMul', [q, kT]);                                             // (B,12,T,T)
  const weightsT = node('Softmax', [node('Add', [scores, 'mask'])], { axis: -1 });    // (B,12,T,T)
  const ctx = node('Transpose', [node('MatMul', [weightsT, v])], { perm: [0, 2, 1, 3] }); // (B,T,12,64)
  const out = lin('out_proj', node('Reshape', [ctx, 'shape_rows']));                 // (B·T, 768)
  node('Reshape', [out, 'shape_out'], {}, 'y');                                      // (B,T,768)

  const vi = (name, dims) => onnx.ValueInfoProto.create({
    name, type: { tensorType: { elemType: FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: 'attention-wasm-bench',
    opsetImport: [{ domain: '', version: OPSET }],
    graph: onnx.GraphProto.create({
      name: 'gpt2_causal_mha', node: nodes, initializer: inits,
      input: [vi('x', [B, T, D_MODEL])], output: [vi('y', [B, T, D_MODEL])],
    }),
  });
  return onnx.ModelProto.encode(model).finish();
}

export async function create(weights, { B, T }) {
  const ort = await loadOrt();
  const session = await ort.InferenceSession.create(await buildModel(weights, B, T), {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  const dims = [B, T, D_MODEL];
  return {
    name: 'onnxruntime',
    version: ort.env.versions?.web ?? ort.env.versions?.common,
    async run(x) {
      const out = await session.run({ x: new ort.Tensor('float32', x, dims) });
      return out.y.data;
    },
    async dispose() { await session.release(); },
  };
}
