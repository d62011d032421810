// The only file that knows N-API. Every entry point converts its JavaScript arguments into plain C++ values and
// re-checks them (types, integer ranges, lengths against shapes, products that overflow) before any kernel runs:
// lib/ validates first with domain messages, this layer makes sure a wrong call can only ever throw.
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "bench.h"
#include "conv.h"
#include "depthwise_conv.h"
#include "cpu.h"
#include "elementwise.h"
#include "gemm/gemm.h"
#include "indexing.h"
#include "normalization.h"
#include "optim.h"
#include "parallel.h"
#include "pool.h"
#include "random.h"
#include "recurrent.h"
#include "reduce.h"

namespace {

using tn::BinaryOp;
using tn::ReduceOp;
using tn::UnaryOp;

// The largest element count we accept for one array: byte sizes then stay far from int64 overflow.
constexpr int64_t kMaxElements = int64_t(1) << 40;

class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* fn, size_t expected) : info_(info), fn_(fn) {
    if (info.Length() != expected)
      Fail("expected " + std::to_string(expected) + " arguments, received " + std::to_string(info.Length()));
  }

  [[noreturn]] void Fail(const std::string& what) const {
    throw Napi::TypeError::New(info_.Env(), std::string(fn_) + ": " + what);
  }
  [[noreturn]] void FailRange(const std::string& what) const {
    throw Napi::RangeError::New(info_.Env(), std::string(fn_) + ": " + what);
  }

  std::string Where(size_t i, const char* name) const {
    return "argument " + std::to_string(i + 1) + " (" + name + ")";
  }

  // A typed array's memory. `present` tells a given array from an absent optional one (null or undefined): the
  // data pointer alone cannot, since an empty or detached array has no memory either.
  template <typename T>
  struct Span {
    T* data = nullptr;
    int64_t length = 0;
    bool present = false;
    const uint8_t* begin() const { return reinterpret_cast<const uint8_t*>(data); }
    const uint8_t* end() const { return reinterpret_cast<const uint8_t*>(data + length); }
  };

  Span<float> Floats(size_t i, const char* name) const { return Typed<float>(i, name, napi_float32_array, "Float32Array"); }
  Span<float> FloatsOrNull(size_t i, const char* name) const {
    if (info_[i].IsNull() || info_[i].IsUndefined()) return {};
    return Floats(i, name);
  }
  Span<int32_t> Ints(size_t i, const char* name) const { return Typed<int32_t>(i, name, napi_int32_array, "Int32Array"); }
  Span<uint8_t> Bytes(size_t i, const char* name) const { return Typed<uint8_t>(i, name, napi_uint8_array, "Uint8Array"); }
  // A Float32Array or Int32Array, seen as raw 4-byte words (for layout ops that never look at values).
  Span<uint32_t> Words(size_t i, const char* name) const {
    Napi::Value v = info_[i];
    if (!v.IsTypedArray()) Fail(Where(i, name) + " must be a Float32Array or Int32Array");
    Napi::TypedArray t = v.As<Napi::TypedArray>();
    if (t.TypedArrayType() != napi_float32_array && t.TypedArrayType() != napi_int32_array)
      Fail(Where(i, name) + " must be a Float32Array or Int32Array");
    Napi::ArrayBuffer buf = t.ArrayBuffer();
    Span<uint32_t> s;
    s.data = reinterpret_cast<uint32_t*>(static_cast<uint8_t*>(buf.Data()) + t.ByteOffset());
    s.length = static_cast<int64_t>(t.ElementLength());
    s.present = true;
    return s;
  }

  int64_t Int(size_t i, const char* name, int64_t lo, int64_t hi) const {
    Napi::Value v = info_[i];
    if (!v.IsNumber()) Fail(Where(i, name) + " must be a number");
    const double d = v.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || std::floor(d) != d) Fail(Where(i, name) + " must be an integer, received " + Num(d));
    if (d < static_cast<double>(lo) || d > static_cast<double>(hi))
      FailRange(Where(i, name) + " must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], received " +
                Num(d));
    return static_cast<int64_t>(d);
  }
  int64_t Dim(size_t i, const char* name) const { return Int(i, name, 0, std::numeric_limits<int32_t>::max()); }

  float Float(size_t i, const char* name) const {
    Napi::Value v = info_[i];
    if (!v.IsNumber()) Fail(Where(i, name) + " must be a number");
    return static_cast<float>(v.As<Napi::Number>().DoubleValue());
  }
  float FiniteFloat(size_t i, const char* name) const {
    const float f = Float(i, name);
    if (!std::isfinite(f)) FailRange(Where(i, name) + " must be finite, received " + Num(f));
    return f;
  }
  bool Bool(size_t i, const char* name) const {
    Napi::Value v = info_[i];
    if (!v.IsBoolean()) Fail(Where(i, name) + " must be a boolean");
    return v.As<Napi::Boolean>().Value();
  }
  template <typename E>
  E Enum(size_t i, const char* name, E count) const {
    return static_cast<E>(Int(i, name, 0, static_cast<int64_t>(count) - 1));
  }

  // A short array of integers (shapes, strides, permutations, geometry).
  std::vector<int64_t> IntList(size_t i, const char* name, size_t min_len, size_t max_len, int64_t lo,
                               int64_t hi) const {
    Napi::Value v = info_[i];
    if (!v.IsArray()) Fail(Where(i, name) + " must be an array of integers");
    Napi::Array arr = v.As<Napi::Array>();
    const uint32_t len = arr.Length();
    if (len < min_len || len > max_len)
      FailRange(Where(i, name) + " must have " + std::to_string(min_len) + " to " + std::to_string(max_len) +
                " entries, received " + std::to_string(len));
    std::vector<int64_t> out(len);
    for (uint32_t k = 0; k < len; ++k) {
      Napi::Value e = arr.Get(k);
      if (!e.IsNumber()) Fail(Where(i, name) + "[" + std::to_string(k) + "] must be a number");
      const double d = e.As<Napi::Number>().DoubleValue();
      if (!std::isfinite(d) || std::floor(d) != d || d < static_cast<double>(lo) || d > static_cast<double>(hi))
        FailRange(Where(i, name) + "[" + std::to_string(k) + "] must be an integer in [" + std::to_string(lo) +
                  ", " + std::to_string(hi) + "], received " + Num(d));
      out[k] = static_cast<int64_t>(d);
    }
    return out;
  }

  // Product of the given factors, failing instead of overflowing.
  int64_t Product(std::initializer_list<int64_t> factors, const char* what) const {
    int64_t p = 1;
    for (int64_t f : factors) {
      if (f < 0) FailRange(std::string(what) + " has a negative factor");
      if (__builtin_mul_overflow(p, f, &p) || p > kMaxElements)
        FailRange(std::string(what) + " is too large (the product of its dimensions overflows)");
    }
    return p;
  }

  template <typename T>
  void Length(const Span<T>& s, int64_t want, const char* name, const std::string& why) const {
    if (s.length != want)
      FailRange(std::string(name) + " has " + std::to_string(s.length) + " elements, expected " +
                std::to_string(want) + " (" + why + ")");
  }
  template <typename T>
  void AtLeast(const Span<T>& s, int64_t want, const char* name, const std::string& why) const {
    if (s.length < want)
      FailRange(std::string(name) + " has " + std::to_string(s.length) + " elements, needs at least " +
                std::to_string(want) + " (" + why + ")");
  }
  // Outputs must not overlap inputs where a kernel reads an input after writing the output.
  template <typename T, typename U>
  void Disjoint(const Span<T>& out, const char* out_name, const Span<U>& in, const char* in_name) const {
    if (!out.data || !in.data) return;
    if (out.begin() < in.end() && in.begin() < out.end())
      FailRange(std::string(out_name) + " must not share memory with " + in_name);
  }
  // An array and its name, for NoOverlap.
  struct Named {
    const uint8_t* begin;
    const uint8_t* end;
    const char* name;
  };
  template <typename T>
  static Named Name(const Span<T>& s, const char* name) {
    return {s.data ? s.begin() : nullptr, s.data ? s.end() : nullptr, name};
  }
  // Outputs apart from each other and from every input (absent optional arrays are skipped): for kernels that
  // write several outputs while they still read the inputs.
  void NoOverlap(std::initializer_list<Named> outputs, std::initializer_list<Named> inputs) const {
    auto check = [&](const Named& o, const Named& i) {
      if (o.begin && i.begin && o.begin < i.end && i.begin < o.end)
        FailRange(std::string(o.name) + " must not share memory with " + i.name);
    };
    for (auto o = outputs.begin(); o != outputs.end(); ++o) {
      for (const Named& i : inputs) check(*o, i);
      for (auto p = o + 1; p != outputs.end(); ++p) check(*o, *p);
    }
  }
  // Elementwise kernels allow an output that is exactly an input (same start), but not a shifted overlap.
  template <typename T, typename U>
  void SameOrDisjoint(const Span<T>& out, const char* out_name, const Span<U>& in, const char* in_name) const {
    if (out.begin() == in.begin()) return;
    Disjoint(out, out_name, in, in_name);
  }

 private:
  template <typename T>
  Span<T> Typed(size_t i, const char* name, napi_typedarray_type type, const char* type_name) const {
    Napi::Value v = info_[i];
    if (!v.IsTypedArray()) Fail(Where(i, name) + " must be a " + type_name);
    Napi::TypedArray t = v.As<Napi::TypedArray>();
    if (t.TypedArrayType() != type) Fail(Where(i, name) + " must be a " + type_name);
    Napi::ArrayBuffer buf = t.ArrayBuffer();
    Span<T> s;
    s.data = reinterpret_cast<T*>(static_cast<uint8_t*>(buf.Data()) + t.ByteOffset());
    s.length = static_cast<int64_t>(t.ElementLength());
    s.present = true;
    return s;
  }
  static std::string Num(double d) {
    std::string s = std::to_string(d);
    while (s.size() > 1 && s.find('.') != std::string::npos && (s.back() == '0' || s.back() == '.')) {
      const bool dot = s.back() == '.';
      s.pop_back();
      if (dot) break;
    }
    return s;
  }

  const Napi::CallbackInfo& info_;
  const char* fn_;
};

