// Runs the deliver-alerts job once: `npx tsx jobs/deliver-alerts.ts [--config warden.yaml]` (see src/jobs/deliver-alerts.ts).
import { runOneJob } from './run-one';

await runOneJob('deliver-alerts');
