//! The SQLite database: everything the portal knows survives a restart.

use std::path::Path;

use mynaportal_client::wire::{BindingInfo, Draft, Mail, Message, PersonRecord, State, Step};
use rusqlite::{Connection, OptionalExtension, params};

use crate::Error;

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS persons (
    person_id TEXT PRIMARY KEY,
    record_json TEXT NOT NULL,
    email TEXT
);
CREATE TABLE IF NOT EXISTS challenges (
    id TEXT PRIMARY KEY,
    challenge BLOB NOT NULL,
    expires_at INTEGER NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS challenges_expiry ON challenges (expires_at);
CREATE TABLE IF NOT EXISTS sessions (
    token_sha256 TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    smartphone INTEGER NOT NULL,
    auth_certificate BLOB NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions (expires_at);
CREATE TABLE IF NOT EXISTS applications (
    id TEXT PRIMARY KEY,
    person_id TEXT NOT NULL,
    state TEXT NOT NULL,
    next_step TEXT NOT NULL,
    draft_json TEXT NOT NULL,
    auth_certificate BLOB,
    package_xml TEXT,
    created_at INTEGER NOT NULL,
    submitted_at INTEGER,
    decided_at INTEGER,
    reason TEXT
);
CREATE TABLE IF NOT EXISTS email_codes (
    application_id TEXT NOT NULL,
    address TEXT NOT NULL,
    code_sha256 TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    verified INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (application_id, address)
);
CREATE TABLE IF NOT EXISTS bindings (
    application_id TEXT PRIMARY KEY,
    binding_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    person_id TEXT NOT NULL,
    application_id TEXT NOT NULL,
    title_ja TEXT NOT NULL,
    body_ja TEXT NOT NULL,
    with_binding INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
";

/// One application row.
#[derive(Clone, Debug)]
pub(crate) struct AppRow {
    pub id: String,
    pub person_id: String,
    pub state: State,
    pub next_step: Step,
    pub draft: Draft,
    pub auth_certificate: Option<Vec<u8>>,
    pub created_at: i64,
    pub submitted_at: Option<i64>,
    pub decided_at: Option<i64>,
    pub reason: Option<String>,
}

/// One session row.
#[derive(Clone, Debug)]
pub(crate) struct SessionRow {
    pub person_id: String,
    pub smartphone: bool,
    pub auth_certificate: Vec<u8>,
    pub expires_at: i64,
}

pub(crate) fn open(db: Option<&Path>) -> Result<Connection, Error> {
    let conn = match db {
        Some(path) => Connection::open(path)?,
        None => Connection::open_in_memory()?,
    };
    conn.execute_batch(SCHEMA)?;
    Ok(conn)
}

fn state_str(s: State) -> &'static str {
    match s {
        State::Draft => "draft",
        State::UnderReview => "under_review",
        State::Approved => "approved",
        State::Rejected => "rejected",
    }
}

fn parse_state(s: &str) -> State {
    match s {
        "under_review" => State::UnderReview,
        "approved" => State::Approved,
        "rejected" => State::Rejected,
        _ => State::Draft,
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, Error> {
    serde_json::to_string(v).map_err(|e| Error::Corrupt(e.to_string()))
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, Error> {
    serde_json::from_str(s).map_err(|e| Error::Corrupt(e.to_string()))
}

pub(crate) fn person(
    conn: &Connection,
    person_id: &str,
) -> Result<(Option<PersonRecord>, Option<String>), Error> {
    let row: Option<(String, Option<String>)> = conn
        .query_row(
            "SELECT record_json, email FROM persons WHERE person_id = ?1",
            params![person_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        Some((json, email)) => Ok((Some(from_json(&json)?), email)),
        None => Ok((None, None)),
    }
}

pub(crate) fn put_person(
    conn: &Connection,
    person_id: &str,
    record: &PersonRecord,
    email: Option<&str>,
) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO persons (person_id, record_json, email) VALUES (?1, ?2, ?3)
         ON CONFLICT(person_id) DO UPDATE SET record_json = excluded.record_json, email = excluded.email",
        params![person_id, to_json(record)?, email],
    )?;
    Ok(())
}

pub(crate) fn insert_challenge(
    conn: &Connection,
    id: &str,
    challenge: &[u8],
    expires_at: i64,
) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO challenges (id, challenge, expires_at) VALUES (?1, ?2, ?3)",
        params![id, challenge, expires_at],
    )?;
    Ok(())
}

/// Deletes the challenges expired at `now`; returns how many.
pub(crate) fn purge_challenges(conn: &Connection, now: i64) -> Result<usize, Error> {
    Ok(conn.execute(
        "DELETE FROM challenges WHERE expires_at <= ?1",
        params![now],
    )?)
}

/// The challenges stored (after a purge: those not expired, used or not).
pub(crate) fn pending_challenges(conn: &Connection) -> Result<usize, Error> {
    let n: i64 = conn.query_row("SELECT COUNT(*) FROM challenges", [], |r| r.get(0))?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

/// Deletes the sessions expired at `now`; returns how many.
pub(crate) fn purge_sessions(conn: &Connection, now: i64) -> Result<usize, Error> {
    Ok(conn.execute("DELETE FROM sessions WHERE expires_at <= ?1", params![now])?)
}

/// Takes a challenge (once): its bytes and expiry.
pub(crate) fn take_challenge(conn: &Connection, id: &str) -> Result<Option<(Vec<u8>, i64)>, Error> {
    let row: Option<(Vec<u8>, i64, i64)> = conn
        .query_row(
            "SELECT challenge, expires_at, used FROM challenges WHERE id = ?1",
            params![id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    conn.execute("UPDATE challenges SET used = 1 WHERE id = ?1", params![id])?;
    Ok(row
        .filter(|(_, _, used)| *used == 0)
        .map(|(c, e, _)| (c, e)))
}

pub(crate) fn insert_session(
    conn: &Connection,
    token_sha256: &str,
    s: &SessionRow,
) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO sessions (token_sha256, person_id, smartphone, auth_certificate, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![token_sha256, s.person_id, s.smartphone, s.auth_certificate, s.expires_at],
    )?;
    Ok(())
}

pub(crate) fn session(conn: &Connection, token_sha256: &str) -> Result<Option<SessionRow>, Error> {
    Ok(conn
        .query_row(
            "SELECT person_id, smartphone, auth_certificate, expires_at FROM sessions WHERE token_sha256 = ?1",
            params![token_sha256],
            |r| {
                Ok(SessionRow {
                    person_id: r.get(0)?,
                    smartphone: r.get(1)?,
                    auth_certificate: r.get(2)?,
                    expires_at: r.get(3)?,
                })
            },
        )
        .optional()?)
}

pub(crate) fn touch_session(
    conn: &Connection,
    token_sha256: &str,
    expires_at: i64,
) -> Result<(), Error> {
    conn.execute(
        "UPDATE sessions SET expires_at = ?2 WHERE token_sha256 = ?1",
        params![token_sha256, expires_at],
    )?;
    Ok(())
}

pub(crate) fn delete_session(conn: &Connection, token_sha256: &str) -> Result<(), Error> {
    conn.execute(
        "DELETE FROM sessions WHERE token_sha256 = ?1",
        params![token_sha256],
    )?;
    Ok(())
}

const APP_COLUMNS: &str = "id, person_id, state, next_step, draft_json, auth_certificate, created_at, submitted_at, decided_at, reason";

fn app_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(AppRow, String, String)> {
    Ok((
        AppRow {
            id: r.get(0)?,
            person_id: r.get(1)?,
            state: parse_state(&r.get::<_, String>(2)?),
            next_step: Step::Qualification,
            draft: Draft::default(),
            auth_certificate: r.get(5)?,
            created_at: r.get(6)?,
            submitted_at: r.get(7)?,
            decided_at: r.get(8)?,
            reason: r.get(9)?,
        },
        r.get(3)?,
        r.get(4)?,
    ))
}

fn finish_row((mut row, step, draft): (AppRow, String, String)) -> Result<AppRow, Error> {
    row.next_step =
        Step::from_str_opt(&step).ok_or_else(|| Error::Corrupt(format!("step {step:?}")))?;
    row.draft = from_json(&draft)?;
    Ok(row)
}

pub(crate) fn application(conn: &Connection, id: &str) -> Result<Option<AppRow>, Error> {
    let row = conn
        .query_row(
            &format!("SELECT {APP_COLUMNS} FROM applications WHERE id = ?1"),
            params![id],
            app_row,
        )
        .optional()?;
    row.map(finish_row).transpose()
}

pub(crate) fn applications_of(conn: &Connection, person_id: &str) -> Result<Vec<AppRow>, Error> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {APP_COLUMNS} FROM applications WHERE person_id = ?1 ORDER BY created_at, id"
    ))?;
    let rows = stmt.query_map(params![person_id], app_row)?;
    let mut out = Vec::new();
    for row in rows {
        out.push(finish_row(row?)?);
    }
    Ok(out)
}

pub(crate) fn insert_application(conn: &Connection, row: &AppRow) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO applications (id, person_id, state, next_step, draft_json, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![row.id, row.person_id, state_str(row.state), row.next_step.as_str(), to_json(&row.draft)?, row.created_at],
    )?;
    Ok(())
}

