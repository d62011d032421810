// Threading helpers shared by the kernels. OpenMP's own pool does the work; these only decide how to split it.
#pragma once
#include <cstdint>

#ifdef _OPENMP
#include <omp.h>
#endif

namespace tn {

// Below this many elements of streaming work, waking a second thread costs more than it saves.
constexpr int64_t kParallelGrain = 1 << 15;

inline int max_threads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

// Runs f(begin, end) over [0, n) in contiguous chunks, on several threads only when the work is big enough.
// `cost` is the work per element relative to a plain copy (a transcendental function is worth several).
template <typename F>
void parallel_for(int64_t n, int64_t cost, F&& f) {
  const int64_t work = n * (cost < 1 ? 1 : cost);
  int threads = max_threads();
  if (threads > 1 && work >= 2 * kParallelGrain) {
    const int64_t want = work / kParallelGrain;
    if (want < threads) threads = static_cast<int>(want);
  } else {
    threads = 1;
  }
  if (threads <= 1) {
    f(int64_t(0), n);
    return;
  }
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    // Chunks aligned to 16 floats so that threads never share a cache line of output.
    const int64_t chunk = ((n + nt - 1) / nt + 15) / 16 * 16;
    const int64_t b = t * chunk, e = b + chunk < n ? b + chunk : n;
    if (b < e) f(b, e);
  }
#else
  f(int64_t(0), n);
#endif
}

}  // namespace tn
