// What every entry point here does: run one job once through `warden jobs run <name>` (config from
// --config, $WARDEN_CONFIG or ./warden.yaml), print its summary as JSON, exit 1 if it failed.
import { main } from '../src/cli/main';

export async function runOneJob(name: string, argv = process.argv.slice(2)): Promise<void> {
  process.exitCode = await main([...argv, 'jobs', 'run', name]);
}
