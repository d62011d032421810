// The few vector operations the convolution kernels need, for one ISA. Included by conv_impl.h inside that ISA's
// namespace and target pragma, after every system header. TN_SIMD picks the flavour:
//   512: AVX-512 (32 registers of 16 floats), 256: AVX2 + FMA (16 registers of 8 floats),
//   0:   GCC vector extension of 4 floats, which compiles to SSE2 on x86-64 and NEON on arm64.
// Explicit intrinsics rather than auto-vectorised loops: the kernels' register tiles are the whole point, and only
// intrinsics make the compiler keep a tile of accumulators in registers and emit FMA (the build uses -std=c++17,
// whose ISO mode turns off floating-point contraction).

#if TN_SIMD == 512

struct Vec {
  using R = __m512;
  using Mask = __mmask16;
  static constexpr int width = 16;
  static constexpr int accumulators = 24;  // of 32 registers; the rest hold one row of weights or upstream values
  static Mask mask(int64_t n) { return n >= 16 ? Mask(0xffff) : Mask((1u << (n > 0 ? n : 0)) - 1); }
  static R zero() { return _mm512_setzero_ps(); }
  static R set1(float v) { return _mm512_set1_ps(v); }
  static R load(const float* p) { return _mm512_loadu_ps(p); }
  static R load(const float* p, Mask m) { return _mm512_maskz_loadu_ps(m, p); }
  static void store(float* p, R v) { _mm512_storeu_ps(p, v); }
  static void store(float* p, R v, Mask m) { _mm512_mask_storeu_ps(p, m, v); }
  static R fma(R a, R b, R c) { return _mm512_fmadd_ps(a, b, c); }
  static R add(R a, R b) { return _mm512_add_ps(a, b); }
  // By folding within the register, through maskz forms for the reason given at relu.
  static float sum(R v) {
    const Mask all(0xffff);
    v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(all, v, v, 0x4e));  // swap 256-bit halves
    v = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(all, v, v, 0xb1));  // swap 128-bit quarters
    v = _mm512_add_ps(v, _mm512_maskz_permute_ps(all, v, 0x4e));
    v = _mm512_add_ps(v, _mm512_maskz_permute_ps(all, v, 0xb1));
    return _mm512_cvtss_f32(v);
  }
  // maxps returns its second operand when either is NaN, so max(0, v) keeps a NaN v (as tn::unary's relu does).
  // The maskz forms with a full mask are the same instructions; GCC 12's plain forms pass _mm512_undefined_ps()
  // and trip -Wmaybe-uninitialized on its own header.
  static R relu(R v) { return _mm512_maskz_max_ps(Mask(0xffff), zero(), v); }
  static R relu6(R v) { return _mm512_maskz_min_ps(Mask(0xffff), set1(6.0f), relu(v)); }
  static R leaky_relu(R v, float alpha) {
    return _mm512_mask_mul_ps(v, _mm512_cmp_ps_mask(v, zero(), _CMP_LT_OQ), v, set1(alpha));
  }
  static R mul(R a, R b) { return _mm512_mul_ps(a, b); }

  // Per-lane conditions and selects (max pooling's running maximum and argmax, and its gradient's routing).
  using Lanes = __mmask16;
  static Lanes greater(R a, R b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static Lanes equal(R a, R b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  // Where v replaces the running maximum m: v greater, or v NaN while m is not (the first NaN wins). !(v <= m) is
  // both of those, and also true where m is NaN, which the ordered test of m takes out.
  static Lanes takes_max(R v, R m) {
    return _mm512_mask_cmp_ps_mask(_mm512_cmp_ps_mask(v, m, _CMP_NLE_UQ), m, m, _CMP_ORD_Q);
  }
  static R select(Lanes k, R a, R b) { return _mm512_mask_blend_ps(k, b, a); }
  // n (at most width) bytes as the first lanes, the others 0; and back, for lanes holding integers in [0, 255].
  static R load_bytes(const uint8_t* p, int64_t n) {
    const __m128i b = _mm_maskz_loadu_epi8(static_cast<__mmask16>(mask(n)), p);
    return _mm512_maskz_cvtepi32_ps(Mask(0xffff), _mm512_maskz_cvtepu8_epi32(Mask(0xffff), b));
  }
  static void store_bytes(uint8_t* p, R v, int64_t n) {
    _mm512_mask_cvtepi32_storeu_epi8(p, mask(n), _mm512_maskz_cvttps_epi32(Mask(0xffff), v));
  }
};

#elif TN_SIMD == 256

struct Vec {
  using R = __m256;
  using Mask = __m256i;
  static constexpr int width = 8;
  static constexpr int accumulators = 12;  // of 16 registers
  static Mask mask(int64_t n) {
    const int k = n >= 8 ? 8 : (n > 0 ? static_cast<int>(n) : 0);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static R zero() { return _mm256_setzero_ps(); }
  static R set1(float v) { return _mm256_set1_ps(v); }
  static R load(const float* p) { return _mm256_loadu_ps(p); }
  static R load(const float* p, Mask m) { return _mm256_maskload_ps(p, m); }
  static void store(float* p, R v) { _mm256_storeu_ps(p, v); }
  static void store(float* p, R v, Mask m) { _mm256_maskstore_ps(p, m, v); }
  static R fma(R a, R b, R c) { return _mm256_fmadd_ps(a, b, c); }
  static R add(R a, R b) { return _mm256_add_ps(a, b); }
  static float sum(R v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
  }
  static R relu(R v) { return _mm256_max_ps(zero(), v); }
  static R relu6(R v) { return _mm256_min_ps(set1(6.0f), relu(v)); }
  static R leaky_relu(R v, float alpha) {
    return _mm256_blendv_ps(v, _mm256_mul_ps(v, set1(alpha)), _mm256_cmp_ps(v, zero(), _CMP_LT_OQ));
  }
  static R mul(R a, R b) { return _mm256_mul_ps(a, b); }

  using Lanes = __m256;
  static Lanes greater(R a, R b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  static Lanes equal(R a, R b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
  static Lanes takes_max(R v, R m) {
    return _mm256_and_ps(_mm256_cmp_ps(v, m, _CMP_NLE_UQ), _mm256_cmp_ps(m, m, _CMP_ORD_Q));
  }
  static R select(Lanes k, R a, R b) { return _mm256_blendv_ps(b, a, k); }
  // Through a 64-bit integer: AVX2 has no masked byte loads or stores, and the bytes must not leave [p, p + n).
  static R load_bytes(const uint8_t* p, int64_t n) {
    uint64_t bytes = 0;
    std::memcpy(&bytes, p, static_cast<size_t>(n >= 8 ? 8 : n));
    return _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<int64_t>(bytes))));
  }
  static void store_bytes(uint8_t* p, R v, int64_t n) {
    const __m256i i = _mm256_cvttps_epi32(v);
    const __m128i w = _mm_packus_epi32(_mm256_castsi256_si128(i), _mm256_extracti128_si256(i, 1));
    const uint64_t bytes = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_packus_epi16(w, w)));
    std::memcpy(p, &bytes, static_cast<size_t>(n >= 8 ? 8 : n));
  }
};

