import { createLogger } from '../logger';
import { startService } from '../service';
import type { CliCommand } from './command';

export const serveCommand: CliCommand = {
  name: 'serve',
  usage: `Usage: warden serve [--config warden.yaml]

Starts Relay Warden: applies database migrations, serves the HTTP API on server.host:server.port
(env HOST, PORT) and runs the scheduled jobs. Without DATABASE_URL it uses embedded PGlite under
database.dataDir (./data). Stops cleanly on SIGTERM or SIGINT.`,
  async run(args, ctx) {
    if (args.length > 0) {
      ctx.stderr(`warden serve: unexpected argument ${args[0]}\n`);
      return 2;
    }
    const config = await ctx.loadConfig();
    const logger = createLogger(config.log.level);
    const service = await startService({ config, logger });
    await new Promise<void>((resolve) => {
      const onSignal = (signal: NodeJS.Signals) => {
        logger.info({ signal }, 'signal received');
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        resolve();
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    await service.stop();
    logger.flush();
    return 0;
  },
};
