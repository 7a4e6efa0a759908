// A Maildir holding what is not a message file (a FIFO, a socket, a symlink loop) is read to its
// end: those are skipped with a warning naming them, and a file reached by two names is read once.
import { execFileSync } from 'node:child_process';
import { closeSync, constants, copyFileSync, mkdirSync, mkdtempSync, openSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { wardenConfigSchema } from '../../../src/config/schema';
import type { Database } from '../../../src/db/client';
import { ingestLocalStore } from '../../../src/ingest/local-source';
import { testEngines } from '../../support/engines';

const fixtures = fileURLToPath(new URL('../../fixtures/mail/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'warden-maildir-special-'));
const maildir = join(dir, 'fbl');
const fifo = join(maildir, 'new', '1700000001.Mfifo.host');
const config = wardenConfigSchema.parse({ mailboxes: { local: [{ name: 'fbl', path: maildir, format: 'maildir' }] } });
let socketServer: Server;

beforeAll(async () => {
  mkdirSync(join(maildir, 'new'), { recursive: true });
  mkdirSync(join(maildir, 'cur'), { recursive: true });
  copyFileSync(join(fixtures, 'dsn-postfix-userunknown.eml'), join(maildir, 'cur', '1700000000.Mbounce.host:2,S'));
  execFileSync('mkfifo', [fifo]);
  socketServer = createServer();
  await new Promise<void>((resolve) => socketServer.listen(join(maildir, 'new', '1700000002.Msocket.host'), resolve));
  symlinkSync('1700000003.Mloop.host', join(maildir, 'new', '1700000003.Mloop.host'));
  symlinkSync('../cur/1700000000.Mbounce.host:2,S', join(maildir, 'new', '1700000004.Malias.host'));
});
afterAll(async () => {
  // A reader still blocked opening the FIFO (the behaviour this guards against) gets its EOF.
  try {
    closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
  } catch {
    // no reader waiting
  }
  await new Promise<void>((resolve) => socketServer.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe.each(testEngines())('a Maildir with special files on $name', (engine) => {
  let database: Database;
  beforeEach(async () => {
    database = await engine.open();
  });
  afterEach(() => database.close());

  it('reads the one message once and skips the FIFO, the socket and the symlink loop with a warning naming each', async () => {
    const warnings: { path: string; reason: string }[] = [];
    const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(JSON.parse(line)) });
    const deps = { db: database.db, config, logger, now: new Date('2026-03-10T12:00:00Z') };
    const deadline = new Promise<'deadline'>((resolve) => setTimeout(() => resolve('deadline'), 10_000));
    const result = await Promise.race([ingestLocalStore(deps, config.mailboxes.local[0]!), deadline]);
    expect(result).not.toBe('deadline');
    if (result === 'deadline') return;
    expect(result.failure).toBeNull();
    expect(result.counts).toMatchObject({ fetched: 1, stored: 1, facts: 1, errors: 0 });
    expect(warnings.map(({ path, reason }) => ({ path, reason }))).toEqual([
      { path: fifo, reason: 'a FIFO, not a regular file' },
      { path: join(maildir, 'new', '1700000002.Msocket.host'), reason: 'a socket, not a regular file' },
      { path: join(maildir, 'new', '1700000003.Mloop.host'), reason: 'a symlink loop' },
    ]);
  });
});
