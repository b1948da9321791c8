//! Events from NATS JetStream: every replica pulls from one durable
//! consumer of one stream, so each event goes to one replica at a time,
//! and an event is acknowledged only once its decision is stored. A
//! replica that dies before acknowledging leaves its events to be
//! delivered again (after the consumer's ack wait) to whichever replica
//! pulls next; the ledger then refuses a second decision of an event id
//! already decided, and the message is acknowledged. At-least-once
//! delivery plus idempotent decisions: each event decided exactly once.

use crate::state::{now, AppState};
use async_nats::jetstream::{self, consumer::pull, consumer::AckPolicy, AckKind};
use futures_util::StreamExt;
use kansa_store::LedgerExt;
use std::sync::Arc;
use std::time::Duration;

/// Where the events come from.
#[derive(Debug, Clone)]
pub struct NatsConfig {
    /// `nats://127.0.0.1:4222`.
    pub url: String,
    /// The stream (created if absent) holding `<subject>.>`.
    pub stream: String,
    /// Events are published under `<subject>.<customer>`.
    pub subject: String,
    /// The durable consumer all replicas share.
    pub consumer: String,
    /// How long a delivered event may go unacknowledged before it is
    /// delivered again (to any replica).
    pub ack_wait: Duration,
}

impl NatsConfig {
    pub fn new(url: &str) -> NatsConfig {
        NatsConfig {
            url: url.to_string(),
            stream: "KANSA_EVENTS".into(),
            subject: "kansa.events".into(),
            consumer: "kansa-decider".into(),
            ack_wait: Duration::from_secs(10),
        }
    }
}

/// Events decided at most at once per replica (they meet in the
/// decider's group commit).
const IN_FLIGHT: usize = 512;

async fn stream(
    cfg: &NatsConfig,
) -> Result<
    (
        async_nats::Client,
        jetstream::Context,
        jetstream::stream::Stream,
    ),
    String,
> {
    let client = async_nats::connect(&cfg.url)
        .await
        .map_err(|e| format!("cannot connect to NATS at {}: {e}", cfg.url))?;
    let js = jetstream::new(client.clone());
    let stream = js
        .get_or_create_stream(jetstream::stream::Config {
            name: cfg.stream.clone(),
            subjects: vec![format!("{}.>", cfg.subject)],
            duplicate_window: Duration::from_secs(120),
            ..Default::default()
        })
        .await
        .map_err(|e| format!("JetStream stream {}: {e}", cfg.stream))?;
    Ok((client, js, stream))
}

/// Pulls and decides events until the connection fails (the caller
/// starts it again).
async fn consume_once(st: &Arc<AppState>, cfg: &NatsConfig) -> Result<(), String> {
    let (_client, _js, stream) = stream(cfg).await?;
    let consumer: jetstream::consumer::PullConsumer = stream
        .get_or_create_consumer(
            &cfg.consumer,
            pull::Config {
                durable_name: Some(cfg.consumer.clone()),
                ack_policy: AckPolicy::Explicit,
                ack_wait: cfg.ack_wait,
                max_ack_pending: 20_000,
                ..Default::default()
            },
        )
        .await
        .map_err(|e| format!("JetStream consumer {}: {e}", cfg.consumer))?;
    let messages = consumer
        .messages()
        .await
        .map_err(|e| format!("JetStream consumer {}: {e}", cfg.consumer))?;
    eprintln!(
        "kansa serve: deciding events from NATS stream {} (consumer {})",
        cfg.stream, cfg.consumer
    );
    // Each replica signs its decisions: which one decided an event is in
    // the audit log.
    let actor = format!("nats:{}@{}", cfg.consumer, std::process::id());
    let failed = std::sync::Mutex::new(None::<String>);
    messages
        .take_while(|m| {
            let ok = match m {
                Ok(_) => true,
                Err(e) => {
                    *crate::state::lock(&failed) = Some(e.to_string());
                    false
                }
            };
            std::future::ready(ok)
        })
        .for_each_concurrent(IN_FLIGHT, |m| {
            let st = st.clone();
            let actor = actor.clone();
            async move {
                if let Ok(m) = m {
                    handle(&st, &actor, m).await;
                }
            }
        })
        .await;
    let why = crate::state::lock(&failed).take();
    Err(why.unwrap_or_else(|| "the message stream ended".into()))
}

fn count(result: &'static str) {
    metrics::counter!("kansa_nats_events_total", "result" => result).increment(1);
}

async fn ack(m: &jetstream::Message, kind: AckKind) {
    if let Err(e) = m.ack_with(kind).await {
        // Not acknowledged: the event comes again and is found decided.
        eprintln!("kansa serve: cannot acknowledge a NATS message: {e}");
    }
}

