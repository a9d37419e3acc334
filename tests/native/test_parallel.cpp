// The fork-join of src/kernels/parallel.*: every task exactly once, nesting, exceptions, resizing;
// and the fast path's results, bit for bit the same with 1, 2 and 3 threads (the threaded wasm
// build relies on that: tests/browser compares it with the single-thread build).
#include <catch2/catch.hpp>

#include <atomic>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "attention/causal_attention.hpp"
#include "attention/multi_head_attention.hpp"
#include "attention/self_attention.hpp"
#include "core/generator.hpp"
#include "kernels/parallel.hpp"

using attn::kernels::parallel_for;
using attn::kernels::set_threads;

namespace {

// Restores the single-thread default when a test ends, whatever happened.
struct thread_scope {
    explicit thread_scope(int n) { got = set_threads(n); }
    ~thread_scope() { set_threads(1); }
    int got;
};

bool same_bits(const attn::tensor& a, const attn::tensor& b) {
    return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Runs `forward` once per thread count and requires every result to match the 1-thread one bitwise.
template <class Forward>
void require_same_across_threads(Forward forward) {
    set_threads(1);
    const attn::tensor want = forward();
    for (int n : {2, 3}) {
        thread_scope scope(n);
        REQUIRE(scope.got == n);
        INFO("threads: " << n);
        const attn::tensor got = forward();
        REQUIRE(same_bits(got, want));
        REQUIRE(same_bits(forward(), want));  // and again, with the pool warm
    }
}

}  // namespace

TEST_CASE("parallel_for: one thread by default, a plain loop", "[parallel]") {
    REQUIRE(attn::kernels::threads() == 1);
    REQUIRE(attn::kernels::threads_supported());
    std::vector<int> order;
    parallel_for(5, [&](std::size_t i) { order.push_back(static_cast<int>(i)); });
    REQUIRE(order == std::vector<int>{0, 1, 2, 3, 4});
}

TEST_CASE("parallel_for: every task exactly once, on 2 and 4 threads", "[parallel]") {
    for (int n : {2, 4}) {
        thread_scope scope(n);
        REQUIRE(scope.got == n);
        REQUIRE(attn::kernels::threads() == n);
        for (std::size_t tasks : {0u, 1u, 2u, 3u, 17u, 1000u}) {
            std::vector<std::atomic<int>> hits(tasks);
            for (auto& h : hits) h = 0;
            parallel_for(tasks, [&](std::size_t i) { hits[i].fetch_add(1); });
            for (std::size_t i = 0; i < tasks; ++i) REQUIRE(hits[i].load() == 1);
        }
        // Many short fork-joins in a row (the pool threads alternate between spinning and sleeping).
        std::atomic<long> sum{0};
        for (int round = 0; round < 2000; ++round) parallel_for(4, [&](std::size_t i) { sum += long(i); });
        REQUIRE(sum.load() == 2000L * 6);
    }
}

TEST_CASE("parallel_for: a nested call runs as a loop; an exception reaches the caller", "[parallel]") {
    thread_scope scope(2);
    std::atomic<int> inner{0};
    parallel_for(4, [&](std::size_t) { parallel_for(3, [&](std::size_t) { inner.fetch_add(1); }); });
    REQUIRE(inner.load() == 12);

    std::atomic<int> ran{0};
    REQUIRE_THROWS_WITH(parallel_for(8,
                                     [&](std::size_t i) {
                                         ran.fetch_add(1);
                                         if (i == 5) throw std::runtime_error("task 5 failed");
                                     }),
                        "task 5 failed");
    REQUIRE(ran.load() == 8);  // the other tasks still ran; the pool is usable afterwards
    std::atomic<int> after{0};
    parallel_for(6, [&](std::size_t) { after.fetch_add(1); });
    REQUIRE(after.load() == 6);
}

TEST_CASE("set_threads: resizing, and 0 or less means one thread", "[parallel]") {
    REQUIRE(set_threads(3) == 3);
    REQUIRE(set_threads(2) == 2);
    REQUIRE(set_threads(0) == 1);
    REQUIRE(set_threads(-4) == 1);
    REQUIRE(attn::kernels::threads() == 1);
}

TEST_CASE("fast path: MultiHeadAttention gives the same bits on 1, 2 and 3 threads", "[parallel][mha]") {
    attn::generator gen;
    gen.manual_seed(123);
    // 130 tokens (not a multiple of the 4-row micro-tile or the 64-row cache block), 3 sequences.
    attn::multi_head_attention mha(96, 96, 256, 0.1, 4, true, gen);
    mha.eval();
    const attn::tensor x = gen.randn({3, 130, 96});
    require_same_across_threads([&] { return mha.forward(x); });
}

TEST_CASE("fast path: the other classes give the same bits on 1, 2 and 3 threads", "[parallel]") {
    attn::generator gen;
    gen.manual_seed(7);
    const attn::tensor x3 = gen.randn({2, 201, 48});
    const attn::tensor x2 = gen.randn({201, 48});
    attn::causal_attention causal(48, 40, 256, 0.0, true, gen);
    require_same_across_threads([&] { return causal.forward(x3); });
    attn::multi_head_attention_wrapper wrapper(48, 16, 256, 0.0, 3, false, gen);
    require_same_across_threads([&] { return wrapper.forward(x3); });
    attn::self_attention_v2 v2(48, 33, true, gen);
    require_same_across_threads([&] { return v2.forward(x2); });
    attn::self_attention_v1 v1(48, 64, gen);
    require_same_across_threads([&] { return v1.forward(x2); });
    // Rows that split into many blocks, and fewer rows than blocks would want.
    for (int t : {1, 7, 9, 67, 1027}) {
        attn::multi_head_attention mha(64, 64, 2048, 0.0, 2, true, gen);
        const attn::tensor x = gen.randn({1, static_cast<std::size_t>(t), 64});
        INFO("T = " << t);
        require_same_across_threads([&] { return mha.forward(x); });
    }
}
