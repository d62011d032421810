// Bindings of the backend itself: what the addon runs on (ISA, threads) and the machine measurement the
// benchmarks report beside their figures (under `internal`).
#include <napi.h>

#include <cstdint>
#include <string>

#include "binding/args.h"
#include "binding/register.h"
#include "bench.h"
#include "cpu.h"
#include "parallel.h"

namespace tn::binding {
namespace {

Napi::Value BackendInfo(const Napi::CallbackInfo& info) {
  Args args(info, "backendInfo", 0);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("isa", tn::isa_name(tn::active_isa()));
  o.Set("hardwareIsa", tn::isa_name(tn::hardware_isa()));
  o.Set("threads", tn::max_threads());
  o.Set("avx512Bf16", tn::avx512_bf16());
  o.Set("hardwareAvx512Bf16", tn::hardware_avx512_bf16());
#ifdef _OPENMP
  o.Set("openmp", true);
#else
  o.Set("openmp", false);
#endif
  return o;
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  Args args(info, "setNumThreads", 1);
  const int64_t n = args.Int(0, "n", 1, 1024);
#ifdef _OPENMP
  omp_set_num_threads(static_cast<int>(n));
#else
  (void)n;
#endif
  return info.Env().Undefined();
}

Napi::Value MeasurePeakGflops(const Napi::CallbackInfo& info) {
  Args args(info, "measurePeakGflops", 2);
  const float seconds = args.FiniteFloat(0, "seconds");
  if (seconds <= 0.f || seconds > 60.f) args.FailRange("argument 1 (seconds) must be in (0, 60], received " +
                                                       std::to_string(seconds));
  const int64_t threads = args.Int(1, "threads", 1, 1024);
  return Napi::Number::New(info.Env(), tn::fma_peak_gflops(seconds, static_cast<int>(threads)));
}

}  // namespace

void RegisterBackend(Napi::Env env, Napi::Object exports) {
  Export(env, exports, {
      {"backendInfo", BackendInfo},
      {"setNumThreads", SetNumThreads},
  });
  Export(env, Internal(env, exports), {
      {"measurePeakGflops", MeasurePeakGflops},
  });
}

}  // namespace tn::binding
