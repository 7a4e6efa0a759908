// `npm run demo`: starts the demo and stops it cleanly on Ctrl-C (a second Ctrl-C exits at once).
import { ConfigError } from '../src/config/config-error';
import { startDemo } from './start';

const usage = `Usage: npm run demo -- [--port 7780] [--speed 1] [--senders 300]

Runs Relay Warden on embedded PGlite (data in data/demo, reset at every start) with loopback
blocklists, a Maildir of complaints and bounces, a relay sending through the API and the policy
server, and a webhook receiver. --speed 2 tells the same story twice as fast; --port 0 takes a free port.`;

function parseArgs(argv: string[]): { port?: number; speed?: number; senders?: number } | string {
  const options: { port?: number; speed?: number; senders?: number } = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--help' || flag === '-h') return usage;
    const name = flag.replace(/^--/, '');
    if (!['port', 'speed', 'senders'].includes(name)) return `unknown option ${flag}\n\n${usage}`;
    const value = Number(argv[++i]);
    if (!Number.isFinite(value) || value < 0) return `${flag} needs a number\n\n${usage}`;
    options[name as 'port' | 'speed' | 'senders'] = value;
  }
  return options;
}

const options = parseArgs(process.argv.slice(2));
if (typeof options === 'string') {
  process.stderr.write(`${options}\n`);
  process.exit(options === usage ? 0 : 2);
}

try {
  const demo = await startDemo(options);
  let stopping = false;
  const onSignal = () => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stdout.write('\nstopping the demo (Ctrl-C again to force) ...\n');
    void demo.stop().then(
      ({ wardenExitCode }) => process.exit(wardenExitCode === 0 ? 0 : 1),
      (error: Error) => {
        process.stderr.write(`demo: stopping failed: ${error.message}\n`);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);
} catch (error) {
  const message = error instanceof ConfigError ? `generated config is invalid: ${error.message}` : (error as Error).message;
  process.stderr.write(`demo: ${message}\n`);
  process.exit(1);
}
