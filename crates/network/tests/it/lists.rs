//! Links the real UN and OFAC files state, as a network.

use super::*;
use kansa_network::{Listed, Relation};

#[test]
fn the_real_lists_give_a_network_of_resolved_links() {
    let Some(entities) = real_entities() else {
        return;
    };
    let mut b = NetworkBuilder::new();
    b.add_entities(entities);
    let (net, rep) = b.build();
    eprintln!("{rep:#?}");
    let stated: usize = rep.list_links.values().sum();
    // OFAC's "Linked To:" remarks and UN cross-references.
    assert!(stated > 3800, "{stated}");
    assert!(
        rep.resolved_by_name > 3000 && rep.resolved_by_id > 450,
        "{rep:?}"
    );
    assert!(rep.resolved_by_name + rep.resolved_by_id + rep.ambiguous + rep.unresolved == stated);
    assert!(rep.unresolved < 50);
    assert!(net.nodes.iter().all(|n| n.listed == Listed::Yes));
    // Prigozhin: "Linked To: INTERNET RESEARCH AGENCY LLC."
    let p = net.find("ofac-sdn:21171").unwrap();
    assert!(net
        .around(p)
        .any(|(_, o)| net.node(o).name == "INTERNET RESEARCH AGENCY LLC"));
    // UN wording gives the relation: a leader of M23 controls it, and
    // Jalaluddin Haqqani is Sirajuddin's father.
    let m23 = net.find("un:CDe.006").unwrap();
    assert!(net.incoming(m23).any(|(_, e)| e.rel == Relation::Control));
    let family = net
        .edges
        .iter()
        .filter(|e| e.rel == Relation::Family)
        .any(|e| {
            let (a, b) = (&net.node(e.from).name, &net.node(e.to).name);
            a.to_uppercase().contains("HAQQANI") && b.to_uppercase().contains("HAQQANI")
        });
    assert!(family);
}

#[test]
fn followthemoney_ownership_records_join_the_network_and_related_parties_are_not_listed() {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../lists/tests/fixtures/ftm.jsonl");
    let mut entities = Vec::new();
    {
        let mut sink = |e: Entity| -> Result<(), String> {
            entities.push(e);
            Ok(())
        };
        kansa_lists::ftm::parse(input(&path), "opensanctions", &mut sink).unwrap();
    }
    let mut b = NetworkBuilder::new();
    b.add_entities(&entities);
    let (net, rep) = b.build();
    assert_eq!(rep.list_links.get("owned_by"), Some(&2));
    let person = net.find("opensanctions:fx-person-1").unwrap();
    let expo = net.find("opensanctions:fx-company-1").unwrap();
    let nested = net.find("opensanctions:fx-company-2").unwrap();
    // The nested company is in the export only as a related party.
    assert_eq!(net.node(nested).listed, Listed::No);
    assert_eq!(net.node(expo).listed, Listed::Yes);
    let share = |from, to| {
        net.incoming(to)
            .find(|(_, e)| e.from == from && e.rel == Relation::Ownership)
            .map(|(_, e)| e.ownership().lo)
    };
    assert_eq!(share(person, expo), Some(0.6));
    assert_eq!(share(expo, nested), Some(1.0));
    let regime = kansa_network::Regime::ofac();
    let agg = kansa_network::aggregate(&net, &regime);
    let a = kansa_network::assess(&net, &agg, &regime, nested);
    assert_eq!(a.status, kansa_network::Status::Blocked);
}
