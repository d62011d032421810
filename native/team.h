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

// Runs f(slot, begin, end) for every slot in [0, threads), over [0, units) in contiguous, nearly equal ranges.
template <typename F>
void run_team(int threads, int64_t units, F&& f) {
  if (threads <= 1 || units <= 1) {
    if (units > 0) f(0, int64_t(0), units);
    return;
  }
#ifdef _OPENMP
#pragma omp parallel num_threads(threads)
  {
    // The runtime may grant fewer threads than asked (nested regions, limits). Every slot 0..threads-1 still runs,
    // on whichever thread is present, because callers own per-slot scratch and partial sums that they reduce over
    // all `threads` slots afterwards.
    const int nt = omp_get_num_threads();
    for (int t = omp_get_thread_num(); t < threads; t += nt) {
      const int64_t b = units * t / threads, e = units * (t + 1) / threads;
      f(t, b, e);
    }
  }
#else
  f(0, int64_t(0), units);
#endif
}

}  // namespace tn
