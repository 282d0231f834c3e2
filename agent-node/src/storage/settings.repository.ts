import type { Db } from './database';

/** Small key/value settings (node state, retention, config revision, enrolment). */
export class SettingsRepository {
  private readonly getStmt;
  private readonly setStmt;
  constructor(db: Db) {
    this.getStmt = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
    this.setStmt = db.prepare(
      'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    );
  }
  get(key: string): string | undefined {
    return this.getStmt.get(key)?.value;
  }
  set(key: string, value: string): void {
    this.setStmt.run(key, value);
  }
}

export const SETTING = {
  state: 'node.state',
  retentionDays: 'retention.days',
  lastPurgeAt: 'retention.last_purge_at',
  configRevision: 'config.revision',
  /** Origin of the dashboard allowed to call the node from browsers (set with the config). */
  dashboardOrigin: 'dashboard.origin',
  enrolledAt: 'enrolment.enrolled_at',
  lastActivityAt: 'activity.last_at',
  countersSince: 'counters.since',
  /** JSON array of SPKI PEMs; absent until the control plane first sets it (config key then). */
  trustedControlPlaneKeys: 'control_plane.trusted_keys',
} as const;

/** The revision of the config last applied, null before the first. */
export function configRevision(settings: SettingsRepository): number | null {
  const revision = settings.get(SETTING.configRevision);
  return revision === undefined ? null : Number(revision);
}
