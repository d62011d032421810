// A decode worker of imageDatasetFromDirectory (lib/data/decode-pool.ts starts it with startWorker('decode-worker')):
// reads and decodes a whole chunk of small PNGs per message, into one float32 buffer that is transferred back, so the
// per-message cost is paid once per batch, not per 28x28 image. It imports no tensors (nor the addon): only the PNG
// reader and node:zlib.
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort, type MessagePort } from 'node:worker_threads';
import { decodeSmallPng, isPng } from '../data/png.js';
import { lowerThreadPriority } from './priority.js';

export interface DecodeRequest {
  id: number;
  paths: string[];
  height: number;
  width: number;
  channels: number;
}

export interface DecodeReply {
  id: number;
  /** paths.length images of height * width * channels values, in order. */
  pixels: Float32Array;
  /** The indexes of the paths not decoded here (not a small PNG of that size and channels, or unreadable), for sharp. */
  fallback: number[];
}

const port = parentPort as MessagePort;

// The kernel threads of the training step this worker feeds must not wait for its time slices: a team thread that
// loses its core to the decoder holds the whole parallel region at its barrier. At nice 19 the decoder runs on the
// time training leaves (its serial parts, the waits between kernels), and prefetch hides when that is: an epoch of the
// data benchmark from the PNG folder took 1.22-1.34 s at nice 19 against 1.38-1.54 s at nice 0 (6 epochs each, 2 cores).
lowerThreadPriority(19);

// One buffer for every file: readFileSync's fstat and fresh buffer per file cost more than a digit's decoding.
let scratch = Buffer.allocUnsafe(64 * 1024);

/** The file's bytes (a view of the shared scratch buffer, valid until the next call). */
function readSmallFile(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    let length = 0;
    for (;;) {
      const want = scratch.length - length;
      const n = readSync(fd, scratch, length, want, length);
      length += n;
      // A regular file reads short only at its end, which saves the read that would return 0.
      if (n < want) return scratch.subarray(0, length);
      if (length === scratch.length) {
        const grown = Buffer.allocUnsafe(scratch.length * 2);
        scratch.copy(grown, 0, 0, length);
        scratch = grown;
      }
    }
  } finally {
    closeSync(fd);
  }
}

port.on('message', ({ id, paths, height, width, channels }: DecodeRequest) => {
  const size = height * width * channels;
  const pixels = new Float32Array(paths.length * size);
  const fallback: number[] = [];
  for (let i = 0; i < paths.length; i++) {
    let decoded = false;
    if (isPng(paths[i])) {
      try {
        decoded = decodeSmallPng(readSmallFile(paths[i]), height, width, channels, pixels, i * size);
      } catch {
        // Unreadable: sharp tries it on the main thread and reports the error with the file's name.
      }
    }
    if (!decoded) fallback.push(i);
  }
  const reply: DecodeReply = { id, pixels, fallback };
  port.postMessage(reply, [pixels.buffer]);
});
