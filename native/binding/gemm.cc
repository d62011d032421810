// Binding of the batched GEMM with its fused epilogue (native/gemm/gemm.h).
#include <napi.h>

#include <cstdint>
#include <string>

#include "binding/args.h"
#include "binding/register.h"
#include "elementwise.h"
#include "gemm/gemm.h"
#include "gemm/gemm_bf16.h"

namespace tn::binding {
namespace {

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

// One product with bfloat16 operands and float32 sums (native/gemm/gemm_bf16.h): gemm's arguments without the
// batch and offsets.
Napi::Value GemmBf16(const Napi::CallbackInfo& info) {
  Args args(info, "gemmBf16", 15);
  const bool ta = args.Bool(0, "transposeA"), tb = args.Bool(1, "transposeB");
  const int64_t m = args.Dim(2, "m"), n = args.Dim(3, "n"), k = args.Dim(4, "k");
  auto a = args.Floats(5, "a");
  const int64_t lda = args.Int(6, "lda", 1, kMaxElements);
  auto b = args.Floats(7, "b");
  const int64_t ldb = args.Int(8, "ldb", 1, kMaxElements);
  const float beta = args.FiniteFloat(9, "beta");
  auto c = args.Floats(10, "c");
  const int64_t ldc = args.Int(11, "ldc", 1, kMaxElements);
  auto bias = args.FloatsOrNull(12, "bias");
  const UnaryOp act = args.Enum(13, "activation", UnaryOp::count);
  const float alpha = args.Float(14, "alpha");
  if (m == 0 || n == 0) return info.Env().Undefined();
  args.AtLeast(a, k ? MatrixExtent(args, ta ? k : m, ta ? m : k, lda, "a") : 0, "a", "m, k and lda");
  args.AtLeast(b, k ? MatrixExtent(args, tb ? n : k, tb ? k : n, ldb, "b") : 0, "b", "k, n and ldb");
  args.AtLeast(c, MatrixExtent(args, m, n, ldc, "c"), "c", "m, n and ldc");
  if (bias.present) args.Length(bias, n, "bias", "n");
  args.Disjoint(c, "c", a, "a");
  args.Disjoint(c, "c", b, "b");
  args.Disjoint(c, "c", bias, "bias");
  tn::GemmEpilogue ep;
  ep.bias = bias.data;
  ep.activation = act;
  ep.alpha = alpha;
  tn::bgemm(ta, tb, m, n, k, a.data, lda, b.data, ldb, beta, c.data, ldc, ep);
  return info.Env().Undefined();
}

}  // namespace

void RegisterGemm(Napi::Env env, Napi::Object exports) {
  Export(env, exports, {
      {"gemm", Gemm},
      {"gemmBf16", GemmBf16},
  });
}

}  // namespace tn::binding
