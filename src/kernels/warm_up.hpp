// A JIT that starts WebAssembly in a baseline tier (V8's Liftoff) swaps in optimised code for a
// function only after that function has run hot, and only between calls. Left alone, the first
// large forward runs baseline code: a GPT-2-small block (T = 1024, Node 20) measured 640-660 ms
// on its first call and ~200 ms from the third. warm_up() runs every fast-path kernel on small inputs, so
// init() can make them hot before the user's first call.
#pragma once

namespace attn::kernels {

// One round: the packed SGEMM (64 x 256 x 192, with bias) and the fused causal attention
// (T = 192, head dims 64 and 48, the specialised and the generic build). About 12 MFLOP,
// a few ms in the baseline tier. Returns the FLOPs done.
double warm_up();

}  // namespace attn::kernels
