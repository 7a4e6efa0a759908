// PostgreSQL for tests: TEST_DATABASE_URL names a server; each suite gets a database of its own.
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

let noticeShown = false;

/**
 * The server to test against, or undefined to skip. With CI=true a missing server is an error:
 * CI must not pass by skipping the tests that matter.
 */
export function postgresTestUrl(): string | undefined {
  const url = process.env.TEST_DATABASE_URL;
  if (url) return url;
  if (process.env.CI === 'true') {
    throw new Error('TEST_DATABASE_URL is not set, and CI=true requires the PostgreSQL-backed tests to run');
  }
  if (!noticeShown) {
    noticeShown = true;
    console.warn('[skip] TEST_DATABASE_URL is not set: PostgreSQL-backed tests are skipped (PGlite tests still run)');
  }
  return undefined;
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates an empty database on the test server and returns its URL. */
export async function createTestDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `warden_test_${randomBytes(5).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const cleaner = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await cleaner.unsafe(`drop database if exists ${name} with (force)`);
      await cleaner.end();
    },
  };
}
