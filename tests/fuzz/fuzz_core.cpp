// libFuzzer target over the C++ core (scripts/fuzz.sh builds and runs it; not part of CI).
//
// Each input is a short program: construct modules of every class with fuzzed sizes (0,
// negative, huge), dropout (NaN, out of [0, 1]), numHeads (dividing dOut or not); call forward
// on fuzzed shapes (wrong rank, wrong dIn, T > contextLength, empty axes) and values (NaN, Inf,
// denormals, huge), traced or not, in train or eval mode; round-trip and mutate state dicts;
// call softmax, simplified self-attention, the chapter's helpers, the validators and the
// generator. Every call must either succeed with results of the right shape and the cheap
// invariants below, or throw attn::error (kind range, message starting with the class name).
// Anything else aborts with "FINDING: ..." (as do ASan and UBSan reports):
//   - a crash, another exception, std::bad_alloc, an allocation beyond -malloc_limit_mb
//   - a valid call refused, or an invalid one accepted (the harness predicts each outcome)
//   - a tensor larger than the memory limit not refused up front (RangeError before allocating)
//   - softmax rows that neither sum to 1 (all finite, in [0, 1]) nor are all NaN
//   - causal weights / dropped weights not zero above the diagonal, masked scores not -inf there
//   - state dict keys, shapes or the load/get round trip not as PyTorch's; a refused call
//     changing the module
//   - the same forward traced and untraced differing: bit for bit while dropout draws (both
//     materialise the attention matrices), within 1e-4 on well-conditioned data otherwise (the
//     untraced call takes the fused kernel, attention/scaled_dot_product.cpp)
//
// The memory limit is lowered to kLimitBytes, so "huge" starts early and stays quick; a legal
// call whose arithmetic would exceed kBudgetMacs is skipped (its refusal cases are still run).
#include <fuzzer/FuzzedDataProvider.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/class_table.hpp"
#include "attention/causal_attention.hpp"
#include "attention/chapter_steps.hpp"
#include "attention/multi_head_attention.hpp"
#include "attention/self_attention.hpp"
#include "core/validate.hpp"
#include "core/errors.hpp"
#include "core/generator.hpp"
#include "core/tensor.hpp"

