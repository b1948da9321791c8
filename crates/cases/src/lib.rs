//! Cases: alerts from monitoring and continuous screening gathered per
//! customer or wallet, worked by analysts, closed only with a second pair
//! of eyes.
//!
//! A subject (`customer:C1`, `wallet:0xabc…`) has at most one case that is
//! not closed; an alert joins it or opens one. Closing a case is a request
//! (verdict `true_match` or `false_positive`, a reason, optionally a
//! suppression) that a different person must approve; so are the other
//! changes that let money move or rules change ([`Request`]: releasing a
//! held withdrawal, publishing a rule pack, lifting a circuit breaker).
//! A suppression comes only from a case closed as a false positive after
//! that review, names what it covers (the alerts' references), carries a
//! reason and ends within [`MAX_SUPPRESSION_DAYS`]; an alert it covers is
//! kept on the closed case, marked suppressed, and opens nothing.
//!
//! The engine has no clock and no I/O: times are passed in (RFC 3339).

#![warn(clippy::print_stdout, clippy::print_stderr)]

use serde::{Deserialize, Serialize};

pub mod report;

/// The longest a suppression may last.
pub const MAX_SUPPRESSION_DAYS: u32 = 180;

/// What went wrong; each is the caller's mistake and says which.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaseError {
    #[error(
        "four eyes: {0} requested this and cannot also approve it; a second, different person must"
    )]
    SamePerson(String),
    #[error("role {0} may not approve; a supervisor must")]
    NotApprover(String),
    #[error("nothing is waiting for approval")]
    NothingPending,
    #[error("a request is already waiting for approval (requested by {0})")]
    AlreadyPending(String),
    #[error("the case is closed")]
    Closed,
    #[error("a reason is required")]
    NoReason,
    #[error("a suppression lasts 1 to {MAX_SUPPRESSION_DAYS} days, not {0}")]
    SuppressionLength(u32),
    #[error("only a case closed as a false positive can suppress alerts")]
    SuppressionNeedsFalsePositive,
    #[error("{0}")]
    Invalid(String),
}

/// How a case ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    TrueMatch,
    FalsePositive,
}

impl Verdict {
    pub fn parse(s: &str) -> Option<Verdict> {
        match s.trim() {
            "true_match" => Some(Verdict::TrueMatch),
            "false_positive" => Some(Verdict::FalsePositive),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    /// A closing request waits for its second person.
    PendingApproval,
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::PendingApproval => "pending_approval",
            Status::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        [Status::Open, Status::PendingApproval, Status::Closed]
            .into_iter()
            .find(|x| x.as_str() == s.trim())
    }
}

/// One alert on a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub at: String,
    /// `decision` (monitoring) or `screening` (a hit found).
    pub source: String,
    /// What it is about, and what a suppression names: the entity id of a
    /// hit; the first rule or control of a decision (`rule:geo/…`).
    pub reference: String,
    /// The decided event that raised it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    /// For people: outcome and rules, or the matched name and score.
    pub summary: String,
    /// Covered by a suppression: recorded, opened nothing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suppressed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub at: String,
    pub by: String,
    pub text: String,
}

/// Material attached to a case: a decision's explanation, a trace, a
/// screening result, a document reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub at: String,
    pub by: String,
    /// `decision`, `trace`, `screening`, `document`, …
    pub kind: String,
    pub reference: String,
    pub detail: serde_json::Value,
}

/// A suppression of alerts on a subject, from a reviewed case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suppression {
    /// References covered (entity ids of hits, rule ids, event kinds).
    pub references: Vec<String>,
    /// Last day covered, `YYYY-MM-DD`.
    pub until: String,
    pub reason: String,
}

/// A closing request, waiting for its second person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloseRequest {
    pub verdict: Verdict,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: String,
    /// Days of suppression asked for, with its reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppress: Option<(u32, String)>,
}

/// How a case was closed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Closure {
    pub verdict: Verdict,
    pub reason: String,
    pub requested_by: String,
    pub approved_by: String,
    pub at: String,
}

/// A case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub id: i64,
    /// `customer:ID` or `wallet:ADDRESS`.
    pub subject: String,
    pub status: Status,
    pub opened_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub assignee: Option<String>,
    #[serde(default)]
    pub alerts: Vec<Alert>,
    #[serde(default)]
    pub notes: Vec<Note>,
    #[serde(default)]
    pub evidence: Vec<Evidence>,
    #[serde(default)]
    pub pending: Option<CloseRequest>,
    #[serde(default)]
    pub closure: Option<Closure>,
    #[serde(default)]
    pub suppression: Option<Suppression>,
}

fn need_reason(s: &str) -> Result<String, CaseError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(CaseError::NoReason);
    }
    if s.chars().count() > 4000 {
        return Err(CaseError::Invalid("at most 4,000 characters".into()));
    }
    Ok(s.to_string())
}

