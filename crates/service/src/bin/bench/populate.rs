//! A realistic large clinic, written straight into the database (SQLite or
//! Postgres) with bulk `INSERT … SELECT` statements: one clinic, 20 staff,
//! 30k patients, 100k conversations of 10 messages each (the default size).
//!
//! The shape, per conversation `i` (1-based):
//! - its patient is `(i - 1) % patients + 1` (about 3.3 conversations each);
//! - messages alternate staff (even `k`) and patient (odd `k`); the staff
//!   author is the conversation's creator, or for every fourth conversation a
//!   second staff member on messages 4 and 8; both are members;
//! - kinds: `i % 50 == 1` waits for a reply (open, last message the
//!   patient's, `needs_reply = 1`: 2%); `i % 50 == 26` was closed after the
//!   patient's last message; the rest were answered by staff, and one in
//!   five of those was closed afterwards;
//! - the measuring user (an MOA, staff 0) has a read marker on 90% of the
//!   conversations: everything read, except half of those waiting for a reply;
//!   a few conversations are marked unread.
//!
//! The denormalised columns (last message, preview, last author,
//! needs_reply, change_seq, members' last_message_at) are computed from the
//! inserted messages the way the service maintains them.

use std::str::FromStr;
use std::time::Instant;

use anyhow::Context;
use cortico_protocol::api::Role;
use cortico_service::http::AppState;
use sqlx::any::AnyConnectOptions;
use sqlx::{AnyConnection, ConnectOptions, Connection, Executor};

use crate::server::{self, Staff};

/// How big the clinic is.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    /// Conversations (10 messages each).
    pub conversations: i64,
    /// Patients.
    pub patients: i64,
}

/// Messages per conversation.
const PER_CONVERSATION: i64 = 10;
/// Staff accounts.
const STAFF: usize = 20;
/// Conversations start 10 minutes apart (100k span about two years).
const STEP_MS: i64 = 10 * 60_000;

const FIRST_NAMES: [&str; 20] = [
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Charlotte",
    "William",
    "Amelia",
    "Benjamin",
    "Sophia",
    "Lucas",
    "Mia",
    "Ethan",
    "Chloe",
    "Jacob",
    "Aria",
    "Logan",
    "Zoe",
    "Nathan",
    "Maya",
    "Owen",
];
const LAST_NAMES: [&str; 25] = [
    "Tremblay",
    "Gagnon",
    "Roy",
    "Côté",
    "Bouchard",
    "Gauthier",
    "Morin",
    "Lavoie",
    "Fortin",
    "Smith",
    "Brown",
    "Wilson",
    "MacDonald",
    "Taylor",
    "Campbell",
    "Anderson",
    "Lee",
    "Martin",
    "Nguyen",
    "Patel",
    "Singh",
    "Chen",
    "Wong",
    "Thompson",
    "O'Brien",
];
const PHRASES: [&str; 16] = [
    "Your recent blood work came back and the results are within the normal range for your age.",
    "Could you please let us know if the new dose is causing any dizziness or stomach upset?",
    "The pharmacy has received the renewal for your prescription and it will be ready tomorrow.",
    "I have been having headaches again in the afternoons, mostly after work, for about a week.",
    "Please book a follow-up appointment in two weeks so we can review how the treatment is going.",
    "Thank you, I picked up the medication yesterday and started taking it with breakfast today.",
    "Your referral to the dermatology clinic was sent; they will call you to schedule a visit.",
    "Is it normal to still have a cough three weeks after the infection? It is worse at night.",
    "The imaging report from the hospital is in your chart and the doctor reviewed it this morning.",
    "Could I get a note for work covering the days I was off sick last Monday and Tuesday please?",
    "Remember to fast for twelve hours before the lab visit; water and your usual pills are fine.",
    "My blood pressure readings at home have been around 135 over 85 for the last few days.",
    "We need an updated health card number on file before your next visit; please send it here.",
    "The swelling in my ankle has gone down a lot but it still hurts when I walk up the stairs.",
    "Your vaccination record has been updated and a copy is available at the front desk for you.",
    "Yes, that time works for me. I will bring the list of supplements I am currently taking.",
];

