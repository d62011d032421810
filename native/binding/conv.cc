// Bindings of 2-D convolution (native/conv.h): forward, both gradients with an optional folded activation, the
// fused conv + relu + max-pool passes, and (under `internal`) the plan the benchmarks and kernel tests read; and of
// depthwise convolution (native/depthwise_conv.h), forward and both gradients; and of 3-D convolution
// (native/conv3d.h), forward and both gradients.
#include <napi.h>

#include <cstdint>
#include <limits>
#include <string>
#include <utility>

#include "binding/args.h"
#include "binding/register.h"
#include "conv.h"
#include "conv3d.h"
#include "conv_bf16.h"
#include "conv_winograd.h"
#include "depthwise_conv.h"
#include "elementwise.h"

namespace tn::binding {
namespace {

constexpr const char* kConvNames[] = {"n", "h", "w", "c", "kh", "kw", "oc", "oh", "ow",
                                      "strideH", "strideW", "dilationH", "dilationW", "padTop", "padLeft"};

tn::Conv2dShape ConvGeometry(const Args& args, size_t i) {
  auto g = args.IntList(i, "geometry", 15, 15, 0, std::numeric_limits<int32_t>::max());
  for (int k = 4; k <= 12; ++k)
    if (g[k] == 0 && k != 7 && k != 8) args.FailRange(std::string("geometry.") + kConvNames[k] + " must be positive");
  tn::Conv2dShape s{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14]};
  args.Product({s.n, s.h, s.w, s.c}, "input");
  args.Product({s.n, s.oh, s.ow, s.oc}, "output");
  args.Product({s.kh, s.kw, s.c, s.oc}, "kernel");
  args.Product({s.n, s.oh, s.ow, s.kh, s.kw, s.c}, "im2col");
  return s;
}

// conv2dForward and conv2dBf16Forward: the same arguments and checks, then `run` (conv.h's or conv_bf16.h's kernel).
template <typename Run>
Napi::Value ForwardWith(const Napi::CallbackInfo& info, const char* name, Run run) {
  Args args(info, name, 7);
  const tn::Conv2dShape s = ConvGeometry(args, 4);  // before the arrays: see Args::IntList
  auto x = args.Floats(0, "x");
  auto w = args.Floats(1, "kernel");
  auto bias = args.FloatsOrNull(2, "bias");
  auto y = args.Floats(3, "y");
  const UnaryOp act = args.Enum(5, "activation", UnaryOp::count);
  const float alpha = args.Float(6, "alpha");
  args.Length(x, s.n * s.h * s.w * s.c, "x", "n*h*w*c");
  args.Length(w, s.kh * s.kw * s.c * s.oc, "kernel", "kh*kw*c*oc");
  if (bias.present) args.Length(bias, s.oc, "bias", "oc");
  args.Length(y, s.n * s.oh * s.ow * s.oc, "y", "n*oh*ow*oc");
  args.Disjoint(y, "y", x, "x");
  args.Disjoint(y, "y", w, "kernel");
  args.Disjoint(y, "y", bias, "bias");
  run(s, x.data, w.data, bias.data, act, alpha, y.data);
  return info.Env().Undefined();
}

Napi::Value Conv2dForward(const Napi::CallbackInfo& info) {
  return ForwardWith(info, "conv2dForward", tn::conv2d_forward);
}

// The optional trailing (y, activation, alpha) of the backward passes: the forward output and the activation it
// fused, whose gradient the kernels then fold into dy. Absent (or y null) means dy is already dz.
struct FoldedActivation {
  tn::OutputActivation act;
  Args::Span<float> y;
};

FoldedActivation OptionalOutputActivation(const Args& args, const Napi::CallbackInfo& info, size_t i,
                                          const tn::Conv2dShape& s) {
  FoldedActivation f;
  if (info.Length() <= i) return f;
  f.y = args.FloatsOrNull(i, "y");
  f.act.activation = args.Enum(i + 1, "activation", UnaryOp::count);
  f.act.alpha = args.Float(i + 2, "alpha");
  if (!f.y.present) return f;
  if (!tn::conv2d_activation_grad_from_output(f.act.activation, f.act.alpha))
    args.FailRange(args.Where(i + 1, "activation") + " must have a derivative that follows from its output " +
                   "(linear, relu, relu6, sigmoid, tanh, selu, or leakyRelu/elu with a positive alpha)");
  args.Length(f.y, s.n * s.oh * s.ow * s.oc, "y", "n*oh*ow*oc");
  f.act.y = f.y.data;
  return f;
}

Napi::Value Conv2dBackwardInput(const Napi::CallbackInfo& info) {
  Args args(info, "conv2dBackwardInput", info.Length() == 4 ? 4 : 7);
  const tn::Conv2dShape s = ConvGeometry(args, 3);
  auto dy = args.Floats(0, "dy");
  auto w = args.Floats(1, "kernel");
  auto dx = args.Floats(2, "dx");
  const FoldedActivation folded = OptionalOutputActivation(args, info, 4, s);
  args.Length(dy, s.n * s.oh * s.ow * s.oc, "dy", "n*oh*ow*oc");
  args.Length(w, s.kh * s.kw * s.c * s.oc, "kernel", "kh*kw*c*oc");
  args.Length(dx, s.n * s.h * s.w * s.c, "dx", "n*h*w*c");
  args.Disjoint(dx, "dx", dy, "dy");
  args.Disjoint(dx, "dx", w, "kernel");
  args.Disjoint(dx, "dx", folded.y, "y");
  tn::conv2d_backward_input(s, dy.data, w.data, dx.data, folded.act);
  return info.Env().Undefined();
}

Napi::Value Conv2dBackwardFilter(const Napi::CallbackInfo& info) {
  Args args(info, "conv2dBackwardFilter", info.Length() == 5 ? 5 : 8);
  const tn::Conv2dShape s = ConvGeometry(args, 4);
  auto x = args.Floats(0, "x");
  auto dy = args.Floats(1, "dy");
  auto dw = args.Floats(2, "dKernel");
  auto dbias = args.FloatsOrNull(3, "dBias");
  const FoldedActivation folded = OptionalOutputActivation(args, info, 5, s);
  args.Length(x, s.n * s.h * s.w * s.c, "x", "n*h*w*c");
  args.Length(dy, s.n * s.oh * s.ow * s.oc, "dy", "n*oh*ow*oc");
  args.Length(dw, s.kh * s.kw * s.c * s.oc, "dKernel", "kh*kw*c*oc");
  if (dbias.present) args.Length(dbias, s.oc, "dBias", "oc");
  args.Disjoint(dw, "dKernel", x, "x");
  args.Disjoint(dw, "dKernel", dy, "dy");
  args.Disjoint(dbias, "dBias", x, "x");
  args.Disjoint(dbias, "dBias", dy, "dy");
  args.Disjoint(dbias, "dBias", dw, "dKernel");
  args.Disjoint(dw, "dKernel", folded.y, "y");
  args.Disjoint(dbias, "dBias", folded.y, "y");
  tn::conv2d_backward_filter(s, x.data, dy.data, dw.data, dbias.data, folded.act);
  return info.Env().Undefined();
}

Napi::Value Conv2dReluMaxPool(const Napi::CallbackInfo& info) {
  Args args(info, "conv2dReluMaxPool", 7);
  const tn::Conv2dShape s = ConvGeometry(args, 4);
  auto x = args.Floats(0, "x");
  auto w = args.Floats(1, "kernel");
  auto bias = args.FloatsOrNull(2, "bias");
  auto y = args.Floats(3, "y");
  const int64_t pool_h = args.Int(5, "poolH", 1, std::numeric_limits<int32_t>::max());
  const int64_t pool_w = args.Int(6, "poolW", 1, std::numeric_limits<int32_t>::max());
  args.Length(x, s.n * s.h * s.w * s.c, "x", "n*h*w*c");
  args.Length(w, s.kh * s.kw * s.c * s.oc, "kernel", "kh*kw*c*oc");
  if (bias.present) args.Length(bias, s.oc, "bias", "oc");
  args.Length(y, s.n * (s.oh / pool_h) * (s.ow / pool_w) * s.oc, "y", "n*floor(oh/poolH)*floor(ow/poolW)*oc");
  args.Disjoint(y, "y", x, "x");
  args.Disjoint(y, "y", w, "kernel");
  args.Disjoint(y, "y", bias, "bias");
  tn::conv2d_relu_maxpool(s, x.data, w.data, bias.data, pool_h, pool_w, y.data);
  return info.Env().Undefined();
}

// Pool sizes of the fused conv + max-pool passes; the window's positions must fit the uint8 argmax.
void PoolSize(const Args& args, size_t i, int64_t& pool_h, int64_t& pool_w) {
  pool_h = args.Int(i, "poolH", 1, 256);
  pool_w = args.Int(i + 1, "poolW", 1, 256);
  if (pool_h * pool_w > 256)
    args.FailRange("poolH * poolW must be at most 256 (argmax holds a window position in one byte), received " +
                   std::to_string(pool_h) + " * " + std::to_string(pool_w));
}

Napi::Value Conv2dReluMaxPoolTrain(const Napi::CallbackInfo& info) {
  Args args(info, "conv2dReluMaxPoolTrain", 8);
  const tn::Conv2dShape s = ConvGeometry(args, 5);  // before the arrays: see Args::IntList
  auto x = args.Floats(0, "x");
  auto w = args.Floats(1, "kernel");
  auto bias = args.FloatsOrNull(2, "bias");
  auto y = args.Floats(3, "y");
  auto argmax = args.Bytes(4, "argmax");
  int64_t pool_h, pool_w;
  PoolSize(args, 6, pool_h, pool_w);
  const int64_t pooled = s.n * (s.oh / pool_h) * (s.ow / pool_w) * s.oc;
  args.Length(x, s.n * s.h * s.w * s.c, "x", "n*h*w*c");
  args.Length(w, s.kh * s.kw * s.c * s.oc, "kernel", "kh*kw*c*oc");
  if (bias.present) args.Length(bias, s.oc, "bias", "oc");
  args.Length(y, pooled, "y", "n*floor(oh/poolH)*floor(ow/poolW)*oc");
  args.Length(argmax, pooled, "argmax", "n*floor(oh/poolH)*floor(ow/poolW)*oc");
  args.Disjoint(y, "y", x, "x");
  args.Disjoint(y, "y", w, "kernel");
  args.Disjoint(y, "y", bias, "bias");
  args.Disjoint(argmax, "argmax", x, "x");
  args.Disjoint(argmax, "argmax", w, "kernel");
  args.Disjoint(argmax, "argmax", bias, "bias");
  args.Disjoint(argmax, "argmax", y, "y");
  tn::conv2d_relu_maxpool_train(s, x.data, w.data, bias.data, pool_h, pool_w, y.data, argmax.data);
  return info.Env().Undefined();
}

Napi::Value Conv2dReluMaxPoolBackward(const Napi::CallbackInfo& info) {
  Args args(info, "conv2dReluMaxPoolBackward", 11);
  const tn::Conv2dShape s = ConvGeometry(args, 8);
  auto x = args.Floats(0, "x");
  auto w = args.Floats(1, "kernel");
  auto dy = args.Floats(2, "dy");
  auto y = args.Floats(3, "y");
  auto argmax = args.Bytes(4, "argmax");
  auto dw = args.FloatsOrNull(5, "dKernel");
  auto dbias = args.FloatsOrNull(6, "dBias");
  auto dx = args.FloatsOrNull(7, "dx");
  int64_t pool_h, pool_w;
  PoolSize(args, 9, pool_h, pool_w);
  const int64_t pooled = s.n * (s.oh / pool_h) * (s.ow / pool_w) * s.oc;
  args.Length(x, s.n * s.h * s.w * s.c, "x", "n*h*w*c");
  args.Length(w, s.kh * s.kw * s.c * s.oc, "kernel", "kh*kw*c*oc");
  args.Length(dy, pooled, "dy", "n*floor(oh/poolH)*floor(ow/poolW)*oc");
  args.Length(y, pooled, "y", "n*floor(oh/poolH)*floor(ow/poolW)*oc");
  args.Length(argmax, pooled, "argmax", "n*floor(oh/poolH)*floor(ow/poolW)*oc");
  if (dw.present) args.Length(dw, s.kh * s.kw * s.c * s.oc, "dKernel", "kh*kw*c*oc");
  if (dbias.present) args.Length(dbias, s.oc, "dBias", "oc");
  if (dx.present) args.Length(dx, s.n * s.h * s.w * s.c, "dx", "n*h*w*c");
  // Every output against every input and every other output: the passes read the inputs after writing outputs.
  const std::pair<const Args::Span<float>*, const char*> outputs[] = {{&dw, "dKernel"}, {&dbias, "dBias"}, {&dx, "dx"}};
  const std::pair<const Args::Span<float>*, const char*> inputs[] = {{&x, "x"}, {&w, "kernel"}, {&dy, "dy"}, {&y, "y"}};
  for (size_t o = 0; o < 3; ++o) {
    for (const auto& in : inputs) args.Disjoint(*outputs[o].first, outputs[o].second, *in.first, in.second);
    args.Disjoint(*outputs[o].first, outputs[o].second, argmax, "argmax");
    for (size_t p = o + 1; p < 3; ++p)
      args.Disjoint(*outputs[o].first, outputs[o].second, *outputs[p].first, outputs[p].second);
  }
  tn::conv2d_relu_maxpool_backward(s, x.data, w.data, dy.data, y.data, argmax.data, pool_h, pool_w, dw.data,
                                   dbias.data, dx.data);
  return info.Env().Undefined();
}

Napi::Value Conv2dPlan(const Napi::CallbackInfo& info) {
  Args args(info, "conv2dPlan", 1);
  const tn::Conv2dPlan plan = tn::conv2d_plan(ConvGeometry(args, 0));
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("forward", plan.forward);
  o.Set("backwardInput", plan.backward_input);
  o.Set("backwardFilter", plan.backward_filter);
  return o;
}

// Which shapes take Winograd: 'auto' (the measured rule), 'always' (every 3x3 stride-1 shape) or 'never', for the
// kernel tests and benchmarks to compare it with the direct kernels on one shape. Process-wide; returns undefined.
Napi::Value Conv2dWinograd(const Napi::CallbackInfo& info) {
  Args args(info, "conv2dWinograd", 1);
  if (!info[0].IsString()) args.Fail(args.Where(0, "mode") + " must be 'auto', 'always' or 'never'");
  const std::string mode = info[0].As<Napi::String>().Utf8Value();
  if (mode == "auto") {
    tn::set_winograd_mode(tn::WinogradMode::automatic);
  } else if (mode == "always") {
    tn::set_winograd_mode(tn::WinogradMode::always);
  } else if (mode == "never") {
    tn::set_winograd_mode(tn::WinogradMode::never);
  } else {
    args.Fail(args.Where(0, "mode") + " must be 'auto', 'always' or 'never', received '" + mode + "'");
  }
  return info.Env().Undefined();
}

// Depthwise convolution (native/depthwise_conv.h): the same geometry list with the depth multiplier where conv2d has
// the output channels, and the same optional folded activation.

constexpr const char* kDepthwiseNames[] = {"n", "h", "w", "c", "kh", "kw", "depthMultiplier", "oh", "ow",
                                           "strideH", "strideW", "dilationH", "dilationW", "padTop", "padLeft"};

tn::DepthwiseConv2dShape DepthwiseGeometry(const Args& args, size_t i) {
  auto g = args.IntList(i, "geometry", 15, 15, 0, std::numeric_limits<int32_t>::max());
  for (int k = 4; k <= 12; ++k)
    if (g[k] == 0 && k != 7 && k != 8)
      args.FailRange(std::string("geometry.") + kDepthwiseNames[k] + " must be positive");
  tn::DepthwiseConv2dShape s{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12],
                             g[13], g[14]};
  args.Product({s.n, s.h, s.w, s.c}, "input");
  args.Product({s.n, s.oh, s.ow, s.c, s.m}, "output");
  args.Product({s.kh, s.kw, s.c, s.m}, "kernel");
  args.Product({s.kh, s.w, s.c, s.m}, "expanded input rows");
  args.Product({s.n, s.oh, s.ow, s.c, s.m, s.kh, s.kw}, "work");
  return s;
}