// ---------------------------------------------------------------------------------------------------------------
// Backend

Napi::Value BackendInfo(const Napi::CallbackInfo& info) {
  Args args(info, "backendInfo", 0);
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("isa", tn::isa_name(tn::active_isa()));
  o.Set("hardwareIsa", tn::isa_name(tn::hardware_isa()));
  o.Set("threads", tn::max_threads());
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

// ---------------------------------------------------------------------------------------------------------------
// Elementwise

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

// ---------------------------------------------------------------------------------------------------------------
// Reductions and softmax

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

// ---------------------------------------------------------------------------------------------------------------
// GEMM

// Number of elements an operand of `rows` x `cols` (row-major, leading dimension ld) spans.
int64_t MatrixExtent(const Args& args, int64_t rows, int64_t cols, int64_t ld, const char* name) {
  if (rows == 0 || cols == 0) return 0;
  if (ld < cols) args.FailRange(std::string("leading dimension of ") + name + " (" + std::to_string(ld) +
                                ") is smaller than its row length " + std::to_string(cols));
  return args.Product({rows - 1, ld}, name) + cols;
}

Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Args args(info, "gemm", 22);
  const bool ta = args.Bool(0, "transposeA"), tb = args.Bool(1, "transposeB");
  const int64_t batch = args.Dim(2, "batch"), m = args.Dim(3, "m"), n = args.Dim(4, "n"), k = args.Dim(5, "k");
  auto a = args.Floats(6, "a");
  const int64_t a_off = args.Int(7, "aOffset", 0, kMaxElements), lda = args.Int(8, "lda", 1, kMaxElements);
  const int64_t stride_a = args.Int(9, "strideA", 0, kMaxElements);
  auto b = args.Floats(10, "b");
  const int64_t b_off = args.Int(11, "bOffset", 0, kMaxElements), ldb = args.Int(12, "ldb", 1, kMaxElements);
  const int64_t stride_b = args.Int(13, "strideB", 0, kMaxElements);
  const float beta = args.FiniteFloat(14, "beta");
  auto c = args.Floats(15, "c");
  const int64_t c_off = args.Int(16, "cOffset", 0, kMaxElements), ldc = args.Int(17, "ldc", 1, kMaxElements);
  const int64_t stride_c = args.Int(18, "strideC", 0, kMaxElements);
  auto bias = args.FloatsOrNull(19, "bias");
  const UnaryOp act = args.Enum(20, "activation", UnaryOp::count);
  const float alpha = args.Float(21, "alpha");
  if (batch == 0 || m == 0 || n == 0) return info.Env().Undefined();

  const int64_t ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
  auto span = [&](int64_t off, int64_t stride, int64_t extent, const char* name) {
    if (extent == 0) return off;
    int64_t last = args.Product({batch - 1, stride}, name);
    if (__builtin_add_overflow(last, off, &last) || __builtin_add_overflow(last, extent, &last))
      args.FailRange(std::string(name) + " extent overflows");
    return last;
  };
  const int64_t need_a = span(a_off, stride_a, k ? MatrixExtent(args, ar, ac, lda, "a") : 0, "a");
  const int64_t need_b = span(b_off, stride_b, k ? MatrixExtent(args, br, bc, ldb, "b") : 0, "b");
  const int64_t need_c = span(c_off, stride_c, MatrixExtent(args, m, n, ldc, "c"), "c");
  args.AtLeast(a, need_a, "a", "m, k, lda, batch and strideA");
  args.AtLeast(b, need_b, "b", "k, n, ldb, batch and strideB");
  args.AtLeast(c, need_c, "c", "m, n, ldc, batch and strideC");
  if (batch > 1 && stride_c < MatrixExtent(args, m, n, ldc, "c"))
    args.FailRange("strideC is smaller than one output matrix: batch items would overwrite each other");
  if (bias.present) args.Length(bias, n, "bias", "n");
  args.Disjoint(c, "c", a, "a");
  args.Disjoint(c, "c", b, "b");
  args.Disjoint(c, "c", bias, "bias");
  tn::GemmEpilogue ep;
  ep.bias = bias.data;
  ep.activation = act;
  ep.alpha = alpha;
  tn::sgemm_batched(batch, ta, tb, m, n, k, a.data + a_off, lda, stride_a, b.data + b_off, ldb, stride_b, beta,
                    c.data + c_off, ldc, stride_c, ep);
  return info.Env().Undefined();
}