#else

struct Vec {
  typedef float R __attribute__((vector_size(16)));
  typedef int32_t I __attribute__((vector_size(16)));
  using Mask = int64_t;  // number of valid lanes
  static constexpr int width = 4;
  static constexpr int accumulators = 12;
  static Mask mask(int64_t n) { return n; }
  static R zero() { return R{0.0f, 0.0f, 0.0f, 0.0f}; }
  static R set1(float v) { return R{v, v, v, v}; }
  static R load(const float* p) {
    R r;
    std::memcpy(&r, p, sizeof(r));
    return r;
  }
  static R load(const float* p, Mask n) {
    if (n >= 4) return load(p);
    R r = zero();
    for (int64_t i = 0; i < n; ++i) r[i] = p[i];
    return r;
  }
  static void store(float* p, R v) { std::memcpy(p, &v, sizeof(v)); }
  static void store(float* p, R v, Mask n) {
    if (n >= 4) return store(p, v);
    for (int64_t i = 0; i < n; ++i) p[i] = v[i];
  }
  static R fma(R a, R b, R c) { return a * b + c; }
  static R add(R a, R b) { return a + b; }
  static float sum(R v) { return (v[0] + v[1]) + (v[2] + v[3]); }
  static R relu(R v) { return (v > zero()) | (v != v) ? v : zero(); }
  static R relu6(R v) {
    const R six = set1(6.0f);
    return v != v ? v : (v < zero() ? zero() : (v > six ? six : v));
  }
  static R leaky_relu(R v, float alpha) { return v < zero() ? v * set1(alpha) : v; }
  static R mul(R a, R b) { return a * b; }

  using Lanes = I;
  static Lanes greater(R a, R b) { return a > b; }
  static Lanes equal(R a, R b) { return a == b; }
  static Lanes takes_max(R v, R m) { return (m == m) & ((v > m) | (v != v)); }
  static R select(Lanes k, R a, R b) { return k ? a : b; }
  static R load_bytes(const uint8_t* p, int64_t n) {
    R r = zero();
    for (int64_t i = 0; i < n && i < 4; ++i) r[i] = p[i];
    return r;
  }
  static void store_bytes(uint8_t* p, R v, int64_t n) {
    for (int64_t i = 0; i < n && i < 4; ++i) p[i] = static_cast<uint8_t>(v[i]);
  }
};

#endif