// The optional trailing (y, activation, alpha) as for the conv2d backward passes, over c * m output channels.
FoldedActivation DepthwiseOutputActivation(const Args& args, const Napi::CallbackInfo& info, size_t i,
                                           const tn::DepthwiseConv2dShape& s) {
  tn::Conv2dShape out{};
  out.n = s.n;
  out.oh = s.oh;
  out.ow = s.ow;
  out.oc = s.c * s.m;
  return OptionalOutputActivation(args, info, i, out);
}

Napi::Value DepthwiseConv2dForward(const Napi::CallbackInfo& info) {
  Args args(info, "depthwiseConv2dForward", 7);
  const tn::DepthwiseConv2dShape s = DepthwiseGeometry(args, 4);  // before the arrays: see Args::IntList
  auto x = args.Floats(0, "x");
  auto w = args.Floats(1, "kernel");
  auto bias = args.FloatsOrNull(2, "bias");
  auto y = args.Floats(3, "y");
  const UnaryOp act = args.Enum(5, "activation", UnaryOp::count);
  const float alpha = args.Float(6, "alpha");
  args.Length(x, s.n * s.h * s.w * s.c, "x", "n*h*w*c");
  args.Length(w, s.kh * s.kw * s.c * s.m, "kernel", "kh*kw*c*depthMultiplier");
  if (bias.present) args.Length(bias, s.c * s.m, "bias", "c*depthMultiplier");
  args.Length(y, s.n * s.oh * s.ow * s.c * s.m, "y", "n*oh*ow*c*depthMultiplier");
  args.Disjoint(y, "y", x, "x");
  args.Disjoint(y, "y", w, "kernel");
  args.Disjoint(y, "y", bias, "bias");
  tn::depthwise_conv2d_forward(s, x.data, w.data, bias.data, act, alpha, y.data);
  return info.Env().Undefined();
}

