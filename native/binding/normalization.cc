// Bindings of batch normalization (native/normalization.h): statistics, forward and backward over
// [rows, channels] arrays.
#include <napi.h>

#include <cstdint>
#include <string>

#include "binding/args.h"
#include "binding/register.h"
#include "normalization.h"

namespace tn::binding {
namespace {

// Per-channel parameters of a [rows, channels] array: exactly `channels` long and apart from the big arrays.
template <typename T>
void ChannelParam(const Args& args, const Args::Span<float>& p, int64_t channels, const char* name,
                  const Args::Span<T>& big, const char* big_name) {
  if (!p.present) return;
  args.Length(p, channels, name, "one per channel");
  args.Disjoint(p, name, big, big_name);
}

Napi::Value BatchNormStats(const Napi::CallbackInfo& info) {
  Args args(info, "batchNormStats", 5);
  auto x = args.Floats(0, "x");
  const int64_t rows = args.Dim(1, "rows"), channels = args.Dim(2, "channels");
  auto mean = args.Floats(3, "mean");
  auto variance = args.Floats(4, "variance");
  if (rows == 0) args.FailRange("needs at least one row to take statistics over");
  args.Length(x, args.Product({rows, channels}, "rows*channels"), "x", "rows*channels");
  ChannelParam(args, mean, channels, "mean", x, "x");
  ChannelParam(args, variance, channels, "variance", x, "x");
  args.Disjoint(mean, "mean", variance, "variance");
  tn::batch_norm_stats(x.data, rows, channels, mean.data, variance.data);
  return info.Env().Undefined();
}

Napi::Value BatchNormForward(const Napi::CallbackInfo& info) {
  Args args(info, "batchNormForward", 9);
  auto x = args.Floats(0, "x");
  const int64_t rows = args.Dim(1, "rows"), channels = args.Dim(2, "channels");
  auto mean = args.Floats(3, "mean");
  auto variance = args.Floats(4, "variance");
  auto gamma = args.FloatsOrNull(5, "gamma");
  auto beta = args.FloatsOrNull(6, "beta");
  const float eps = args.FiniteFloat(7, "epsilon");
  auto y = args.Floats(8, "y");
  const int64_t total = args.Product({rows, channels}, "rows*channels");
  args.Length(x, total, "x", "rows*channels");
  args.Length(y, total, "y", "rows*channels");
  args.SameOrDisjoint(y, "y", x, "x");
  ChannelParam(args, mean, channels, "mean", y, "y");
  ChannelParam(args, variance, channels, "variance", y, "y");
  ChannelParam(args, gamma, channels, "gamma", y, "y");
  ChannelParam(args, beta, channels, "beta", y, "y");
  tn::batch_norm_forward(x.data, rows, channels, mean.data, variance.data, gamma.data, beta.data, eps, y.data);
  return info.Env().Undefined();
}

Napi::Value BatchNormBackward(const Napi::CallbackInfo& info) {
  Args args(info, "batchNormBackward", 12);
  auto dy = args.Floats(0, "dy");
  auto x = args.Floats(1, "x");
  const int64_t rows = args.Dim(2, "rows"), channels = args.Dim(3, "channels");
  auto mean = args.Floats(4, "mean");
  auto variance = args.Floats(5, "variance");
  auto gamma = args.FloatsOrNull(6, "gamma");
  const float eps = args.FiniteFloat(7, "epsilon");
  const bool batch_stats = args.Bool(8, "batchStats");
  auto dx = args.FloatsOrNull(9, "dx");
  auto dgamma = args.FloatsOrNull(10, "dgamma");
  auto dbeta = args.FloatsOrNull(11, "dbeta");
  if (rows == 0 && batch_stats) args.FailRange("needs at least one row when the statistics are the batch's own");
  const int64_t total = args.Product({rows, channels}, "rows*channels");
  args.Length(dy, total, "dy", "rows*channels");
  args.Length(x, total, "x", "rows*channels");
  if (dx.present) {
    args.Length(dx, total, "dx", "rows*channels");
    args.SameOrDisjoint(dx, "dx", dy, "dy");
    args.SameOrDisjoint(dx, "dx", x, "x");
  }
  ChannelParam(args, mean, channels, "mean", dy, "dy");
  ChannelParam(args, variance, channels, "variance", dy, "dy");
  ChannelParam(args, gamma, channels, "gamma", dy, "dy");
  ChannelParam(args, dgamma, channels, "dgamma", dy, "dy");
  ChannelParam(args, dbeta, channels, "dbeta", dy, "dy");
  args.NoOverlap({Args::Name(dgamma, "dgamma"), Args::Name(dbeta, "dbeta")},
                 {Args::Name(x, "x"), Args::Name(dx, "dx"), Args::Name(mean, "mean"), Args::Name(variance, "variance"),
                  Args::Name(gamma, "gamma")});
  args.Disjoint(dx, "dx", mean, "mean");
  args.Disjoint(dx, "dx", variance, "variance");
  args.Disjoint(dx, "dx", gamma, "gamma");
  tn::batch_norm_backward(dy.data, x.data, rows, channels, mean.data, variance.data, gamma.data, eps, batch_stats,
                          dx.data, dgamma.data, dbeta.data);
  return info.Env().Undefined();
}

}  // namespace

void RegisterNormalization(Napi::Env env, Napi::Object exports) {
  Export(env, exports, {
      {"batchNormStats", BatchNormStats},
      {"batchNormForward", BatchNormForward},
      {"batchNormBackward", BatchNormBackward},
  });
}

}  // namespace tn::binding
