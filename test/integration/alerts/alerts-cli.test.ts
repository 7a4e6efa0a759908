// `warden alerts` as a user runs it, against a real loopback receiver.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWarden } from '../../support/warden-process';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

describe('warden alerts', () => {
  let receiver: WebhookReceiver;
  let cwd: string;
  beforeAll(async () => {
    receiver = await startWebhookReceiver(secret, () => 503);
    cwd = mkdtempSync(join(tmpdir(), 'warden-alerts-cli-'));
    writeFileSync(
      join(cwd, 'warden.yaml'),
      `webhooks:\n  destinations:\n    - { name: oncall, url: "${receiver.url}", secret: "\${HOOK_SECRET}", format: teams }\n`,
    );
  });
  afterAll(() => receiver.close());

  it('sends a test alert, lists it dead-lettered when refused, and replays it', async () => {
    const env = { HOOK_SECRET: secret };
    const test = await runWarden(['alerts', 'test', 'oncall'], { cwd, env });
    expect(test.code).toBe(1);
    expect(test.output).toContain('"httpStatus": 503');
    expect(test.output).not.toContain(secret);
    expect(receiver.received[0]).toMatchObject({ signatureValid: true });
    expect(receiver.received[0]!.body.attachments[0].content.body[0].text).toContain('[TEST]');

    const dead = await runWarden(['alerts', 'list', '--dead'], { cwd, env });
    expect(dead.code).toBe(0);
    expect(dead.output).toMatch(/^1\s+oncall\s+test\s+-\s+1\s+\S+\s+HTTP 503$/m);

    const replay = await runWarden(['alerts', 'replay', '--all-dead'], { cwd, env });
    expect(replay.code).toBe(0);
    expect(replay.output).toContain('1 delivery queued again: 1');

    const usage = await runWarden(['alerts', 'replay'], { cwd, env });
    expect(usage.code).toBe(2);
    expect(usage.output).toContain('give a delivery id or --all-dead');
  }, 240_000);
});
