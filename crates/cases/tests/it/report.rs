//! Reports from a closed case: JAFIC CSV that a CSV reader reads back
//! field for field, JSON, and goAML XML that an XML parser accepts, with
//! hostile text escaped.

use kansa_cases::report::{Filer, Party, Report, Transaction};
use kansa_cases::{Alert, Case, Verdict};

fn report() -> Report {
    let mut c = Case::open(42, "customer:C7", "2026-11-01T09:00:00Z");
    c.add_alert(Alert {
        at: "2026-11-01T09:00:00Z".into(),
        source: "decision".into(),
        reference: "rule:geo/sanctioned_country".into(),
        event: Some("w-1".into()),
        summary: "withdrawal hold (score 0): rule:geo/sanctioned_country".into(),
        suppressed: false,
    })
    .unwrap();
    c.note(
        "alice",
        "funds went on to a \"mixer\", <see trace>",
        "2026-11-01T10:00:00Z",
    )
    .unwrap();
    c.request_close(
        "alice",
        Verdict::TrueMatch,
        "structuring, then a mixer",
        None,
        "2026-11-01T11:00:00Z",
    )
    .unwrap();
    c.approve("bob", true, "supervisor", "2026-11-01T12:00:00Z")
        .unwrap();
    let filer = Filer {
        name: "株式会社サンプル取引所".into(),
        registration: "関東財務局長 第00099号".into(),
        address: "東京都千代田区1-1".into(),
        contact: "Hanako Suzuki".into(),
        phone: "03-0000-0000".into(),
    };
    let party = Party {
        account: "C7".into(),
        name: "TANAKA, Ichiro & Co <Ltd>".into(),
        kind: "person".into(),
        birth_date: Some("1980-02-03".into()),
        nationality: Some("JP".into()),
        addresses: vec!["Osaka, 2-2".into()],
    };
    let txs = vec![
        Transaction {
            reference: "w-1".into(),
            time: "2026-11-01T08:59:00Z".into(),
            kind: "withdrawal".into(),
            asset: "BTC".into(),
            amount: "0.75".into(),
            value: Some("8250000".into()),
            address: Some("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq".into()),
            decision: "hold".into(),
        },
        Transaction {
            reference: "d-9".into(),
            time: "2026-10-30T01:00:00Z".into(),
            kind: "deposit".into(),
            asset: "JPY".into(),
            amount: "9000000".into(),
            value: Some("9000000".into()),
            address: None,
            decision: "review".into(),
        },
    ];
    Report::from_case(&c, filer, party, txs, "2026-11-02T00:00:00Z")
}

#[test]
fn jafic_csv_reads_back() {
    let r = report();
    assert!(
        r.grounds.contains("confirmed by alice and bob"),
        "{}",
        r.grounds
    );
    assert!(r.grounds.contains("mixer"));
    let csv = r.jafic_csv();
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    let header = rd.headers().unwrap().clone();
    assert_eq!(header.len(), 21);
    let rows: Vec<csv::StringRecord> = rd.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let name = header.iter().position(|h| h.starts_with("氏名")).unwrap();
    assert_eq!(&rows[0][name], "TANAKA, Ichiro & Co <Ltd>");
    let grounds = header
        .iter()
        .position(|h| h.starts_with("届出理由"))
        .unwrap();
    assert_eq!(&rows[1][grounds], r.grounds);
    assert_eq!(
        &rows[0][header.iter().position(|h| h.starts_with("数量")).unwrap()],
        "0.75"
    );
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["transactions"][1]["reference"], "d-9");
}

#[test]
fn goaml_xml_parses_and_escapes() {
    let x = report().goaml_xml();
    let mut reader = quick_xml::Reader::from_str(&x);
    let mut depth = 0i32;
    let mut transactions = 0;
    loop {
        match reader.read_event().unwrap() {
            quick_xml::events::Event::Start(e) => {
                depth += 1;
                if e.local_name().as_ref() == "transaction" {
                    transactions += 1;
                }
            }
            quick_xml::events::Event::End(_) => depth -= 1,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0);
    assert_eq!(transactions, 2);
    assert!(x.contains("<last_name>&lt;Ltd&gt;</last_name>"), "{x}");
    assert!(x.contains("<report_code>STR</report_code>"));
    // The deposit comes to the client, the withdrawal goes from it.
    let dep = x.find("<transactionnumber>d-9").unwrap();
    assert!(x[dep..].find("<t_to_my_client>").is_some());
    assert!(kansa_cases::report::xml_text("a\u{1}b<").eq("ab&lt;"));
}