Napi::Value DepthwiseConv2dBackwardInput(const Napi::CallbackInfo& info) {
  Args args(info, "depthwiseConv2dBackwardInput", info.Length() == 4 ? 4 : 7);
  const tn::DepthwiseConv2dShape s = DepthwiseGeometry(args, 3);
  auto dy = args.Floats(0, "dy");
  auto w = args.Floats(1, "kernel");
  auto dx = args.Floats(2, "dx");
  const FoldedActivation folded = DepthwiseOutputActivation(args, info, 4, s);
  args.Length(dy, s.n * s.oh * s.ow * s.c * s.m, "dy", "n*oh*ow*c*depthMultiplier");
  args.Length(w, s.kh * s.kw * s.c * s.m, "kernel", "kh*kw*c*depthMultiplier");
  args.Length(dx, s.n * s.h * s.w * s.c, "dx", "n*h*w*c");
  args.Disjoint(dx, "dx", dy, "dy");
  args.Disjoint(dx, "dx", w, "kernel");
  args.Disjoint(dx, "dx", folded.y, "y");
  tn::depthwise_conv2d_backward_input(s, dy.data, w.data, dx.data, folded.act);
  return info.Env().Undefined();
}

Napi::Value DepthwiseConv2dBackwardFilter(const Napi::CallbackInfo& info) {
  Args args(info, "depthwiseConv2dBackwardFilter", info.Length() == 5 ? 5 : 8);
  const tn::DepthwiseConv2dShape s = DepthwiseGeometry(args, 4);
  auto x = args.Floats(0, "x");
  auto dy = args.Floats(1, "dy");
  auto dw = args.Floats(2, "dKernel");
  auto dbias = args.FloatsOrNull(3, "dBias");
  const FoldedActivation folded = DepthwiseOutputActivation(args, info, 5, s);
  args.Length(x, s.n * s.h * s.w * s.c, "x", "n*h*w*c");
  args.Length(dy, s.n * s.oh * s.ow * s.c * s.m, "dy", "n*oh*ow*c*depthMultiplier");
  args.Length(dw, s.kh * s.kw * s.c * s.m, "dKernel", "kh*kw*c*depthMultiplier");
  if (dbias.present) args.Length(dbias, s.c * s.m, "dBias", "c*depthMultiplier");
  args.Disjoint(dw, "dKernel", x, "x");
  args.Disjoint(dw, "dKernel", dy, "dy");
  args.Disjoint(dbias, "dBias", x, "x");
  args.Disjoint(dbias, "dBias", dy, "dy");
  args.Disjoint(dbias, "dBias", dw, "dKernel");
  args.Disjoint(dw, "dKernel", folded.y, "y");
  args.Disjoint(dbias, "dBias", folded.y, "y");
  tn::depthwise_conv2d_backward_filter(s, x.data, dy.data, dw.data, dbias.data, folded.act);
  return info.Env().Undefined();
}