// ---------------------------------------------------------------------------------------------------------------
// Convolution and pooling

constexpr const char* kConvNames[] = {"n", "h", "w", "c", "kh", "kw", "oc", "oh", "ow",
                                      "strideH", "strideW", "dilationH", "dilationW", "padTop", "padLeft"};

tn::Conv2dShape ConvGeometry(const Args& args, size_t i) {
  auto g = args.IntList(i, "geometry", 15, 15, 0, std::numeric_limits<int32_t>::max());
  for (int k = 4; k <= 12; ++k)
    if (g[k] == 0 && k != 7 && k != 8) args.FailRange(std::string("geometry.") + kConvNames[k] + " must be positive");
  tn::Conv2dShape s{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12], g[13], g[14]};
  args.Product({s.n, s.h, s.w, s.c}, "input");
  args.Product({s.n, s.oh, s.ow, s.oc}, "output");
  args.Product({s.kh, s.kw, s.c, s.oc}, "kernel");
  args.Product({s.n, s.oh, s.ow, s.kh, s.kw, s.c}, "im2col");
  return s;
}

Napi::Value Conv2dForward(const Napi::CallbackInfo& info) {
  Args args(info, "conv2dForward", 7);
  const tn::Conv2dShape s = ConvGeometry(args, 4);  // before the arrays: see Binary
  auto x = args.Floats(0, "x");
  auto w = args.Floats(1, "kernel");
  auto bias = args.FloatsOrNull(2, "bias");
  auto y = args.Floats(3, "y");
  const UnaryOp act = args.Enum(5, "activation", UnaryOp::count);
  const float alpha = args.Float(6, "alpha");
  args.Length(x, s.n * s.h * s.w * s.c, "x", "n*h*w*c");
  args.Length(w, s.kh * s.kw * s.c * s.oc, "kernel", "kh*kw*c*oc");
  if (bias.present) args.Length(bias, s.oc, "bias", "oc");
  args.Length(y, s.n * s.oh * s.ow * s.oc, "y", "n*oh*ow*oc");
  args.Disjoint(y, "y", x, "x");
  args.Disjoint(y, "y", w, "kernel");
  args.Disjoint(y, "y", bias, "bias");
  tn::conv2d_forward(s, x.data, w.data, bias.data, act, alpha, y.data);
  return info.Env().Undefined();
}

// The optional trailing (y, activation, alpha) of the backward passes: the forward output and the activation it
// fused, whose gradient the kernels then fold into dy. Absent (or y null) means dy is already dz.
struct FoldedActivation {
  tn::OutputActivation act;
  Args::Span<float> y;
};

FoldedActivation OptionalOutputActivation(const Args& args, const Napi::CallbackInfo& info, size_t i,
                                          const tn::Conv2dShape& s) {
  FoldedActivation f;
  if (info.Length() <= i) return f;
  f.y = args.FloatsOrNull(i, "y");
  f.act.activation = args.Enum(i + 1, "activation", UnaryOp::count);
  f.act.alpha = args.Float(i + 2, "alpha");
  if (!f.y.present) return f;
  if (!tn::conv2d_activation_grad_from_output(f.act.activation, f.act.alpha))
    args.FailRange(args.Where(i + 1, "activation") + " must have a derivative that follows from its output " +
                   "(linear, relu, relu6, sigmoid, tanh, selu, or leakyRelu/elu with a positive alpha)");
  args.Length(f.y, s.n * s.oh * s.ow * s.oc, "y", "n*oh*ow*oc");
  f.act.y = f.y.data;
  return f;
}

