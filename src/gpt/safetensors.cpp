#include "gpt/safetensors.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

#include "core/errors.hpp"

namespace attn::gpt {

namespace {

const char* const kWho = "GPTModel.fromSafetensors";

[[noreturn]] void refuse(const std::string& what) { raise_range({kWho, "source"}, what); }

std::size_t dtype_size(const std::string& dtype, const std::string& name) {
    if (dtype == "F32") return 4;
    if (dtype == "F16" || dtype == "BF16") return 2;
    refuse("tensor '" + name + "' has dtype " + dtype + ", expected F32, F16 or BF16");
}

float f16_to_f32(std::uint16_t h) {
    const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
    const std::uint32_t exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
    std::uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {  // subnormal: normalise into a float's exponent
            int e = -1;
            std::uint32_t m = mant;
            do {
                ++e;
                m <<= 1;
            } while ((m & 0x400u) == 0);
            bits = sign | static_cast<std::uint32_t>(127 - 15 - e) << 23 | (m & 0x3ffu) << 13;
        }
    } else if (exp == 0x1f) {
        bits = sign | 0x7f800000u | mant << 13;  // inf, NaN
    } else {
        bits = sign | (exp + 127 - 15) << 23 | mant << 13;
    }
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

float bf16_to_f32(std::uint16_t b) {
    const std::uint32_t bits = static_cast<std::uint32_t>(b) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

// count little-endian elements of `dtype` at src into floats.
void convert(st_dtype dtype, const std::uint8_t* src, std::size_t count, float* out) {
    if (dtype == st_dtype::f32) {
        std::memcpy(out, src, count * 4);
        return;
    }
    for (std::size_t i = 0; i < count; ++i) {
        const std::uint16_t h = static_cast<std::uint16_t>(src[2 * i] | src[2 * i + 1] << 8);
        out[i] = dtype == st_dtype::f16 ? f16_to_f32(h) : bf16_to_f32(h);
    }
}

// Where a tensor of the file goes: its expected shape and what to do with each row (its last axis).
struct sink {
    shape_t shape;
    std::function<void(std::size_t row, const float* values)> put;
};

// A plain parameter (an embedding, a bias, a LayerNorm vector): row r of its own layout.
sink copy_rows(nn::tensor_parameter& p) {
    return {p.shape(), [&p](std::size_t r, const float* v) {
                const std::size_t n = p.value.shape().back();
                std::copy(v, v + n, p.value.data() + r * n);
            }};
}

// nn.Linear's weight given in PyTorch's (out, in) layout.
sink linear_rows(nn::packed_matrix& w) {
    return {w.shape(), [&w](std::size_t r, const float* v) { w.set_row(r, v); }};
}

// nn.Linear's weight given in Conv1D's (in, out) layout (GPT-2's checkpoints): row i holds input
// feature i's weights for every output; `parts` weights side by side in one row (c_attn: q | k | v).
sink conv1d_rows(std::vector<nn::packed_matrix*> parts) {
    const std::size_t out = static_cast<std::size_t>(parts.front()->packed.n);
    const std::size_t in = static_cast<std::size_t>(parts.front()->packed.k);
    return {{in, out * parts.size()}, [parts, out](std::size_t i, const float* v) {
                for (std::size_t p = 0; p < parts.size(); ++p) parts[p]->set_input_row(i, v + p * out);
            }};
}

// Biases side by side in one vector (c_attn.bias: q | k | v).
sink split_vector(std::vector<nn::tensor_parameter*> parts) {
    const std::size_t n = parts.front()->value.size();
    return {{n * parts.size()}, [parts, n](std::size_t, const float* v) {
                for (std::size_t p = 0; p < parts.size(); ++p) std::copy(v + p * n, v + (p + 1) * n, parts[p]->value.data());
            }};
}

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }
bool ends_with(const std::string& s, const std::string& e) {
    return s.size() >= e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0;
}

// The tensors a layout's file must hold for this model, and where each goes (the book's
// load_weights_into_gpt, ch05/02_alternative_weight_loading, as a table).
std::map<std::string, sink> expected_tensors(gpt_model& m, bool hugging_face, bool tied) {
    std::map<std::string, sink> out;
    if (!hugging_face) {  // the book's own keys: the model's state dict
        for (auto& [key, p] : m.named_parameters()) {
            if (auto* w = dynamic_cast<nn::packed_matrix*>(p)) out.emplace(key, linear_rows(*w));
            else out.emplace(key, copy_rows(*dynamic_cast<nn::tensor_parameter*>(p)));
        }
        return out;
    }
    sink wte = copy_rows(m.tok_emb.weight);
    if (tied) {  // out_head is wte: each row goes to both
        auto& head = m.out_head.weight;
        wte.put = [copy = wte.put, &head](std::size_t r, const float* v) {
            copy(r, v);
            head.set_row(r, v);
        };
    } else {
        out.emplace("lm_head.weight", linear_rows(m.out_head.weight));
    }
    out.emplace("wte.weight", wte);
    out.emplace("wpe.weight", copy_rows(m.pos_emb.weight));
    for (std::size_t b = 0; b < m.trf_blocks.size(); ++b) {
        transformer_block& blk = *m.trf_blocks[b];
        const std::string h = "h." + std::to_string(b) + ".";
        out.emplace(h + "ln_1.weight", copy_rows(blk.norm1.scale));
        out.emplace(h + "ln_1.bias", copy_rows(blk.norm1.shift));
        out.emplace(h + "ln_2.weight", copy_rows(blk.norm2.scale));
        out.emplace(h + "ln_2.bias", copy_rows(blk.norm2.shift));
        auto& att = blk.att;
        out.emplace(h + "attn.c_attn.weight", conv1d_rows({&att.W_query.weight, &att.W_key.weight, &att.W_value.weight}));
        if (att.W_query.has_bias())
            out.emplace(h + "attn.c_attn.bias", split_vector({&att.W_query.bias, &att.W_key.bias, &att.W_value.bias}));
        out.emplace(h + "attn.c_proj.weight", conv1d_rows({&att.out_proj.weight}));
        out.emplace(h + "attn.c_proj.bias", copy_rows(att.out_proj.bias));
        out.emplace(h + "mlp.c_fc.weight", conv1d_rows({&blk.ff.fc1.weight}));
        out.emplace(h + "mlp.c_fc.bias", copy_rows(blk.ff.fc1.bias));
        out.emplace(h + "mlp.c_proj.weight", conv1d_rows({&blk.ff.fc2.weight}));
        out.emplace(h + "mlp.c_proj.bias", copy_rows(blk.ff.fc2.bias));
    }
    out.emplace("ln_f.weight", copy_rows(m.final_norm.scale));
    out.emplace("ln_f.bias", copy_rows(m.final_norm.shift));
    return out;
}

// Buffers a checkpoint may carry that the model does not load: the causal masks.
bool skipped(const std::string& name, bool hugging_face) {
    if (hugging_face) return ends_with(name, ".attn.bias") || ends_with(name, ".attn.masked_bias");
    return ends_with(name, ".att.mask");
}

// The layer index in "h.3.attn..." / "trf_blocks.3.att...", or -1.
long layer_of(const std::string& name, const std::string& prefix) {
    if (!starts_with(name, prefix)) return -1;
    const std::size_t end = name.find('.', prefix.size());
    const std::string digits = name.substr(prefix.size(), end - prefix.size());
    if (digits.empty() || digits.size() > 6 || !std::all_of(digits.begin(), digits.end(), ::isdigit)) return -1;
    return std::stol(digits);
}

}  // namespace

struct safetensors_loader::target {
    std::string name;
    std::uint64_t begin, end;
    std::size_t elem, row_len, rows;
    st_dtype dtype;
    std::function<void(std::size_t, const float*)> put;
};

safetensors_loader::safetensors_loader(std::vector<st_entry> entries, std::uint64_t data_bytes, const config& given,
                                       unsigned given_keys)
    : data_bytes_(data_bytes) {
    for (auto& e : entries)  // Hugging Face's GPT2Model files may prefix the model's own keys
        if (starts_with(e.name, "transformer.")) e.name = e.name.substr(std::string("transformer.").size());
    std::map<std::string, const st_entry*> by_name;
    for (const auto& e : entries)
        if (!by_name.emplace(e.name, &e).second) refuse("tensor '" + e.name + "' appears twice in the header");
    hugging_face_ = by_name.count("wte.weight") > 0;
    const std::string tok = hugging_face_ ? "wte.weight" : "tok_emb.weight";
    const std::string pos = hugging_face_ ? "wpe.weight" : "pos_emb.weight";
    for (const auto& key : {tok, pos}) {
        auto it = by_name.find(key);
        if (it == by_name.end())
            refuse("the header has no '" + key + "'" +
                   (hugging_face_ ? "" : " (nor Hugging Face's wte.weight): not a GPT-2 checkpoint of either layout"));
        if (it->second->shape.size() != 2)
            refuse("tensor '" + key + "' has shape " + shape_str(it->second->shape) + ", expected (rows, emb_dim)");
    }
    // The config from the shapes, then the caller's keys.
    config c;
    c.vocab_size = static_cast<double>(by_name[tok]->shape[0]);
    c.emb_dim = static_cast<double>(by_name[tok]->shape[1]);
    c.context_length = static_cast<double>(by_name[pos]->shape[0]);
    long layers = 0;
    const std::string block_prefix = hugging_face_ ? "h." : "trf_blocks.";
    for (const auto& e : entries) layers = std::max(layers, layer_of(e.name, block_prefix) + 1);
    c.n_layers = static_cast<double>(layers);
    const std::size_t emb = by_name[tok]->shape[1];
    c.n_heads = emb % 64 == 0 ? static_cast<double>(emb / 64) : 0;  // GPT-2's head size, unless given
    c.qkv_bias = by_name.count(hugging_face_ ? "h.0.attn.c_attn.bias" : "trf_blocks.0.att.W_query.bias") > 0;
    c.drop_rate = 0;
    if (given_keys & vocab_size) c.vocab_size = given.vocab_size;
    if (given_keys & context_length) c.context_length = given.context_length;
    if (given_keys & emb_dim) c.emb_dim = given.emb_dim;
    if (given_keys & n_heads) c.n_heads = given.n_heads;
    if (given_keys & n_layers) c.n_layers = given.n_layers;
    if (given_keys & drop_rate) c.drop_rate = given.drop_rate;
    if (given_keys & qkv_bias) c.qkv_bias = given.qkv_bias;
    if (c.n_heads == 0)
        raise_range({kWho, "cfg.n_heads"}, "cfg.n_heads must be given: emb_dim (", emb,
                    ") is not a multiple of GPT-2's head size, 64");
    cfg_ = check(kWho, c, all_keys);

    // The model, with zero parameters and no draws from the generator, then every tensor checked.
    {
        const generator::skip_fills no_draws(default_generator());
        model_ = std::make_unique<gpt_model>(c, default_generator());
    }
    std::map<std::string, sink> expected = expected_tensors(*model_, hugging_face_, by_name.count("lm_head.weight") == 0);
    for (const auto& e : entries) {
        if (skipped(e.name, hugging_face_)) continue;
        auto it = expected.find(e.name);
        if (it == expected.end()) refuse("the header has tensor '" + e.name + "', which this GPT model does not have");
        if (e.shape != it->second.shape)
            refuse("tensor '" + e.name + "' has shape " + shape_str(e.shape) + ", expected " + shape_str(it->second.shape));
        const std::size_t elem = dtype_size(e.dtype, e.name);
        std::uint64_t count = 1;
        for (std::size_t d : e.shape) count *= d;
        if (e.end < e.begin || e.end - e.begin != count * elem)
            refuse("tensor '" + e.name + "' has data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                   "], expected " + std::to_string(count * elem) + " bytes for its shape and dtype");
        if (e.end > data_bytes_)
            refuse("tensor '" + e.name + "' ends at byte " + std::to_string(e.end) + " of the data, which has " +
                   std::to_string(data_bytes_) + ": the file is truncated");
        const std::size_t row_len = e.shape.empty() ? 1 : e.shape.back();
        targets_.push_back({e.name, e.begin, e.end, elem, row_len, static_cast<std::size_t>(row_len ? count / row_len : 0),
                            e.dtype == "F32" ? st_dtype::f32 : e.dtype == "F16" ? st_dtype::f16 : st_dtype::bf16,
                            it->second.put});
        expected.erase(it);
    }
    if (!expected.empty())
        refuse("the header has no tensor '" + expected.begin()->first + "' (expected shape " +
               shape_str(expected.begin()->second.shape) + ")");
    std::sort(targets_.begin(), targets_.end(), [](const target& a, const target& b) { return a.begin < b.begin; });
    for (std::size_t i = 1; i < targets_.size(); ++i)
        if (targets_[i].begin < targets_[i - 1].end)
            refuse("tensors '" + targets_[i - 1].name + "' and '" + targets_[i].name + "' overlap in the data");
    std::size_t widest = 1;
    for (const auto& t : targets_) widest = std::max(widest, t.row_len);
    row_.resize(widest);
}

safetensors_loader::~safetensors_loader() = default;

void safetensors_loader::write(const std::uint8_t* bytes, std::size_t n) {
    while (n > 0) {
        if (current_ == targets_.size()) {  // past the last tensor: padding the loader has no use for
            pos_ += n;
            return;
        }
        const target& t = targets_[current_];
        if (pos_ < t.begin) {  // alignment padding between tensors
            const std::size_t skip = static_cast<std::size_t>(std::min<std::uint64_t>(n, t.begin - pos_));
            bytes += skip;
            n -= skip;
            pos_ += skip;
            continue;
        }
        const std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(n, t.end - pos_));
        std::size_t i = 0;
        while (i < take) {
            if (partial_fill_ > 0 || take - i < t.elem) {  // an element split across writes
                partial_[partial_fill_++] = bytes[i++];
                if (partial_fill_ < t.elem) continue;
                partial_fill_ = 0;
                convert(t.dtype, partial_, 1, row_.data() + row_fill_++);
            } else {  // whole elements, up to the end of the row
                const std::size_t count = std::min((take - i) / t.elem, t.row_len - row_fill_);
                convert(t.dtype, bytes + i, count, row_.data() + row_fill_);
                row_fill_ += count;
                i += count * t.elem;
            }
            if (row_fill_ == t.row_len) {
                t.put(rows_done_++, row_.data());
                row_fill_ = 0;
            }
        }
        bytes += take;
        n -= take;
        pos_ += take;
        if (pos_ == t.end) {
            ++current_;
            rows_done_ = 0;
        }
    }
}

std::unique_ptr<gpt_model> safetensors_loader::finish() {
    if (current_ < targets_.size())
        refuse("the file ends within tensor '" + targets_[current_].name + "' (" + std::to_string(pos_) + " of " +
               std::to_string(data_bytes_) + " data bytes read): it is truncated");
    model_->eval();
    return std::move(model_);
}

}  // namespace attn::gpt
