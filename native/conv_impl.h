// The direct convolution kernels (see conv_kernels.h), written once against conv_simd.h's Vec. Each including
// translation unit defines TN_ISA_NS and TN_SIMD and wraps the include in its target pragma; include only after
// every system header (<array>, <cstdint>, <cstring>, <type_traits>, <utility>, and <immintrin.h> on x86-64).
//
// Register tiles. Forward: R output pixels x V vectors of output channels, updated per input value by one
// broadcast of the input and V loads of packed weights (an outer product); with at most 4 output channels, R
// pixels x out_c vectors of partial sums along the kernel window instead (dot products). Filter gradient: T
// consecutive (kernel column, input channel) positions x V vectors of output channels, updated per output pixel by
// T broadcasts of the input and V loads of the upstream gradient; with at most 4 output channels, vectors along
// the positions x out_c, updated by loads of the input and broadcasts of dy. Tile sizes are template parameters
// so that the accumulators live in registers; conv.cc picks V, the row loops here pick R and T to split a row evenly.

namespace tn {
namespace TN_ISA_NS {

#include "conv_simd.h"

namespace {

using VR = Vec::R;
constexpr int kWidth = Vec::width;
constexpr int kMaxVectors = Vec::accumulators >= 24 ? 4 : 2;

inline bool activation_in_registers(UnaryOp a) {
  return a == UnaryOp::linear || a == UnaryOp::relu || a == UnaryOp::relu6 || a == UnaryOp::leaky_relu;
}

// Pixels per forward tile for V vectors: as many as the accumulators allow, capped where broadcasts (one load
// each) would start to outnumber the FMAs' share of the load ports.
template <int V>
constexpr int forward_pixels() {
  return Vec::accumulators / V > 14 ? 14 : Vec::accumulators / V;
}
template <int V>
constexpr int filter_positions() {
  return Vec::accumulators / V > 16 ? 16 : Vec::accumulators / V;
}

// acc[r][v] += p[r * s + t] * w[t * bc + v * width] for t in [t0, t1) and tile pixels r in [R0, R1).
template <int V, int R, int R0, int R1>
inline void forward_steps(VR (&acc)[R][V], const float* p, int64_t s, const float* w, int64_t t0, int64_t t1) {
  constexpr int64_t bc = V * kWidth;
  w += t0 * bc;
  for (int64_t t = t0; t < t1; ++t, w += bc) {
    VR wv[V];
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) wv[v] = Vec::load(w + v * kWidth);
#pragma GCC unroll 16
    for (int r = R0; r < R1; ++r) {
      const VR xv = Vec::set1(p[r * s + t]);
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) acc[r][v] = Vec::fma(xv, wv[v], acc[r][v]);
    }
  }
}

// `lead` / `trail`: how many of the first / last positions of a merged kernel row the tile's first / last pixel
// reads from zero padding (a 'same' border); those steps leave that pixel out instead of multiplying zeros.
template <int V, int R>
void forward_tile(const DirectForward& d, const float* const* rows, int64_t col, int64_t lead, int64_t trail,
                  const float* w, const float* bias, int64_t valid_c, float* out) {
  constexpr int64_t bc = V * kWidth;
  VR acc[R][V];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) acc[r][v] = Vec::zero();
  const int64_t s = d.stride_w_c;
  // With dilation 1, the kw * in_c values one pixel reads from an input row are contiguous, and so are their
  // packed weights: one long loop instead of kw short ones (this is what makes in_c = 1 fast).
  const bool merged = d.dilation_w_c == d.in_c;
  const int64_t len = merged ? d.kw * d.in_c : d.in_c, segments = merged ? 1 : d.kw;
  const bool skip = R > 1 && (lead > 0 || trail > 0);
  for (int64_t i = 0; i < d.kh; ++i) {
    if (!rows[i]) continue;
    for (int64_t g = 0; g < segments; ++g) {
      const float* p = rows[i] + col + g * d.dilation_w_c;
      const float* wp = w + (i * d.kw + g) * d.in_c * bc;
      if (skip) {
        forward_steps<V, R, 1, R>(acc, p, s, wp, 0, lead);
        forward_steps<V, R, 0, R>(acc, p, s, wp, lead, len - trail);
        forward_steps<V, R, 0, R - 1>(acc, p, s, wp, len - trail, len);
      } else {
        forward_steps<V, R, 0, R>(acc, p, s, wp, 0, len);
      }
    }
  }
  VR b[V];
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) b[v] = bias ? Vec::load(bias + v * kWidth) : Vec::zero();
  const UnaryOp act = d.activation;
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    float* o = out + r * d.out_c;
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      VR y = Vec::add(acc[r][v], b[v]);
      if (act == UnaryOp::relu) y = Vec::relu(y);
      else if (act == UnaryOp::relu6) y = Vec::relu6(y);
      else if (act == UnaryOp::leaky_relu) y = Vec::leaky_relu(y, d.alpha);
      if (valid_c >= bc) {
        Vec::store(o + v * kWidth, y);
      } else if (valid_c > v * kWidth) {
        Vec::store(o + v * kWidth, y, Vec::mask(valid_c - v * kWidth));
      }
    }
  }
}

