//! Malformed and hostile inputs: every one gets a clear error naming the
//! file and place, never a panic.

use super::*;

fn sdn_only(name: &str, bytes: Vec<u8>) -> Result<(Vec<Entity>, ParseSummary), ListError> {
    let inputs = OfacInputs {
        source: "ofac-sdn".into(),
        primary: bytes_input(name, bytes),
        alt: None,
        add: None,
        comments: None,
    };
    collect(|s| kansa_lists::ofac_csv::parse(inputs, s))
}

#[test]
fn the_shared_malformed_ofac_files_are_refused_with_file_and_line() {
    let Some(bad) = data("malformed") else { return };
    let Some(good) = data("ofac-sdn-2019") else {
        return;
    };
    // Each malformed file in a set that is otherwise good.
    let cases = [
        ("sdn.csv", "line 7380: expected 12 fields, found 1"),
        ("alt.csv", "line 9683: expected 5 fields, found 1"),
        ("add.csv", "expected 6 fields"),
        ("sdn_comments.csv", "expected 2 to 3 fields, found 1"),
    ];
    for (name, want) in cases {
        let dir = tempfile::tempdir().unwrap();
        for f in SDN {
            let src = if f == name { bad.join(f) } else { good.join(f) };
            std::fs::copy(src, dir.path().join(f)).unwrap();
        }
        let err = ofac(dir.path(), SDN, "ofac-sdn").unwrap_err().to_string();
        assert!(err.contains(name) && err.contains(want), "{name}: {err}");
    }
    let err = collect(|s| kansa_lists::csl::parse(input(&bad.join("csl.csv")), "us-csl", s))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("csl.csv: line 2: expected 28 fields, found 2"),
        "{err}"
    );
}

#[test]
fn empty_wrong_encoding_and_other_formats() {
    let err = sdn_only("sdn.csv", Vec::new());
    // An empty OFAC file parses to nothing; the store refuses empty snapshots.
    assert_eq!(err.unwrap().0.len(), 0);
    let mut latin1 =
        b"36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"
            .to_vec();
    latin1.extend(b"37,\"CAF\xc9 CUBA\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n");
    let err = sdn_only("sdn.csv", latin1).unwrap_err().to_string();
    assert!(err.contains("sdn.csv: line 2: invalid UTF-8"), "{err}");
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("36,\"X\"".encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    let err = sdn_only("sdn.csv", utf16).unwrap_err().to_string();
    assert!(err.contains("UTF-16"), "{err}");
    // A UN XML file given as OFAC CSV, and a CSV given as UN XML.
    if let Some(un) = data("un/UN_consolidated.xml") {
        let err = sdn_only("UN_consolidated.xml", std::fs::read(&un).unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("UN_consolidated.xml: line 1: expected 12 fields"),
            "{err}"
        );
    }
    let err = collect(|s| {
        kansa_lists::un_xml::parse(bytes_input("sdn.csv", b"36,\"A\",-0-\n".to_vec()), "un", s)
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("sdn.csv") && err.contains("not XML"), "{err}");
    let err = collect(|s| {
        kansa_lists::un_xml::parse(
            bytes_input("eu.xml", std::fs::read(fixture("eu_fsf.xml")).unwrap()),
            "un",
            s,
        )
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("expected <CONSOLIDATED_LIST>"), "{err}");
    let err = collect(|s| kansa_lists::csl::parse(bytes_input("x.csv", Vec::new()), "us-csl", s))
        .unwrap_err()
        .to_string();
    assert!(err.contains("x.csv: line 1: the file is empty"), "{err}");
}

#[test]
fn ofac_rows_out_of_order_bad_numbers_and_types() {
    let row = |n: &str, ty: &str| {
        format!("{n},\"NAME {n}\",{ty},\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n")
    };
    let err = sdn_only(
        "sdn.csv",
        (row("20", "-0- ") + &row("10", "-0- ")).into_bytes(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("line 2: entity number 10 follows 20"), "{err}");
    let err = sdn_only("sdn.csv", row("x1", "-0- ").into_bytes())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 1: field 1 (entity number) is \"x1\""),
        "{err}"
    );
    let err = sdn_only("sdn.csv", row("1", "\"spaceship\"").into_bytes())
        .unwrap_err()
        .to_string();
    assert!(err.contains("field 3 (type) is \"spaceship\""), "{err}");
    let err = sdn_only(
        "sdn.csv",
        (row("5", "-0- ") + &row("5", "-0- ")).into_bytes(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("entity number 5 appears twice"), "{err}");
}

/// An endless line: the guard stops it long before memory runs out.
struct Endless;
impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        buf.fill(b'A');
        Ok(buf.len())
    }
}

#[test]
fn a_line_of_a_gigabyte_is_refused_without_reading_it_all() {
    let r = BufReader::new(Endless.take(1 << 30));
    let inputs = OfacInputs {
        source: "ofac-sdn".into(),
        primary: Input::new("huge.csv", r),
        alt: None,
        add: None,
        comments: None,
    };
    let err = collect(|s| kansa_lists::ofac_csv::parse(inputs, s))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("huge.csv") && err.contains("without a line break"),
        "{err}"
    );
    let r = BufReader::new(
        std::io::Cursor::new(b"<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><COMMENTS1>".to_vec())
            .chain(Endless.take(1 << 30)),
    );
    let err = collect(|s| kansa_lists::un_xml::parse(Input::new("huge.xml", r), "un", s))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("huge.xml") && err.contains("without a line break"),
        "{err}"
    );
}

