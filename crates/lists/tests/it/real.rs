//! The real lists in ../shared/data/lists.

use super::*;
use kansa_lists::Format;

#[test]
fn ofac_sdn_2021_every_digital_currency_address_comes_out_with_its_asset() {
    let Some(dir) = data("ofac-sdn-2021-07") else {
        return;
    };
    let (es, summary) = ofac(&dir, SDN, "ofac-sdn").unwrap();
    assert_eq!(es.len(), 8976);
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
    // Every "Digital Currency Address - ASSET ADDRESS" in sdn.csv's remarks
    // column (81), found independently of the parser...
    let raw = std::fs::read_to_string(dir.join("sdn.csv")).unwrap();
    let mut expected = Vec::new();
    for part in raw.split(';') {
        if let Some(i) = part.find("Digital Currency Address - ") {
            let mut it = part[i + 27..].split_whitespace();
            let (asset, addr) = (
                it.next().unwrap(),
                it.next().unwrap().trim_end_matches(['.', '"']),
            );
            expected.push((asset.to_string(), addr.to_string()));
        }
    }
    assert_eq!(expected.len(), 81);
    let got: Vec<(String, String)> = es
        .iter()
        .flat_map(|e| {
            e.crypto_addresses
                .iter()
                .map(|c| (c.asset.clone(), c.address.clone()))
        })
        .collect();
    // Where the 1,000-character remarks field cuts an address short, the
    // continuation in sdn_comments.csv completes it.
    let mut completed = 0;
    for (asset, addr) in &expected {
        if got.iter().any(|(a, g)| a == asset && g == addr) {
            continue;
        }
        assert!(
            got.iter()
                .any(|(a, g)| a == asset && g.starts_with(addr.as_str()) && g.len() > addr.len()),
            "missing {asset} {addr}"
        );
        completed += 1;
    }
    assert!(completed <= 3, "{completed}");
    // ...plus 16 more that only the continuation in sdn_comments.csv holds.
    assert_eq!(got.len(), 97);
    let e = by_id(&es, "ofac-sdn:29703");
    assert!(e
        .crypto_addresses
        .iter()
        .any(|c| c.asset == "BSV" && c.address == "12sjrrhoFEsedNRhtgwvvRqjFTh8fZTDX9"));
    assert_eq!(
        e.documents
            .iter()
            .find(|d| d.kind == "Passport")
            .map(|d| (d.number.as_str(), d.country.as_deref())),
        Some(("4005504207", Some("RU")))
    );
}

#[test]
fn ofac_sdn_remarks_become_structured_facts() {
    let Some(dir) = data("ofac-sdn-2021-07") else {
        return;
    };
    let (es, _) = ofac(&dir, SDN, "ofac-sdn").unwrap();
    let e = by_id(&es, "ofac-sdn:29703");
    assert_eq!(e.kind, EntityKind::Person);
    assert_eq!(e.names[0].full, "ANDREYEV, Anton Nikolaeyvich");
    assert_eq!(e.names[0].parts.family.as_deref(), Some("ANDREYEV"));
    assert_eq!(e.birth_dates[0].to_string(), "1985-03-03");
    assert_eq!(e.birth_places, vec!["Saint Petersburg, Russia"]);
    assert_eq!(e.nationalities, vec!["RU"]);
    assert_eq!(e.programs, vec!["CYBER2", "ELECTION-EO13848"]);
    // Weak aliases hide in remarks as a.k.a. 'NAME'.
    let bnc = by_id(&es, "ofac-sdn:306");
    assert!(bnc
        .names
        .iter()
        .any(|n| n.full == "BNC" && n.kind == NameKind::WeakAka));
    assert!(bnc
        .names
        .iter()
        .any(|n| n.full == "NATIONAL BANK OF CUBA" && n.kind == NameKind::Aka));
    assert_eq!(bnc.addresses.len(), 4);
    // Vessels keep their particulars and IMO number.
    let vessels: Vec<&Entity> = es.iter().filter(|e| e.kind == EntityKind::Vessel).collect();
    assert_eq!(vessels.len(), 406);
    assert!(
        vessels
            .iter()
            .filter(|v| v.documents.iter().any(|d| d.kind == "IMO"))
            .count()
            > 300
    );
    let hermann = by_id(&es, "ofac-sdn:4234");
    let v = hermann.vessel.as_ref().unwrap();
    assert_eq!(
        (v.call_sign.as_deref(), v.flag.as_deref()),
        (Some("CL2685"), Some("Cuba"))
    );
    // Ranges and circa dates.
    assert!(es.iter().any(|e| e
        .birth_dates
        .iter()
        .any(|d| matches!(d, DateValue::Between { .. }))));
    assert!(es.iter().any(|e| e
        .birth_dates
        .iter()
        .any(|d| matches!(d, DateValue::Circa { .. }))));
    assert!(es.iter().filter(|e| !e.links.is_empty()).count() > 1000);
}