using ForwardTile = void (*)(const DirectForward&, const float* const*, int64_t, int64_t, int64_t, const float*,
                             const float*, int64_t, float*);

template <int V, size_t... I>
constexpr std::array<ForwardTile, sizeof...(I)> forward_tiles(std::index_sequence<I...>) {
  return {{&forward_tile<V, static_cast<int>(I) + 1>...}};
}

template <int V>
void forward_row_v(const DirectForward& d, const float* const* rows, float* out) {
  constexpr int kPixels = forward_pixels<V>();
  static constexpr std::array<ForwardTile, kPixels> tiles = forward_tiles<V>(std::make_index_sequence<kPixels>());
  constexpr int64_t bc = V * kWidth;
  const int64_t k = d.kh * d.kw * d.in_c;
  // Equal tiles (26 pixels as 9+9+8 rather than 12+12+2): a short tail tile would waste most of its registers.
  const int64_t count = (d.out_w + kPixels - 1) / kPixels, base = d.out_w / count, extra = d.out_w % count;
  // Zero padding that a tile's first pixel reads before the image and its last pixel after it, in positions of a
  // merged kernel row (only with dilation 1, where such a run is contiguous).
  const bool merged = d.dilation_w_c == d.in_c;
  const int64_t len = d.kw * d.in_c;
  auto lead_of = [&](int64_t ow) {
    const int64_t before = d.pad_left_c - ow * d.stride_w_c;
    return !merged || before <= 0 ? 0 : (before < len ? before : len);
  };
  auto trail_of = [&](int64_t ow) {
    const int64_t past = ow * d.stride_w_c - d.pad_left_c + len - d.in_w_c;
    return !merged || past <= 0 ? 0 : (past < len ? past : len);
  };
  for (int64_t o0 = 0, blk = 0; o0 < d.out_c; o0 += bc, ++blk) {
    const float* w = d.packed + blk * k * bc;
    const float* bias = d.bias ? d.bias + blk * bc : nullptr;
    const int64_t valid = d.out_c - o0 < bc ? d.out_c - o0 : bc;
    int64_t ow = 0;
    for (int64_t t = 0; t < count; ++t) {
      const int64_t pixels = base + (t < extra ? 1 : 0);
      const int64_t lead = lead_of(ow);
      const int64_t trail_max = trail_of(ow + pixels - 1), trail = trail_max < len - lead ? trail_max : len - lead;
      tiles[pixels - 1](d, rows, ow * d.stride_w_c, lead, trail, w, bias, valid, out + ow * d.out_c + o0);
      ow += pixels;
    }
  }
  // Other activations run over the finished row while it is still in L1.
  if (!activation_in_registers(d.activation)) TN_ISA_NS::unary(d.activation, out, out, d.out_w * d.out_c, d.alpha);
}

