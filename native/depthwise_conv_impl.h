// The depthwise convolution's row kernels (depthwise_conv.h), written once against conv_simd.h's Vec. Each including
// translation unit defines TN_ISA_NS and TN_SIMD and wraps the include in its target pragma; include only after
// every system header (<cstdint>, <cstring>, and <immintrin.h> on x86-64).
//
// Channels are the lanes. A register tile is P output pixels x V vectors of channels: per kernel tap, V loads of
// weights serve P * V FMAs, each with one load of input. Pixels whose window lies wholly inside the row take the
// tiles; the few at a 'same' border go one by one with their taps clipped, so no zero padding is ever multiplied.
// Every row walks its pixels in order and, per tile, all blocks of channels, so rows stream through memory once.

namespace tn {
namespace TN_ISA_NS {

#include "conv_simd.h"

namespace {

using VR = Vec::R;
constexpr int kWidth = Vec::width;
// Vectors of channels per block: enough to amortise a pixel's integer work, few enough to leave registers for tiles.
constexpr int kMaxVectors = Vec::accumulators >= 24 ? 4 : 2;

// Output pixels per register tile: 6 x kMaxVectors accumulators leave room for the weights on both ISAs.
constexpr int kPixels = 6;
static_assert(kPixels * kMaxVectors <= Vec::accumulators, "a tile's accumulators must fit in registers");

// Vector v of a block of V vectors; with Tail, the last one holds only `tail` lanes. Whole blocks take plain loads
// and stores: AVX2's masked forms cost several times more on some CPUs (a masked store is microcoded on AMD's).
template <int V, bool Tail>
inline VR load_lane(const float* p, int v, Vec::Mask tail) {
  return Tail && v == V - 1 ? Vec::load(p + v * kWidth, tail) : Vec::load(p + v * kWidth);
}
template <int V, bool Tail>
inline void store_lane(float* p, int v, VR x, Vec::Mask tail) {
  if (Tail && v == V - 1) Vec::store(p + v * kWidth, x, tail);
  else Vec::store(p + v * kWidth, x);
}

// Kernel columns [j0, j1) that keep column col0 + j * dil inside [0, in_w).
inline void tap_range(int64_t col0, int64_t dil, int64_t kw, int64_t in_w, int64_t& j0, int64_t& j1) {
  j0 = col0 >= 0 ? 0 : (-col0 + dil - 1) / dil;
  j1 = col0 > in_w - 1 ? 0 : (in_w - 1 - col0) / dil + 1;
  if (j1 > kw) j1 = kw;
  if (j0 > j1) j0 = j1;
}

// Output pixels [lo, hi): those whose every kernel column lands inside the row.
inline void interior(const DepthwiseRow& r, int64_t& lo, int64_t& hi) {
  const int64_t last = r.in_w - 1 + r.pad_left - (r.kw - 1) * r.dilation_w;
  lo = (r.pad_left + r.stride_w - 1) / r.stride_w;
  hi = last < 0 ? 0 : last / r.stride_w + 1;
  if (hi > r.out_w) hi = r.out_w;
  if (lo > hi) lo = hi;
}

inline VR activate(VR y, UnaryOp act, float alpha) {
  if (act == UnaryOp::relu) return Vec::relu(y);
  if (act == UnaryOp::relu6) return Vec::relu6(y);
  if (act == UnaryOp::leaky_relu) return Vec::leaky_relu(y, alpha);
  return y;
}

inline bool activation_in_registers(UnaryOp a) {
  return a == UnaryOp::linear || a == UnaryOp::relu || a == UnaryOp::relu6 || a == UnaryOp::leaky_relu;
}

// P consecutive output pixels from ow, channels [c0, c0 + V vectors), all reading kernel columns [j0, j1).
template <int V, bool Tail, int P>
inline void forward_tile(const DepthwiseRow& r, int64_t ow, int64_t c0, int64_t j0, int64_t j1, Vec::Mask tail,
                         const float* bias, UnaryOp act, float alpha, float* out) {
  VR acc[P][V];
  VR b[V];
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) b[v] = bias ? load_lane<V, Tail>(bias + c0, v, tail) : Vec::zero();
#pragma GCC unroll 6
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[p][v] = b[v];
  const int64_t ch = r.channels, step = r.stride_w * ch;
  const int64_t col0 = ow * r.stride_w - r.pad_left;
  for (int64_t i = 0; i < r.kh; ++i) {
    if (!r.rows[i]) continue;
    const float* w = r.weights[i] + c0;
    for (int64_t j = j0; j < j1; ++j) {
      const float* xj = r.rows[i] + (col0 + j * r.dilation_w) * ch + c0;
      const float* wj = w + j * r.weight_step;
      VR wv[V];
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) wv[v] = load_lane<V, Tail>(wj, v, tail);
#pragma GCC unroll 6
      for (int p = 0; p < P; ++p)
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) acc[p][v] = Vec::fma(load_lane<V, Tail>(xj + p * step, v, tail), wv[v], acc[p][v]);
    }
  }
#pragma GCC unroll 6
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) store_lane<V, Tail>(out + (ow + p) * ch + c0, v, activate(acc[p][v], act, alpha), tail);
}

