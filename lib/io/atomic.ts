// Crash-safe writes. A file is written to a temporary name in its own directory, fsync'ed, renamed over the old one
// (rename within a directory is atomic on POSIX filesystems), and the directory is fsync'ed so the rename itself is
// durable. A process killed at any moment leaves the old file or the new one, never a torn one.
//
// A saved model is two files, a manifest (model.json) and the data it describes. Renaming them one after the other
// would leave, between the two renames, a new manifest over old data (or the reverse). So the data never overwrites
// data a manifest may name: it goes to a new file named by a hash of its content, and the manifest that names it is
// renamed into place last, which is the one atomic switch from the old pair to the new one. Only then are the older
// data files of this manifest (by their name pattern) deleted. A kill before the switch leaves the old pair (plus an
// unused new data file, swept by the next save); a kill after it leaves the new pair. The pattern also marks the data
// file for the reader: a name that does not match its content's hash is a corrupted file.
//
// One writer per folder at a time: two processes saving into the same folder at once can each delete the other's new
// data file. A reader running while a save completes may find the old data file already deleted and gets a clear
// "missing" error; reading again gets the new pair.
import { createHash } from 'node:crypto';
import { open, readdir, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const TEMP_MARK = '.tmp-';

/** fsync of a directory makes the renames and unlinks in it durable. Some platforms cannot open a directory (Windows). */
async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM') throw err;
  } finally {
    await handle.close();
  }
}

/** Writes `data` to `path` atomically: the file at `path` is the old one or the new one at every moment. */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await writeUnsynced(path, data);
  await syncDirectory(dirname(path));
}

async function writeUnsynced(path: string, data: Uint8Array | string): Promise<void> {
  const dir = dirname(path);
  // The pid in the name lets a later save tell a dead writer's leftovers from a live writer's file.
  const temp = join(dir, `.${basename(path)}${TEMP_MARK}${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => {});
    throw err;
  }
}

/** The name of the data file that goes with the manifest `manifestName` and holds `data`. */
export function dataFileName(manifestName: string, data: Uint8Array): string {
  const stem = manifestName.replace(/\.json$/, '');
  const hash = createHash('sha256').update(data).digest('hex').slice(0, 16);
  return `${stem}.weights.${hash}.bin`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Writes a manifest and its one data file so that a reader, or a crash, sees the old pair or the new pair.
 * `manifest(dataName)` returns the manifest's text naming the data file. Afterwards the data files of earlier saves of
 * this manifest (same name pattern) and temporary files of dead writers are deleted.
 */
export async function writeManifestAndData(manifestPath: string, data: Uint8Array, manifest: (dataName: string) => string, legacy: string[] = []): Promise<void> {
  const dir = dirname(manifestPath);
  const manifestName = basename(manifestPath);
  const dataName = dataFileName(manifestName, data);
  await writeUnsynced(join(dir, dataName), data);
  // The data file's rename must be durable before the manifest that names it can be.
  await syncDirectory(dir);
  await writeFileAtomic(manifestPath, manifest(dataName));
  await sweep(dir, manifestName, dataName, legacy);
}

/** Deletes the data files of earlier saves of `manifestName` (and `legacy` names) except `keep`, and dead writers' temporary files. */
async function sweep(dir: string, manifestName: string, keep: string, legacy: string[]): Promise<void> {
  const stem = manifestName.replace(/\.json$/, '');
  const own = (name: string) => name.startsWith(`${stem}.weights.`) && /^[0-9a-f]{16}\.bin$/.test(name.slice(stem.length + '.weights.'.length));
  let removed = false;
  for (const name of await readdir(dir)) {
    let stale = false;
    if (name !== keep && (own(name) || legacy.includes(name))) stale = true;
    const mark = name.indexOf(TEMP_MARK);
    if (name.startsWith('.') && mark > 0) {
      const pid = Number.parseInt(name.slice(mark + TEMP_MARK.length), 10);
      if (Number.isInteger(pid) && pid !== process.pid && !isAlive(pid)) stale = true;
    }
    if (stale) {
      await unlink(join(dir, name)).catch(() => {});
      removed = true;
    }
  }
  if (removed) await syncDirectory(dir);
}
