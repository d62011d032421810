// Bindings of the real FFT and its adjoint (native/fft.h).
#include <napi.h>

#include <cstdint>

#include "binding/args.h"
#include "binding/register.h"
#include "fft.h"

namespace tn::binding {
namespace {

Napi::Value Rfft(const Napi::CallbackInfo& info) {
  Args args(info, "rfft", 6);
  auto x = args.Floats(0, "x");
  const int64_t rows = args.Dim(1, "rows"), n = args.Dim(2, "n");
  const int64_t fft_length = args.Int(3, "fftLength", 1, tn::kMaxFftLength);
  auto re = args.Floats(4, "re");
  auto im = args.Floats(5, "im");
  const int64_t bins = fft_length / 2 + 1;
  args.Length(x, args.Product({rows, n}, "rows*n"), "x", "rows*n");
  const int64_t out = args.Product({rows, bins}, "rows*(fftLength/2+1)");
  args.Length(re, out, "re", "rows*(fftLength/2+1)");
  args.Length(im, out, "im", "rows*(fftLength/2+1)");
  args.NoOverlap({Args::Name(re, "re"), Args::Name(im, "im")}, {Args::Name(x, "x")});
  tn::rfft(x.data, rows, n, fft_length, re.data, im.data);
  return info.Env().Undefined();
}

Napi::Value RfftAdjoint(const Napi::CallbackInfo& info) {
  Args args(info, "rfftAdjoint", 6);
  auto d_re = args.FloatsOrNull(0, "dRe");
  auto d_im = args.FloatsOrNull(1, "dIm");
  const int64_t rows = args.Dim(2, "rows"), n = args.Dim(3, "n");
  const int64_t fft_length = args.Int(4, "fftLength", 1, tn::kMaxFftLength);
  auto dx = args.Floats(5, "dx");
  const int64_t bins = fft_length / 2 + 1;
  const int64_t in = args.Product({rows, bins}, "rows*(fftLength/2+1)");
  if (d_re.present) args.Length(d_re, in, "dRe", "rows*(fftLength/2+1)");
  if (d_im.present) args.Length(d_im, in, "dIm", "rows*(fftLength/2+1)");
  args.Length(dx, args.Product({rows, n}, "rows*n"), "dx", "rows*n");
  args.NoOverlap({Args::Name(dx, "dx")}, {Args::Name(d_re, "dRe"), Args::Name(d_im, "dIm")});
  tn::rfft_adjoint(d_re.present ? d_re.data : nullptr, d_im.present ? d_im.data : nullptr, rows, n, fft_length, dx.data);
  return info.Env().Undefined();
}

}  // namespace

void RegisterFft(Napi::Env env, Napi::Object exports) {
  Export(env, exports, {
      {"rfft", Rfft},
      {"rfftAdjoint", RfftAdjoint},
  });
}

}  // namespace tn::binding