Napi::Value Conv2dBackwardInput(const Napi::CallbackInfo& info) {
  Args args(info, "conv2dBackwardInput", info.Length() == 4 ? 4 : 7);
  const tn::Conv2dShape s = ConvGeometry(args, 3);
  auto dy = args.Floats(0, "dy");
  auto w = args.Floats(1, "kernel");
  auto dx = args.Floats(2, "dx");
  const FoldedActivation folded = OptionalOutputActivation(args, info, 4, s);
  args.Length(dy, s.n * s.oh * s.ow * s.oc, "dy", "n*oh*ow*oc");
  args.Length(w, s.kh * s.kw * s.c * s.oc, "kernel", "kh*kw*c*oc");
  args.Length(dx, s.n * s.h * s.w * s.c, "dx", "n*h*w*c");
  args.Disjoint(dx, "dx", dy, "dy");
  args.Disjoint(dx, "dx", w, "kernel");
  args.Disjoint(dx, "dx", folded.y, "y");
  tn::conv2d_backward_input(s, dy.data, w.data, dx.data, folded.act);
  return info.Env().Undefined();
}

Napi::Value Conv2dBackwardFilter(const Napi::CallbackInfo& info) {
  Args args(info, "conv2dBackwardFilter", info.Length() == 5 ? 5 : 8);
  const tn::Conv2dShape s = ConvGeometry(args, 4);
  auto x = args.Floats(0, "x");
  auto dy = args.Floats(1, "dy");
  auto dw = args.Floats(2, "dKernel");
  auto dbias = args.FloatsOrNull(3, "dBias");
  const FoldedActivation folded = OptionalOutputActivation(args, info, 5, s);
  args.Length(x, s.n * s.h * s.w * s.c, "x", "n*h*w*c");
  args.Length(dy, s.n * s.oh * s.ow * s.oc, "dy", "n*oh*ow*oc");
  args.Length(dw, s.kh * s.kw * s.c * s.oc, "dKernel", "kh*kw*c*oc");
  if (dbias.present) args.Length(dbias, s.oc, "dBias", "oc");
  args.Disjoint(dw, "dKernel", x, "x");
  args.Disjoint(dw, "dKernel", dy, "dy");
  args.Disjoint(dbias, "dBias", x, "x");
  args.Disjoint(dbias, "dBias", dy, "dy");
  args.Disjoint(dbias, "dBias", dw, "dKernel");
  args.Disjoint(dw, "dKernel", folded.y, "y");
  args.Disjoint(dbias, "dBias", folded.y, "y");
  tn::conv2d_backward_filter(s, x.data, dy.data, dw.data, dbias.data, folded.act);
  return info.Env().Undefined();
}

Napi::Value Conv2dReluMaxPool(const Napi::CallbackInfo& info) {
  Args args(info, "conv2dReluMaxPool", 7);
  const tn::Conv2dShape s = ConvGeometry(args, 4);
  auto x = args.Floats(0, "x");
  auto w = args.Floats(1, "kernel");
  auto bias = args.FloatsOrNull(2, "bias");
  auto y = args.Floats(3, "y");
  const int64_t pool_h = args.Int(5, "poolH", 1, std::numeric_limits<int32_t>::max());
  const int64_t pool_w = args.Int(6, "poolW", 1, std::numeric_limits<int32_t>::max());
  args.Length(x, s.n * s.h * s.w * s.c, "x", "n*h*w*c");
  args.Length(w, s.kh * s.kw * s.c * s.oc, "kernel", "kh*kw*c*oc");
  if (bias.present) args.Length(bias, s.oc, "bias", "oc");
  args.Length(y, s.n * (s.oh / pool_h) * (s.ow / pool_w) * s.oc, "y", "n*floor(oh/poolH)*floor(ow/poolW)*oc");
  args.Disjoint(y, "y", x, "x");
  args.Disjoint(y, "y", w, "kernel");
  args.Disjoint(y, "y", bias, "bias");
  tn::conv2d_relu_maxpool(s, x.data, w.data, bias.data, pool_h, pool_w, y.data);
  return info.Env().Undefined();
}

// Pool sizes of the fused conv + max-pool passes; the window's positions must fit the uint8 argmax.
void PoolSize(const Args& args, size_t i, int64_t& pool_h, int64_t& pool_w) {
  pool_h = args.Int(i, "poolH", 1, 256);
  pool_w = args.Int(i + 1, "poolW", 1, 256);
  if (pool_h * pool_w > 256)
    args.FailRange("poolH * poolW must be at most 256 (argmax holds a window position in one byte), received " +
                   std::to_string(pool_h) + " * " + std::to_string(pool_w));
}

Napi::Value Conv2dReluMaxPoolTrain(const Napi::CallbackInfo& info) {
  Args args(info, "conv2dReluMaxPoolTrain", 8);
  const tn::Conv2dShape s = ConvGeometry(args, 5);  // before the arrays: see Binary
  auto x = args.Floats(0, "x");
  auto w = args.Floats(1, "kernel");
  auto bias = args.FloatsOrNull(2, "bias");
  auto y = args.Floats(3, "y");
  auto argmax = args.Bytes(4, "argmax");
  int64_t pool_h, pool_w;
  PoolSize(args, 6, pool_h, pool_w);
  const int64_t pooled = s.n * (s.oh / pool_h) * (s.ow / pool_w) * s.oc;
  args.Length(x, s.n * s.h * s.w * s.c, "x", "n*h*w*c");
  args.Length(w, s.kh * s.kw * s.c * s.oc, "kernel", "kh*kw*c*oc");
  if (bias.present) args.Length(bias, s.oc, "bias", "oc");
  args.Length(y, pooled, "y", "n*floor(oh/poolH)*floor(ow/poolW)*oc");
  args.Length(argmax, pooled, "argmax", "n*floor(oh/poolH)*floor(ow/poolW)*oc");
  args.Disjoint(y, "y", x, "x");
  args.Disjoint(y, "y", w, "kernel");
  args.Disjoint(y, "y", bias, "bias");
  args.Disjoint(argmax, "argmax", x, "x");
  args.Disjoint(argmax, "argmax", w, "kernel");
  args.Disjoint(argmax, "argmax", bias, "bias");
  args.Disjoint(argmax, "argmax", y, "y");
  tn::conv2d_relu_maxpool_train(s, x.data, w.data, bias.data, pool_h, pool_w, y.data, argmax.data);
  return info.Env().Undefined();
}

