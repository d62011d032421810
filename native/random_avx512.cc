// The dropout mask compiled for avx512 (chosen at run time by random.cc when the CPU has it).
#include <cstdint>

#include "random.h"

#if defined(__x86_64__)
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma,bmi2,f16c")
#define TN_ISA_NS avx512
#include "random_impl.h"
#undef TN_ISA_NS
#pragma GCC pop_options
#endif
