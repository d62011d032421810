// Bindings of the row gather and its gradient, the scatter-add (native/indexing.h).
#include <napi.h>

#include <cstdint>
#include <string>

#include "binding/args.h"
#include "binding/register.h"
#include "indexing.h"

namespace tn::binding {
namespace {

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

}  // namespace

void RegisterIndexing(Napi::Env env, Napi::Object exports) {
  Export(env, exports, {
      {"gatherRows", GatherRows},
      {"scatterAddRows", ScatterAddRows},
  });
}

}  // namespace tn::binding
