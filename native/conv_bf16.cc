// The bfloat16 convolutions: im2col in chunks of output rows, each chunk one bfloat16 GEMM. A 1x1 convolution with
// stride 1 and no padding is a GEMM on the input as it stands, without the copy.
#include "conv_bf16.h"

#include <algorithm>
#include <cstring>

#include "gemm/gemm_bf16.h"
#include "workspace.h"

namespace tn {

namespace {

bool pointwise(const Conv2dShape& s) {
  return s.kh == 1 && s.kw == 1 && s.stride_h == 1 && s.stride_w == 1 && s.pad_top == 0 && s.pad_left == 0 &&
         s.oh == s.h && s.ow == s.w;
}

// Output rows per im2col chunk: a 4 MiB matrix, which the GEMM's packing then reads once more while it is in L2/L3.
int64_t chunk_rows(const Conv2dShape& s) {
  const int64_t k = std::max<int64_t>(1, s.kh * s.kw * s.c);
  return std::max<int64_t>(1, std::min(s.n * s.oh * s.ow, ((int64_t(4) << 20) / int64_t(sizeof(float))) / k));
}

float* im2col_buffer(const Conv2dShape& s) {
  static thread_local Workspace buffer;
  return buffer.get(size_t(chunk_rows(s) * s.kh * s.kw * s.c));
}

}  // namespace

void conv2d_bf16_forward(const Conv2dShape& s, const float* x, const float* w, const float* bias, UnaryOp activation,
                         float alpha, float* y) {
  GemmEpilogue ep;
  ep.bias = bias;
  ep.activation = activation;
  ep.alpha = alpha;
  const int64_t k = s.kh * s.kw * s.c, total = s.n * s.oh * s.ow;
  if (pointwise(s)) {
    bgemm(false, false, total, s.oc, k, x, k, w, s.oc, 0.f, y, s.oc, ep);
    return;
  }
  const int64_t rows = chunk_rows(s);
  float* col = im2col_buffer(s);
  for (int64_t r0 = 0; r0 < total; r0 += rows) {
    const int64_t r1 = std::min(total, r0 + rows);
    im2col(s, x, r0, r1, col);
    bgemm(false, false, r1 - r0, s.oc, k, col, k, w, s.oc, 0.f, y + r0 * s.oc, s.oc, ep);
  }
}

void conv2d_bf16_backward_input(const Conv2dShape& s, const float* dz, const float* w, float* dx) {
  const int64_t k = s.kh * s.kw * s.c, total = s.n * s.oh * s.ow;
  if (pointwise(s)) {
    bgemm(false, true, total, k, s.oc, dz, s.oc, w, s.oc, 0.f, dx, k);
    return;
  }
  std::memset(dx, 0, sizeof(float) * size_t(s.n * s.h * s.w * s.c));
  const int64_t rows = chunk_rows(s);
  float* dcol = im2col_buffer(s);
  for (int64_t r0 = 0; r0 < total; r0 += rows) {
    const int64_t r1 = std::min(total, r0 + rows);
    bgemm(false, true, r1 - r0, k, s.oc, dz + r0 * s.oc, s.oc, w, s.oc, 0.f, dcol, k);
    col2im_add(s, dcol, r0, r1, dx);
  }
}

void conv2d_bf16_backward_filter(const Conv2dShape& s, const float* x, const float* dz, float* dw) {
  const int64_t k = s.kh * s.kw * s.c, total = s.n * s.oh * s.ow;
  if (total == 0) {
    std::memset(dw, 0, sizeof(float) * size_t(k * s.oc));
    return;
  }
  if (pointwise(s)) {
    bgemm(true, false, k, s.oc, total, x, k, dz, s.oc, 0.f, dw, s.oc);
    return;
  }
  // The float32 sums carry across chunks (beta = 1 after the first): only the operands are rounded.
  const int64_t rows = chunk_rows(s);
  float* col = im2col_buffer(s);
  for (int64_t r0 = 0; r0 < total; r0 += rows) {
    const int64_t r1 = std::min(total, r0 + rows);
    im2col(s, x, r0, r1, col);
    bgemm(true, false, k, s.oc, r1 - r0, col, k, dz + r0 * s.oc, s.oc, r0 == 0 ? 0.f : 1.f, dw, s.oc);
  }
}

}  // namespace tn
