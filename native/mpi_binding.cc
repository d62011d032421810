// The MPI addon (tensornode_mpi.node): the second and last file that knows N-API, built only when mpicc / mpi.h are
// found (binding.gyp). It is a thin layer over the system's MPI: every collective works in place on a typed array's
// memory over MPI_COMM_WORLD; lib/distributed/ owns the protocol (shape headers, buckets, averaging, callbacks).
// All calls must come from the thread that called init(): MPI is initialised at MPI_THREAD_FUNNELED, since the
// kernels' OpenMP threads never call MPI and Node's other threads (libuv, V8) never see it.
#include <mpi.h>
#include <napi.h>

#include <dlfcn.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

bool g_initialized = false;
bool g_finalized = false;
std::thread::id g_thread;
int g_rank = 0;
int g_size = 1;

[[noreturn]] void Fail(const Napi::Env& env, const std::string& fn, const std::string& what) {
  throw Napi::TypeError::New(env, "tensornode.distributed " + fn + ": " + what);
}

// MPI's default error handler on MPI_COMM_WORLD aborts the job; we set MPI_ERRORS_RETURN so that a failed call
// becomes a JavaScript error naming the call (and lib/distributed aborts the job from there, with the message).
void Check(const Napi::Env& env, const std::string& fn, int code) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(code, text, &len);
  Fail(env, fn, "MPI error on rank " + std::to_string(g_rank) + ": " + std::string(text, static_cast<size_t>(len)));
}

void RequireReady(const Napi::CallbackInfo& info, const std::string& fn, size_t args) {
  if (info.Length() != args)
    Fail(info.Env(), fn, "expected " + std::to_string(args) + " arguments, received " + std::to_string(info.Length()));
  if (!g_initialized) Fail(info.Env(), fn, "call init() first");
  if (g_finalized) Fail(info.Env(), fn, "MPI has been finalized (the process is exiting)");
  if (std::this_thread::get_id() != g_thread)
    Fail(info.Env(), fn, "MPI calls must come from the thread that called init(); worker threads cannot use it");
}

struct Buffer {
  void* data = nullptr;
  int64_t length = 0;
  MPI_Datatype type = MPI_DATATYPE_NULL;
  bool floating = false;
};

Buffer TypedBuffer(const Napi::CallbackInfo& info, const std::string& fn, size_t i) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray()) Fail(info.Env(), fn, "argument " + std::to_string(i + 1) + " must be a Float32Array, Float64Array or Int32Array");
  Napi::TypedArray t = v.As<Napi::TypedArray>();
  Buffer b;
  switch (t.TypedArrayType()) {
    case napi_float32_array: b.type = MPI_FLOAT; b.floating = true; break;
    case napi_float64_array: b.type = MPI_DOUBLE; b.floating = true; break;
    case napi_int32_array: b.type = MPI_INT; break;
    case napi_uint8_array: b.type = MPI_BYTE; break;
    default: Fail(info.Env(), fn, "argument " + std::to_string(i + 1) + " must be a Float32Array, Float64Array, Int32Array or Uint8Array");
  }
  b.data = static_cast<uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset();
  b.length = static_cast<int64_t>(t.ElementLength());
  return b;
}

int64_t Integer(const Napi::CallbackInfo& info, const std::string& fn, size_t i, int64_t lo, int64_t hi) {
  if (!info[i].IsNumber()) Fail(info.Env(), fn, "argument " + std::to_string(i + 1) + " must be a number");
  const double d = info[i].As<Napi::Number>().DoubleValue();
  if (!(d >= static_cast<double>(lo) && d <= static_cast<double>(hi)) || static_cast<double>(static_cast<int64_t>(d)) != d)
    Fail(info.Env(), fn, "argument " + std::to_string(i + 1) + " must be an integer in [" + std::to_string(lo) + ", " +
                             std::to_string(hi) + "], received " + std::to_string(d));
  return static_cast<int64_t>(d);
}

// MPI counts are ints: larger buffers go in slices of at most 2^30 elements (4 GiB of float32), so one call never
// overflows the count and the slices stay large enough that their latency is noise.
constexpr int64_t kSlice = int64_t(1) << 30;