#[test]
fn xml_entity_expansion_and_external_entities_are_refused() {
    let bomb = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>&lol3;</FIRST_NAME></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>"#;
    let err =
        collect(|s| kansa_lists::un_xml::parse(bytes_input("bomb.xml", bomb.into()), "un", s))
            .unwrap_err()
            .to_string();
    assert!(
        err.contains("bomb.xml") && err.contains("declares entities"),
        "{err}"
    );
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE x SYSTEM "file:///etc/passwd"><export xmlns="http://eu.europa.ec/fpi/fsd/export"></export>"#;
    let err =
        collect(|s| kansa_lists::eu_fsf::parse(bytes_input("xxe.xml", xxe.into()), "eu-fsf", s))
            .unwrap_err()
            .to_string();
    assert!(err.contains("refused"), "{err}");
    // An undeclared entity is an error, not silently dropped.
    let undef = "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>&nope;</FIRST_NAME></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>";
    let err = collect(|s| kansa_lists::un_xml::parse(bytes_input("u.xml", undef.into()), "un", s))
        .unwrap_err()
        .to_string();
    assert!(err.contains("undefined entity &nope;"), "{err}");
}

#[test]
fn truncated_xml_and_records_without_ids() {
    let Some(un) = data("un/UN_consolidated.xml") else {
        return;
    };
    let mut b = std::fs::read(&un).unwrap();
    b.truncate(b.len() / 2);
    let err = collect(|s| kansa_lists::un_xml::parse(bytes_input("half.xml", b), "un", s))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("half.xml") && err.contains("truncated"),
        "{err}"
    );
    let noref = "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><FIRST_NAME>A</FIRST_NAME></INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>";
    let err = collect(|s| kansa_lists::un_xml::parse(bytes_input("n.xml", noref.into()), "un", s))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("n.xml: record 1: <INDIVIDUAL> without a REFERENCE_NUMBER"),
        "{err}"
    );
}

#[test]
fn bad_json_xlsx_and_address_files() {
    let err = collect(|s| {
        kansa_lists::ftm::parse(
            bytes_input(
                "f.json",
                b"{\"id\":\"a\",\"schema\":\"Person\"}\n{not json}\n".to_vec(),
            ),
            "os",
            s,
        )
    })
    .unwrap_err()
    .to_string();
    assert!(err.contains("f.json: line 2: not a JSON object"), "{err}");
    let err = kansa_lists::jp_mof::parse(
        "w.xlsx",
        b"PK\x03\x04garbage".to_vec(),
        "jp-mof",
        &mut |_| Ok(()),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("w.xlsx") && err.contains("not a readable XLSX"),
        "{err}"
    );
    let err = collect(|s| {
        kansa_lists::ofac_crypto::parse(
            vec![(
                "XBT".into(),
                bytes_input(
                    "sanctioned_addresses_XBT.txt",
                    b"1Fz29BQp82pE3vXXcsZoMNQ3KSHfMzfMe3\nnot an address\n".to_vec(),
                ),
            )],
            "ofac-crypto",
            s,
        )
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("sanctioned_addresses_XBT.txt: line 2")
            && err.contains("not a crypto address"),
        "{err}"
    );
}
