// The Embind surface of the wasm module — the only file that includes Emscripten headers.
//
// Tensors cross as {shape: number[], data: Float32Array}: inputs are copied into the heap with
// one TypedArray.set, results come back as fresh Float32Arrays copied out of it (the caller
// owns them). Errors never cross as C++ exceptions: every entry point catches attn::error (and
// std::bad_alloc) and returns {error: "type" | "range", message, module, argument}, which
// src/js/errors.js turns into a TypeError / RangeError. So no input can abort the instance or
// leak what a throwing call had allocated (destructors run inside C++).
//
// The JS layer has checked the JavaScript kinds (numbers are numbers, shapes are arrays of
// numbers); this file converts once, and every value is checked by the core (core/validate).
#include <emscripten/bind.h>
#include <emscripten/heap.h>
#include <emscripten/val.h>

#include <malloc.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "api/class_table.hpp"
#include "attention/chapter_steps.hpp"
#include "attention/self_attention.hpp"
#include "core/errors.hpp"
#include "core/generator.hpp"
#include "core/limits.hpp"
#include "core/validate.hpp"
#include "core/workspace.hpp"
#include "gpt/generation.hpp"
#include "gpt/safetensors.hpp"
#include "kernels/parallel.hpp"
#include "kernels/peak.hpp"
#include "kernels/warm_up.hpp"

using emscripten::val;

