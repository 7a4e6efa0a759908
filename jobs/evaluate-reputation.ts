// Runs the evaluate-reputation job once: `npx tsx jobs/evaluate-reputation.ts [--config warden.yaml]` (see src/jobs/evaluate-reputation.ts).
import { runOneJob } from './run-one';

await runOneJob('evaluate-reputation');
