// For test/data/files.test.ts: a program that reads two batches of an image folder decoded on a worker thread and
// stops, then reads one more batch and drops the iterator without finishing or closing it. It must run to its end
// and then exit by itself: an idle decode worker does not keep the process alive.
import * as tn from '../../lib/index.js';
import { liveDecodeWorkers } from '../../lib/data/decode-pool.js';

const ds = await tn.utils.imageDatasetFromDirectory(process.argv[2], { imageSize: [28, 28], colorMode: 'grayscale', batchSize: 4, seed: 3, verbose: false, decodeWorkers: 1 });
// Stopping an iteration early stops its workers; nothing may then leave this await pending (exit code 13).
const early = await ds.take(2).toArray();
const it = await ds.iterator();
const first = await it.next();
console.log(JSON.stringify({ early: early.length, shape: (first.value as [tn.Tensor, tn.Tensor])[0].shape, live: liveDecodeWorkers() }));
