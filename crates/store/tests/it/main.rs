#![allow(clippy::unwrap_used)]
//! The store on real lists: snapshots, no-op re-imports, refused imports
//! that leave no trace, activation rules, and the OFAC 2019 → 2021 diff
//! checked against the raw files.

use kansa_lists::ofac_csv::OfacInputs;
use kansa_lists::{Input, ListError, ParseSummary};
use kansa_model::EntityId;
use kansa_store::{ImportOutcome, ImportRequest, Store};
use std::collections::BTreeSet;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

mod graph;
mod ledger;
mod residency;

fn data(rel: &str) -> Option<PathBuf> {
    kansa_testdata::shared(&format!("lists/{rel}"))
}

fn sha(files: &[PathBuf]) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for f in files {
        h.update(std::fs::read(f).unwrap());
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn req(source: &str, format: &str, files: &[PathBuf]) -> ImportRequest {
    ImportRequest {
        source: source.into(),
        format: format.into(),
        files: files.iter().map(|p| p.display().to_string()).collect(),
        sha256: sha(files),
        imported_at: "2026-11-22T00:00:00Z".into(),
    }
}

fn open(p: &Path) -> Input<BufReader<File>> {
    Input::new(
        p.display().to_string(),
        BufReader::new(File::open(p).unwrap()),
    )
}

fn import_ofac(store: &mut Store, dir: &Path) -> Result<ImportOutcome, kansa_store::StoreError> {
    let names = ["sdn.csv", "alt.csv", "add.csv", "sdn_comments.csv"];
    let files: Vec<PathBuf> = names.iter().map(|n| dir.join(n)).collect();
    store.import(&req("ofac-sdn", "ofac-csv", &files), |sink| {
        let inputs = OfacInputs {
            source: "ofac-sdn".into(),
            primary: open(&files[0]),
            alt: Some(open(&files[1])),
            add: Some(open(&files[2])),
            comments: Some(open(&files[3])),
        };
        kansa_lists::ofac_csv::parse(inputs, sink)
    })
}

fn import_un(store: &mut Store, p: &Path) -> Result<ImportOutcome, kansa_store::StoreError> {
    store.import(&req("un", "un-xml", &[p.to_path_buf()]), |sink| {
        kansa_lists::un_xml::parse(open(p), "un", sink)
    })
}

fn snapshot(o: ImportOutcome) -> kansa_model::ListSnapshot {
    match o {
        ImportOutcome::Imported { snapshot, .. } | ImportOutcome::Unchanged { snapshot } => {
            snapshot
        }
    }
}

/// Entity numbers and programme fields straight from an sdn.csv.
fn raw_sdn(dir: &Path) -> std::collections::BTreeMap<String, String> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(dir.join("sdn.csv"))
        .unwrap();
    r.records()
        .filter_map(|x| x.ok())
        .filter(|x| x.len() == 12)
        .map(|x| (format!("ofac-sdn:{}", &x[0]), x[3].to_string()))
        .collect()
}

