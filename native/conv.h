// 2-D convolution on NHWC tensors with [kh, kw, in, out] kernels (TensorFlow/Keras layout), forward and both
// gradients. Padding is given explicitly (top/left; bottom/right follow from the output size).
#pragma once
#include <cstdint>

#include "elementwise.h"

namespace tn {

struct Conv2dShape {
  int64_t n, h, w, c;          // input
  int64_t kh, kw, oc;          // kernel
  int64_t oh, ow;              // output
  int64_t stride_h, stride_w;
  int64_t dilation_h, dilation_w;
  int64_t pad_top, pad_left;
};

// y[n,oh,ow,oc] = act(sum x[n, oh*sh - pt + i*dh, ow*sw - pl + j*dw, c] * w[i,j,c,oc] + bias[oc]); bias may be null.
void conv2d_forward(const Conv2dShape& s, const float* x, const float* w, const float* bias, UnaryOp activation,
                    float alpha, float* y);
// dx = gradient of sum(y * dy) with respect to x (overwritten).
void conv2d_backward_input(const Conv2dShape& s, const float* dy, const float* w, float* dx);
// dw (overwritten) and, when dbias is not null, dbias[oc] = sum of dy over n, oh, ow.
void conv2d_backward_filter(const Conv2dShape& s, const float* x, const float* dy, float* dw, float* dbias);

}  // namespace tn
