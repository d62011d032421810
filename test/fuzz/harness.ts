// The fuzzer's parent: runs the cases in a child process (child.ts), one after another, and classifies each as a
// clean Error, a result (fine unless an error was due: then "silent"), an error V8 raised inside the library
// ("unclean": a TypeError or RangeError the library should have prevented), a crash (the child died: a signal or an
// abort), a hang (no answer within the time limit) or an out-of-memory (the child's RSS passed the limit, or V8 or
// the allocator gave up). After a crash, hang or out-of-memory a new child resumes at the next case.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type Outcome = 'ok' | 'error' | 'silent' | 'unclean' | 'crash' | 'hang' | 'oom';

export interface CaseResult {
  index: number;
  target: string;
  label: string;
  due: boolean;
  outcome: Outcome;
  message: string;
}

export interface FuzzOptions {
  seed: number;
  cases: number;
  /** A case that runs longer than this is a hang (ms). */
  timeoutMs?: number;
  /**
   * A child whose resident memory grows by more than this since it started is out of memory (MiB). Measured from
   * the start, not absolute: an instrumented build (AddressSanitizer's shadow memory) starts hundreds of MiB higher.
   */
  memoryLimitMiB?: number;
  /** Extra environment for the child (TENSORNODE_FUZZ_SELFTEST adds the targets that check the classifier). */
  env?: Record<string, string>;
  log?: (line: string) => void;
}

export interface FuzzReport {
  results: CaseResult[];
  counts: Record<Outcome, number>;
  /** The child processes started (1 plus one per crash, hang or out-of-memory). */
  children: number;
}

const childScript = fileURLToPath(new URL('./child.ts', import.meta.url));

function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export async function runFuzz(o: FuzzOptions): Promise<FuzzReport> {
  const timeoutMs = o.timeoutMs ?? 20_000;
  const limit = o.memoryLimitMiB ?? 3072;
  const results: CaseResult[] = [];
  let next = 0;
  let children = 0;
  while (next < o.cases) {
    children++;
    next = await new Promise<number>((resolve) => {
      const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', childScript, String(o.seed), String(next), String(o.cases)], {
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        env: { ...process.env, ...o.env },
      });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-4000);
      });
      let current: Omit<CaseResult, 'outcome' | 'message'> | null = null;
      let started = 0;
      let caseTimeout = timeoutMs;
      let resumeAt = next;
      let killedFor: 'hang' | 'oom' | null = null;
      let baseline = 0;
      let escaped = '';
      const watch = setInterval(() => {
        if (!current || killedFor) return;
        if (performance.now() - started > caseTimeout) killedFor = 'hang';
        else if (rssMiB(child.pid!) - baseline > limit) killedFor = 'oom';
        if (killedFor) child.kill('SIGKILL');
      }, 100);
      child.on('message', (m: { type: string; index: number; target: string; label: string; due: boolean; timeoutMs?: number; outcome: 'ok' | 'error' | 'unclean'; message: string }) => {
        if (m.type === 'ready') {
          baseline = rssMiB(child.pid!);
        } else if (m.type === 'start') {
          current = { index: m.index, target: m.target, label: m.label, due: m.due };
          caseTimeout = m.timeoutMs ?? timeoutMs;
          started = performance.now();
        } else if (m.type === 'done' && current) {
          const outcome: Outcome = m.outcome === 'ok' && current.due ? 'silent' : m.outcome;
          results.push({ ...current, outcome, message: m.outcome === 'ok' && current.due ? 'returned a result where an error was due' : m.message });
          resumeAt = m.index + 1;
          const r = results[results.length - 1];
          if (outcome !== 'ok' && outcome !== 'error') o.log?.(`case ${r.index} ${outcome}: ${r.target}, ${r.label}: ${r.message}`);
          current = null;
        } else if (m.type === 'escaped') {
          escaped = m.message;
        }
      });
      child.on('exit', (code, signal) => {
        clearInterval(watch);
        if (current) {
          const oomText = /heap out of memory|bad_alloc|Cannot allocate memory|Array buffer allocation failed/i.test(stderr);
          const outcome: Outcome = killedFor ?? (oomText ? 'oom' : 'crash');
          const how = killedFor === 'hang' ? `no answer after ${caseTimeout} ms` : killedFor === 'oom' ? `resident memory grew by more than ${limit} MiB` : escaped ? `an error escaped: ${escaped}` : `exit code ${code}, signal ${signal}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`;
          results.push({ ...current, outcome, message: how.slice(0, 600) });
          o.log?.(`case ${current.index} ${outcome}: ${current.target}, ${current.label}: ${how.slice(0, 300)}`);
          resolve(current.index + 1);
        } else if (code !== 0 && resumeAt < o.cases) {
          // Died between cases (or before the first): count it against the next case rather than loop forever.
          results.push({ index: resumeAt, target: '(child)', label: 'between cases', due: false, outcome: 'crash', message: `exit code ${code}, signal ${signal}: ${stderr.trim().slice(-400)}` });
          resolve(resumeAt + 1);
        } else {
          resolve(resumeAt);
        }
      });
    });
  }
  const counts = { ok: 0, error: 0, silent: 0, unclean: 0, crash: 0, hang: 0, oom: 0 } as Record<Outcome, number>;
  for (const r of results) counts[r.outcome]++;
  return { results, counts, children };
}

/** The cases a run must not have: every one is a bug (or a bug in the fuzzer's expectations). */
export function failures(report: FuzzReport): CaseResult[] {
  return report.results.filter((r) => r.outcome !== 'ok' && r.outcome !== 'error');
}
