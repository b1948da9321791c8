//! The one thread that decides events: it owns the monitor (its windows
//! are one sequence) and a ledger connection of its own. Each batch is
//! decided under the ledger's write lock after reading what other
//! replicas stored since, so that replicas sharing a PostgreSQL ledger
//! decide as one monitor would, and an event id is decided once. Requests queue up
//! while a batch is being committed, and the next batch takes them all:
//! one transaction for many decisions (group commit), each reported only
//! once it is stored.
//!
//! If a commit fails, every request of the batch gets an error and the
//! monitor is rebuilt from the stored events, so its windows never count
//! an event that was not stored.

use crate::decisions::stored_row;
use crate::error::ApiError;
use axum::http::StatusCode;
use kansa_monitor::{Decision, Event, Monitor};
use kansa_store::ledger::ops;
use kansa_store::{Ledger, LedgerExt};
use std::collections::HashMap;
use std::sync::mpsc;
use tokio::sync::oneshot;

/// Most events committed in one transaction.
pub const BATCH: usize = 512;
/// Requests waiting at most; more are refused with 503.
pub const QUEUE: usize = 65_536;

struct Job {
    event: Event,
    actor: String,
    reply: oneshot::Sender<Result<Decision, ApiError>>,
}

/// What the monitor holds that callers may look at: the rule pack in force
/// and the wallets with their breakers, as of the last stored decision.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MonitorView {
    /// The pack's name.
    pub pack: String,
    /// How it came in force (None: the pack the service started with).
    pub published: Option<kansa_monitor::Published>,
    pub rules: Vec<RuleView>,
    pub wallets: Vec<kansa_monitor::WalletStatus>,
}

/// One rule of the pack in force.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleView {
    pub scenario: String,
    pub id: String,
    pub when: String,
    pub score: i64,
    pub outcome: Option<kansa_monitor::Outcome>,
    pub types: Vec<String>,
}

impl MonitorView {
    fn of(m: &Monitor) -> MonitorView {
        MonitorView {
            pack: m.pack().name.clone(),
            published: m.published().cloned(),
            rules: m
                .pack()
                .rules
                .iter()
                .map(|r| RuleView {
                    scenario: r.scenario.clone(),
                    id: r.id.clone(),
                    when: r.when.clone(),
                    score: r.score,
                    outcome: r.outcome,
                    types: r.types.clone(),
                })
                .collect(),
            wallets: m.wallets(),
        }
    }
}

// Decisions are the common case: kept inline, not boxed per event.
#[allow(clippy::large_enum_variant)]
enum Work {
    Decide(Job),
    Look(oneshot::Sender<Result<MonitorView, ApiError>>),
}

/// A handle to the deciding thread.
#[derive(Debug, Clone)]
pub struct Decider {
    tx: mpsc::SyncSender<Work>,
}

/// The screening generation (see `AppState::screening_generation`): when
/// it changes the monitor forgets the screening results it cached.
pub type Generation = Box<dyn Fn() -> u64 + Send>;

/// Makes a monitor whose windows hold every stored event, and the last
/// event's sequence number.
pub type Rebuild = Box<dyn Fn(&dyn Ledger) -> Result<(Monitor, i64), String> + Send>;

fn conflict(id: &str, existing: serde_json::Value) -> ApiError {
    ApiError {
        existing: Some(existing),
        ..ApiError::new(
            StatusCode::CONFLICT,
            "event_already_decided",
            format!("event {id} was decided before; the first decision stands"),
        )
    }
}

impl Decider {
    /// Starts the thread.
    pub fn start(
        mut monitor: Monitor,
        mut seen: i64,
        mut ledger: Box<dyn Ledger>,
        rebuild: Rebuild,
        residency: kansa_residency::Policy,
        sealer: Option<kansa_residency::Sealer>,
        generation: Generation,
    ) -> Decider {
        let (tx, rx) = mpsc::sync_channel::<Work>(QUEUE);
        std::thread::Builder::new()
            .name("kansa-decider".into())
            .spawn(move || {
                let mut seen_generation = generation();
                while let Ok(first) = rx.recv() {
                    // Lists, labels or customer hits changed: screen again.
                    let g = generation();
                    if g != seen_generation {
                        monitor.clear_screening_cache();
                        seen_generation = g;
                    }
                    let mut batch = Vec::new();
                    let mut looks = Vec::new();
                    let mut next = Some(first);
                    while let Some(w) = next.take() {
                        match w {
                            Work::Decide(j) => batch.push(j),
                            Work::Look(reply) => looks.push(reply),
                        }
                        if batch.len() < BATCH {
                            next = rx.try_recv().ok();
                        }
                    }
                    if !batch.is_empty() {
                        decide_batch(
                            &mut monitor,
                            &mut seen,
                            &mut ledger,
                            batch,
                            &rebuild,
                            &residency,
                            sealer.as_ref(),
                        );
                    }
                    if !looks.is_empty() {
                        // What other replicas decided counts too.
                        let caught_up = ledger.write(|sql, _| {
                            catch_up(&mut monitor, &mut seen, sql, sealer.as_ref())
                        });
                        for reply in looks {
                            let _ = reply.send(match &caught_up {
                                Ok(()) => Ok(MonitorView::of(&monitor)),
                                Err(e) => Err(ApiError::internal(e)),
                            });
                        }
                    }
                }
            })
            .map(|_| ())
            .unwrap_or_else(|e| eprintln!("kansa serve: cannot start the decider: {e}"));
        Decider { tx }
    }

