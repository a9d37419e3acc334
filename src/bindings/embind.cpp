// The Embind surface of the wasm module — the only file that includes Emscripten headers.
//
// Tensors cross as {shape: number[], data: Float32Array}: inputs are copied into the heap with
// one TypedArray.set, results come back as fresh Float32Arrays copied out of it (the caller
// owns them). Errors never cross as C++ exceptions: every entry point catches attn::error (and
// std::bad_alloc) and returns {error: "type" | "range", message}, which src/js/index.js turns
// into a TypeError / RangeError. So no input can abort the instance or leak what a throwing
// call had allocated (destructors run inside C++).
#include <emscripten/bind.h>
#include <emscripten/heap.h>
#include <emscripten/val.h>

#include <malloc.h>

#include <cmath>
#include <cstdint>

#include <memory>
#include <new>
#include <string>
#include <vector>

#include "attention/causal_attention.hpp"
#include "attention/chapter_steps.hpp"
#include "attention/multi_head_attention.hpp"
#include "attention/self_attention.hpp"
#include "attention/validate.hpp"
#include "core/errors.hpp"
#include "core/generator.hpp"
#include "kernels/parallel.hpp"
#include "kernels/peak.hpp"
#include "kernels/warm_up.hpp"

using emscripten::val;

namespace {

// ---- marshalling ----------------------------------------------------------------------------

val error_value(const char* kind, const std::string& message, const std::string& module,
                const std::string& argument = "") {
    val e = val::object();
    e.set("error", val(kind));
    e.set("message", val(message));
    e.set("module", val(module));
    if (!argument.empty()) e.set("argument", val(argument));
    return e;
}

// Runs `body`, turning C++ failures into an error value; `who` (the class or function) starts
// the messages of failures that do not name it themselves.
template <class F>
val guarded(F&& body, const std::string& who = "attention-wasm") {
    try {
        return body();
    } catch (const attn::error& e) {
        return error_value(e.kind() == attn::error_kind::type ? "type" : "range", e.what(), e.module(), e.argument());
    } catch (const std::bad_alloc&) {
        return error_value("range", who + ": out of memory (the wasm heap could not grow further)", who);
    } catch (const std::exception& e) {
        return error_value("range", who + ": " + e.what(), who);
    }
}

// The largest single axis: the same bound as any size argument. Checked on the double, before the
// cast to the 32-bit size_t of wasm32 (which would wrap 2^32 to 0: rand([2 ** 32]) was empty).
constexpr double max_axis = static_cast<double>(std::int64_t{1} << 30);

// shape: JS array of non-negative integers (their kind is checked by index.js).
attn::shape_t shape_from_js(const val& shape, const char* what) {
    attn::shape_t s;
    const unsigned rank = shape["length"].as<unsigned>();
    for (unsigned i = 0; i < rank; ++i) {
        const double d = shape[i].as<double>();
        if (!(d >= 0) || d != std::floor(d))
            attn::raise_range({what, "shape"}, "shape[", i, "] (", attn::js_number{d}, ") must be a non-negative integer");
        if (d > max_axis)
            attn::raise_range({what, "shape"}, "shape[", i, "] (", attn::js_number{d}, ") is too large (at most 1073741824)");
        s.push_back(static_cast<std::size_t>(d));
    }
    return s;
}

// data: Float32Array of the shape's product.
attn::tensor from_js(const val& data, const val& shape, const char* what) {
    const attn::shape_t s = shape_from_js(shape, what);
    const std::size_t n = attn::checked_numel(s, what);
    attn::validate::fits(what, "the input", static_cast<double>(n));
    if (data["length"].as<double>() != static_cast<double>(n))
        attn::raise_range({what, "x"}, "data has ", data["length"].as<double>(), " values, shape ", attn::shape_str(s),
                          " needs ", n);
    attn::tensor t(s);
    if (n) val(emscripten::typed_memory_view(n, t.data())).call<void>("set", data);
    return t;
}

val to_js(const attn::tensor& t) {
    val out = val::object();
    val shape = val::array();
    for (std::size_t d : t.shape()) shape.call<void>("push", static_cast<double>(d));
    out.set("shape", shape);
    // new Float32Array(view) copies out of the heap.
    out.set("data", val::global("Float32Array").new_(emscripten::typed_memory_view(t.size(), t.data())));
    return out;
}

val trace_to_js(const attn::trace& tr) {
    val out = val::object();
    for (const auto& [name, value] : tr.entries) out.set(name, to_js(value));
    return out;
}

val forward_result(const attn::tensor& output, const attn::trace* tr) {
    val r = val::object();
    r.set("output", to_js(output));
    if (tr) r.set("trace", trace_to_js(*tr));
    return r;
}

// ---- modules --------------------------------------------------------------------------------

// One handle type for every class: the JS classes of index.js hold one each.
class module_handle {
public:
    // Constructs the named class; returns null or an error value.
    val init(const std::string& cls, val args) {
        return guarded([&]() -> val {
            auto num = [&](const char* key) { return args[key].as<double>(); };
            auto size = [&](const char* key, const char* name) {
                return static_cast<std::int64_t>(attn::validate::size_number(name, key, num(key)));
            };
            auto& gen = attn::default_generator();
            const bool bias = args["qkvBias"].as<bool>();
            const char* c = cls.c_str();
            if (cls == "Dropout") {
                module_ = std::make_unique<attn::dropout_module>(num("p"), gen);
            } else if (cls == "SelfAttentionV1") {
                module_ = std::make_unique<attn::self_attention_v1>(size("dIn", c), size("dOut", c), gen);
            } else if (cls == "SelfAttentionV2") {
                module_ = std::make_unique<attn::self_attention_v2>(size("dIn", c), size("dOut", c), bias, gen);
            } else if (cls == "CausalAttention") {
                module_ = std::make_unique<attn::causal_attention>(size("dIn", c), size("dOut", c),
                                                                   size("contextLength", c), num("dropout"), bias, gen);
            } else if (cls == "MultiHeadAttentionWrapper") {
                module_ = std::make_unique<attn::multi_head_attention_wrapper>(
                    size("dIn", c), size("dOut", c), size("contextLength", c), num("dropout"), size("numHeads", c),
                    bias, gen);
            } else if (cls == "MultiHeadAttention") {
                module_ = std::make_unique<attn::multi_head_attention>(size("dIn", c), size("dOut", c),
                                                                       size("contextLength", c), num("dropout"),
                                                                       size("numHeads", c), bias, gen);
            } else {
                attn::raise_type({"attention-wasm", ""}, "unknown class '", cls, "'");
            }
            return val::null();
        }, cls);
    }

