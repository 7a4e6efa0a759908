// The `warden` process around main(): its arguments, its exit code, and a quiet end when the reader
// of its output goes away (`warden analyze DIR | head -n 1`).
import { exitCodes, main } from './main';

// A write to a pipe whose reader has closed fails with EPIPE (Node ignores SIGPIPE, so the process
// is not ended by the signal as a C tool would be): end as that tool would, without a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(exitCodes.closedPipe);
    throw error;
  });
}

process.exitCode = await main(process.argv.slice(2));