Napi::Value Conv2dReluMaxPoolBackward(const Napi::CallbackInfo& info) {
  Args args(info, "conv2dReluMaxPoolBackward", 11);
  const tn::Conv2dShape s = ConvGeometry(args, 8);
  auto x = args.Floats(0, "x");
  auto w = args.Floats(1, "kernel");
  auto dy = args.Floats(2, "dy");
  auto y = args.Floats(3, "y");
  auto argmax = args.Bytes(4, "argmax");
  auto dw = args.FloatsOrNull(5, "dKernel");
  auto dbias = args.FloatsOrNull(6, "dBias");
  auto dx = args.FloatsOrNull(7, "dx");
  int64_t pool_h, pool_w;
  PoolSize(args, 9, pool_h, pool_w);
  const int64_t pooled = s.n * (s.oh / pool_h) * (s.ow / pool_w) * s.oc;
  args.Length(x, s.n * s.h * s.w * s.c, "x", "n*h*w*c");
  args.Length(w, s.kh * s.kw * s.c * s.oc, "kernel", "kh*kw*c*oc");
  args.Length(dy, pooled, "dy", "n*floor(oh/poolH)*floor(ow/poolW)*oc");
  args.Length(y, pooled, "y", "n*floor(oh/poolH)*floor(ow/poolW)*oc");
  args.Length(argmax, pooled, "argmax", "n*floor(oh/poolH)*floor(ow/poolW)*oc");
  if (dw.present) args.Length(dw, s.kh * s.kw * s.c * s.oc, "dKernel", "kh*kw*c*oc");
  if (dbias.present) args.Length(dbias, s.oc, "dBias", "oc");
  if (dx.present) args.Length(dx, s.n * s.h * s.w * s.c, "dx", "n*h*w*c");
  // Every output against every input and every other output: the passes read the inputs after writing outputs.
  const std::pair<const Args::Span<float>*, const char*> outputs[] = {{&dw, "dKernel"}, {&dbias, "dBias"}, {&dx, "dx"}};
  const std::pair<const Args::Span<float>*, const char*> inputs[] = {{&x, "x"}, {&w, "kernel"}, {&dy, "dy"}, {&y, "y"}};
  for (size_t o = 0; o < 3; ++o) {
    for (const auto& in : inputs) args.Disjoint(*outputs[o].first, outputs[o].second, *in.first, in.second);
    args.Disjoint(*outputs[o].first, outputs[o].second, argmax, "argmax");
    for (size_t p = o + 1; p < 3; ++p)
      args.Disjoint(*outputs[o].first, outputs[o].second, *outputs[p].first, outputs[p].second);
  }
  tn::conv2d_relu_maxpool_backward(s, x.data, w.data, dy.data, y.data, argmax.data, pool_h, pool_w, dw.data,
                                   dbias.data, dx.data);
  return info.Env().Undefined();
}

// ---------------------------------------------------------------------------------------------------------------
// Depthwise convolution

constexpr const char* kDepthwiseNames[] = {"n", "h", "w", "c", "kh", "kw", "depthMultiplier", "oh", "ow",
                                           "strideH", "strideW", "dilationH", "dilationW", "padTop", "padLeft"};

tn::DepthwiseConv2dShape DepthwiseGeometry(const Args& args, size_t i) {
  auto g = args.IntList(i, "geometry", 15, 15, 0, std::numeric_limits<int32_t>::max());
  for (int k = 4; k <= 12; ++k)
    if (g[k] == 0 && k != 7 && k != 8)
      args.FailRange(std::string("geometry.") + kDepthwiseNames[k] + " must be positive");
  tn::DepthwiseConv2dShape s{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11], g[12],
                             g[13], g[14]};
  args.Product({s.n, s.h, s.w, s.c}, "input");
  args.Product({s.n, s.oh, s.ow, s.c, s.m}, "output");
  args.Product({s.kh, s.kw, s.c, s.m}, "kernel");
  args.Product({s.kh, s.w, s.c, s.m}, "expanded input rows");
  args.Product({s.n, s.oh, s.ow, s.c, s.m, s.kh, s.kw}, "work");
  return s;
}

// The optional trailing (y, activation, alpha) as for the conv2d backward passes, over c * m output channels.
FoldedActivation DepthwiseOutputActivation(const Args& args, const Napi::CallbackInfo& info, size_t i,
                                           const tn::DepthwiseConv2dShape& s) {
  tn::Conv2dShape out{};
  out.n = s.n;
  out.oh = s.oh;
  out.ow = s.ow;
  out.oc = s.c * s.m;
  return OptionalOutputActivation(args, info, i, out);
}

Napi::Value DepthwiseConv2dForward(const Napi::CallbackInfo& info) {
  Args args(info, "depthwiseConv2dForward", 7);
  const tn::DepthwiseConv2dShape s = DepthwiseGeometry(args, 4);  // before the arrays: see Binary
  auto x = args.Floats(0, "x");
  auto w = args.Floats(1, "kernel");
  auto bias = args.FloatsOrNull(2, "bias");
  auto y = args.Floats(3, "y");
  const UnaryOp act = args.Enum(5, "activation", UnaryOp::count);
  const float alpha = args.Float(6, "alpha");
  args.Length(x, s.n * s.h * s.w * s.c, "x", "n*h*w*c");
  args.Length(w, s.kh * s.kw * s.c * s.m, "kernel", "kh*kw*c*depthMultiplier");
  if (bias.present) args.Length(bias, s.c * s.m, "bias", "c*depthMultiplier");
  args.Length(y, s.n * s.oh * s.ow * s.c * s.m, "y", "n*oh*ow*c*depthMultiplier");
  args.Disjoint(y, "y", x, "x");
  args.Disjoint(y, "y", w, "kernel");
  args.Disjoint(y, "y", bias, "bias");
  tn::depthwise_conv2d_forward(s, x.data, w.data, bias.data, act, alpha, y.data);
  return info.Env().Undefined();
}