pub(crate) fn update_application(conn: &Connection, row: &AppRow) -> Result<(), Error> {
    conn.execute(
        "UPDATE applications SET state = ?2, next_step = ?3, draft_json = ?4, auth_certificate = ?5,
         submitted_at = ?6, decided_at = ?7, reason = ?8 WHERE id = ?1",
        params![
            row.id,
            state_str(row.state),
            row.next_step.as_str(),
            to_json(&row.draft)?,
            row.auth_certificate,
            row.submitted_at,
            row.decided_at,
            row.reason
        ],
    )?;
    Ok(())
}

pub(crate) fn store_package(conn: &Connection, id: &str, xml: &str) -> Result<(), Error> {
    conn.execute(
        "UPDATE applications SET package_xml = ?2 WHERE id = ?1",
        params![id, xml],
    )?;
    Ok(())
}

/// Whether the application's signed package is stored.
pub(crate) fn has_package(conn: &Connection, id: &str) -> Result<bool, Error> {
    let n: i64 = conn.query_row(
        "SELECT COUNT(*) FROM applications WHERE id = ?1 AND package_xml IS NOT NULL",
        params![id],
        |r| r.get(0),
    )?;
    Ok(n > 0)
}

pub(crate) fn put_code(
    conn: &Connection,
    app: &str,
    address: &str,
    code_sha256: &str,
    expires_at: i64,
) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO email_codes (application_id, address, code_sha256, expires_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(application_id, address) DO UPDATE SET code_sha256 = excluded.code_sha256,
         expires_at = excluded.expires_at, attempts = 0, verified = 0",
        params![app, address, code_sha256, expires_at],
    )?;
    Ok(())
}