// Open MPI opens its transport plugins (mca_*.so) with dlopen. Builds whose plugins are not linked against libmpi
// and libopen-pal (Open MPI before 3.0, some site builds) resolve those symbols from the global scope, but Node loads
// addons RTLD_LOCAL, so libmpi, pulled in as this addon's dependency, is not global there and the plugins fail to
// load. Re-opening libmpi (found from the address of one of its functions) with RTLD_NOLOAD | RTLD_GLOBAL promotes the
// already loaded copy to the global scope before MPI_Init; nothing new is loaded. (Debian's Open MPI 4.1.4 links its
// plugins and works either way: tested both.)
void PromoteLibmpiToGlobal() {
  Dl_info where;
  if (dladdr(reinterpret_cast<void*>(&MPI_Init_thread), &where) && where.dli_fname) {
    dlopen(where.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD);
  }
}

Napi::Value Init(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (g_finalized) Fail(env, "init", "MPI has already been finalized in this process; it cannot be initialised again");
  if (!g_initialized) {
    int already = 0;
    MPI_Initialized(&already);
    if (!already) {
      PromoteLibmpiToGlobal();
      int provided = 0;
      if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        Fail(env, "init", "MPI_Init_thread failed");
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    g_initialized = true;
    g_thread = std::this_thread::get_id();
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
  } else if (std::this_thread::get_id() != g_thread) {
    Fail(env, "init", "MPI was initialised on another thread; tn.distributed is usable from that thread only");
  }
  MPI_Comm local;
  int localRank = 0, localSize = 1;
  if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, g_rank, MPI_INFO_NULL, &local) == MPI_SUCCESS) {
    MPI_Comm_rank(local, &localRank);
    MPI_Comm_size(local, &localSize);
    MPI_Comm_free(&local);
  }
  int provided = 0;
  MPI_Query_thread(&provided);
  char version[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(version, &len);
  Napi::Object o = Napi::Object::New(env);
  o.Set("rank", g_rank);
  o.Set("size", g_size);
  o.Set("localRank", localRank);
  o.Set("localSize", localSize);
  o.Set("threadLevel", provided == MPI_THREAD_MULTIPLE ? "multiple" : provided == MPI_THREAD_SERIALIZED ? "serialized"
                       : provided == MPI_THREAD_FUNNELED ? "funneled" : "single");
  std::string v(version, static_cast<size_t>(len));
  while (!v.empty() && (v.back() == '\n' || v.back() == '\0' || v.back() == ' ')) v.pop_back();
  o.Set("library", v);
  return o;
}

// allreduce(buffer, op, scale): in place; op 0 sum, 1 min, 2 max; floating buffers are then multiplied by scale (the
// average's 1/size, applied here so the bucket is touched once more in C++ rather than in a JavaScript loop).
Napi::Value Allreduce(const Napi::CallbackInfo& info) {
  RequireReady(info, "allreduce", 3);
  Buffer b = TypedBuffer(info, "allreduce", 0);
  const int64_t op = Integer(info, "allreduce", 1, 0, 2);
  if (!info[2].IsNumber()) Fail(info.Env(), "allreduce", "argument 3 (scale) must be a number");
  const double scale = info[2].As<Napi::Number>().DoubleValue();
  if (b.type == MPI_BYTE) Fail(info.Env(), "allreduce", "a Uint8Array cannot be reduced");
  const MPI_Op mop = op == 0 ? MPI_SUM : op == 1 ? MPI_MIN : MPI_MAX;
  const size_t width = b.type == MPI_DOUBLE ? 8 : 4;
  for (int64_t at = 0; at < b.length; at += kSlice) {
    const int n = static_cast<int>(std::min(kSlice, b.length - at));
    Check(info.Env(), "allreduce", MPI_Allreduce(MPI_IN_PLACE, static_cast<uint8_t*>(b.data) + at * width, n, b.type, mop, MPI_COMM_WORLD));
  }
  if (b.floating && scale != 1.0) {
    if (b.type == MPI_FLOAT) {
      float* p = static_cast<float*>(b.data);
      const float s = static_cast<float>(scale);
      for (int64_t i = 0; i < b.length; i++) p[i] *= s;
    } else {
      double* p = static_cast<double*>(b.data);
      for (int64_t i = 0; i < b.length; i++) p[i] *= scale;
    }
  }
  return info.Env().Undefined();
}

