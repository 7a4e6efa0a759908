// Who may open a dashboard session (the dashboard password, or an ops-scope API token), the
// cookies and CSRF tokens of open sessions, and ending a session at logout on every instance.
import { randomBytes } from 'node:crypto';
import { digest } from './auth';
import type { DashboardConfig } from '../config/dashboard';
import type { WardenConfig } from '../config/schema';
import type { Db } from '../db/client';
import { recordEndedSession, sessionHasEnded } from '../db/ended-sessions';
import { csrfTokenOf, decodeSession, encodeSession, newSessionClaims, sameText, sessionKey, type SessionClaims } from './session-cookie';

/** The cookie a dashboard session travels in (HttpOnly: page scripts never see it). */
export const sessionCookieName = 'warden_session';


export class DashboardSessions {
  private readonly secret: Buffer;
  private readonly passwordDigest: string | undefined;
  /** Ops tokens by name, as digests: a session names the token it was opened with. */
  private readonly opsTokens: Map<string, string>;

  constructor(
    private readonly config: DashboardConfig,
    tokens: WardenConfig['auth']['tokens'],
    private readonly db: Db,
  ) {
    this.secret = config.sessionSecret ? Buffer.from(config.sessionSecret) : randomBytes(32);
    this.passwordDigest = config.password ? digest(config.password) : undefined;
    this.opsTokens = new Map(tokens.filter((t) => t.scopes.includes('ops')).map((t) => [t.name, digest(t.token)]));
  }

  /** Whether anything can log in at all (for a clear message on the login page). */
  get loginPossible(): boolean {
    return this.passwordDigest !== undefined || this.opsTokens.size > 0;
  }

  /** Opens a session for the password or an ops token; null for anything else. */
  login(secret: string, now: Date): { cookie: string; claims: SessionClaims } | null {
    const offered = digest(secret);
    let claims: SessionClaims | undefined;
    if (this.passwordDigest && sameText(offered, this.passwordDigest)) {
      claims = newSessionClaims('dashboard', 'password', now, this.config.sessionHours);
    } else {
      for (const [name, tokenDigest] of this.opsTokens) {
        if (sameText(offered, tokenDigest)) claims = newSessionClaims(name, 'token', now, this.config.sessionHours);
      }
    }
    if (!claims) return null;
    return { cookie: encodeSession(claims, this.keyOf(claims)!), claims };
  }

  /** The claims of a valid, unexpired session that was not ended by a logout; null otherwise. */
  async read(cookie: string, now: Date): Promise<SessionClaims | null> {
    const claims = decodeSession(cookie, (claims) => this.keyOf(claims), now);
    if (!claims || (await sessionHasEnded(this.db, claims.sid))) return null;
    return claims;
  }

  /** Ends the session at once, on every instance sharing the database. */
  async end(claims: SessionClaims, now: Date): Promise<void> {
    await recordEndedSession(this.db, claims.sid, new Date(claims.exp), now);
  }

  csrfToken(claims: SessionClaims): string {
    return csrfTokenOf(claims, this.keyOf(claims)!);
  }

  private keyOf(claims: SessionClaims): Buffer | undefined {
    const credential = claims.via === 'password' ? this.passwordDigest : this.opsTokens.get(claims.sub);
    return credential ? sessionKey(this.secret, credential) : undefined;
  }
}