    /// Decides one event; the answer comes once it is stored.
    pub async fn decide(&self, event: Event, actor: &str) -> Result<Decision, ApiError> {
        let actor = actor.to_string();
        self.ask(|reply| {
            Work::Decide(Job {
                event,
                actor,
                reply,
            })
        })
        .await
    }

    /// The rule pack in force and the wallets, once the decider has
    /// applied every stored decision.
    pub async fn look(&self) -> Result<MonitorView, ApiError> {
        self.ask(Work::Look).await
    }

    /// Queues work for the deciding thread and waits for its answer.
    async fn ask<T>(
        &self,
        work: impl FnOnce(oneshot::Sender<Result<T, ApiError>>) -> Work,
    ) -> Result<T, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.tx.try_send(work(reply)).map_err(|e| match e {
            mpsc::TrySendError::Full(_) => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                "too many events are waiting for a decision; retry later",
            ),
            mpsc::TrySendError::Disconnected(_) => ApiError::internal("the decider stopped"),
        })?;
        answer
            .await
            .map_err(|_| ApiError::internal("the decider dropped a request"))?
    }
}

/// Applies to the monitor's windows what other replicas stored since this
/// one last looked.
fn catch_up(
    monitor: &mut Monitor,
    seen: &mut i64,
    sql: &mut dyn kansa_store::sql::Sql,
    sealer: Option<&kansa_residency::Sealer>,
) -> Result<(), kansa_store::StoreError> {
    loop {
        let rows = ops::decisions_after(sql, *seen, 10_000)?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        *seen = last.seq;
        for r in &rows {
            crate::decisions::apply(monitor, r, sealer).map_err(corrupt)?;
        }
    }
}

fn decide_batch(
    monitor: &mut Monitor,
    seen: &mut i64,
    ledger: &mut Box<dyn Ledger>,
    batch: Vec<Job>,
    rebuild: &Rebuild,
    residency: &kansa_residency::Policy,
    sealer: Option<&kansa_residency::Sealer>,
) {
    let at = crate::state::now();
    let decided = ledger.write(|sql, _| {
        // What other replicas stored since this one last looked goes into
        // the windows first, under the same lock as the batch.
        catch_up(monitor, seen, sql, sealer)?;
        let mut answers: Vec<Result<Decision, ApiError>> = Vec::with_capacity(batch.len());
        let mut rows = Vec::new();
        let mut actors = Vec::new();
        let mut in_batch: HashMap<String, serde_json::Value> = HashMap::new();
        let ids: Vec<&str> = batch.iter().map(|j| j.event.id.as_str()).collect();
        let mut stored_before = ops::decisions_among(sql, &ids)?;
        for j in &batch {
            let id = &j.event.id;
            if let Some(first) = in_batch.get(id) {
                answers.push(Err(conflict(id, first.clone())));
                continue;
            }
            if let Some(stored) = stored_before.remove(id) {
                let existing =
                    crate::decisions::opened_decision(&stored, sealer).unwrap_or_default();
                answers.push(Err(conflict(id, existing)));
                continue;
            }
            let mut d = monitor.decide(&j.event);
            crate::transfer::apply(residency, &monitor.pack().vasps, &j.event, &mut d);
            let row = stored_row(&j.event, &d, sealer).map_err(corrupt)?;
            in_batch.insert(id.clone(), serde_json::to_value(&d).unwrap_or_default());
            rows.push(row);
            actors.push(j.actor.as_str());
            answers.push(Ok(d));
        }
        let seqs = ops::record_decisions(sql, &rows, &actors, &at)?;
        if let Some(last) = seqs.iter().flatten().max() {
            *seen = (*seen).max(*last);
        }
        Ok(answers)
    });
    let answers = match decided {
        Ok(a) => a,
        Err(e) => {
            // Nothing of the batch was stored, but the windows may hold
            // some of it: start them again from the stored events.
            let msg = e.to_string();
            match rebuild(ledger.as_ref()) {
                Ok((m, s)) => {
                    *monitor = m;
                    *seen = s;
                }
                Err(e) => {
                    eprintln!("kansa serve: cannot rebuild the monitor after a failed commit: {e}")
                }
            }
            batch
                .iter()
                .map(|_| Err(ApiError::internal(&msg)))
                .collect()
        }
    };
    for (j, a) in batch.into_iter().zip(answers) {
        let _ = j.reply.send(a);
    }
}

fn corrupt(e: impl std::fmt::Display) -> kansa_store::StoreError {
    kansa_store::StoreError::Corrupt {
        id: "decision".into(),
        message: e.to_string(),
    }
}
