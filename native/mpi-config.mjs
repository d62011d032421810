// binding.gyp's MPI probe: `node native/mpi-config.mjs found|cflags|libs`. Prints "true"/"false" or the compiler and
// linker flags of the system's MPI (Open MPI's `mpicc --showme:*`, MPICH's `mpicc -show`), and never fails: without
// MPI the addon's MPI target is left out and `npm install` builds the main addon as before. TENSORNODE_MPI=0 skips
// the probe; MPICC names another wrapper compiler.
import { execFileSync } from 'node:child_process';

const run = (cmd, args) => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 }).trim();
  } catch {
    return null;
  }
};

function probe() {
  if (process.env.TENSORNODE_MPI === '0' || process.platform === 'win32') return null;
  const mpicc = process.env.MPICC || 'mpicc';
  const ompiCflags = run(mpicc, ['--showme:compile']);
  const ompiLibs = run(mpicc, ['--showme:link']);
  if (ompiCflags !== null && ompiLibs !== null) return { cflags: ompiCflags, libs: ompiLibs };
  // MPICH and Intel MPI: `mpicc -show` prints the whole compiler command line.
  const show = run(mpicc, ['-show']);
  if (show) {
    const words = show.split(/\s+/).slice(1);
    return {
      cflags: words.filter((w) => w.startsWith('-I')).join(' '),
      libs: words.filter((w) => w.startsWith('-L') || w.startsWith('-l') || w.startsWith('-Wl,')).join(' '),
    };
  }
  return null;
}

const what = process.argv[2];
const mpi = probe();
// An MPI outside the loader's default paths (a module-loaded cluster MPI) is found at run time through an rpath.
if (mpi) mpi.libs = [mpi.libs, ...mpi.libs.split(/\s+/).filter((w) => w.startsWith('-L')).map((w) => `-Wl,-rpath,${w.slice(2)}`)].join(' ');
if (what === 'found') console.log(mpi ? 'true' : 'false');
else if (what === 'cflags') console.log(mpi ? mpi.cflags : '');
else if (what === 'libs') console.log(mpi ? mpi.libs : '');
else {
  console.error('usage: node native/mpi-config.mjs found|cflags|libs');
  process.exit(2);
}