constexpr const char* kConv3dNames[] = {"n", "d", "h", "w", "c", "kd", "kh", "kw", "oc", "od", "oh", "ow",
                                        "strideD", "strideH", "strideW", "dilationD", "dilationH", "dilationW",
                                        "padFront", "padTop", "padLeft"};

tn::Conv3dShape Conv3dGeometry(const Args& args, size_t i) {
  auto g = args.IntList(i, "geometry", 21, 21, 0, std::numeric_limits<int32_t>::max());
  for (int k = 5; k <= 17; ++k)
    if (g[k] == 0 && (k < 9 || k > 11)) args.FailRange(std::string("geometry.") + kConv3dNames[k] + " must be positive");
  tn::Conv3dShape s{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10],
                    g[11], g[12], g[13], g[14], g[15], g[16], g[17], g[18], g[19], g[20]};
  args.Product({s.n, s.d, s.h, s.w, s.c}, "input");
  args.Product({s.n, s.od, s.oh, s.ow, s.oc}, "output");
  args.Product({s.kd, s.kh, s.kw, s.c, s.oc}, "kernel");
  args.Product({s.n, s.od, s.oh, s.ow, s.kd, s.kh, s.kw, s.c, s.oc}, "convolution work");
  return s;
}

Napi::Value Conv3dForward(const Napi::CallbackInfo& info) {
  Args args(info, "conv3dForward", 7);
  const tn::Conv3dShape s = Conv3dGeometry(args, 4);  // before the arrays: see Args::IntList
  auto x = args.Floats(0, "x");
  auto w = args.Floats(1, "kernel");
  auto bias = args.FloatsOrNull(2, "bias");
  auto y = args.Floats(3, "y");
  const UnaryOp act = args.Enum(5, "activation", UnaryOp::count);
  const float alpha = args.Float(6, "alpha");
  args.Length(x, s.n * s.d * s.h * s.w * s.c, "x", "n*d*h*w*c");
  args.Length(w, s.kd * s.kh * s.kw * s.c * s.oc, "kernel", "kd*kh*kw*c*oc");
  if (bias.present) args.Length(bias, s.oc, "bias", "oc");
  args.Length(y, s.n * s.od * s.oh * s.ow * s.oc, "y", "n*od*oh*ow*oc");
  args.Disjoint(y, "y", x, "x");
  args.Disjoint(y, "y", w, "kernel");
  args.Disjoint(y, "y", bias, "bias");
  tn::conv3d_forward(s, x.data, w.data, bias.data, act, alpha, y.data);
  return info.Env().Undefined();
}

