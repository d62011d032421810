// How the process's allocator treats freed memory (glibc only; a no-op elsewhere).
#pragma once

namespace tn {

// Keeps freed blocks mapped for reuse instead of handing them back to the system (see heap.cc). Leaves the
// allocator as it is when the user tuned it (MALLOC_TRIM_THRESHOLD_, MALLOC_MMAP_THRESHOLD_, or a glibc.malloc
// tunable). Idempotent: every thread that loads the addon calls it.
void keep_freed_memory();

}  // namespace tn
