/**
 * Before and after: our gateway at another commit against the working tree, each in its own process in front of the
 * same emulator, in alternating rounds (so drift in the machine hits both alike), one request kind at a time at
 * saturation. Prints requests per second and CPU time per request of each, and the ratio. Asserts nothing.
 *
 *   npm run bench:compare -- --base HEAD~1                       # stream, chat and embeddings, 4 rounds of 4 s
 *   npm run bench:compare -- --base main --kinds stream --rounds 8 --seconds 5 --workers 64
 */
import { parseArgs } from 'node:util';
import { stopAllChildren, withBaseBuild } from './child-process.js';
import { alternatingLines, alternatingOptions, alternatingPlanOf, kindsOf, measureAlternating, pairedLine } from './alternating.js';
import { BenchWorkspace, startEmulatorProcess, startOurGateway, type Target } from './targets.js';
import { REQUEST_KINDS } from './workload.js';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    kinds: { type: 'string', default: REQUEST_KINDS.join(',') },
    ...alternatingOptions(4),
  },
});
const kinds = kindsOf(values.kinds);
const plan = alternatingPlanOf(values);
if (!values.base || kinds.length === 0 || !plan) {
  console.error('usage: npm run bench:compare -- --base <commit> [--kinds stream,chat,embed] [--rounds N] [--seconds S] [--workers W]');
  process.exit(2);
}
const { rounds, durationMs, workers } = plan;

await withBaseBuild(values.base, {}, async (base) => {
  const workspace = new BenchWorkspace();
  try {
    const emulator = await startEmulatorProcess(workspace);
    const targets: Array<{ label: string; target: Target }> = [
      { label: base.label, target: await startOurGateway(workspace, emulator, [], { bundle: base.bundle }) },
      { label: 'working tree', target: await startOurGateway(workspace, emulator) },
    ];
    console.log(`${kinds.join(', ')}: ${rounds} rounds of ${durationMs / 1_000} s each, ${workers} clients, alternating`);
    const labels = targets.map(({ label }) => label);
    const figures = await measureAlternating(targets.map(({ target }) => target), kinds, { rounds, durationMs, workers });
    for (const [kind, kindFigures] of figures) {
      for (const line of alternatingLines(kind, labels, kindFigures)) console.log(line);
      const [before, after] = kindFigures;
      if (before && after) console.log(pairedLine(kind, before, after));
    }
  } finally {
    await stopAllChildren();
    workspace.close();
  }
});
