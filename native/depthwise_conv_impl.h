// The depthwise convolution's row kernels (depthwise_conv.h), written once against conv_simd.h's Vec. Each including
// translation unit defines TN_ISA_NS and TN_SIMD and wraps the include in its target pragma; include only after
// every system header (<cstdint>, <cstring>, and <immintrin.h> on x86-64).
//
// Channels are the lanes. A register tile is P output pixels x V vectors of channels: per kernel tap, V loads of
// weights serve P * V FMAs, each with one load of input. Pixels whose window lies wholly inside the row take the
// tiles; the few at a 'same' border go one by one with their taps clipped, so no zero padding is ever multiplied.

namespace tn {
namespace TN_ISA_NS {

#include "conv_simd.h"

namespace {

using VR = Vec::R;
constexpr int kWidth = Vec::width;
// Vectors of channels per block: enough to amortise a pixel's integer work, few enough to leave registers for tiles.
constexpr int kMaxVectors = Vec::accumulators >= 24 ? 4 : 2;

template <int V>
constexpr int tile_pixels() {
  return Vec::accumulators / V > 6 ? 6 : Vec::accumulators / V;
}

// Vector v of a block whose last vector holds `tail` lanes (the others are whole).
template <int V>
inline VR load_lane(const float* p, int v, Vec::Mask tail) {
  return v == V - 1 ? Vec::load(p + v * kWidth, tail) : Vec::load(p + v * kWidth);
}
template <int V>
inline void store_lane(float* p, int v, VR x, Vec::Mask tail) {
  if (v == V - 1) Vec::store(p + v * kWidth, x, tail);
  else Vec::store(p + v * kWidth, x);
}

// Kernel columns [j0, j1) that keep column col0 + j * dil inside [0, in_w).
inline void tap_range(int64_t col0, int64_t dil, int64_t kw, int64_t in_w, int64_t& j0, int64_t& j1) {
  j0 = col0 >= 0 ? 0 : (-col0 + dil - 1) / dil;
  j1 = col0 > in_w - 1 ? 0 : (in_w - 1 - col0) / dil + 1;
  if (j1 > kw) j1 = kw;
  if (j0 > j1) j0 = j1;
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
template <int V, int P>
inline void forward_tile(const DepthwiseRow& r, int64_t ow, int64_t c0, int64_t j0, int64_t j1, Vec::Mask tail,
                         const float* bias, UnaryOp act, float alpha, float* out) {
  VR acc[P][V];
  VR b[V];
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) b[v] = bias ? load_lane<V>(bias + c0, v, tail) : Vec::zero();
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
      for (int v = 0; v < V; ++v) wv[v] = load_lane<V>(wj, v, tail);
#pragma GCC unroll 6
      for (int p = 0; p < P; ++p)
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) acc[p][v] = Vec::fma(load_lane<V>(xj + p * step, v, tail), wv[v], acc[p][v]);
    }
  }
#pragma GCC unroll 6
  for (int p = 0; p < P; ++p)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) store_lane<V>(out + (ow + p) * ch + c0, v, activate(acc[p][v], act, alpha), tail);
}

template <int V>
void forward_block(const DepthwiseRow& r, int64_t c0, Vec::Mask tail, const float* bias, UnaryOp act, float alpha,
                   float* out) {
  constexpr int P = tile_pixels<V>();
  // Output pixels [lo, hi) read every kernel column inside the row.
  const int64_t reach = (r.kw - 1) * r.dilation_w;
  int64_t lo = (r.pad_left + r.stride_w - 1) / r.stride_w;
  const int64_t last = r.in_w - 1 + r.pad_left - reach;
  int64_t hi = last < 0 ? 0 : last / r.stride_w + 1;
  if (hi > r.out_w) hi = r.out_w;
  if (lo > hi) lo = hi;
  int64_t ow = 0;
  while (ow < r.out_w) {
    if (ow >= lo && ow + P <= hi) {
      forward_tile<V, P>(r, ow, c0, 0, r.kw, tail, bias, act, alpha, out);
      ow += P;
      continue;
    }
    int64_t j0, j1;
    tap_range(ow * r.stride_w - r.pad_left, r.dilation_w, r.kw, r.in_w, j0, j1);
    forward_tile<V, 1>(r, ow, c0, j0, j1, tail, bias, act, alpha, out);
    ++ow;
  }
}

// Runs block<V>(c0, tail) over the channels in blocks of at most kMaxVectors vectors, the last one masked.
template <template <int> class Block, typename... A>
void over_blocks(int64_t channels, A&&... a) {
  constexpr int64_t bc = kMaxVectors * kWidth;
  for (int64_t c0 = 0; c0 < channels; c0 += bc) {
    const int64_t left = channels - c0;
    const int64_t vectors = left >= bc ? kMaxVectors : (left + kWidth - 1) / kWidth;
    const Vec::Mask tail = Vec::mask(left - (vectors - 1) * kWidth);
    switch (vectors) {
      case 1: Block<1>::run(c0, tail, a...); break;
      case 2: Block<2>::run(c0, tail, a...); break;
#if TN_SIMD == 512
      case 3: Block<3>::run(c0, tail, a...); break;
      case 4: Block<4>::run(c0, tail, a...); break;
#endif
    }
  }
}
static_assert(kMaxVectors == 4 || kMaxVectors == 2, "over_blocks lists the block widths");
#if TN_SIMD != 512
static_assert(kMaxVectors == 2, "only AVX-512 keeps 4 vectors per block");
#endif