// Runs Block<V, Tail>::run(c0, tail, ...) over the channels in blocks of at most kMaxVectors vectors; only a last
// block that ends inside a vector has Tail.
template <template <int, bool> class Block, bool Tail, typename... A>
void run_block(int64_t vectors, int64_t c0, Vec::Mask tail, A&&... a) {
  switch (vectors) {
    case 1: Block<1, Tail>::run(c0, tail, a...); break;
    case 2: Block<2, Tail>::run(c0, tail, a...); break;
#if TN_SIMD == 512
    case 3: Block<3, Tail>::run(c0, tail, a...); break;
    case 4: Block<4, Tail>::run(c0, tail, a...); break;
#endif
  }
}

template <template <int, bool> class Block, typename... A>
void over_blocks(int64_t channels, A&&... a) {
  constexpr int64_t bc = kMaxVectors * kWidth;
  for (int64_t c0 = 0; c0 < channels; c0 += bc) {
    const int64_t left = channels - c0;
    const int64_t vectors = left >= bc ? kMaxVectors : (left + kWidth - 1) / kWidth;
    const int64_t last = left - (vectors - 1) * kWidth;
    const Vec::Mask tail = Vec::mask(last);
    if (last >= kWidth) run_block<Block, false>(vectors, c0, tail, a...);
    else run_block<Block, true>(vectors, c0, tail, a...);
  }
}
static_assert(kMaxVectors == 4 || kMaxVectors == 2, "over_blocks lists the block widths");
#if TN_SIMD != 512
static_assert(kMaxVectors == 2, "only AVX-512 keeps 4 vectors per block");
#endif

// `count` (1 or kPixels) output pixels from ow, reading kernel columns [j0, j1).
template <int V, bool Tail>
struct ForwardBlock {
  static void run(int64_t c0, Vec::Mask tail, const DepthwiseRow& r, int64_t ow, int count, int64_t j0, int64_t j1,
                  const float* bias, UnaryOp act, float alpha, float* out) {
    if (count == kPixels) forward_tile<V, Tail, kPixels>(r, ow, c0, j0, j1, tail, bias, act, alpha, out);
    else forward_tile<V, Tail, 1>(r, ow, c0, j0, j1, tail, bias, act, alpha, out);
  }
};

// Pixel tiles outside, channel blocks inside: each tile's input and output pixels are used whole while they are in
// L1, instead of a pass over the row per block of channels (a wide row's three input rows do not fit in L1 together).
void forward_row(const DepthwiseRow& r, const float* bias, UnaryOp act, float alpha, float* out) {
  const bool fused = activation_in_registers(act);
  const UnaryOp in_registers = fused ? act : UnaryOp::linear;
  int64_t lo, hi;
  interior(r, lo, hi);
  int64_t ow = 0;
  while (ow < r.out_w) {
    if (ow >= lo && ow + kPixels <= hi) {
      over_blocks<ForwardBlock>(r.channels, r, ow, kPixels, int64_t(0), r.kw, bias, in_registers, alpha, out);
      ow += kPixels;
      continue;
    }
    int64_t j0, j1;
    tap_range(ow * r.stride_w - r.pad_left, r.dilation_w, r.kw, r.in_w, j0, j1);
    over_blocks<ForwardBlock>(r.channels, r, ow, 1, j0, j1, bias, in_registers, alpha, out);
    ++ow;
  }
  if (!fused) TN_ISA_NS::unary(act, out, out, r.out_w * r.channels, alpha);
}

