// Structured logs: one JSON event per line on stdout.
import pino, { type Logger } from 'pino';

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'relay-warden' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['*.password', '*.token', '*.secret', 'authorization', '*.authorization'], censor: '[redacted]' },
    },
    destination ?? pino.destination({ sync: false }),
  );
}
