// Bindings of the elementwise maps (native/elementwise.h): unary maps and their gradients, broadcasting binary
// maps over strided operands, and transposes.
#include <napi.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "binding/args.h"
#include "binding/register.h"
#include "elementwise.h"

namespace tn::binding {
namespace {

Napi::Value Unary(const Napi::CallbackInfo& info) {
  Args args(info, "unary", 4);
  const UnaryOp op = args.Enum(0, "op", UnaryOp::count);
  auto x = args.Floats(1, "x");
  auto y = args.Floats(2, "y");
  const float alpha = args.Float(3, "alpha");
  args.Length(y, x.length, "y", "the length of x");
  args.SameOrDisjoint(y, "y", x, "x");
  tn::unary(op, x.data, y.data, x.length, alpha);
  return info.Env().Undefined();
}

Napi::Value UnaryGrad(const Napi::CallbackInfo& info) {
  Args args(info, "unaryGrad", 6);
  const UnaryOp op = args.Enum(0, "op", UnaryOp::count);
  auto x = args.FloatsOrNull(1, "x");
  auto y = args.FloatsOrNull(2, "y");
  auto dy = args.Floats(3, "dy");
  auto dx = args.Floats(4, "dx");
  const float alpha = args.Float(5, "alpha");
  const int64_t n = dy.length;
  // Every rule reads x or y; a missing one is allowed only if the rule never reads it, so both are required here
  // unless the caller passes the same array for both roles.
  if (!x.present || !y.present) args.Fail("x and y must both be Float32Arrays (pass the same array twice if one is unused)");
  args.Length(x, n, "x", "the length of dy");
  args.Length(y, n, "y", "the length of dy");
  args.Length(dx, n, "dx", "the length of dy");
  args.SameOrDisjoint(dx, "dx", dy, "dy");
  args.SameOrDisjoint(dx, "dx", x, "x");
  args.SameOrDisjoint(dx, "dx", y, "y");
  tn::unary_grad(op, x.data, y.data, dy.data, dx.data, n, alpha);
  return info.Env().Undefined();
}

// Extent of a strided operand: the largest offset it can read, plus one.
int64_t StridedExtent(const Args& args, const std::vector<int64_t>& shape, const std::vector<int64_t>& strides,
                      const char* name) {
  int64_t last = 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0) return 0;
    int64_t step;
    if (__builtin_mul_overflow(shape[d] - 1, strides[d], &step) || __builtin_add_overflow(last, step, &last))
      args.FailRange(std::string(name) + " strides overflow");
  }
  return last + 1;
}

Napi::Value Binary(const Napi::CallbackInfo& info) {
  Args args(info, "binary", 7);
  const BinaryOp op = args.Enum(0, "op", BinaryOp::count);
  // Lists first: reading their elements can run getters, which could detach a typed array taken earlier.
  auto sa = args.IntList(2, "aStrides", 0, tn::kMaxRank, 0, std::numeric_limits<int32_t>::max());
  auto sb = args.IntList(4, "bStrides", 0, tn::kMaxRank, 0, std::numeric_limits<int32_t>::max());
  auto shape = args.IntList(6, "shape", 0, tn::kMaxRank, 0, std::numeric_limits<int32_t>::max());
  auto a = args.Floats(1, "a");
  auto b = args.Floats(3, "b");
  auto out = args.Floats(5, "out");
  if (sa.size() != shape.size() || sb.size() != shape.size())
    args.FailRange("aStrides, bStrides and shape must have the same length, received " + std::to_string(sa.size()) +
                   ", " + std::to_string(sb.size()) + " and " + std::to_string(shape.size()));
  int64_t total = 1;
  for (int64_t d : shape) total = args.Product({total, d}, "shape");
  args.Length(out, total, "out", "the product of shape");
  if (total == 0) return info.Env().Undefined();
  args.AtLeast(a, StridedExtent(args, shape, sa, "a"), "a", "its strides over shape");
  args.AtLeast(b, StridedExtent(args, shape, sb, "b"), "b", "its strides over shape");
  // In place is fine only when out is exactly a full-size operand.
  if (out.begin() != a.begin() || a.length != out.length) args.Disjoint(out, "out", a, "a");
  if (out.begin() != b.begin() || b.length != out.length) args.Disjoint(out, "out", b, "b");
  tn::binary(op, a.data, sa.data(), b.data, sb.data(), out.data, shape.data(), static_cast<int>(shape.size()));
  return info.Env().Undefined();
}

Napi::Value Transpose(const Napi::CallbackInfo& info) {
  Args args(info, "transpose", 4);
  auto shape = args.IntList(1, "shape", 0, tn::kMaxRank, 0, std::numeric_limits<int32_t>::max());
  auto perm = args.IntList(2, "perm", 0, tn::kMaxRank, 0, tn::kMaxRank - 1);
  auto x = args.Words(0, "x");
  auto y = args.Words(3, "y");
  if (perm.size() != shape.size())
    args.FailRange("perm has " + std::to_string(perm.size()) + " entries for a shape of rank " +
                   std::to_string(shape.size()));
  std::vector<bool> seen(shape.size(), false);
  for (int64_t p : perm) {
    if (p >= static_cast<int64_t>(shape.size()) || seen[p]) args.FailRange("perm must be a permutation of the axes");
    seen[p] = true;
  }
  int64_t total = 1;
  for (int64_t d : shape) total = args.Product({total, d}, "shape");
  args.Length(x, total, "x", "the product of shape");
  args.Length(y, total, "y", "the product of shape");
  args.Disjoint(y, "y", x, "x");
  tn::transpose(x.data, shape.data(), perm.data(), static_cast<int>(shape.size()), y.data);
  return info.Env().Undefined();
}

}  // namespace

void RegisterElementwise(Napi::Env env, Napi::Object exports) {
  Export(env, exports, {
      {"unary", Unary},
      {"unaryGrad", UnaryGrad},
      {"binary", Binary},
      {"transpose", Transpose},
  });
}

}  // namespace tn::binding
