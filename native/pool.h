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

// Per-ISA kernels over output rows [r0, r1) (r indexes n and oh); the backward ones add into dx. pool.cc splits the
// rows over threads and zeroes dx.
#define TN_POOL_KERNELS                                                                                     \
  void max_pool_forward_rows(const Pool2dShape& s, const float* x, float* y, int64_t r0, int64_t r1);       \
  void avg_pool_forward_rows(const Pool2dShape& s, const float* x, float* y, int64_t r0, int64_t r1);       \
  void max_pool_backward_rows(const Pool2dShape& s, const float* x, const float* dy, float* dx, int64_t r0, \
                              int64_t r1);                                                                  \
  void avg_pool_backward_rows(const Pool2dShape& s, const float* dy, float* dx, int64_t r0, int64_t r1);
namespace avx512 {
TN_POOL_KERNELS
}
namespace avx2 {
TN_POOL_KERNELS
}
namespace generic {
TN_POOL_KERNELS
}
#undef TN_POOL_KERNELS

}  // namespace tn