// Input gradient of a strided row: output column x gathers the dy columns o whose window covered it.
template <int V, bool Tail>
struct InputGradBlock {
  static void run(int64_t c0, Vec::Mask tail, const DepthwiseRow& r, int64_t x, float* out) {
    const int64_t ch = r.channels;
    VR acc[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[v] = Vec::zero();
    const int64_t t0 = x + r.pad_left;  // the dy column times stride that kernel column 0 would need
    // With dilation 1 the columns that hit are j = t0 mod stride, then every stride-th, reading dy columns that
    // fall by one each time: two divisions per pixel instead of two per tap.
    const int64_t j_first = t0 % r.stride_w, o_first = t0 / r.stride_w;
    for (int64_t i = 0; i < r.kh; ++i) {
      if (!r.rows[i]) continue;
      const float* dy = r.rows[i] + c0;
      const float* w = r.weights[i] + c0;
      auto tap = [&](int64_t j, int64_t o) {
        const float* d = dy + o * ch;
        const float* wj = w + j * r.weight_step;
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v)
          acc[v] = Vec::fma(load_lane<V, Tail>(d, v, tail), load_lane<V, Tail>(wj, v, tail), acc[v]);
      };
      if (r.dilation_w == 1) {
        for (int64_t j = j_first, o = o_first; j < r.kw && o >= 0; j += r.stride_w, --o)
          if (o < r.in_w) tap(j, o);
      } else {
        for (int64_t j = 0; j < r.kw; ++j) {
          const int64_t t = t0 - j * r.dilation_w;
          if (t < 0) break;  // t only falls as j grows
          if (t % r.stride_w == 0 && t / r.stride_w < r.in_w) tap(j, t / r.stride_w);
        }
      }
    }
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) store_lane<V, Tail>(out + x * ch + c0, v, acc[v], tail);
  }
};

// A pixel at a time, every channel block of it, so that dy and the output stream through in memory order.
void input_grad_row(const DepthwiseRow& r, float* out) {
  for (int64_t x = 0; x < r.out_w; ++x) over_blocks<InputGradBlock>(r.channels, r, x, out);
}

// Filter gradient for `count` consecutive output pixels from ow that all read kernel columns [j0, j1): per tap, the
// dot product over those pixels added into dw, and their dz added into dbias.
template <int V, bool Tail>
struct FilterBlock {
  static void run(int64_t c0, Vec::Mask tail, const DepthwiseRow& r, int64_t ow, int count, int64_t j0, int64_t j1,
                  const float* dz, float* dw, float* dbias) {
    const int64_t ch = r.channels, step = r.stride_w * ch;
    const float* d = dz + ow * ch + c0;
    if (dbias) {
      VR sum[V];
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) sum[v] = load_lane<V, Tail>(dbias + c0, v, tail);
      for (int p = 0; p < count; ++p)
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) sum[v] = Vec::add(sum[v], load_lane<V, Tail>(d + p * ch, v, tail));
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) store_lane<V, Tail>(dbias + c0, v, sum[v], tail);
    }
    const int64_t col0 = ow * r.stride_w - r.pad_left;
    for (int64_t i = 0; i < r.kh; ++i) {
      if (!r.rows[i]) continue;
      for (int64_t j = j0; j < j1; ++j) {
        const float* x = r.rows[i] + (col0 + j * r.dilation_w) * ch + c0;
        float* g = dw + (i * r.kw + j) * ch + c0;
        VR acc[V];
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) acc[v] = load_lane<V, Tail>(g, v, tail);
        for (int p = 0; p < count; ++p)
#pragma GCC unroll 4
          for (int v = 0; v < V; ++v)
            acc[v] = Vec::fma(load_lane<V, Tail>(x + p * step, v, tail), load_lane<V, Tail>(d + p * ch, v, tail), acc[v]);
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) store_lane<V, Tail>(g, v, acc[v], tail);
      }
    }
  }
};

// Pixel tiles outside and channel blocks inside, as forward_row, so that the input and dz rows stream through once
// in memory order (a pass per block would read every third cache line of them, which the prefetchers follow badly).
void filter_row(const DepthwiseRow& r, const float* dz, float* dw, float* dbias) {
  int64_t lo, hi;
  interior(r, lo, hi);
  int64_t ow = 0;
  while (ow < r.out_w) {
    if (ow >= lo && ow + kPixels <= hi) {
      over_blocks<FilterBlock>(r.channels, r, ow, kPixels, int64_t(0), r.kw, dz, dw, dbias);
      ow += kPixels;
      continue;
    }
    int64_t j0, j1;
    tap_range(ow * r.stride_w - r.pad_left, r.dilation_w, r.kw, r.in_w, j0, j1);
    over_blocks<FilterBlock>(r.channels, r, ow, 1, j0, j1, dz, dw, dbias);
    ++ow;
  }
}

}  // namespace

extern const DepthwiseKernels depthwise_kernels;
const DepthwiseKernels depthwise_kernels = {forward_row, input_grad_row, filter_row, TN_ISA_NS::unary,
                                            TN_ISA_NS::unary_grad};

}  // namespace TN_ISA_NS
}  // namespace tn