namespace {

using attn::shape_t;
using attn::tensor;

constexpr std::size_t kLimitBytes = std::size_t{16} << 20;  // attn::set_memory_limit
constexpr double kLimitFloats = kLimitBytes / 4.0;
constexpr double kMaxInput = 1 << 15;  // floats in one harness-made tensor
constexpr double kBudgetMacs = 2e7;    // a legal call costlier than this is skipped
constexpr std::int64_t kMaxSize = std::int64_t{1} << 30;

// ---- findings ---------------------------------------------------------------------------------

[[noreturn]] void finding(const std::string& what, const std::string& detail) {
    std::fprintf(stderr, "\nFINDING: %s\n  %s\n", what.c_str(), detail.c_str());
    std::fflush(stderr);
    std::abort();
}

#define EXPECT(cond, detail)                                                   \
    do {                                                                       \
        if (!(cond)) finding("invariant failed: " #cond, std::string(detail)); \
    } while (0)

enum class outcome { succeed, fail, either };

const char* name(outcome o) { return o == outcome::succeed ? "succeed" : o == outcome::fail ? "fail" : "either"; }

// Runs `f`; true if it returned. Checks what it threw against the expected outcome.
template <class F>
bool attempt(outcome expected, const std::string& who, const std::string& call, F&& f) {
    try {
        f();
    } catch (const attn::error& e) {
        const std::string msg = e.what();
        if (e.kind() != attn::error_kind::range) finding("attn::error of kind type from the core", call + ": " + msg);
        if (msg.rfind(who + ": ", 0) != 0) finding("message does not start with '" + who + ": '", call + ": " + msg);
        // Numbers in messages are JS-like (NaN, Infinity) and sizes are never negative; keys
        // given by the caller are quoted and may hold anything.
        const std::string numbers = msg.substr(0, msg.find(" key '"));
        if (numbers.find("need -") != std::string::npos || numbers.find("nan") != std::string::npos ||
            numbers.find("inf") != std::string::npos || numbers.find("e+0") != std::string::npos ||
            numbers.find("e-0") != std::string::npos)
            finding("message prints a number badly", call + ": " + msg);
        if (expected == outcome::succeed) finding("valid call refused", call + ": " + msg);
        return false;
    } catch (const std::bad_alloc&) {
        finding("std::bad_alloc (should have been refused as a RangeError)", call);
    } catch (const std::exception& e) {
        finding(std::string("exception other than attn::error: ") + typeid(e).name(), call + ": " + e.what());
    } catch (...) {
        finding("unknown exception", call);
    }
    if (expected == outcome::fail) finding("invalid call accepted", call);
    return true;
}

// ---- values -----------------------------------------------------------------------------------

float special_float(FuzzedDataProvider& p) {
    static const float values[] = {0.0f,     -0.0f,    1.0f,     -1.0f,   NAN,      -NAN,     INFINITY, -INFINITY,
                                   FLT_MAX,  -FLT_MAX, FLT_MIN,  -FLT_MIN, 1e-45f,  -1e-45f,  1e-40f,   1e30f,
                                   -1e30f,   88.72f,   89.0f,    -104.0f, 1e19f,    -1e19f,   0.5f,     1e-7f};
    return p.PickValueInArray(values);
}

double special_double(FuzzedDataProvider& p) {
    static const double values[] = {0.0,   -0.0,  1.0,   -1.0,  0.5,   2.5,    1e-310, -1e-310, 5e-324, -5e-324,
                                    NAN,   -NAN,  INFINITY, -INFINITY, 1e300, -1e300, 1e20,  -1e20,  9.3e18,
                                    -9.3e18, 1073741824.0, 1073741825.0, 4294967296.0, 1.0000000000000002,
                                    0.9999999999999999, 1e-17, -1e-17, 1.5e-7, 123456789.0, 0.1};
    return p.PickValueInArray(values);
}

std::int64_t pick_size(FuzzedDataProvider& p) {
    switch (p.ConsumeIntegralInRange(0, 15)) {
        case 10: return 0;
        case 11: return p.PickValueInArray({std::int64_t{-1}, std::int64_t{-3}, std::numeric_limits<std::int64_t>::min()});
        case 12:
            return p.PickValueInArray({kMaxSize, kMaxSize + 1, std::int64_t{1} << 31, std::int64_t{1} << 32,
                                       std::numeric_limits<std::int64_t>::max(), std::int64_t{65536},
                                       std::int64_t{1} << 20, std::int64_t{1} << 24, std::int64_t{46341}});
        case 13: return p.ConsumeIntegral<std::int64_t>();
        case 14: return p.ConsumeIntegralInRange<std::int64_t>(1, 4096);
        default: return p.ConsumeIntegralInRange<std::int64_t>(1, 8);
    }
}

double pick_probability(FuzzedDataProvider& p) {
    switch (p.ConsumeIntegralInRange(0, 7)) {
        case 0: return 0.0;
        case 1: return special_double(p);
        case 2: return p.ConsumeFloatingPoint<double>();
        case 3: return 1.0;
        default: return p.ConsumeProbability<double>();
    }
}

double numel(const shape_t& s) {
    double n = 1;
    for (auto d : s) n *= static_cast<double>(d);
    return n;
}

// Fills a tensor of shape `s` (numel <= kMaxInput): a base pattern, then a few special values.
tensor make_values(FuzzedDataProvider& p, const shape_t& s, attn::generator& values) {
    tensor t(s);
    const std::size_t n = t.size();
    float* d = t.data();
    static const float scales[] = {1.0f, 0.01f, 100.0f, 1e4f, 1e19f, 1e-20f, 3e38f};
    switch (p.ConsumeIntegralInRange(0, 4)) {
        case 0: {
            const float c = special_float(p);
            for (std::size_t i = 0; i < n; ++i) d[i] = c;
            break;
        }
        case 1:  // raw bits for the first elements
            for (std::size_t i = 0; i < n; ++i) {
                if (i < 16 && p.remaining_bytes() >= 4) {
                    const std::uint32_t bits = p.ConsumeIntegral<std::uint32_t>();
                    std::memcpy(&d[i], &bits, 4);
                } else {
                    d[i] = static_cast<float>(i % 7) - 3.0f;
                }
            }
            break;
        default: {
            const float scale = p.PickValueInArray(scales);
            values.uniform_(d, n, -1.0, 1.0);
            for (std::size_t i = 0; i < n; ++i) d[i] *= scale;
        }
    }
    const int sprinkle = n ? p.ConsumeIntegralInRange(0, 3) : 0;
    for (int i = 0; i < sprinkle; ++i) d[p.ConsumeIntegralInRange<std::size_t>(0, n - 1)] = special_float(p);
    return t;
}

std::size_t pick_dim(FuzzedDataProvider& p) {
    switch (p.ConsumeIntegralInRange(0, 9)) {
        case 0: return 0;
        case 1: return p.ConsumeIntegralInRange<std::size_t>(0, 300);
        case 2: return p.ConsumeIntegralInRange<std::size_t>(0, 40000);
        default: return p.ConsumeIntegralInRange<std::size_t>(1, 6);
    }
}

// A shape of rank 0..4, or nullopt when it would exceed kMaxInput.
std::optional<shape_t> any_shape(FuzzedDataProvider& p, std::size_t max_rank = 4) {
    shape_t s(p.ConsumeIntegralInRange<std::size_t>(0, max_rank));
    for (auto& d : s) d = pick_dim(p);
    if (numel(s) > kMaxInput) return std::nullopt;
    return s;
}

// max |v|, or infinity if any value is not finite
double max_abs(const tensor& t) {
    double m = 0;
    for (float v : t) {
        if (!std::isfinite(v)) return INFINITY;
        m = std::max(m, static_cast<double>(std::fabs(v)));
    }
    return m;
}

bool bits_equal(const tensor& a, const tensor& b) {
    if (attn::to_shape(a.shape()) != attn::to_shape(b.shape())) return false;
    return a.size() == 0 || std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

std::string shape_of(const tensor& t) { return attn::shape_str(attn::to_shape(t.shape())); }

void expect_shape(const tensor& t, const shape_t& want, const std::string& what) {
    if (attn::to_shape(t.shape()) != want)
        finding("wrong shape", what + ": got " + shape_of(t) + ", expected " + attn::shape_str(want));
}

// Softmax along the last axis of `w` (rows of length n): each row all NaN, or all finite in
// [0, 1] summing to 1. With `causal` (w is (..., T, T)), zero above the diagonal in finite rows.
void check_softmax_rows(const tensor& w, const std::string& what, bool causal) {
    if (w.dimension() == 0) {
        EXPECT(std::isnan(w.data()[0]) || w.data()[0] == 1.0f, what);
        return;
    }
    const std::size_t n = w.shape().back();
    if (n == 0) return;
    const std::size_t rows = w.size() / n;
    const std::size_t t_rows = w.dimension() >= 2 ? w.shape()[w.dimension() - 2] : 1;
    for (std::size_t r = 0; r < rows; ++r) {
        const float* row = w.data() + r * n;
        std::size_t nans = 0;
        double sum = 0;
        for (std::size_t j = 0; j < n; ++j) {
            if (std::isnan(row[j])) ++nans;
            else sum += row[j];
        }
        if (nans == n) continue;
        const std::string where = what + " " + shape_of(w) + " row " + std::to_string(r);
        if (nans) finding("softmax row partly NaN", where);
        for (std::size_t j = 0; j < n; ++j)
            if (!(row[j] >= 0.0f && row[j] <= 1.0f)) finding("softmax value outside [0, 1]", where + " col " + std::to_string(j));
        if (std::fabs(sum - 1.0) > (n + 4) * 1.2e-7) finding("softmax row does not sum to 1", where + " sum " + std::to_string(sum));
        if (causal) {
            const std::size_t i = r % t_rows;
            for (std::size_t j = i + 1; j < n; ++j)
                if (row[j] != 0.0f) finding("causal weight above the diagonal is not 0", where + " col " + std::to_string(j));
        }
    }
}

// (..., T, T): above the diagonal every value is `is_ok`.
template <class Pred>
void check_upper(const tensor& m, const std::string& what, Pred is_ok) {
    if (m.dimension() < 2) finding("expected a matrix", what + " " + shape_of(m));
    const std::size_t t = m.shape().back();
    if (t == 0) return;
    for (std::size_t r = 0; r < m.size() / t; ++r) {
        const std::size_t i = r % m.shape()[m.dimension() - 2];
        for (std::size_t j = i + 1; j < t; ++j)
            if (!is_ok(m.data()[r * t + j])) finding("wrong value above the diagonal", what + " " + shape_of(m));
    }
}

// ---- modules ----------------------------------------------------------------------------------

// The classes are built through the class table (src/api/class_table.cpp); the harness's
// predictions below know each class, in the table's order (checked when the fuzzer starts).
enum cls_id { k_dropout, k_v1, k_v2, k_causal, k_wrapper, k_mha, k_classes };
const char* cls_name(int cls) { return attn::api::class_table().at(static_cast<std::size_t>(cls)).name; }

struct spec {
    int cls = k_v1;
    std::int64_t d_in = 1, d_out = 1, ctx = 1, heads = 1;
    double p = 0;
    bool bias = false;
};

bool size_ok(std::int64_t v) { return v >= 1 && v <= kMaxSize; }

struct slot {
    spec s;
    std::unique_ptr<attn::nn::tensor_module> m;
    attn::generator gen;  // the module's parameters and dropout draw from it
};

std::vector<std::pair<std::string, shape_t>> expected_state(const spec& s) {
    std::vector<std::pair<std::string, shape_t>> out;
    const auto in = static_cast<std::size_t>(s.d_in), o = static_cast<std::size_t>(s.d_out);
    auto linear = [&](const std::string& prefix, std::size_t i, std::size_t n, bool bias) {
        out.emplace_back(prefix + "weight", shape_t{n, i});
        if (bias) out.emplace_back(prefix + "bias", shape_t{n});
    };
    switch (s.cls) {
        case k_v1:
            for (const char* k : {"W_query", "W_key", "W_value"}) out.emplace_back(k, shape_t{in, o});
            break;
        case k_v2:
        case k_causal:
            for (const char* k : {"W_query.", "W_key.", "W_value."}) linear(k, in, o, s.bias);
            break;
        case k_wrapper:
            for (std::int64_t h = 0; h < s.heads; ++h)
                for (const char* k : {"W_query.", "W_key.", "W_value."})
                    linear("heads." + std::to_string(h) + "." + k, in, o, s.bias);
            break;
        case k_mha:
            for (const char* k : {"W_query.", "W_key.", "W_value."}) linear(k, in, o, s.bias);
            linear("out_proj.", o, o, true);
            break;
        default: break;
    }
    return out;
}

std::vector<std::string> mask_keys(const spec& s) {
    if (s.cls == k_causal || s.cls == k_mha) return {"mask"};
    std::vector<std::string> keys;
    if (s.cls == k_wrapper)
        for (std::int64_t h = 0; h < s.heads; ++h) keys.push_back("heads." + std::to_string(h) + ".mask");
    return keys;
}

std::string describe(const spec& s) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s(dIn=%lld, dOut=%lld, ctx=%lld, p=%.17g, heads=%lld, bias=%d)", cls_name(s.cls),
                  (long long)s.d_in, (long long)s.d_out, (long long)s.ctx, s.p, (long long)s.heads, s.bias);
    return buf;
}

void construct(FuzzedDataProvider& p, slot& sl) {
    spec s;
    s.cls = p.ConsumeIntegralInRange(0, k_classes - 1);
    s.d_in = pick_size(p);
    s.d_out = pick_size(p);
    s.ctx = pick_size(p);
    s.heads = p.ConsumeBool() ? p.ConsumeIntegralInRange<std::int64_t>(1, 4) : pick_size(p);
    s.p = s.cls == k_dropout || p.ConsumeBool() ? pick_probability(p) : 0.0;
    s.bias = p.ConsumeBool();
    sl.gen.manual_seed(p.ConsumeIntegral<std::uint64_t>());

    // The outcome: invalid arguments fail; weights beyond the limit fail; within it, succeed.
    bool valid = s.p >= 0.0 && s.p <= 1.0;
    double weights = 0, bound = 0;  // floats allocated; the most any validation may count
    const double in = static_cast<double>(s.d_in), o = static_cast<double>(s.d_out), h = static_cast<double>(s.heads);
    switch (s.cls) {
        case k_dropout: break;
        case k_v1: valid = size_ok(s.d_in) && size_ok(s.d_out); weights = 3 * in * o; bound = 3 * (in + 1) * o; break;
        case k_v2:
            valid = size_ok(s.d_in) && size_ok(s.d_out);
            weights = 3 * (in + s.bias) * o;
            bound = 3 * (in + 1) * o;
            break;
        case k_causal:
            valid = valid && size_ok(s.d_in) && size_ok(s.d_out) && size_ok(s.ctx);
            weights = 3 * (in + s.bias) * o;
            bound = 3 * (in + 1) * o;
            break;
        case k_wrapper:
            valid = valid && size_ok(s.d_in) && size_ok(s.d_out) && size_ok(s.ctx) && size_ok(s.heads);
            weights = h * 3 * (in + s.bias) * o;
            bound = h * 3 * (in + 1) * o;
            break;
        case k_mha:
            valid = valid && size_ok(s.d_in) && size_ok(s.d_out) && size_ok(s.ctx) && size_ok(s.heads) &&
                    s.d_out % s.heads == 0;
            weights = 3 * (in + s.bias) * o + (o + 1) * o;
            bound = 3 * (in + 1) * o + (o + 1) * o;
            break;
    }
    outcome expected = outcome::either;
    if (!valid || weights > kLimitFloats) expected = outcome::fail;
    else if (bound * 1.01 <= kLimitFloats) expected = outcome::succeed;
    if (expected != outcome::fail && s.cls == k_wrapper && s.heads > 256) return;  // legal but slow

    sl.m.reset();
    sl.s = s;
    attn::generator& g = sl.gen;
    std::unique_ptr<attn::nn::tensor_module> m;
    attempt(expected, cls_name(s.cls), "new " + describe(s) + " expected to " + name(expected), [&] {
        // The table's arguments by their JS names, as the binding passes them.
        attn::api::arg_values v;
        v.numbers = {{"p", s.p}, {"dropout", s.p}, {"dIn", double(s.d_in)}, {"dOut", double(s.d_out)},
                     {"contextLength", double(s.ctx)}, {"numHeads", double(s.heads)}};
        v.flags = {{"qkvBias", s.bias}};
        auto made = attn::api::class_table()[static_cast<std::size_t>(s.cls)].make(v, g);
        m.reset(dynamic_cast<attn::nn::tensor_module*>(made.release()));
    });
    if (!m) return;
    EXPECT(std::string(m->class_name()) == cls_name(s.cls), describe(s));
    EXPECT(m->training(), describe(s) + ": a new module starts in training mode");
    const auto sd = m->get_state_dict();
    const auto want = expected_state(s);
    EXPECT(sd.size() == want.size(), describe(s) + ": state dict has " + std::to_string(sd.size()) + " keys");
    for (std::size_t i = 0; i < sd.size(); ++i) {
        EXPECT(sd[i].first == want[i].first, describe(s) + ": key " + sd[i].first + " expected " + want[i].first);
        expect_shape(sd[i].second, want[i].second, describe(s) + " " + sd[i].first);
    }
    sl.m = std::move(m);
}

const tensor& need(const attn::trace& tr, const char* key, const std::string& who) {
    const tensor* t = tr.find(key);
    if (!t) finding("trace entry missing", who + ": " + key);
    return *t;
}

// Input shapes around what the module expects.
std::optional<shape_t> forward_shape(FuzzedDataProvider& p, const spec& s) {
    if (s.cls == k_dropout || p.ConsumeIntegralInRange(0, 15) == 0) return any_shape(p);
    const bool batched_cls = s.cls >= k_causal;
    std::size_t rank = batched_cls && p.ConsumeBool() ? 3 : 2;
    if (p.ConsumeIntegralInRange(0, 15) == 0) rank = p.ConsumeIntegralInRange<std::size_t>(0, 4);
    shape_t sh(rank);
    if (rank == 0) return sh;
    std::size_t last = static_cast<std::size_t>(s.d_in);
    switch (p.ConsumeIntegralInRange(0, 11)) {
        case 0: last = pick_dim(p); break;
        case 1: last += 1; break;
        case 2: last -= 1; break;
        default: break;
    }
    sh.back() = last;
    if (rank >= 2) {
        std::size_t t;
        const std::size_t ctx = s.ctx > 0 ? static_cast<std::size_t>(s.ctx) : 0;
        switch (p.ConsumeIntegralInRange(0, 9)) {
            case 0: t = ctx; break;
            case 1: t = ctx + 1; break;
            case 2: t = 0; break;
            case 3: t = p.ConsumeIntegralInRange<std::size_t>(0, 5000); break;
            default: t = p.ConsumeIntegralInRange<std::size_t>(1, 8);
        }
        sh[rank - 2] = t;
    }
    for (std::size_t i = 0; i + 2 < rank; ++i) sh[i] = p.ConsumeIntegralInRange(0, 7) == 0 ? pick_dim(p) : p.ConsumeIntegralInRange<std::size_t>(1, 3);
    if (numel(sh) > kMaxInput) return std::nullopt;
    return sh;
}

void op_forward(FuzzedDataProvider& p, slot& sl, attn::generator& values) {
    if (!sl.m) return;
    const spec& s = sl.s;
    const auto shape = forward_shape(p, s);
    if (!shape) return;
    const tensor x = make_values(p, *shape, values);
    const bool trace = p.ConsumeBool();
    const std::uint64_t seed = p.ConsumeIntegral<std::uint64_t>();
    const std::string who = cls_name(s.cls);
    const std::string call = describe(s) + (sl.m->training() ? " train" : " eval") + (trace ? " traced" : "") +
                             " forward x " + attn::shape_str(*shape);

    // Predict: rank, width, T <= contextLength; every tensor within the limit.
    const std::size_t rank = shape->size();
    outcome expected = outcome::succeed;
    shape_t out_shape = *shape;
    double biggest = 0, total = 0, macs = 0;
    if (s.cls == k_dropout) {
        macs = numel(*shape);
    } else {
        const bool batched_cls = s.cls >= k_causal;
        const bool rank_ok = rank == 2 || (batched_cls && rank == 3);
        if (!rank_ok || (*shape)[rank - 1] != static_cast<std::size_t>(s.d_in) ||
            (batched_cls && (*shape)[rank - 2] > static_cast<std::size_t>(s.ctx))) {
            expected = outcome::fail;
        } else {
            const double b = rank == 3 ? static_cast<double>((*shape)[0]) : 1.0;
            const double t = static_cast<double>((*shape)[rank - 2]);
            const double h = s.cls == k_wrapper || s.cls == k_mha ? static_cast<double>(s.heads) : 1.0;
            const double d_in = static_cast<double>(s.d_in), d_out = static_cast<double>(s.d_out);
            const double d_total = s.cls == k_wrapper ? h * d_out : d_out;  // width of q, k, v over all heads
            // The (T, T) matrices exist only where attention materialises them (trace, or dropout
            // drawing); otherwise the fused kernel streams them.
            const bool reference_path = trace || (batched_cls && sl.m->training() && s.p > 0.0);
            // A trace keeps every (B, H, T, T) matrix; dropout alone materialises one (T, T)
            // slice at a time.
            const double matrices = trace ? b * h * t * t : reference_path ? t * t : 0.0;
            const double rows = b * t * d_total;
            biggest = std::max(matrices, rows);
            // Generous: what the checks may count (MultiHeadAttention and the wrapper check the
            // (T, T) matrices even on the fast path, which does not allocate them).
            total = 6 * b * h * t * t + 6 * rows;
            macs = 3 * b * t * d_in * d_total + 2 * b * t * t * d_total + (s.cls == k_mha ? b * t * d_out * d_out : 0);
            out_shape.back() = static_cast<std::size_t>(d_total);
            if (biggest > kLimitFloats) expected = outcome::fail;
            else if (total * (trace ? 2 : 1) > kLimitFloats) expected = outcome::either;
        }
    }
    if (expected != outcome::fail && macs > kBudgetMacs) return;  // legal but slow: skip
    // The fused kernel needs 384 · headDim + 512 floats of scratch; the forward's plan refuses
    // it (RangeError) beyond the limit, counting 400 · headDim + 512.
    if (expected == outcome::succeed && s.cls != k_dropout) {
        const double head_dim = s.cls == k_mha ? static_cast<double>(s.d_out / s.heads) : static_cast<double>(s.d_out);
        const bool fast = !trace && !(s.cls >= k_causal && sl.m->training() && s.p > 0.0);
        const bool rows = (*shape)[rank - 2] > 0 && (rank == 2 || (*shape)[0] > 0);
        if (fast && rows && 400 * head_dim + 512 > kLimitFloats) expected = outcome::fail;
    }

    const auto sd_before = sl.m->get_state_dict();
    tensor y;
    attn::trace tr;
    sl.gen.manual_seed(seed);
    if (!attempt(expected, who, call + " expected to " + name(expected), [&] { y = sl.m->forward(x, trace ? &tr : nullptr); })) {
        const auto sd_after = sl.m->get_state_dict();
        for (std::size_t i = 0; i < sd_after.size(); ++i)
            EXPECT(bits_equal(sd_after[i].second, sd_before[i].second), call + ": a refused forward changed the module");
        return;
    }
    expect_shape(y, out_shape, call);

    // The same call with the trace flag flipped. With dropout active both take the reference
    // path and must agree bit for bit (the same draws); otherwise the untraced call takes the
    // fused kernel (attention/scaled_dot_product.cpp: online softmax), which may round
    // differently: it must agree within a tolerance where the arithmetic is well conditioned
    // (input and parameters within [-1, 1], scaled scores within ±30).
    if (p.ConsumeBool()) {
        attn::trace tr2;
        sl.gen.manual_seed(seed);
        tensor y2;
        // Refusing is fine: the traced call needs the (T, T) matrices the fused one does not.
        if (!attempt(outcome::either, who, call + " again", [&] { y2 = sl.m->forward(x, trace ? nullptr : &tr2); }))
            return;
        expect_shape(y2, out_shape, call + " again");
        const bool dropout_active = s.cls >= k_causal && sl.m->training() && s.p > 0.0;
        if (s.cls == k_dropout || dropout_active) {
            if (!bits_equal(y, y2)) finding("traced and untraced forwards differ (dropout active)", call);
        } else {
            const attn::trace& ref = trace ? tr : tr2;
            const tensor& y_ref = trace ? y : y2;
            const tensor& y_fast = trace ? y2 : y;
            bool conditioned = max_abs(x) <= 1.0;
            for (const auto& kv : sd_before) conditioned = conditioned && max_abs(kv.second) <= 1.0;
            if (const tensor* sc = ref.find("scaled")) conditioned = conditioned && max_abs(*sc) <= 30.0;
            else conditioned = false;
            if (conditioned) {
                const double tol = 1e-4 * (1.0 + max_abs(y_ref));
                for (std::size_t i = 0; i < y_ref.size(); ++i)
                    if (!(std::fabs(static_cast<double>(y_ref.data()[i]) - y_fast.data()[i]) <= tol)) {
                        char b[160];
                        std::snprintf(b, sizeof b, " at %zu: reference %.9g, fast %.9g", i, y_ref.data()[i], y_fast.data()[i]);
                        finding("fast path and reference path differ", call + b);
                    }
            }
        }
    }

    if (s.cls == k_dropout) {
        const float keep = static_cast<float>(1.0 - s.p);
        for (std::size_t i = 0; i < y.size(); ++i) {
            const float xi = x.data()[i], yi = y.data()[i];
            bool ok;
            if (!sl.m->training() || s.p == 0.0) ok = std::memcmp(&xi, &yi, 4) == 0;
            else {
                const float zero = xi * 0.0f, kept = xi * (1.0f / keep);
                ok = std::memcmp(&yi, &zero, 4) == 0 || yi == kept || (std::isnan(kept) && std::isnan(yi)) ||
                     (s.p < 1.0 && std::fabs(yi - kept) <= 1e-6f * std::fabs(kept));
            }
            if (!ok) {
                char b[128];
                std::snprintf(b, sizeof b, " at %zu: x %.9g y %.9g keep %.9g", i, xi, yi, keep);
                finding("dropout output is neither 0 nor x / (1 - p)", call + b);
            }
        }
        return;
    }
    if (!trace) return;

    // Trace: per-head layouts (shared/API.md) and the softmax / mask invariants.
    const bool batched = rank == 3;
    const std::size_t b = batched ? (*shape)[0] : 1, t = (*shape)[rank - 2];
    const std::size_t o = static_cast<std::size_t>(s.d_out);
    const bool causal = s.cls >= k_causal;
    shape_t lead;  // the axes before (T, ·)
    std::size_t width = o;
    if (s.cls == k_causal) {
        if (batched) lead = {b};
    } else if (s.cls == k_wrapper || s.cls == k_mha) {
        if (batched) lead = {b};
        lead.push_back(static_cast<std::size_t>(s.heads));
        if (s.cls == k_mha) width = o / static_cast<std::size_t>(s.heads);
    }
    auto with = [&](std::size_t a, std::size_t c) {
        shape_t r = lead;
        r.push_back(a);
        r.push_back(c);
        return r;
    };
    for (const char* k : {"queries", "keys", "values", "context"}) expect_shape(need(tr, k, call), with(t, width), call + " trace " + k);
    for (const char* k : {"scores", "weights"}) expect_shape(need(tr, k, call), with(t, t), call + " trace " + k);
    check_softmax_rows(need(tr, "weights", call), call + " trace weights", causal);
    if (causal) {
        const tensor& masked = need(tr, "masked", call);
        const tensor& dropped = need(tr, "dropped", call);
        expect_shape(masked, with(t, t), call + " trace masked");
        expect_shape(dropped, with(t, t), call + " trace dropped");
        check_upper(masked, call + " trace masked", [](float v) { return v == -INFINITY; });
        check_upper(dropped, call + " trace dropped", [](float v) { return v == 0.0f || std::isnan(v); });
        if (!sl.m->training() || s.p == 0.0)
            EXPECT(bits_equal(dropped, need(tr, "weights", call)), call + ": dropped != weights without dropout");
    }
    if (s.cls == k_v1 || s.cls == k_v2) EXPECT(bits_equal(y, need(tr, "context", call)), call + ": output != trace context");
}

// A state dict: round trip, then a mutated copy whose outcome the harness predicts.
void op_state(FuzzedDataProvider& p, slot& sl, attn::generator& values) {
    if (!sl.m) return;
    const spec& s = sl.s;
    const std::string who = cls_name(s.cls);
    const auto original = sl.m->get_state_dict();
    attempt(outcome::succeed, who, describe(s) + " loadStateDict(stateDict())", [&] { sl.m->load_state_dict(original); });
    const auto again = sl.m->get_state_dict();
    EXPECT(again.size() == original.size(), describe(s));
    for (std::size_t i = 0; i < again.size(); ++i)
        EXPECT(again[i].first == original[i].first && bits_equal(again[i].second, original[i].second),
               describe(s) + ": state dict round trip changed " + original[i].first);

    attn::state_dict sd = original;
    std::string log;
    const int mutations = p.ConsumeIntegralInRange(0, 3);
    const auto masks = mask_keys(s);
    for (int m = 0; m < mutations; ++m) {
        const std::size_t n = sd.size();
        switch (p.ConsumeIntegralInRange(0, 7)) {
            case 0:  // drop a key
                if (n) {
                    const auto i = p.ConsumeIntegralInRange<std::size_t>(0, n - 1);
                    log += " drop " + sd[i].first;
                    sd.erase(sd.begin() + static_cast<std::ptrdiff_t>(i));
                }
                break;
            case 1:  // duplicate a key
                if (n) {
                    const auto i = p.ConsumeIntegralInRange<std::size_t>(0, n - 1);
                    log += " dup " + sd[i].first;
                    sd.push_back(sd[i]);
                }
                break;
            case 2: {  // unknown or near-miss key
                static const char* keys[] = {"W_query", "W_query.weight", "W_query.bias", "out_proj.weight", "heads.0.W_key.weight",
                                             "heads.99.W_key.weight", "mask", "heads.0.mask", "", "W_query.weigh", "bias"};
                std::string key = p.ConsumeBool() ? p.PickValueInArray(keys) : p.ConsumeRandomLengthString(12);
                shape_t sh = p.ConsumeBool() && n ? attn::to_shape(sd[0].second.shape()) : any_shape(p, 2).value_or(shape_t{1});
                if (numel(sh) > kMaxInput) sh = {1};
                log += " add '" + key + "' " + attn::shape_str(sh);
                sd.emplace_back(key, make_values(p, sh, values));
                break;
            }
            case 3: {  // reshape a key
                if (!n) break;
                const auto i = p.ConsumeIntegralInRange<std::size_t>(0, n - 1);
                auto sh = any_shape(p, 3);
                if (!sh) break;
                log += " reshape " + sd[i].first + " " + attn::shape_str(*sh);
                sd[i].second = make_values(p, *sh, values);
                break;
            }
            case 4: {  // new values (NaN and all), same shape
                if (!n) break;
                const auto i = p.ConsumeIntegralInRange<std::size_t>(0, n - 1);
                if (numel(attn::to_shape(sd[i].second.shape())) > kMaxInput) break;
                log += " values " + sd[i].first;
                sd[i].second = make_values(p, attn::to_shape(sd[i].second.shape()), values);
                break;
            }
            case 5: {  // a mask buffer, right or wrong
                if (masks.empty() || s.ctx > 64) break;
                const auto c = static_cast<std::size_t>(s.ctx);
                const std::size_t sz = p.ConsumeIntegralInRange(0, 3) == 0 ? c + 1 : c;
                tensor mask = attn::make_tensor({sz, sz});
                for (std::size_t i = 0; i < sz; ++i)
                    for (std::size_t j = i + 1; j < sz; ++j) mask(i, j) = 1.0f;
                if (p.ConsumeIntegralInRange(0, 3) == 0 && sz) mask(p.ConsumeIntegralInRange<std::size_t>(0, sz - 1), 0) = special_float(p);
                const std::string key = masks[p.ConsumeIntegralInRange<std::size_t>(0, masks.size() - 1)];
                log += " mask " + key;
                sd.emplace_back(key, mask);
                break;
            }
            case 6:  // reorder
                if (n > 1) {
                    std::swap(sd[0], sd[p.ConsumeIntegralInRange<std::size_t>(1, n - 1)]);
                    log += " swap";
                }
                break;
            default: break;
        }
    }

    // Predict: no key twice, every key a parameter or a correct mask, every parameter present with its shape.
    bool valid = true;
    std::set<std::string> seen;
    for (const auto& [key, value] : sd) {
        if (!seen.insert(key).second) valid = false;
        bool known = false;
        for (const auto& kv : original) known = known || kv.first == key;
        if (known) continue;
        bool is_mask = false;
        for (const auto& mk : masks) is_mask = is_mask || mk == key;
        if (!is_mask) {
            valid = false;
            continue;
        }
        const auto c = static_cast<std::size_t>(s.ctx);
        if (attn::to_shape(value.shape()) != shape_t{c, c}) {
            valid = false;
            continue;
        }
        for (std::size_t i = 0; i < c; ++i)
            for (std::size_t j = 0; j < c; ++j)
                if (value(i, j) != (j > i ? 1.0f : 0.0f)) valid = false;
    }
    for (const auto& kv : original) {
        const tensor* given = nullptr;
        for (const auto& e : sd)
            if (e.first == kv.first) given = &e.second;
        if (!given || attn::to_shape(given->shape()) != attn::to_shape(kv.second.shape())) valid = false;
    }
    const outcome expected = valid ? outcome::succeed : outcome::fail;
    const std::string call = describe(s) + " loadStateDict(" + log + " ) expected to " + name(expected);
    const bool ok = attempt(expected, who, call, [&] { sl.m->load_state_dict(sd); });
    const auto after = sl.m->get_state_dict();
    EXPECT(after.size() == original.size(), call);
    for (std::size_t i = 0; i < after.size(); ++i) {
        const tensor* want = &original[i].second;
        if (ok)
            for (const auto& e : sd)
                if (e.first == after[i].first) want = &e.second;
        EXPECT(after[i].first == original[i].first && bits_equal(after[i].second, *want),
               call + ": " + after[i].first + (ok ? " not loaded" : " changed by a refused load"));
    }
}

// ---- functions --------------------------------------------------------------------------------

void op_softmax(FuzzedDataProvider& p, attn::generator& values) {
    const auto sh = any_shape(p);
    if (!sh) return;
    const tensor x = make_values(p, *sh, values);
    const auto rank = static_cast<std::int64_t>(sh->size());
    std::int64_t dim = p.ConsumeIntegralInRange(0, 9) == 0 ? p.ConsumeIntegral<std::int64_t>()
                                                             : p.ConsumeIntegralInRange<std::int64_t>(-5, 5);
    const std::int64_t lo = rank == 0 ? -1 : -rank, hi = rank == 0 ? 0 : rank - 1;
    const outcome expected = dim >= lo && dim <= hi ? outcome::succeed : outcome::fail;
    const std::string call = "softmax(x " + attn::shape_str(*sh) + ", dim " + std::to_string(dim) + ")";
    tensor y;
    if (!attempt(expected, "softmax", call, [&] { y = attn::softmax(x, dim); })) return;
    expect_shape(y, *sh, call);
    if (rank == 0) return check_softmax_rows(y, call, false);
    // Move `dim` last by checking through strides: gather each slice along dim.
    const std::size_t d = static_cast<std::size_t>(dim < 0 ? dim + rank : dim);
    std::size_t inner = 1;
    for (std::size_t i = d + 1; i < sh->size(); ++i) inner *= (*sh)[i];
    const std::size_t n = (*sh)[d];
    if (n == 0 || y.size() == 0) return;
    const std::size_t outer = y.size() / (n * inner);
    tensor rows(shape_t{outer * inner, n});
    for (std::size_t o = 0; o < outer; ++o)
        for (std::size_t in = 0; in < inner; ++in)
            for (std::size_t j = 0; j < n; ++j) rows(o * inner + in, j) = y.data()[(o * n + j) * inner + in];
    check_softmax_rows(rows, call, false);
}

void op_simplified(FuzzedDataProvider& p, attn::generator& values) {
    const auto sh = p.ConsumeBool() ? any_shape(p, 3) : std::optional<shape_t>(shape_t{pick_dim(p), pick_dim(p)});
    if (!sh || numel(*sh) > kMaxInput) return;
    const bool trace = p.ConsumeBool();
    outcome expected = outcome::succeed;
    if (sh->size() != 2) expected = outcome::fail;
    else {
        const double t = static_cast<double>((*sh)[0]), d = static_cast<double>((*sh)[1]);
        if (t * t > kLimitFloats) expected = outcome::fail;
        else if (6 * t * t > kLimitFloats) expected = outcome::either;
        if (expected != outcome::fail && 2 * t * t * d > kBudgetMacs) return;
    }
    const tensor x = make_values(p, *sh, values);
    const std::string call = std::string("simplifiedSelfAttention(x ") + attn::shape_str(*sh) + (trace ? ", trace)" : ")");
    attn::trace tr;
    tensor y;
    if (!attempt(expected, "simplifiedSelfAttention", call, [&] { y = attn::simplified_self_attention(x, trace ? &tr : nullptr); }))
        return;
    expect_shape(y, *sh, call);
    if (trace) {
        const std::size_t t = (*sh)[0];
        expect_shape(need(tr, "weights", call), {t, t}, call + " weights");
        check_softmax_rows(need(tr, "weights", call), call + " weights", false);
        EXPECT(bits_equal(need(tr, "context", call), y), call);
    }
}

void op_chapter(FuzzedDataProvider& p, attn::generator& values) {
    const int which = p.ConsumeIntegralInRange(0, 3);
    if (which == 3) {
        const std::int64_t t = pick_size(p);
        const auto ts = static_cast<std::size_t>(t);  // as a caller passing a size_t would
        const double n = static_cast<double>(ts) * static_cast<double>(ts);
        const outcome expected = n > kLimitFloats ? outcome::fail : outcome::succeed;
        const std::string call = "trilOnes(" + std::to_string(ts) + ")";
        tensor m;
        if (!attempt(expected, "trilOnes", call, [&] { m = attn::tril_ones(ts); })) return;
        expect_shape(m, {ts, ts}, call);
        for (std::size_t i = 0; i < ts && i < 64; ++i)
            for (std::size_t j = 0; j < ts && j < 64; ++j) EXPECT(m(i, j) == (j <= i ? 1.0f : 0.0f), call);
        return;
    }
    const auto sh = any_shape(p);
    if (!sh) return;
    const tensor x = make_values(p, *sh, values);
    const char* names[] = {"sumNormalize", "softmaxNaive", "maskAndRenormalize"};
    const std::size_t rank = sh->size();
    outcome expected = rank >= 1 ? outcome::succeed : outcome::fail;
    if (which == 2 && (rank < 2 || (*sh)[rank - 1] != (*sh)[rank - 2])) expected = outcome::fail;
    const std::string call = std::string(names[which]) + "(x " + attn::shape_str(*sh) + ")";
    tensor y;
    if (!attempt(expected, names[which], call, [&] {
            y = which == 0 ? attn::sum_normalize(x) : which == 1 ? attn::softmax_naive(x) : attn::mask_and_renormalize(x);
        }))
        return;
    expect_shape(y, *sh, call);
    if (which == 2) check_upper(y, call, [](float v) { return v == 0.0f || std::isnan(v); });
}

void op_validate(FuzzedDataProvider& p) {
    const double v = p.ConsumeBool() ? special_double(p) : p.ConsumeFloatingPoint<double>();
    {
        const bool ok = std::isfinite(v) && v == std::floor(v) && v >= 1 && v <= static_cast<double>(kMaxSize);
        std::size_t got = 0;
        char buf[64];
        std::snprintf(buf, sizeof buf, "size_number(%.17g)", v);
        if (attempt(ok ? outcome::succeed : outcome::fail, "Fuzz", buf, [&] { got = attn::validate::size("Fuzz", "dIn", v); }))
            EXPECT(static_cast<double>(got) == v, buf);
    }
    {
        const bool ok = v >= 0.0 && v <= 1.0;
        char buf[64];
        std::snprintf(buf, sizeof buf, "probability(%.17g)", v);
        attempt(ok ? outcome::succeed : outcome::fail, "Fuzz", buf, [&] { attn::validate::probability("Fuzz", "dropout", v); });
    }
    {
        const std::int64_t n = pick_size(p);
        attempt(size_ok(n) ? outcome::succeed : outcome::fail, "Fuzz", "size(" + std::to_string(n) + ")",
                [&] { attn::validate::size("Fuzz", "dOut", n); });
    }
    {
        const double floats = p.ConsumeBool() ? std::fabs(special_double(p)) : p.ConsumeFloatingPoint<double>();
        if (std::isfinite(floats) && floats >= 0) {
            char buf[64];
            std::snprintf(buf, sizeof buf, "fits(%.17g)", floats);
            attempt(floats * 4 > kLimitBytes ? outcome::fail : outcome::succeed, "Fuzz", buf,
                    [&] { attn::validate::fits("Fuzz", "the tensor", floats); });
        }
    }
}

void op_generator(FuzzedDataProvider& p) {
    attn::generator g;
    g.manual_seed(p.ConsumeIntegral<std::uint64_t>());
    shape_t s{p.ConsumeIntegralInRange<std::size_t>(0, 40)};
    if (p.ConsumeBool()) s.push_back(p.ConsumeIntegralInRange<std::size_t>(0, 5));
    const tensor r = g.rand(s);
    for (float v : r) EXPECT(v >= 0.0f && v < 1.0f, "rand value outside [0, 1)");
    const tensor n = g.randn(s);
    for (float v : n) EXPECT(std::isfinite(v), "randn value not finite");
    const double u = g.uniform_double();
    EXPECT(u >= 0.0 && u < 1.0, "uniform_double outside [0, 1)");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    attn::set_memory_limit(kLimitBytes);
    const char* order[] = {"Dropout", "SelfAttentionV1", "SelfAttentionV2", "CausalAttention",
                           "MultiHeadAttentionWrapper", "MultiHeadAttention"};
    EXPECT(attn::api::class_table().size() == k_classes, "the class table has classes the harness does not predict");
    for (int c = 0; c < k_classes; ++c) EXPECT(std::string(cls_name(c)) == order[c], "the class table's order changed");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider p(data, size);
    attn::generator values;  // the harness's own values; modules draw from their slot's generator
    values.manual_seed(p.ConsumeIntegral<std::uint16_t>());
    slot slots[2];
    for (int step = 0; step < 12 && p.remaining_bytes() > 0; ++step) {
        slot& sl = slots[p.ConsumeIntegralInRange(0, 1)];
        switch (p.ConsumeIntegralInRange(0, 11)) {
            case 0:
            case 1: construct(p, sl); break;
            case 2:
            case 3:
            case 4: op_forward(p, sl, values); break;
            case 5:
                if (sl.m) {
                    const bool mode = p.ConsumeBool();
                    if (p.ConsumeBool()) sl.m->train(mode);
                    else sl.m->eval();
                }
                break;
            case 6: op_state(p, sl, values); break;
            case 7: op_softmax(p, values); break;
            case 8: op_simplified(p, values); break;
            case 9: op_chapter(p, values); break;
            case 10: op_validate(p); break;
            case 11:
                if (p.ConsumeBool()) op_generator(p);
                else sl.m.reset();  // free
                break;
        }
    }
    return 0;
}
