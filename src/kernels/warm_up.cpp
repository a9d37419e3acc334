#include "kernels/warm_up.hpp"

#include <vector>

#include "kernels/attention.hpp"
#include "kernels/gemm.hpp"

namespace attn::kernels {

double warm_up() {
    constexpr int m = 64, k = 256, n = 192, t = 192;
    // Small, non-trivial values (the kernels' speed does not depend on them; no NaN or inf).
    std::vector<float> a(static_cast<std::size_t>(n) * k);  // >= t · 3 · 64 for the attention
    for (std::size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>(static_cast<int>(i % 17) - 8) * 0.03125f;
    static const PackedWeights w = f32_gemm_pack(a.data(), n, k);
    std::vector<float> y(static_cast<std::size_t>(m) * n);
    f32_gemm(m, a.data(), k, w, a.data(), y.data(), n);
    double flops = static_cast<double>(f32_gemm_flops(m, n, k));
    // q | k | v side by side in rows of 3·d, as the fast path lays them out; the output over q.
    for (const int d : {64, 48}) {
        const int ld = 3 * d;
        f32_attention_fused(t, t, d, a.data(), ld, a.data() + d, ld, a.data() + 2 * d, ld, a.data(), ld, 8.0f, true, 0);
        flops += static_cast<double>(f32_attention_fused_flops(t, t, d, true));
    }
    return flops;
}

}  // namespace attn::kernels
