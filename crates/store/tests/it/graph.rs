//! A graph built out of core: columns grown in mapped files of a build
//! directory, renamed into place when saved; on the real blocks 0–589.

use kansa_chain::{split_blk, Graph, IngestReport, Ledger};
use kansa_store::{open_graph, save_graph, GraphMeta, GraphSpace};
use std::path::Path;

fn blocks() -> Option<Vec<u8>> {
    kansa_testdata::shared("chain/btc/firstblocks-0-589.blk").map(|p| std::fs::read(p).unwrap())
}

fn ingest(l: &mut Ledger, blocks: &[(usize, &[u8])]) {
    let mut r = IngestReport::default();
    l.ingest_blocks(blocks, |off| format!("@{off}"), &mut r)
        .unwrap();
}

fn columns(g: &Graph) -> Vec<(&'static str, Vec<u8>)> {
    g.column_parts()
        .into_iter()
        .map(|(n, b, _)| (n, b.to_vec()))
        .collect()
}

/// Entries of `<data>/chain`: only the saved graph, no build directory.
fn chain_entries(data: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(data.join("chain"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    v.sort();
    v
}

#[test]
fn a_graph_built_in_mapped_files_is_saved_by_rename_and_reads_as_one_built_in_memory() {
    // Every column in its file from the first byte, and (the default for
    // an import this small) every column still on the heap.
    built_in_a_space(0);
    built_in_a_space(16 << 20);
}

fn built_in_a_space(spill_at: usize) {
    let Some(b) = blocks() else {
        return;
    };
    let space = |data: &Path| GraphSpace::spilling_at(data, spill_at).unwrap();
    let all = split_blk(&b).unwrap();
    let (first, second) = all.split_at(300);
    // In memory, in two imports.
    let mut l = Ledger::new();
    ingest(&mut l, first);
    let mut l = Ledger::from_graph(l.into_graph());
    ingest(&mut l, second);
    let want = columns(&l.into_graph());

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    // A build directory left by a process that is gone is cleared.
    let stale = data.join("chain/graph.tmp-4000000000-0");
    std::fs::create_dir_all(&stale).unwrap();
    std::fs::write(stale.join("tx_txid.0.part"), b"x").unwrap();

    // First import, in files.
    let first_space = space(data);
    let build = first_space.dir().to_path_buf();
    assert!(!stale.exists());
    let mut l = Ledger::new().with_space(first_space);
    ingest(&mut l, first);
    let g = l.into_graph();
    assert!(g.grow_errors().is_empty());
    assert!(g.tx_txid.region().is_some() && g.addr_outs.region().is_some());
    let spilled = std::fs::read_dir(&build).unwrap().count();
    if spill_at == 0 {
        assert!(spilled > 20, "{spilled}");
    } else {
        assert_eq!(spilled, 0);
    }
    save_graph(data, &g, &GraphMeta::default()).unwrap();
    assert_eq!(chain_entries(data), vec!["graph"]);
    // The saved files are the graph's; changing the built graph afterwards
    // copies the column first and leaves them alone.
    let fee0 = g.tx_fee.as_slice()[0];
    let mut g2 = g;
    g2.tx_fee.vec_mut()[0] = fee0.wrapping_add(1);
    let (opened, _) = open_graph(data).unwrap().unwrap();
    assert_eq!(opened.tx_fee.as_slice()[0], fee0);
    drop(g2);
    assert_eq!(chain_entries(data), vec!["graph"]);
    let files: Vec<String> = std::fs::read_dir(data.join("chain/graph"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(files.len(), Graph::COLUMNS.len() + 1, "{files:?}");
    assert!(files
        .iter()
        .all(|f| f.ends_with(".bin") || f == "meta.json"));

    // Second import over the mapped graph, in files again.
    let mut l = Ledger::from_graph(opened).with_space(space(data));
    ingest(&mut l, second);
    let g = l.into_graph();
    save_graph(data, &g, &GraphMeta::default()).unwrap();
    drop(g);
    let (opened, _) = open_graph(data).unwrap().unwrap();
    assert_eq!(columns(&opened), want);
    assert_eq!(opened.stats().max_height, Some(589));
    assert_eq!(chain_entries(data), vec!["graph"]);

    // An import given up half way leaves nothing behind.
    let mut l = Ledger::from_graph(opened).with_space(space(data));
    ingest(&mut l, first);
    drop(l);
    assert_eq!(chain_entries(data), vec!["graph"]);
    let (opened, _) = open_graph(data).unwrap().unwrap();
    assert_eq!(columns(&opened), want);
}
