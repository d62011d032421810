// A training process killed with SIGKILL and started again resumes from BackupAndRestore's backup and ends with
// exactly the weights of a run that was never interrupted. test/workers/train-backup.mjs is the training script (with
// global-generator and seeded Dropout, BatchNormalization and Adam, so weights, optimizer state, moving statistics and
// both random streams must all come back); it prints "start <epoch> <step>" where fit began.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const script = resolve(__dirname, '../workers/train-backup.mjs');
const root = mkdtempSync(join(tmpdir(), 'tensornode-resume-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Run {
  signal: string | null;
  start: [number, number] | null;
}

/** Runs the training script; with `kill`, sends SIGKILL a random 0-40 ms after the first backup appears. */
function train(backupDir: string, saveFreq: string, out: string, kill: boolean): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [script, backupDir, saveFreq, out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    let timer: NodeJS.Timeout | null = null;
    if (kill) {
      // The child may find an older backup when it starts; wait for one written by this run.
      const before = existsSync(join(backupDir, 'backup.json')) ? readFileSync(join(backupDir, 'backup.json'), 'utf8') : null;
      timer = setInterval(() => {
        const now = existsSync(join(backupDir, 'backup.json')) ? readFileSync(join(backupDir, 'backup.json'), 'utf8') : null;
        if (now !== null && now !== before) {
          clearInterval(timer!);
          setTimeout(() => child.kill('SIGKILL'), Math.random() * 40);
        }
      }, 2);
    }
    child.on('error', fail);
    child.on('exit', (code, signal) => {
      if (timer) clearInterval(timer);
      if (code !== 0 && signal !== 'SIGKILL') return fail(new Error(`training script exited with ${code ?? signal}: ${stderr}`));
      const m = /start (\d+) (\d+)/.exec(stdout);
      done({ signal, start: m ? [Number(m[1]), Number(m[2])] : null });
    });
  });
}

const backupAt = (dir: string): [number, number] => {
  const b = JSON.parse(readFileSync(join(dir, 'backup.json'), 'utf8')) as { epoch: number; step: number };
  return [b.epoch, b.step];
};

describe.each([['epoch'], ['5']])('BackupAndRestore with saveFreq %s', (saveFreq) => {
  it('resumes after kill -9 where the backup was taken and ends with bit-identical weights', async () => {
    const reference = join(root, `ref-${saveFreq}.json`);
    const uninterrupted = await train(join(root, `ref-${saveFreq}`), saveFreq, reference, false);
    expect(uninterrupted.start).toEqual([0, 0]);

    const dir = join(root, `backup-${saveFreq}`);
    const out = join(root, `out-${saveFreq}.json`);
    // Killed twice, then left to finish.
    let previous: [number, number] = [0, 0];
    for (let i = 0; i < 2; i++) {
      const killed = await train(dir, saveFreq, out, true);
      expect(killed.signal).toBe('SIGKILL');
      expect(killed.start).toEqual(previous);
      expect(existsSync(out)).toBe(false);
      previous = backupAt(dir);
    }
    const at = backupAt(dir);
    // 12 batches per epoch: backups every epoch, or every 5 batches counted across epochs.
    const batches = at[0] * 12 + at[1];
    expect(batches).toBeGreaterThan(0);
    if (saveFreq === 'epoch') expect(at[1]).toBe(0);
    else expect(batches % 5).toBe(0);
    const resumed = await train(dir, saveFreq, out, false);
    expect(resumed.start).toEqual(at);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(reference, 'utf8'));
    // deleteCheckpoint (the default): a finished run removes its backup.
    expect(existsSync(dir)).toBe(false);
  }, 120_000);
});

it('the comparison is sensitive: a backup whose random state is changed ends with other weights', async () => {
  const reference = join(root, 'ref-5.json');
  if (!existsSync(reference)) await train(join(root, 'ref-5b'), '5', reference, false);
  const dir = join(root, 'backup-tampered');
  const out = join(root, 'out-tampered.json');
  await train(dir, '5', out, true);
  const file = join(dir, 'backup.json');
  const backup = JSON.parse(readFileSync(file, 'utf8')) as { randomState: { words: number[] } };
  backup.randomState.words[0] = (backup.randomState.words[0] ^ 1) >>> 0; // ^ alone gives a negative int32 above 2^31
  writeFileSync(file, JSON.stringify(backup));
  await train(dir, '5', out, false);
  expect(readFileSync(out, 'utf8')).not.toBe(readFileSync(reference, 'utf8'));
}, 120_000);