#[test]
fn ofac_2019_to_2021_diff_matches_the_raw_files() {
    let (Some(old), Some(new)) = (data("ofac-sdn-2019"), data("ofac-sdn-2021-07")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_dir(dir.path()).unwrap();
    let a = snapshot(import_ofac(&mut store, &old).unwrap());
    let b = snapshot(import_ofac(&mut store, &new).unwrap());
    assert_eq!((a.counts.entities, b.counts.entities), (7379, 8976));
    assert!(b.active && !store.snapshot(a.id).unwrap().unwrap().active);
    let d = store.diff(&a, &b).unwrap();

    let (ro, rn) = (raw_sdn(&old), raw_sdn(&new));
    let added: BTreeSet<&String> = rn.keys().filter(|k| !ro.contains_key(*k)).collect();
    let removed: BTreeSet<&String> = ro.keys().filter(|k| !rn.contains_key(*k)).collect();
    assert_eq!(
        d.added
            .iter()
            .map(|e| e.id.as_str())
            .collect::<BTreeSet<_>>(),
        added.iter().map(|s| s.as_str()).collect()
    );
    assert_eq!(
        d.removed
            .iter()
            .map(|e| e.id.as_str())
            .collect::<BTreeSet<_>>(),
        removed.iter().map(|s| s.as_str()).collect()
    );
    let common = rn.keys().filter(|k| ro.contains_key(*k)).count() as u64;
    assert_eq!(d.changed.len() as u64 + d.unchanged, common);
    // Every entity whose programme column changed is reported with a programs change.
    let prog_changed: Vec<&String> = rn
        .iter()
        .filter(|(k, v)| ro.get(*k).is_some_and(|o| o != *v))
        .map(|(k, _)| k)
        .collect();
    assert!(!prog_changed.is_empty());
    for id in prog_changed {
        let c = d
            .changed
            .iter()
            .find(|c| c.id.as_str() == id)
            .unwrap_or_else(|| panic!("{id} not reported"));
        assert!(
            c.fields.iter().any(|f| f.field == "programs"),
            "{id}: {:?}",
            c.fields
        );
    }
    // Diffing a snapshot with itself finds nothing.
    let same = store.diff(&b, &b).unwrap();
    assert_eq!(
        (
            same.added.len(),
            same.removed.len(),
            same.changed.len(),
            same.unchanged
        ),
        (0, 0, 0, 8976)
    );
    // Snapshots are found by number, version, sha prefix and "active".
    assert_eq!(
        store.resolve_snapshot("ofac-sdn", "active").unwrap().id,
        b.id
    );
    assert_eq!(
        store.resolve_snapshot("ofac-sdn", &b.version).unwrap().id,
        b.id
    );
    assert_eq!(
        store
            .resolve_snapshot("ofac-sdn", &a.sha256[..8])
            .unwrap()
            .id,
        a.id
    );
    assert!(store.resolve_snapshot("ofac-sdn", "99").is_err());
    assert!(store.resolve_snapshot("nope", "1").is_err());
}

#[test]
fn identical_bytes_are_a_no_op_and_entities_are_readable() {
    let Some(new) = data("ofac-sdn-2021-07") else {
        return;
    };
    let mut store = Store::open_in_memory().unwrap();
    let first = import_ofac(&mut store, &new).unwrap();
    assert!(matches!(
        first,
        ImportOutcome::Imported {
            activated: true,
            ..
        }
    ));
    let before = store.fingerprint().unwrap();
    let again = import_ofac(&mut store, &new).unwrap();
    assert!(
        matches!(again, ImportOutcome::Unchanged { .. }),
        "{again:?}"
    );
    assert_eq!(store.fingerprint().unwrap(), before);
    let e = store
        .entity(&EntityId::parse("ofac-sdn:29703").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(e.crypto_addresses.len(), 17);
    assert!(store
        .entity(&EntityId::parse("ofac-sdn:1").unwrap())
        .unwrap()
        .is_none());
}

#[test]
fn a_refused_import_leaves_the_store_exactly_as_it_was() {
    let (Some(good), Some(bad)) = (data("ofac-sdn-2019"), data("malformed")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open_dir(dir.path()).unwrap();
    import_ofac(&mut store, &good).unwrap();
    let before = store.fingerprint().unwrap();
    let err = import_ofac(&mut store, &bad).unwrap_err().to_string();
    assert!(
        err.contains("malformed/sdn_comments.csv: line 4: expected 2 to 3 fields"),
        "{err}"
    );
    assert_eq!(store.fingerprint().unwrap(), before);
    // A sink failure half-way (e.g. a full disk) rolls back too.
    let mut n = 0;
    let files = vec![good.join("sdn.csv")];
    let mut r = req("ofac-sdn", "ofac-csv", &files);
    r.sha256 = "0".repeat(64);
    let err = store
        .import(&r, |sink| {
            let mut failing = |e: kansa_model::Entity| -> Result<(), String> {
                n += 1;
                if n == 500 {
                    return Err("disk full".into());
                }
                sink(e)
            };
            let inputs = OfacInputs {
                source: "ofac-sdn".into(),
                primary: open(&files[0]),
                alt: None,
                add: None,
                comments: None,
            };
            kansa_lists::ofac_csv::parse(inputs, &mut failing)
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("disk full"), "{err}");
    assert_eq!(store.fingerprint().unwrap(), before);
    // So does an input with no entities.
    let err = store
        .import(&req("empty", "ofac-csv", &files), |_sink| {
            Ok::<ParseSummary, ListError>(ParseSummary::default())
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("no entities"), "{err}");
    assert_eq!(store.fingerprint().unwrap(), before);
    drop(store);
    // And the file reopens sound.
    let store = Store::open_dir(dir.path()).unwrap();
    assert_eq!(store.fingerprint().unwrap(), before);
    assert_eq!(before.integrity, "ok");
}

#[test]
fn an_older_publication_does_not_replace_a_newer_active_snapshot() {
    let Some(un) = data("un/UN_consolidated.xml") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let older = tmp.path().join("UN_2020.xml");
    let text = std::fs::read_to_string(&un).unwrap().replacen(
        "dateGenerated=\"2026-02-27T00:00:09.554Z\"",
        "dateGenerated=\"2020-01-15T00:00:00.000Z\"",
        1,
    );
    std::fs::write(&older, text).unwrap();
    let mut store = Store::open_in_memory().unwrap();
    let newer = snapshot(import_un(&mut store, &un).unwrap());
    let out = import_un(&mut store, &older).unwrap();
    let ImportOutcome::Imported {
        snapshot: old,
        activated,
    } = out
    else {
        panic!("{out:?}")
    };
    assert!(!activated);
    assert_eq!(old.version, "2020-01-15T00:00:00.000Z");
    assert_eq!(store.resolve_snapshot("un", "active").unwrap().id, newer.id);
    // Unchanged entities are stored once.
    let fp = store.fingerprint().unwrap();
    assert_eq!(fp.memberships, 2006);
    assert_eq!(fp.bodies, 1003);
    store.activate(old.id, "2026-11-22T00:00:00Z").unwrap();
    assert_eq!(store.resolve_snapshot("un", "active").unwrap().id, old.id);
}

/// A graph written by an older format is refused with what to do, and
/// the current format round-trips.
#[test]
fn an_older_graph_format_is_refused_saying_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let g = kansa_chain::Ledger::new().into_graph();
    kansa_store::save_graph(dir.path(), &g, &kansa_store::GraphMeta::default()).unwrap();
    assert!(kansa_store::open_graph(dir.path()).unwrap().is_some());
    let meta = dir.path().join("chain/graph/meta.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&meta).unwrap()).unwrap();
    m["format"] = serde_json::json!(2);
    std::fs::write(&meta, serde_json::to_vec(&m).unwrap()).unwrap();
    let e = kansa_store::open_graph(dir.path())
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("graph format 2"), "{e}");
    assert!(e.contains("kansa chain import"), "{e}");
}
