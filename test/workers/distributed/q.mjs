import { tsImport } from 'tsx/esm/api';
const tn = await tsImport('/work/wt/mpi/lib/index.ts', import.meta.url);
const hvd = tn.distributed;
hvd.init();
const r = hvd.rank();
console.log(r, hvd.size(), hvd.localRank(), hvd.localSize(), tn.backendInfo().threads);
console.log(r, Array.from(hvd.allreduce(tn.tensor([r + 1, 2 * r]), { op: 'sum' }).data()));
console.log(r, Array.from(hvd.allgather(tn.ones([r + 1, 2])).data()));
console.log(r, Array.from(hvd.broadcast(tn.tensor([r, r]), 1).data()));
hvd.barrier();
try { hvd.allreduce(tn.zeros([2, r + 2]), { name: 'bad' }); } catch (e) { console.log(r, e.message); }
if (r === 1) throw new Error('boom on rank 1');
hvd.barrier();