Napi::Value DepthwiseConv2dBackwardInput(const Napi::CallbackInfo& info) {
  Args args(info, "depthwiseConv2dBackwardInput", info.Length() == 4 ? 4 : 7);
  const tn::DepthwiseConv2dShape s = DepthwiseGeometry(args, 3);
  auto dy = args.Floats(0, "dy");
  auto w = args.Floats(1, "kernel");
  auto dx = args.Floats(2, "dx");
  const FoldedActivation folded = DepthwiseOutputActivation(args, info, 4, s);
  args.Length(dy, s.n * s.oh * s.ow * s.c * s.m, "dy", "n*oh*ow*c*depthMultiplier");
  args.Length(w, s.kh * s.kw * s.c * s.m, "kernel", "kh*kw*c*depthMultiplier");
  args.Length(dx, s.n * s.h * s.w * s.c, "dx", "n*h*w*c");
  args.Disjoint(dx, "dx", dy, "dy");
  args.Disjoint(dx, "dx", w, "kernel");
  args.Disjoint(dx, "dx", folded.y, "y");
  tn::depthwise_conv2d_backward_input(s, dy.data, w.data, dx.data, folded.act);
  return info.Env().Undefined();
}

Napi::Value DepthwiseConv2dBackwardFilter(const Napi::CallbackInfo& info) {
  Args args(info, "depthwiseConv2dBackwardFilter", info.Length() == 5 ? 5 : 8);
  const tn::DepthwiseConv2dShape s = DepthwiseGeometry(args, 4);
  auto x = args.Floats(0, "x");
  auto dy = args.Floats(1, "dy");
  auto dw = args.Floats(2, "dKernel");
  auto dbias = args.FloatsOrNull(3, "dBias");
  const FoldedActivation folded = DepthwiseOutputActivation(args, info, 5, s);
  args.Length(x, s.n * s.h * s.w * s.c, "x", "n*h*w*c");
  args.Length(dy, s.n * s.oh * s.ow * s.c * s.m, "dy", "n*oh*ow*c*depthMultiplier");
  args.Length(dw, s.kh * s.kw * s.c * s.m, "dKernel", "kh*kw*c*depthMultiplier");
  if (dbias.present) args.Length(dbias, s.c * s.m, "dBias", "c*depthMultiplier");
  args.Disjoint(dw, "dKernel", x, "x");
  args.Disjoint(dw, "dKernel", dy, "dy");
  args.Disjoint(dbias, "dBias", x, "x");
  args.Disjoint(dbias, "dBias", dy, "dy");
  args.Disjoint(dbias, "dBias", dw, "dKernel");
  args.Disjoint(dw, "dKernel", folded.y, "y");
  args.Disjoint(dbias, "dBias", folded.y, "y");
  tn::depthwise_conv2d_backward_filter(s, x.data, dy.data, dw.data, dbias.data, folded.act);
  return info.Env().Undefined();
}

Napi::Value Conv2dPlan(const Napi::CallbackInfo& info) {
  Args args(info, "conv2dPlan", 1);
  const tn::Conv2dPlan plan = tn::conv2d_plan(ConvGeometry(args, 0));
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("forward", plan.forward);
  o.Set("backwardInput", plan.backward_input);
  o.Set("backwardFilter", plan.backward_filter);
  return o;
}

constexpr const char* kPoolNames[] = {"n", "h", "w", "c", "poolH", "poolW", "oh", "ow",
                                      "strideH", "strideW", "padTop", "padLeft"};

tn::Pool2dShape PoolGeometry(const Args& args, size_t i) {
  auto g = args.IntList(i, "geometry", 12, 12, 0, std::numeric_limits<int32_t>::max());
  for (int k : {4, 5, 8, 9})
    if (g[k] == 0) args.FailRange(std::string("geometry.") + kPoolNames[k] + " must be positive");
  if (g[10] >= g[4] || g[11] >= g[5]) args.FailRange("padding must be smaller than the pool window");
  tn::Pool2dShape s{g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7], g[8], g[9], g[10], g[11]};
  args.Product({s.n, s.h, s.w, s.c}, "input");
  args.Product({s.n, s.oh, s.ow, s.c, s.ph, s.pw}, "pooling work");
  return s;
}

template <void (*Forward)(const tn::Pool2dShape&, const float*, float*)>
Napi::Value PoolForward(const Napi::CallbackInfo& info, const char* name) {
  Args args(info, name, 3);
  const tn::Pool2dShape s = PoolGeometry(args, 2);
  auto x = args.Floats(0, "x");
  auto y = args.Floats(1, "y");
  args.Length(x, s.n * s.h * s.w * s.c, "x", "n*h*w*c");
  args.Length(y, s.n * s.oh * s.ow * s.c, "y", "n*oh*ow*c");
  args.Disjoint(y, "y", x, "x");
  Forward(s, x.data, y.data);
  return info.Env().Undefined();
}

Napi::Value MaxPool2dForward(const Napi::CallbackInfo& info) {
  return PoolForward<tn::max_pool2d_forward>(info, "maxPool2dForward");
}
Napi::Value AvgPool2dForward(const Napi::CallbackInfo& info) {
  return PoolForward<tn::avg_pool2d_forward>(info, "avgPool2dForward");
}

Napi::Value MaxPool2dBackward(const Napi::CallbackInfo& info) {
  Args args(info, "maxPool2dBackward", 4);
  const tn::Pool2dShape s = PoolGeometry(args, 3);
  auto x = args.Floats(0, "x");
  auto dy = args.Floats(1, "dy");
  auto dx = args.Floats(2, "dx");
  args.Length(x, s.n * s.h * s.w * s.c, "x", "n*h*w*c");
  args.Length(dy, s.n * s.oh * s.ow * s.c, "dy", "n*oh*ow*c");
  args.Length(dx, s.n * s.h * s.w * s.c, "dx", "n*h*w*c");
  args.Disjoint(dx, "dx", x, "x");
  args.Disjoint(dx, "dx", dy, "dy");
  tn::max_pool2d_backward(s, x.data, dy.data, dx.data);
  return info.Env().Undefined();
}

Napi::Value AvgPool2dBackward(const Napi::CallbackInfo& info) {
  Args args(info, "avgPool2dBackward", 3);
  const tn::Pool2dShape s = PoolGeometry(args, 2);
  auto dy = args.Floats(0, "dy");
  auto dx = args.Floats(1, "dx");
  args.Length(dy, s.n * s.oh * s.ow * s.c, "dy", "n*oh*ow*c");
  args.Length(dx, s.n * s.h * s.w * s.c, "dx", "n*h*w*c");
  args.Disjoint(dx, "dx", dy, "dy");
  tn::avg_pool2d_backward(s, dy.data, dx.data);
  return info.Env().Undefined();
}