/// The staff accounts; the first is the measuring user (an MOA).
pub async fn staff(state: &AppState, clinic_id: i64) -> anyhow::Result<Vec<Staff>> {
    let mut staff = Vec::with_capacity(STAFF);
    for n in 0..STAFF {
        let role = match n {
            0..=5 => Role::Moa,
            6 | 7 => Role::Admin,
            _ => Role::Doctor,
        };
        staff.push(
            server::staff(
                state,
                clinic_id,
                format!("staff{n}@bench-clinic.example"),
                format!("{} {}", FIRST_NAMES[(n * 3) % FIRST_NAMES.len()], LAST_NAMES[(n * 7) % LAST_NAMES.len()]),
                role,
            )
            .await?,
        );
    }
    Ok(staff)
}

/// Fills the database at `url`; the service's writer must be idle.
pub async fn populate(url: &str, clinic_id: i64, staff: &[Staff], size: Size, now: i64) -> anyhow::Result<()> {
    let postgres = url.starts_with("postgres");
    let mut conn = AnyConnectOptions::from_str(url)?
        .disable_statement_logging()
        .connect()
        .await
        .context("opening the database for bulk loading")?;
    if !postgres {
        // The service's durability settings; bulk statements commit rarely, so
        // they cost nothing here. Checkpoints wait until the end.
        conn.execute(
            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = OFF; PRAGMA cache_size = -524288;
             PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = 0;",
        )
        .await?;
    }
    if postgres {
        // Messages go in before their conversations, as on SQLite with
        // foreign keys off; the check below looks at the keys afterwards.
        conn.execute("SET session_replication_role = replica").await.context("bulk loading needs a superuser")?;
    }
    // The few spellings the two engines do not share.
    let (greatest, import_key) = if postgres {
        ("GREATEST", "'import-' || lpad(CAST(m.id AS TEXT), 9, '0')")
    } else {
        ("MAX", "printf('import-%09d', m.id)")
    };

    let n = size.conversations;
    // The newest conversation started two days ago.
    let base = now - 2 * 86_400_000 - n * STEP_MS;
    scratch_tables(&mut conn, staff, size, base).await?;
    let seq0: i64 =
        sqlx::query_scalar("SELECT value FROM counters WHERE name = 'change_seq'").fetch_one(&mut conn).await?;
    let measuring = staff[0].id;
    let steps: [(&str, String); 9] = [
        ("patients", format!(
            "INSERT INTO patients (id, clinic_id, demographic_no, first_name, last_name, email, created_at)
             SELECT j, {clinic_id}, 10000 + j, f.name, l.name, 'patient' || j || '@mail.example', {base}
             FROM gen_patient JOIN gen_first f ON f.n = j % 20 JOIN gen_last l ON l.n = (j * 7) % 25
             ORDER BY j"
        )),
        ("messages", format!(
            "INSERT INTO messages (id, conversation_id, author_staff_id, body, created_at, patient_read_at)
             SELECT id, i, author, body, at,
                    -- Patients open most staff messages within the hour; the newest ones sometimes not yet.
                    CASE WHEN author IS NOT NULL AND NOT (k >= 8 AND i % 3 = 0) THEN at + 1800000 END
             FROM (
                 SELECT (g.i - 1) * {PER_CONVERSATION} + k.k + 1 AS id, g.i AS i, k.k AS k,
                        CASE WHEN k.k % 2 = 1 AND NOT (k.k = 9 AND g.kind = 'answered') THEN NULL
                             WHEN g.b IS NOT NULL AND k.k IN (4, 8) THEN g.b
                             ELSE g.a END AS author,
                        p1.text || ' ' || p2.text AS body,
                        g.created_at + k.k * g.gap AS at
                 FROM gen_conv g CROSS JOIN gen_k k
                 JOIN gen_phrase p1 ON p1.n = (g.i * 7 + k.k * 3) % 16
                 JOIN gen_phrase p2 ON p2.n = (g.i * 11 + k.k * 5 + 3) % 16
             ) AS generated
             ORDER BY id"
        )),
        ("conversations", format!(
            "INSERT INTO conversations (id, clinic_id, patient_id, state, replies_allowed, created_by, created_at,
                 last_message_id, last_message_at, last_author, preview, needs_reply, change_seq)
             SELECT g.i, {clinic_id}, g.patient_id,
                    CASE WHEN g.kind = 'waiting' THEN 'open'
                         WHEN g.kind = 'closed_unanswered' OR g.i % 5 = 0 THEN 'closed' ELSE 'open' END,
                    CASE WHEN g.kind = 'waiting' OR g.i % 3 = 0 THEN 1 ELSE 0 END,
                    g.a, g.created_at, m.id, m.created_at,
                    CASE WHEN m.author_staff_id IS NULL THEN 'patient' ELSE 'staff' END,
                    CASE WHEN length(m.body) <= 140 THEN m.body ELSE substr(m.body, 1, 139) || '…' END,
                    CASE WHEN g.kind = 'waiting' THEN 1 ELSE 0 END,
                    {seq0} + g.i
             FROM gen_conv g JOIN messages m ON m.id = g.i * {PER_CONVERSATION}
             ORDER BY g.i"
        )),
        ("conversation_members", "INSERT INTO conversation_members (conversation_id, staff_id, last_message_at, added_at)
             SELECT g.i, g.a, c.last_message_at, g.created_at FROM gen_conv g JOIN conversations c ON c.id = g.i
             UNION ALL
             SELECT g.i, g.b, c.last_message_at, g.created_at + 4 * g.gap FROM gen_conv g JOIN conversations c ON c.id = g.i
             WHERE g.b IS NOT NULL
             ORDER BY 1, 2".to_owned()),
        // Members have read what they wrote, and everything once it was answered.
        ("read_state (members)", "INSERT INTO read_state (staff_id, conversation_id, last_read_message_id, marked_unread)
             SELECT m.staff_id, m.conversation_id,
                    CASE WHEN c.needs_reply = 1
                         THEN (SELECT MAX(id) FROM messages WHERE conversation_id = c.id AND author_staff_id = m.staff_id)
                         ELSE c.last_message_id END,
                    0
             FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id".to_owned()),
        ("read_state (measuring user)", format!(
            "INSERT INTO read_state (staff_id, conversation_id, last_read_message_id, marked_unread)
             SELECT {measuring}, c.id,
                    CASE WHEN c.needs_reply = 1 AND (c.id / 50) % 2 = 0 THEN c.last_message_id - 1
                         ELSE c.last_message_id END,
                    CASE WHEN c.id % 500 IN (3, 51) THEN 1 ELSE 0 END
             FROM conversations c WHERE c.id % 10 <> 7
             ON CONFLICT (staff_id, conversation_id) DO UPDATE SET
                 last_read_message_id = {greatest}(read_state.last_read_message_id, excluded.last_read_message_id),
                 marked_unread = excluded.marked_unread"
        )),
        ("idempotency_keys", format!(
            "INSERT INTO idempotency_keys (clinic_id, actor, key, message_id, created_at)
             SELECT {clinic_id},
                    CASE WHEN m.author_staff_id IS NULL THEN 'p:' || c.patient_id ELSE 's:' || m.author_staff_id END,
                    {import_key}, m.id, m.created_at
             FROM messages m JOIN conversations c ON c.id = m.conversation_id"
        )),
        ("staff_unread", format!(
            "INSERT INTO staff_unread (staff_id, conversation_id)
             SELECT s.id, c.id FROM conversations c
             JOIN staff s ON s.clinic_id = c.clinic_id
             LEFT JOIN read_state rs ON rs.staff_id = s.id AND rs.conversation_id = c.id
             WHERE c.clinic_id = {clinic_id}
               AND ((c.needs_reply = 1 AND (rs.staff_id IS NULL OR rs.last_read_message_id < c.last_message_id))
                    OR rs.marked_unread = 1)"
        )),
        ("counters", format!(
            "UPDATE counters SET value = {seq0} + {n} WHERE name = 'change_seq'"
        )),
    ];
    for (what, sql) in steps {
        let began = Instant::now();
        let done = conn.execute(sql.as_str()).await.with_context(|| format!("inserting {what}"))?;
        eprintln!("bench:   {what}: {} rows in {:.1} s", done.rows_affected(), began.elapsed().as_secs_f64());
    }
    check(&mut conn, postgres).await?;
    let began = Instant::now();
    if postgres {
        // Rows came with their ids: move the id sequences past them, and
        // give the planner statistics, as autovacuum would.
        for table in ["patients", "conversations", "messages"] {
            conn.execute(
                format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")
                    .as_str(),
            )
            .await?;
        }
        conn.execute("SET session_replication_role = DEFAULT").await?;
        conn.execute("ANALYZE").await?;
        eprintln!("bench:   analyzed in {:.1} s", began.elapsed().as_secs_f64());
    } else {
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").await?;
        eprintln!("bench:   checkpoint in {:.1} s", began.elapsed().as_secs_f64());
    }
    conn.close().await?;
    Ok(())
}

/// Checks that the denormalised columns agree with the rows they summarise,
/// as the service keeps them; fails loudly otherwise.
async fn check(conn: &mut AnyConnection, postgres: bool) -> anyhow::Result<()> {
    let began = Instant::now();
    let checks = [
        (
            "conversations whose last message is not their newest",
            "SELECT COUNT(*) FROM conversations c JOIN messages m ON m.id = c.last_message_id
             WHERE m.conversation_id <> c.id OR m.created_at <> c.last_message_at
                OR m.id <> (SELECT MAX(id) FROM messages WHERE conversation_id = c.id)
                OR c.last_author <> CASE WHEN m.author_staff_id IS NULL THEN 'patient' ELSE 'staff' END",
        ),
        (
            "conversations with needs_reply wrong",
            "SELECT COUNT(*) FROM conversations
             WHERE needs_reply <> CASE WHEN state = 'open' AND last_author = 'patient' THEN 1 ELSE 0 END",
        ),
        (
            "members whose last_message_at differs from the conversation's",
            "SELECT COUNT(*) FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id
             WHERE m.last_message_at <> c.last_message_at",
        ),
        (
            "staff authors who are not members",
            "SELECT COUNT(*) FROM (SELECT DISTINCT conversation_id, author_staff_id FROM messages
                                   WHERE author_staff_id IS NOT NULL) a
             WHERE NOT EXISTS (SELECT 1 FROM conversation_members m
                               WHERE m.conversation_id = a.conversation_id AND m.staff_id = a.author_staff_id)",
        ),
        (
            "read markers behind the reader's own messages or past the end",
            "SELECT COUNT(*) FROM read_state r JOIN conversations c ON c.id = r.conversation_id
             WHERE r.last_read_message_id > c.last_message_id
                OR r.last_read_message_id < COALESCE((SELECT MAX(id) FROM messages
                    WHERE conversation_id = r.conversation_id AND author_staff_id = r.staff_id), 0)",
        ),
        (
            "messages without an idempotency key",
            "SELECT (SELECT COUNT(*) FROM messages) - (SELECT COUNT(*) FROM idempotency_keys)",
        ),
        (
            "rows breaking a foreign key",
            if postgres {
                "SELECT (SELECT COUNT(*) FROM messages m WHERE NOT EXISTS
                            (SELECT 1 FROM conversations c WHERE c.id = m.conversation_id))
                      + (SELECT COUNT(*) FROM conversations c WHERE NOT EXISTS
                            (SELECT 1 FROM patients p WHERE p.id = c.patient_id))"
            } else {
                "SELECT COUNT(*) FROM pragma_foreign_key_check"
            },
        ),
    ];
    for (what, sql) in checks {
        let wrong: i64 = sqlx::query_scalar(&format!("SELECT CAST(({sql}) AS BIGINT)"))
            .fetch_one(&mut *conn)
            .await
            .with_context(|| format!("checking {what}"))?;
        anyhow::ensure!(wrong == 0, "the generated data has {wrong} {what}");
    }
    eprintln!("bench:   consistency checked in {:.1} s", began.elapsed().as_secs_f64());
    Ok(())
}

