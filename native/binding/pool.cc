// Bindings of 2-D and 3-D max and average pooling (native/pool.h, native/pool3d.h).
#include <napi.h>

#include <cstdint>
#include <limits>
#include <string>

#include "binding/args.h"
#include "binding/register.h"
#include "pool.h"
#include "pool3d.h"

namespace tn::binding {
namespace {

constexpr const char* kPoolNames[] = {"n", "h", "w", "c", "poolH", "poolW", "oh", "ow",
                                      "strideH", "strideW", "padTop", "padLeft"};

tn::Pool2dShape PoolGeometry(const Args& args, size_t i) {
  auto g = args.IntList(i, "geometry", 12, 12, 0, std::numeric_limits<int32_t>::max());
  for (int k : {4, 5, 8, 9})
    if (g[k] == 0) args.FailRange(std::string("geometry.") + kPoolNames[k] + " must be positive");
  if (g[10] >= g[4] || g[11] >= g[5]) args.FailRange("padding must be smaller than the pool window");
  tn::Pool2dShape s{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11]};
  args.Product({s.n, s.h, s.w, s.c}, "input");
  args.Product({s.n, s.oh, s.ow, s.c, s.ph, s.pw}, "pooling work");
  return s;
}

template <void (*Forward)(const tn::Pool2dShape&, const float*, float*)>
Napi::Value PoolForward(const Napi::CallbackInfo& info, const char* name) {
  Args args(info, name, 3);
  const tn::Pool2dShape s = PoolGeometry(args, 2);
  auto x = args.Floats(0, "x");
  auto y = args.Floats(1, "y");
  args.Length(x, s.n * s.h * s.w * s.c, "x", "n*h*w*c");
  args.Length(y, s.n * s.oh * s.ow * s.c, "y", "n*oh*ow*c");
  args.Disjoint(y, "y", x, "x");
  Forward(s, x.data, y.data);
  return info.Env().Undefined();
}

Napi::Value MaxPool2dForward(const Napi::CallbackInfo& info) {
  return PoolForward<tn::max_pool2d_forward>(info, "maxPool2dForward");
}
Napi::Value AvgPool2dForward(const Napi::CallbackInfo& info) {
  return PoolForward<tn::avg_pool2d_forward>(info, "avgPool2dForward");
}

Napi::Value MaxPool2dBackward(const Napi::CallbackInfo& info) {
  Args args(info, "maxPool2dBackward", 4);
  const tn::Pool2dShape s = PoolGeometry(args, 3);
  auto x = args.Floats(0, "x");
  auto dy = args.Floats(1, "dy");
  auto dx = args.Floats(2, "dx");
  args.Length(x, s.n * s.h * s.w * s.c, "x", "n*h*w*c");
  args.Length(dy, s.n * s.oh * s.ow * s.c, "dy", "n*oh*ow*c");
  args.Length(dx, s.n * s.h * s.w * s.c, "dx", "n*h*w*c");
  args.Disjoint(dx, "dx", x, "x");
  args.Disjoint(dx, "dx", dy, "dy");
  tn::max_pool2d_backward(s, x.data, dy.data, dx.data);
  return info.Env().Undefined();
}

Napi::Value AvgPool2dBackward(const Napi::CallbackInfo& info) {
  Args args(info, "avgPool2dBackward", 3);
  const tn::Pool2dShape s = PoolGeometry(args, 2);
  auto dy = args.Floats(0, "dy");
  auto dx = args.Floats(1, "dx");
  args.Length(dy, s.n * s.oh * s.ow * s.c, "dy", "n*oh*ow*c");
  args.Length(dx, s.n * s.h * s.w * s.c, "dx", "n*h*w*c");
  args.Disjoint(dx, "dx", dy, "dy");
  tn::avg_pool2d_backward(s, dy.data, dx.data);
  return info.Env().Undefined();
}

constexpr const char* kPool3dNames[] = {"n", "d", "h", "w", "c", "poolD", "poolH", "poolW", "od", "oh", "ow",
                                        "strideD", "strideH", "strideW", "padFront", "padTop", "padLeft"};

tn::Pool3dShape Pool3dGeometry(const Args& args, size_t i) {
  auto g = args.IntList(i, "geometry", 17, 17, 0, std::numeric_limits<int32_t>::max());
  for (int k : {5, 6, 7, 11, 12, 13})
    if (g[k] == 0) args.FailRange(std::string("geometry.") + kPool3dNames[k] + " must be positive");
  if (g[14] >= g[5] || g[15] >= g[6] || g[16] >= g[7]) args.FailRange("padding must be smaller than the pool window");
  tn::Pool3dShape s{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15], g[16]};
  // Every window must start inside the input (its first cell real), so no window is all padding.
  if ((s.od > 0 && (s.od - 1) * s.stride_d - s.pad_front >= s.d) || (s.oh > 0 && (s.oh - 1) * s.stride_h - s.pad_top >= s.h) ||
      (s.ow > 0 && (s.ow - 1) * s.stride_w - s.pad_left >= s.w))
    args.FailRange("the last window along some axis starts past the input's end");
  args.Product({s.n, s.d, s.h, s.w, s.c}, "input");
  args.Product({s.n, s.od, s.oh, s.ow, s.c, s.pd, s.ph, s.pw}, "pooling work");
  return s;
}

