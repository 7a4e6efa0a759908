// Runs the ip-steering job once: `npx tsx jobs/ip-steering.ts [--config warden.yaml]` (see src/jobs/ip-steering.ts).
import { runOneJob } from './run-one';

await runOneJob('ip-steering');
