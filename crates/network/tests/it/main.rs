#![allow(clippy::unwrap_used)]
//! The ownership network on the real UN and OFAC lists and on small
//! registry fixtures written for each rule.

use kansa_lists::ofac_csv::OfacInputs;
use kansa_lists::Input;
use kansa_model::Entity;
use kansa_network::{registry, Network, NetworkBuilder, NetworkError};
use std::fs::File;
use std::io::BufReader;
use std::sync::OnceLock;

mod fixtures;
mod lists;

fn input(p: &std::path::Path) -> Input<BufReader<File>> {
    Input::new(
        p.display().to_string(),
        BufReader::new(File::open(p).unwrap()),
    )
}

/// The OFAC SDN list of July 2021 and the UN consolidated list, parsed
/// once; `None` when the shared data is absent.
pub fn real_entities() -> Option<&'static [Entity]> {
    static E: OnceLock<Option<Vec<Entity>>> = OnceLock::new();
    E.get_or_init(|| {
        let sdn = kansa_testdata::shared("lists/ofac-sdn-2021-07")?;
        let un = kansa_testdata::shared("lists/un/UN_consolidated.xml")?;
        let mut out = Vec::new();
        {
            let mut sink = |e: Entity| -> Result<(), String> {
                out.push(e);
                Ok(())
            };
            let open = |n: &str| Some(input(&sdn.join(n)));
            kansa_lists::ofac_csv::parse(
                OfacInputs {
                    source: "ofac-sdn".into(),
                    primary: input(&sdn.join("sdn.csv")),
                    alt: open("alt.csv"),
                    add: open("add.csv"),
                    comments: open("sdn_comments.csv"),
                },
                &mut sink,
            )
            .unwrap();
            kansa_lists::un_xml::parse(input(&un), "un", &mut sink).unwrap();
        }
        Some(out)
    })
    .as_deref()
}

/// A network of the real lists plus a registry written as CSV text.
pub fn with_registry(csv: &str) -> Result<Network, NetworkError> {
    let mut b = NetworkBuilder::new();
    if let Some(e) = real_entities() {
        b.add_entities(e);
    }
    let rows = registry::read("registry.csv", csv.as_bytes())?;
    b.add_registry("registry.csv", &rows)?;
    Ok(b.build().0)
}