async fn handle(st: &Arc<AppState>, actor: &str, m: jetstream::Message) {
    let seq = m.info().map(|i| i.stream_sequence).unwrap_or(0);
    let text = String::from_utf8_lossy(&m.payload);
    let event = match crate::decisions::client_event(text.trim()) {
        Ok(e) => e,
        Err(e) => {
            // A malformed event is never retried: it is audited with what
            // was wrong, and dropped from the stream.
            count("refused");
            let detail = serde_json::json!({
                "subject": m.subject.as_str(),
                "stream_sequence": seq,
                "error": e.to_string(),
            });
            let st2 = st.clone();
            let actor2 = actor.to_string();
            let audited = tokio::task::spawn_blocking(move || {
                st2.ledger().audit(
                    &now(),
                    &[kansa_audit::Record::new(
                        actor2,
                        "event.refused",
                        format!("nats:{seq}"),
                        detail,
                    )],
                )
            })
            .await;
            match audited {
                Ok(Ok(_)) => ack(&m, AckKind::Term).await,
                _ => ack(&m, AckKind::Nak(Some(Duration::from_secs(1)))).await,
            }
            eprintln!("kansa serve: NATS message {seq} refused: {e}");
            return;
        }
    };
    let Some(decider) = st.decider() else {
        ack(&m, AckKind::Nak(Some(Duration::from_secs(1)))).await;
        return;
    };
    match decider.decide(event, actor).await {
        Ok(_) => {
            count("decided");
            ack(&m, AckKind::Ack).await;
        }
        Err(e) if e.code == "event_already_decided" => {
            count("duplicate");
            ack(&m, AckKind::Ack).await;
        }
        Err(e) => {
            count("retry");
            eprintln!("kansa serve: NATS message {seq} not decided, to be retried: {e:?}");
            ack(&m, AckKind::Nak(Some(Duration::from_millis(500)))).await;
        }
    }
}

/// Decides events from NATS for as long as the service runs, connecting
/// again after a failure.
pub async fn consume(st: Arc<AppState>, cfg: NatsConfig) {
    loop {
        if let Err(e) = consume_once(&st, &cfg).await {
            eprintln!("kansa serve: NATS: {e}; connecting again in 1 s");
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// What a publish run did.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Published {
    pub events: u64,
    /// Refused by the stream's duplicate window (same event id).
    pub duplicates: u64,
}

/// Publishes event lines to the stream, each under `<subject>.<customer>`
/// with its id as the message id (the stream drops a repeat within its
/// duplicate window); each line is checked first, and a bad one stops the
/// run before anything is sent. Waits for every acknowledgement.
pub async fn publish(cfg: &NatsConfig, lines: &[(usize, String)]) -> Result<Published, String> {
    let mut events = Vec::with_capacity(lines.len());
    for (n, line) in lines {
        let e =
            crate::decisions::client_event(line.trim()).map_err(|e| format!("line {n}: {e}"))?;
        events.push((e, line.trim()));
    }
    let (client, js, _stream) = stream(cfg).await?;
    let mut out = Published::default();
    let mut pending = std::collections::VecDeque::new();
    for (e, line) in events {
        let who = e
            .customer
            .as_deref()
            .map(|c| {
                c.chars()
                    .map(|ch| {
                        if ch.is_ascii_alphanumeric() || ch == '-' || ch == '_' {
                            ch
                        } else {
                            '_'
                        }
                    })
                    .collect::<String>()
            })
            .unwrap_or_else(|| "none".into());
        let ack = js
            .send_publish(
                format!("{}.{who}", cfg.subject),
                jetstream::message::PublishMessage::build()
                    .payload(line.to_string().into())
                    .message_id(&e.id),
            )
            .await
            .map_err(|err| format!("event {}: {err}", e.id))?;
        pending.push_back((e.id, ack));
        if pending.len() >= 1024 {
            settle(&mut pending, &mut out).await?;
        }
    }
    settle(&mut pending, &mut out).await?;
    client.flush().await.map_err(|e| e.to_string())?;
    Ok(out)
}

async fn settle(
    pending: &mut std::collections::VecDeque<(String, jetstream::context::PublishAckFuture)>,
    out: &mut Published,
) -> Result<(), String> {
    while let Some((id, ack)) = pending.pop_front() {
        let a = ack.await.map_err(|e| format!("event {id}: {e}"))?;
        if a.duplicate {
            out.duplicates += 1;
        } else {
            out.events += 1;
        }
    }
    Ok(())
}
