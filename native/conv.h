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
// The activation a forward pass fused (y = act(z)), for backward passes to fold its gradient in: they then read
// dz = dy * act'(z) computed from y on the fly, and no separate pass writes dz out. Only activations whose
// derivative follows from y alone qualify (conv2d_activation_grad_from_output); `y` null means none.
struct OutputActivation {
  const float* y = nullptr;
  UnaryOp activation = UnaryOp::linear;
  float alpha = 0.0f;
};
bool conv2d_activation_grad_from_output(UnaryOp activation, float alpha);

// dx = gradient of sum(y * dy) with respect to x (overwritten); with `act`, of sum(act(y) * dy).
void conv2d_backward_input(const Conv2dShape& s, const float* dy, const float* w, float* dx,
                           const OutputActivation& act = OutputActivation());
// dw (overwritten) and, when dbias is not null, dbias[oc] = sum of dy over n, oh, ow (dz with `act`).
void conv2d_backward_filter(const Conv2dShape& s, const float* x, const float* dy, float* dw, float* dbias,
                            const OutputActivation& act = OutputActivation());

// Inference's conv -> bias -> relu -> max-pool in one pass: y[n, p, q, oc] = the max over rows
// [p * pool_h, (p + 1) * pool_h) and columns [q * pool_w, (q + 1) * pool_w) of relu(conv(x, w) + bias) (bias may be
// null), for p < oh / pool_h, q < ow / pool_w (pooling stride = pool size, 'valid'). The convolution's output is
// never written out: each thread keeps only the pool_h rows of it that one pooled row needs.
void conv2d_relu_maxpool(const Conv2dShape& s, const float* x, const float* w, const float* bias, int64_t pool_h,
                         int64_t pool_w, float* y);

// The same for training: y as conv2d_relu_maxpool, and argmax[n, p, q, oc] = a * pool_w + b, the row a and column b
// within window (p, q) of its first maximum (its first NaN if it holds one), where max_pool2d_backward would route
// the gradient. pool_h * pool_w must be at most 256. The convolution is computed with the same kernels as
// conv2d_forward, so y equals max-pooling conv2d_forward's relu output exactly.
void conv2d_relu_maxpool_train(const Conv2dShape& s, const float* x, const float* w, const float* bias,
                               int64_t pool_h, int64_t pool_w, float* y, uint8_t* argmax);

// Its gradients from dy = d loss / d y (and the forward's y and argmax): with dz the gradient that max-pool backward
// and relu backward would give the convolution's output (dy * (y > 0) at the position argmax names, 0 elsewhere,
// including convolution rows and columns outside every window), dw and dbias as conv2d_backward_filter and dx as
// conv2d_backward_input compute them from dz. Each of dw, dbias and dx may be null (not wanted). An argmax entry of
// pool_h * pool_w or more names no position: its gradient is dropped.
void conv2d_relu_maxpool_backward(const Conv2dShape& s, const float* x, const float* w, const float* dy,
                                  const float* y, const uint8_t* argmax, int64_t pool_h, int64_t pool_w, float* dw,
                                  float* dbias, float* dx);

// How each pass computes a shape, for tests and benchmarks: "direct" (conv_impl.h's kernels), "gemm" (a 1x1
// convolution is one GEMM as it stands) or "im2col" (copies of the receptive fields, then a GEMM).
struct Conv2dPlan {
  const char* forward;
  const char* backward_input;
  const char* backward_filter;
};
Conv2dPlan conv2d_plan(const Conv2dShape& s);

}  // namespace tn