// allgatherv(send, recv, counts): rank r contributes counts[r] elements; recv (same type) receives them in rank
// order. Counts come from a previous gather of the shapes, so every rank passes the same array.
Napi::Value Allgatherv(const Napi::CallbackInfo& info) {
  RequireReady(info, "allgather", 3);
  Buffer s = TypedBuffer(info, "allgather", 0);
  Buffer r = TypedBuffer(info, "allgather", 1);
  if (s.type != r.type) Fail(info.Env(), "allgather", "send and receive arrays must have the same type");
  if (!info[2].IsArray()) Fail(info.Env(), "allgather", "argument 3 (counts) must be an array");
  Napi::Array counts = info[2].As<Napi::Array>();
  if (counts.Length() != static_cast<uint32_t>(g_size))
    Fail(info.Env(), "allgather", "counts must have one entry per rank (" + std::to_string(g_size) + ")");
  std::vector<int> c(g_size), d(g_size);
  int64_t total = 0;
  for (int i = 0; i < g_size; i++) {
    Napi::Value v = counts[static_cast<uint32_t>(i)];
    const double x = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (!(x >= 0 && x < 2147483647.0)) Fail(info.Env(), "allgather", "each count must be an integer in [0, 2^31)");
    if (total > 2147483647LL) Fail(info.Env(), "allgather", "the gathered array must hold fewer than 2^31 elements");
    c[i] = static_cast<int>(x);
    d[i] = static_cast<int>(total);
    total += c[i];
  }
  if (s.length != c[g_rank]) Fail(info.Env(), "allgather", "this rank's array has " + std::to_string(s.length) + " elements, counts say " + std::to_string(c[g_rank]));
  if (r.length != total) Fail(info.Env(), "allgather", "the receive array must hold " + std::to_string(total) + " elements");
  Check(info.Env(), "allgather", MPI_Allgatherv(s.data, c[g_rank], s.type, r.data, c.data(), d.data(), r.type, MPI_COMM_WORLD));
  return info.Env().Undefined();
}

Napi::Value Broadcast(const Napi::CallbackInfo& info) {
  RequireReady(info, "broadcast", 2);
  Buffer b = TypedBuffer(info, "broadcast", 0);
  const int root = static_cast<int>(Integer(info, "broadcast", 1, 0, g_size - 1));
  const size_t width = b.type == MPI_DOUBLE ? 8 : b.type == MPI_BYTE ? 1 : 4;
  for (int64_t at = 0; at < b.length; at += kSlice) {
    const int n = static_cast<int>(std::min(kSlice, b.length - at));
    Check(info.Env(), "broadcast", MPI_Bcast(static_cast<uint8_t*>(b.data) + at * width, n, b.type, root, MPI_COMM_WORLD));
  }
  return info.Env().Undefined();
}

Napi::Value Barrier(const Napi::CallbackInfo& info) {
  RequireReady(info, "barrier", 0);
  Check(info.Env(), "barrier", MPI_Barrier(MPI_COMM_WORLD));
  return info.Env().Undefined();
}

// abort(code, message): the message goes to stderr first (with the rank), then MPI_Abort ends every rank; it does
// not return.
Napi::Value Abort(const Napi::CallbackInfo& info) {
  const int code = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 1;
  if (info.Length() > 1 && info[1].IsString()) {
    const std::string m = info[1].As<Napi::String>().Utf8Value();
    std::fprintf(stderr, "%s\n", m.c_str());
    std::fflush(stderr);
  }
  if (g_initialized && !g_finalized) MPI_Abort(MPI_COMM_WORLD, code == 0 ? 1 : code);
  std::_Exit(code == 0 ? 1 : code);
}

Napi::Value Finalize(const Napi::CallbackInfo& info) {
  if (g_initialized && !g_finalized) {
    g_finalized = true;
    MPI_Finalize();
  }
  return info.Env().Undefined();
}

Napi::Value Wtime(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), MPI_Wtime()); }

Napi::Object Register(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, Init, "init"));
  exports.Set("allreduce", Napi::Function::New(env, Allreduce, "allreduce"));
  exports.Set("allgatherv", Napi::Function::New(env, Allgatherv, "allgatherv"));
  exports.Set("broadcast", Napi::Function::New(env, Broadcast, "broadcast"));
  exports.Set("barrier", Napi::Function::New(env, Barrier, "barrier"));
  exports.Set("abort", Napi::Function::New(env, Abort, "abort"));
  exports.Set("finalize", Napi::Function::New(env, Finalize, "finalize"));
  exports.Set("wtime", Napi::Function::New(env, Wtime, "wtime"));
  return exports;
}

}  // namespace

NODE_API_MODULE(tensornode_mpi, Register)