/// The day `days` after the date part of `at` (RFC 3339), `YYYY-MM-DD`.
pub fn day_after(at: &str, days: u32) -> Result<String, CaseError> {
    let d = kansa_model::PartialDate::parse_iso(at.get(..10).unwrap_or(""))
        .filter(|d| d.month.is_some() && d.day.is_some())
        .ok_or_else(|| CaseError::Invalid(format!("{at:?} is not a time")))?;
    let n = kansa_model::time::days_from_civil(
        i64::from(d.year),
        i64::from(d.month.unwrap_or(1)),
        i64::from(d.day.unwrap_or(1)),
    ) + i64::from(days);
    let (y, m, dd) = kansa_model::time::civil_from_days(n);
    Ok(format!("{y:04}-{m:02}-{dd:02}"))
}

impl Case {
    /// A new open case for `subject`.
    pub fn open(id: i64, subject: &str, at: &str) -> Case {
        Case {
            id,
            subject: subject.to_string(),
            status: Status::Open,
            opened_at: at.to_string(),
            updated_at: at.to_string(),
            assignee: None,
            alerts: Vec::new(),
            notes: Vec::new(),
            evidence: Vec::new(),
            pending: None,
            closure: None,
            suppression: None,
        }
    }

    /// Whether this closed case's suppression covers an alert at `at`.
    pub fn suppresses(&self, reference: &str, at: &str) -> bool {
        self.suppression.as_ref().is_some_and(|s| {
            s.references.iter().any(|r| r == reference)
                && at.get(..10).is_some_and(|d| d <= s.until.as_str())
        })
    }

    fn live(&self) -> Result<(), CaseError> {
        if self.status == Status::Closed {
            Err(CaseError::Closed)
        } else {
            Ok(())
        }
    }

    /// Adds an alert to an open case.
    pub fn add_alert(&mut self, alert: Alert) -> Result<(), CaseError> {
        self.live()?;
        self.updated_at = alert.at.clone();
        self.alerts.push(alert);
        Ok(())
    }

    /// Keeps a suppressed alert on the closed case that suppressed it.
    pub fn record_suppressed(&mut self, mut alert: Alert) {
        alert.suppressed = true;
        self.alerts.push(alert);
    }

    pub fn assign(&mut self, to: Option<&str>, at: &str) -> Result<(), CaseError> {
        self.live()?;
        self.assignee = to.map(str::to_string);
        self.updated_at = at.to_string();
        Ok(())
    }

    pub fn note(&mut self, by: &str, text: &str, at: &str) -> Result<(), CaseError> {
        self.live()?;
        let text = need_reason(text)?;
        self.notes.push(Note {
            at: at.to_string(),
            by: by.to_string(),
            text,
        });
        self.updated_at = at.to_string();
        Ok(())
    }

    pub fn add_evidence(&mut self, e: Evidence) -> Result<(), CaseError> {
        self.live()?;
        if e.kind.trim().is_empty() || e.reference.trim().is_empty() {
            return Err(CaseError::Invalid(
                "evidence needs a kind and a reference".into(),
            ));
        }
        self.updated_at = e.at.clone();
        self.evidence.push(e);
        Ok(())
    }

    /// Asks to close the case; a different person approves.
    pub fn request_close(
        &mut self,
        by: &str,
        verdict: Verdict,
        reason: &str,
        suppress: Option<(u32, &str)>,
        at: &str,
    ) -> Result<(), CaseError> {
        self.live()?;
        if let Some(p) = &self.pending {
            return Err(CaseError::AlreadyPending(p.requested_by.clone()));
        }
        let reason = need_reason(reason)?;
        let suppress = match suppress {
            None => None,
            Some((days, why)) => {
                if verdict != Verdict::FalsePositive {
                    return Err(CaseError::SuppressionNeedsFalsePositive);
                }
                if days == 0 || days > MAX_SUPPRESSION_DAYS {
                    return Err(CaseError::SuppressionLength(days));
                }
                Some((days, need_reason(why)?))
            }
        };
        self.pending = Some(CloseRequest {
            verdict,
            reason,
            requested_by: by.to_string(),
            requested_at: at.to_string(),
            suppress,
        });
        self.status = Status::PendingApproval;
        self.updated_at = at.to_string();
        Ok(())
    }

