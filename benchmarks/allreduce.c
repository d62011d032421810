/* The baseline of benchmarks/distributed.ts: Open MPI's own MPI_Allreduce (float32 sum, in place, MPI_COMM_WORLD),
 * timed with nothing around it. Built by the benchmark with mpicc into a temporary directory and run under the same
 * mpirun options as tensornode's side. Prints one JSON line per size from rank 0: the median seconds per call.
 *   usage: mpirun -np 2 ./allreduce <bytes> [<bytes> ...]
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int compare(const void* a, const void* b) {
  const double x = *(const double*)a, y = *(const double*)b;
  return x < y ? -1 : x > y;
}

/* The same rule as the JavaScript side: enough calls for about 0.2 s of work, at least 5 and at most 200. */
static int repetitions(long bytes) {
  long r = 200000000L / (bytes + 20000L);
  return r < 5 ? 5 : r > 200 ? 200 : (int)r;
}

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  for (int a = 1; a < argc; a++) {
    const long bytes = atol(argv[a]);
    const int n = (int)(bytes / 4);
    float* buf = malloc((size_t)n * sizeof(float));
    for (int i = 0; i < n; i++) buf[i] = 1.0f;
    const int reps = repetitions(bytes);
    double* times = malloc((size_t)reps * sizeof(double));
    MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD); /* warm-up: connections, buffers */
    for (int r = 0; r < reps; r++) {
      MPI_Barrier(MPI_COMM_WORLD);
      const double t0 = MPI_Wtime();
      MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
      times[r] = MPI_Wtime() - t0;
    }
    /* Every rank's median would differ a little; rank 0's is reported, as on the JavaScript side. */
    qsort(times, (size_t)reps, sizeof(double), compare);
    if (rank == 0) printf("{\"bytes\":%ld,\"seconds\":%.9g,\"reps\":%d}\n", bytes, times[reps / 2], reps);
    fflush(stdout);
    free(times);
    free(buf);
  }
  MPI_Finalize();
  return 0;
}
