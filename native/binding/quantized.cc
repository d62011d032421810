// Bindings of the int8 inference kernels (native/quantized.h). The output array's type chooses what the epilogue
// writes: an Int32Array the raw sums, a Float32Array the dequantized values, a Uint8Array requantized codes.
#include <napi.h>

#include <cstdint>
#include <limits>
#include <string>

#include "binding/args.h"
#include "binding/register.h"
#include "quantized.h"

namespace tn::binding {
namespace {

constexpr int64_t kMaxDim = std::numeric_limits<int32_t>::max();

// The epilogue's arguments at positions i .. i + 6: aZero, weightSums, multiplier, bias (or null), relu,
// outInvScale, outZero, checked against n output columns.
struct Epilogue {
  tn::QuantizedEpilogue e;
  Args::Span<int32_t> sums;
  Args::Span<float> multiplier, bias;
};

Epilogue ReadEpilogue(const Args& args, size_t i, int64_t n) {
  Epilogue r;
  r.e.a_zero = static_cast<int32_t>(args.Int(i, "aZero", 0, 255));
  r.e.relu = args.Bool(i + 4, "relu");
  r.e.out_inv_scale = args.FiniteFloat(i + 5, "outInvScale");
  if (!(r.e.out_inv_scale > 0)) args.FailRange(args.Where(i + 5, "outInvScale") + " must be positive");
  r.e.out_zero = static_cast<int32_t>(args.Int(i + 6, "outZero", 0, 255));
  r.sums = args.Ints(i + 1, "weightSums");
  r.multiplier = args.Floats(i + 2, "multiplier");
  r.bias = args.FloatsOrNull(i + 3, "bias");
  args.Length(r.sums, n, "weightSums", "one per output column");
  args.Length(r.multiplier, n, "multiplier", "one per output column");
  if (r.bias.present) args.Length(r.bias, n, "bias", "one per output column");
  r.e.weight_sums = r.sums.data;
  r.e.multiplier = r.multiplier.data;
  r.e.bias = r.bias.present ? r.bias.data : nullptr;
  return r;
}

// The output array: its memory, element count and the epilogue's output kind.
struct Output {
  void* data;
  int64_t length;
  const uint8_t *begin, *end;
  tn::QuantizedOutput kind;
};

Output ReadOutput(const Args& args, const Napi::CallbackInfo& info, size_t i) {
  const Napi::Value v = info[i];
  if (!v.IsTypedArray()) args.Fail(args.Where(i, "y") + " must be an Int32Array, Float32Array or Uint8Array");
  const napi_typedarray_type t = v.As<Napi::TypedArray>().TypedArrayType();
  Output o{};
  if (t == napi_int32_array) {
    auto s = args.Ints(i, "y");
    o = {s.data, s.length, s.begin(), s.end(), tn::QuantizedOutput::int32};
  } else if (t == napi_float32_array) {
    auto s = args.Floats(i, "y");
    o = {s.data, s.length, s.begin(), s.end(), tn::QuantizedOutput::float32};
  } else if (t == napi_uint8_array) {
    auto s = args.Bytes(i, "y");
    o = {s.data, s.length, s.begin(), s.end(), tn::QuantizedOutput::uint8};
  } else {
    args.Fail(args.Where(i, "y") + " must be an Int32Array, Float32Array or Uint8Array");
  }
  return o;
}

void CheckOutput(const Args& args, const Output& y, int64_t want, const char* why,
                 std::initializer_list<Args::Named> inputs) {
  if (y.length != want)
    args.FailRange("y has " + std::to_string(y.length) + " elements, expected " + std::to_string(want) + " (" + why +
                   ")");
  args.NoOverlap({{y.begin, y.end, "y"}}, inputs);
}

Napi::Value QuantizedPackedBytes(const Napi::CallbackInfo& info) {
  Args args(info, "quantizedPackedBytes", 2);
  const int64_t k = args.Int(0, "k", 1, kMaxDim), n = args.Int(1, "n", 1, kMaxDim);
  args.Product({k, n}, "weights");
  return Napi::Number::New(info.Env(), static_cast<double>(tn::quantized_packed_bytes(k, n)));
}

Napi::Value QuantizedPackWeights(const Napi::CallbackInfo& info) {
  Args args(info, "quantizedPackWeights", 4);
  const int64_t k = args.Int(1, "k", 1, kMaxDim), n = args.Int(2, "n", 1, kMaxDim);
  args.Product({k, n}, "weights");
  auto w = args.SignedBytes(0, "w");
  auto packed = args.Bytes(3, "packed");
  args.Length(w, k * n, "w", "k*n");
  args.Length(packed, tn::quantized_packed_bytes(k, n), "packed", "quantizedPackedBytes(k, n)");
  args.Disjoint(packed, "packed", w, "w");
  tn::quantized_pack_weights(k, n, w.data, packed.data);
  return info.Env().Undefined();
}

Napi::Value QuantizedMatmul(const Napi::CallbackInfo& info) {
  Args args(info, "quantizedMatmul", 13);
  const int64_t m = args.Int(2, "m", 0, kMaxDim), n = args.Int(3, "n", 1, kMaxDim), k = args.Int(4, "k", 1, kMaxDim);
  args.Product({m, k}, "a");
  args.Product({m, n}, "y");
  const Epilogue ep = ReadEpilogue(args, 5, n);
  auto a = args.Bytes(0, "a");
  auto packed = args.Bytes(1, "packed");
  const Output y = ReadOutput(args, info, 12);
  args.Length(a, m * k, "a", "m*k");
  args.Length(packed, tn::quantized_packed_bytes(k, n), "packed", "quantizedPackedBytes(k, n)");
  CheckOutput(args, y, m * n, "m*n",
              {Args::Name(a, "a"), Args::Name(packed, "packed"), Args::Name(ep.sums, "weightSums"),
               Args::Name(ep.multiplier, "multiplier"), Args::Name(ep.bias, "bias")});
  tn::quantized_matmul(m, n, k, a.data, packed.data, ep.e, y.kind, y.data);
  return info.Env().Undefined();
}

constexpr const char* kConvNames[] = {"n", "h", "w", "c", "kh", "kw", "oc", "oh", "ow", "strideH", "strideW",
                                      "dilationH", "dilationW", "padTop", "padLeft"};

tn::Conv2dShape ConvGeometry(const Args& args, size_t i) {
  auto g = args.IntList(i, "geometry", 15, 15, 0, kMaxDim);
  for (int k : {3, 4, 5, 6, 9, 10, 11, 12})
    if (g[k] == 0) args.FailRange(std::string("geometry.") + kConvNames[k] + " must be positive");
  const tn::Conv2dShape s{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14]};
  args.Product({s.n, s.h, s.w, s.c}, "input");
  args.Product({s.n, s.oh, s.ow, s.oc}, "output");
  args.Product({s.kh, s.kw, s.c, s.oc}, "kernel");
  return s;
}

Napi::Value QuantizedConv2d(const Napi::CallbackInfo& info) {
  Args args(info, "quantizedConv2d", 11);
  const tn::Conv2dShape s = ConvGeometry(args, 2);
  const Epilogue ep = ReadEpilogue(args, 3, s.oc);
  auto x = args.Bytes(0, "x");
  auto packed = args.Bytes(1, "packed");
  const Output y = ReadOutput(args, info, 10);
  args.Length(x, s.n * s.h * s.w * s.c, "x", "n*h*w*c");
  args.Length(packed, tn::quantized_packed_bytes(s.kh * s.kw * s.c, s.oc), "packed",
              "quantizedPackedBytes(kh*kw*c, oc)");
  CheckOutput(args, y, s.n * s.oh * s.ow * s.oc, "n*oh*ow*oc",
              {Args::Name(x, "x"), Args::Name(packed, "packed"), Args::Name(ep.sums, "weightSums"),
               Args::Name(ep.multiplier, "multiplier"), Args::Name(ep.bias, "bias")});
  tn::quantized_conv2d(s, x.data, packed.data, ep.e, y.kind, y.data);
  return info.Env().Undefined();
}

Napi::Value QuantizedConv2dMaxPool(const Napi::CallbackInfo& info) {
  Args args(info, "quantizedConv2dMaxPool", 13);
  const tn::Conv2dShape s = ConvGeometry(args, 2);
  const int64_t pool_h = args.Int(3, "poolH", 1, kMaxDim), pool_w = args.Int(4, "poolW", 1, kMaxDim);
  const Epilogue ep = ReadEpilogue(args, 5, s.oc);
  auto x = args.Bytes(0, "x");
  auto packed = args.Bytes(1, "packed");
  auto y = args.Bytes(12, "y");
  args.Length(x, s.n * s.h * s.w * s.c, "x", "n*h*w*c");
  args.Length(packed, tn::quantized_packed_bytes(s.kh * s.kw * s.c, s.oc), "packed",
              "quantizedPackedBytes(kh*kw*c, oc)");
  args.Length(y, s.n * (s.oh / pool_h) * (s.ow / pool_w) * s.oc, "y", "n*floor(oh/poolH)*floor(ow/poolW)*oc");
  args.NoOverlap({Args::Name(y, "y")}, {Args::Name(x, "x"), Args::Name(packed, "packed"), Args::Name(ep.sums, "weightSums"),
                                         Args::Name(ep.multiplier, "multiplier"), Args::Name(ep.bias, "bias")});
  tn::quantized_conv2d_maxpool(s, x.data, packed.data, ep.e, pool_h, pool_w, y.data);
  return info.Env().Undefined();
}

Napi::Value QuantizeUint8(const Napi::CallbackInfo& info) {
  Args args(info, "quantizeUint8", 4);
  const float inv = args.FiniteFloat(1, "invScale");
  if (!(inv > 0)) args.FailRange(args.Where(1, "invScale") + " must be positive");
  const int32_t zero = static_cast<int32_t>(args.Int(2, "zero", 0, 255));
  auto x = args.Floats(0, "x");
  auto y = args.Bytes(3, "y");
  args.Length(y, x.length, "y", "as many as x");
  args.Disjoint(y, "y", x, "x");
  tn::quantize_uint8(x.length, x.data, inv, zero, y.data);
  return info.Env().Undefined();
}

Napi::Value DequantizeUint8(const Napi::CallbackInfo& info) {
  Args args(info, "dequantizeUint8", 4);
  const float scale = args.FiniteFloat(1, "scale");
  if (!(scale > 0)) args.FailRange(args.Where(1, "scale") + " must be positive");
  const int32_t zero = static_cast<int32_t>(args.Int(2, "zero", 0, 255));
  auto q = args.Bytes(0, "q");
  auto y = args.Floats(3, "y");
  args.Length(y, q.length, "y", "as many as q");
  args.Disjoint(y, "y", q, "q");
  tn::dequantize_uint8(q.length, q.data, scale, zero, y.data);
  return info.Env().Undefined();
}

Napi::Value MaxPool2dUint8(const Napi::CallbackInfo& info) {
  Args args(info, "maxPool2dUint8", 3);
  auto g = args.IntList(2, "geometry", 12, 12, 0, kMaxDim);
  for (int i : {4, 5, 8, 9})
    if (g[i] == 0) args.FailRange("geometry entry " + std::to_string(i + 1) + " (pool size and strides) must be positive");
  if (g[10] >= g[4] || g[11] >= g[5]) args.FailRange("padding must be smaller than the pool window");
  const tn::Pool2dShape s{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11]};
  args.Product({s.n, s.h, s.w, s.c}, "input");
  args.Product({s.n, s.oh, s.ow, s.c, s.ph, s.pw}, "pooling work");
  auto x = args.Bytes(0, "x");
  auto y = args.Bytes(1, "y");
  args.Length(x, s.n * s.h * s.w * s.c, "x", "n*h*w*c");
  args.Length(y, s.n * s.oh * s.ow * s.c, "y", "n*oh*ow*c");
  args.Disjoint(y, "y", x, "x");
  tn::max_pool2d_uint8(s, x.data, y.data);
  return info.Env().Undefined();
}

Napi::Value QuantizedPath(const Napi::CallbackInfo& info) {
  Args args(info, "quantizedPath", 0);
  return Napi::String::New(info.Env(), tn::quantized_path());
}

}  // namespace

void RegisterQuantized(Napi::Env env, Napi::Object exports) {
  Export(env, exports, {
      {"quantizedPackedBytes", QuantizedPackedBytes},
      {"quantizedPackWeights", QuantizedPackWeights},
      {"quantizedMatmul", QuantizedMatmul},
      {"quantizedConv2d", QuantizedConv2d},
      {"quantizedConv2dMaxPool", QuantizedConv2dMaxPool},
      {"quantizeUint8", QuantizeUint8},
      {"dequantizeUint8", DequantizeUint8},
      {"maxPool2dUint8", MaxPool2dUint8},
      {"quantizedPath", QuantizedPath},
  });
}

}  // namespace tn::binding