    /// The second person approves the closing request. `may_approve`: the
    /// approver's role allows approvals.
    pub fn approve(
        &mut self,
        by: &str,
        may_approve: bool,
        role: &str,
        at: &str,
    ) -> Result<(), CaseError> {
        let p = self.pending.as_ref().ok_or(CaseError::NothingPending)?;
        four_eyes(&p.requested_by, by, may_approve, role)?;
        let suppression = match &p.suppress {
            Some((days, why)) => {
                let mut refs: Vec<String> =
                    self.alerts.iter().map(|a| a.reference.clone()).collect();
                refs.sort();
                refs.dedup();
                Some(Suppression {
                    references: refs,
                    until: day_after(at, *days)?,
                    reason: why.clone(),
                })
            }
            None => None,
        };
        self.closure = Some(Closure {
            verdict: p.verdict,
            reason: p.reason.clone(),
            requested_by: p.requested_by.clone(),
            approved_by: by.to_string(),
            at: at.to_string(),
        });
        self.suppression = suppression;
        self.pending = None;
        self.status = Status::Closed;
        self.updated_at = at.to_string();
        Ok(())
    }

    /// The second person sends the request back; the case stays open.
    pub fn reject(
        &mut self,
        by: &str,
        may_approve: bool,
        role: &str,
        reason: &str,
        at: &str,
    ) -> Result<(), CaseError> {
        let p = self.pending.as_ref().ok_or(CaseError::NothingPending)?;
        four_eyes(&p.requested_by, by, may_approve, role)?;
        let reason = need_reason(reason)?;
        self.notes.push(Note {
            at: at.to_string(),
            by: by.to_string(),
            text: format!("closing request rejected: {reason}"),
        });
        self.pending = None;
        self.status = Status::Open;
        self.updated_at = at.to_string();
        Ok(())
    }
}

/// The four-eyes rule: a different person, allowed to approve.
pub fn four_eyes(
    requested_by: &str,
    by: &str,
    may_approve: bool,
    role: &str,
) -> Result<(), CaseError> {
    if requested_by == by {
        return Err(CaseError::SamePerson(by.to_string()));
    }
    if !may_approve {
        return Err(CaseError::NotApprover(role.to_string()));
    }
    Ok(())
}

/// What an alert does to a subject's cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Routing {
    /// Joins this open case.
    Join(i64),
    /// Covered by this closed case's suppression.
    Suppressed(i64),
    /// Opens a new case.
    Open,
}

/// Routes an alert given the subject's cases (any order).
pub fn route(cases: &[Case], alert: &Alert) -> Routing {
    if let Some(c) = cases.iter().find(|c| c.status != Status::Closed) {
        return Routing::Join(c.id);
    }
    if let Some(c) = cases
        .iter()
        .filter(|c| c.suppresses(&alert.reference, &alert.at))
        .max_by_key(|c| c.id)
    {
        return Routing::Suppressed(c.id);
    }
    Routing::Open
}

/// Something else that needs two people: releasing a held withdrawal,
/// publishing a rule pack, lifting a circuit breaker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    pub id: i64,
    /// `release_hold`, `publish_rules`, `lift_breaker`.
    pub kind: String,
    /// The event id, the pack's SHA-256, the wallet.
    pub subject: String,
    pub reason: String,
    pub requested_by: String,
    pub requested_at: String,
    /// `pending`, `approved`, `rejected`.
    pub status: String,
    #[serde(default)]
    pub decided_by: Option<String>,
    #[serde(default)]
    pub decided_at: Option<String>,
    /// `publish_rules`: the pack's TOML text (its SHA-256 is the subject).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pack: Option<String>,
}

/// Kinds of [`Request`].
pub const REQUEST_KINDS: [&str; 3] = ["release_hold", "publish_rules", "lift_breaker"];

impl Request {
    pub fn new(
        kind: &str,
        subject: &str,
        reason: &str,
        by: &str,
        at: &str,
    ) -> Result<Request, CaseError> {
        if !REQUEST_KINDS.contains(&kind) {
            return Err(CaseError::Invalid(format!(
                "kind {kind:?}: one of {}",
                REQUEST_KINDS.join(", ")
            )));
        }
        if subject.trim().is_empty() {
            return Err(CaseError::Invalid("the request names no subject".into()));
        }
        Ok(Request {
            id: 0,
            kind: kind.to_string(),
            subject: subject.trim().to_string(),
            reason: need_reason(reason)?,
            requested_by: by.to_string(),
            requested_at: at.to_string(),
            status: "pending".into(),
            decided_by: None,
            decided_at: None,
            pack: None,
        })
    }

    /// Approves (`approve`) or rejects, by a second person.
    pub fn decide(
        &mut self,
        approve: bool,
        by: &str,
        may_approve: bool,
        role: &str,
        at: &str,
    ) -> Result<(), CaseError> {
        if self.status != "pending" {
            return Err(CaseError::NothingPending);
        }
        four_eyes(&self.requested_by, by, may_approve, role)?;
        self.status = if approve { "approved" } else { "rejected" }.into();
        self.decided_by = Some(by.to_string());
        self.decided_at = Some(at.to_string());
        Ok(())
    }
}
