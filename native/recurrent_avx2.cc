// The fused LSTM and GRU inference loops compiled for AVX2 + FMA (chosen at run time by recurrent.cc when the CPU has it).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "recurrent_kernels.h"
#include "team.h"

#if defined(__x86_64__)
#include <immintrin.h>

#pragma GCC push_options
#pragma GCC target("avx2,fma,bmi2,f16c")
#define TN_ISA_NS avx2
#define TN_SIMD 256
#include "recurrent_impl.h"
#undef TN_SIMD
#undef TN_ISA_NS
#pragma GCC pop_options
#endif
