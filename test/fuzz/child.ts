// The fuzzer's child process: runs cases [start, end) of a seed and reports each to the parent over IPC before and
// after it runs, so that when this process dies (a signal, an abort, an out-of-memory) or stops answering, the parent
// knows which case did it. Usage (from harness.ts): node --import tsx child.ts <seed> <start> <end>
import { allTargets, buildCase } from './targets.js';

const [seed, start, end] = process.argv.slice(2).map(Number);
const send = (m: unknown) => new Promise<void>((resolve) => process.send!(m, () => resolve()));

// Errors V8 raises for a library bug rather than for the caller's mistake: the library let a bad value through to
// code that was not written for it.
const internal = /Cannot read propert|Cannot set propert|is not a function|is not iterable|Invalid array length|Invalid typed array length|Maximum call stack|Array buffer allocation failed|Cannot convert|undefined is not|null is not|Invalid string length|out of memory/i;

let current = -1;
process.on('uncaughtException', (err) => {
  void send({ type: 'escaped', index: current, message: String(err?.stack ?? err) }).then(() => process.exit(70));
});
process.on('unhandledRejection', (err) => {
  void send({ type: 'escaped', index: current, message: String((err as Error)?.stack ?? err) }).then(() => process.exit(70));
});

const targets = allTargets();
await send({ type: 'ready', targets: targets.length });
for (let i = start; i < end; i++) {
  current = i;
  const c = buildCase(targets, seed, i);
  await send({ type: 'start', index: i, target: c.target, label: c.label, due: c.due, timeoutMs: c.timeoutMs });
  let outcome: 'ok' | 'error' | 'unclean';
  let message = '';
  try {
    const result = c.run();
    if (result instanceof Promise) await result;
    outcome = 'ok';
  } catch (err) {
    const e = err as Error;
    if (!(err instanceof Error)) {
      outcome = 'unclean';
      message = `threw a non-Error: ${String(err)}`;
    } else {
      message = e.message;
      outcome = internal.test(e.message) || e instanceof RangeError || e instanceof TypeError ? 'unclean' : 'error';
      if (outcome === 'unclean') message = `${e.name}: ${e.message} @ ${(e.stack ?? '').split('\n').slice(1, 3).join(' ').trim()}`;
    }
  }
  await send({ type: 'done', index: i, outcome, message: message.slice(0, 400) });
}
process.exit(0);