// One output row with few channels: acc[r][co] is a vector of partial sums along the kernel window (one merged
// kernel row at a time, `width` positions per step), reduced to out[r * out_c + co] at the end. Used where the
// output channels would fill only a sliver of a vector (the first layer's input gradient has one channel).
template <int R, int CO>
void dot_tile(const DirectForward& d, const float* const* rows, int64_t col, float* out) {
  VR acc[R][CO];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int co = 0; co < CO; ++co) acc[r][co] = Vec::zero();
  const int64_t s = d.stride_w_c, k = d.kh * d.kw * d.in_c;
  const bool merged = d.dilation_w_c == d.in_c;
  const int64_t len = merged ? d.kw * d.in_c : d.in_c, segments = merged ? 1 : d.kw;
  auto step = [&](const float* p, const float* w, int64_t t, auto mask, auto masked) {
    VR wv[CO];
#pragma GCC unroll 4
    for (int co = 0; co < CO; ++co) wv[co] = masked ? Vec::load(w + co * k + t, mask) : Vec::load(w + co * k + t);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const VR xv = masked ? Vec::load(p + r * s + t, mask) : Vec::load(p + r * s + t);
#pragma GCC unroll 4
      for (int co = 0; co < CO; ++co) acc[r][co] = Vec::fma(xv, wv[co], acc[r][co]);
    }
  };
  const typename Vec::Mask tail = Vec::mask(len % kWidth);
  for (int64_t i = 0; i < d.kh; ++i) {
    if (!rows[i]) continue;
    for (int64_t g = 0; g < segments; ++g) {
      const float* p = rows[i] + col + g * d.dilation_w_c;
      const float* w = d.packed + (i * d.kw + g) * d.in_c;
      int64_t t = 0;
      for (; t + kWidth <= len; t += kWidth) step(p, w, t, tail, std::false_type());
      // The tail reads only the segment's own floats: past it lie the next pixel's values, or the row's end.
      if (t < len) step(p, w, t, tail, std::true_type());
    }
  }
  const UnaryOp act = d.activation;
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 4
    for (int co = 0; co < CO; ++co) {
      float v = Vec::sum(acc[r][co]) + (d.bias ? d.bias[co] : 0.0f);
      if (act == UnaryOp::relu) v = v > 0.0f || v != v ? v : 0.0f;
      else if (act == UnaryOp::relu6) v = v != v ? v : (v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v));
      else if (act == UnaryOp::leaky_relu) v = v < 0.0f ? d.alpha * v : v;
      out[r * d.out_c + co] = v;
    }
}

using DotTile = void (*)(const DirectForward&, const float* const*, int64_t, float*);

template <int CO>
constexpr int dot_pixels() {
  return Vec::accumulators / CO > 12 ? 12 : Vec::accumulators / CO;
}

template <int CO, size_t... I>
constexpr std::array<DotTile, sizeof...(I)> dot_tiles(std::index_sequence<I...>) {
  return {{&dot_tile<static_cast<int>(I) + 1, CO>...}};
}

template <int CO>
void dot_row(const DirectForward& d, const float* const* rows, float* out) {
  constexpr int kPixels = dot_pixels<CO>();
  static constexpr std::array<DotTile, kPixels> tiles = dot_tiles<CO>(std::make_index_sequence<kPixels>());
  const int64_t count = (d.out_w + kPixels - 1) / kPixels, base = d.out_w / count, extra = d.out_w % count;
  for (int64_t t = 0, ow = 0; t < count; ++t) {
    const int64_t pixels = base + (t < extra ? 1 : 0);
    tiles[pixels - 1](d, rows, ow * d.stride_w_c, out + ow * d.out_c);
    ow += pixels;
  }
  if (!activation_in_registers(d.activation)) TN_ISA_NS::unary(d.activation, out, out, d.out_w * d.out_c, d.alpha);
}