namespace {

volatile float g_read_sink = 0;  // read_parameters' sums

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
val guarded(F&& body, const std::string& who) {
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

// shape: a JS array of numbers (index.js checked the kinds); the core checks the values.
attn::shape_t shape_from_js(const val& shape, const char* who) {
    const auto dims = emscripten::vecFromJSArray<double>(shape);
    return attn::validate::shape(who, "shape", dims.data(), dims.size());
}

// data: a Float32Array of the shape's product (tensor.js keeps the two consistent).
attn::tensor from_js(const val& data, const val& shape, const char* who) {
    const attn::shape_t s = shape_from_js(shape, who);
    attn::tensor t = attn::workspace(who).take("the input", s);
    if (data["length"].as<double>() != static_cast<double>(t.size()))
        attn::raise_range({who, "x"}, "data has ", data["length"].as<double>(), " values, shape ", attn::shape_str(s),
                          " needs ", t.size());
    if (t.size()) val(emscripten::typed_memory_view(t.size(), t.data())).call<void>("set", data);
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
    if (!tr.layers.empty()) {
        val layers = val::array();
        for (const auto& layer : tr.layers) layers.call<void>("push", layer ? trace_to_js(*layer) : val::null());
        out.set("layers", layers);
    }
    return out;
}

// ids: a Float64Array of the shape's product (the values are checked by the core against vocab).
attn::token_ids ids_from_js(const val& data, const val& shape, const char* who, const char* arg, std::size_t vocab) {
    const attn::shape_t s = shape_from_js(shape, who);
    const std::vector<double> values = emscripten::convertJSArrayToNumberVector<double>(data);
    if (values.size() != static_cast<std::size_t>(attn::floats_of(s)))
        attn::raise_range({who, arg}, arg, " has ", values.size(), " values, shape ", attn::shape_str(s), " needs ",
                          attn::floats_of(s));
    return attn::validate::ids(who, arg, values.data(), s, vocab);
}

val ids_to_js(const attn::token_ids& ids) {
    val out = val::object();
    val shape = val::array();
    for (std::size_t d : ids.shape) shape.call<void>("push", static_cast<double>(d));
    out.set("shape", shape);
    out.set("data", val::global("Int32Array").new_(emscripten::typed_memory_view(ids.data.size(), ids.data.data())));
    return out;
}

val forward_result(const attn::tensor& output, const attn::trace* tr) {
    val r = val::object();
    r.set("output", to_js(output));
    if (tr) r.set("trace", trace_to_js(*tr));
    return r;
}

val strings(const std::vector<std::string>& list) {
    val out = val::array();
    for (const auto& s : list) out.call<void>("push", val(s));
    return out;
}

// ---- the class table --------------------------------------------------------------------------

const char* kind_name(attn::api::arg_kind k) {
    switch (k) {
        case attn::api::arg_kind::size: return "size";
        case attn::api::arg_kind::probability: return "probability";
        case attn::api::arg_kind::flag: return "flag";
        case attn::api::arg_kind::config: return "config";
    }
    return "";
}

val args_to_js(const std::vector<attn::api::arg_spec>& args) {
    val out = val::array();
    for (const auto& a : args) {
        val v = val::object();
        v.set("name", val(a.name));
        v.set("kind", val(kind_name(a.kind)));
        v.set("bookName", val(a.book_name));
        out.call<void>("push", v);
    }
    return out;
}

// [{name, bookName, section, args: [{name, kind, bookName}], options: [...], input}, ...]
val class_table() {
    val out = val::array();
    for (const auto& spec : attn::api::class_table()) {
        val c = val::object();
        c.set("name", val(spec.name));
        c.set("bookName", val(spec.book_name));
        c.set("section", val(spec.section));
        c.set("args", args_to_js(spec.args));
        c.set("options", args_to_js(spec.options));
        c.set("config", args_to_js(spec.config));
        c.set("input", val(spec.input == attn::api::input_kind::floats ? "floats" : "tokenIds"));
        c.set("inputArg", val(spec.input_arg));
        out.call<void>("push", c);
    }
    return out;
}

// A config (gpt::config or gpt::checked_config) as the book's dict.
template <class Config>
val config_to_js(const Config& c) {
    val out = val::object();
    out.set("vocab_size", static_cast<double>(c.vocab_size));
    out.set("context_length", static_cast<double>(c.context_length));
    out.set("emb_dim", static_cast<double>(c.emb_dim));
    out.set("n_heads", static_cast<double>(c.n_heads));
    out.set("n_layers", static_cast<double>(c.n_layers));
    out.set("drop_rate", c.drop_rate);
    out.set("qkv_bias", c.qkv_bias);
    return out;
}

// The book's GPT_CONFIG_124M, from the core (one definition).
val gpt_config_124m() { return config_to_js(attn::gpt::gpt2_124m); }

// ---- modules --------------------------------------------------------------------------------

// A .safetensors file streaming into a GPT model (GPTModel.fromSafetensors in api.js): begin with the
// header's tensors, write the data section chunk by chunk, and a ModuleHandle adopts the model.
class safetensors_handle {
public:
    static constexpr const char* who = "GPTModel.fromSafetensors";

    // entries: [{name, dtype, shape, begin, end}] (api.js parsed the JSON header); cfg: the keys the
    // caller gave ({n_heads: 4}), checked for kinds by api.js. Returns {cfg, layout} or an error.
    val begin(val entries, double data_bytes, val cfg) {
        return guarded([&]() -> val {
            std::vector<attn::gpt::st_entry> list;
            const unsigned n = entries["length"].as<unsigned>();
            for (unsigned i = 0; i < n; ++i) {
                val e = entries[i];
                list.push_back({e["name"].as<std::string>(), e["dtype"].as<std::string>(),
                                attn::validate::shape(who, "source", emscripten::vecFromJSArray<double>(e["shape"]).data(),
                                                      e["shape"]["length"].as<std::size_t>()),
                                static_cast<std::uint64_t>(e["begin"].as<double>()),
                                static_cast<std::uint64_t>(e["end"].as<double>())});
            }
            attn::gpt::config given;
            unsigned keys = 0;
            auto number = [&](const char* key, attn::gpt::config_key bit, double& field) {
                if (!cfg[key].isUndefined()) field = cfg[key].as<double>(), keys |= bit;
            };
            number("vocab_size", attn::gpt::vocab_size, given.vocab_size);
            number("context_length", attn::gpt::context_length, given.context_length);
            number("emb_dim", attn::gpt::emb_dim, given.emb_dim);
            number("n_heads", attn::gpt::n_heads, given.n_heads);
            number("n_layers", attn::gpt::n_layers, given.n_layers);
            number("drop_rate", attn::gpt::drop_rate, given.drop_rate);
            if (!cfg["qkv_bias"].isUndefined()) given.qkv_bias = cfg["qkv_bias"].as<bool>(), keys |= attn::gpt::qkv_bias;
            loader_ = std::make_unique<attn::gpt::safetensors_loader>(std::move(list),
                                                                      static_cast<std::uint64_t>(data_bytes), given, keys);
            val out = val::object();
            out.set("cfg", config_to_js(loader_->cfg()));
            out.set("layout", val(loader_->layout()));
            return out;
        }, who);
    }

    // The next bytes of the data section (a Uint8Array).
    val write(val bytes) {
        return guarded([&]() -> val {
            const std::size_t n = bytes["length"].as<std::size_t>();
            staging_.resize(n);
            if (n) val(emscripten::typed_memory_view(n, staging_.data())).call<void>("set", bytes);
            loader_->write(staging_.data(), n);
            return val::null();
        }, who);
    }

    // The model, if the data was complete (else an error, and nothing is kept).
    std::unique_ptr<attn::gpt::gpt_model> finish() {
        auto loader = std::move(loader_);
        staging_ = {};
        return loader->finish();
    }

private:
    std::unique_ptr<attn::gpt::safetensors_loader> loader_;
    std::vector<std::uint8_t> staging_;
};

// One handle type for every class of the class table: the JS classes of api.js hold one each.
class module_handle {
public:
    // Builds the named class from `args` ({dIn: 3, qkvBias: false, ...}, and a cfg's keys by their
    // own names: {emb_dim: 768, ...}; kinds checked by api.js); returns null or an error value.
    val init(const std::string& cls, val args) {
        return guarded([&]() -> val {
            const auto* spec = attn::api::find_class(cls);
            if (!spec) attn::raise_type({"attention-wasm", ""}, "unknown class '", cls, "'");
            spec_ = spec;
            attn::api::arg_values values;
            for (const auto* list : {&spec->args, &spec->options, &spec->config})
                for (const auto& a : *list) {
                    if (a.kind == attn::api::arg_kind::config) continue;  // its keys are in spec->config
                    if (a.kind == attn::api::arg_kind::flag) values.flags[a.name] = args[a.name].as<bool>();
                    else values.numbers[a.name] = args[a.name].as<double>();
                }
            module_ = spec->make(values, attn::default_generator());
            return val::null();
        }, cls);
    }

    // Token ids (data: Float64Array) through an Embedding or the GPT model. options:
    // {traceAll, traceLayers: number[], useCache}, checked for kinds by api.js.
    val forward_ids(val data, val shape, val options) {
        return guarded([&]() -> val {
            auto* m = dynamic_cast<attn::nn::token_module*>(module_.get());
            attn::nn::token_options o;
            o.use_cache = options["useCache"].as<bool>();
            o.last_only = options["lastOnly"].as<bool>();
            o.trace_all = options["traceAll"].as<bool>();
            for (double layer : emscripten::vecFromJSArray<double>(options["traceLayers"]))
                o.trace_layers.push_back(attn::validate::count(module_->class_name(), "options.trace.layers", layer));
            m->plan(shape_from_js(shape, module_->class_name()), o);
            const attn::token_ids ids = ids_from_js(data, shape, module_->class_name(), spec_->input_arg, m->vocab());
            attn::trace tr;
            attn::tensor y = m->forward(ids, o, o.traced() ? &tr : nullptr);
            return forward_result(y, o.traced() ? &tr : nullptr);
        }, module_->class_name());
    }

    void reset_kv_cache() { gpt()->reset_kv_cache(); }

    // Takes the model a safetensors_handle loaded (api.js wraps this handle in a GPTModel).
    val adopt(safetensors_handle& loader) {
        return guarded([&]() -> val {
            module_ = loader.finish();
            spec_ = attn::api::find_class("GPTModel");
            return val::null();
        }, safetensors_handle::who);
    }

    // The book's generation loops on this GPT model: mode 'simple' (greedy), 'cached' (greedy
    // with the KV cache; contextSize may be null) or 'sample' (temperature, topK, eosId; null
    // where not given). Returns the ids {shape, data: Int32Array}.
    val generate(std::string mode, val data, val shape, double max_new, val context_size, double temperature,
                 val top_k, val eos_id) {
        const char* fn = mode == "simple" ? "generateTextSimple" : mode == "cached" ? "generateTextSimpleCached" : "generate";
        return guarded([&]() -> val {
            auto& m = *gpt();
            const attn::token_ids idx = ids_from_js(data, shape, fn, "idx", m.vocab());
            const std::size_t n = attn::validate::count(fn, "maxNewTokens", max_new);
            std::optional<std::size_t> ctx;
            if (!context_size.isNull()) ctx = attn::validate::size(fn, "contextSize", context_size.as<double>());
            if (mode == "cached") return ids_to_js(attn::gpt::generate_text_simple_cached(m, idx, n, ctx));
            if (!ctx) attn::raise_type({fn, "contextSize"}, "contextSize is missing");
            if (mode == "simple") return ids_to_js(attn::gpt::generate_text_simple(m, idx, n, *ctx));
            attn::gpt::sampling s;
            s.temperature = attn::validate::non_negative(fn, "temperature", temperature);
            if (!top_k.isNull()) s.top_k = attn::validate::size(fn, "topK", top_k.as<double>());
            if (!eos_id.isNull()) {
                const double e = eos_id.as<double>();
                s.eos_id = static_cast<std::int32_t>(attn::validate::ids(fn, "eosId", &e, {}, m.vocab()).data[0]);
            }
            return ids_to_js(attn::gpt::generate(m, idx, n, *ctx, s, attn::default_generator()));
        }, fn);
    }

    val forward(val data, val shape, bool with_trace) {
        return guarded([&]() -> val {
            auto* m = dynamic_cast<attn::nn::tensor_module*>(module_.get());
            // The input's shape and the call's memory, checked before the input is copied in.
            m->plan(shape_from_js(shape, module_->class_name()), with_trace);
            attn::tensor x = from_js(data, shape, module_->class_name());
            attn::trace tr;
            // Without a trace the module may release its copy of x early (forward_owned).
            attn::tensor y = with_trace ? m->forward(x, &tr) : m->forward_owned(std::move(x));
            return forward_result(y, with_trace ? &tr : nullptr);
        }, module_->class_name());
    }

    val state_dict() const {
        return guarded([&]() -> val {
            val out = val::object();
            // One parameter at a time: the heap holds one unpacked copy at most, not the model's.
            for (const auto& [key, p] : module_->named_parameters()) out.set(key, to_js(p->get()));
            return out;
        }, module_->class_name());
    }

    // entries: [{key, data, shape}, ...]; returns {missingKeys, unexpectedKeys}.
    val load_state_dict(val entries, bool strict) {
        return guarded([&]() -> val {
            // Keys and shapes first; each tensor is copied into the heap only as it is written.
            std::vector<attn::nn::state_entry> sd;
            const unsigned n = entries["length"].as<unsigned>();
            for (unsigned i = 0; i < n; ++i) {
                val e = entries[i];
                sd.push_back({e["key"].as<std::string>(), shape_from_js(e["shape"], module_->class_name()),
                              [this, e] { return from_js(e["data"], e["shape"], module_->class_name()); }});
            }
            const auto result = module_->load_state_dict(sd, strict);
            val r = val::object();
            r.set("missingKeys", strings(result.missing_keys));
            r.set("unexpectedKeys", strings(result.unexpected_keys));
            return r;
        }, module_->class_name());
    }

    void train(bool mode) { module_->train(mode); }
    bool training() const { return module_->training(); }
    std::string class_name() const { return module_->class_name(); }
    double parameter_bytes() const { return static_cast<double>(module_->parameter_bytes()); }
    // Reads every parameter float once (attn.benchParameterRead): returns the bytes read. The sum
    // goes to a sink the compiler cannot see through.
    double read_parameters() const {
        double bytes = 0;
        float sum = 0;
        for (const auto& [key, p] : module_->named_parameters()) {
            sum += attn::kernels::f32_sum(p->bytes() / sizeof(float), p->storage());
            bytes += static_cast<double>(p->bytes());
        }
        g_read_sink = sum;
        return bytes;
    }

private:
    // This handle's GPT model (api.js calls GPT-only methods on GPTModel handles only).
    attn::gpt::gpt_model* gpt() const { return dynamic_cast<attn::gpt::gpt_model*>(module_.get()); }

    const attn::api::class_spec* spec_ = nullptr;
    std::unique_ptr<attn::nn::module> module_;
};

// ---- functions ------------------------------------------------------------------------------

// The next token of each row of logits (B, vocab) as the book's generate picks it: top-k, then
// argmax (temperature 0) or softmax(logits / temperature) and torch.multinomial's draws. Logits
// (B, T, vocab), as a forward returns them, are read at their last position (the book's
// logits[:, -1, :]), so a lastOnly forward's (B, 1, vocab) goes in as it comes.
val sample_next(val data, val shape, double temperature, val top_k) {
    const char* fn = "sampleNext";
    return guarded([&]() -> val {
        attn::tensor logits = from_js(data, shape, fn);
        const auto& s3 = logits.shape();
        if (logits.dimension() == 3 && s3[1] > 0) {
            const std::size_t rows = s3[0], positions = s3[1], vocab = s3[2];
            attn::tensor last = attn::tensor::from_shape({rows, vocab});  // (B, vocab)
            for (std::size_t b = 0; b < rows; ++b)
                std::copy_n(logits.data() + (b * positions + positions - 1) * vocab, vocab, last.data() + b * vocab);
            logits = std::move(last);
        }
        if (logits.dimension() != 2)
            attn::raise_range({fn, "logits"}, "logits must have shape (B, vocab_size) or (B, T, vocab_size) with T > 0, got ",
                              attn::shape_str(attn::to_shape(logits.shape())));
        attn::gpt::sampling s;
        s.temperature = attn::validate::non_negative(fn, "temperature", temperature);
        if (!top_k.isNull()) {
            s.top_k = attn::validate::size(fn, "topK", top_k.as<double>());
            if (*s.top_k > logits.shape()[1])
                attn::raise_range({fn, "topK"}, "topK (", *s.top_k, ") must be at most the vocabulary's ", logits.shape()[1]);
        }
        const auto next = attn::gpt::next_tokens(logits, s, attn::default_generator());
        return ids_to_js({{next.size()}, next});
    }, fn);
}

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
    return guarded([&]() -> val { return to_js(attn::tril_ones(attn::validate::size("trilOnes", "t", t))); }, "trilOnes");
}

// The values of a shape, checked by the core, for JS code that makes tensors itself (zeros, ones,
// tensor(data, shape)): returns null or an error value.
val check_shape(val shape, std::string who) {
    return guarded([&]() -> val {
        const attn::shape_t s = shape_from_js(shape, who.c_str());
        attn::validate::fits(who.c_str(), "the tensor", static_cast<double>(attn::checked_numel(s, who)));
        return val::null();
    }, who);
}

// seed as two 32-bit halves of its 64-bit two's complement (api.js splits safe integers and BigInts)
void manual_seed(double hi, double lo) {
    const auto h = static_cast<std::uint64_t>(hi), l = static_cast<std::uint64_t>(lo);
    attn::default_generator().manual_seed((h << 32) | l);
}

val random_tensor(val shape, bool normal) {
    const char* what = normal ? "randn" : "rand";
    return guarded([&]() -> val {
        attn::workspace ws(what);
        const attn::shape_t s = shape_from_js(shape, what);
        attn::tensor t = ws.take("the tensor", s);
        auto& gen = attn::default_generator();
        if (normal) gen.normal_(t.data(), t.size());
        else gen.uniform_(t.data(), t.size(), 0.0, 1.0);
        return to_js(t);
    }, what);
}

// Bytes the allocator has handed out and not taken back: flat across calls means no leak.
// (mallinfo's fields are ints: read as unsigned, they count up to the 4 GiB heap.)
double heap_in_use() { return static_cast<double>(static_cast<unsigned>(mallinfo().uordblks)); }
double heap_size() { return static_cast<double>(emscripten_get_heap_size()); }

bool simd_build() {
#ifdef __wasm_simd128__
    return true;
#else
    return false;
#endif
}

// The fast path's thread count, counting the calling thread (kernels/parallel.hpp). load.js sets
// it once, right after loading the threaded build (attention_wasm_mt), to 1 + the pthread workers
// it asked Emscripten to pre-load; it returns what it got (1 in the single-thread build).
int set_threads(double n) {
    if (!(n >= 1) || n > 256 || n != std::floor(n)) return attn::kernels::threads();
    return attn::kernels::set_threads(static_cast<int>(n));
}
int thread_count() { return attn::kernels::threads(); }

double madd_peak(double iterations) { return attn::kernels::f32_madd_peak_loop(static_cast<long>(iterations)); }

// api.js checks the sizes (integers in [1, 4096], repeats in [1, 1000]) before calling.
double gemm_bench(int m, int k, int n, int repeats) { return attn::kernels::f32_gemm_bench(m, k, n, repeats); }

// The module may use what is left of the maximum heap after code, stack and static data. (In 64
// bits: a 4 GiB maximum does not fit wasm32's size_t; what is left does.)
struct memory_limit_init {
    memory_limit_init() {
        attn::set_memory_limit(static_cast<std::size_t>(std::uint64_t{ATTN_MAX_MEMORY} - (std::uint64_t{64} << 20)));
    }
} memory_limit_init_instance;

}  // namespace

