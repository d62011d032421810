// The pooling kernels compiled for AVX2 (chosen at run time by pool.cc when the CPU has it).
#include <cstdint>

#include "pool.h"

#if defined(__x86_64__)
#pragma GCC push_options
#pragma GCC target("avx2,fma,bmi2,f16c")
#define TN_ISA_NS avx2
#include "pool_impl.h"
#undef TN_ISA_NS
#pragma GCC pop_options
#endif
