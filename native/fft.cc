// Real FFTs of any length. A power-of-two complex FFT (iterative radix-2, twiddles computed directly in double for
// accuracy) carries everything: an even real length N is one complex FFT of N/2 points plus a split step; any
// other complex length goes through Bluestein's chirp-z, a circular convolution done with power-of-two FFTs of at
// least 2m - 1 points. Arithmetic is in double, so float32 inputs see errors near float32 rounding at any length.
// Plans are built once per call and shared read-only by the threads, each of which owns its scratch.
#include "fft.h"

#include <cmath>
#include <memory>
#include <vector>

#include "parallel.h"

namespace tn {
namespace {

struct Complex {
  double re, im;
};

// Plain arithmetic (std::complex's operator* takes a slow path for NaN and infinity under GCC's defaults).
inline Complex Mul(Complex a, Complex b) { return {a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re}; }

inline bool IsPowerOfTwo(int64_t m) { return m > 0 && (m & (m - 1)) == 0; }

// exp(-2 pi i k / m), from the angle reduced to the first octant's neighbourhood so large k lose no accuracy.
inline Complex Twiddle(int64_t k, int64_t m) {
  const double a = -2.0 * M_PI * static_cast<double>(k % m) / static_cast<double>(m);
  return {std::cos(a), std::sin(a)};
}

// A forward complex DFT of m points, in place: X[k] = sum_t x[t] exp(-2 pi i k t / m).
class ComplexPlan {
 public:
  explicit ComplexPlan(int64_t m) : m_(m) {
    if (IsPowerOfTwo(m)) {
      twiddles_.resize(static_cast<size_t>(m / 2));
      for (int64_t k = 0; k < m / 2; ++k) twiddles_[k] = Twiddle(k, m);
      reversed_.resize(static_cast<size_t>(m));
      int bits = 0;
      while ((int64_t(1) << bits) < m) ++bits;
      for (int64_t i = 0; i < m; ++i) {
        int64_t r = 0;
        for (int b = 0; b < bits; ++b) r |= ((i >> b) & 1) << (bits - 1 - b);
        reversed_[i] = r;
      }
      return;
    }
    // Bluestein: X[k] = c[k] * sum_t (x[t] c[t]) conj(c[k - t]) with c[t] = exp(-pi i t^2 / m); t^2 is reduced
    // mod 2m in integers, so the chirp stays exact for large t.
    int64_t l = 1;
    while (l < 2 * m - 1) l <<= 1;
    inner_ = std::make_unique<ComplexPlan>(l);
    chirp_.resize(static_cast<size_t>(m));
    for (int64_t t = 0; t < m; ++t) {
      const int64_t sq = static_cast<int64_t>((static_cast<unsigned __int128>(t) * t) % (2 * m));
      const double a = -M_PI * static_cast<double>(sq) / static_cast<double>(m);
      chirp_[t] = {std::cos(a), std::sin(a)};
    }
    filter_.assign(static_cast<size_t>(l), {0, 0});
    for (int64_t t = 0; t < m; ++t) {
      const Complex conj = {chirp_[t].re, -chirp_[t].im};
      filter_[t] = conj;
      if (t > 0) filter_[l - t] = conj;
    }
    std::vector<Complex> none;
    inner_->Run(filter_.data(), none);
  }

  int64_t size() const { return m_; }
  // Scratch this plan needs per thread (complex values).
  int64_t scratch() const { return inner_ ? inner_->size() : 0; }

  void Run(Complex* a, std::vector<Complex>& scratch) const {
    if (m_ == 1) return;
    if (!inner_) {
      Radix2(a);
      return;
    }
    const int64_t l = inner_->size();
    scratch.resize(static_cast<size_t>(l));
    Complex* b = scratch.data();
    for (int64_t t = 0; t < m_; ++t) b[t] = Mul(a[t], chirp_[t]);
    for (int64_t t = m_; t < l; ++t) b[t] = {0, 0};
    inner_->Radix2(b);
    // Inverse FFT as conj(FFT(conj(.))), with the 1/l folded into the final product.
    for (int64_t k = 0; k < l; ++k) {
      const Complex p = Mul(b[k], filter_[k]);
      b[k] = {p.re, -p.im};
    }
    inner_->Radix2(b);
    const double scale = 1.0 / static_cast<double>(l);
    for (int64_t k = 0; k < m_; ++k) {
      const Complex conv = {b[k].re * scale, -b[k].im * scale};
      a[k] = Mul(conv, chirp_[k]);
    }
  }

