// Scalar math written so that GCC vectorises loops that call it: no libm calls, no data-dependent branches,
// bit manipulation through memcpy. Included (after all system headers) into each per-ISA translation unit inside
// its target pragma, in a namespace of that ISA, so every path gets its own compiled copy (no ODR sharing).
// Accuracy: a few ulp over the float range, well inside the 1e-4 relative tolerance of the reference values.
// Expects <cstdint> and <cstring> to be included already.

namespace vm {

static inline float bits_to_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
static inline uint32_t float_to_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
}

// exp by range reduction x = n ln2 + r, |r| <= ln2/2, and a degree-6 polynomial (Cephes expf coefficients).
static inline float exp(float x) {
  const float hi = 88.72283905206835f, lo = -103.97207708f;
  float xc = x > hi ? hi : x;
  xc = xc < lo ? lo : xc;
  // Adding and subtracting 1.5 * 2^23 rounds to the nearest integer in any vector unit (no roundps needed).
  const float n = (xc * 1.44269504088896341f + 12582912.0f) - 12582912.0f;
  float r = xc - n * 0.693359375f;
  r = r + n * 2.12194440e-4f;
  float p = 1.9875691500E-4f;
  p = p * r + 1.3981999507E-3f;
  p = p * r + 8.3334519073E-3f;
  p = p * r + 4.1665795894E-2f;
  p = p * r + 1.6666665459E-1f;
  p = p * r + 5.0000001201E-1f;
  p = p * r * r + r + 1.0f;
  // 2^n split in two factors so that n down to -150 (subnormal results) and up to 128 stay representable.
  const int32_t ni = static_cast<int32_t>(n);
  const int32_t n1 = ni >> 1, n2 = ni - n1;
  const float s1 = bits_to_float(static_cast<uint32_t>(n1 + 127) << 23);
  const float s2 = bits_to_float(static_cast<uint32_t>(n2 + 127) << 23);
  float y = p * s1 * s2;
  y = x > hi ? __builtin_inff() : y;
  y = x < lo ? 0.0f : y;
  return x != x ? x : y;
}

// log by x = m 2^e with m in [sqrt(1/2), sqrt(2)) and a degree-9 polynomial in m-1 (Cephes logf).
static inline float log(float x) {
  const bool subnormal = x < 1.17549435e-38f;
  const float xs = subnormal ? x * 8388608.0f : x;  // 2^23 brings subnormals into the normal range
  uint32_t u = float_to_bits(xs);
  int32_t e = static_cast<int32_t>((u >> 23) & 0xff) - 126;
  float m = bits_to_float((u & 0x007fffffu) | 0x3f000000u);  // [0.5, 1)
  const bool small = m < 0.707106781186547524f;
  e = small ? e - 1 : e;
  m = small ? m + m - 1.0f : m - 1.0f;
  const float z = m * m;
  float p = 7.0376836292E-2f;
  p = p * m - 1.1514610310E-1f;
  p = p * m + 1.1676998740E-1f;
  p = p * m - 1.2420140846E-1f;
  p = p * m + 1.4249322787E-1f;
  p = p * m - 1.6668057665E-1f;
  p = p * m + 2.0000714765E-1f;
  p = p * m - 2.4999993993E-1f;
  p = p * m + 3.3333331174E-1f;
  const float fe = static_cast<float>(subnormal ? e - 23 : e);
  float y = p * m * z;
  y += -2.12194440e-4f * fe;
  y += -0.5f * z;
  y = m + y + 0.693359375f * fe;
  y = x == 0.0f ? -__builtin_inff() : y;
  y = x < 0.0f ? __builtin_nanf("") : y;
  y = x == __builtin_inff() ? x : y;
  return x != x ? x : y;
}

// expm1 without the cancellation of exp(x) - 1 near zero: Taylor series for |x| < 0.5.
static inline float expm1(float x) {
  float p = 1.0f / 40320.0f;
  p = p * x + 1.0f / 5040.0f;
  p = p * x + 1.0f / 720.0f;
  p = p * x + 1.0f / 120.0f;
  p = p * x + 1.0f / 24.0f;
  p = p * x + 1.0f / 6.0f;
  p = p * x + 0.5f;
  p = p * x * x + x;
  const float big = exp(x) - 1.0f;
  return (x < 0.5f && x > -0.5f) ? p : big;
}

// log1p(u) = log(w) - ((w - 1) - u) / w with w = 1 + u: the correction restores the bits lost in forming w.
static inline float log1p(float u) {
  const float w = 1.0f + u;
  const float c = (w - 1.0f) - u;
  const float y = log(w) - c / w;
  return w == 1.0f ? u : y;
}

static inline float sigmoid(float x) { return 1.0f / (1.0f + exp(-x)); }

// tanh: Cephes polynomial below 0.625, else 1 - 2 / (exp(2|x|) + 1).
static inline float tanh(float x) {
  const float a = x < 0.0f ? -x : x;
  const float z = x * x;
  float p = -5.70498872745E-3f;
  p = p * z + 2.06390887954E-2f;
  p = p * z - 5.37397155531E-2f;
  p = p * z + 1.33314422036E-1f;
  p = p * z - 3.33332819422E-1f;
  const float small = p * z * x + x;
  float big = 1.0f - 2.0f / (exp(a + a) + 1.0f);
  big = x < 0.0f ? -big : big;
  return a < 0.625f ? small : big;
}

// log(1 + exp(x)), stable for any x.
static inline float softplus(float x) {
  const float a = x < 0.0f ? -x : x;
  const float m = x > 0.0f ? x : 0.0f;
  return m + log1p(exp(-a));
}

// erfc(z) for z >= 0 with relative error below 1.2e-7 (Chebyshev fit, Numerical Recipes erfcc).
static inline float erfc_pos(float z) {
  const float t = 1.0f / (1.0f + 0.5f * z);
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  return t * exp(p - z * z);
}

// Standard normal CDF, accurate in both tails (the left tail is computed directly, not as 1 - something).
static inline float normal_cdf(float x) {
  const float z = (x < 0.0f ? -x : x) * 0.70710678118654752f;
  const float c = 0.5f * erfc_pos(z);
  return x < 0.0f ? c : 1.0f - c;
}

static inline float normal_pdf(float x) { return 0.39894228040143268f * exp(-0.5f * x * x); }

}  // namespace vm