Napi::Value Conv3dBackwardInput(const Napi::CallbackInfo& info) {
  Args args(info, "conv3dBackwardInput", 4);
  const tn::Conv3dShape s = Conv3dGeometry(args, 3);
  auto dy = args.Floats(0, "dy");
  auto w = args.Floats(1, "kernel");
  auto dx = args.Floats(2, "dx");
  args.Length(dy, s.n * s.od * s.oh * s.ow * s.oc, "dy", "n*od*oh*ow*oc");
  args.Length(w, s.kd * s.kh * s.kw * s.c * s.oc, "kernel", "kd*kh*kw*c*oc");
  args.Length(dx, s.n * s.d * s.h * s.w * s.c, "dx", "n*d*h*w*c");
  args.Disjoint(dx, "dx", dy, "dy");
  args.Disjoint(dx, "dx", w, "kernel");
  tn::conv3d_backward_input(s, dy.data, w.data, dx.data);
  return info.Env().Undefined();
}

Napi::Value Conv3dBackwardFilter(const Napi::CallbackInfo& info) {
  Args args(info, "conv3dBackwardFilter", 5);
  const tn::Conv3dShape s = Conv3dGeometry(args, 4);
  auto x = args.Floats(0, "x");
  auto dy = args.Floats(1, "dy");
  auto dw = args.Floats(2, "dKernel");
  auto dbias = args.FloatsOrNull(3, "dBias");
  args.Length(x, s.n * s.d * s.h * s.w * s.c, "x", "n*d*h*w*c");
  args.Length(dy, s.n * s.od * s.oh * s.ow * s.oc, "dy", "n*od*oh*ow*oc");
  args.Length(dw, s.kd * s.kh * s.kw * s.c * s.oc, "dKernel", "kd*kh*kw*c*oc");
  if (dbias.present) args.Length(dbias, s.oc, "dBias", "oc");
  args.Disjoint(dw, "dKernel", x, "x");
  args.Disjoint(dw, "dKernel", dy, "dy");
  args.Disjoint(dbias, "dBias", x, "x");
  args.Disjoint(dbias, "dBias", dy, "dy");
  args.Disjoint(dbias, "dBias", dw, "dKernel");
  tn::conv3d_backward_filter(s, x.data, dy.data, dw.data, dbias.data);
  return info.Env().Undefined();
}

