// PyTorch beside tensornode: a long-lived Python child speaking one line of JSON per request and reply, started
// at PyTorch's best settings on this kind of machine (2 OpenMP threads with OpenBLAS single-threaded under them,
// else the two pools fight; tcmalloc preloaded; OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset so OpenBLAS picks its
// AVX-512 kernels). The script must print {"ready": true, "version", "threads", "mkldnn"} (or {"ready": false,
// "error"}) first.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';

/** The start every script shares: import torch (or say it is missing), 2 threads, the hello line. */
export const torchPrelude = String.raw`
import json, sys, time
try:
    import torch
    import torch.nn as nn
except Exception as e:
    print(json.dumps({"ready": False, "error": str(e)}), flush=True)
    sys.exit(0)
import ctypes, os
def _openblas():
    # torch links libblas.so.3, which Debian's alternatives point at OpenBLAS when it is installed and at the
    # reference BLAS (a few GFLOP/s) otherwise.
    for name in ("libopenblas.so.0", "libblas.so.3"):
        try:
            ctypes.CDLL(name, mode=os.RTLD_NOLOAD | os.RTLD_GLOBAL).openblas_get_corename
            return True
        except (OSError, AttributeError):
            continue
    return False
if not _openblas():
    print(json.dumps({"ready": False, "error": "its BLAS is the reference implementation (libblas3), whose products run at a few GFLOP/s: a comparison would say nothing; install OpenBLAS (apt-get install libopenblas0-pthread)"}), flush=True)
    sys.exit(0)
def _tcmalloc():
    # LD_PRELOAD of a missing library is only a warning from ld.so: check that it is mapped. Without it, glibc maps
    # each tensor over 32 MiB afresh (a batch of 256 CIFAR activations is 33.5 MB), and PyTorch's batch-256 inference
    # ran 4x slower on this virtual machine, where every fresh page costs about 16 us.
    with open("/proc/self/maps") as maps:
        return "tcmalloc" in maps.read()
if not _tcmalloc():
    print(json.dumps({"ready": False, "error": "tcmalloc is not loaded (LD_PRELOAD=libtcmalloc_minimal.so.4 found nothing): install it (apt-get install libtcmalloc-minimal4), PyTorch's usual allocator on Linux servers"}), flush=True)
    sys.exit(0)
torch.set_num_threads(2)
print(json.dumps({"ready": True, "version": torch.__version__, "threads": torch.get_num_threads(),
                  "mkldnn": torch.backends.mkldnn.is_available()}), flush=True)
`;

export class Torch {
  private readonly lines: AsyncIterator<string>;
  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  }

  /** The running child, or null with the reason (python or torch missing) in `info`. */
  static async start(script: string, describe = ''): Promise<{ torch: Torch | null; info: string }> {
    const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: '2', OPENBLAS_NUM_THREADS: '1', LD_PRELOAD: 'libtcmalloc_minimal.so.4' };
    delete env.OPENBLAS_CORETYPE;
    delete env.OPENBLAS_L2_SIZE;
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn('/usr/bin/python3', ['-c', script], { env });
    } catch (err) {
      return { torch: null, info: `PyTorch not run: ${String(err)}` };
    }
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const spawned = await new Promise<boolean>((res) => {
      child.once('spawn', () => res(true));
      child.once('error', () => res(false));
    });
    if (!spawned) return { torch: null, info: 'PyTorch not run: /usr/bin/python3 is missing' };
    const t = new Torch(child);
    const first = await t.lines.next();
    if (first.done) return { torch: null, info: `PyTorch not run: python exited (${stderr.trim().split('\n').pop() ?? ''})` };
    const hello = JSON.parse(first.value) as { ready: boolean; error?: string; version?: string; threads?: number; mkldnn?: boolean };
    if (!hello.ready) {
      child.kill();
      return { torch: null, info: `PyTorch not run: ${hello.error ?? ''}; ours only` };
    }
    return { torch: t, info: `PyTorch ${hello.version} (${hello.threads} threads, mkldnn ${hello.mkldnn ? 'on' : 'off'}${describe}, tcmalloc)` };
  }

  async request(req: object): Promise<Record<string, unknown>> {
    this.child.stdin.write(`${JSON.stringify(req)}\n`);
    const r = await this.lines.next();
    if (r.done) throw new Error('the PyTorch process exited');
    return JSON.parse(r.value) as Record<string, unknown>;
  }

  stop(): void {
    this.child.stdin.end();
  }
}