 private:
  void Radix2(Complex* a) const {
    const int64_t m = m_;
    for (int64_t i = 0; i < m; ++i) {
      const int64_t r = reversed_[i];
      if (r > i) std::swap(a[i], a[r]);
    }
    for (int64_t len = 2; len <= m; len <<= 1) {
      const int64_t half = len / 2, step = m / len;
      for (int64_t i = 0; i < m; i += len) {
        for (int64_t j = 0; j < half; ++j) {
          const Complex u = a[i + j], v = Mul(a[i + j + half], twiddles_[j * step]);
          a[i + j] = {u.re + v.re, u.im + v.im};
          a[i + j + half] = {u.re - v.re, u.im - v.im};
        }
      }
    }
  }

  int64_t m_;
  std::vector<Complex> twiddles_;
  std::vector<int64_t> reversed_;
  std::unique_ptr<ComplexPlan> inner_;
  std::vector<Complex> chirp_, filter_;
};

// Work per row relative to a copy of one element, for parallel_for: about 5 N log2 N flops.
int64_t RowCost(int64_t fft_length) {
  int64_t log2 = 1;
  while ((int64_t(1) << log2) < fft_length) ++log2;
  return fft_length * log2 * 2;
}

}  // namespace

void rfft(const float* x, int64_t rows, int64_t n, int64_t fft_length, float* re, float* im) {
  const int64_t N = fft_length, bins = N / 2 + 1, used = n < N ? n : N;
  if (rows == 0) return;
  // Even N: the row as N/2 complex points z[t] = x[2t] + i x[2t + 1], one FFT, then the split
  // X[k] = (Z[k] + conj(Z[h - k])) / 2 - i/2 w^k (Z[k] - conj(Z[h - k])), w = exp(-2 pi i / N).
  const bool even = N % 2 == 0 && N >= 2;
  const int64_t m = even ? N / 2 : N;
  const ComplexPlan plan(m);
  std::vector<Complex> split;
  if (even) {
    split.resize(static_cast<size_t>(bins));
    for (int64_t k = 0; k < bins; ++k) split[k] = Twiddle(k, N);
  }
  parallel_for(rows, RowCost(N), [&](int64_t begin, int64_t end) {
    std::vector<Complex> a(static_cast<size_t>(m)), scratch;
    for (int64_t r = begin; r < end; ++r) {
      const float* xr = x + r * n;
      float* rr = re + r * bins;
      float* ir = im + r * bins;
      if (even) {
        for (int64_t t = 0; t < m; ++t) {
          const int64_t i0 = 2 * t, i1 = 2 * t + 1;
          a[t] = {i0 < used ? xr[i0] : 0.0, i1 < used ? xr[i1] : 0.0};
        }
        plan.Run(a.data(), scratch);
        for (int64_t k = 0; k < bins; ++k) {
          const Complex zk = a[k % m], zc = {a[(m - k) % m].re, -a[(m - k) % m].im};
          const Complex sum = {0.5 * (zk.re + zc.re), 0.5 * (zk.im + zc.im)};
          const Complex diff = {0.5 * (zk.re - zc.re), 0.5 * (zk.im - zc.im)};
          // -i * w^k * diff
          const Complex wd = Mul(split[k], diff);
          rr[k] = static_cast<float>(sum.re + wd.im);
          ir[k] = static_cast<float>(sum.im - wd.re);
        }
      } else {
        for (int64_t t = 0; t < m; ++t) a[t] = {t < used ? xr[t] : 0.0, 0.0};
        plan.Run(a.data(), scratch);
        for (int64_t k = 0; k < bins; ++k) {
          rr[k] = static_cast<float>(a[k].re);
          ir[k] = static_cast<float>(a[k].im);
        }
      }
    }
  });
}

void rfft_adjoint(const float* d_re, const float* d_im, int64_t rows, int64_t n, int64_t fft_length, float* dx) {
  const int64_t N = fft_length, bins = N / 2 + 1, used = n < N ? n : N;
  if (rows == 0) return;
  // dx[t] = Re(sum_k Z[k] exp(+2 pi i k t / N)) with Z = d_re + i d_im on bins [0, N/2] and 0 above
  //       = Re(FFT(conj(Z))[t]): one forward complex FFT of N points.
  const ComplexPlan plan(N);
  parallel_for(rows, RowCost(N), [&](int64_t begin, int64_t end) {
    std::vector<Complex> a(static_cast<size_t>(N)), scratch;
    for (int64_t r = begin; r < end; ++r) {
      for (int64_t k = 0; k < N; ++k) {
        a[k] = k < bins ? Complex{d_re ? d_re[r * bins + k] : 0.0, d_im ? -static_cast<double>(d_im[r * bins + k]) : 0.0}
                        : Complex{0.0, 0.0};
      }
      plan.Run(a.data(), scratch);
      float* out = dx + r * n;
      for (int64_t t = 0; t < used; ++t) out[t] = static_cast<float>(a[t].re);
      for (int64_t t = used; t < n; ++t) out[t] = 0.0f;
    }
  });
}

}  // namespace tn