// ---------------------------------------------------------------------------------------------------------------
// Optimizer updates (parameters and slots are updated in place)

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

// ---------------------------------------------------------------------------------------------------------------
// Normalization and dropout

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

// ---------------------------------------------------------------------------------------------------------------
// Recurrent layers

Napi::Value LstmForward(const Napi::CallbackInfo& info) {
  Args args(info, "lstmForward", 9);
  auto xw = args.Floats(0, "xw");
  auto u = args.Floats(1, "recurrentKernel");
  const int64_t batch = args.Dim(2, "batch"), time = args.Dim(3, "time"), units = args.Dim(4, "units");
  const bool reverse = args.Bool(5, "reverse");
  auto hs = args.Floats(6, "hs");
  auto cs = args.Floats(7, "cs");
  auto gates = args.Floats(8, "gates");
  const int64_t g4 = args.Product({units, 4}, "4*units");
  args.Length(xw, args.Product({batch, time, g4}, "batch*time*4*units"), "xw", "batch*time*4*units");
  args.Length(u, args.Product({units, g4}, "units*4*units"), "recurrentKernel", "units*4*units");
  const int64_t states = args.Product({batch, time, units}, "batch*time*units");
  args.Length(hs, states, "hs", "batch*time*units");
  args.Length(cs, states, "cs", "batch*time*units");
  args.Length(gates, xw.length, "gates", "batch*time*4*units");
  args.NoOverlap({Args::Name(hs, "hs"), Args::Name(cs, "cs"), Args::Name(gates, "gates")},
                 {Args::Name(xw, "xw"), Args::Name(u, "recurrentKernel")});
  tn::lstm_forward(xw.data, u.data, batch, time, units, reverse, hs.data, cs.data, gates.data);
  return info.Env().Undefined();
}

Napi::Value LstmBackward(const Napi::CallbackInfo& info) {
  Args args(info, "lstmBackward", 11);
  auto dhs = args.Floats(0, "dhs");
  auto u = args.Floats(1, "recurrentKernel");
  auto hs = args.Floats(2, "hs");
  auto cs = args.Floats(3, "cs");
  auto gates = args.Floats(4, "gates");
  const int64_t batch = args.Dim(5, "batch"), time = args.Dim(6, "time"), units = args.Dim(7, "units");
  const bool reverse = args.Bool(8, "reverse");
  auto dxw = args.Floats(9, "dxw");
  auto du = args.Floats(10, "dRecurrentKernel");
  const int64_t g4 = args.Product({units, 4}, "4*units");
  const int64_t states = args.Product({batch, time, units}, "batch*time*units");
  const int64_t wide = args.Product({batch, time, g4}, "batch*time*4*units");
  args.Length(dhs, states, "dhs", "batch*time*units");
  args.Length(u, args.Product({units, g4}, "units*4*units"), "recurrentKernel", "units*4*units");
  args.Length(hs, states, "hs", "batch*time*units");
  args.Length(cs, states, "cs", "batch*time*units");
  args.Length(gates, wide, "gates", "batch*time*4*units");
  args.Length(dxw, wide, "dxw", "batch*time*4*units");
  args.Length(du, u.length, "dRecurrentKernel", "units*4*units");
  args.NoOverlap({Args::Name(dxw, "dxw"), Args::Name(du, "dRecurrentKernel")},
                 {Args::Name(dhs, "dhs"), Args::Name(u, "recurrentKernel"), Args::Name(hs, "hs"), Args::Name(cs, "cs"),
                  Args::Name(gates, "gates")});
  tn::lstm_backward(dhs.data, u.data, hs.data, cs.data, gates.data, batch, time, units, reverse, dxw.data, du.data);
  return info.Env().Undefined();
}

Napi::Value GruForward(const Napi::CallbackInfo& info) {
  Args args(info, "gruForward", 9);
  auto xw = args.Floats(0, "xw");
  auto u = args.Floats(1, "recurrentKernel");
  auto b = args.FloatsOrNull(2, "recurrentBias");
  const int64_t batch = args.Dim(3, "batch"), time = args.Dim(4, "time"), units = args.Dim(5, "units");
  const bool reverse = args.Bool(6, "reverse");
  auto hs = args.Floats(7, "hs");
  auto gates = args.Floats(8, "gates");
  const int64_t g3 = args.Product({units, 3}, "3*units");
  args.Length(xw, args.Product({batch, time, g3}, "batch*time*3*units"), "xw", "batch*time*3*units");
  args.Length(u, args.Product({units, g3}, "units*3*units"), "recurrentKernel", "units*3*units");
  if (b.present) args.Length(b, g3, "recurrentBias", "3*units");
  args.Length(hs, args.Product({batch, time, units}, "batch*time*units"), "hs", "batch*time*units");
  args.Length(gates, args.Product({batch, time, units, 4}, "batch*time*4*units"), "gates", "batch*time*4*units");
  args.NoOverlap({Args::Name(hs, "hs"), Args::Name(gates, "gates")},
                 {Args::Name(xw, "xw"), Args::Name(u, "recurrentKernel"), Args::Name(b, "recurrentBias")});
  tn::gru_forward(xw.data, u.data, b.data, batch, time, units, reverse, hs.data, gates.data);
  return info.Env().Undefined();
}

