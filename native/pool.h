// 2-D max and average pooling on NHWC tensors, forward and backward.
#pragma once
#include <cstdint>

namespace tn {

struct Pool2dShape {
  int64_t n, h, w, c;
  int64_t ph, pw;              // pool window
  int64_t oh, ow;
  int64_t stride_h, stride_w;
  int64_t pad_top, pad_left;   // padded cells never win a max and never count in an average
};

void max_pool2d_forward(const Pool2dShape& s, const float* x, float* y);
// Routes each dy to the first position that holds the window's maximum (as TensorFlow and PyTorch do).
void max_pool2d_backward(const Pool2dShape& s, const float* x, const float* dy, float* dx);
void avg_pool2d_forward(const Pool2dShape& s, const float* x, float* y);
void avg_pool2d_backward(const Pool2dShape& s, const float* dy, float* dx);

}  // namespace tn
