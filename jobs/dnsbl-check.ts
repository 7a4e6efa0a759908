// Runs the dnsbl-check job once: `npx tsx jobs/dnsbl-check.ts [--config warden.yaml]` (see src/jobs/dnsbl-check.ts).
import { runOneJob } from './run-one';

await runOneJob('dnsbl-check');
