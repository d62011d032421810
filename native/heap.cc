// Fresh pages are expensive on the virtual machines this runs on (about 16 us to fault in each 4 KiB page, against
// well under 1 us on bare metal), and glibc hands freed memory back to the system eagerly: blocks of 128 KiB or
// more are mapped on their own and unmapped when freed, and the top of the heap is trimmed once more than 128 KiB
// (or twice the largest such block seen) is free there. So every tensor that outlives a step (each predict's result,
// each eager op's output outside fit) came back as fresh pages: a predict whose output is one 115 KiB feature map
// took 403 us at batch 1, 143 us with freed memory kept (2 threads; GLIBC_TUNABLES set by hand, 2026-12-05).
// The cost is memory the process keeps after freeing it: at most the trim threshold at the top of each heap,
// besides what glibc keeps anyway in the middle of it.
#include "heap.h"

#include <cstdlib>
#include <cstring>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace tn {

void keep_freed_memory() {
#if defined(__GLIBC__)
  if (std::getenv("MALLOC_TRIM_THRESHOLD_") || std::getenv("MALLOC_MMAP_THRESHOLD_")) return;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables && std::strstr(tunables, "glibc.malloc.")) return;
  // Blocks up to 32 MiB (glibc's own ceiling for its adaptive threshold) come from the heap, and up to 64 MiB free at
  // its top stay mapped.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 64 << 20);
#endif
}

}  // namespace tn
