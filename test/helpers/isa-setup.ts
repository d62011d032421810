// Setup file of the per-ISA projects (vitest.config.ts): skips every test, by name and with the reason, when this
// CPU lacks the project's path, and fails loudly if the addon runs another path than the project asks for.
// TENSORNODE_TEST_HARDWARE_ISA pretends the CPU's best path is lower (for testing this mechanism; the addon itself
// still detects the real CPU).
import { beforeEach } from 'vitest';
import * as tn from '../../lib/index.js';
import { isaSkipReason } from './isa.js';

const requested = process.env.TENSORNODE_MAX_ISA;
const info = tn.backendInfo();
const hardware = process.env.TENSORNODE_TEST_HARDWARE_ISA || info.hardwareIsa;
const reason = isaSkipReason(requested, hardware);

if (reason) {
  const note = `${requested} project ${reason}`;
  // Once per file in the default reporter's output; each skipped test carries the note too (--reporter=verbose).
  console.warn(note);
  beforeEach((ctx) => ctx.skip(note));
} else if (requested && info.isa !== requested) {
  throw new Error(`the ${requested} project runs the ${info.isa} path (hardware ${info.hardwareIsa}); TENSORNODE_MAX_ISA did not take effect`);
}