Napi::Value GruBackward(const Napi::CallbackInfo& info) {
  Args args(info, "gruBackward", 11);
  auto dhs = args.Floats(0, "dhs");
  auto u = args.Floats(1, "recurrentKernel");
  auto hs = args.Floats(2, "hs");
  auto gates = args.Floats(3, "gates");
  const int64_t batch = args.Dim(4, "batch"), time = args.Dim(5, "time"), units = args.Dim(6, "units");
  const bool reverse = args.Bool(7, "reverse");
  auto dxw = args.Floats(8, "dxw");
  auto du = args.Floats(9, "dRecurrentKernel");
  auto db = args.FloatsOrNull(10, "dRecurrentBias");
  const int64_t g3 = args.Product({units, 3}, "3*units");
  const int64_t states = args.Product({batch, time, units}, "batch*time*units");
  args.Length(dhs, states, "dhs", "batch*time*units");
  args.Length(u, args.Product({units, g3}, "units*3*units"), "recurrentKernel", "units*3*units");
  args.Length(hs, states, "hs", "batch*time*units");
  args.Length(gates, args.Product({batch, time, units, 4}, "batch*time*4*units"), "gates", "batch*time*4*units");
  args.Length(dxw, args.Product({batch, time, g3}, "batch*time*3*units"), "dxw", "batch*time*3*units");
  args.Length(du, u.length, "dRecurrentKernel", "units*3*units");
  if (db.present) args.Length(db, g3, "dRecurrentBias", "3*units");
  args.NoOverlap({Args::Name(dxw, "dxw"), Args::Name(du, "dRecurrentKernel"), Args::Name(db, "dRecurrentBias")},
                 {Args::Name(dhs, "dhs"), Args::Name(u, "recurrentKernel"), Args::Name(hs, "hs"), Args::Name(gates, "gates")});
  tn::gru_backward(dhs.data, u.data, hs.data, gates.data, batch, time, units, reverse, dxw.data, du.data, db.data);
  return info.Env().Undefined();
}

// ---------------------------------------------------------------------------------------------------------------
// Indexing

// The index list of a row gather or scatter: every entry in [0, n).
void CheckIndices(const Args& args, const Args::Span<int32_t>& idx, int64_t n) {
  for (int64_t j = 0; j < idx.length; ++j)
    if (idx.data[j] < 0 || idx.data[j] >= n)
      args.FailRange("index " + std::to_string(idx.data[j]) + " at position " + std::to_string(j) +
                     " is out of range [0, " + std::to_string(n) + ")");
}

Napi::Value GatherRows(const Napi::CallbackInfo& info) {
  Args args(info, "gatherRows", 6);
  auto src = args.Words(0, "src");
  const int64_t outer = args.Dim(1, "outer"), n = args.Dim(2, "n"), inner = args.Dim(3, "inner");
  auto idx = args.Ints(4, "indices");
  auto dst = args.Words(5, "dst");
  args.Length(src, args.Product({outer, n, inner}, "outer*n*inner"), "src", "outer*n*inner");
  args.Length(dst, args.Product({outer, idx.length, inner}, "outer*indices*inner"), "dst", "outer*indices.length*inner");
  args.Disjoint(dst, "dst", src, "src");
  args.Disjoint(dst, "dst", idx, "indices");
  CheckIndices(args, idx, n);
  tn::gather_rows(src.data, outer, n, inner, idx.data, idx.length, dst.data);
  return info.Env().Undefined();
}

Napi::Value ScatterAddRows(const Napi::CallbackInfo& info) {
  Args args(info, "scatterAddRows", 6);
  auto dy = args.Floats(0, "dy");
  const int64_t outer = args.Dim(1, "outer"), n = args.Dim(2, "n"), inner = args.Dim(3, "inner");
  auto idx = args.Ints(4, "indices");
  auto g = args.Floats(5, "g");
  args.Length(dy, args.Product({outer, idx.length, inner}, "outer*indices*inner"), "dy", "outer*indices.length*inner");
  args.Length(g, args.Product({outer, n, inner}, "outer*n*inner"), "g", "outer*n*inner");
  args.Disjoint(g, "g", dy, "dy");
  args.Disjoint(g, "g", idx, "indices");
  CheckIndices(args, idx, n);
  tn::scatter_add_rows(dy.data, outer, n, inner, idx.data, idx.length, g.data);
  return info.Env().Undefined();
}

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

// ---------------------------------------------------------------------------------------------------------------

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  struct Entry {
    const char* name;
    Napi::Value (*fn)(const Napi::CallbackInfo&);
  };
  const Entry entries[] = {
      {"backendInfo", BackendInfo},
      {"setNumThreads", SetNumThreads},
      {"measurePeakGflops", MeasurePeakGflops},
      {"unary", Unary},
      {"unaryGrad", UnaryGrad},
      {"binary", Binary},
      {"transpose", Transpose},
      {"reduce", Reduce},
      {"argReduce", ArgReduce},
      {"softmax", Softmax},
      {"softmaxGrad", SoftmaxGrad},
      {"gemm", Gemm},
      {"conv2dForward", Conv2dForward},
      {"conv2dBackwardInput", Conv2dBackwardInput},
      {"conv2dBackwardFilter", Conv2dBackwardFilter},
      {"conv2dReluMaxPool", Conv2dReluMaxPool},
      {"conv2dReluMaxPoolTrain", Conv2dReluMaxPoolTrain},
      {"conv2dReluMaxPoolBackward", Conv2dReluMaxPoolBackward},
      {"conv2dPlan", Conv2dPlan},
      {"depthwiseConv2dForward", DepthwiseConv2dForward},
      {"depthwiseConv2dBackwardInput", DepthwiseConv2dBackwardInput},
      {"depthwiseConv2dBackwardFilter", DepthwiseConv2dBackwardFilter},
      {"maxPool2dForward", MaxPool2dForward},
      {"maxPool2dBackward", MaxPool2dBackward},
      {"avgPool2dForward", AvgPool2dForward},
      {"avgPool2dBackward", AvgPool2dBackward},
      {"sgdUpdate", SgdUpdate},
      {"adamUpdate", AdamUpdate},
      {"rmspropUpdate", RmspropUpdate},
      {"adagradUpdate", AdagradUpdate},
      {"batchNormStats", BatchNormStats},
      {"batchNormForward", BatchNormForward},
      {"batchNormBackward", BatchNormBackward},
      {"dropoutMask", DropoutMask},
      {"gatherRows", GatherRows},
      {"scatterAddRows", ScatterAddRows},
      {"lstmForward", LstmForward},
      {"lstmBackward", LstmBackward},
      {"gruForward", GruForward},
      {"gruBackward", GruBackward},
  };
  for (const Entry& e : entries) exports.Set(e.name, Napi::Function::New(env, e.fn, e.name));
  return exports;
}

}  // namespace

NODE_API_MODULE(tensornode, Init)
