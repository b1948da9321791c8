//! Suspicious-transaction reports from a case.
//!
//! Japan's exchanges file with the FSA on JAFIC's own forms (not goAML):
//! the filer, the person or company the report is about and their
//! account, each transaction, and the grounds for suspicion. [`Report`]
//! holds those parts; [`Report::jafic_csv`] writes them as one CSV row per
//! transaction with the form's items as columns (for the FSA's upload
//! tool or a person filling in the form), JSON is the struct itself, and
//! [`Report::goaml_xml`] writes the goAML report schema's core elements
//! for FIUs that use it.

use crate::{Case, Verdict};
use serde::{Deserialize, Serialize};

/// Who files: the exchange.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Filer {
    /// Registered name of the crypto-asset exchange service provider.
    pub name: String,
    /// FSA registration number (e.g. 関東財務局長 第00001号), or the FIU's
    /// reporting-entity id for goAML.
    pub registration: String,
    pub address: String,
    /// The reporting officer.
    pub contact: String,
    pub phone: String,
}

/// The person or company the report is about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Party {
    /// The exchange's customer id (the account).
    pub account: String,
    pub name: String,
    /// person or organization.
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
}

/// One transaction reported.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Transaction {
    /// The exchange's event id.
    pub reference: String,
    /// RFC 3339.
    pub time: String,
    /// deposit, withdrawal, transfer, trade, …
    pub kind: String,
    pub asset: String,
    /// Exact decimal, as received.
    pub amount: String,
    /// In the reference currency (JPY), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The counterparty's wallet address, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    /// The decision on it (hold, block, review) and why.
    pub decision: String,
}

/// A suspicious-transaction report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub case_id: i64,
    /// RFC 3339.
    pub prepared_at: String,
    pub filer: Filer,
    pub party: Party,
    pub transactions: Vec<Transaction>,
    /// The grounds: the case's verdict and reason, its alerts and notes.
    pub grounds: String,
}

impl Report {
    /// Builds the report of a case; the grounds are written from its
    /// closure, alerts and notes.
    pub fn from_case(
        case: &Case,
        filer: Filer,
        party: Party,
        transactions: Vec<Transaction>,
        prepared_at: &str,
    ) -> Report {
        let mut g = Vec::new();
        if let Some(c) = &case.closure {
            let verdict = match c.verdict {
                Verdict::TrueMatch => "confirmed",
                Verdict::FalsePositive => "cleared",
            };
            g.push(format!(
                "Case {} {verdict} by {} and {}: {}",
                case.id, c.requested_by, c.approved_by, c.reason
            ));
        } else if let Some(p) = &case.pending {
            g.push(format!(
                "Case {} (awaiting approval): {}",
                case.id, p.reason
            ));
        } else {
            g.push(format!("Case {} (open)", case.id));
        }
        for a in case.alerts.iter().filter(|a| !a.suppressed) {
            g.push(format!("Alert {} ({}): {}", a.at, a.source, a.summary));
        }
        for n in &case.notes {
            g.push(format!("Note {} {}: {}", n.at, n.by, n.text));
        }
        Report {
            case_id: case.id,
            prepared_at: prepared_at.to_string(),
            filer,
            party,
            transactions,
            grounds: g.join("\n"),
        }
    }

    /// JAFIC's form as CSV: a header row of the form's items, then one row
    /// per transaction (filer, party and grounds repeated on each row).
    pub fn jafic_csv(&self) -> String {
        const HEADER: [&str; 21] = [
            "届出者名称(filer)",
            "登録番号(registration)",
            "届出者所在地(filer address)",
            "担当者(contact)",
            "電話番号(phone)",
            "顧客番号(account)",
            "氏名・名称(name)",
            "区分(kind)",
            "生年月日(birth date)",
            "国籍(nationality)",
            "住所(address)",
            "取引番号(reference)",
            "取引日時(time)",
            "取引種別(type)",
            "暗号資産(asset)",
            "数量(amount)",
            "円換算額(value JPY)",
            "相手方アドレス(counterparty address)",
            "判定(decision)",
            "届出理由(grounds)",
            "事案番号(case)",
        ];
        let mut out = String::new();
        out.push_str(&HEADER.map(csv_field).join(","));
        out.push_str("\r\n");
        let none = Transaction::default();
        let rows: Vec<&Transaction> = if self.transactions.is_empty() {
            vec![&none]
        } else {
            self.transactions.iter().collect()
        };
        for t in rows {
            let f = [
                self.filer.name.as_str(),
                &self.filer.registration,
                &self.filer.address,
                &self.filer.contact,
                &self.filer.phone,
                &self.party.account,
                &self.party.name,
                &self.party.kind,
                self.party.birth_date.as_deref().unwrap_or(""),
                self.party.nationality.as_deref().unwrap_or(""),
                &self.party.addresses.join(" / "),
                &t.reference,
                &t.time,
                &t.kind,
                &t.asset,
                &t.amount,
                t.value.as_deref().unwrap_or(""),
                t.address.as_deref().unwrap_or(""),
                &t.decision,
                &self.grounds,
                &self.case_id.to_string(),
            ];
            out.push_str(&f.map(csv_field).join(","));
            out.push_str("\r\n");
        }
        out
    }

