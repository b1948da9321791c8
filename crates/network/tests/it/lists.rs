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
