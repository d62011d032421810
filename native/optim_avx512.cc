// The optimizer updates compiled for avx512 (chosen at run time by optim.cc when the CPU has it), in 256-bit vectors:
// Adam over the reference CNN's 692k parameters took 109 us per call on 2 threads with ymm against 165 with zmm
// (zmm: 184 us on 1 thread, so its square roots and divisions did not scale to the second core here; ymm: 207).
#include <cstdint>

#include "optim.h"

#if defined(__x86_64__)
#pragma GCC push_options
#pragma GCC target("avx512f,avx512dq,avx512bw,avx512vl,avx2,fma,bmi2,f16c,prefer-vector-width=256")
#define TN_ISA_NS avx512
#include "optim_impl.h"
#undef TN_ISA_NS
#pragma GCC pop_options
#endif
