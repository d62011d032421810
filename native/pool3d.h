// 3-D max and average pooling on NDHWC tensors, forward and backward. Plain arithmetic; native/binding/pool.cc has
// validated every length.
#pragma once
#include <cstdint>

namespace tn {

struct Pool3dShape {
  int64_t n, d, h, w, c;
  int64_t pd, ph, pw;          // pool window
  int64_t od, oh, ow;
  int64_t stride_d, stride_h, stride_w;
  int64_t pad_front, pad_top, pad_left;  // padded cells never win a max and never count in an average
};

// A NaN in a window makes its maximum NaN.
void max_pool3d_forward(const Pool3dShape& s, const float* x, float* y);
// Routes each dy to the first position that holds the window's maximum (as TensorFlow and PyTorch do); dx written.
void max_pool3d_backward(const Pool3dShape& s, const float* x, const float* dy, float* dx);
void avg_pool3d_forward(const Pool3dShape& s, const float* x, float* y);
void avg_pool3d_backward(const Pool3dShape& s, const float* dy, float* dx);

}  // namespace tn
