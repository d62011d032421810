// The addon's entry: the only place N-API meets the module system. Every entry point lives with its family under
// native/binding/ (the only files that include napi.h); each converts its JavaScript arguments into plain C++ values
// and re-checks them (binding/args.h) before any kernel runs.
#include <napi.h>

#include "binding/register.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using namespace tn::binding;
  RegisterBackend(env, exports);
  RegisterElementwise(env, exports);
  RegisterReduce(env, exports);
  RegisterGemm(env, exports);
  RegisterConv(env, exports);
  RegisterPool(env, exports);
  RegisterOptim(env, exports);
  RegisterNormalization(env, exports);
  RegisterRandom(env, exports);
  RegisterRecurrent(env, exports);
  RegisterIndexing(env, exports);
  RegisterQuantized(env, exports);
  RegisterFft(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(tensornode, Init)
