//! `kansa audit`: verify the hash chain, export it for an inspector, read
//! entries; `kansa users` and `kansa tokens`: who may call the service.

use crate::lists_cmd::{cli_actor, now_rfc3339};
use crate::output::{json, table};
use anyhow::{anyhow, bail, Context, Result};
use clap::Subcommand;
use kansa_audit::{parse_hash, to_hex, Break, Entry, Hash, Verified, Verifier};
use kansa_server::auth::{self, Role};
use kansa_store::{Ledger, LedgerExt, TokenRow, User};
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Recompute the chain and report the first altered, missing or
    /// reordered entry; check stored decisions against their entries.
    Verify {
        /// Verify an exported file (JSON lines) instead of the store.
        #[arg(long)]
        file: Option<PathBuf>,
        /// An entry kept from an earlier export, `SEQ:HASH`: the log must
        /// still hold it, unchanged.
        #[arg(long)]
        anchor: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Write the entries as JSON lines (for an inspector); the head goes to
    /// stderr.
    Export {
        #[arg(long)]
        output: Option<PathBuf>,
        /// First sequence number.
        #[arg(long, default_value_t = 1)]
        from: i64,
    },
    /// Show entries, newest last.
    Log {
        /// Only entries about this subject (`event:ID`, `snapshot:3`,
        /// `user:alice`, `customer:C1`).
        #[arg(long)]
        subject: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: usize,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum UsersCommand {
    /// Add a user with a role: service, analyst, supervisor or admin.
    Add {
        name: String,
        #[arg(long)]
        role: String,
    },
    /// List users.
    Ls {
        #[arg(long)]
        json: bool,
    },
    /// Disable a user: their tokens stop working.
    Disable { name: String },
}

#[derive(Subcommand, Debug)]
pub enum TokensCommand {
    /// Create an API token for a user; the token is printed once, only its
    /// hash is kept.
    Create {
        #[arg(long)]
        user: String,
        /// What it is for.
        #[arg(long, default_value = "")]
        label: String,
        /// Lifetime, e.g. `90d`, `12h`; none by default.
        #[arg(long)]
        expires: Option<String>,
    },
    /// List tokens (never their secrets).
    Ls {
        #[arg(long)]
        user: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Revoke a token by id.
    Revoke { id: String },
}

fn parse_anchor(s: &str) -> Result<(i64, Hash)> {
    let (seq, hash) = s
        .split_once(':')
        .ok_or_else(|| anyhow!("--anchor {s:?}: expected SEQ:HASH"))?;
    let seq: i64 = seq
        .trim()
        .parse()
        .map_err(|_| anyhow!("--anchor {s:?}: {seq:?} is not a sequence number"))?;
    let hash =
        parse_hash(hash).ok_or_else(|| anyhow!("--anchor {s:?}: the hash is not 64 hex digits"))?;
    Ok((seq, hash))
}

/// What verification found: the chain, the anchor, stored decisions.
#[derive(Debug, serde::Serialize)]
struct Report {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    verified: Option<Verified>,
    #[serde(skip_serializing_if = "Option::is_none")]
    broken: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_bad_seq: Option<i64>,
    /// Decisions whose stored JSON no longer matches the hash in their entry.
    altered_decisions: Vec<String>,
    decisions_checked: u64,
}

/// Something that feeds entries, in stored order, to a callback.
type Feed<'a> = dyn FnMut(&mut dyn FnMut(Entry) -> Result<()>) -> Result<()> + 'a;

/// The chain check, with the anchor looked for on the way.
fn check(
    entries: &mut Feed<'_>,
    head: Option<(i64, Hash)>,
    anchor: Option<(i64, Hash)>,
    mut also: impl FnMut(&Entry) -> Result<()>,
) -> Result<std::result::Result<Verified, Break>> {
    let mut v = Verifier::new();
    let mut broke: Option<Break> = None;
    let mut anchor_seen = false;
    entries(&mut |e: Entry| {
        if broke.is_some() {
            return Ok(());
        }
        if let Err(b) = v.push(&e) {
            broke = Some(b);
            return Ok(());
        }
        if let Some((seq, hash)) = anchor {
            if e.seq == seq {
                anchor_seen = true;
                if e.hash != hash {
                    broke = Some(Break::HeadMismatch {
                        seq,
                        head: to_hex(&hash),
                    });
                    return Ok(());
                }
            }
        }
        also(&e)
    })?;
    if let Some(b) = broke {
        return Ok(Err(b));
    }
    if let Some((seq, _)) = anchor {
        if !anchor_seen {
            let (last, _) = v.position();
            return Ok(Err(Break::Truncated { last, head: seq }));
        }
    }
    Ok(v.finish(head))
}

fn verify(
    data: &Path,
    database: Option<&str>,
    file: Option<PathBuf>,
    anchor: Option<String>,
    as_json: bool,
) -> Result<bool> {
    let anchor = anchor.as_deref().map(parse_anchor).transpose()?;
    let mut report = Report {
        ok: false,
        verified: None,
        broken: None,
        first_bad_seq: None,
        altered_decisions: Vec::new(),
        decisions_checked: 0,
    };
    let result = match &file {
        Some(path) => {
            let f = std::fs::File::open(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let mut read = |f2: &mut dyn FnMut(Entry) -> Result<()>| -> Result<()> {
                for (i, line) in std::io::BufReader::new(&f).lines().enumerate() {
                    let line =
                        line.with_context(|| format!("{}: line {}", path.display(), i + 1))?;
                    if line.trim().is_empty() {
                        continue;
                    }
                    let e: Entry = serde_json::from_str(&line).with_context(|| {
                        format!("{}: line {}: not an audit entry", path.display(), i + 1)
                    })?;
                    f2(e)?;
                }
                Ok(())
            };
            check(&mut read, None, anchor, |_| Ok(()))?
        }
        None => {
            let store = open_ledger(data, database)?;
            let head = store.audit_head()?;
            let mut read = |f2: &mut dyn FnMut(Entry) -> Result<()>| store.for_each_audit(1, f2);
            let mut altered = Vec::new();
            let mut checked = 0u64;
            let r = check(&mut read, head, anchor, |e| {
                if e.action != "decision" {
                    return Ok(());
                }
                let Some(id) = e.subject.strip_prefix("event:") else {
                    return Ok(());
                };
                let detail: serde_json::Value = serde_json::from_str(&e.detail)?;
                checked += 1;
                let ok = match store.decision(id)? {
                    Some(d) => {
                        detail["decision_sha256"].as_str()
                            == Some(to_hex(&kansa_audit::sha256(d.decision.as_bytes())).as_str())
                            && detail["event_sha256"].as_str()
                                == Some(to_hex(&kansa_audit::sha256(d.event.as_bytes())).as_str())
                    }
                    None => false,
                };
                if !ok {
                    altered.push(id.to_string());
                }
                Ok(())
            })?;
            report.altered_decisions = altered;
            report.decisions_checked = checked;
            r
        }
    };
    match result {
        Ok(v) => {
            report.ok = report.altered_decisions.is_empty();
            report.verified = Some(v);
        }
        Err(b) => {
            report.first_bad_seq = Some(b.seq());
            report.broken = Some(b.to_string());
        }
    }
    if as_json {
        json(&report)?;
    } else {
        match (&report.verified, &report.broken) {
            (Some(v), _) => println!("{v}"),
            (_, Some(b)) => println!("BROKEN: {b}"),
            _ => {}
        }
        if file.is_none() && report.broken.is_none() {
            println!(
                "{} stored decisions checked against their entries",
                report.decisions_checked
            );
        }
        for id in &report.altered_decisions {
            println!("ALTERED: the stored decision of event {id} does not match its audit entry");
        }
    }
    Ok(report.ok)
}

/// The ledger: the PostgreSQL database when one is given, else the
/// embedded store; changes are audited as done by the CLI's user.
pub fn open_ledger(data: &Path, database: Option<&str>) -> Result<Box<dyn Ledger>> {
    let mut ledger: Box<dyn Ledger> = match database {
        Some(url) => Box::new(kansa_store::PgLedger::open(url)?),
        None => Box::new(
            kansa_store::Store::open_dir(data)
                .map_err(|e| anyhow::anyhow!("cannot open the store in {}: {e}", data.display()))?,
        ),
    };
    ledger.set_actor(&cli_actor());
    Ok(ledger)
}

fn parse_lifetime(s: &str) -> Result<std::time::Duration> {
    let d = humantime::parse_duration(s.trim())
        .map_err(|e| anyhow!("--expires {s:?}: {e} (e.g. 90d, 12h)"))?;
    if d.is_zero() {
        bail!("--expires {s:?}: the lifetime must be more than zero");
    }
    Ok(d)
}

pub fn run_audit(data: &Path, database: Option<&str>, cmd: AuditCommand) -> Result<bool> {
    match cmd {
        AuditCommand::Verify { file, anchor, json } => verify(data, database, file, anchor, json),
        AuditCommand::Export { output, from } => {
            let store = open_ledger(data, database)?;
            let mut out: Box<dyn Write> = match &output {
                Some(p) => Box::new(std::io::BufWriter::new(
                    std::fs::File::create(p)
                        .with_context(|| format!("cannot write {}", p.display()))?,
                )),
                None => Box::new(std::io::BufWriter::new(std::io::stdout())),
            };
            let mut n = 0u64;
            let mut last: Option<(i64, Hash)> = None;
            store.for_each_audit(from.max(1), |e| -> Result<()> {
                writeln!(out, "{}", serde_json::to_string(&e)?)?;
                n += 1;
                last = Some((e.seq, e.hash));
                Ok(())
            })?;
            out.flush()?;
            match last {
                Some((seq, hash)) => eprintln!(
                    "{n} entries exported; head {seq}:{} (keep it: `kansa audit verify --anchor {seq}:{}` proves later that the log still holds it)",
                    to_hex(&hash),
                    to_hex(&hash)
                ),
                None => eprintln!("the audit log is empty"),
            }
            Ok(true)
        }
        AuditCommand::Log {
            subject,
            limit,
            json: as_json,
        } => {
            let store = open_ledger(data, database)?;
            let mut rows: Vec<Entry> = match &subject {
                Some(s) => store.audit_for(s)?,
                None => {
                    let mut all = Vec::new();
                    store.for_each_audit(1, |e| -> Result<()> {
                        all.push(e);
                        if all.len() > limit * 4 {
                            all.drain(..all.len() - limit);
                        }
                        Ok(())
                    })?;
                    all
                }
            };
            if rows.len() > limit {
                rows.drain(..rows.len() - limit);
            }
            if as_json {
                json(&rows)?;
            } else {
                let t: Vec<Vec<String>> = rows
                    .iter()
                    .map(|e| {
                        vec![
                            e.seq.to_string(),
                            e.at.clone(),
                            e.actor.clone(),
                            e.action.clone(),
                            e.subject.clone(),
                            e.detail.chars().take(80).collect(),
                        ]
                    })
                    .collect();
                table(&["seq", "at", "actor", "action", "subject", "detail"], &t);
            }
            Ok(true)
        }
    }
}

pub fn run_users(data: &Path, database: Option<&str>, cmd: UsersCommand) -> Result<bool> {
    let mut store = open_ledger(data, database)?;
    match cmd {
        UsersCommand::Add { name, role } => {
            let r = Role::parse(&role).ok_or_else(|| {
                anyhow!("--role {role:?}: one of service, analyst, supervisor, admin")
            })?;
            let name = name.trim().to_string();
            if name.is_empty()
                || name.len() > 64
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-@".contains(c))
            {
                bail!("user name {name:?}: 1 to 64 letters, digits, '.', '_', '-' or '@'");
            }
            let u = User {
                name: name.clone(),
                role: r.as_str().to_string(),
                created_at: now_rfc3339(),
                disabled_at: None,
            };
            if !store.add_user(&u)? {
                bail!("a user named {name:?} exists already");
            }
            println!("user {name} added ({r})");
            Ok(true)
        }
        UsersCommand::Ls { json: as_json } => {
            let users = store.users()?;
            if as_json {
                json(&users)?;
            } else {
                let t: Vec<Vec<String>> = users
                    .iter()
                    .map(|u| {
                        vec![
                            u.name.clone(),
                            u.role.clone(),
                            u.created_at.clone(),
                            u.disabled_at.clone().unwrap_or_default(),
                        ]
                    })
                    .collect();
                table(&["user", "role", "created", "disabled"], &t);
            }
            Ok(true)
        }
        UsersCommand::Disable { name } => {
            if !store.disable_user(&name, &now_rfc3339())? {
                bail!("no enabled user named {name:?}");
            }
            println!("user {name} disabled");
            Ok(true)
        }
    }
}

pub fn run_tokens(data: &Path, database: Option<&str>, cmd: TokensCommand) -> Result<bool> {
    let mut store = open_ledger(data, database)?;
    match cmd {
        TokensCommand::Create {
            user,
            label,
            expires,
        } => {
            let u = store.user(&user)?.ok_or_else(|| {
                anyhow!("no user named {user:?} (add one with `kansa users add`)")
            })?;
            if u.disabled_at.is_some() {
                bail!("user {user:?} is disabled");
            }
            let now = std::time::SystemTime::now();
            let expires_at = expires
                .as_deref()
                .map(parse_lifetime)
                .transpose()?
                .map(|d| humantime::format_rfc3339_seconds(now + d).to_string());
            let t = auth::generate().map_err(|e| anyhow!(e))?;
            store.add_token(&TokenRow {
                id: t.id.clone(),
                user: u.name.clone(),
                secret_sha256: t.secret_sha256.to_vec(),
                label,
                created_at: humantime::format_rfc3339_seconds(now).to_string(),
                expires_at: expires_at.clone(),
                revoked_at: None,
            })?;
            eprintln!(
                "token {} for {} ({}){}; shown once, keep it secret:",
                t.id,
                u.name,
                u.role,
                expires_at
                    .map(|e| format!(", expires {e}"))
                    .unwrap_or_default()
            );
            println!("{}", t.token);
            Ok(true)
        }
        TokensCommand::Ls {
            user,
            json: as_json,
        } => {
            let tokens = store.tokens(user.as_deref())?;
            if as_json {
                json(&tokens)?;
            } else {
                let t: Vec<Vec<String>> = tokens
                    .iter()
                    .map(|t| {
                        vec![
                            t.id.clone(),
                            t.user.clone(),
                            t.label.clone(),
                            t.created_at.clone(),
                            t.expires_at.clone().unwrap_or_default(),
                            t.revoked_at.clone().unwrap_or_default(),
                        ]
                    })
                    .collect();
                table(
                    &["id", "user", "label", "created", "expires", "revoked"],
                    &t,
                );
            }
            Ok(true)
        }
        TokensCommand::Revoke { id } => {
            if !store.revoke_token(&id, &now_rfc3339())? {
                bail!("no active token with id {id:?}");
            }
            println!("token {id} revoked");
            Ok(true)
        }
    }
}