    val forward(val data, val shape, bool with_trace) {
        return guarded([&]() -> val {
            attn::tensor x = from_js(data, shape, module_->class_name());
            attn::trace tr;
            // Without a trace the module may release its copy of x early (forward_owned).
            attn::tensor y = with_trace ? module_->forward(x, &tr) : module_->forward_owned(std::move(x));
            return forward_result(y, with_trace ? &tr : nullptr);
        }, module_->class_name());
    }

    val state_dict() const {
        return guarded([&]() -> val {
            val out = val::object();
            for (const auto& [key, value] : module_->get_state_dict()) out.set(key, to_js(value));
            return out;
        }, module_->class_name());
    }

    // entries: [{key, data, shape}, ...]
    val load_state_dict(val entries) {
        return guarded([&]() -> val {
            attn::state_dict sd;
            const unsigned n = entries["length"].as<unsigned>();
            for (unsigned i = 0; i < n; ++i) {
                val e = entries[i];
                sd.emplace_back(e["key"].as<std::string>(), from_js(e["data"], e["shape"], module_->class_name()));
            }
            module_->load_state_dict(sd);
            return val::null();
        }, module_->class_name());
    }

    void train(bool mode) { module_->train(mode); }
    bool training() const { return module_->training(); }
    std::string class_name() const { return module_->class_name(); }

private:
    std::unique_ptr<attn::module> module_;
};

// ---- functions ------------------------------------------------------------------------------

val softmax(val data, val shape, double dim) {
    return guarded([&]() -> val {
        // Checked on the double: converting NaN, ±Infinity or 1e20 to an integer is undefined.
        if (!std::isfinite(dim) || dim != std::floor(dim))
            attn::raise_range({"softmax", "dim"}, "dim (", attn::js_number{dim}, ") must be an integer");
        attn::tensor x = from_js(data, shape, "softmax");
        const double rank = static_cast<double>(x.dimension());
        if (std::fabs(dim) > rank + 1) {  // out of range either way; keeps the cast below defined
            if (std::fabs(dim) <= 9007199254740992.0)  // print integers as integers (js_number gives 1e+02)
                attn::raise_range({"softmax", "dim"}, "dim (", static_cast<long long>(dim),
                                  ") is out of range for a tensor of rank ", x.dimension());
            attn::raise_range({"softmax", "dim"}, "dim (", attn::js_number{dim}, ") is out of range for a tensor of rank ",
                              x.dimension());
        }
        return to_js(attn::softmax(x, static_cast<std::int64_t>(dim)));
    }, "softmax");
}

val simplified(val data, val shape, bool with_trace) {
    return guarded([&]() -> val {
        attn::trace tr;
        attn::tensor y = attn::simplified_self_attention(from_js(data, shape, "simplifiedSelfAttention"),
                                                         with_trace ? &tr : nullptr);
        return forward_result(y, with_trace ? &tr : nullptr);
    }, "simplifiedSelfAttention");
}

constexpr char sum_normalize_name[] = "sumNormalize";
constexpr char softmax_naive_name[] = "softmaxNaive";
constexpr char mask_and_renormalize_name[] = "maskAndRenormalize";

template <attn::tensor (*F)(const attn::tensor&), const char* Name>
val unary(val data, val shape) {
    return guarded([&]() -> val { return to_js(F(from_js(data, shape, Name))); }, Name);
}

val tril_ones(double t) {
    return guarded([&]() -> val {
        const std::size_t n = attn::validate::size_number("trilOnes", "t", t);
        attn::validate::fits("trilOnes", "the (t, t) result", static_cast<double>(n) * static_cast<double>(n));
        return to_js(attn::tril_ones(n));
    }, "trilOnes");
}

// seed as two 32-bit halves of its 64-bit two's complement (index.js splits safe integers and BigInts)
void manual_seed(double hi, double lo) {
    const auto h = static_cast<std::uint64_t>(hi), l = static_cast<std::uint64_t>(lo);
    attn::default_generator().manual_seed((h << 32) | l);
}

val random_tensor(val shape, bool normal) {
    return guarded([&]() -> val {
        const char* what = normal ? "randn" : "rand";
        const attn::shape_t s = shape_from_js(shape, what);
        attn::validate::fits(what, "the tensor", static_cast<double>(attn::checked_numel(s, what)));
        auto& gen = attn::default_generator();
        return to_js(normal ? gen.randn(s) : gen.rand(s));
    }, normal ? "randn" : "rand");
}

// Bytes the allocator has handed out and not taken back: flat across calls means no leak.
double heap_in_use() { return static_cast<double>(mallinfo().uordblks); }
double heap_size() { return static_cast<double>(emscripten_get_heap_size()); }

bool simd_build() {
#ifdef __wasm_simd128__
    return true;
#else
    return false;
#endif
}

// The fast path's thread count, counting the calling thread (kernels/parallel.hpp). index.js sets
// it once, right after loading the threaded build (attention_wasm_mt), to 1 + the pthread workers
// it asked Emscripten to pre-load; it returns what it got (1 in the single-thread build).
int set_threads(double n) {
    if (!(n >= 1) || n > 256 || n != std::floor(n)) return attn::kernels::threads();
    return attn::kernels::set_threads(static_cast<int>(n));
}
int thread_count() { return attn::kernels::threads(); }

double madd_peak(double iterations) { return attn::kernels::f32_madd_peak_loop(static_cast<long>(iterations)); }

// index.js checks the sizes (integers in [1, 4096], repeats in [1, 1000]) before calling.
double gemm_bench(int m, int k, int n, int repeats) { return attn::kernels::f32_gemm_bench(m, k, n, repeats); }

// The module may use what is left of the maximum heap after code, stack and static data.
struct memory_limit_init {
    memory_limit_init() { attn::set_memory_limit(static_cast<std::size_t>(ATTN_MAX_MEMORY) - (std::size_t{64} << 20)); }
} memory_limit_init_instance;

}  // namespace

