//! Registry fixtures, one per rule, against the real OFAC SDN list of July
//! 2021: Prigozhin (`ofac-sdn:21171`), Arkady and Boris Rotenberg
//! (`ofac-sdn:16669`, `ofac-sdn:16671`) and SOVFRACHT MANAGING COMPANY LLC
//! of Moscow (`ofac-sdn:20291`) are listed there.

use super::*;
use kansa_network::indicators::{self, Settings, WalletFlow};
use kansa_network::ownership::OwnersLimits;
use kansa_network::{aggregate, assess, owners, Listed, Regime, Status};

const HEADER: &str = "company,owner,share,role,country,registration_date\n";

fn net(rows: &str) -> Option<Network> {
    real_entities()?;
    Some(with_registry(&format!("{HEADER}{rows}")).unwrap())
}

fn status(net: &Network, regime: &Regime, name: &str) -> (Status, f64) {
    let agg = aggregate(net, regime);
    let v = net.lookup(name)[0];
    let a = assess(net, &agg, regime, v);
    (a.status, a.listed_share.lo)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn a_three_level_chain_multiplies_60_by_90_to_54_percent() {
    let Some(n) = net("Alpha Holdings Ltd,ofac-sdn:21171,60,owner,CY,2015-03-01\n\
         Beta Trading Pte Ltd,Alpha Holdings Ltd,90,owner,SG,2016-07-12\n")
    else {
        return;
    };
    for regime in [Regime::ofac(), Regime::eu()] {
        let (s, share) = status(&n, &regime, "Beta Trading Pte Ltd");
        assert_eq!(s, Status::Blocked, "{}", regime.name);
        assert!(close(share, 0.54), "{share}");
    }
    let o = owners(
        &n,
        n.lookup("Beta Trading Pte Ltd")[0],
        OwnersLimits::default(),
    );
    let top = &o.owners[0];
    assert_eq!(top.key, "ofac-sdn:21171");
    assert!(close(top.share.lo, 0.54));
    assert_eq!(
        top.paths[0].describe(),
        "PRIGOZHIN, Yevgeniy Viktorovich —60%→ Alpha Holdings Ltd —90%→ Beta Trading Pte Ltd"
    );
    // The other 40% of Alpha and 10% of Beta have no recorded owner.
    assert!(close(o.unrecorded, 0.46), "{}", o.unrecorded);
}

#[test]
fn two_listed_owners_at_30_and_25_percent_block_in_aggregate() {
    let Some(n) = net("Gamma LLC,ofac-sdn:16669,30,owner,RU,2012-01-10\n\
         Gamma LLC,ofac-sdn:16671,25,shareholder,RU,2012-01-10\n\
         Gamma LLC,Ivan Ivanov,45,owner,RU,2012-01-10\n")
    else {
        return;
    };
    let (s, share) = status(&n, &Regime::ofac(), "Gamma LLC");
    assert_eq!(s, Status::Blocked);
    assert!(close(share, 0.55));
    let o = owners(&n, n.lookup("Gamma LLC")[0], OwnersLimits::default());
    let listed: Vec<(&str, f64)> = o
        .owners
        .iter()
        .filter(|x| x.listed == Listed::Yes)
        .map(|x| (x.key.as_str(), x.share.lo))
        .collect();
    assert_eq!(listed.len(), 2);
    assert!(
        listed.contains(&("ofac-sdn:16669", 0.3)) && listed.contains(&("ofac-sdn:16671", 0.25))
    );
    assert!(close(o.listed_share.lo, 0.55));
    // Ivan Ivanov is an ultimate owner, not listed.
    assert!(o
        .owners
        .iter()
        .any(|x| x.name == "Ivan Ivanov" && close(x.share.lo, 0.45)));
}

#[test]
fn cross_holdings_converge_and_owners_add_up_to_the_whole() {
    // Listed 60% of A; A 40% of B; B 30% of A; an outsider 60% of B.
    let Some(n) = net("Cyclone A Ltd,ofac-sdn:21171,60,owner,CY,\n\
         Cyclone B Ltd,Cyclone A Ltd,40,owner,CY,\n\
         Cyclone A Ltd,Cyclone B Ltd,30,owner,CY,\n\
         Cyclone B Ltd,Outside Investor,60,owner,,\n")
    else {
        return;
    };
    let agg = aggregate(&n, &Regime::ofac());
    let a = n.lookup("Cyclone A Ltd")[0];
    let b = n.lookup("Cyclone B Ltd")[0];
    // x(A) = 0.6 + 0.3·x(B), x(B) = 0.4·x(A)
    assert!(
        close(agg.lo[a as usize], 0.6 / 0.88),
        "{}",
        agg.lo[a as usize]
    );
    assert!(close(agg.lo[b as usize], 0.4 * 0.6 / 0.88));
    assert_eq!(agg.cyclic_components, 1);
    let o = owners(&n, a, OwnersLimits::default());
    assert!(o.through_cycle);
    let total: f64 = o.owners.iter().map(|x| x.share.lo).sum::<f64>() + o.unrecorded;
    assert!((total - 1.0).abs() < 1e-6, "{total}");
    assert!((o.listed_share.lo - agg.lo[a as usize]).abs() < 1e-6);
    let ofac = Regime::ofac();
    assert_eq!(assess(&n, &agg, &ofac, a).status, Status::Blocked);
    // B: 27% listed — below 50%, above the review level.
    assert_eq!(assess(&n, &agg, &ofac, b).status, Status::Review);
}

#[test]
fn a_singapore_shell_of_a_listed_russian_company_is_blocked_and_a_49_percent_stake_is_reviewed() {
    let Some(n) = net("Lion Gate Pte Ltd,ofac-sdn:20291,100,owner,SG,2023-05-02\n\
         Merlion Ventures Pte Ltd,ofac-sdn:20291,49,owner,SG,2019-11-20\n\
         Merlion Ventures Pte Ltd,Tan Wei Ming,51,owner,SG,2019-11-20\n")
    else {
        return;
    };
    let (s, share) = status(&n, &Regime::ofac(), "Lion Gate Pte Ltd");
    assert_eq!(s, Status::Blocked);
    assert!(close(share, 1.0));
    for regime in [Regime::ofac(), Regime::eu(), Regime::uk()] {
        let (s, share) = status(&n, &regime, "Merlion Ventures Pte Ltd");
        assert_eq!(s, Status::Review, "{}", regime.name);
        assert!(close(share, 0.49));
    }
    let agg = aggregate(&n, &Regime::ofac());
    let a = assess(
        &n,
        &agg,
        &Regime::ofac(),
        n.lookup("Merlion Ventures Pte Ltd")[0],
    );
    assert!(
        a.reasons[0].contains("49%") && a.reasons[0].contains("review"),
        "{:?}",
        a.reasons
    );
}

#[test]
fn ofac_cascades_blocked_ownership_where_the_product_stays_below_half() {
    // Listed 60% of A (blocked); A 60% of B: 36% multiplied, but B is
    // owned 60% by a blocked company.
    let Some(n) = net("Cascade A Ltd,ofac-sdn:21171,60,owner,CY,\n\
         Cascade B Ltd,Cascade A Ltd,60,owner,CY,\n")
    else {
        return;
    };
    let (s, share) = status(&n, &Regime::ofac(), "Cascade B Ltd");
    assert_eq!(s, Status::Blocked);
    assert!(close(share, 0.36));
    let agg = aggregate(&n, &Regime::ofac());
    assert!(agg.cascade[n.lookup("Cascade B Ltd")[0] as usize]);
    // The EU test multiplies only: 36% is reviewed, not blocked.
    assert_eq!(status(&n, &Regime::eu(), "Cascade B Ltd").0, Status::Review);
}

#[test]
fn exactly_half_blocks_under_ofac_but_not_under_the_eu_test() {
    let Some(n) = net("Half Co Ltd,ofac-sdn:16669,25,owner,,\n\
         Half Co Ltd,ofac-sdn:16671,25,owner,,\n")
    else {
        return;
    };
    assert_eq!(
        status(&n, &Regime::ofac(), "Half Co Ltd").0,
        Status::Blocked
    );
    assert_eq!(status(&n, &Regime::eu(), "Half Co Ltd").0, Status::Review);
}

#[test]
fn bands_and_control() {
    let Some(n) = net("Band Co Ltd,ofac-sdn:21171,more than 25%,owner,,\n\
         Directed Co Ltd,ofac-sdn:16669,,director,,\n")
    else {
        return;
    };
    // "More than 25%" may be up to 100%: reviewed, not blocked.
    let agg = aggregate(&n, &Regime::ofac());
    let v = n.lookup("Band Co Ltd")[0];
    let a = assess(&n, &agg, &Regime::ofac(), v);
    assert_eq!(a.status, Status::Review);
    assert!(close(a.listed_share.lo, 0.25) && close(a.listed_share.hi, 1.0));
    // A listed director: control blocks under the EU and UK tests; OFAC
    // reviews.
    assert_eq!(
        status(&n, &Regime::eu(), "Directed Co Ltd").0,
        Status::Blocked
    );
    assert_eq!(
        status(&n, &Regime::uk(), "Directed Co Ltd").0,
        Status::Blocked
    );
    assert_eq!(
        status(&n, &Regime::ofac(), "Directed Co Ltd").0,
        Status::Review
    );
}

#[test]
fn a_registry_name_equal_to_a_listed_name_is_possibly_listed_and_certainly_with_its_country() {
    let Some(n) = net(
        "Harbour One Ltd,SOVFRACHT MANAGING COMPANY LLC,80,owner,CY,\n\
         SOVFRACHT MANAGING COMPANY LLC,,,,RU,\n",
    ) else {
        return;
    };
    // The registry states the company is Russian, as the list does: certain.
    let v = n.lookup("registry:sovfracht managing company llc")[0];
    assert_eq!(n.node(v).listed, Listed::Yes);
    assert_eq!(n.node(v).listed_as.as_deref(), Some("ofac-sdn:20291"));
    assert_eq!(
        status(&n, &Regime::ofac(), "Harbour One Ltd").0,
        Status::Blocked
    );
    let Some(n) = net("Harbour Two Ltd,PRIGOZHIN Yevgeniy Viktorovich,80,owner,CY,\n") else {
        return;
    };
    // A name alone: possibly listed, so the company is reviewed.
    let v = n.lookup("registry:prigozhin yevgeniy viktorovich")[0];
    assert_eq!(n.node(v).listed, Listed::Possible);
    let agg = aggregate(&n, &Regime::ofac());
    let a = assess(&n, &agg, &Regime::ofac(), n.lookup("Harbour Two Ltd")[0]);
    assert_eq!(a.status, Status::Review);
    assert!(close(a.listed_share.lo, 0.0) && close(a.listed_share.hi, 0.8));
}

#[test]
fn bad_registry_rows_are_refused_with_their_line() {
    if real_entities().is_none() {
        return;
    }
    let cases = [
        ("A Ltd,B Ltd,120,owner,,\n", "line 2: field share: share \"120\" is over 100%"),
        ("A Ltd,B Ltd,-5,owner,,\n", "line 2: field share: share \"-5\" is negative"),
        ("A Ltd,B Ltd,abc,owner,,\n", "line 2: field share"),
        ("A Ltd,ofac-sdn:99999999,50,owner,,\n", "line 2: unknown entity reference \"ofac-sdn:99999999\""),
        ("A Ltd,B Ltd,50,owner,,\nA Ltd,B Ltd,40,owner,,\n", "line 3: \"B Ltd\" owns \"A Ltd\" again with another share (first stated at registry.csv: line 2)"),
        ("A Ltd,B Ltd,60,owner,,\nA Ltd,C Ltd,50,owner,,\n", "line 2: the owners of \"A Ltd\" hold 110% in all (lines 2, 3): more than 100%"),
        ("A Ltd,A LTD.,60,owner,,\n", "line 2: \"A Ltd\" is its own owner"),
        ("A Ltd,B Ltd,,chief,,\n", "line 2: field role: \"chief\" is not a known role"),
        ("A Ltd,B Ltd,10,director,,\n", "line 2: field share: a share for the role \"director\""),
        ("A Ltd,B Ltd,10,owner,Atlantis,\n", "line 2: field country: \"Atlantis\" is not a country"),
        ("A Ltd,B Ltd,10,owner,,2023-02-30\n", "line 2: field registration_date"),
        ("A Ltd,B Ltd,10,owner,,2020-01-01\nA Ltd,C Ltd,10,owner,,2021-01-01\n", "line 3: field registration_date: 2021-01-01 conflicts with 2020-01-01"),
        (",B Ltd,10,owner,,\n", "line 2: field company: empty"),
        ("A Ltd,B Ltd,10,owner\n", "line 2"),
    ];
    for (rows, want) in cases {
        let err = with_registry(&format!("{HEADER}{rows}"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("registry.csv: "), "{err}");
        assert!(err.contains(want), "{rows:?}: {err}");
    }
    let err = with_registry("company,owner,share\nA,B,1\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("missing column(s) role, country, registration_date"),
        "{err}"
    );
    let err = with_registry("company,owner,share,role,country,registration_date,colour\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown column \"colour\""), "{err}");
    // The same row twice is kept once.
    let n = with_registry(&format!(
        "{HEADER}A Ltd,B Ltd,40,owner,,\nA Ltd,B Ltd,40,owner,,\n"
    ))
    .unwrap();
    let a = n.lookup("A Ltd")[0];
    assert_eq!(n.incoming(a).count(), 1);
}

#[test]
fn indicators_carry_their_evidence() {
    let Some(n) = net(&format!(
        "Front Co Ltd,Nominee Person,,director,VG,2026-06-01\n\
         Front Co Ltd,Shell Parent Ltd,100,owner,VG,2026-06-01\n\
         Shell Parent Ltd,Trustee Holdings,100,owner,KY,\n\
         BASIC ELEMENT LIMITED,Nominee Person,,director,,\n\
         {}",
        (0..11)
            .map(|i| format!("Company {i} Ltd,Nominee Person,,director,,\n"))
            .collect::<String>()
    )) else {
        return;
    };
    let v = n.lookup("Front Co Ltd")[0];
    let mut settings = Settings {
        as_of_days: Some(kansa_model::time::days_from_civil(2026, 11, 22)),
        ..Settings::default()
    };
    settings.nominee_min = 10;
    let o = owners(&n, v, OwnersLimits::default());
    let flows = [WalletFlow {
        wallet: "0xabc".into(),
        asset: "ETH".into(),
        received: 1000,
        sent: 990,
        sent_to_listed: 950,
        listed: vec!["ofac-sdn:24224".into()],
    }];
    let found = indicators::indicators(&n, &settings, v, Some(&o), &flows);
    let codes: Vec<&str> = found.iter().map(|i| i.code).collect();
    for want in [
        "shared_director",
        "recent_incorporation",
        "jurisdiction_of_concern",
        "nominee_director",
        "pass_through_to_listed",
    ] {
        assert!(codes.contains(&want), "{want} missing from {codes:?}");
    }
    let shared = found.iter().find(|i| i.code == "shared_director").unwrap();
    assert_eq!(
        shared.evidence,
        ["Nominee Person (director of Front Co Ltd) is also tied to listed BASIC ELEMENT LIMITED (registry:basic element limited, possibly listed ofac-sdn:24224)"]
    );
    let jur = found
        .iter()
        .find(|i| i.code == "jurisdiction_of_concern")
        .unwrap();
    assert!(
        jur.evidence
            .iter()
            .any(|e| e.contains("Trustee Holdings") && e.contains("KY")),
        "{:?}",
        jur.evidence
    );
    // Without a flow, a listed director elsewhere or an as-of date, nothing of those.
    let quiet = indicators::indicators(
        &n,
        &Settings::default(),
        n.lookup("Shell Parent Ltd")[0],
        None,
        &[],
    );
    assert!(
        quiet.iter().all(|i| i.code == "jurisdiction_of_concern"),
        "{quiet:?}"
    );
}

#[test]
fn a_registered_address_of_a_listed_company_is_an_indicator() {
    let Some(entities) = real_entities() else {
        return;
    };
    let sov = entities
        .iter()
        .find(|e| e.id.as_str() == "ofac-sdn:20291")
        .unwrap();
    assert_eq!(
        sov.addresses[0].street.as_deref(),
        Some("Dobroslobodskaya, 3 BC Basmanov")
    );
    let csv = "company,owner,share,role,country,registration_date,address\n\
         Basmanny Services LLC,Some Owner,100,owner,RU,,\"Dobroslobodskaya, 3 BC Basmanov, Moscow 105066\"\n";
    let n = with_registry(csv).unwrap();
    let v = n.lookup("Basmanny Services LLC")[0];
    let found = indicators::indicators(&n, &Settings::default(), v, None, &[]);
    let a = found.iter().find(|i| i.code == "shared_address").unwrap();
    // The graph links them too (for the case file's picture).
    assert_eq!(
        n.around(v)
            .filter(|&(e, _)| n.edge(e).rel == kansa_network::Relation::SharedAddress)
            .count(),
        2
    );
    // Two listed SOVFRACHT companies have that address.
    assert!(
        a.evidence.iter().any(|e| e.contains("ofac-sdn:20291")),
        "{:?}",
        a.evidence
    );
    assert!(
        a.evidence.iter().any(|e| e.contains("ofac-sdn:20288")),
        "{:?}",
        a.evidence
    );
}

/// Deterministic pseudo-random registries: the figure of every company from
/// the aggregate equals the sum over its listed owners found by pushing up
/// from that company, cycles included.
#[test]
fn aggregate_and_per_company_owners_agree_on_random_registries() {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move |m: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % m
    };
    let mut checked = 0;
    for round in 0..20 {
        let companies = 40;
        let mut csv = String::from(HEADER);
        let mut owned = vec![0u64; companies];
        for (c, owned_c) in owned.iter_mut().enumerate() {
            for _ in 0..next(4) {
                let owner = if next(5) == 0 {
                    format!("Listed{} ", next(3))
                } else {
                    format!("Co{} Ltd", next(companies as u64))
                };
                let share = 1 + next(40);
                if *owned_c + share > 100 || owner == format!("Co{c} Ltd") {
                    continue;
                }
                *owned_c += share;
                csv.push_str(&format!("Co{c} Ltd,{owner},{share},owner,,\n"));
            }
        }
        // Owners named "ListedN" are marked listed by a certain match.
        let rows = match registry::read("r.csv", csv.as_bytes()) {
            Ok(r) => r,
            Err(_) => continue,
        };
        let listed_entities: Vec<Entity> = (0..3)
            .map(|i| {
                let mut e = Entity::new("test", &format!("L{i}"), kansa_model::EntityKind::Person);
                e.names.push(kansa_model::Name {
                    full: format!("Listed{i}"),
                    kind: kansa_model::NameKind::Primary,
                    script: kansa_model::Script::Latin,
                    parts: Default::default(),
                    lang: None,
                });
                e
            })
            .collect();
        let mut b2 = NetworkBuilder::new();
        b2.add_entities(&listed_entities);
        if b2.add_registry("r.csv", &rows).is_err() {
            continue; // a pair drawn twice with two shares
        }
        for i in 0..3 {
            b2.same_as(
                &format!("registry:listed{i}"),
                &format!("test:L{i}"),
                1.0,
                "exact name and country",
            );
        }
        let (n, _) = b2.build();
        let agg = aggregate(&n, &Regime::ofac());
        for c in 0..companies {
            let Some(&v) = n.lookup(&format!("Co{c} Ltd")).first() else {
                continue;
            };
            let o = owners(&n, v, OwnersLimits::default());
            assert!(
                (o.listed_share.lo - agg.lo[v as usize]).abs() < 1e-6,
                "round {round}, Co{c}: {} vs {}",
                o.listed_share.lo,
                agg.lo[v as usize]
            );
            let total: f64 = o.owners.iter().map(|x| x.share.lo).sum::<f64>() + o.unrecorded;
            assert!(
                (total - 1.0).abs() < 1e-6,
                "round {round}, Co{c}: owners add to {total}"
            );
            checked += 1;
        }
    }
    assert!(checked > 200, "{checked}");
}

#[test]
fn the_synthetic_registry_is_valid_deterministic_and_of_the_size_asked() {
    use kansa_network::synth::{registry, SynthSize};
    let size = SynthSize {
        companies: 20_000,
        edges: 60_000,
        people: 12_000,
        listed: 40,
        seed: 7,
    };
    let (listed, rows) = registry(size);
    let (_, again) = registry(size);
    assert_eq!(rows, again);
    // A few person names drawn twice for one company are merged.
    assert!(
        rows.len() <= 60_000 && rows.len() > 59_000,
        "{}",
        rows.len()
    );
    let mut b = NetworkBuilder::new();
    b.add_entities(listed.iter());
    b.add_registry("synthetic.csv", &rows).unwrap();
    let (n, _) = b.build();
    let agg = aggregate(&n, &Regime::ofac());
    assert!(agg.cyclic_components > 0);
    assert!(agg.lo.iter().filter(|&&x| x > 0.0 && x < 1.0).count() > 100);
}
