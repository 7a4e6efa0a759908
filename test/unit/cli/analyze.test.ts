import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, mkdirSync, copyFileSync, openSync, readFileSync, symlinkSync, writeFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder } from '../../../bench/corpus';
import { analyzeMbox } from '../../../src/analysis/analyze';
import type { CliContext } from '../../../src/cli/command';
import analyzeCommand from '../../../src/cli/analyze';
import tokenCommand from '../../../src/cli/token';

function context(config: unknown = {}): CliContext & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    loadConfig: async () => config as never,
    env: {},
  };
}

const fixtures = fileURLToPath(new URL('../../fixtures/mail/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'warden-analyze-'));
mkdirSync(join(dir, 'inbox', 'cur'), { recursive: true });
copyFileSync(join(fixtures, 'dsn-postfix-userunknown.eml'), join(dir, 'inbox', 'cur', 'a.eml'));
writeFileSync(join(dir, 'inbox', 'note.txt'), 'From: a@x.example\nSubject: hi\n\nhello\n');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('warden analyze', () => {
  it('walks a directory and writes one NDJSON line per fact, and a "none" line for a file without one', async () => {
    const ctx = context();
    const given = join(dir, 'inbox') + '/';
    expect(await analyzeCommand.run([given], ctx)).toBe(0);
    const lines = ctx.out.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([
      expect.objectContaining({ file: `${given}cur/a.eml`, kind: 'bounce', recipient: 'maria.lopez@shop.example', reason: 'userunknown' }),
      { file: `${given}note.txt`, kind: 'none' },
    ]);
  });

  it('reports a file it cannot read and carries on, exiting 1', async () => {
    const ctx = context();
    const missing = join(dir, 'missing.eml');
    expect(await analyzeCommand.run([missing, join(dir, 'inbox', 'cur', 'a.eml')], ctx)).toBe(1);
    const lines = ctx.out.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines[0]).toMatchObject({ file: missing, error: expect.any(String) });
    expect(lines[1]).toMatchObject({ kind: 'bounce' });
  });

  it('prints a table on request', async () => {
    const ctx = context();
    expect(await analyzeCommand.run(['--format', 'table', join(dir, 'inbox', 'cur', 'a.eml')], ctx)).toBe(0);
    expect(ctx.out.join('')).toContain('maria.lopez@shop.example\tuserunknown\thard\t5.1.1');
  });

  it('exits 2 on a usage error and prints usage on --help', async () => {
    expect(await analyzeCommand.run([], context())).toBe(2);
    expect(await analyzeCommand.run(['--format', 'xml', 'x'], context())).toBe(2);
    const ctx = context();
    expect(await analyzeCommand.run(['--help'], ctx)).toBe(0);
    expect(ctx.out.join('')).toContain('Usage: warden analyze');
  });
});

describe('warden analyze over many files', () => {
  const corpus = fileURLToPath(new URL('../../fixtures/mta-corpus', import.meta.url));
  /** What analyzing each file in turn, on this thread, prints. */
  const expected = () =>
    filesUnder(corpus).flatMap((file) => {
      const lines = analyzeMbox(readFileSync(file)).flatMap((result) =>
        result.ok ? result.facts.map((fact) => JSON.stringify({ file, ...fact })) : [JSON.stringify({ file, error: result.error.message, code: result.error.code })],
      );
      return lines.length > 0 ? lines : [JSON.stringify({ file, kind: 'none' })];
    });

  it('prints, from two analysis threads, the lines of analyzing each file in turn, in input order', async () => {
    const ctx = context();
    expect(await analyzeCommand.run(['--threads', '2', corpus], ctx)).toBe(0);
    const lines = ctx.out.join('').trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(500);
    expect(lines).toEqual(expected());
    expect(ctx.err).toEqual([]);
  });

  it('prints the same lines with --unordered, in whatever order they are ready', async () => {
    const ctx = context();
    expect(await analyzeCommand.run(['--unordered', '--json', corpus], ctx)).toBe(0);
    expect(ctx.out.join('').trimEnd().split('\n').sort()).toEqual(expected().sort());
  });

  it('refuses a thread count that is not a whole number from 1 to 64', async () => {
    const ctx = context();
    expect(await analyzeCommand.run(['--threads', '0', corpus], ctx)).toBe(2);
    expect(ctx.err.join('')).toContain('--threads takes a whole number from 1 to 64');
  });
});

describe('warden token', () => {
  const config = { attribution: { tokenSecret: 'correct horse battery staple, long enough' } };

  it('signs a sender and verifies the token back', async () => {
    const sign = context(config);
    expect(await tokenCommand.run(['sign', 'acme'], sign)).toBe(0);
    const token = sign.out.join('').trim();
    const verify = context(config);
    expect(await tokenCommand.run(['verify', token], verify)).toBe(0);
    expect(verify.out.join('')).toBe('acme\n');
  });

  it('rejects an altered token with exit 1', async () => {
    const sign = context(config);
    await tokenCommand.run(['sign', 'acme'], sign);
    const token = sign.out.join('').trim();
    const altered = token.slice(0, 6) + (token[6] === 'A' ? 'B' : 'A') + token.slice(7);
    const verify = context(config);
    expect(await tokenCommand.run(['verify', altered], verify)).toBe(1);
    expect(verify.err.join('')).toContain('rejected');
  });

  it('fails with a clear message when no secret is configured', async () => {
    const ctx = context({ attribution: {} });
    expect(await tokenCommand.run(['sign', 'acme'], ctx)).toBe(1);
    expect(ctx.err.join('')).toContain('attribution.tokenSecret is not set');
  });

  it('exits 2 on a usage error', async () => {
    expect(await tokenCommand.run(['mint', 'acme'], context(config))).toBe(2);
  });
});

describe('warden analyze on files that are not regular files', () => {
  const special = mkdtempSync(join(tmpdir(), 'warden-analyze-special-'));
  const fifo = join(special, 'fifo');
  let socketServer: Server;
  beforeAll(async () => {
    copyFileSync(join(fixtures, 'dsn-postfix-userunknown.eml'), join(special, 'a.eml'));
    execFileSync('mkfifo', [fifo]);
    socketServer = createServer();
    await new Promise<void>((resolve) => socketServer.listen(join(special, 'socket'), resolve));
    symlinkSync('a.eml', join(special, 'alias.eml'));
    symlinkSync('self', join(special, 'self'));
    mkdirSync(join(special, 'sub'));
    symlinkSync('..', join(special, 'sub', 'up'));
  });
  afterAll(async () => {
    // A reader still blocked opening the FIFO (the behaviour this guards against) gets its EOF.
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // no reader waiting
    }
    await new Promise<void>((resolve) => socketServer.close(() => resolve()));
    rmSync(special, { recursive: true, force: true });
  });

  it('reads each regular file once and skips a FIFO, a socket, a symlink loop and a directory cycle, naming them', async () => {
    const ctx = context();
    let finished = false;
    // A walk that never ends must fail the test, not hang it: output after the deadline stops it.
    const stdout = ctx.stdout;
    ctx.stdout = (text) => {
      if (finished) throw new Error('still writing after the deadline');
      stdout(text);
    };
    const deadline = new Promise<'deadline'>((resolve) => setTimeout(() => resolve('deadline'), 10_000));
    const code = await Promise.race([analyzeCommand.run([special], ctx), deadline]);
    finished = true;
    expect(code).toBe(0);
    const lines = ctx.out.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([expect.objectContaining({ file: join(special, 'a.eml'), kind: 'bounce' })]);
    expect(ctx.err.join('').trim().split('\n')).toEqual([
      `analyze: skipped ${join(special, 'alias.eml')}: the same file as ${join(special, 'a.eml')}`,
      `analyze: skipped ${fifo}: a FIFO, not a regular file`,
      `analyze: skipped ${join(special, 'self')}: a symlink loop`,
      `analyze: skipped ${join(special, 'socket')}: a socket, not a regular file`,
      `analyze: skipped ${join(special, 'sub', 'up')}: a directory already walked (a symlink cycle or a second name for it)`,
    ]);
  });

  it('reads a file named on the command line and skips a FIFO or a socket named there, naming them', async () => {
    const ctx = context();
    const code = await Promise.race([
      analyzeCommand.run([fifo, join(special, 'socket'), join(special, 'alias.eml')], ctx),
      new Promise<'deadline'>((resolve) => setTimeout(() => resolve('deadline'), 10_000)),
    ]);
    expect(code).toBe(0);
    const lines = ctx.out.join('').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines).toEqual([expect.objectContaining({ file: join(special, 'alias.eml'), kind: 'bounce' })]);
    expect(ctx.err.join('').trim().split('\n')).toEqual([
      `analyze: skipped ${fifo}: a FIFO, not a regular file`,
      `analyze: skipped ${join(special, 'socket')}: a socket, not a regular file`,
    ]);
  });
});