void forward_row(const DirectForward& d, const float* const* rows, float* out) {
  if (d.vectors == 0) {
    switch (d.out_c) {
      case 1: return dot_row<1>(d, rows, out);
      case 2: return dot_row<2>(d, rows, out);
      case 3: return dot_row<3>(d, rows, out);
      case 4: return dot_row<4>(d, rows, out);
      default: return;
    }
  }
  switch (d.vectors) {
    case 1: return forward_row_v<1>(d, rows, out);
    case 2: return forward_row_v<2>(d, rows, out);
#if TN_SIMD == 512
    case 3: return forward_row_v<3>(d, rows, out);
    case 4: return forward_row_v<4>(d, rows, out);
#endif
    default: break;
  }
}

// acc[t][v] += x[ow * s + off + t] * dy[ow * out_c + o0 + v * width] over the rows of a chunk and the pixels
// [ow0, ow1) (the others read only zero padding at these positions).
template <int V, int T, bool Full>
void filter_tile(const DirectFilter& f, const float* const* rows, const float* const* dy_rows, int64_t count,
                 int64_t i, int64_t off, int64_t ow0, int64_t ow1, int64_t o0, float* dw) {
  typename Vec::Mask m[V];
#pragma GCC unroll 4
  for (int v = 0; v < V; ++v) m[v] = Vec::mask(f.out_c - o0 - v * kWidth);
  VR acc[T][V];
#pragma GCC unroll 16
  for (int t = 0; t < T; ++t)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v)
      acc[t][v] = Full ? Vec::load(dw + t * f.out_c + v * kWidth) : Vec::load(dw + t * f.out_c + v * kWidth, m[v]);
  const int64_t s = f.stride_w_c, oc = f.out_c;
  for (int64_t r = 0; r < count; ++r) {
    const float* x = rows[r * f.kh + i];
    if (!x) continue;
    x += off + ow0 * s;
    const float* g = dy_rows[r] + o0 + ow0 * oc;
    for (int64_t ow = ow0; ow < ow1; ++ow, x += s, g += oc) {
      VR gv[V];
#pragma GCC unroll 4
      for (int v = 0; v < V; ++v) gv[v] = Full ? Vec::load(g + v * kWidth) : Vec::load(g + v * kWidth, m[v]);
#pragma GCC unroll 16
      for (int t = 0; t < T; ++t) {
        const VR xv = Vec::set1(x[t]);
#pragma GCC unroll 4
        for (int v = 0; v < V; ++v) acc[t][v] = Vec::fma(xv, gv[v], acc[t][v]);
      }
    }
  }
#pragma GCC unroll 16
  for (int t = 0; t < T; ++t)
#pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
      if (Full) Vec::store(dw + t * f.out_c + v * kWidth, acc[t][v]);
      else Vec::store(dw + t * f.out_c + v * kWidth, acc[t][v], m[v]);
    }
}

using FilterTile = void (*)(const DirectFilter&, const float* const*, const float* const*, int64_t, int64_t, int64_t,
                            int64_t, int64_t, int64_t, float*);

template <int V, bool Full, size_t... I>
constexpr std::array<FilterTile, sizeof...(I)> filter_tiles(std::index_sequence<I...>) {
  return {{&filter_tile<V, static_cast<int>(I) + 1, Full>...}};
}

