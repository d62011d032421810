// Bindings of the optimizer updates (native/optim.h): parameters and slots are updated in place.
#include <napi.h>

#include <cstdint>
#include <string>

#include "binding/args.h"
#include "binding/register.h"
#include "optim.h"

namespace tn::binding {
namespace {

template <typename T>
void SlotLike(const Args& args, const Args::Span<T>& slot, const Args::Span<float>& w, const char* name) {
  if (!slot.present) return;
  args.Length(slot, w.length, name, "the length of the parameter");
  args.Disjoint(slot, name, w, "the parameter");
}

Napi::Value SgdUpdate(const Napi::CallbackInfo& info) {
  Args args(info, "sgdUpdate", 6);
  auto w = args.Floats(0, "w");
  auto g = args.Floats(1, "grad");
  auto m = args.FloatsOrNull(2, "momentumSlot");
  const float lr = args.Float(3, "learningRate"), momentum = args.Float(4, "momentum");
  const bool nesterov = args.Bool(5, "nesterov");
  args.Length(g, w.length, "grad", "the length of the parameter");
  args.Disjoint(g, "grad", w, "the parameter");
  SlotLike(args, m, w, "momentumSlot");
  args.Disjoint(m, "momentumSlot", g, "grad");
  if (momentum != 0.0f && !m.present) args.Fail("momentum needs a momentum slot");
  tn::sgd_update(w.data, g.data, momentum != 0.0f ? m.data : nullptr, w.length, lr, momentum, nesterov);
  return info.Env().Undefined();
}

Napi::Value AdamUpdate(const Napi::CallbackInfo& info) {
  Args args(info, "adamUpdate", 11);
  auto w = args.Floats(0, "w");
  auto g = args.Floats(1, "grad");
  auto m = args.Floats(2, "m");
  auto v = args.Floats(3, "v");
  auto vhat = args.FloatsOrNull(4, "vHat");
  const float lr = args.Float(5, "learningRate"), alpha = args.Float(6, "alpha"), b1 = args.Float(7, "beta1"),
              b2 = args.Float(8, "beta2"), eps = args.Float(9, "epsilon"), wd = args.Float(10, "weightDecay");
  args.Length(g, w.length, "grad", "the length of the parameter");
  args.Disjoint(g, "grad", w, "the parameter");
  SlotLike(args, m, w, "m");
  SlotLike(args, v, w, "v");
  SlotLike(args, vhat, w, "vHat");
  args.Disjoint(m, "m", v, "v");
  args.Disjoint(m, "m", g, "grad");
  args.Disjoint(v, "v", g, "grad");
  args.Disjoint(vhat, "vHat", m, "m");
  args.Disjoint(vhat, "vHat", v, "v");
  tn::adam_update(w.data, g.data, m.data, v.data, vhat.data, w.length, lr, alpha, b1, b2, eps, wd);
  return info.Env().Undefined();
}

// The operands of a Dense layer's backward pass with a fused update: x [rows, in], dz [rows, units], dx (null or as
// x), the kernel w [in, units]; read after the arrays each binding takes, with rows, in and units at `dims`.
struct DenseOperands {
  int64_t rows, in, units;
  Args::Span<float> x, dz, dx, w;
  DenseOperands(const Args& args, size_t dims) {
    rows = args.Dim(dims, "rows");
    in = args.Dim(dims + 1, "inputDim");
    units = args.Dim(dims + 2, "units");
    x = args.Floats(0, "x");
    dz = args.Floats(1, "dz");
    dx = args.FloatsOrNull(2, "dx");
    w = args.Floats(3, "w");
    const std::string shape = "[" + std::to_string(rows) + ", " + std::to_string(in) + "] x [" +
                              std::to_string(in) + ", " + std::to_string(units) + "]";
    args.Length(x, args.Product({rows, in}, "x"), "x", "rows x inputDim of " + shape);
    args.Length(dz, args.Product({rows, units}, "dz"), "dz", "rows x units of " + shape);
    if (dx.present) args.Length(dx, x.length, "dx", "the length of x");
    args.Length(w, args.Product({in, units}, "w"), "w", "inputDim x units of " + shape);
  }
};

// dz's and x's rows are the batch; w is [in, units]. dx (x's gradient, [rows, in]) may be null.
Napi::Value DenseBackwardAdam(const Napi::CallbackInfo& info) {
  Args args(info, "denseBackwardAdam", 16);
  const float lr = args.Float(10, "learningRate"), alpha = args.Float(11, "alpha"), b1 = args.Float(12, "beta1"),
              b2 = args.Float(13, "beta2"), eps = args.Float(14, "epsilon"), wd = args.Float(15, "weightDecay");
  const DenseOperands d(args, 7);
  auto m = args.Floats(4, "m");
  auto v = args.Floats(5, "v");
  auto vhat = args.FloatsOrNull(6, "vHat");
  SlotLike(args, m, d.w, "m");
  SlotLike(args, v, d.w, "v");
  SlotLike(args, vhat, d.w, "vHat");
  // What the call writes (w, m, v, vHat, dx) apart from each other and from what the products read (x, dz).
  args.NoOverlap({Args::Name(d.w, "w"), Args::Name(m, "m"), Args::Name(v, "v"), Args::Name(vhat, "vHat"), Args::Name(d.dx, "dx")},
                 {Args::Name(d.x, "x"), Args::Name(d.dz, "dz")});
  tn::dense_backward_adam(d.x.data, d.dz.data, d.dx.data, d.w.data, m.data, v.data, vhat.data, d.rows, d.in, d.units, lr,
                          alpha, b1, b2, eps, wd);
  return info.Env().Undefined();
}

Napi::Value DenseBackwardSgd(const Napi::CallbackInfo& info) {
  Args args(info, "denseBackwardSgd", 11);
  const float lr = args.Float(8, "learningRate"), momentum = args.Float(9, "momentum");
  const bool nesterov = args.Bool(10, "nesterov");
  const DenseOperands d(args, 5);
  auto m = args.FloatsOrNull(4, "momentumSlot");
  SlotLike(args, m, d.w, "momentumSlot");
  if (momentum != 0.0f && !m.present) args.Fail("momentum needs a momentum slot");
  args.NoOverlap({Args::Name(d.w, "w"), Args::Name(m, "momentumSlot"), Args::Name(d.dx, "dx")},
                 {Args::Name(d.x, "x"), Args::Name(d.dz, "dz")});
  tn::dense_backward_sgd(d.x.data, d.dz.data, d.dx.data, d.w.data, momentum != 0.0f ? m.data : nullptr, d.rows, d.in,
                         d.units, lr, momentum, nesterov);
  return info.Env().Undefined();
}

Napi::Value RmspropUpdate(const Napi::CallbackInfo& info) {
  Args args(info, "rmspropUpdate", 9);
  auto w = args.Floats(0, "w");
  auto g = args.Floats(1, "grad");
  auto a = args.Floats(2, "velocity");
  auto m = args.FloatsOrNull(3, "momentumSlot");
  auto mg = args.FloatsOrNull(4, "averageGradient");
  const float lr = args.Float(5, "learningRate"), rho = args.Float(6, "rho"), momentum = args.Float(7, "momentum"),
              eps = args.Float(8, "epsilon");
  args.Length(g, w.length, "grad", "the length of the parameter");
  args.Disjoint(g, "grad", w, "the parameter");
  SlotLike(args, a, w, "velocity");
  SlotLike(args, m, w, "momentumSlot");
  SlotLike(args, mg, w, "averageGradient");
  args.Disjoint(a, "velocity", g, "grad");
  args.Disjoint(m, "momentumSlot", a, "velocity");
  args.Disjoint(mg, "averageGradient", a, "velocity");
  args.Disjoint(mg, "averageGradient", m, "momentumSlot");
  tn::rmsprop_update(w.data, g.data, a.data, m.data, mg.data, w.length, lr, rho, momentum, eps);
  return info.Env().Undefined();
}

Napi::Value AdagradUpdate(const Napi::CallbackInfo& info) {
  Args args(info, "adagradUpdate", 5);
  auto w = args.Floats(0, "w");
  auto g = args.Floats(1, "grad");
  auto a = args.Floats(2, "accumulator");
  const float lr = args.Float(3, "learningRate"), eps = args.Float(4, "epsilon");
  args.Length(g, w.length, "grad", "the length of the parameter");
  args.Disjoint(g, "grad", w, "the parameter");
  SlotLike(args, a, w, "accumulator");
  args.Disjoint(a, "accumulator", g, "grad");
  tn::adagrad_update(w.data, g.data, a.data, w.length, lr, eps);
  return info.Env().Undefined();
}

// Each slot the length of w, apart from w (SlotLike), from the gradient and from the other slot.
void TwoSlots(const Args& args, const Args::Span<float>& w, const Args::Span<float>& g, const Args::Span<float>& a,
              const char* aName, const Args::Span<float>& b, const char* bName) {
  args.Length(g, w.length, "grad", "the length of the parameter");
  args.Disjoint(g, "grad", w, "the parameter");
  SlotLike(args, a, w, aName);
  SlotLike(args, b, w, bName);
  args.Disjoint(a, aName, g, "grad");
  args.Disjoint(b, bName, g, "grad");
  args.Disjoint(a, aName, b, bName);
}

Napi::Value AdadeltaUpdate(const Napi::CallbackInfo& info) {
  Args args(info, "adadeltaUpdate", 7);
  auto w = args.Floats(0, "w");
  auto g = args.Floats(1, "grad");
  auto a = args.Floats(2, "accumulatedGrad");
  auto d = args.Floats(3, "accumulatedDelta");
  const float lr = args.Float(4, "learningRate"), rho = args.Float(5, "rho"), eps = args.Float(6, "epsilon");
  TwoSlots(args, w, g, a, "accumulatedGrad", d, "accumulatedDelta");
  tn::adadelta_update(w.data, g.data, a.data, d.data, w.length, lr, rho, eps);
  return info.Env().Undefined();
}

Napi::Value AdamaxUpdate(const Napi::CallbackInfo& info) {
  Args args(info, "adamaxUpdate", 8);
  auto w = args.Floats(0, "w");
  auto g = args.Floats(1, "grad");
  auto m = args.Floats(2, "m");
  auto u = args.Floats(3, "norm");
  const float alpha = args.Float(4, "alpha"), b1 = args.Float(5, "beta1"), b2 = args.Float(6, "beta2"),
              eps = args.Float(7, "epsilon");
  TwoSlots(args, w, g, m, "m", u, "norm");
  tn::adamax_update(w.data, g.data, m.data, u.data, w.length, alpha, b1, b2, eps);
  return info.Env().Undefined();
}

Napi::Value NadamUpdate(const Napi::CallbackInfo& info) {
  Args args(info, "nadamUpdate", 10);
  auto w = args.Floats(0, "w");
  auto g = args.Floats(1, "grad");
  auto m = args.Floats(2, "m");
  auto v = args.Floats(3, "v");
  const float cm = args.Float(4, "momentumFactor"), cg = args.Float(5, "gradientFactor"),
              cv = args.Float(6, "velocityFactor"), b1 = args.Float(7, "beta1"), b2 = args.Float(8, "beta2"),
              eps = args.Float(9, "epsilon");
  TwoSlots(args, w, g, m, "m", v, "v");
  tn::nadam_update(w.data, g.data, m.data, v.data, w.length, cm, cg, cv, b1, b2, eps);
  return info.Env().Undefined();
}

Napi::Value LionUpdate(const Napi::CallbackInfo& info) {
  Args args(info, "lionUpdate", 6);
  auto w = args.Floats(0, "w");
  auto g = args.Floats(1, "grad");
  auto m = args.Floats(2, "m");
  const float lr = args.Float(3, "learningRate"), b1 = args.Float(4, "beta1"), b2 = args.Float(5, "beta2");
  args.Length(g, w.length, "grad", "the length of the parameter");
  args.Disjoint(g, "grad", w, "the parameter");
  SlotLike(args, m, w, "m");
  args.Disjoint(m, "m", g, "grad");
  tn::lion_update(w.data, g.data, m.data, w.length, lr, b1, b2);
  return info.Env().Undefined();
}

}  // namespace

void RegisterOptim(Napi::Env env, Napi::Object exports) {
  Export(env, exports, {
      {"sgdUpdate", SgdUpdate},
      {"adamUpdate", AdamUpdate},
      {"denseBackwardAdam", DenseBackwardAdam},
      {"denseBackwardSgd", DenseBackwardSgd},
      {"rmspropUpdate", RmspropUpdate},
      {"adagradUpdate", AdagradUpdate},
      {"adadeltaUpdate", AdadeltaUpdate},
      {"adamaxUpdate", AdamaxUpdate},
      {"nadamUpdate", NadamUpdate},
      {"lionUpdate", LionUpdate},
  });
}

}  // namespace tn::binding