EMSCRIPTEN_BINDINGS(attention_wasm) {
    emscripten::class_<module_handle>("ModuleHandle")
        .constructor<>()
        .function("init", &module_handle::init)
        .function("forward", &module_handle::forward)
        .function("stateDict", &module_handle::state_dict)
        .function("loadStateDict", &module_handle::load_state_dict)
        .function("train", &module_handle::train)
        .function("training", &module_handle::training)
        .function("className", &module_handle::class_name);
    emscripten::function("softmax", &softmax);
    emscripten::function("simplifiedSelfAttention", &simplified);
    emscripten::function("sumNormalize", &unary<attn::sum_normalize, sum_normalize_name>);
    emscripten::function("softmaxNaive", &unary<attn::softmax_naive, softmax_naive_name>);
    emscripten::function("maskAndRenormalize", &unary<attn::mask_and_renormalize, mask_and_renormalize_name>);
    emscripten::function("trilOnes", &tril_ones);
    emscripten::function("manualSeed", &manual_seed);
    emscripten::function("randomTensor", &random_tensor);
    emscripten::function("heapInUse", &heap_in_use);
    emscripten::function("heapSize", &heap_size);
    emscripten::function("simdBuild", &simd_build);
    emscripten::function("maddPeak", &madd_peak);
    emscripten::function("gemmBench", &gemm_bench);
    emscripten::function("warmUp", &attn::kernels::warm_up);
    emscripten::function("setThreads", &set_threads);
    emscripten::function("threads", &thread_count);
    emscripten::constant("maxMemory", static_cast<double>(ATTN_MAX_MEMORY));
}