// The bfloat16 convolutions (native/conv_bf16.h): the same checks as their float32 counterparts; the backward
// passes take dz, the activation's gradient already applied.
Napi::Value Conv2dBf16Forward(const Napi::CallbackInfo& info) {
  return ForwardWith(info, "conv2dBf16Forward", tn::conv2d_bf16_forward);
}

Napi::Value Conv2dBf16BackwardInput(const Napi::CallbackInfo& info) {
  Args args(info, "conv2dBf16BackwardInput", 4);
  const tn::Conv2dShape s = ConvGeometry(args, 3);
  auto dz = args.Floats(0, "dz");
  auto w = args.Floats(1, "kernel");
  auto dx = args.Floats(2, "dx");
  args.Length(dz, s.n * s.oh * s.ow * s.oc, "dz", "n*oh*ow*oc");
  args.Length(w, s.kh * s.kw * s.c * s.oc, "kernel", "kh*kw*c*oc");
  args.Length(dx, s.n * s.h * s.w * s.c, "dx", "n*h*w*c");
  args.Disjoint(dx, "dx", dz, "dz");
  args.Disjoint(dx, "dx", w, "kernel");
  tn::conv2d_bf16_backward_input(s, dz.data, w.data, dx.data);
  return info.Env().Undefined();
}

