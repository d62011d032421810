// The families of entry points and how each adds its functions to the addon's exports. module.cc calls every
// Register*; a new family adds its file under native/binding/, a line here and a line there.
#pragma once
#include <napi.h>

#include <initializer_list>

namespace tn::binding {

using Binding = Napi::Value (*)(const Napi::CallbackInfo&);

struct Entry {
  const char* name;
  Binding fn;
};

inline void Export(Napi::Env env, Napi::Object exports, std::initializer_list<Entry> entries) {
  for (const Entry& e : entries) exports.Set(e.name, Napi::Function::New(env, e.fn, e.name));
}

// Hooks for the benchmarks and the kernel tests (a machine measurement, the kernels a shape would take), not part of
// the library: they live under `exports.internal`, which lib/native.ts types apart from the bindings lib/ uses.
inline Napi::Object Internal(Napi::Env env, Napi::Object exports) {
  if (!exports.Has("internal")) exports.Set("internal", Napi::Object::New(env));
  return exports.Get("internal").As<Napi::Object>();
}

void RegisterBackend(Napi::Env env, Napi::Object exports);
void RegisterElementwise(Napi::Env env, Napi::Object exports);
void RegisterReduce(Napi::Env env, Napi::Object exports);
void RegisterGemm(Napi::Env env, Napi::Object exports);
void RegisterConv(Napi::Env env, Napi::Object exports);
void RegisterPool(Napi::Env env, Napi::Object exports);
void RegisterOptim(Napi::Env env, Napi::Object exports);
void RegisterNormalization(Napi::Env env, Napi::Object exports);
void RegisterRandom(Napi::Env env, Napi::Object exports);
void RegisterRecurrent(Napi::Env env, Napi::Object exports);
void RegisterIndexing(Napi::Env env, Napi::Object exports);
void RegisterQuantized(Napi::Env env, Napi::Object exports);
void RegisterFft(Napi::Env env, Napi::Object exports);

}  // namespace tn::binding