template <void (*Forward)(const tn::Pool3dShape&, const float*, float*)>
Napi::Value Pool3dForward(const Napi::CallbackInfo& info, const char* name) {
  Args args(info, name, 3);
  const tn::Pool3dShape s = Pool3dGeometry(args, 2);
  auto x = args.Floats(0, "x");
  auto y = args.Floats(1, "y");
  args.Length(x, s.n * s.d * s.h * s.w * s.c, "x", "n*d*h*w*c");
  args.Length(y, s.n * s.od * s.oh * s.ow * s.c, "y", "n*od*oh*ow*c");
  args.Disjoint(y, "y", x, "x");
  Forward(s, x.data, y.data);
  return info.Env().Undefined();
}

Napi::Value MaxPool3dForward(const Napi::CallbackInfo& info) {
  return Pool3dForward<tn::max_pool3d_forward>(info, "maxPool3dForward");
}
Napi::Value AvgPool3dForward(const Napi::CallbackInfo& info) {
  return Pool3dForward<tn::avg_pool3d_forward>(info, "avgPool3dForward");
}

Napi::Value MaxPool3dBackward(const Napi::CallbackInfo& info) {
  Args args(info, "maxPool3dBackward", 4);
  const tn::Pool3dShape s = Pool3dGeometry(args, 3);
  auto x = args.Floats(0, "x");
  auto dy = args.Floats(1, "dy");
  auto dx = args.Floats(2, "dx");
  args.Length(x, s.n * s.d * s.h * s.w * s.c, "x", "n*d*h*w*c");
  args.Length(dy, s.n * s.od * s.oh * s.ow * s.c, "dy", "n*od*oh*ow*c");
  args.Length(dx, s.n * s.d * s.h * s.w * s.c, "dx", "n*d*h*w*c");
  args.Disjoint(dx, "dx", x, "x");
  args.Disjoint(dx, "dx", dy, "dy");
  tn::max_pool3d_backward(s, x.data, dy.data, dx.data);
  return info.Env().Undefined();
}

Napi::Value AvgPool3dBackward(const Napi::CallbackInfo& info) {
  Args args(info, "avgPool3dBackward", 3);
  const tn::Pool3dShape s = Pool3dGeometry(args, 2);
  auto dy = args.Floats(0, "dy");
  auto dx = args.Floats(1, "dx");
  args.Length(dy, s.n * s.od * s.oh * s.ow * s.c, "dy", "n*od*oh*ow*c");
  args.Length(dx, s.n * s.d * s.h * s.w * s.c, "dx", "n*d*h*w*c");
  args.Disjoint(dx, "dx", dy, "dy");
  tn::avg_pool3d_backward(s, dy.data, dx.data);
  return info.Env().Undefined();
}

}  // namespace

void RegisterPool(Napi::Env env, Napi::Object exports) {
  Export(env, exports, {
      {"maxPool2dForward", MaxPool2dForward},
      {"maxPool2dBackward", MaxPool2dBackward},
      {"avgPool2dForward", AvgPool2dForward},
      {"avgPool2dBackward", AvgPool2dBackward},
      {"maxPool3dForward", MaxPool3dForward},
      {"maxPool3dBackward", MaxPool3dBackward},
      {"avgPool3dForward", AvgPool3dForward},
      {"avgPool3dBackward", AvgPool3dBackward},
  });
}

}  // namespace tn::binding