EMSCRIPTEN_BINDINGS(attention_wasm) {
    emscripten::class_<module_handle>("ModuleHandle")
        .constructor<>()
        .function("init", &module_handle::init)
        .function("forward", &module_handle::forward)
        .function("forwardIds", &module_handle::forward_ids)
        .function("resetKVCache", &module_handle::reset_kv_cache)
        .function("adopt", &module_handle::adopt)
        .function("generate", &module_handle::generate)
        .function("stateDict", &module_handle::state_dict)
        .function("loadStateDict", &module_handle::load_state_dict)
        .function("train", &module_handle::train)
        .function("training", &module_handle::training)
        .function("className", &module_handle::class_name)
        .function("parameterBytes", &module_handle::parameter_bytes)
        .function("readParameters", &module_handle::read_parameters);
    emscripten::class_<safetensors_handle>("SafetensorsLoader")
        .constructor<>()
        .function("begin", &safetensors_handle::begin)
        .function("write", &safetensors_handle::write);
    emscripten::function("classTable", &class_table);
    emscripten::function("gptConfig124M", &gpt_config_124m);
    emscripten::function("softmax", &softmax);
    emscripten::function("sampleNext", &sample_next);
    emscripten::function("simplifiedSelfAttention", &simplified);
    emscripten::function("sumNormalize", &unary<attn::sum_normalize, sum_normalize_name>);
    emscripten::function("softmaxNaive", &unary<attn::softmax_naive, softmax_naive_name>);
    emscripten::function("maskAndRenormalize", &unary<attn::mask_and_renormalize, mask_and_renormalize_name>);
    emscripten::function("trilOnes", &tril_ones);
    emscripten::function("checkShape", &check_shape);
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
    emscripten::constant("maxAxis", static_cast<double>(attn::max_axis));
}
