// Even splits of row-level work over OpenMP threads, with each thread's index so that it can own a slice of
// scratch memory or a partial sum. parallel.h's parallel_for rounds chunks up to 16 elements, which suits streams of
// floats but leaves a few dozen heavy rows (a convolution's output rows, a pooling band) badly unbalanced.
#pragma once
#include <cstdint>

#include "parallel.h"

namespace tn {

// Threads worth waking for `units` independent pieces that total `work`, when `grain` of work pays for one thread.
inline int team_size(int64_t units, int64_t work, int64_t grain) {
  int threads = max_threads();
  const int64_t want = work / (grain > 0 ? grain : 1);
  if (want < threads) threads = want > 1 ? static_cast<int>(want) : 1;
  if (units < threads) threads = units > 1 ? static_cast<int>(units) : 1;
  return threads;
}

// Runs f(thread, begin, end) over [0, units) in `threads` contiguous, nearly equal ranges (0 <= thread < threads).
template <typename F>
void run_team(int threads, int64_t units, F&& f) {
  if (threads <= 1 || units <= 1) {
    if (units > 0) f(0, int64_t(0), units);
    return;
  }
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
  {
    // The runtime may grant fewer threads than asked (nested regions, limits): split over those actually present.
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t b = units * t / nt, e = units * (t + 1) / nt;
    if (b < e) f(t, b, e);
  }
#else
  f(0, int64_t(0), units);
#endif
}

}  // namespace tn
