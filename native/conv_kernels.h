// The per-ISA inner loops of the direct convolution kernels, and what conv.cc tells them. conv.cc owns everything
// around them (choosing the algorithm, packing weights, padding input rows, threads, scratch memory); these only
// turn rows of input into rows of output (forward) or into filter-gradient sums (backward filter).
//
// Both directions walk an output row of `out_w` pixels. Each of the kh kernel rows reads one input row; the
// caller passes it as a pointer to the row's column -pad_left (a zero-padded copy when the window leaves the image
// sideways), or null when that input row lies outside the image and contributes nothing. Within such a row, output
// pixel ow reads kernel column j, channel c at row[ow * stride_w_c + j * dilation_w_c + c].
#pragma once
#include <cstdint>

#include "elementwise.h"

namespace tn {

struct DirectForward {
  int64_t in_c;           // channels of an input pixel
  int64_t kh, kw;
  int64_t stride_w_c;     // stride_w * in_c
  int64_t dilation_w_c;   // dilation_w * in_c
  int64_t pad_left_c;     // pad_left * in_c and in_w * in_c: where the image lies within an input row, so that the
  int64_t in_w_c;         // kernels can leave out products with the zero padding around it
  int64_t out_w, out_c;   // output row: out_w pixels of out_c channels (the row's stride in floats is out_c)
  // Weights packed per block of out_c: [block][kh][kw][in_c][block_c], block_c = vectors * ISA width, zero padded.
  // vectors = 0 selects the dot-product tiles for a few output channels (at most 4), which vectorise along the
  // kernel window instead: packed is then [out_c][kh][kw][in_c] and bias (if any) has out_c floats.
  const float* packed;
  int64_t vectors;
  const float* bias;      // padded to the block count * block_c, or null
  UnaryOp activation;
  float alpha;
};

struct DirectFilter {
  int64_t in_c, kh, kw;
  int64_t stride_w_c, dilation_w_c;
  int64_t pad_left_c, in_w_c;
  int64_t out_w, out_c;
  // Vectors of out_c per register tile; 0 selects the tiles for a few output channels (at most 4), which
  // vectorise along the kernel window and broadcast dy instead.
  int64_t vectors;
};

// One ISA's kernels; conv.cc picks the table of the active ISA.
struct ConvKernels {
  int width;              // floats per vector
  int max_vectors;        // vectors of output channels per register tile (DirectForward/DirectFilter::vectors)
  // out[ow * out_c + oc] = act(sum over kernel rows i, columns j, channels c + bias) for one output row.
  void (*forward_row)(const DirectForward& d, const float* const* rows, float* out);
  // For `count` output rows: dw[((i * kw + j) * in_c + c) * out_c + oc] += sum over ow of
  // rows[r * kh + i][ow * stride_w_c + j * dilation_w_c + c] * dy_rows[r][ow * out_c + oc];
  // and dbias[oc] += the sum of every dy row when dbias is not null.
  void (*filter_rows)(const DirectFilter& f, const float* const* rows, const float* const* dy_rows, int64_t count,
                      float* dw, float* dbias);
  // y[p * c + ch] = the NaN-propagating max over window p of pool_h consecutive rows of pixels (c channels each,
  // `row_stride` floats apart), columns [p * pool_w, (p + 1) * pool_w), for p in [0, out_w).
  void (*max_pool_rows)(const float* rows, int64_t row_stride, int64_t pool_h, int64_t pool_w, int64_t out_w,
                        int64_t c, float* y);
  // As max_pool_rows, and argmax[p * c + ch] = a * pool_w + b for the window's first maximum (its first NaN if it
  // holds one), the position a training step routes the gradient to. pool_h * pool_w is at most 256.
  void (*max_pool_argmax_rows)(const float* rows, int64_t row_stride, int64_t pool_h, int64_t pool_w, int64_t out_w,
                               int64_t c, float* y, uint8_t* argmax);
  // The gradient max_pool_argmax_rows' input rows get through the relu that produced them: for window p, position
  // a * pool_w + b, rows[a * row_stride + (p * pool_w + b) * c + ch] = dz = relu's gradient of dy[p * c + ch] (from
  // its output y[p * c + ch], as unary_grad computes it) where argmax names that position, and 0 elsewhere. Adds
  // each dz to dbias[ch] when dbias is not null (each window's dz lands at exactly one position).
  void (*unpool_relu_grad_rows)(const float* dy, const float* y, const uint8_t* argmax, int64_t pool_h,
                                int64_t pool_w, int64_t out_w, int64_t c, float* rows, int64_t row_stride,
                                float* dbias);
  // The input gradient that the output channels routed to one window position carry, added to dx: with the kernel
  // packed as [out_c][kh * kw][c_pad] (c_pad = c rounded up to whole vectors, zero padded; `row` = kh * kw * c_pad
  // floats per output channel), vector r of the tap-by-channel row gets the sum over entries e < n of
  // values[e] * packed[channels[e] * row + r * width], added to taps[r / per_tap] + (r % per_tap) * width (the c
  // floats of one input pixel, the last vector masked; a null tap lies outside the image and is left out).
  void (*scatter_input_grad)(const float* packed, int64_t row, int64_t per_tap, int64_t c, const int32_t* channels,
                             const float* values, int64_t n, float* const* taps);
  // This ISA's unary_grad (elementwise.h), single-threaded: the kernels call it on rows inside their own threads.
  void (*activation_grad)(UnaryOp op, const float* x, const float* y, const float* dy, float* dx, int64_t n,
                          float alpha);
};

namespace avx512 {
extern const ConvKernels conv_kernels;
}
namespace avx2 {
extern const ConvKernels conv_kernels;
}
namespace generic {
extern const ConvKernels conv_kernels;
}

}  // namespace tn
