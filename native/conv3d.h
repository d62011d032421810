// 3-D convolution on NDHWC tensors with [kd, kh, kw, in, out] kernels (im2col + GEMM): forward (bias and activation
// fused in the GEMM epilogue) and both gradients. Plain arithmetic; native/binding/conv.cc has validated every length.
#pragma once
#include <cstdint>

#include "elementwise.h"

namespace tn {

struct Conv3dShape {
  int64_t n, d, h, w, c;       // input
  int64_t kd, kh, kw, oc;      // kernel
  int64_t od, oh, ow;          // output
  int64_t stride_d, stride_h, stride_w;
  int64_t dilation_d, dilation_h, dilation_w;
  int64_t pad_front, pad_top, pad_left;  // leading pads; the trailing ones follow from the output size
};

// y = act(conv(x, w) + bias); bias may be null.
void conv3d_forward(const Conv3dShape& s, const float* x, const float* w, const float* bias, UnaryOp act,
                    float alpha, float* y);
// dx = the convolution's gradient with respect to x for output gradient dy (written, not accumulated).
void conv3d_backward_input(const Conv3dShape& s, const float* dy, const float* w, float* dx);
// dw (and dbias when not null) for input x and output gradient dy (written, not accumulated); bitwise the same from
// call to call (sums in a fixed order).
void conv3d_backward_filter(const Conv3dShape& s, const float* x, const float* dy, float* dw, float* dbias);

}  // namespace tn
