// Bindings of the reductions and softmax (native/reduce.h).
#include <napi.h>

#include <cstdint>
#include <string>

#include "binding/args.h"
#include "binding/register.h"
#include "reduce.h"

namespace tn::binding {
namespace {

Napi::Value Reduce(const Napi::CallbackInfo& info) {
  Args args(info, "reduce", 6);
  const ReduceOp op = args.Enum(0, "op", ReduceOp::count);
  auto x = args.Floats(1, "x");
  const int64_t outer = args.Dim(2, "outer"), n = args.Dim(3, "n"), inner = args.Dim(4, "inner");
  auto out = args.Floats(5, "out");
  args.Length(x, args.Product({outer, n, inner}, "outer*n*inner"), "x", "outer*n*inner");
  args.Length(out, args.Product({outer, inner}, "outer*inner"), "out", "outer*inner");
  args.Disjoint(out, "out", x, "x");
  tn::reduce(op, x.data, outer, n, inner, out.data);
  return info.Env().Undefined();
}

Napi::Value ArgReduce(const Napi::CallbackInfo& info) {
  Args args(info, "argReduce", 6);
  const bool is_max = args.Bool(0, "isMax");
  auto x = args.Floats(1, "x");
  const int64_t outer = args.Dim(2, "outer"), n = args.Dim(3, "n"), inner = args.Dim(4, "inner");
  auto out = args.Ints(5, "out");
  if (n == 0) args.FailRange("cannot take the arg-max/min of an empty axis");
  args.Length(x, args.Product({outer, n, inner}, "outer*n*inner"), "x", "outer*n*inner");
  args.Length(out, args.Product({outer, inner}, "outer*inner"), "out", "outer*inner");
  args.Disjoint(out, "out", x, "x");
  tn::arg_reduce(is_max, x.data, outer, n, inner, out.data);
  return info.Env().Undefined();
}

Napi::Value Softmax(const Napi::CallbackInfo& info) {
  Args args(info, "softmax", 5);
  auto x = args.Floats(0, "x");
  const int64_t outer = args.Dim(1, "outer"), n = args.Dim(2, "n");
  auto y = args.Floats(3, "y");
  const bool log = args.Bool(4, "log");
  const int64_t total = args.Product({outer, n}, "outer*n");
  args.Length(x, total, "x", "outer*n");
  args.Length(y, total, "y", "outer*n");
  args.Disjoint(y, "y", x, "x");
  tn::softmax(x.data, outer, n, y.data, log);
  return info.Env().Undefined();
}

Napi::Value SoftmaxGrad(const Napi::CallbackInfo& info) {
  Args args(info, "softmaxGrad", 6);
  auto y = args.Floats(0, "y");
  auto dy = args.Floats(1, "dy");
  const int64_t outer = args.Dim(2, "outer"), n = args.Dim(3, "n");
  auto dx = args.Floats(4, "dx");
  const bool log = args.Bool(5, "log");
  const int64_t total = args.Product({outer, n}, "outer*n");
  args.Length(y, total, "y", "outer*n");
  args.Length(dy, total, "dy", "outer*n");
  args.Length(dx, total, "dx", "outer*n");
  args.Disjoint(dx, "dx", y, "y");
  args.Disjoint(dx, "dx", dy, "dy");
  tn::softmax_grad(y.data, dy.data, outer, n, dx.data, log);
  return info.Env().Undefined();
}

}  // namespace

void RegisterReduce(Napi::Env env, Napi::Object exports) {
  Export(env, exports, {
      {"reduce", Reduce},
      {"argReduce", ArgReduce},
      {"softmax", Softmax},
      {"softmaxGrad", SoftmaxGrad},
  });
}

}  // namespace tn::binding
