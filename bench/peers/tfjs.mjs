// TensorFlow.js, WASM backend (XNNPACK), one thread, SIMD build.
//
// Its fastest formulation here is per batch item and per head with 2-D matMuls:
//   Q,K,V = fused.matMul(x_b (T,768), Wᵀ (768,768), bias)            (T,768) each
//   for each head h:  q_h (T,64) = slice(Q)·(1/8),  kᵀ_h (64,T) = slice(Kᵀ),  v_h = slice(V)
//     weights = softmax(q_h·kᵀ_h + mask)  (T,T)    context_h = weights·v_h  (T,64)
//   y_b = fused.matMul(concat(context_h) (T,768), out_projᵀ, bias)
// The 4-D formulation torch would use (reshape/transpose to (B·12,T,64), one batched
// matMul) goes through tfjs-wasm's BatchMatMul with batch > 1, which is much slower
// (measured: `--peers tfjs-batched`, see README). Like any dense formulation it
// computes the whole T×T square, masked half included.

import { isNode, depUrl, depPath, loadScript } from '../lib/env.mjs';
import { D_MODEL, NUM_HEADS, HEAD_DIM } from '../lib/workload.mjs';

let tfPromise;
async function loadTf() {
  tfPromise ??= (async () => {
    let tf;
    if (isNode) {
      tf = await import('@tensorflow/tfjs-core');
      tf = tf.default ?? tf;
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      tf.__wasm = wasm.default ?? wasm;
    } else {
      await loadScript(depUrl('@tensorflow/tfjs-core/dist/tf-core.min.js'));
      await loadScript(depUrl('@tensorflow/tfjs-backend-wasm/dist/tf-backend-wasm.min.js'));
      tf = globalThis.tf;
      tf.__wasm = tf.wasm;
    }
    // single-threaded SIMD binary (tfjs-backend-wasm-simd.wasm), from node_modules
    tf.env().set('WASM_HAS_SIMD_SUPPORT', true);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    tf.__wasm.setThreadsCount?.(1);
    tf.__wasm.setWasmPaths(isNode ? `${await depPath('@tensorflow/tfjs-backend-wasm/dist/')}/`
      : depUrl('@tensorflow/tfjs-backend-wasm/dist/').href);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs: could not initialise the wasm backend');
    await tf.ready();
    return tf;
  })();
  return tfPromise;
}

function causalMask(tf, T) {
  const m = new Float32Array(T * T);
  for (let i = 0; i < T; i++) m.fill(-Infinity, i * T + i + 1, (i + 1) * T);
  return tf.tensor2d(m, [T, T]);
}

function makeCreate(variant) {
  return async function create(weights, { B, T }) {
    const tf = await loadTf();
    const scale = 1 / Math.sqrt(HEAD_DIM);
    const p = {};
    for (const name of ['W_query', 'W_key', 'W_value', 'out_proj']) {
      p[name] = tf.tidy(() => ({
        wT: tf.transpose(tf.tensor2d(weights[`${name}.weight`], [D_MODEL, D_MODEL])), // (in, out)
        b: tf.tensor1d(weights[`${name}.bias`]),
      }));
    }
    const mask = causalMask(tf, T);                                                  // (T, T)
    const lin = (x, name) => tf.fused.matMul({ a: x, b: p[name].wT, bias: p[name].b });

    const perHead = (x) => {
      const outs = [];
      for (let b = 0; b < B; b++) {
        outs.push(tf.tidy(() => {
          const xb = tf.slice(x, [b * T, 0], [T, D_MODEL]);                          // (T, 768)
          const q = tf.mul(lin(xb, 'W_query'), scale);                               // (T, 768)
          const kT = tf.transpose(lin(xb, 'W_key'));                                 // (768, T)
          const v = lin(xb, 'W_value');                                              // (T, 768)
          const ctx = [];
          for (let h = 0; h < NUM_HEADS; h++) {
            ctx.push(tf.tidy(() => {
              const qh = tf.slice(q, [0, h * HEAD_DIM], [T, HEAD_DIM]);             // (T, 64)
              const kTh = tf.slice(kT, [h * HEAD_DIM, 0], [HEAD_DIM, T]);           // (64, T)
              const vh = tf.slice(v, [0, h * HEAD_DIM], [T, HEAD_DIM]);             // (T, 64)
              const w = tf.softmax(tf.add(tf.matMul(qh, kTh), mask));               // (T, T)
              return tf.matMul(w, vh);                                               // (T, 64)
            }));
          }
          return lin(tf.concat(ctx, 1), 'out_proj');                                 // (T, 768)
        }));
      }
      if (outs.length === 1) return outs[0];
      const y = tf.concat(outs, 0);                                                  // (B·T, 768)
      tf.dispose(outs);
      return y;
    };

    const batched = (x) => tf.tidy(() => {
      const heads = (t, perm) => tf.transpose(tf.reshape(t, [B, T, NUM_HEADS, HEAD_DIM]), perm);
      const q = tf.reshape(heads(tf.mul(lin(x, 'W_query'), scale), [0, 2, 1, 3]), [B * NUM_HEADS, T, HEAD_DIM]);
      const k = tf.reshape(heads(lin(x, 'W_key'), [0, 2, 1, 3]), [B * NUM_HEADS, T, HEAD_DIM]);
      const v = tf.reshape(heads(lin(x, 'W_value'), [0, 2, 1, 3]), [B * NUM_HEADS, T, HEAD_DIM]);
      const w = tf.softmax(tf.add(tf.matMul(q, k, false, true), mask));              // (B·12, T, T)
      const ctx = tf.reshape(tf.matMul(w, v), [B, NUM_HEADS, T, HEAD_DIM]);
      const c2 = tf.reshape(tf.transpose(ctx, [0, 2, 1, 3]), [B * T, D_MODEL]);
      return lin(c2, 'out_proj');
    });

    const forward = variant === 'batched' ? batched : perHead;
    return {
      name: variant === 'batched' ? 'tfjs-batched' : 'tfjs',
      version: tf.version_core ?? tf.version?.['tfjs-core'],
      run(x) {
        const xt = tf.tensor2d(x, [B * T, D_MODEL]);
        const y = forward(xt);
        const out = y.dataSync();
        tf.dispose([xt, y]);
        return out;
      },
      dispose() {
        tf.dispose(mask);
        for (const k of Object.keys(p)) tf.dispose([p[k].wT, p[k].b]);
      },
    };
  };
}

export const create = makeCreate('perHead');
export const createBatched = makeCreate('batched');
