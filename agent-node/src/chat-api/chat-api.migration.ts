/**
 * Node migration 6 — the OpenAI-compatible chat API. Keys themselves are secrets of kind
 * `chat_api_key` (their SHA-256 only, sealed like every secret) and their settings are `api`
 * channels of the config; this table keeps when each key was last used until a heartbeat
 * has reported it.
 */
export const CHAT_API_MIGRATION_SQL = `
  CREATE TABLE api_key_usage (
    channel_id   TEXT PRIMARY KEY,
    last_used_at INTEGER NOT NULL,
    reported_at  INTEGER NOT NULL DEFAULT 0
  );
`;
