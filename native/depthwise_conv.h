// Depthwise 2-D convolution on NHWC tensors with [kh, kw, in_c, depth_multiplier] kernels (Keras's
// `depthwise_kernel` layout), forward and both gradients. Each input channel c is convolved on its own with
// depth_multiplier filters, giving output channels c * depth_multiplier + q (TensorFlow's order). Padding is given
// explicitly (top/left) as for conv2d.
//
// Not a grouped GEMM with one channel per group: there is no reduction over channels, so the channels themselves are
// the SIMD lanes and every multiply-add is one lane of a vector FMA over a run of contiguous NHWC channels.
#pragma once
#include <cstdint>

#include "conv.h"
#include "elementwise.h"

namespace tn {

struct DepthwiseConv2dShape {
  int64_t n, h, w, c;          // input
  int64_t kh, kw, m;           // kernel window and depth multiplier: the output has c * m channels
  int64_t oh, ow;              // output
  int64_t stride_h, stride_w;
  int64_t dilation_h, dilation_w;
  int64_t pad_top, pad_left;
};

// y[n,oh,ow,c*m+q] = act(sum over i, j of x[n, oh*sh - pt + i*dh, ow*sw - pl + j*dw, c] * w[i,j,c,q]
//                        + bias[c*m+q]); bias may be null. Taps outside the input count as zeros.
void depthwise_conv2d_forward(const DepthwiseConv2dShape& s, const float* x, const float* w, const float* bias,
                              UnaryOp activation, float alpha, float* y);
// dx (overwritten) = gradient of sum(y * dy) with respect to x; with `act` (conv.h), of sum(act(y) * dy).
void depthwise_conv2d_backward_input(const DepthwiseConv2dShape& s, const float* dy, const float* w, float* dx,
                                     const OutputActivation& act = OutputActivation());
// dw (overwritten) and, when dbias is not null, dbias[c*m+q] = sum of dy over n, oh, ow (dz with `act`). The result
// does not depend on the number of threads: rows are summed in chunks fixed by the shape alone, and the chunks'
// partial sums are added in chunk order.
void depthwise_conv2d_backward_filter(const DepthwiseConv2dShape& s, const float* x, const float* dy, float* dw,
                                      float* dbias, const OutputActivation& act = OutputActivation());

// One row of a depthwise convolution as the per-ISA kernels (depthwise_conv_impl.h) see it: `channels` lanes per
// pixel (in_c * m, the input already expanded when m > 1), kh input rows (null where the row lies outside the
// image, and then it contributes nothing), and per kernel row i the weights of kernel column j at
// weights[i] + j * weight_step (a negative step walks a flipped kernel).
struct DepthwiseRow {
  int64_t channels;
  int64_t kh, kw;
  int64_t in_w, out_w;
  int64_t stride_w, dilation_w, pad_left;
  const float* const* rows;
  const float* const* weights;
  int64_t weight_step;
};

struct DepthwiseKernels {
  // out[ow * channels + ch] = act(bias[ch] + sum over i, j of rows[i][(ow*sw - pl + j*dw) * channels + ch] *
  // weights[i][j * step + ch]), taps outside [0, in_w) left out; bias may be null.
  void (*forward_row)(const DepthwiseRow& r, const float* bias, UnaryOp activation, float alpha, float* out);
  // The transposed gather of a strided convolution: out[x * channels + ch] = sum over i, j with
  // (x + pl - j*dw) = o * sw, 0 <= o < in_w, of rows[i][o * channels + ch] * weights[i][j * step + ch].
  void (*input_grad_row)(const DepthwiseRow& r, float* out);
  // dw[(i * kw + j) * channels + ch] += sum over ow of rows[i][(ow*sw - pl + j*dw) * channels + ch] *
  // dz[ow * channels + ch] (taps inside the row only), and dbias[ch] += sum over ow of dz when dbias is not null.
  void (*filter_row)(const DepthwiseRow& r, const float* dz, float* dw, float* dbias);
  // This ISA's unary and unary_grad (elementwise.h), single-threaded, for rows inside the kernels' own threads.
  void (*activation)(UnaryOp op, const float* x, float* y, int64_t n, float alpha);
  void (*activation_grad)(UnaryOp op, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                          float alpha);
};

namespace avx512 {
extern const DepthwiseKernels depthwise_kernels;
}
namespace avx2 {
extern const DepthwiseKernels depthwise_kernels;
}
namespace generic {
extern const DepthwiseKernels depthwise_kernels;
}

}  // namespace tn
