// Single-precision log, sin and cos computed exactly as PyTorch 1.13's AVX2 CPU kernels compute
// them in torch.randn (ATen's normal_fill_16_AVX2, which calls the Cephes-derived log256_ps and
// sincos256_ps of avx_mathfun.h), one lane at a time, in portable C++.
//
// These are not accurate libm functions (a few ulps off in places): their point is to give the
// same bits as PyTorch's AVX2 build on every platform, including WebAssembly, where neither glibc
// nor x86 vector units are available. Every operation is an IEEE-754 single-precision operation
// with one rounding, so the results depend neither on the C library nor on the compiler, provided
// floating-point contraction is off (CMakeLists.txt builds with -ffp-contract=off).
//
// Which multiply-adds are fused: the kernel is written with separate _mm256_mul_ps/_mm256_add_ps
// intrinsics, but the AVX2 kernels are compiled with -mavx2 -mfma and GCC contracts many of those
// pairs into vfmadd/vfmsub/vfnmadd instructions. The choice below (std::fma where PyTorch's
// machine code has an FMA, a rounded multiply then a rounded add where it has vmulps + vaddps) was
// read off the machine code of Debian's libtorch_cpu.so 1.13.1 (GCC 12.2) and checked bit for bit
// against that build's torch.randn on 3 * 10^8 values, natively and in wasm (the native tests pin
// generator.json and a million-value digest: tests/native/test_generator.cpp).
#pragma once

namespace attn::float_math {

// log(x) for x in (0, 1] (the only inputs randn gives it): Cephes' logf polynomial, as log256_ps.
float log_avx2(float x);

// sin(x) and cos(x) for x in [0, 2*pi) (any finite x of moderate size works): Cephes' sinf/cosf
// octant reduction and polynomials, as sincos256_ps.
void sincos_avx2(float x, float* sin_out, float* cos_out);

}  // namespace attn::float_math