#[test]
fn ofac_sdn_2019_and_its_stray_comment_rows() {
    let Some(dir) = data("ofac-sdn-2019") else {
        return;
    };
    let (es, summary) = ofac(&dir, SDN, "ofac-sdn").unwrap();
    assert_eq!(es.len(), 7379);
    assert_eq!(summary.warnings.len(), 1, "{:?}", summary.warnings);
    assert!(
        summary.warnings[0].contains("10 row(s) refer to entities not in"),
        "{}",
        summary.warnings[0]
    );
}

#[test]
fn ofac_consolidated_list() {
    let Some(dir) = data("ofac-consolidated") else {
        return;
    };
    let (es, _) = ofac(
        &dir,
        [
            "cons_prim.csv",
            "cons_alt.csv",
            "cons_add.csv",
            "cons_comments.csv",
        ],
        "ofac-cons",
    )
    .unwrap();
    assert_eq!(es.len(), 442);
    let h = by_id(&es, "ofac-cons:9639");
    assert_eq!(
        h.names.iter().filter(|n| n.kind == NameKind::Aka).count(),
        2
    );
    assert_eq!(h.birth_dates[0].to_string(), "1962");
    assert_eq!(h.programs, vec!["NS-PLC"]);
}

#[test]
fn un_consolidated_list() {
    let Some(p) = data("un/UN_consolidated.xml") else {
        return;
    };
    let (es, summary) = collect(|s| kansa_lists::un_xml::parse(input(&p), "un", s)).unwrap();
    assert_eq!(
        es.iter().filter(|e| e.kind == EntityKind::Person).count(),
        730
    );
    assert_eq!(
        es.iter()
            .filter(|e| e.kind == EntityKind::Organization)
            .count(),
        273
    );
    assert_eq!(summary.version.as_deref(), Some("2026-02-27T00:00:09.554Z"));
    assert_eq!(
        summary.published.map(|d| d.to_string()).as_deref(),
        Some("2026-02-27")
    );
    let ri = by_id(&es, "un:KPi.033");
    assert_eq!(ri.names[0].full, "RI WON HO");
    assert_eq!(ri.nationalities, vec!["KP"]);
    assert_eq!(ri.documents[0].number, "381310014");
    assert_eq!(ri.programs, vec!["DPRK"]);
    // Original-script names with their script.
    let arabic = es
        .iter()
        .flat_map(|e| &e.names)
        .filter(|n| n.kind == NameKind::OriginalScript && n.script == Script::Arabic)
        .count();
    assert!(arabic > 100, "{arabic}");
    let orig = es
        .iter()
        .flat_map(|e| &e.names)
        .filter(|n| n.kind == NameKind::OriginalScript)
        .count();
    assert!(orig >= 370, "{orig}");
    // Low-quality aliases are weak, f.k.a. are former names.
    assert!(
        es.iter()
            .flat_map(|e| &e.names)
            .filter(|n| n.kind == NameKind::WeakAka)
            .count()
            >= 600
    );
    // 19 f.k.a. aliases in the file; one repeats a name its entity already has.
    assert_eq!(
        es.iter()
            .flat_map(|e| &e.names)
            .filter(|n| n.kind == NameKind::Fka)
            .count(),
        18
    );
    // All three DOB forms: exact, approximately, between.
    let between = es
        .iter()
        .flat_map(|e| &e.birth_dates)
        .filter(|d| matches!(d, DateValue::Between { .. }))
        .count();
    let circa = es
        .iter()
        .flat_map(|e| &e.birth_dates)
        .filter(|d| matches!(d, DateValue::Circa { .. }))
        .count();
    assert_eq!(between, 31);
    assert!(circa >= 100, "{circa}");
    // Cross-references in comments become links: ADF's comment cites CDi.015.
    let adf = by_id(&es, "un:CDe.001");
    assert!(adf
        .links
        .iter()
        .any(|l| l.target_id.as_ref().map(|i| i.as_str()) == Some("un:CDi.015")));
}