/// Temporary tables that drive the generation.
async fn scratch_tables(conn: &mut AnyConnection, staff: &[Staff], size: Size, base: i64) -> anyhow::Result<()> {
    conn.execute(
        "CREATE TEMP TABLE gen_staff (n BIGINT PRIMARY KEY, id BIGINT NOT NULL);
         CREATE TEMP TABLE gen_first (n BIGINT PRIMARY KEY, name TEXT NOT NULL);
         CREATE TEMP TABLE gen_last (n BIGINT PRIMARY KEY, name TEXT NOT NULL);
         CREATE TEMP TABLE gen_phrase (n BIGINT PRIMARY KEY, text TEXT NOT NULL);
         CREATE TEMP TABLE gen_k (k BIGINT PRIMARY KEY);",
    )
    .await?;
    for (n, s) in staff.iter().enumerate() {
        sqlx::query("INSERT INTO gen_staff (n, id) VALUES ($1, $2)")
            .bind(n as i64)
            .bind(s.id)
            .execute(&mut *conn)
            .await?;
    }
    for (table, values) in
        [("gen_first", &FIRST_NAMES[..]), ("gen_last", &LAST_NAMES[..]), ("gen_phrase", &PHRASES[..])]
    {
        let column = if table == "gen_phrase" { "text" } else { "name" };
        for (n, v) in values.iter().enumerate() {
            sqlx::query(&format!("INSERT INTO {table} (n, {column}) VALUES ($1, $2)"))
                .bind(n as i64)
                .bind(*v)
                .execute(&mut *conn)
                .await?;
        }
    }
    let staff_count = staff.len();
    let (n, patients) = (size.conversations, size.patients);
    conn.execute(
        format!(
            "INSERT INTO gen_k (k) WITH RECURSIVE s(k) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT k + 1 FROM s WHERE k < {last_k})
             SELECT k FROM s;
             CREATE TEMP TABLE gen_patient (j BIGINT PRIMARY KEY);
             INSERT INTO gen_patient (j) WITH RECURSIVE s(j) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT j + 1 FROM s WHERE j < {patients})
             SELECT j FROM s;
             CREATE TEMP TABLE gen_conv (
                 i BIGINT PRIMARY KEY, patient_id BIGINT, a BIGINT, b BIGINT, kind TEXT,
                 created_at BIGINT, gap BIGINT);
             INSERT INTO gen_conv
             WITH RECURSIVE s(i) AS (SELECT CAST(1 AS BIGINT) UNION ALL SELECT i + 1 FROM s WHERE i < {n})
             SELECT i, (i - 1) % {patients} + 1,
                    sa.id,
                    CASE WHEN i % 4 = 0 THEN (SELECT id FROM gen_staff WHERE n = (i * 7 + 5) % {staff_count}) END,
                    CASE WHEN i % 50 = 1 THEN 'waiting' WHEN i % 50 = 26 THEN 'closed_unanswered' ELSE 'answered' END,
                    {base} + i * {STEP_MS},
                    60000 * (1 + (i * 37) % 240)
             FROM s JOIN gen_staff sa ON sa.n = (i * 7) % {staff_count};",
            last_k = PER_CONVERSATION - 1,
        )
        .as_str(),
    )
    .await
    .context("creating the generator tables")?;
    Ok(())
}
