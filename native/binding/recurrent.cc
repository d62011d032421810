// Bindings of the LSTM and GRU recurrences (native/recurrent.h); every sequence array is time-major, [time, batch, ...].
#include <napi.h>

#include <cstdint>
#include <string>

#include "binding/args.h"
#include "binding/register.h"
#include "recurrent.h"

namespace tn::binding {
namespace {

Napi::Value LstmForward(const Napi::CallbackInfo& info) {
  Args args(info, "lstmForward", 10);
  auto xw = args.Floats(0, "xw");
  auto u = args.Floats(1, "recurrentKernel");
  const int64_t batch = args.Dim(2, "batch"), time = args.Dim(3, "time"), units = args.Dim(4, "units");
  const bool reverse = args.Bool(5, "reverse");
  const auto gate = args.Enum(6, "gate", RecurrentGate::count);
  auto hs = args.Floats(7, "hs");
  auto cs = args.Floats(8, "cs");
  auto gates = args.Floats(9, "gates");
  const int64_t g4 = args.Product({units, 4}, "4*units");
  args.Length(xw, args.Product({batch, time, g4}, "time*batch*4*units"), "xw", "time*batch*4*units");
  args.Length(u, args.Product({units, g4}, "units*4*units"), "recurrentKernel", "units*4*units");
  const int64_t states = args.Product({batch, time, units}, "time*batch*units");
  args.Length(hs, states, "hs", "time*batch*units");
  args.Length(cs, states, "cs", "time*batch*units");
  args.Length(gates, xw.length, "gates", "time*batch*4*units");
  args.NoOverlap({Args::Name(hs, "hs"), Args::Name(cs, "cs"), Args::Name(gates, "gates")},
                 {Args::Name(xw, "xw"), Args::Name(u, "recurrentKernel")});
  tn::lstm_forward(xw.data, u.data, batch, time, units, reverse, gate, hs.data, cs.data, gates.data);
  return info.Env().Undefined();
}

Napi::Value LstmBackward(const Napi::CallbackInfo& info) {
  Args args(info, "lstmBackward", 12);
  auto dhs = args.Floats(0, "dhs");
  auto u = args.Floats(1, "recurrentKernel");
  auto hs = args.Floats(2, "hs");
  auto cs = args.Floats(3, "cs");
  auto gates = args.Floats(4, "gates");
  const int64_t batch = args.Dim(5, "batch"), time = args.Dim(6, "time"), units = args.Dim(7, "units");
  const bool reverse = args.Bool(8, "reverse");
  const auto gate = args.Enum(9, "gate", RecurrentGate::count);
  auto dxw = args.Floats(10, "dxw");
  auto du = args.Floats(11, "dRecurrentKernel");
  const int64_t g4 = args.Product({units, 4}, "4*units");
  const int64_t states = args.Product({batch, time, units}, "time*batch*units");
  const int64_t wide = args.Product({batch, time, g4}, "time*batch*4*units");
  args.Length(dhs, states, "dhs", "time*batch*units");
  args.Length(u, args.Product({units, g4}, "units*4*units"), "recurrentKernel", "units*4*units");
  args.Length(hs, states, "hs", "time*batch*units");
  args.Length(cs, states, "cs", "time*batch*units");
  args.Length(gates, wide, "gates", "time*batch*4*units");
  args.Length(dxw, wide, "dxw", "time*batch*4*units");
  args.Length(du, u.length, "dRecurrentKernel", "units*4*units");
  args.NoOverlap({Args::Name(dxw, "dxw"), Args::Name(du, "dRecurrentKernel")},
                 {Args::Name(dhs, "dhs"), Args::Name(u, "recurrentKernel"), Args::Name(hs, "hs"), Args::Name(cs, "cs"),
                  Args::Name(gates, "gates")});
  tn::lstm_backward(dhs.data, u.data, hs.data, cs.data, gates.data, batch, time, units, reverse, gate, dxw.data,
                   du.data);
  return info.Env().Undefined();
}

Napi::Value GruForward(const Napi::CallbackInfo& info) {
  Args args(info, "gruForward", 11);
  auto xw = args.Floats(0, "xw");
  auto u = args.Floats(1, "recurrentKernel");
  auto b = args.FloatsOrNull(2, "recurrentBias");
  const int64_t batch = args.Dim(3, "batch"), time = args.Dim(4, "time"), units = args.Dim(5, "units");
  const bool reverse = args.Bool(6, "reverse");
  const auto gate = args.Enum(7, "gate", RecurrentGate::count);
  const bool reset_after = args.Bool(8, "resetAfter");
  auto hs = args.Floats(9, "hs");
  auto gates = args.Floats(10, "gates");
  const int64_t g3 = args.Product({units, 3}, "3*units");
  args.Length(xw, args.Product({batch, time, g3}, "time*batch*3*units"), "xw", "time*batch*3*units");
  args.Length(u, args.Product({units, g3}, "units*3*units"), "recurrentKernel", "units*3*units");
  if (b.present) args.Length(b, g3, "recurrentBias", "3*units");
  if (b.present && !reset_after) args.Fail("a recurrentBias needs resetAfter (the original GRU has none)");
  args.Length(hs, args.Product({batch, time, units}, "time*batch*units"), "hs", "time*batch*units");
  args.Length(gates, args.Product({batch, time, units, 4}, "time*batch*4*units"), "gates", "time*batch*4*units");
  args.NoOverlap({Args::Name(hs, "hs"), Args::Name(gates, "gates")},
                 {Args::Name(xw, "xw"), Args::Name(u, "recurrentKernel"), Args::Name(b, "recurrentBias")});
  tn::gru_forward(xw.data, u.data, b.data, batch, time, units, reverse, gate, reset_after, hs.data, gates.data);
  return info.Env().Undefined();
}

Napi::Value GruBackward(const Napi::CallbackInfo& info) {
  Args args(info, "gruBackward", 13);
  auto dhs = args.Floats(0, "dhs");
  auto u = args.Floats(1, "recurrentKernel");
  auto hs = args.Floats(2, "hs");
  auto gates = args.Floats(3, "gates");
  const int64_t batch = args.Dim(4, "batch"), time = args.Dim(5, "time"), units = args.Dim(6, "units");
  const bool reverse = args.Bool(7, "reverse");
  const auto gate = args.Enum(8, "gate", RecurrentGate::count);
  const bool reset_after = args.Bool(9, "resetAfter");
  auto dxw = args.Floats(10, "dxw");
  auto du = args.Floats(11, "dRecurrentKernel");
  auto db = args.FloatsOrNull(12, "dRecurrentBias");
  const int64_t g3 = args.Product({units, 3}, "3*units");
  const int64_t states = args.Product({batch, time, units}, "time*batch*units");
  args.Length(dhs, states, "dhs", "time*batch*units");
  args.Length(u, args.Product({units, g3}, "units*3*units"), "recurrentKernel", "units*3*units");
  args.Length(hs, states, "hs", "time*batch*units");
  args.Length(gates, args.Product({batch, time, units, 4}, "time*batch*4*units"), "gates", "time*batch*4*units");
  args.Length(dxw, args.Product({batch, time, g3}, "time*batch*3*units"), "dxw", "time*batch*3*units");
  args.Length(du, u.length, "dRecurrentKernel", "units*3*units");
  if (db.present) args.Length(db, g3, "dRecurrentBias", "3*units");
  if (db.present && !reset_after) args.Fail("a dRecurrentBias needs resetAfter (the original GRU has none)");
  args.NoOverlap({Args::Name(dxw, "dxw"), Args::Name(du, "dRecurrentKernel"), Args::Name(db, "dRecurrentBias")},
                 {Args::Name(dhs, "dhs"), Args::Name(u, "recurrentKernel"), Args::Name(hs, "hs"), Args::Name(gates, "gates")});
  tn::gru_backward(dhs.data, u.data, hs.data, gates.data, batch, time, units, reverse, gate, reset_after, dxw.data,
                   du.data, db.data);
  return info.Env().Undefined();
}

// The output: [time, batch, units] with `sequences`, else [batch, units].
int64_t InferenceOutput(const Args& args, int64_t batch, int64_t time, int64_t units, bool sequences) {
  return sequences ? args.Product({batch, time, units}, "time*batch*units") : args.Product({batch, units}, "batch*units");
}

Napi::Value LstmInference(const Napi::CallbackInfo& info) {
  Args args(info, "lstmInference", 12);
  auto x = args.Floats(0, "x");
  auto kernel = args.Floats(1, "kernel");
  auto bias = args.FloatsOrNull(2, "bias");
  auto u = args.Floats(3, "recurrentKernel");
  const int64_t batch = args.Dim(4, "batch"), time = args.Dim(5, "time"), features = args.Dim(6, "features");
  const int64_t units = args.Dim(7, "units");
  const bool reverse = args.Bool(8, "reverse"), sequences = args.Bool(9, "sequences");
  const auto gate = args.Enum(10, "gate", RecurrentGate::count);
  auto hs = args.Floats(11, "hs");
  const int64_t g4 = args.Product({units, 4}, "4*units");
  args.Length(x, args.Product({batch, time, features}, "batch*time*features"), "x", "batch*time*features");
  args.Length(kernel, args.Product({features, g4}, "features*4*units"), "kernel", "features*4*units");
  if (bias.present) args.Length(bias, g4, "bias", "4*units");
  args.Length(u, args.Product({units, g4}, "units*4*units"), "recurrentKernel", "units*4*units");
  args.Length(hs, InferenceOutput(args, batch, time, units, sequences), "hs",
              sequences ? "time*batch*units" : "batch*units");
  args.NoOverlap({Args::Name(hs, "hs")}, {Args::Name(x, "x"), Args::Name(kernel, "kernel"), Args::Name(bias, "bias"),
                                          Args::Name(u, "recurrentKernel")});
  tn::lstm_inference(x.data, kernel.data, bias.data, u.data, batch, time, features, units, reverse, sequences, gate,
                    hs.data);
  return info.Env().Undefined();
}

Napi::Value GruInference(const Napi::CallbackInfo& info) {
  Args args(info, "gruInference", 14);
  auto x = args.Floats(0, "x");
  auto kernel = args.Floats(1, "kernel");
  auto bi = args.FloatsOrNull(2, "inputBias");
  auto u = args.Floats(3, "recurrentKernel");
  auto br = args.FloatsOrNull(4, "recurrentBias");
  const int64_t batch = args.Dim(5, "batch"), time = args.Dim(6, "time"), features = args.Dim(7, "features");
  const int64_t units = args.Dim(8, "units");
  const bool reverse = args.Bool(9, "reverse"), sequences = args.Bool(10, "sequences");
  const auto gate = args.Enum(11, "gate", RecurrentGate::count);
  const bool reset_after = args.Bool(12, "resetAfter");
  auto hs = args.Floats(13, "hs");
  const int64_t g3 = args.Product({units, 3}, "3*units");
  args.Length(x, args.Product({batch, time, features}, "batch*time*features"), "x", "batch*time*features");
  args.Length(kernel, args.Product({features, g3}, "features*3*units"), "kernel", "features*3*units");
  if (bi.present) args.Length(bi, g3, "inputBias", "3*units");
  args.Length(u, args.Product({units, g3}, "units*3*units"), "recurrentKernel", "units*3*units");
  if (br.present) args.Length(br, g3, "recurrentBias", "3*units");
  if (br.present && !reset_after) args.Fail("a recurrentBias needs resetAfter (the original GRU has none)");
  args.Length(hs, InferenceOutput(args, batch, time, units, sequences), "hs",
              sequences ? "time*batch*units" : "batch*units");
  args.NoOverlap({Args::Name(hs, "hs")}, {Args::Name(x, "x"), Args::Name(kernel, "kernel"), Args::Name(bi, "inputBias"),
                                          Args::Name(u, "recurrentKernel"), Args::Name(br, "recurrentBias")});
  tn::gru_inference(x.data, kernel.data, bi.data, u.data, br.data, batch, time, features, units, reverse, sequences,
                    gate, reset_after, hs.data);
  return info.Env().Undefined();
}

}  // namespace

void RegisterRecurrent(Napi::Env env, Napi::Object exports) {
  Export(env, exports, {
      {"lstmForward", LstmForward},
      {"lstmBackward", LstmBackward},
      {"gruForward", GruForward},
      {"gruBackward", GruBackward},
      {"lstmInference", LstmInference},
      {"gruInference", GruInference},
  });
}

}  // namespace tn::binding
