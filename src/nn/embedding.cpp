#include "nn/embedding.hpp"

#include <algorithm>

#include "core/validate.hpp"

namespace attn::nn {

embedding::embedding(double num_embeddings, double embedding_dim, generator& gen)
    : num_(validate::size(class_name(), "numEmbeddings", num_embeddings)),
      dim_(validate::size(class_name(), "embeddingDim", embedding_dim)),
      fits_(class_name(), parameter_floats(num_, dim_)),
      weight({num_, dim_}, 0.0f) {
    gen.normal_(weight.value.data(), weight.value.size());  // nn.init.normal_(weight)
    register_parameter("weight", weight);
}

workspace embedding::plan(const shape_t& ids, const token_options&) const {
    workspace ws(class_name());
    ws.plan("the output", floats_of(ids) * static_cast<double>(dim_));
    return ws;
}

tensor embedding::forward(const token_ids& ids, const token_options& options, trace*) {
    workspace ws = plan(ids.shape, options);
    shape_t out_shape = ids.shape;
    out_shape.push_back(dim_);
    tensor out = ws.take("the output", out_shape);
    lookup(ids.data.data(), ids.data.size(), out.data());
    return out;
}

void embedding::lookup(const std::int32_t* ids, std::size_t n, float* out) const {
    const float* table = weight.value.data();
    for (std::size_t i = 0; i < n; ++i) {
        const float* row = table + static_cast<std::size_t>(ids[i]) * dim_;
        std::copy(row, row + dim_, out + i * dim_);
    }
}

}  // namespace attn::nn
