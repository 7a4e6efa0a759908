// Runs the ingest-mailboxes job once: `npx tsx jobs/ingest-mailboxes.ts [--config warden.yaml]` (see src/jobs/ingest-mailboxes.ts).
import { runOneJob } from './run-one';

await runOneJob('ingest-mailboxes');
