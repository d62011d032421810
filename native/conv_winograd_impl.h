// Winograd F(4x4, 3x3)'s input and output transforms for one ISA (see conv_winograd.h). Included once per ISA, inside
// that ISA's target pragma, with TN_ISA_NS and TN_SIMD set as for conv_impl.h. Vectors run along channels (NHWC
// keeps a pixel's channels contiguous), so every tile transform is a few dozen vector additions per channel block.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "conv_winograd.h"
#include "elementwise.h"

namespace tn {
namespace TN_ISA_NS {

#include "conv_simd.h"

namespace {

using R = Vec::R;
constexpr int64_t kW = Vec::width;

inline R load_part(const float* p, int64_t left) { return left >= kW ? Vec::load(p) : Vec::load(p, Vec::mask(left)); }
inline void store_part(float* p, R v, int64_t left) {
  if (left >= kW) {
    Vec::store(p, v);
  } else {
    Vec::store(p, v, Vec::mask(left));
  }
}

// r = B^T d for one column of 6 values (interpolation points 0, 1, -1, 2, -2 and infinity).
inline void input_1d(const R* d, R* r) {
  const R four = Vec::set1(4.0f), five = Vec::set1(5.0f), two = Vec::set1(2.0f);
  const R a = d[4] - four * d[2], b = d[3] - four * d[1];
  const R e = d[4] - d[2], f = two * (d[3] - d[1]);
  r[0] = (four * d[0] - five * d[2]) + d[4];
  r[1] = a + b;
  r[2] = a - b;
  r[3] = e + f;
  r[4] = e - f;
  r[5] = (four * d[1] - five * d[3]) + d[5];
}

// o = A^T m for one column of 6 products.
inline void output_1d(const R* m, R* o) {
  const R two = Vec::set1(2.0f), four = Vec::set1(4.0f), eight = Vec::set1(8.0f);
  const R s12 = m[1] + m[2], d12 = m[1] - m[2], s34 = m[3] + m[4], d34 = m[3] - m[4];
  o[0] = (m[0] + s12) + s34;
  o[1] = d12 + two * d34;
  o[2] = s12 + four * s34;
  o[3] = (d12 + eight * d34) + m[5];
}

// out[p * point_stride] = (T d T^T)[p] (p = i * 6 + j) for one channel block of an n x n block d[a][b] = value(a, b),
// where transform_1d(col, r) maps a column of n vectors to 6 (B^T for input tiles, A for output gradients): the
// columns first, then the rows of the result.
template <int N, typename Value, typename Transform1d>
inline void store_transformed(Value value, Transform1d transform_1d, float* out, int64_t point_stride, int64_t left) {
  R tmp[kWinogradAlpha][N];  // tmp[i][b] = (T d)[i][b]
  for (int b = 0; b < N; ++b) {
    R col[N], r[kWinogradAlpha];
    for (int a = 0; a < N; ++a) col[a] = value(a, b);
    transform_1d(col, r);
    for (int i = 0; i < kWinogradAlpha; ++i) tmp[i][b] = r[i];
  }
  for (int i = 0; i < kWinogradAlpha; ++i) {
    R r[kWinogradAlpha];
    transform_1d(tmp[i], r);
    for (int j = 0; j < kWinogradAlpha; ++j) store_part(out + (i * kWinogradAlpha + j) * point_stride, r[j], left);
  }
}

// out[p * point_stride + ch] = (B^T d B)[p] for each channel block of a tile, with d[a][b] = value(a, b, ch, left)
// (the block's vector of the tile's pixel a, b).
template <typename Value>
inline void transform_input_tile(float* out, int64_t point_stride, int64_t c, Value value) {
  for (int64_t ch = 0; ch < c; ch += kW) {
    const int64_t left = c - ch;
    store_transformed<kWinogradAlpha>([&](int a, int b) { return value(a, b, ch, left); },
                                      [](const R* d, R* r) { input_1d(d, r); }, out + ch, point_stride, left);
  }
}

void input_tiles(const WinogradConv& g, const float* x, int64_t t0, int64_t count, float* v, int64_t point_stride) {
  const int64_t th = g.tiles_h(), tw = g.tiles_w(), c = g.in_c;
  for (int64_t t = t0; t < t0 + count; ++t) {
    const int64_t n = t / (th * tw), ty = t % (th * tw) / tw, tx = t % tw;
    const int64_t h0 = ty * kWinogradTile - g.pad_top, w0 = tx * kWinogradTile - g.pad_left;
    // Null for pixels outside the image: they read as zeros.
    const float* pixel[kWinogradAlpha][kWinogradAlpha];
    for (int a = 0; a < kWinogradAlpha; ++a) {
      const int64_t ih = h0 + a;
      for (int b = 0; b < kWinogradAlpha; ++b) {
        const int64_t iw = w0 + b;
        pixel[a][b] = ih >= 0 && ih < g.in_h && iw >= 0 && iw < g.in_w ? x + ((n * g.in_h + ih) * g.in_w + iw) * c
                                                                        : nullptr;
      }
    }
    transform_input_tile(v + (t - t0) * c, point_stride, c, [&](int a, int b, int64_t ch, int64_t left) {
      return pixel[a][b] ? load_part(pixel[a][b] + ch, left) : Vec::zero();
    });
  }
}

// As input_tiles with dz for x, read from the pooled gradient of a convolution followed by relu and 2x2 max
// pooling: dz at (h, w) is relu's gradient of dy (from y) at pooled pixel (h / 2, w / 2) where argmax there names
// position (h % 2) * 2 + w % 2, else 0 (as materialise_pooled_grad in conv.cc writes it). dy, y and argmax are
// [n, in_h / 2, in_w / 2, in_c]: g.in_h and g.in_w are the rows and columns the windows cover (even), and dz is zero
// beyond them, as outside the image.
void pooled_input_tiles(const WinogradConv& g, const float* dy, const float* y, const uint8_t* argmax, int64_t t0,
                        int64_t count, float* v, int64_t point_stride) {
  const int64_t th = g.tiles_h(), tw = g.tiles_w(), c = g.in_c, ph = g.in_h / 2, pw = g.in_w / 2;
  for (int64_t t = t0; t < t0 + count; ++t) {
    const int64_t n = t / (th * tw), ty = t % (th * tw) / tw, tx = t % tw;
    const int64_t h0 = ty * kWinogradTile - g.pad_top, w0 = tx * kWinogradTile - g.pad_left;
    // Each pixel's pooled offset (-1 outside) and window position.
    int64_t at[kWinogradAlpha][kWinogradAlpha];
    float pos[kWinogradAlpha][kWinogradAlpha];
    for (int a = 0; a < kWinogradAlpha; ++a) {
      const int64_t ih = h0 + a;
      for (int b = 0; b < kWinogradAlpha; ++b) {
        const int64_t iw = w0 + b;
        const bool inside = ih >= 0 && ih < g.in_h && iw >= 0 && iw < g.in_w;
        at[a][b] = inside ? ((n * ph + ih / 2) * pw + iw / 2) * c : -1;
        pos[a][b] = inside ? static_cast<float>((ih % 2) * 2 + iw % 2) : 0.0f;
      }
    }
    transform_input_tile(v + (t - t0) * c, point_stride, c, [&](int a, int b, int64_t ch, int64_t left) {
      if (at[a][b] < 0) return Vec::zero();
      const int64_t o = at[a][b] + ch;
      const R grad = load_part(dy + o, left);
      // 0 * dy keeps a NaN or infinite dy visible, as unary_grad's relu gradient does.
      const R routed = Vec::select(Vec::greater(load_part(y + o, left), Vec::zero()), grad, Vec::zero() * grad);
      const R k = Vec::load_bytes(argmax + o, std::min<int64_t>(left, kW));
      return Vec::select(Vec::equal(k, Vec::set1(pos[a][b])), routed, Vec::zero());
    });
  }
}

// The activations the output transform applies in registers; the others go through unary() per pixel afterwards.
inline bool inline_activation(UnaryOp a) {
  return a == UnaryOp::linear || a == UnaryOp::relu || a == UnaryOp::relu6 || a == UnaryOp::leaky_relu;
}

inline R activate(R v, UnaryOp a, float alpha) {
  switch (a) {
    case UnaryOp::relu: return Vec::relu(v);
    case UnaryOp::relu6: return Vec::relu6(v);
    case UnaryOp::leaky_relu: return Vec::leaky_relu(v, alpha);
    default: return v;
  }
}

// Output tile t: its image, first output row and column, and how many of its rows and columns lie in the output.
struct OutputTile {
  int64_t n, oh0, ow0;
  int rows, cols;
};
inline OutputTile output_tile(const WinogradConv& g, int64_t t) {
  const int64_t th = g.tiles_h(), tw = g.tiles_w();
  const int64_t oh0 = t % (th * tw) / tw * kWinogradTile, ow0 = t % tw * kWinogradTile;
  return {t / (th * tw), oh0, ow0, static_cast<int>(std::min<int64_t>(kWinogradTile, g.out_h - oh0)),
          static_cast<int>(std::min<int64_t>(kWinogradTile, g.out_w - ow0))};
}

// tmp[r][j] = (A^T m)[r][j] for one channel block of a tile's 36 products (m[p] at in + p * point_stride + ch): the
// first half of the output transform.
inline void output_columns(const float* in, int64_t point_stride, int64_t ch, int64_t left,
                           R tmp[kWinogradTile][kWinogradAlpha]) {
  for (int j = 0; j < kWinogradAlpha; ++j) {
    R col[kWinogradAlpha], o[kWinogradTile];
    for (int i = 0; i < kWinogradAlpha; ++i) col[i] = load_part(in + (i * kWinogradAlpha + j) * point_stride + ch, left);
    output_1d(col, o);
    for (int r = 0; r < kWinogradTile; ++r) tmp[r][j] = o[r];
  }
}

void output_tiles(const WinogradConv& g, const float* m, int64_t point_stride, int64_t t0, int64_t count,
                  const float* bias, UnaryOp activation, float alpha, float* y) {
  const int64_t oc = g.out_c;
  const bool in_registers = inline_activation(activation);
  const UnaryOp in_loop = in_registers ? activation : UnaryOp::linear;
  for (int64_t t = t0; t < t0 + count; ++t) {
    const OutputTile tile = output_tile(g, t);
    const int64_t n = tile.n, oh0 = tile.oh0, ow0 = tile.ow0;
    const int rows = tile.rows, cols = tile.cols;
    const float* in = m + (t - t0) * oc;
    float* base = y + ((n * g.out_h + oh0) * g.out_w + ow0) * oc;
    for (int64_t ch = 0; ch < oc; ch += kW) {
      const int64_t left = oc - ch;
      R tmp[kWinogradTile][kWinogradAlpha];
      output_columns(in, point_stride, ch, left, tmp);
      const R b = bias ? load_part(bias + ch, left) : Vec::zero();
      for (int r = 0; r < rows; ++r) {
        R o[kWinogradTile];
        output_1d(tmp[r], o);
        for (int q = 0; q < cols; ++q)
          store_part(base + (r * g.out_w + q) * oc + ch, activate(o[q] + b, in_loop, alpha), left);
      }
    }
    if (!in_registers) {
      for (int r = 0; r < rows; ++r) {
        float* row = base + r * g.out_w * oc;
        TN_ISA_NS::unary(activation, row, row, cols * oc, alpha);
      }
    }
  }
}

// As output_tiles with an inline activation, then 2x2 max pooling of each tile's outputs, as conv2d_relu_maxpool's
// pooling kernels compute it (the NaN-propagating maximum, positions in the order 0, 1, 2, 3 = a * 2 + b, the first
// maximum kept): y [n, out_h / 2, out_w / 2, out_c] and, when not null, argmax of the same shape. Tiles start at
// multiples of 4, so with g.out_h and g.out_w even (only the rows and columns the windows cover) every window lies
// inside one tile, and the convolution's output never goes to memory.
void pooled_output_tiles(const WinogradConv& g, const float* m, int64_t point_stride, int64_t t0, int64_t count,
                         const float* bias, UnaryOp activation, float alpha, float* y, uint8_t* argmax) {
  const int64_t oc = g.out_c;
  const int64_t ph = g.out_h / 2, pw = g.out_w / 2;
  for (int64_t t = t0; t < t0 + count; ++t) {
    const OutputTile tile = output_tile(g, t);
    const int64_t n = tile.n, oh0 = tile.oh0, ow0 = tile.ow0;
    const int prows = tile.rows / 2, pcols = tile.cols / 2;
    const float* in = m + (t - t0) * oc;
    const int64_t at = ((n * ph + oh0 / 2) * pw + ow0 / 2) * oc;
    for (int64_t ch = 0; ch < oc; ch += kW) {
      const int64_t left = oc - ch;
      R tmp[kWinogradTile][kWinogradAlpha];
      output_columns(in, point_stride, ch, left, tmp);
      const R b = bias ? load_part(bias + ch, left) : Vec::zero();
      for (int pr = 0; pr < prows; ++pr) {
        R top[kWinogradTile], bottom[kWinogradTile];
        output_1d(tmp[2 * pr], top);
        output_1d(tmp[2 * pr + 1], bottom);
        for (int pq = 0; pq < pcols; ++pq) {
          const R window[4] = {activate(top[2 * pq] + b, activation, alpha), activate(top[2 * pq + 1] + b, activation, alpha),
                               activate(bottom[2 * pq] + b, activation, alpha),
                               activate(bottom[2 * pq + 1] + b, activation, alpha)};
          R best = window[0], where = Vec::zero();
          for (int k = 1; k < 4; ++k) {
            const typename Vec::Lanes take = Vec::takes_max(window[k], best);
            best = Vec::select(take, window[k], best);
            if (argmax) where = Vec::select(take, Vec::set1(static_cast<float>(k)), where);
          }
          const int64_t o = at + (pr * pw + pq) * oc + ch;
          store_part(y + o, best, left);
          if (argmax) Vec::store_bytes(argmax + o, where, std::min<int64_t>(left, kW));
        }
      }
    }
  }
}

// m = A o for one column of 4 output gradients: the output transform's transpose, which carries dy back to the
// 36 products.
inline void gradient_1d(const R* o, R* m) {
  const R two = Vec::set1(2.0f), four = Vec::set1(4.0f), eight = Vec::set1(8.0f);
  const R e = o[0] + o[2], f = o[1] + o[3];
  const R g = o[0] + four * o[2], h = two * o[1] + eight * o[3];
  m[0] = o[0];
  m[1] = e + f;
  m[2] = e - f;
  m[3] = g + h;
  m[4] = g - h;
  m[5] = o[3];
}

// out[p * point_stride + ch] = (A dz A^T)[p] for one channel block of a tile's 4x4 output gradients.
inline void store_gradient_points(const R dz[kWinogradTile][kWinogradTile], float* out, int64_t point_stride,
                                  int64_t ch, int64_t left) {
  store_transformed<kWinogradTile>([&](int a, int q) { return dz[a][q]; }, [](const R* o, R* m) { gradient_1d(o, m); },
                                   out + ch, point_stride, left);
}

void gradient_tiles(const WinogradConv& g, const float* dy, const OutputActivation& act, int64_t t0, int64_t count,
                    float* m, int64_t point_stride, float* dbias) {
  const int64_t oc = g.out_c;
  // With an activation, each tile's dz = dy * act'(y) goes through this first (its rows are cols * oc contiguous
  // floats in dy and y), so that dz is never written out in full.
  std::vector<float> dz(act.y ? static_cast<size_t>(kWinogradTile * kWinogradTile * oc) : 0);
  for (int64_t t = t0; t < t0 + count; ++t) {
    const OutputTile tile = output_tile(g, t);
    const int64_t n = tile.n, oh0 = tile.oh0, ow0 = tile.ow0;
    const int rows = tile.rows, cols = tile.cols;
    const int64_t at = ((n * g.out_h + oh0) * g.out_w + ow0) * oc;
    const float* base = dy + at;
    int64_t row_stride = g.out_w * oc;
    if (act.y) {
      for (int a = 0; a < rows; ++a) {
        const int64_t off = at + a * g.out_w * oc;
        TN_ISA_NS::unary_grad(act.activation, act.y + off, act.y + off, dy + off, dz.data() + a * kWinogradTile * oc,
                              cols * oc, act.alpha);
      }
      base = dz.data();
      row_stride = kWinogradTile * oc;
    }
    float* out = m + (t - t0) * oc;
    for (int64_t ch = 0; ch < oc; ch += kW) {
      const int64_t left = oc - ch;
      R sum = Vec::zero();
      R dz[kWinogradTile][kWinogradTile];  // gradients outside the output are zero
      for (int q = 0; q < kWinogradTile; ++q) {
        for (int a = 0; a < kWinogradTile; ++a)
          dz[a][q] = a < rows && q < cols ? load_part(base + a * row_stride + q * oc + ch, left) : Vec::zero();
        sum = sum + ((dz[0][q] + dz[1][q]) + (dz[2][q] + dz[3][q]));
      }
      store_gradient_points(dz, out, point_stride, ch, left);
      if (dbias) store_part(dbias + ch, load_part(dbias + ch, left) + sum, left);
    }
  }
}

// As gradient_tiles for a convolution followed by relu and 2x2 max pooling, reading the pooled gradient instead of dz:
// dz at output (h, w) is relu's gradient of dy (from y) at pooled pixel (h / 2, w / 2) where argmax there names
// position (h % 2) * 2 + w % 2, and 0 elsewhere, as materialise_pooled_grad (conv.cc) writes it; dy, y and argmax are
// [n, out_h / 2, out_w / 2, out_c], with g.out_h and g.out_w even (the rows and columns the windows cover).
void pooled_gradient_tiles(const WinogradConv& g, const float* dy, const float* y, const uint8_t* argmax, int64_t t0,
                           int64_t count, float* m, int64_t point_stride, float* dbias) {
  const int64_t oc = g.out_c, ph = g.out_h / 2, pw = g.out_w / 2;
  for (int64_t t = t0; t < t0 + count; ++t) {
    const OutputTile tile = output_tile(g, t);
    float* out = m + (t - t0) * oc;
    for (int64_t ch = 0; ch < oc; ch += kW) {
      const int64_t left = oc - ch;
      R sum = Vec::zero();
      R dz[kWinogradTile][kWinogradTile];  // zero outside the covered rows and columns
      for (int a = 0; a < kWinogradTile; ++a)
        for (int q = 0; q < kWinogradTile; ++q) dz[a][q] = Vec::zero();
      for (int pr = 0; pr < tile.rows / 2; ++pr)
        for (int pq = 0; pq < tile.cols / 2; ++pq) {
          const int64_t at = ((tile.n * ph + tile.oh0 / 2 + pr) * pw + tile.ow0 / 2 + pq) * oc + ch;
          const R grad = load_part(dy + at, left);
          // 0 * dy keeps a NaN or infinite dy visible, as unary_grad's relu gradient does.
          const R routed = Vec::select(Vec::greater(load_part(y + at, left), Vec::zero()), grad, Vec::zero() * grad);
          const R k = Vec::load_bytes(argmax + at, std::min<int64_t>(left, kW));
          for (int pos = 0; pos < 4; ++pos) {
            const R v = Vec::select(Vec::equal(k, Vec::set1(static_cast<float>(pos))), routed, Vec::zero());
            dz[2 * pr + pos / 2][2 * pq + pos % 2] = v;
            sum = sum + v;
          }
        }
      store_gradient_points(dz, out, point_stride, ch, left);
      if (dbias) store_part(dbias + ch, load_part(dbias + ch, left) + sum, left);
    }
  }
}

// G's rows evaluate the filter polynomial at 0, 1, -1, 2, -2 and infinity, scaled so that the output transform has
// integer coefficients.
constexpr float kG[kWinogradAlpha][3] = {{0.25f, 0.0f, 0.0f},
                                         {-1.0f / 6, -1.0f / 6, -1.0f / 6},
                                         {-1.0f / 6, 1.0f / 6, -1.0f / 6},
                                         {1.0f / 24, 1.0f / 12, 1.0f / 6},
                                         {1.0f / 24, -1.0f / 12, 1.0f / 6},
                                         {0.0f, 0.0f, 1.0f}};

// Per ISA because a batch of one spends most of a layer here: a 64 -> 64 kernel took 46% of a batch-1 forward
// pass (15x15x64 with pooling, one thread) when these loops were compiled for the baseline ISA only.
void transform_kernel_rows(const float* k, int64_t in_c, int64_t out_c, int64_t c0, int64_t c1, float* u,
                           int64_t u_stride) {
  const int64_t plane = in_c * out_c;
  for (int64_t ci = c0; ci < c1; ++ci)
    for (int64_t co = 0; co < out_c; co += kW) {
      const int64_t left = out_c - co, at = ci * out_c + co;
      R g[3][3];
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) g[i][j] = load_part(k + (i * 3 + j) * plane + at, left);
      R t[kWinogradAlpha][3];  // (G g)[a][j]
      for (int a = 0; a < kWinogradAlpha; ++a)
        for (int j = 0; j < 3; ++j)
          t[a][j] = (Vec::set1(kG[a][0]) * g[0][j] + Vec::set1(kG[a][1]) * g[1][j]) + Vec::set1(kG[a][2]) * g[2][j];
      for (int a = 0; a < kWinogradAlpha; ++a)
        for (int b = 0; b < kWinogradAlpha; ++b)
          store_part(u + (a * kWinogradAlpha + b) * u_stride + at,
                     (Vec::set1(kG[b][0]) * t[a][0] + Vec::set1(kG[b][1]) * t[a][1]) + Vec::set1(kG[b][2]) * t[a][2],
                     left);
    }
}

void untransform_kernel_rows(const float* m, int64_t in_c, int64_t out_c, int64_t c0, int64_t c1, float* dw) {
  const int64_t plane = in_c * out_c;
  for (int64_t ci = c0; ci < c1; ++ci)
    for (int64_t co = 0; co < out_c; co += kW) {
      const int64_t left = out_c - co, at = ci * out_c + co;
      R t[3][kWinogradAlpha];  // (G^T m)[i][b]
      for (int i = 0; i < 3; ++i)
        for (int b = 0; b < kWinogradAlpha; ++b) {
          R sum = Vec::zero();
          for (int a = 0; a < kWinogradAlpha; ++a) {
            if (kG[a][i] == 0.0f) continue;
            sum = sum + Vec::set1(kG[a][i]) * load_part(m + (a * kWinogradAlpha + b) * plane + at, left);
          }
          t[i][b] = sum;
        }
      for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) {
          R sum = Vec::zero();
          for (int b = 0; b < kWinogradAlpha; ++b)
            if (kG[b][j] != 0.0f) sum = sum + Vec::set1(kG[b][j]) * t[i][b];
          store_part(dw + (i * 3 + j) * plane + at, sum, left);
        }
    }
}

}  // namespace

extern const WinogradKernels winograd_kernels;
const WinogradKernels winograd_kernels = {input_tiles,          pooled_input_tiles,    output_tiles,
                                           pooled_output_tiles,  gradient_tiles,        pooled_gradient_tiles,
                                           transform_kernel_rows, untransform_kernel_rows};

}  // namespace TN_ISA_NS
}  // namespace tn
