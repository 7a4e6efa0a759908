// `warden campaigns show` on a stored campaign: its JSON carries the members (acted on or only
// seen, and why) and each fingerprint's footing, volume and explanation.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main';
import { openDatabase } from '../../../src/db/client';
import { campaignSeed, seedCampaign } from '../../support/campaign-seed';

let directory: string;
let configPath: string;
let id: number;
beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), 'warden-campaigns-'));
  const dataDir = join(directory, 'data');
  const database = await openDatabase({ dataDir });
  await database.migrate();
  id = await seedCampaign(database.db, new Date('2026-11-20T12:00:00Z'));
  await database.close();
  configPath = join(directory, 'warden.yaml');
  writeFileSync(configPath, JSON.stringify({ database: { dataDir }, scheduler: { enabled: false } }));
});
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('warden campaigns show', () => {
  it('prints the members with why, and each fingerprint with what its evidence stood on', async () => {
    let stdout = '';
    let stderr = '';
    const code = await main(['--config', configPath, 'campaigns', 'show', String(id)], { stdout: (t) => ((stdout += t), true), stderr: (t) => ((stderr += t), true) });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const shown = JSON.parse(stdout);
    expect(shown.members).toEqual([
      { sender: campaignSeed.actedOn, included: true, why: 'new account' },
      { sender: campaignSeed.alsoSeen, included: false, why: expect.stringMatching(/^also seen: a sender of long standing \(tier established, first seen 2026-08-22\)/) },
    ]);
    expect(shown.fingerprints).toEqual([
      expect.objectContaining({ kind: 'content', value: campaignSeed.content, footing: 'volume', volume: 600, complaints: 3, explanation: 'volume: 3 complaints in 600 sends (at least 0.17%, over the 0.10% line)' }),
      expect.objectContaining({ kind: 'subject', footing: 'distinct', volume: null, explanation: 'distinctiveness (no volume from the relay): 0 of 2 senders are established with clean records' }),
    ]);
  });
});
