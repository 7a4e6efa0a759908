// The `dashboard` key of warden.yaml: who may log in to the web dashboard, and for how long.
import { z } from 'zod';

export const dashboardConfig = z.strictObject({
  /** false: no /ui routes at all (the API is unaffected). */
  enabled: z.boolean().default(true),
  /**
   * Password for the ops login form; at least 12 characters. Unset: only an ops-scope API token
   * (auth.tokens) logs in. Keep it in the environment: `password: ${WARDEN_DASHBOARD_PASSWORD}`.
   */
  password: z.string().min(12, 'dashboard.password must be at least 12 characters').optional(),
  /**
   * Key the session cookies are signed with; at least 32 characters. Unset: a random key per
   * process, so sessions end when the process restarts and are not valid on other instances.
   */
  sessionSecret: z.string().min(32, 'dashboard.sessionSecret must be at least 32 characters').optional(),
  /** A session expires this long after login, or earlier at logout. */
  sessionHours: z.number().min(0.1).max(24 * 30).default(12),
});

export type DashboardConfig = z.infer<typeof dashboardConfig>;
