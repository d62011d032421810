// The argument checks every binding shares. An entry point builds one Args, reads each JavaScript argument into a
// plain C++ value (typed arrays as spans, numbers range-checked), checks lengths against shapes and that outputs
// do not overlap inputs, and only then calls a kernel: lib/ validates first with domain messages, this layer makes
// sure a wrong call can only ever throw a TypeError or RangeError naming the binding.
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <vector>

namespace tn::binding {

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
  Span<int8_t> SignedBytes(size_t i, const char* name) const { return Typed<int8_t>(i, name, napi_int8_array, "Int8Array"); }
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

  // A short array of integers (shapes, strides, permutations, geometry). Read lists before typed arrays: reading
  // a list's elements can run getters, which could detach a typed array taken earlier.
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

}  // namespace tn::binding
