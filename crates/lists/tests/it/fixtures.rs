//! Formats with no real copy available offline, tested on small fixtures
//! written to the published layouts (see `fixtures/`).

use super::*;

#[test]
fn eu_financial_sanctions_files_xml() {
    let p = fixture("eu_fsf.xml");
    let (es, summary) = collect(|s| kansa_lists::eu_fsf::parse(input(&p), "eu-fsf", s)).unwrap();
    assert_eq!(es.len(), 2);
    assert_eq!(
        summary.published.map(|d| d.to_string()).as_deref(),
        Some("2026-10-30")
    );
    let p = by_id(&es, "eu-fsf:EU.9001.11");
    assert_eq!(p.kind, EntityKind::Person);
    assert_eq!(p.names[0].full, "Ivan Petrovich SIDOROV");
    assert_eq!(p.names[0].kind, NameKind::Primary);
    assert_eq!(p.names[0].parts.family.as_deref(), Some("SIDOROV"));
    let cyr = p
        .names
        .iter()
        .find(|n| n.script == Script::Cyrillic)
        .unwrap();
    assert_eq!((cyr.kind, cyr.lang.as_deref()), (NameKind::Aka, Some("ru")));
    assert!(p
        .names
        .iter()
        .any(|n| n.full == "Vanya Sidorov" && n.kind == NameKind::WeakAka));
    assert_eq!(
        p.birth_dates
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>(),
        vec!["1961-05-07", "1959 to 1962"]
    );
    assert_eq!(p.nationalities, vec!["RU"]);
    assert_eq!(p.documents[0].number, "100200300");
    assert!(p.documents[0]
        .note
        .as_deref()
        .unwrap()
        .contains("diplomatic"));
    assert_eq!(p.programs, vec!["UKR"]);
    assert_eq!(p.titles, vec!["Member of the State Duma"]);
    let o = by_id(&es, "eu-fsf:EU.9002.22");
    assert_eq!(o.kind, EntityKind::Organization);
    assert_eq!(o.addresses[0].country.as_deref(), Some("KP"));
    assert_eq!(o.addresses[0].note.as_deref(), Some("Head office"));
}

#[test]
fn japan_mof_workbook() {
    let p = fixture("jp_mof.xlsx");
    let bytes = std::fs::read(&p).unwrap();
    let (es, _) =
        collect(|s| kansa_lists::jp_mof::parse("jp_mof.xlsx", bytes, "jp-mof", s)).unwrap();
    assert_eq!(es.len(), 5);
    let ri = by_id(&es, "jp-mof:北朝鮮関係(個人)-1");
    assert_eq!(ri.kind, EntityKind::Person);
    assert_eq!(ri.names[0].full, "リ・ウォンホ");
    assert_eq!(ri.names[0].script, Script::Kana);
    assert!(ri
        .names
        .iter()
        .any(|n| n.full == "RI Won Ho" && n.script == Script::Latin));
    assert!(ri
        .names
        .iter()
        .any(|n| n.full == "李元浩" && n.script == Script::Han));
    assert_eq!(ri.birth_dates[0].to_string(), "1964-07-17");
    assert_eq!(ri.nationalities, vec!["KP"]);
    assert_eq!(ri.documents[0].number, "381310014");
    assert_eq!(
        ri.listed_on.map(|d| d.to_string()).as_deref(),
        Some("2016-12-09")
    );
    let park = by_id(&es, "jp-mof:北朝鮮関係(個人)-2");
    assert_eq!(
        park.birth_dates
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>(),
        vec!["1984-08-15", "1984-08"]
    );
    assert_eq!(park.names.len(), 4, "{:?}", park.names);
    assert_eq!(
        park.crypto_addresses
            .iter()
            .map(|c| c.asset.as_str())
            .collect::<Vec<_>>(),
        vec!["XBT", "ETH"]
    );
    assert_eq!(
        by_id(&es, "jp-mof:北朝鮮関係(個人)-3").birth_dates[0].to_string(),
        "1955 to 1958"
    );
    let cho = by_id(&es, "jp-mof:北朝鮮関係(個人)-4");
    assert_eq!(cho.birth_dates[0].to_string(), "circa 1960");
    assert_eq!(cho.nationalities, vec!["KP"]);
    let g = by_id(&es, "jp-mof:ロシア関係(団体)-1");
    assert_eq!(g.kind, EntityKind::Organization);
    assert_eq!(
        g.crypto_addresses[0].address,
        "0x6F1cA141A28907F78Ebaa64fb83A9088b02A8352"
    );
    // A real date cell (not text) in 告示日付.
    assert_eq!(
        g.listed_on.map(|d| d.to_string()).as_deref(),
        Some("2022-09-26")
    );
}

#[test]
fn opensanctions_followthemoney_lines() {
    let p = fixture("ftm.jsonl");
    let (es, _) = collect(|s| kansa_lists::ftm::parse(input(&p), "opensanctions", s)).unwrap();
    assert_eq!(
        es.len(),
        4,
        "{:?}",
        es.iter().map(|e| e.id.as_str()).collect::<Vec<_>>()
    );
    let park = by_id(&es, "opensanctions:fx-person-1");
    assert_eq!(park.kind, EntityKind::Person);
    assert_eq!(
        park.names.iter().map(|n| n.kind).collect::<Vec<_>>(),
        vec![NameKind::Primary, NameKind::Aka, NameKind::WeakAka]
    );
    assert_eq!(park.programs, vec!["DPRK3"]);
    assert_eq!(
        park.listed_on.map(|d| d.to_string()).as_deref(),
        Some("2018-09-06")
    );
    assert_eq!(
        park.crypto_addresses[0].address,
        "1EpMiZkQVekHdpWYmS8pNYFKnXHMi5tDHn"
    );
    assert_eq!(park.documents[0].number, "290333974");
    assert_eq!(park.nationalities, vec!["KP"]);
    let expo = by_id(&es, "opensanctions:fx-company-1");
    assert_eq!(expo.links[0].share.as_deref(), Some("60"));
    assert_eq!(
        expo.links[0].target_id.as_ref().unwrap().as_str(),
        "opensanctions:fx-person-1"
    );
    // A nested Ownership inside its asset.
    let nested = by_id(&es, "opensanctions:fx-company-2");
    assert_eq!(
        nested.links[0].target_id.as_ref().unwrap().as_str(),
        "opensanctions:fx-company-1"
    );
    assert_eq!(nested.countries, vec!["SG"]);
    // A wallet without a holder is still a listed address.
    let w = by_id(&es, "opensanctions:fx-wallet-orphan");
    assert_eq!(w.crypto_addresses[0].asset, "ETH");
}