#[test]
fn us_consolidated_screening_list() {
    let Some(p) = data("us-csl/csl.csv") else {
        return;
    };
    let (es, _) = collect(|s| kansa_lists::csl::parse(input(&p), "us-csl", s)).unwrap();
    assert_eq!(es.len(), 115);
    let mut ids: Vec<&str> = es.iter().map(|e| e.id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 115, "ids are unique");
    let e = by_id(&es, "us-csl:SDN-8124");
    assert_eq!(e.names[0].full, "2904977 CANADA, INC.");
    assert!(e.names.iter().any(|n| n.full == "HAVANTUR CANADA INC."));
    assert_eq!(e.addresses[0].country.as_deref(), Some("CA"));
    let p200 = by_id(&es, "us-csl:SDN-20264");
    assert_eq!(p200.documents[0].kind, "Tax ID No.");
    assert_eq!(p200.documents[0].number, "80-0890696");
}

#[test]
fn bis_denied_persons_list_groups_addresses() {
    let Some(p) = data("bis-dpl/dpl.txt") else {
        return;
    };
    let (es, summary) = collect(|s| kansa_lists::dpl::parse(input(&p), "bis-dpl", s)).unwrap();
    assert_eq!(es.len(), 417);
    assert_eq!(
        summary.published.map(|d| d.to_string()).as_deref(),
        Some("2019-06-12")
    );
    let a = by_id(&es, "bis-dpl:AIMAN-AMMAR-2015-09-18");
    assert_eq!(a.addresses.len(), 2);
    assert_eq!(a.countries, vec!["US", "AE"]);
}

#[test]
fn ofac_per_asset_address_files() {
    let Some(dir) = data("ofac-crypto-addresses-2024-09") else {
        return;
    };
    let mut inputs = Vec::new();
    let mut txt_lines = 0;
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    names.sort();
    for p in names {
        let n = p.file_name().unwrap().to_string_lossy().to_string();
        if let Some(asset) = kansa_lists::ofac_crypto::asset_from_file_name(&n) {
            if n.ends_with(".txt") {
                txt_lines += std::fs::read_to_string(&p)
                    .unwrap()
                    .lines()
                    .filter(|l| !l.trim().is_empty())
                    .count();
            }
            inputs.push((asset, input(&p)));
        }
    }
    let (es, _) = collect(|s| kansa_lists::ofac_crypto::parse(inputs, "ofac-crypto", s)).unwrap();
    // The .json files repeat the .txt files: each address counts once.
    assert_eq!(es.len(), txt_lines);
    assert_eq!(es.len(), 654);
    let eth = es
        .iter()
        .filter(|e| e.crypto_addresses[0].asset == "ETH")
        .count();
    assert_eq!(eth, 152);
}

#[test]
fn format_detection_on_the_real_files() {
    let cases = [
        ("ofac-sdn-2021-07/sdn.csv", Some(Format::OfacCsv)),
        ("ofac-consolidated/cons_prim.csv", Some(Format::OfacCsv)),
        ("un/UN_consolidated.xml", Some(Format::UnXml)),
        ("us-csl/csl.csv", Some(Format::UsCsl)),
        ("bis-dpl/dpl.txt", Some(Format::BisDpl)),
        (
            "ofac-crypto-addresses-2024-09/sanctioned_addresses_XBT.txt",
            Some(Format::OfacCrypto),
        ),
        (
            "ofac-crypto-addresses-2024-09/sanctioned_addresses_ETH.json",
            Some(Format::OfacCrypto),
        ),
        ("ofac-crypto-addresses-2024-09/README.md", None),
    ];
    for (rel, want) in cases {
        let Some(p) = data(rel) else { return };
        let mut head = vec![0u8; 8192];
        let n = File::open(&p).unwrap().read(&mut head).unwrap();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        assert_eq!(kansa_lists::detect_bytes(&name, &head[..n]), want, "{rel}");
    }
    for (f, want) in [
        ("eu_fsf.xml", Format::EuFsf),
        ("ftm.jsonl", Format::Ftm),
        ("jp_mof.xlsx", Format::JpMof),
    ] {
        let b = std::fs::read(fixture(f)).unwrap();
        assert_eq!(kansa_lists::detect_bytes(f, &b), Some(want), "{f}");
    }
}
