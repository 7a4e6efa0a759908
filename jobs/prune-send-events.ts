// Runs the prune-send-events job once: `npx tsx jobs/prune-send-events.ts [--config warden.yaml]` (see src/jobs/prune-send-events.ts).
import { runOneJob } from './run-one';

await runOneJob('prune-send-events');
