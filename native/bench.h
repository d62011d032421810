// Machine measurements for the benchmarks: not used by any kernel.
#pragma once

namespace tn {

// FP32 multiply-add throughput of this machine on the active ISA, in GFLOP/s (2 flops per lane per FMA), measured
// with independent FMA chains on `threads` OpenMP threads for about `seconds`. The best of many short slices is
// returned, so a burst of noise from other processes lowers the figure less than an average would.
double fma_peak_gflops(double seconds, int threads);

}  // namespace tn
