// A small fork-join for the fast path: a persistent pool of N - 1 std::threads plus the calling
// thread. parallel_for(n, fn) runs fn(0) .. fn(n - 1), each exactly once, on whichever thread
// claims it, and returns when all have finished (rethrowing the first exception one raised).
//
// The default is one thread (no pool): parallel_for is then a plain loop. set_threads(n) makes
// the pool; in the WebAssembly build it needs -pthread (the attention_wasm_mt target) and that
// many pre-loaded pthread workers (PTHREAD_POOL_SIZE), and is called once, by the binding, before
// any work. The caller joins by spinning on an atomic counter (the browser's main thread may not
// Atomics.wait); idle pool threads spin briefly, then sleep on a condition variable.
//
// Results do not depend on the thread count as long as each task writes its own outputs and
// computes them exactly as the serial loop would: callers split work into whole units (GEMM row
// blocks of whole micro-tiles, one (batch, head) pair of attention), never a reduction.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

namespace attn::kernels {

// Threads parallel_for uses, counting the caller: 1 by default.
int threads();
// Makes a pool of n - 1 threads (n >= 1; 1 removes the pool) and returns the thread count it got,
// which is smaller than n when threads cannot be created (a WebAssembly build without -pthread,
// or fewer pthread workers than asked). Not to be called while a parallel_for runs.
int set_threads(int n);
// Whether this build can run threads at all (native, or WebAssembly with -pthread).
bool threads_supported();

namespace detail {
// A non-owning reference to a callable void(std::size_t).
struct task_ref {
    void* object;
    void (*call)(void*, std::size_t);
    void operator()(std::size_t i) const { call(object, i); }
};
// The pooled path (a pool exists, n > 1, not nested in another parallel_for).
void run(std::size_t n, task_ref fn);
// Whether parallel_for should take the pooled path.
bool pooled(std::size_t n);
}  // namespace detail

template <class F>
void parallel_for(std::size_t n, F&& fn) {
    if (!detail::pooled(n)) {
        for (std::size_t i = 0; i < n; ++i) fn(i);
        return;
    }
    using Fn = std::remove_reference_t<F>;
    detail::run(n, detail::task_ref{const_cast<void*>(static_cast<const void*>(&fn)),
                                    [](void* f, std::size_t i) { (*static_cast<Fn*>(f))(i); }});
}

}  // namespace attn::kernels
