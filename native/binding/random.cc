// Bindings of the counter-based random streams (native/random.h).
#include <napi.h>

#include <cstdint>
#include <string>

#include "binding/args.h"
#include "binding/register.h"
#include "random.h"

namespace tn::binding {
namespace {

Napi::Value DropoutMask(const Napi::CallbackInfo& info) {
  Args args(info, "dropoutMask", 5);
  auto out = args.Floats(0, "out");
  const int64_t n = args.Int(1, "n", 0, kMaxElements);
  const float keep = args.FiniteFloat(2, "keep");
  const int64_t lo = args.Int(3, "keyLow", 0, 0xffffffffLL), hi = args.Int(4, "keyHigh", 0, 0xffffffffLL);
  args.Length(out, n, "out", "n");
  if (!(keep > 0.0f && keep <= 1.0f)) args.FailRange("keep must be in (0, 1], received " + std::to_string(keep));
  tn::dropout_mask(out.data, out.length, keep, (static_cast<uint64_t>(hi) << 32) | static_cast<uint64_t>(lo));
  return info.Env().Undefined();
}

}  // namespace

void RegisterRandom(Napi::Env env, Napi::Object exports) {
  Export(env, exports, {
      {"dropoutMask", DropoutMask},
  });
}

}  // namespace tn::binding