template <int V>
void filter_rows_v(const DirectFilter& f, const float* const* rows, const float* const* dy_rows, int64_t count,
                   float* dw) {
  constexpr int kPositions = filter_positions<V>();
  static constexpr std::array<FilterTile, kPositions> full =
      filter_tiles<V, true>(std::make_index_sequence<kPositions>());
  static constexpr std::array<FilterTile, kPositions> partial =
      filter_tiles<V, false>(std::make_index_sequence<kPositions>());
  constexpr int64_t bc = V * kWidth;
  // Positions t = j * in_c + c of one kernel row. With dilation 1 they are contiguous in the input row, so a tile
  // may span kernel columns (in_c = 1 then gets all kw columns in one tile); otherwise tiles stay within a column.
  const bool merged = f.dilation_w_c == f.in_c;
  const int64_t len = merged ? f.kw * f.in_c : f.in_c, segments = merged ? 1 : f.kw;
  const int64_t pieces = (len + kPositions - 1) / kPositions, base = len / pieces, extra = len % pieces;
  for (int64_t i = 0; i < f.kh; ++i)
    for (int64_t g = 0; g < segments; ++g)
      for (int64_t p = 0, t0 = 0; p < pieces; ++p) {
        const int64_t n = base + (p < extra ? 1 : 0);
        const int64_t off = g * f.dilation_w_c + t0;
        // Leave out pixels whose reads at [off, off + n) all fall in the zero padding before or after the image.
        int64_t ow0 = 0, ow1 = f.out_w;
        while (ow0 < ow1 && ow0 * f.stride_w_c + off + n <= f.pad_left_c) ++ow0;
        while (ow1 > ow0 && (ow1 - 1) * f.stride_w_c + off >= f.pad_left_c + f.in_w_c) --ow1;
        float* d = dw + ((i * f.kw + g) * f.in_c + t0) * f.out_c;
        for (int64_t o0 = 0; o0 < f.out_c; o0 += bc) {
          const auto& tiles = o0 + bc <= f.out_c ? full : partial;
          tiles[n - 1](f, rows, dy_rows, count, i, off, ow0, ow1, o0, d + o0);
        }
        t0 += n;
      }
}

// Filter gradient with few output channels: acc[v][co] holds `width` consecutive positions t of the tile's
// segment for output channel co, updated per output pixel by TV loads of the input and CO broadcasts of dy. The
// tile's n positions start at `off` in the rows and at dw (whose rows are out_c apart, hence the transposing add).
template <int TV, int CO>
void filter_window_tile(const DirectFilter& f, const float* const* rows, const float* const* dy_rows,
                        int64_t count, int64_t i, int64_t off, int64_t n, float* dw) {
  VR acc[TV][CO];
#pragma GCC unroll 16
  for (int v = 0; v < TV; ++v)
#pragma GCC unroll 4
    for (int co = 0; co < CO; ++co) acc[v][co] = Vec::zero();
  // The last vector may run past the segment: masked, so that it never reads past a row's end.
  const typename Vec::Mask last = Vec::mask(n - (TV - 1) * kWidth);
  const int64_t s = f.stride_w_c, oc = f.out_c;
  for (int64_t r = 0; r < count; ++r) {
    const float* x = rows[r * f.kh + i];
    if (!x) continue;
    x += off;
    const float* g = dy_rows[r];
    for (int64_t ow = 0; ow < f.out_w; ++ow, x += s, g += oc) {
      VR xv[TV];
#pragma GCC unroll 16
      for (int v = 0; v < TV; ++v) xv[v] = v + 1 < TV ? Vec::load(x + v * kWidth) : Vec::load(x + v * kWidth, last);
#pragma GCC unroll 4
      for (int co = 0; co < CO; ++co) {
        const VR gv = Vec::set1(g[co]);
#pragma GCC unroll 16
        for (int v = 0; v < TV; ++v) acc[v][co] = Vec::fma(xv[v], gv, acc[v][co]);
      }
    }
  }
  alignas(64) float sums[TV * kWidth];
  for (int co = 0; co < CO; ++co) {
#pragma GCC unroll 16
    for (int v = 0; v < TV; ++v) Vec::store(sums + v * kWidth, acc[v][co]);
    for (int64_t t = 0; t < n; ++t) dw[t * oc + co] += sums[t];
  }
}

