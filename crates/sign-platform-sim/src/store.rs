//! The SQLite schema: people, credentials, bindings, setup codes, OIDC state, sessions, SADs.

use rusqlite::{Connection, OptionalExtension as _};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS persons (
    person_id TEXT PRIMARY KEY, name_kanji TEXT NOT NULL, name_romaji TEXT NOT NULL,
    qualification TEXT NOT NULL, authority TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS credentials (
    credential_id TEXT PRIMARY KEY, person_id TEXT NOT NULL, certificate BLOB NOT NULL,
    key_index INTEGER NOT NULL, status TEXT NOT NULL);
-- kind: 'jpki' (My Number Card user-authentication certificate) or 'hpki' (HPKI card
-- authentication certificate); status: 'active', 'replaced' or 'revoked'.
CREATE TABLE IF NOT EXISTS card_bindings (
    id INTEGER PRIMARY KEY, person_id TEXT NOT NULL, kind TEXT NOT NULL,
    cert_sha256 TEXT NOT NULL, certificate BLOB NOT NULL, status TEXT NOT NULL,
    created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS card_bindings_cert ON card_bindings (cert_sha256);
CREATE TABLE IF NOT EXISTS devices (
    device_id TEXT PRIMARY KEY, person_id TEXT NOT NULL, public_key BLOB NOT NULL,
    label TEXT NOT NULL, status TEXT NOT NULL, created_at INTEGER NOT NULL);
-- kind: 'letter' (URL + password, 3 months) or 'qr' (generated after HPKI-card login).
CREATE TABLE IF NOT EXISTS setups (
    token TEXT PRIMARY KEY, person_id TEXT NOT NULL, kind TEXT NOT NULL,
    password_sha256 TEXT, expires_at INTEGER NOT NULL, failures INTEGER NOT NULL,
    used INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS auth_requests (
    id TEXT PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL,
    state TEXT NOT NULL, nonce TEXT NOT NULL, code_challenge TEXT NOT NULL,
    challenge TEXT NOT NULL, expires_at INTEGER NOT NULL, used INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS codes (
    code TEXT PRIMARY KEY, client_id TEXT NOT NULL, redirect_uri TEXT NOT NULL,
    nonce TEXT NOT NULL, code_challenge TEXT NOT NULL, person_id TEXT NOT NULL,
    binding TEXT NOT NULL, auth_time INTEGER NOT NULL, expires_at INTEGER NOT NULL,
    used INTEGER NOT NULL);
-- binding: 'card:<id>' or 'device:<device_id>', re-checked on every call.
CREATE TABLE IF NOT EXISTS sessions (
    token TEXT PRIMARY KEY, person_id TEXT NOT NULL, client_id TEXT NOT NULL,
    binding TEXT NOT NULL, expires_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS bind_challenges (
    challenge TEXT PRIMARY KEY, person_id TEXT NOT NULL, expires_at INTEGER NOT NULL,
    used INTEGER NOT NULL);
-- hashes: JSON array of the base64 hashes not yet signed.
CREATE TABLE IF NOT EXISTS sads (
    sad TEXT PRIMARY KEY, credential_id TEXT NOT NULL, person_id TEXT NOT NULL,
    hash_oid TEXT NOT NULL, hashes TEXT NOT NULL, remaining INTEGER NOT NULL,
    expires_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS auth_requests_expiry ON auth_requests (expires_at);
CREATE INDEX IF NOT EXISTS codes_expiry ON codes (expires_at);
CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions (expires_at);
CREATE INDEX IF NOT EXISTS bind_challenges_expiry ON bind_challenges (expires_at);
CREATE INDEX IF NOT EXISTS sads_expiry ON sads (expires_at);
CREATE INDEX IF NOT EXISTS setups_expiry ON setups (expires_at);
";

/// Short-lived rows, deleted once expired ([`purge`]).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Expiring {
    AuthRequests,
    Codes,
    Sessions,
    BindChallenges,
    Sads,
    Setups,
}

impl Expiring {
    fn table(self) -> &'static str {
        match self {
            Self::AuthRequests => "auth_requests",
            Self::Codes => "codes",
            Self::Sessions => "sessions",
            Self::BindChallenges => "bind_challenges",
            Self::Sads => "sads",
            Self::Setups => "setups",
        }
    }
}

/// Deletes the rows of `kind` expired at `now` (Unix seconds); returns how many are
/// left. An expired row only ever answered "expired", as an unknown one does.
pub(crate) fn purge(conn: &Connection, kind: Expiring, now: i64) -> rusqlite::Result<usize> {
    let table = kind.table();
    conn.execute(
        &format!("DELETE FROM {table} WHERE expires_at <= ?1"),
        [now],
    )?;
    let left: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?;
    Ok(usize::try_from(left).unwrap_or(usize::MAX))
}

/// Creates the tables that do not exist yet.
pub(crate) fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(SCHEMA)
}

/// Reads a `meta` value.
pub(crate) fn meta(conn: &Connection, key: &str) -> rusqlite::Result<Option<Vec<u8>>> {
    conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()
}

/// Writes a `meta` value.
pub(crate) fn set_meta(conn: &Connection, key: &str, value: &[u8]) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        rusqlite::params![key, value],
    )
    .map(drop)
}