/// A code row: sha256, expiry, attempts, verified.
pub(crate) fn code(
    conn: &Connection,
    app: &str,
    address: &str,
) -> Result<Option<(String, i64, i64, bool)>, Error> {
    Ok(conn
        .query_row(
            "SELECT code_sha256, expires_at, attempts, verified FROM email_codes WHERE application_id = ?1 AND address = ?2",
            params![app, address],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?)
}

pub(crate) fn code_attempt(
    conn: &Connection,
    app: &str,
    address: &str,
    verified: bool,
) -> Result<(), Error> {
    conn.execute(
        "UPDATE email_codes SET attempts = attempts + 1, verified = MAX(verified, ?3) WHERE application_id = ?1 AND address = ?2",
        params![app, address, verified],
    )?;
    Ok(())
}

pub(crate) fn put_binding(
    conn: &Connection,
    app: &str,
    binding: &BindingInfo,
) -> Result<(), Error> {
    conn.execute(
        "INSERT OR REPLACE INTO bindings (application_id, binding_json) VALUES (?1, ?2)",
        params![app, to_json(binding)?],
    )?;
    Ok(())
}

pub(crate) fn binding(conn: &Connection, app: &str) -> Result<Option<BindingInfo>, Error> {
    let json: Option<String> = conn
        .query_row(
            "SELECT binding_json FROM bindings WHERE application_id = ?1",
            params![app],
            |r| r.get(0),
        )
        .optional()?;
    json.map(|j| from_json(&j)).transpose()
}

pub(crate) fn add_message(
    conn: &Connection,
    person_id: &str,
    app: &str,
    title_ja: &str,
    body_ja: &str,
    with_binding: bool,
    at: i64,
) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO messages (person_id, application_id, title_ja, body_ja, with_binding, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![person_id, app, title_ja, body_ja, with_binding, at],
    )?;
    Ok(())
}

/// Messages of a person, with whether each carries the binding.
pub(crate) fn messages(conn: &Connection, person_id: &str) -> Result<Vec<(Message, bool)>, Error> {
    let mut stmt = conn.prepare(
        "SELECT id, application_id, title_ja, body_ja, with_binding, created_at FROM messages WHERE person_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![person_id], |r| {
        <(i64, String, String, String, bool, i64)>::try_from(r)
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, application_id, title_ja, body_ja, with_binding, at) = row?;
        out.push((
            Message {
                id,
                application_id,
                title_ja,
                body_ja,
                binding: None,
                created_at: ts(at),
            },
            with_binding,
        ));
    }
    Ok(out)
}

pub(crate) fn send_mail(
    conn: &Connection,
    to: &str,
    subject: &str,
    body: &str,
    at: i64,
) -> Result<(), Error> {
    conn.execute(
        "INSERT INTO outbox (to_addr, subject, body, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![to, subject, body, at],
    )?;
    Ok(())
}

pub(crate) fn outbox(conn: &Connection) -> Result<Vec<Mail>, Error> {
    let mut stmt =
        conn.prepare("SELECT id, to_addr, subject, body, created_at FROM outbox ORDER BY id")?;
    let rows = stmt.query_map([], |r| {
        Ok(Mail {
            id: r.get(0)?,
            to: r.get(1)?,
            subject: r.get(2)?,
            body: r.get(3)?,
            created_at: ts(r.get(4)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A stored second (Unix time) as a timestamp.
pub(crate) fn ts(secs: i64) -> jiff::Timestamp {
    jiff::Timestamp::from_second(secs).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}