template <int V>
struct ForwardBlock {
  static void run(int64_t c0, Vec::Mask tail, const DepthwiseRow& r, const float* bias, UnaryOp act, float alpha,
                  float* out) {
    forward_block<V>(r, c0, tail, bias, act, alpha, out);
  }
};

void forward_row(const DepthwiseRow& r, const float* bias, UnaryOp act, float alpha, float* out) {
  const bool fused = activation_in_registers(act);
  over_blocks<ForwardBlock>(r.channels, r, bias, fused ? act : UnaryOp::linear, alpha, out);
  if (!fused) TN_ISA_NS::unary(act, out, out, r.out_w * r.channels, alpha);
}

// Input gradient of a strided row: output column x gathers the dy columns o whose window covered it.
template <int V>
struct InputGradBlock {
  static void run(int64_t c0, Vec::Mask tail, const DepthwiseRow& r, float* out) {
    const int64_t ch = r.channels;
    for (int64_t x = 0; x < r.out_w; ++x) {
      VR acc[V];
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[v] = Vec::zero();
      for (int64_t i = 0; i < r.kh; ++i) {
        if (!r.rows[i]) continue;
        const float* dy = r.rows[i] + c0;
        const float* w = r.weights[i] + c0;
        for (int64_t j = 0; j < r.kw; ++j) {
          const int64_t t = x + r.pad_left - j * r.dilation_w;
          if (t < 0) break;  // t only falls as j grows
          if (t % r.stride_w) continue;
          const int64_t o = t / r.stride_w;
          if (o >= r.in_w) continue;
          const float* d = dy + o * ch;
          const float* wj = w + j * r.weight_step;
#pragma GCC unroll 4
          for (int v = 0; v < V; ++v)
            acc[v] = Vec::fma(load_lane<V>(d, v, tail), load_lane<V>(wj, v, tail), acc[v]);
        }
      }
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) store_lane<V>(out + x * ch + c0, v, acc[v], tail);
    }
  }
};

void input_grad_row(const DepthwiseRow& r, float* out) { over_blocks<InputGradBlock>(r.channels, r, out); }

// Filter gradient: per kernel tap, a dot product along the row for each lane, in two interleaved sums so that
// consecutive FMAs do not wait on each other.
template <int V>
struct FilterBlock {
  static void run(int64_t c0, Vec::Mask tail, const DepthwiseRow& r, const float* dz, float* dw, float* dbias) {
    const int64_t ch = r.channels;
    if (dbias) {
      VR s[V];
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) s[v] = load_lane<V>(dbias + c0, v, tail);
      for (int64_t ow = 0; ow < r.out_w; ++ow)
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) s[v] = Vec::add(s[v], load_lane<V>(dz + ow * ch + c0, v, tail));
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) store_lane<V>(dbias + c0, v, s[v], tail);
    }
    const int64_t step = r.stride_w * ch;
    for (int64_t i = 0; i < r.kh; ++i) {
      if (!r.rows[i]) continue;
      for (int64_t j = 0; j < r.kw; ++j) {
        // Output pixels whose tap j lands inside the row.
        const int64_t off = j * r.dilation_w - r.pad_left;
        int64_t a = off >= 0 ? 0 : (-off + r.stride_w - 1) / r.stride_w;
        const int64_t last = r.in_w - 1 - off;
        int64_t b = last < 0 ? 0 : last / r.stride_w + 1;
        if (b > r.out_w) b = r.out_w;
        if (a > b) a = b;
        VR s0[V], s1[V];
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) s0[v] = s1[v] = Vec::zero();
        if (a == b) continue;
        const float* x = r.rows[i] + (a * r.stride_w + off) * ch + c0;
        const float* d = dz + a * ch + c0;
        int64_t ow = a;
        for (; ow + 2 <= b; ow += 2, x += 2 * step, d += 2 * ch) {
#pragma GCC unroll 4
          for (int v = 0; v < V; ++v) {
            s0[v] = Vec::fma(load_lane<V>(x, v, tail), load_lane<V>(d, v, tail), s0[v]);
            s1[v] = Vec::fma(load_lane<V>(x + step, v, tail), load_lane<V>(d + ch, v, tail), s1[v]);
          }
        }
        if (ow < b) {
#pragma GCC unroll 4
          for (int v = 0; v < V; ++v) s0[v] = Vec::fma(load_lane<V>(x, v, tail), load_lane<V>(d, v, tail), s0[v]);
        }
        float* g = dw + (i * r.kw + j) * ch + c0;
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) store_lane<V>(g, v, Vec::add(load_lane<V>(g, v, tail), Vec::add(s0[v], s1[v])), tail);
      }
    }
  }
};

void filter_row(const DepthwiseRow& r, const float* dz, float* dw, float* dbias) {
  over_blocks<FilterBlock>(r.channels, r, dz, dw, dbias);
}

}  // namespace

extern const DepthwiseKernels depthwise_kernels;
const DepthwiseKernels depthwise_kernels = {forward_row, input_grad_row, filter_row, TN_ISA_NS::unary,
                                            TN_ISA_NS::unary_grad};

}  // namespace TN_ISA_NS
}  // namespace tn