    /// goAML's report schema, core elements: the reporting entity and
    /// person, the reason, and each transaction from or to the client.
    pub fn goaml_xml(&self) -> String {
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<report>\n");
        el(&mut x, 1, "rentity_id", &self.filer.registration);
        el(&mut x, 1, "submission_code", "E");
        el(&mut x, 1, "report_code", "STR");
        el(
            &mut x,
            1,
            "entity_reference",
            &format!("case-{}", self.case_id),
        );
        el(&mut x, 1, "submission_date", &self.prepared_at);
        el(&mut x, 1, "currency_code_local", "JPY");
        x.push_str("  <reporting_person>\n");
        let (first, last) = split_name(&self.filer.contact);
        el(&mut x, 2, "first_name", first);
        el(&mut x, 2, "last_name", last);
        x.push_str("    <phones><phone>\n");
        el(&mut x, 3, "tph_contact_type", "BUS");
        el(&mut x, 3, "tph_communication_type", "L");
        el(&mut x, 3, "tph_number", &self.filer.phone);
        x.push_str("    </phone></phones>\n  </reporting_person>\n");
        el(&mut x, 1, "reason", &self.grounds);
        el(
            &mut x,
            1,
            "action",
            "Account reviewed; case closed with four-eyes approval",
        );
        for t in &self.transactions {
            x.push_str("  <transaction>\n");
            el(&mut x, 2, "transactionnumber", &t.reference);
            el(&mut x, 2, "transaction_location", &self.filer.address);
            el(&mut x, 2, "date_transaction", &t.time);
            el(&mut x, 2, "transmode_code", "VA");
            el(&mut x, 2, "amount_local", t.value.as_deref().unwrap_or("0"));
            el(
                &mut x,
                2,
                "transaction_description",
                &format!("{} {} {} ({})", t.kind, t.amount, t.asset, t.decision),
            );
            let client = |x: &mut String, dir: &str| {
                x.push_str(&format!("    <t_{dir}_my_client>\n"));
                el(x, 3, &format!("{dir}_funds_code"), "K");
                x.push_str(&format!("      <{dir}_person>\n"));
                let (f, l) = split_name(&self.party.name);
                el(x, 4, "first_name", f);
                el(x, 4, "last_name", l);
                if let Some(b) = &self.party.birth_date {
                    el(x, 4, "birthdate", b);
                }
                if let Some(n) = &self.party.nationality {
                    el(x, 4, "nationality1", n);
                }
                el(x, 4, "comments", &format!("account {}", self.party.account));
                x.push_str(&format!("      </{dir}_person>\n"));
                x.push_str(&format!("    </t_{dir}_my_client>\n"));
            };
            let other = |x: &mut String, dir: &str| {
                x.push_str(&format!("    <t_{dir}>\n"));
                el(x, 3, &format!("{dir}_funds_code"), "K");
                el(
                    x,
                    3,
                    &format!("{dir}_funds_comment"),
                    &format!("wallet {}", t.address.as_deref().unwrap_or("unknown")),
                );
                x.push_str(&format!("    </t_{dir}>\n"));
            };
            if t.kind == "deposit" {
                other(&mut x, "from");
                client(&mut x, "to");
            } else {
                client(&mut x, "from");
                other(&mut x, "to");
            }
            x.push_str("  </transaction>\n");
        }
        x.push_str("</report>\n");
        x
    }
}

fn split_name(full: &str) -> (&str, &str) {
    match full.trim().rsplit_once(' ') {
        Some((f, l)) => (f, l),
        None => ("", full.trim()),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Text for XML: the five special characters escaped, control characters
/// that XML 1.0 forbids dropped.
pub fn xml_text(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' | '\n' | '\r' => o.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => o.push(c),
        }
    }
    o
}

fn el(x: &mut String, depth: usize, name: &str, text: &str) {
    x.push_str(&"  ".repeat(depth));
    x.push_str(&format!("<{name}>{}</{name}>\n", xml_text(text)));
}