using FilterWindowTile = void (*)(const DirectFilter&, const float* const*, const float* const*, int64_t, int64_t,
                                  int64_t, int64_t, float*);

template <int CO>
constexpr int filter_window_vectors() {
  return Vec::accumulators / (CO + 1) > 12 ? 12 : Vec::accumulators / (CO + 1);
}

template <int CO, size_t... I>
constexpr std::array<FilterWindowTile, sizeof...(I)> filter_window_tiles(std::index_sequence<I...>) {
  return {{&filter_window_tile<static_cast<int>(I) + 1, CO>...}};
}

template <int CO>
void filter_window_rows(const DirectFilter& f, const float* const* rows, const float* const* dy_rows,
                        int64_t count, float* dw) {
  constexpr int kVectors = filter_window_vectors<CO>();
  static constexpr std::array<FilterWindowTile, kVectors> tiles =
      filter_window_tiles<CO>(std::make_index_sequence<kVectors>());
  const bool merged = f.dilation_w_c == f.in_c;
  const int64_t len = merged ? f.kw * f.in_c : f.in_c, segments = merged ? 1 : f.kw;
  const int64_t vecs = (len + kWidth - 1) / kWidth, pieces = (vecs + kVectors - 1) / kVectors;
  const int64_t per_piece = (vecs + pieces - 1) / pieces;
  for (int64_t i = 0; i < f.kh; ++i)
    for (int64_t g = 0; g < segments; ++g)
      for (int64_t t0 = 0; t0 < len; t0 += per_piece * kWidth) {
        const int64_t n = len - t0 < per_piece * kWidth ? len - t0 : per_piece * kWidth;
        tiles[(n + kWidth - 1) / kWidth - 1](f, rows, dy_rows, count, i, g * f.dilation_w_c + t0, n,
                                              dw + ((i * f.kw + g) * f.in_c + t0) * f.out_c);
      }
}

void filter_rows(const DirectFilter& f, const float* const* rows, const float* const* dy_rows, int64_t count,
                 float* dw, float* dbias) {
  if (f.vectors == 0) {
    switch (f.out_c) {
      case 1: filter_window_rows<1>(f, rows, dy_rows, count, dw); break;
      case 2: filter_window_rows<2>(f, rows, dy_rows, count, dw); break;
      case 3: filter_window_rows<3>(f, rows, dy_rows, count, dw); break;
      case 4: filter_window_rows<4>(f, rows, dy_rows, count, dw); break;
      default: break;
    }
  } else {
    switch (f.vectors) {
      case 1: filter_rows_v<1>(f, rows, dy_rows, count, dw); break;
      case 2: filter_rows_v<2>(f, rows, dy_rows, count, dw); break;
#if TN_SIMD == 512
      case 3: filter_rows_v<3>(f, rows, dy_rows, count, dw); break;
      case 4: filter_rows_v<4>(f, rows, dy_rows, count, dw); break;
#endif
      default: break;
    }
  }
  if (!dbias) return;
  const int64_t oc = f.out_c;
  for (int64_t r = 0; r < count; ++r)
    for (int64_t ow = 0; ow < f.out_w; ++ow) {
      const float* g = dy_rows[r] + ow * oc;
#pragma omp simd
      for (int64_t o = 0; o < oc; ++o) dbias[o] += g[o];
    }
}

