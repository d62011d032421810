// Real discrete Fourier transforms over the rows of a [rows, n] array (tn.signal.rfft and stft) and their adjoint.
#pragma once
#include <cstdint>

namespace tn {

// The largest fft_length accepted: plans hold a few arrays of this many complex doubles.
constexpr int64_t kMaxFftLength = int64_t(1) << 26;

// re/im[r, k] = sum_t x[r, t] exp(-2 pi i k t / fft_length) for k in [0, fft_length / 2], each row cropped or
// zero-padded to fft_length samples (numpy's rfft(x, n=fft_length)). Unnormalized, computed in double.
void rfft(const float* x, int64_t rows, int64_t n, int64_t fft_length, float* re, float* im);

// The adjoint of rfft: dx[r, t] = sum_k d_re[r, k] cos(2 pi k t / N) - d_im[r, k] sin(2 pi k t / N) for t < N, and 0
// for t >= N (the cropped samples). d_re or d_im may be null (zero).
void rfft_adjoint(const float* d_re, const float* d_im, int64_t rows, int64_t n, int64_t fft_length, float* dx);

}  // namespace tn
