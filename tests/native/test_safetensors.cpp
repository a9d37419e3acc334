// GPT models from the .safetensors checkpoints make_fixtures_ch05.py wrote (tests/fixtures/checkpoints:
// Hugging Face's and the book's layouts, F32, F16 and BF16): the inferred config, the logits PyTorch
// computes from the same weights, a cfg override, the data streamed in awkward chunks, and every
// way a file can be wrong, each refused naming the tensor, with the generator left untouched.
#include <catch2/catch.hpp>

#include <fstream>
#include <iterator>

#include "checks.hpp"
#include "fixtures.hpp"
#include "gpt/safetensors.hpp"

namespace {

struct file {
    std::vector<std::uint8_t> bytes;
    std::vector<attn::gpt::st_entry> entries;
    std::size_t data_start = 0;
};

// The header as the JS layer reads it: 8-byte little-endian length, then JSON.
file read_checkpoint(const std::string& name) {
    std::ifstream in(std::string(ATTN_FIXTURES_DIR) + "/checkpoints/" + name, std::ios::binary);
    REQUIRE(in);
    file f;
    f.bytes.assign(std::istreambuf_iterator<char>(in), {});
    std::uint64_t n = 0;
    for (int i = 7; i >= 0; --i) n = n << 8 | f.bytes[static_cast<std::size_t>(i)];
    f.data_start = 8 + static_cast<std::size_t>(n);
    const auto header = fixtures::parse(std::string(f.bytes.begin() + 8, f.bytes.begin() + static_cast<std::ptrdiff_t>(f.data_start)));
    for (const auto& [key, v] : header.obj) {
        if (key == "__metadata__") continue;
        attn::gpt::st_entry e;
        e.name = key;
        e.dtype = v["dtype"].str;
        e.shape = fixtures::to_shape(v["shape"]);
        e.begin = static_cast<std::uint64_t>(v["data_offsets"][0].num);
        e.end = static_cast<std::uint64_t>(v["data_offsets"][1].num);
        f.entries.push_back(e);
    }
    return f;
}

std::unique_ptr<attn::gpt::gpt_model> load(const file& f, std::size_t chunk, attn::gpt::config given = {},
                                           unsigned keys = 0) {
    attn::gpt::safetensors_loader loader(f.entries, f.bytes.size() - f.data_start, given, keys);
    for (std::size_t at = f.data_start; at < f.bytes.size(); at += chunk)
        loader.write(f.bytes.data() + at, std::min(chunk, f.bytes.size() - at));
    return loader.finish();
}

double model_abs_tol(const attn::tensor& expected) {
    double m = 0;
    for (float v : expected) m = std::max(m, static_cast<double>(std::fabs(v)));
    return 2e-4 * m;
}

attn::tensor logits(attn::gpt::gpt_model& m, const attn::token_ids& ids) { return m.forward(ids, {}, nullptr); }

}  // namespace

TEST_CASE("every checkpoint loads in both layouts and all three dtypes, giving PyTorch's logits", "[safetensors]") {
    for (const auto& c : fixtures::load("ch05.json")["checkpoints"].arr) {
        INFO("checkpoint " << c["file"].str);
        const file f = read_checkpoint(c["file"].str);
        for (std::size_t chunk : {std::size_t{7}, std::size_t{4096}, f.bytes.size()}) {
            INFO("chunks of " << chunk << " bytes");
            auto m = load(f, chunk);
            const auto& want = c["cfg"];
            CHECK(m->cfg().vocab_size == want["vocab_size"].num);
            CHECK(m->cfg().n_heads == want["n_heads"].num);
            CHECK(m->cfg().qkv_bias == want["qkv_bias"].b);
            CHECK_FALSE(m->training());
            for (const auto& k : c["cases"].arr) {
                const attn::tensor expected = fixtures::to_tensor(k["logits"]);
                REQUIRE_CLOSE(logits(*m, fixtures::to_ids(k["ids"])), expected, model_abs_tol(expected), 2e-4);
            }
        }
        // A cfg key overrides what the shapes imply (n_heads cannot be read from them).
        const auto& o = c["override"];
        attn::gpt::config given;
        given.n_heads = o["cfg_override"]["n_heads"].num;
        auto m = load(f, 100000, given, attn::gpt::n_heads);
        const attn::tensor expected = fixtures::to_tensor(o["logits"]);
        REQUIRE_CLOSE(logits(*m, fixtures::to_ids(o["ids"])), expected, model_abs_tol(expected), 2e-4);
    }
}

TEST_CASE("a checkpoint that is truncated, lacks a tensor or has a wrong shape or dtype is refused, naming the tensor",
          "[safetensors]") {
    const file f = read_checkpoint("gpt2_tiny_hf_f32.safetensors");
    attn::generator& gen = attn::default_generator();
    gen.manual_seed(9);
    const float next = attn::generator(gen).rand({1})(0);  // what the generator gives next
    auto refused = [&](file g, const char* part) {
        REQUIRE_THAT(checks::range_error([&] { load(g, 1000); }),
                     Catch::Matchers::StartsWith("GPTModel.fromSafetensors: ") && Catch::Matchers::Contains(part));
    };
    file truncated = f;
    truncated.bytes.resize(f.bytes.size() - 100);
    {
        attn::gpt::safetensors_loader loader(truncated.entries, f.bytes.size() - f.data_start, {}, 0);
        loader.write(truncated.bytes.data() + f.data_start, truncated.bytes.size() - f.data_start);
        REQUIRE_THAT(checks::range_error([&] { loader.finish(); }), Catch::Matchers::Contains("truncated"));
    }
    file missing = f;
    missing.entries.erase(std::find_if(missing.entries.begin(), missing.entries.end(),
                                       [](const auto& e) { return e.name == "h.1.mlp.c_fc.weight"; }));
    refused(missing, "no tensor 'h.1.mlp.c_fc.weight' (expected shape (64, 256))");
    file reshaped = f;
    for (auto& e : reshaped.entries)
        if (e.name == "h.0.attn.c_proj.weight") e.shape = {32, 128};
    refused(reshaped, "'h.0.attn.c_proj.weight' has shape (32, 128), expected (64, 64)");
    auto entry = [](file& g, const char* name) -> attn::gpt::st_entry& {
        return *std::find_if(g.entries.begin(), g.entries.end(), [&](const auto& e) { return e.name == name; });
    };
    file dtype = f;
    entry(dtype, "wpe.weight").dtype = "I64";
    refused(dtype, "tensor 'wpe.weight' has dtype I64");
    file extra = f;
    extra.entries.push_back({"h.0.attn.c_attn.extra", "F32", {1}, 0, 4});
    refused(extra, "'h.0.attn.c_attn.extra', which this GPT model does not have");
    file overlap = f;
    auto& ln = entry(overlap, "ln_f.bias");
    ln.begin = entry(overlap, "ln_f.weight").begin;
    ln.end = ln.begin + 64 * 4;
    refused(overlap, "overlap");
    file foreign = f;
    for (auto& e : foreign.entries) e.name = "model." + e.name;
    refused(foreign, "not a GPT-2 checkpoint");
    // Loading draws nothing: the generator gives what it would have given.
    REQUIRE(gen.rand({1})(0) == next);
}
