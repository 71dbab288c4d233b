/** The service's schema, created idempotently at start-up on the writer (under an advisory lock). */

export const MIGRATION_LOCK_ID = 7261001;

export const MIGRATION_SQL = `
CREATE TABLE IF NOT EXISTS items (
  id uuid PRIMARY KEY,
  name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
  value text CHECK (value IS NULL OR char_length(value) <= 2000),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS items_created_at_idx ON items (created_at DESC);
-- Idempotency-Key of the POST that created the row (NULL without one): a client retrying a write it got no answer
-- for sends the same key, and the unique index makes the retry return the first row instead of a second one.
-- NULLs never conflict, so writes without a key are unaffected. The format is checked by the HTTP layer.
ALTER TABLE items ADD COLUMN IF NOT EXISTS idempotency_key text;
CREATE UNIQUE INDEX IF NOT EXISTS items_idempotency_key_idx ON items (idempotency_key);
CREATE TABLE IF NOT EXISTS sessions (
  token_hash text PRIMARY KEY,
  user_name text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expires_at_idx ON sessions (expires_at);
-- One row the health probe rewrites while writes are failing for want of a resource (disk full, ...): the writer
-- readiness comes back only once a real write succeeds again.
CREATE TABLE IF NOT EXISTS service_probe (
  id int PRIMARY KEY,
  written_at timestamptz NOT NULL
);
`;

/** The probe's write (see service_probe above). */
export const PROBE_WRITE_SQL =
  'INSERT INTO service_probe (id, written_at) VALUES (1, now()) ' +
  'ON CONFLICT (id) DO UPDATE SET written_at = excluded.written_at';
