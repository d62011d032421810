// Winograd F(4x4, 3x3) for 3x3 convolutions with stride 1 and dilation 1 (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2015): each 6x6 input tile is transformed (B^T d B), multiplied point by point
// with the transformed kernel (G g G^T) as 36 GEMMs over channels, and the 36 products transformed back into a 4x4
// output tile (A^T m A). 2.25 multiplies per output instead of 9 per input channel and output channel; the
// transforms are additions (and a few multiplies by constants) whose cost grows only with the channels. The filter
// gradient runs the same algebra backwards: dz's tiles through A . A^T, times the input tiles, summed over tiles.
//
// Numerics: the points 0, +-1, +-2 make the transforms' coefficients reach 8 and 1/24, so the rounding error is
// several times the direct convolution's (bounded in test/native/conv-winograd.test.ts against float64), and it
// scales with the whole tile's values: an output whose own terms are small next to its neighbours' (a gradient
// routed through max-pooling is mostly zeros) has a larger error relative to them. A NaN or
// infinity anywhere in a 6x6 input tile reaches most of its 4x4 outputs, not only those whose windows read it
// (as in oneDNN's and cuDNN's Winograd kernels).
#pragma once
#include <cstdint>

#include "conv.h"
#include "elementwise.h"

namespace tn {

constexpr int kWinogradTile = 4;                                  // output pixels per tile side
constexpr int kWinogradAlpha = kWinogradTile + 2;                 // input pixels per tile side
constexpr int kWinogradPoints = kWinogradAlpha * kWinogradAlpha;  // 36

// A 3x3 stride-1 convolution as the Winograd kernels see it: input [n, in_h, in_w, in_c] -> [n, out_h, out_w, out_c],
// output pixel (oh, ow) reading input rows oh - pad_top + [0, 3) and columns ow - pad_left + [0, 3).
struct WinogradConv {
  int64_t n, in_h, in_w, in_c, out_h, out_w, out_c, pad_top, pad_left;
  int64_t tiles_h() const { return (out_h + kWinogradTile - 1) / kWinogradTile; }
  int64_t tiles_w() const { return (out_w + kWinogradTile - 1) / kWinogradTile; }
  int64_t tiles() const { return n * tiles_h() * tiles_w(); }
};

// One ISA's transforms. Tiles are numbered over (n, tile row, tile column); a call handles tiles [t0, t0 + count).
struct WinogradKernels {
  // v[p * point_stride + (t - t0) * in_c + c] = (B^T d B)[p] for each tile t and channel c, with d the tile's 6x6
  // input pixels (zero outside the image).
  void (*input_tiles)(const WinogradConv& g, const float* x, int64_t t0, int64_t count, float* v,
                      int64_t point_stride);
  // As input_tiles with x the gradient of a convolution followed by relu and 2x2 max pooling, read from the pooled
  // gradient dy, output y and argmax ([n, in_h / 2, in_w / 2, in_c]; in_h and in_w even, the covered rows and columns).
  void (*pooled_input_tiles)(const WinogradConv& g, const float* dy, const float* y, const uint8_t* argmax,
                             int64_t t0, int64_t count, float* v, int64_t point_stride);
  // y's pixels of each tile (those inside the output) = act((A^T m A) + bias), m[p * point_stride + (t - t0) *
  // out_c + oc] the tile's 36 products; bias may be null.
  void (*output_tiles)(const WinogradConv& g, const float* m, int64_t point_stride, int64_t t0, int64_t count,
                       const float* bias, UnaryOp activation, float alpha, float* y);
  // As output_tiles (activation inline: linear, relu, relu6 or leaky_relu), then each 2x2 window's maximum: y
  // [n, out_h / 2, out_w / 2, out_c] and, when not null, argmax as conv2d_relu_maxpool_train's. out_h and out_w even.
  void (*pooled_output_tiles)(const WinogradConv& g, const float* m, int64_t point_stride, int64_t t0, int64_t count,
                              const float* bias, UnaryOp activation, float alpha, float* y, uint8_t* argmax);
  // m[p * point_stride + (t - t0) * out_c + oc] = (A dz A^T)[p] for each tile t, with dz the tile's 4x4 output
  // gradients (zero outside the output; dy * act'(y) with `act`): the gradient reaching the tile's 36 products.
  // dbias, when not null, gets the tiles' dz added per channel.
  void (*gradient_tiles)(const WinogradConv& g, const float* dy, const OutputActivation& act, int64_t t0,
                         int64_t count, float* m, int64_t point_stride, float* dbias);
  // As gradient_tiles for a convolution followed by relu and 2x2 max pooling, from the pooled gradient dy, output y
  // and argmax ([n, out_h / 2, out_w / 2, out_c], as conv2d_relu_maxpool_backward takes them) instead of dz; out_h
  // and out_w even.
  void (*pooled_gradient_tiles)(const WinogradConv& g, const float* dy, const float* y, const uint8_t* argmax,
                                int64_t t0, int64_t count, float* m, int64_t point_stride, float* dbias);
  // u[p * u_stride + ci * out_c + co] = (G g G^T)[p] for ci in [c0, c1), with g[i][j] = k[(i * 3 + j) * in_c * out_c +
  // ci * out_c + co] (a [3][3][in][out] kernel).
  void (*transform_kernel_rows)(const float* k, int64_t in_c, int64_t out_c, int64_t c0, int64_t c1, float* u,
                                int64_t u_stride);
  // The 36 points' gradients m[p][ci][co] carried back to the kernel for ci in [c0, c1): dw[i][j] = sum over a, b of
  // G[a][i] m[a][b] G[b][j].
  void (*untransform_kernel_rows)(const float* m, int64_t in_c, int64_t out_c, int64_t c0, int64_t c1, float* dw);
};

namespace avx512 { extern const WinogradKernels winograd_kernels; }
namespace avx2 { extern const WinogradKernels winograd_kernels; }
namespace generic { extern const WinogradKernels winograd_kernels; }

// Whether Winograd can compute the shape at all: a 3x3 kernel with stride 1 and dilation 1.
bool winograd_geometry(const Conv2dShape& s);

// The measured rule: whether Winograd beats the direct kernels on this shape for this pass.
enum class WinogradPass { forward, backward_input, backward_filter };
bool winograd_pays(const Conv2dShape& s, WinogradPass pass);

// y = act(conv(x, w) + bias) as conv2d_forward, for shapes winograd_geometry accepts.
void winograd_forward(const Conv2dShape& s, const float* x, const float* w, const float* bias, UnaryOp activation,
                      float alpha, float* y);
// act(conv(x, w) + bias) then 2x2 max pooling with stride 2 ('valid': a trailing odd row or column is not
// computed), as conv2d_relu_maxpool (argmax null) and conv2d_relu_maxpool_train compute it; `activation` is one
// the output transform applies inline. The pooled values equal winograd_forward's followed by the pooling kernels'.
void winograd_forward_maxpool2(const Conv2dShape& s, const float* x, const float* w, const float* bias,
                               UnaryOp activation, float alpha, float* y, uint8_t* argmax);
// dx as conv2d_backward_input from dz (the upstream gradient with any activation gradient already applied):
// dz convolved with the kernel rotated by 180 degrees and its channels swapped, which is a 3x3 stride-1 convolution.
void winograd_backward_input(const Conv2dShape& s, const float* dz, const float* w, float* dx);
// dx of act(conv(x, w) + bias) followed by 2x2 max pooling with stride 2, from the pooled gradient dy, output y and
// argmax as conv2d_relu_maxpool_train wrote them (relu's gradient), without dz in memory.
void winograd_backward_input_maxpool2(const Conv2dShape& s, const float* dy, const float* y, const uint8_t* argmax,
                                      const float* w, float* dx);
// dw and dbias (may be null) as conv2d_backward_filter computes them: the 36 products' gradients (dz's tiles through
// A . A^T, with act's gradient applied on the way) times the input tiles (B^T d B), summed over tiles as 36 GEMMs,
// then carried back to the 3x3 kernel through G^T . G.
void winograd_backward_filter(const Conv2dShape& s, const float* x, const float* dy, const OutputActivation& act,
                              float* dw, float* dbias);

// dw and dbias (may be null) of act(conv(x, w) + bias) followed by 2x2 max pooling with stride 2, from the pooled
// gradient dy, the pooled output y and argmax as conv2d_relu_maxpool_train wrote them (relu's gradient), without dz
// in memory; only the output rows and columns the windows cover have tiles.
void winograd_backward_filter_maxpool2(const Conv2dShape& s, const float* x, const float* dy, const float* y,
                                       const uint8_t* argmax, float* dw, float* dbias);

// Which shapes take Winograd: by the measured rule (automatic), or for tests and benchmarks every shape that
// winograd_geometry accepts (always) or none (never). Process-wide.
enum class WinogradMode { automatic, always, never };
void set_winograd_mode(WinogradMode mode);
WinogradMode winograd_mode();

}  // namespace tn
