// Post-training int8 inference: uint8 activations times int8 weights with exact int32 accumulation, and a fused
// epilogue (zero-point correction, per-output-channel scale, bias, relu, requantization) that writes float32, uint8
// or the raw int32 sums. Layout of the data as in conv.h (NHWC, kernels [kh, kw, in, out]).
//
// Paths: AVX-512 VNNI (vpdpbusd: four u8 x s8 products summed into an int32 lane per instruction), AVX2 (both
// operands widened to int16 and multiplied with vpmaddwd: exact, where vpmaddubsw's int16 pair sums would saturate
// for 8-bit activations times 8-bit weights, 255 * 127 * 2 > 32767), and scalar. An AVX-512 CPU without VNNI takes
// the AVX2 path. Every path computes the same int32 sums and, with the same float operations in the same order
// (one fma, then one multiply before rounding to nearest even), the same outputs bit for bit.
#pragma once
#include <cstdint>

#include "conv.h"
#include "pool.h"

namespace tn {

enum class QuantizedOutput { int32 = 0, float32 = 1, uint8 = 2 };

// What the epilogue does with acc[m, n] = sum over k of a[m, k] * w[k, n] (exact int32):
//   z = fma(float(acc - a_zero * weight_sums[n]), multiplier[n], bias[n]); relu: z = max(z, 0)
//   float32 output: z;  uint8 output: clamp(round_half_even(z * out_inv_scale) + out_zero, 0, 255).
// int32 output writes acc itself and reads nothing else. bias may be null.
struct QuantizedEpilogue {
  int32_t a_zero = 0;
  const int32_t* weight_sums = nullptr;
  const float* multiplier = nullptr;
  const float* bias = nullptr;
  bool relu = false;
  float out_inv_scale = 1.0f;
  int32_t out_zero = 0;
};

// The packed form of an int8 weight matrix w [k, n] (row-major) for the active path: its size in bytes and the
// packing. Packed weights belong to the process that packed them (the layout depends on the CPU's path).
int64_t quantized_packed_bytes(int64_t k, int64_t n);
void quantized_pack_weights(int64_t k, int64_t n, const int8_t* w, uint8_t* packed);
// Name of the path in use: "avx512-vnni", "avx2" or "scalar".
const char* quantized_path();

// y[m, n] (int32_t, float or uint8_t by `output`) from a [m, k] uint8 and the packed weights.
void quantized_matmul(int64_t m, int64_t n, int64_t k, const uint8_t* a, const uint8_t* packed,
                      const QuantizedEpilogue& e, QuantizedOutput output, void* y);

// A convolution on uint8 NHWC input whose padding holds e.a_zero (the code of a real 0); packed from the
// [kh * kw * c, oc] kernel. y is [n, oh, ow, oc].
void quantized_conv2d(const Conv2dShape& s, const uint8_t* x, const uint8_t* packed, const QuantizedEpilogue& e,
                      QuantizedOutput output, void* y);

// quantized_conv2d with uint8 output followed by max pooling in windows of pool_h x pool_w with strides equal to the
// window and no padding: y [n, oh / pool_h, ow / pool_w, oc]. The convolution's output is never written out: each
// thread keeps only the rows that its pooled rows need.
void quantized_conv2d_maxpool(const Conv2dShape& s, const uint8_t* x, const uint8_t* packed,
                              const QuantizedEpilogue& e, int64_t pool_h, int64_t pool_w, uint8_t* y);

// y = clamp(round_half_even(x * inv_scale) + zero, 0, 255).
void quantize_uint8(int64_t count, const float* x, float inv_scale, int32_t zero, uint8_t* y);
// y = scale * (q - zero).
void dequantize_uint8(int64_t count, const uint8_t* q, float scale, int32_t zero, float* y);
// Max pooling of uint8 codes: the codes are monotone in the values, so the max of codes is the code of the max.
void max_pool2d_uint8(const Pool2dShape& s, const uint8_t* x, uint8_t* y);

// Per-path block functions: rows [0, m) of a (row stride lda) against packed column panels starting at column n0
// (a multiple of the path's panel pair width) up to n1, written into y (row stride ldy, in elements) with columns
// offset by n0. quantized.cc splits the work over threads.
struct QuantizedKernels {
  const char* name;
  int64_t column_block;  // columns one call must start on a multiple of
  // A k that is a multiple of k_align (rows of a zero-padded past the real k) packs the same as the real k and
  // spares the block function its own padded copy of the rows.
  int64_t k_align;
  int64_t (*packed_bytes)(int64_t k, int64_t n);
  void (*pack)(int64_t k, int64_t n, const int8_t* w, uint8_t* packed);
  void (*block)(int64_t m, int64_t n0, int64_t n1, int64_t n, int64_t k, const uint8_t* a, int64_t lda,
                const uint8_t* packed, const QuantizedEpilogue& e, QuantizedOutput output, void* y, int64_t ldy);
  void (*quantize)(int64_t count, const float* x, float inv_scale, int32_t zero, uint8_t* y);
  void (*dequantize)(int64_t count, const uint8_t* q, float scale, int32_t zero, float* y);
};
namespace vnni {
extern const QuantizedKernels quantized_kernels;
}
namespace avx2 {
extern const QuantizedKernels quantized_kernels;
}
namespace generic {
extern const QuantizedKernels quantized_kernels;
}

}  // namespace tn
