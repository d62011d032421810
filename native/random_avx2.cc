// The dropout mask compiled for avx2 (chosen at run time by random.cc when the CPU has it).
#include <cstdint>

#include "random.h"

#if defined(__x86_64__)
#pragma GCC push_options
#pragma GCC target("avx2,fma,bmi2,f16c")
#define TN_ISA_NS avx2
#include "random_impl.h"
#undef TN_ISA_NS
#pragma GCC pop_options
#endif
