// A worker thread that should yield its core to the rest of the process (the kernel threads of training, the threads
// that answer requests) lowers its own scheduling priority. On Linux each thread has its own nice value, which the
// threads it starts (libgomp's team of a worker that trains) inherit; elsewhere the call would renice the whole
// process, so it is Linux only.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';

/**
 * Raises this thread's nice value to `nice` (0-19: 19 runs only on time the other threads leave), as `nice` does for
 * a process; false where that is not possible (not Linux, or not permitted), and the thread then runs as it was.
 */
export function lowerThreadPriority(nice: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // /proc/thread-self names the calling thread: "<pid>/task/<tid>".
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (!Number.isInteger(tid) || tid <= 0) return false;
    setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
