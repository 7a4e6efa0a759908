// `warden campaigns` and `warden sender tier` argument checking: usage errors exit 2 before any database is opened.
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main';

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => ((stdout += t), true), stderr: (t) => ((stderr += t), true) });
  return { code, stdout, stderr };
}

describe('warden campaigns', () => {
  it('lists its verbs in --help', async () => {
    const { code, stdout } = await run(['campaigns', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/warden campaigns list .*\n.*warden campaigns show <id>.*\n.*warden campaigns dismiss <id> --reason/);
  });

  it.each([
    [['campaigns'], /expected list, show or dismiss/],
    [['campaigns', 'show', 'abc'], /expected one campaign id/],
    [['campaigns', 'dismiss', '3'], /--reason is required/],
    [['campaigns', 'list', '--status', 'open'], /--status must be active, dismissed or all/],
    [['sender', 'tier', 'alice', '--reason', 'vip'], /give --pin <tier> or --unpin/],
    [['sender', 'tier', 'alice', '--pin', 'gold', '--reason', 'vip'], /--pin must be new, established or trusted/],
  ])('refuses %j', async (args, message) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
