// 2-D convolution with bfloat16 operands and float32 accumulation (mixed precision), on the same NHWC / [kh, kw,
// in, out] layouts as conv.h: im2col, then the bfloat16 GEMM (gemm/gemm_bf16.h), so every operand of a product
// (input, kernel, upstream gradient) is rounded to bfloat16 and every sum is float32. Outputs are float32.
#pragma once
#include <cstdint>

#include "conv.h"

namespace tn {

// im2col's matrix and its adjoint, shared with conv.cc: col[r, (i * kw + j) * c + ch] for output rows [r0, r1)
// (r over n, oh, ow), zero outside the image; col2im_add adds such rows back into dx.
void im2col(const Conv2dShape& s, const float* x, int64_t r0, int64_t r1, float* col);
void col2im_add(const Conv2dShape& s, const float* dcol, int64_t r0, int64_t r1, float* dx);

// y = act(conv(x, w) + bias), bias may be null.
void conv2d_bf16_forward(const Conv2dShape& s, const float* x, const float* w, const float* bias, UnaryOp activation,
                         float alpha, float* y);
// dx (overwritten) from dz, the gradient of the convolution's output (the activation's gradient already applied).
void conv2d_bf16_backward_input(const Conv2dShape& s, const float* dz, const float* w, float* dx);
// dw (overwritten) from x and dz.
void conv2d_bf16_backward_filter(const Conv2dShape& s, const float* x, const float* dz, float* dw);

}  // namespace tn
