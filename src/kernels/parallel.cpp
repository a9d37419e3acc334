#include "kernels/parallel.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

// Threads exist natively and in WebAssembly built with -pthread (shared memory, pthread workers);
// a WebAssembly build without it keeps the single-thread loop and never tries to make one.
#if !defined(__EMSCRIPTEN__) || defined(__EMSCRIPTEN_PTHREADS__)
#define ATTN_HAVE_THREADS 1
#else
#define ATTN_HAVE_THREADS 0
#endif

namespace attn::kernels {
namespace {

// Set on pool threads, and on a caller while it runs tasks: a parallel_for inside a task runs
// as a plain loop (the pool is busy with the outer one).
thread_local bool t_in_region = false;

inline void spin_pause() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

// How long an idle pool thread keeps polling for the next parallel_for before it sleeps: long
// enough to cover the gaps between the steps of one forward pass (projection, attention,
// out_proj, next sequence) and the marshalling between two calls, short enough not to burn a
// core for long after the last one.
constexpr auto kSpinWindow = std::chrono::milliseconds(2);

class pool {
public:
    ~pool() { resize(1); }

    int size() const { return 1 + worker_count_.load(std::memory_order_relaxed); }
    bool has_workers() const { return worker_count_.load(std::memory_order_relaxed) > 0; }

    int resize(int n) {
        if (n < 1) n = 1;
        if (n == size()) return n;
        // Stop and join the current threads.
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_.store(true);
            wake_.notify_all();
        }
        for (std::thread& t : workers_) t.join();
        workers_.clear();
        worker_count_.store(0);
        stop_.store(false);
#if ATTN_HAVE_THREADS
        for (int i = 1; i < n; ++i) {
            try {
                workers_.emplace_back(&pool::work, this);
            } catch (const std::system_error&) {
                break;  // no more threads (in wasm: no free pthread worker): keep those we have
            }
        }
#endif
        worker_count_.store(static_cast<int>(workers_.size()));
        return size();
    }

    void run(std::size_t n, detail::task_ref fn) {
        if (busy_.exchange(true, std::memory_order_acquire)) {
            // Another thread is running a parallel_for on this pool: run this one serially.
            for (std::size_t i = 0; i < n; ++i) fn(i);
            return;
        }
        struct release {
            pool& p;
            ~release() {
                t_in_region = false;
                p.busy_.store(false, std::memory_order_release);
            }
        } guard{*this};
        t_in_region = true;
        fn_ = fn;
        error_ = nullptr;
        done_.store(0, std::memory_order_relaxed);
        remaining_.store(n, std::memory_order_seq_cst);  // publishes fn_ to the claims below
        if (sleepers_.load(std::memory_order_seq_cst) > 0) {
            std::lock_guard<std::mutex> lock(mutex_);
            wake_.notify_all();
        }
        std::size_t i;
        while (claim(i)) execute(i);
        // Join: every task has been claimed; wait until those the pool threads took are done.
        for (unsigned spins = 0; done_.load(std::memory_order_acquire) < n; ++spins) {
            if (spins < 4096) spin_pause();
            else std::this_thread::yield();
        }
        if (error_) std::rethrow_exception(error_);
    }

private:
    // Takes one unclaimed task of the current parallel_for. The acquire on success pairs with the
    // caller's store of `remaining_`, so fn_ is the one published with it; fn_ cannot change
    // until the caller has seen this task done.
    bool claim(std::size_t& index) {
        std::size_t r = remaining_.load(std::memory_order_relaxed);
        while (r > 0) {
            if (remaining_.compare_exchange_weak(r, r - 1, std::memory_order_acquire, std::memory_order_relaxed)) {
                index = r - 1;
                return true;
            }
        }
        return false;
    }

    void execute(std::size_t i) {
        try {
            fn_(i);
        } catch (...) {
            std::lock_guard<std::mutex> lock(error_mutex_);
            if (!error_) error_ = std::current_exception();
        }
        done_.fetch_add(1, std::memory_order_release);
    }

    void work() {
        t_in_region = true;
        for (;;) {
            std::size_t i;
            if (claim(i)) {
                execute(i);
                continue;
            }
            // Poll for a while, then sleep until run() or resize() wakes us.
            bool ready = false;
            const auto until = std::chrono::steady_clock::now() + kSpinWindow;
            for (unsigned k = 1;; ++k) {
                if (remaining_.load(std::memory_order_relaxed) > 0 || stop_.load(std::memory_order_relaxed)) {
                    ready = true;
                    break;
                }
                spin_pause();
                if (k % 1024 == 0 && std::chrono::steady_clock::now() > until) break;
            }
            if (!ready) {
                std::unique_lock<std::mutex> lock(mutex_);
                // seq_cst with run()'s store of remaining_ then load of sleepers_: either run()
                // sees this sleeper and notifies (under the mutex, so not before the wait), or
                // the predicate below sees the new work.
                sleepers_.fetch_add(1, std::memory_order_seq_cst);
                wake_.wait(lock, [this] {
                    return remaining_.load(std::memory_order_seq_cst) > 0 || stop_.load(std::memory_order_seq_cst);
                });
                sleepers_.fetch_sub(1, std::memory_order_seq_cst);
            }
            if (stop_.load()) return;
        }
    }

    std::vector<std::thread> workers_;
    std::atomic<int> worker_count_{0};
    std::atomic<bool> stop_{false};
    std::atomic<bool> busy_{false};

    detail::task_ref fn_{};
    std::atomic<std::size_t> remaining_{0};  // tasks not yet claimed
    std::atomic<std::size_t> done_{0};       // tasks finished
    std::mutex error_mutex_;
    std::exception_ptr error_;

    std::mutex mutex_;  // guards the sleep / wake handshake
    std::condition_variable wake_;
    std::atomic<int> sleepers_{0};
};

pool& the_pool() {
    static pool p;
    return p;
}

}  // namespace

int threads() { return the_pool().size(); }

int set_threads(int n) { return the_pool().resize(n); }

bool threads_supported() { return ATTN_HAVE_THREADS != 0; }

namespace detail {

bool pooled(std::size_t n) { return n > 1 && !t_in_region && the_pool().has_workers(); }

void run(std::size_t n, task_ref fn) { the_pool().run(n, fn); }

}  // namespace detail
}  // namespace attn::kernels
