// Runs the prune-history job once: `npx tsx jobs/prune-history.ts [--config warden.yaml]` (see src/jobs/prune-history.ts).
import { runOneJob } from './run-one';

await runOneJob('prune-history');