// Per pooled pixel and vector of channels, the running maximum (and its position) stay in registers while the
// window's pool_h * pool_w vectors stream past; the same rule as max_pool2d_forward (a NaN anywhere wins) and
// max_pool2d_backward (strictly greater: ties keep the first position). Each step depends on the last (compare,
// then select), so P pooled pixels go side by side to overlap their chains.
template <bool Argmax, int P>
void pool_pixels(const float* rows, int64_t row_stride, int64_t pool_h, int64_t pool_w, int64_t c, int64_t p,
                 int64_t c0, float* y, uint8_t* argmax) {
  const int64_t n = c - c0 < kWidth ? c - c0 : kWidth;
  const typename Vec::Mask m = Vec::mask(n);
  const float* first = rows + p * pool_w * c + c0;
  const int64_t step = pool_w * c;
  VR best[P], at[P];
#pragma GCC unroll 4
  for (int j = 0; j < P; ++j) {
    best[j] = n == kWidth ? Vec::load(first + j * step) : Vec::load(first + j * step, m);
    at[j] = Vec::zero();
  }
  for (int64_t a = 0; a < pool_h; ++a)
    for (int64_t b = 0; b < pool_w; ++b) {
      if (a == 0 && b == 0) continue;
      const float* in = first + a * row_stride + b * c;
      const VR k = Vec::set1(static_cast<float>(a * pool_w + b));
#pragma GCC unroll 4
      for (int j = 0; j < P; ++j) {
        const VR v = n == kWidth ? Vec::load(in + j * step) : Vec::load(in + j * step, m);
        const typename Vec::Lanes take = Vec::takes_max(v, best[j]);
        best[j] = Vec::select(take, v, best[j]);
        if (Argmax) at[j] = Vec::select(take, k, at[j]);
      }
    }
#pragma GCC unroll 4
  for (int j = 0; j < P; ++j) {
    float* o = y + (p + j) * c + c0;
    if (n == kWidth) Vec::store(o, best[j]);
    else Vec::store(o, best[j], m);
    if (Argmax) Vec::store_bytes(argmax + (p + j) * c + c0, at[j], n);
  }
}

template <bool Argmax>
void pool_rows(const float* rows, int64_t row_stride, int64_t pool_h, int64_t pool_w, int64_t out_w, int64_t c,
               float* y, uint8_t* argmax) {
  int64_t p = 0;
  for (; p + 4 <= out_w; p += 4)
    for (int64_t c0 = 0; c0 < c; c0 += kWidth)
      pool_pixels<Argmax, 4>(rows, row_stride, pool_h, pool_w, c, p, c0, y, argmax);
  for (; p < out_w; ++p)
    for (int64_t c0 = 0; c0 < c; c0 += kWidth)
      pool_pixels<Argmax, 1>(rows, row_stride, pool_h, pool_w, c, p, c0, y, argmax);
}

void max_pool_rows(const float* rows, int64_t row_stride, int64_t pool_h, int64_t pool_w, int64_t out_w, int64_t c,
                   float* y) {
  pool_rows<false>(rows, row_stride, pool_h, pool_w, out_w, c, y, nullptr);
}

void max_pool_argmax_rows(const float* rows, int64_t row_stride, int64_t pool_h, int64_t pool_w, int64_t out_w,
                          int64_t c, float* y, uint8_t* argmax) {
  pool_rows<true>(rows, row_stride, pool_h, pool_w, out_w, c, y, argmax);
}

// Channel vectors outermost, so that the bias sum stays in a register along the row.
void unpool_relu_grad_rows(const float* dy, const float* y, const uint8_t* argmax, int64_t pool_h, int64_t pool_w,
                           int64_t out_w, int64_t c, float* rows, int64_t row_stride, float* dbias) {
  for (int64_t c0 = 0; c0 < c; c0 += kWidth) {
    const int64_t n = c - c0 < kWidth ? c - c0 : kWidth;
    const typename Vec::Mask m = Vec::mask(n);
    VR sum = Vec::zero();
    for (int64_t p = 0; p < out_w; ++p) {
      const int64_t at = p * c + c0;
      const VR g = n == kWidth ? Vec::load(dy + at) : Vec::load(dy + at, m);
      const VR yv = n == kWidth ? Vec::load(y + at) : Vec::load(y + at, m);
      // relu's gradient exactly as unary_grad writes it (0 * dy keeps a NaN or infinite dy visible), so that the
      // fused backward equals max-pool backward followed by relu backward.
      const VR dz = Vec::select(Vec::greater(yv, Vec::zero()), g, Vec::mul(Vec::zero(), g));
      sum = Vec::add(sum, dz);
      const VR k = Vec::load_bytes(argmax + at, n);
      float* out = rows + p * pool_w * c + c0;
      for (int64_t a = 0; a < pool_h; ++a)
        for (int64_t b = 0; b < pool_w; ++b) {
          const VR v = Vec::select(Vec::equal(k, Vec::set1(static_cast<float>(a * pool_w + b))), dz, Vec::zero());
          if (n == kWidth) Vec::store(out + a * row_stride + b * c, v);
          else Vec::store(out + a * row_stride + b * c, v, m);
        }
    }
    if (dbias) {
      if (n == kWidth) Vec::store(dbias + c0, Vec::add(Vec::load(dbias + c0), sum));
      else Vec::store(dbias + c0, Vec::add(Vec::load(dbias + c0, m), sum), m);
    }
  }
}