Napi::Value Conv2dBf16BackwardFilter(const Napi::CallbackInfo& info) {
  Args args(info, "conv2dBf16BackwardFilter", 4);
  const tn::Conv2dShape s = ConvGeometry(args, 3);
  auto x = args.Floats(0, "x");
  auto dz = args.Floats(1, "dz");
  auto dw = args.Floats(2, "dKernel");
  args.Length(x, s.n * s.h * s.w * s.c, "x", "n*h*w*c");
  args.Length(dz, s.n * s.oh * s.ow * s.oc, "dz", "n*oh*ow*oc");
  args.Length(dw, s.kh * s.kw * s.c * s.oc, "dKernel", "kh*kw*c*oc");
  args.Disjoint(dw, "dKernel", x, "x");
  args.Disjoint(dw, "dKernel", dz, "dz");
  tn::conv2d_bf16_backward_filter(s, x.data, dz.data, dw.data);
  return info.Env().Undefined();
}

}  // namespace

void RegisterConv(Napi::Env env, Napi::Object exports) {
  Export(env, exports, {
      {"conv2dForward", Conv2dForward},
      {"conv2dBackwardInput", Conv2dBackwardInput},
      {"conv2dBackwardFilter", Conv2dBackwardFilter},
      {"conv2dReluMaxPool", Conv2dReluMaxPool},
      {"conv2dReluMaxPoolTrain", Conv2dReluMaxPoolTrain},
      {"conv2dReluMaxPoolBackward", Conv2dReluMaxPoolBackward},
      {"depthwiseConv2dForward", DepthwiseConv2dForward},
      {"depthwiseConv2dBackwardInput", DepthwiseConv2dBackwardInput},
      {"depthwiseConv2dBackwardFilter", DepthwiseConv2dBackwardFilter},
      {"conv3dForward", Conv3dForward},
      {"conv3dBackwardInput", Conv3dBackwardInput},
      {"conv3dBackwardFilter", Conv3dBackwardFilter},
      {"conv2dBf16Forward", Conv2dBf16Forward},
      {"conv2dBf16BackwardInput", Conv2dBf16BackwardInput},
      {"conv2dBf16BackwardFilter", Conv2dBf16BackwardFilter},
  });
  Export(env, Internal(env, exports), {
      {"conv2dPlan", Conv2dPlan},
      {"conv2dWinograd", Conv2dWinograd},
  });
}

}  // namespace tn::binding
