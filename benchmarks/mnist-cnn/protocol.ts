// The worker side of the benchmark's JSON-lines protocol, shared by the tensornode and TF.js workers.
//
// Each framework runs in its own long-lived process so that its peak RSS is its own; the driver sends one command
// per line on stdin and reads one reply per line on stdout. Nothing else may reach stdout, so console output
// (TF.js prints a banner with console.log) goes to stderr.
import { closeSync, openSync, readSync } from 'node:fs';
import { createInterface } from 'node:readline';

console.log = console.error;
console.info = console.error;
console.warn = console.error;

export interface Command {
  cmd: string;
  [key: string]: unknown;
}

/** Where the driver wrote the data: one file holding train images, train labels, test images, test labels. */
export interface DataMeta {
  path: string;
  trainCount: number;
  testCount: number;
  height: number;
  width: number;
}

export interface MnistArrays {
  trainImages: Float32Array;
  trainLabels: Int32Array;
  testImages: Float32Array;
  testLabels: Int32Array;
}

export function send(message: object): void {
  process.stdout.write(JSON.stringify(message) + '\n');
}

const pending: Command[] = [];
const waiting: ((c: Command) => void)[] = [];
let closed = false;
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (!line.trim()) return;
  const c = JSON.parse(line) as Command;
  const w = waiting.shift();
  if (w) w(c);
  else pending.push(c);
});
// The driver died or closed the pipe: nothing more will come, and an orphaned worker would spin on.
lines.on('close', () => {
  closed = true;
  process.exit(0);
});

export function nextCommand(): Promise<Command> {
  const c = pending.shift();
  if (c) return Promise.resolve(c);
  if (closed) process.exit(0);
  return new Promise((resolve) => waiting.push(resolve));
}

/** Waits for a command and checks that it is the one the protocol expects at this point. */
export async function expect(cmd: string): Promise<Command> {
  const c = await nextCommand();
  if (c.cmd !== cmd) throw new Error(`protocol: expected "${cmd}", received "${c.cmd}"`);
  return c;
}

// Read straight into the typed arrays, so that no second copy of the data set passes through the heap.
export function readData(meta: DataMeta): MnistArrays {
  const pixels = meta.height * meta.width;
  const arrays: MnistArrays = {
    trainImages: new Float32Array(meta.trainCount * pixels),
    trainLabels: new Int32Array(meta.trainCount),
    testImages: new Float32Array(meta.testCount * pixels),
    testLabels: new Int32Array(meta.testCount),
  };
  const fd = openSync(meta.path, 'r');
  try {
    let position = 0;
    for (const a of [arrays.trainImages, arrays.trainLabels, arrays.testImages, arrays.testLabels]) {
      const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
      let done = 0;
      while (done < bytes.length) {
        const n = readSync(fd, bytes, done, bytes.length - done, position + done);
        if (n === 0) throw new Error(`readData: ${meta.path} is shorter than its description`);
        done += n;
      }
      position += bytes.length;
    }
  } finally {
    closeSync(fd);
  }
  return arrays;
}

export function memory(): { rss: number; maxRss: number } {
  return { rss: process.memoryUsage().rss, maxRss: process.resourceUsage().maxRSS * 1024 };
}

/** Runs the worker's command loop; errors are reported to the driver rather than lost in a dead pipe. */
export async function serve(handle: (c: Command) => Promise<object | null>): Promise<void> {
  for (;;) {
    const c = await nextCommand();
    if (c.cmd === 'exit') process.exit(0);
    try {
      const reply = await handle(c);
      if (reply) send(reply);
    } catch (err) {
      send({ error: err instanceof Error ? err.stack ?? err.message : String(err) });
    }
  }
}