// R vectors of the tap-by-channel row from r0 on, summed over the entries in registers, then added to dx.
template <int R>
void scatter_tile(const float* packed, int64_t row, int64_t r0, int64_t per_tap, int64_t c, const int32_t* channels,
                  const float* values, int64_t n, float* const* taps) {
  VR acc[R];
#pragma GCC unroll 32
  for (int r = 0; r < R; ++r) acc[r] = Vec::zero();
  for (int64_t e = 0; e < n; ++e) {
    const float* w = packed + channels[e] * row + r0 * kWidth;
    const VR v = Vec::set1(values[e]);
#pragma GCC unroll 32
    for (int r = 0; r < R; ++r) acc[r] = Vec::fma(v, Vec::load(w + r * kWidth), acc[r]);
  }
#pragma GCC unroll 32
  for (int r = 0; r < R; ++r) {
    const int64_t at = r0 + r, cv = at % per_tap;
    float* d = taps[at / per_tap];
    if (!d) continue;
    d += cv * kWidth;
    const int64_t valid = c - cv * kWidth;
    if (valid >= kWidth) {
      Vec::store(d, Vec::add(Vec::load(d), acc[r]));
    } else {
      const typename Vec::Mask m = Vec::mask(valid);
      Vec::store(d, Vec::add(Vec::load(d, m), acc[r]), m);
    }
  }
}

using ScatterTile = void (*)(const float*, int64_t, int64_t, int64_t, int64_t, const int32_t*, const float*, int64_t,
                             float* const*);

template <size_t... I>
constexpr std::array<ScatterTile, sizeof...(I)> scatter_tiles(std::index_sequence<I...>) {
  return {{&scatter_tile<static_cast<int>(I) + 1>...}};
}

void scatter_input_grad(const float* packed, int64_t row, int64_t per_tap, int64_t c, const int32_t* channels,
                        const float* values, int64_t n, float* const* taps) {
  // One register of the file holds the broadcast value; the rest accumulate.
  constexpr int kVectors = Vec::accumulators;
  static constexpr std::array<ScatterTile, kVectors> tiles = scatter_tiles(std::make_index_sequence<kVectors>());
  const int64_t total = row / kWidth;
  // Equal tiles, as forward_row_v splits a row.
  const int64_t count = (total + kVectors - 1) / kVectors, base = total / count, extra = total % count;
  for (int64_t t = 0, r0 = 0; t < count; ++t) {
    const int64_t vectors = base + (t < extra ? 1 : 0);
    tiles[vectors - 1](packed, row, r0, per_tap, c, channels, values, n, taps);
    r0 += vectors;
  }
}

}  // namespace

extern const ConvKernels conv_kernels;
const ConvKernels conv_kernels = {kWidth,        kMaxVectors,          forward_row,
                                  filter_rows,   max_pool_rows,        max_pool_argmax_rows,
                                  unpool_relu_grad_rows, scatter_input_grad, TN_ISA_NS::unary_grad};

}  // namespace TN_ISA_NS
}  // namespace tn
