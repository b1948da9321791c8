#![allow(clippy::unwrap_used)]
//! The `kansa` binary end to end: import the real lists, read them back as
//! JSON, refuse malformed files without touching the store, download with
//! `lists update` from a local HTTP server, and survive being killed in the
//! middle of an import.

mod audit;
mod browser;
mod chain_api;
mod four_eyes;
mod fresh;
mod lists_api;
mod replicas;
mod serve;
mod travel;

use serde_json::Value;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn lists_dir() -> Option<PathBuf> {
    kansa_testdata::shared("lists")
}

fn kansa(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kansa"))
        .arg("--data")
        .arg(data)
        .args(args)
        .output()
        .unwrap()
}

fn stdout_json(o: &Output) -> Value {
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Imports `../shared/data/lists/<rel>` and insists it succeeds.
fn import_ok(data: &Path, lists: &Path, rel: &str) {
    let o = kansa(
        data,
        &["lists", "import", lists.join(rel).to_str().unwrap()],
    );
    assert!(
        o.status.success(),
        "{rel}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

fn ls(data: &Path) -> Value {
    stdout_json(&kansa(data, &["lists", "ls", "--all", "--json"]))
}

#[test]
fn import_everything_then_list_show_and_diff() {
    let Some(lists) = lists_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let paths: Vec<String> = [
        "ofac-sdn-2019",
        "ofac-sdn-2021-07",
        "ofac-consolidated",
        "un",
        "us-csl",
        "bis-dpl",
        "ofac-crypto-addresses-2024-09",
    ]
    .iter()
    .map(|p| lists.join(p).display().to_string())
    .collect();
    let mut args = vec!["lists", "import", "--json"];
    args.extend(paths.iter().map(String::as_str));
    let report = stdout_json(&kansa(d, &args));
    let statuses: Vec<&str> = report
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["imported"; 7]);
    let active = stdout_json(&kansa(d, &["lists", "ls", "--json"]));
    let count = |src: &str| {
        active
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["source"] == src)
            .map(|s| s["counts"]["entities"].as_u64().unwrap())
    };
    assert_eq!(count("ofac-sdn"), Some(8976));
    assert_eq!(count("un"), Some(1003));
    assert_eq!(count("ofac-crypto"), Some(654));
    let ri = stdout_json(&kansa(d, &["lists", "show", "un:KPi.033", "--json"]));
    assert_eq!(ri["names"][0]["full"], "RI WON HO");
    let text = String::from_utf8(kansa(d, &["lists", "show", "ofac-sdn:29703"]).stdout).unwrap();
    assert!(
        text.contains("crypto      BSV 12sjrrhoFEsedNRhtgwvvRqjFTh8fZTDX9"),
        "{text}"
    );
    let missing = kansa(d, &["lists", "show", "un:XXi.999"]);
    assert_eq!(missing.status.code(), Some(1));
    let bad_id = kansa(d, &["lists", "show", "nocolon"]);
    assert!(String::from_utf8_lossy(&bad_id.stderr).contains("is not an entity id"));
    let diff = stdout_json(&kansa(
        d,
        &["lists", "diff", "ofac-sdn", "1", "2", "--json"],
    ));
    assert_eq!(
        diff["added"].as_array().unwrap().len()
            + diff["changed"].as_array().unwrap().len()
            + diff["unchanged"].as_u64().unwrap() as usize,
        8976
    );
    // A second import of the same directory changes nothing.
    let again = stdout_json(&kansa(d, &["lists", "import", "--json", &paths[1]]));
    assert_eq!(again[0]["status"], "unchanged");
    // A name borne by many listed entities finds every one of them: the
    // entries named "AL-AQSA E.V." in the raw SDN files (primary names and
    // aliases), each at 1.0.
    let mut want: Vec<String> = ["sdn.csv", "alt.csv"]
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(lists.join("ofac-sdn-2021-07").join(f))
                .unwrap()
                .lines()
                .filter(|l| l.contains(",\"AL-AQSA E.V.\","))
                .map(|l| format!("ofac-sdn:{}", l.split(',').next().unwrap()))
                .collect::<Vec<_>>()
        })
        .collect();
    want.sort();
    want.dedup();
    assert!(want.len() >= 9, "{want:?}");
    let hits = stdout_json(&kansa(
        d,
        &["screen", "name", "al-aqsa e.v.", "--limit", "100", "--json"],
    ));
    let mut got: Vec<String> = hits["matches"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["score"].as_f64() == Some(1.0))
        .map(|m| m["entity_id"].as_str().unwrap().to_string())
        .collect();
    got.sort();
    assert_eq!(got, want);
}

#[test]
fn malformed_files_are_refused_and_the_store_is_unchanged() {
    let Some(lists) = lists_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    import_ok(d, &lists, "un");
    let before = ls(d);
    let bad = lists.join("malformed");
    for f in ["sdn.csv", "csl.csv"] {
        let o = kansa(d, &["lists", "import", bad.join(f).to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(1), "{f}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("import refused, the store is unchanged") && err.contains("line "),
            "{f}: {err}"
        );
        assert_eq!(ls(d), before);
    }
    let o = kansa(
        d,
        &["lists", "import", bad.join("alt.csv").to_str().unwrap()],
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("belongs to an OFAC CSV set"));
    let readme = lists.join("ofac-crypto-addresses-2024-09/README.md");
    let o = kansa(d, &["lists", "import", readme.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot tell the list format"));
    assert_eq!(ls(d), before);
}

/// A minimal HTTP/1.1 server for files under `root`, on 127.0.0.1.
fn serve(root: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut s) = conn else { continue };
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            if r.read_line(&mut line).is_err() {
                continue;
            }
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).unwrap_or(0) <= 2 {
                    break;
                }
            }
            let path = line
                .split_whitespace()
                .nth(1)
                .unwrap_or("/")
                .trim_start_matches('/')
                .to_string();
            match std::fs::read(root.join(&path)) {
                Ok(body) if !path.contains("..") => {
                    let _ = write!(
                        s,
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = s.write_all(&body);
                }
                _ => {
                    let _ = write!(
                        s,
                        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    );
                }
            }
        }
    });
    format!("http://{addr}/")
}

#[test]
fn update_downloads_verifies_and_imports() {
    let Some(lists) = lists_dir() else { return };
    let base = serve(lists.clone());
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let sdn = format!("ofac-sdn={base}ofac-sdn-2021-07/");
    let un = format!("un={base}un/UN_consolidated.xml");
    let update = || {
        kansa(
            d,
            &[
                "lists",
                "update",
                "--only",
                "ofac-sdn,un",
                "--url",
                &sdn,
                "--url",
                &un,
            ],
        )
    };
    let o = update();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("ofac-sdn: imported snapshot") && out.contains("8,976 entities"),
        "{out}"
    );
    assert!(out.contains("un: imported snapshot"), "{out}");
    // Running it again finds nothing new.
    let o = update();
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .matches("unchanged")
            .count()
            == 2
    );
    // A download that is not a valid list (404 for one file) imports nothing.
    let before = ls(d);
    let o = kansa(
        d,
        &[
            "lists",
            "update",
            "--only",
            "un",
            "--url",
            &format!("un={base}nope.xml"),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("HTTP 404"));
    // Malformed content is downloaded but refused.
    let o = kansa(
        d,
        &[
            "lists",
            "update",
            "--only",
            "ofac-sdn",
            "--url",
            &format!("ofac-sdn={base}malformed/"),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("import refused"));
    assert_eq!(ls(d), before);
    // Offline (nothing listens): a clear message, nothing imported.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let o = kansa(
        d,
        &[
            "lists",
            "update",
            "--only",
            "un",
            "--url",
            &format!("un=http://{closed}/x.xml"),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cannot download") && err.contains("offline"),
        "{err}"
    );
    assert_eq!(ls(d), before);
}

#[test]
fn killing_an_import_midway_leaves_a_sound_store() {
    let Some(lists) = lists_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    import_ok(d, &lists, "un");
    let before = ls(d);
    // A large generated list, killed while it is being imported.
    let big = tmp.path().join("big");
    std::fs::create_dir(&big).unwrap();
    let mut f = std::fs::File::create(big.join("sdn.csv")).unwrap();
    for i in 1..=400_000u32 {
        writeln!(f, "{i},\"PERSON {i}, Given\",\"individual\",\"SDGT\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB 01 Jan 1970; nationality Iran.\"").unwrap();
    }
    drop(f);
    let mut child = Command::new(env!("CARGO_BIN_EXE_kansa"))
        .arg("--data")
        .arg(d)
        .args(["lists", "import"])
        .arg(&big)
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(700));
    child.kill().unwrap();
    let status = child.wait().unwrap();
    let after = ls(d);
    if status.success() {
        // The machine was fast enough to finish: then the import must be whole.
        assert_eq!(
            after.as_array().unwrap().len(),
            before.as_array().unwrap().len() + 1
        );
    } else {
        assert_eq!(after, before);
    }
    let store = kansa_store::Store::open_dir(d).unwrap();
    assert_eq!(store.fingerprint().unwrap().integrity, "ok");
}

#[test]
fn screening_names_addresses_and_customers_end_to_end() {
    let Some(lists) = lists_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    import_ok(d, &lists, "ofac-sdn-2019");
    import_ok(d, &lists, "un");
    // A listed name written another way is found, with its explanation.
    let r = stdout_json(&kansa(d, &["screen", "name", "Ким Чен Ын", "--json"]));
    let top = &r["matches"][0];
    assert_eq!(top["entity_id"], "ofac-sdn:20157", "{r}");
    assert!(
        top["explanation"]["name"]["pairs"]
            .as_array()
            .unwrap()
            .len()
            >= 2
    );
    let r = stdout_json(&kansa(
        d,
        &[
            "screen",
            "name",
            "RI WON HO",
            "--dob",
            "1964",
            "--country",
            "KP",
            "--json",
        ],
    ));
    let ids: Vec<&str> = r["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["entity_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"un:KPi.033"), "{ids:?}");
    // Usama bin Laden in Arabic letters is found as OFAC lists him in Latin
    // letters, and the index finds what scoring every listed name finds.
    let ids = |name: &str, extra: Option<&str>| -> Vec<String> {
        let mut args = vec!["screen", "name", name, "--json", "--limit", "100"];
        args.extend(extra);
        let r = stdout_json(&kansa(d, &args));
        r["matches"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["entity_id"].as_str().unwrap().to_string())
            .collect()
    };
    let both = |name: &str| (ids(name, None), ids(name, Some("--exhaustive")));
    let (indexed, exhaustive) = both("أسامة بن لادن");
    assert!(
        indexed.contains(&"ofac-sdn:6365".to_string()),
        "{indexed:?}"
    );
    assert_eq!(indexed, exhaustive);
    // The many names in Arabic letters with محمد (read mhmd) do not crowd
    // the Latin names out of the candidates for محمد العلي.
    let (indexed, exhaustive) = both("محمد العلي");
    for id in ["ofac-sdn:22113", "un:CFi.010"] {
        assert!(exhaustive.contains(&id.to_string()), "{exhaustive:?}");
        assert!(indexed.contains(&id.to_string()), "{indexed:?}");
    }
    // A name met only through other spellings of every word (SALEM,
    // Mohamed for Muhammad Sallum) is not cut for the one listed name that
    // has the query's rare word exactly.
    let (indexed, exhaustive) = both("Muhammad SALLUM");
    assert!(
        indexed.contains(&"ofac-sdn:12889".to_string()),
        "{indexed:?}"
    );
    assert_eq!(indexed, exhaustive);
    // Bad input is refused with a clear message.
    for (args, want) in [
        (vec!["screen", "name", ""], "the name is empty"),
        (
            vec!["screen", "name", "X", "--dob", "1962-02-30"],
            "date of birth",
        ),
        (
            vec!["screen", "name", "X", "--country", "Atlantis"],
            "not a known ISO 3166",
        ),
        (
            vec!["screen", "name", "X", "--kind", "robot"],
            "kind \"robot\"",
        ),
    ] {
        let o = kansa(d, &args);
        assert_eq!(o.status.code(), Some(2));
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(want),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // Addresses: EVM in any case, base58 exactly; a broken checksum is an error.
    let r = stdout_json(&kansa(
        d,
        &[
            "screen",
            "address",
            "--json",
            "0x8576ACC5C05D6CE88F4E49BF65BDF0C62F91353C",
            "1Fz29BQp82pE3vXXcsZoMNQ3KSHfMzfMe3",
        ],
    ));
    assert_eq!(r[0]["listed"], false, "not in the 2019 list");
    // Customers, then the 2021 list: only touched customers are re-screened.
    let cust = tmp.path().join("c.csv");
    std::fs::write(&cust, "id,name,kind,dob,country,addresses\nc1,Kim Jong Un,person,1984-01-08,KP,\nc2,Taro Yamada,person,,JP,\nc3,Anton Andreyev,person,,RU,0x8576acc5c05d6ce88f4e49bf65bdf0c62f91353c\n").unwrap();
    let o = kansa(
        d,
        &["customers", "import", cust.to_str().unwrap(), "--json"],
    );
    let r = stdout_json(&o);
    assert_eq!(r["customers"], 3);
    let before = stdout_json(&kansa(d, &["customers", "hits", "--json"]));
    let seq = before
        .as_array()
        .unwrap()
        .last()
        .map(|e| e["seq"].as_i64().unwrap())
        .unwrap_or(0);
    let o = kansa(
        d,
        &[
            "lists",
            "import",
            lists.join("ofac-sdn-2021-07").to_str().unwrap(),
        ],
    );
    assert!(o.status.success());
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("customers: re-screened"), "{out}");
    let after = stdout_json(&kansa(
        d,
        &["customers", "hits", "--after", &seq.to_string(), "--json"],
    ));
    let new: Vec<(&str, &str)> = after
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["change"] == "new")
        .map(|e| {
            (
                e["customer_id"].as_str().unwrap(),
                e["entity_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(new.contains(&("c3", "ofac-sdn:29703")), "{new:?}");
    assert!(!new.iter().any(|(c, _)| *c == "c2"));
    let show = stdout_json(&kansa(d, &["customers", "show", "c3", "--json"]));
    assert_eq!(show["hits"][0]["entity_id"], "ofac-sdn:29703");
    // A bad customer row is refused, naming the line; nothing is stored.
    std::fs::write(&cust, "id,name,dob\nc9,Someone,1990-13-01\n").unwrap();
    let o = kansa(d, &["customers", "import", cust.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("line 2"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(
        kansa(d, &["customers", "show", "c9"]).status.code(),
        Some(1)
    );
}

#[test]
fn batch_screening_reports_bad_rows_by_line() {
    let Some(lists) = lists_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    import_ok(d, &lists, "un");
    let input = tmp.path().join("in.csv");
    let mut bytes = b"id,name\n1,RI WON HO\n2,".to_vec();
    bytes.extend([0xff, 0xfe]);
    bytes.extend(b"\n3,Somebody Else\n");
    std::fs::write(&input, &bytes).unwrap();
    let o = kansa(d, &["screen", "batch", "--input", input.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("line 3: invalid UTF-8"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = tmp.path().join("out.jsonl");
    let o = kansa(
        d,
        &[
            "screen",
            "batch",
            "--input",
            input.to_str().unwrap(),
            "--output",
            out.to_str().unwrap(),
            "--skip-bad-rows",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let lines: Vec<Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["id"], "1");
    assert_eq!(lines[0]["matches"][0]["entity_id"], "un:KPi.033");
}

fn chain_dir() -> Option<PathBuf> {
    kansa_testdata::shared("chain/btc")
}

const TX_170: &str = "f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16";
const BLOCK_9_CB: &str = "0437cd7f8525ceed2324359c2d0ba26006d92d856a9c20fa0241106ee5a597c9";
const HAL: &str = "1Q2TWHE3GMdB6BZKafqwxXtWAWgFt5Jvm3";
const SATOSHI: &str = "12cbQLTFMXRnSzktFkuoG3eHoMeFtpTu3S";

#[test]
fn chain_import_query_trace_and_exposure_on_real_blocks() {
    let Some(btc) = chain_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let blk = btc.join("firstblocks-0-589.blk");
    let r = stdout_json(&kansa(
        d,
        &["chain", "import", "--json", blk.to_str().unwrap()],
    ));
    assert_eq!(r["report"]["transactions"], 605);
    // Importing again changes nothing.
    let again = stdout_json(&kansa(
        d,
        &["chain", "import", "--json", blk.to_str().unwrap()],
    ));
    assert_eq!(
        (
            again["report"]["transactions"].as_u64(),
            again["report"]["blocks_already_known"].as_u64()
        ),
        (Some(0), Some(590))
    );
    let st = stdout_json(&kansa(d, &["chain", "stats", "--json"]));
    assert_eq!(
        (st["transactions"].as_u64(), st["max_height"].as_u64()),
        (Some(605), Some(589))
    );
    let tx = stdout_json(&kansa(d, &["chain", "tx", TX_170, "--json"]));
    assert_eq!(tx["height"], 170);
    assert_eq!(tx["outputs"][0]["address"], HAL);
    assert_eq!(tx["outputs"][0]["value"], 1_000_000_000u64);
    let a = stdout_json(&kansa(d, &["chain", "address", HAL, "--json"]));
    assert_eq!(
        (a["received"].as_u64(), a["balance"].as_u64()),
        (Some(1_000_000_000), Some(1_000_000_000))
    );
    let c = stdout_json(&kansa(d, &["chain", "cluster", SATOSHI, "--json"]));
    assert!(c["size"].as_u64().unwrap() >= 1);
    // FIFO forward from block 9's coinbase: Hal's 10 BTC at hop 1.
    let from = format!("{BLOCK_9_CB}:0");
    let t = stdout_json(&kansa(
        d,
        &[
            "trace", "taint", "--from", &from, "--policy", "fifo", "--json",
        ],
    ));
    let hal_out = t["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["txid"] == TX_170 && o["vout"] == 0)
        .unwrap();
    assert_eq!(
        (hal_out["tainted"].as_u64(), hal_out["hop"].as_u64()),
        (Some(1_000_000_000), Some(1))
    );
    // Backward from Hal's address: all of it mined.
    let b = stdout_json(&kansa(
        d,
        &[
            "trace",
            "taint",
            "--from",
            HAL,
            "--direction",
            "backward",
            "--json",
        ],
    ));
    assert_eq!(b["mined"], 1_000_000_000u64);
    // Labels: the real TagPacks import (the ActorPack is skipped, said so),
    // then a pack of our own marks Satoshi's address.
    if let Some(tp) = kansa_testdata::shared("labels/graphsense-tagpacks") {
        let l = stdout_json(&kansa(
            d,
            &["chain", "labels", "import", "--json", tp.to_str().unwrap()],
        ));
        let total: u64 = l
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["labels"].as_u64().unwrap())
            .sum();
        assert!(total > 1600, "{total}");
        let ls = stdout_json(&kansa(d, &["chain", "labels", "ls", "--json"]));
        let sanctions: u64 = ls
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["category"] == "sanctions")
            .map(|x| x["labels"].as_u64().unwrap())
            .sum();
        assert!(sanctions >= 572, "{ls}");
    }
    chain_api::label(d, "mine.yaml", "service_hack", "pretend theft", SATOSHI);
    let e = stdout_json(&kansa(d, &["trace", "exposure", HAL, "--json"]));
    assert_eq!(e["categories"][0]["category"], "hack");
    assert_eq!(e["categories"][0]["direct"], 1_000_000_000u64);
    assert_eq!(e["categories"][0]["share"], 1.0);
    let a = stdout_json(&kansa(d, &["chain", "address", SATOSHI, "--json"]));
    assert_eq!(a["labels"][0]["label"], "pretend theft");
    // Unknown things are clear errors.
    let o = kansa(d, &["chain", "tx", "00", "--json"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("not in the graph"));
}

#[test]
fn a_bad_block_file_leaves_the_graph_as_it_was() {
    let Some(btc) = chain_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let genesis = btc.join("genesis.blk");
    stdout_json(&kansa(
        d,
        &["chain", "import", "--json", genesis.to_str().unwrap()],
    ));
    // A truncated copy and a corrupted copy of the first blocks.
    let bytes = std::fs::read(btc.join("firstblocks-0-589.blk")).unwrap();
    let cut = d.join("cut.blk");
    std::fs::write(&cut, &bytes[..bytes.len() - 100]).unwrap();
    let o = kansa(d, &["chain", "import", cut.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("cut.blk")
            && err.contains("truncated")
            && err.contains("nothing was imported"),
        "{err}"
    );
    let mut bad = bytes.clone();
    bad[400] ^= 0x55;
    let badp = d.join("bad.blk");
    std::fs::write(&badp, &bad).unwrap();
    let o = kansa(d, &["chain", "import", badp.to_str().unwrap()]);
    assert!(!o.status.success());
    // Neither framed nor a block: both readings named.
    let junk = d.join("junk.blk");
    std::fs::write(&junk, b"NOTABLOCKFILE-----").unwrap();
    let o = kansa(d, &["chain", "import", junk.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("junk.blk") && err.contains("network magic"),
        "{err}"
    );
    let st = stdout_json(&kansa(d, &["chain", "stats", "--json"]));
    assert_eq!(st["transactions"], 1, "only the genesis block, as before");
    // A Core ≥ 28 blocks directory: obfuscated with xor.dat.
    let core = d.join("blocks");
    std::fs::create_dir(&core).unwrap();
    let key = [0x11u8, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];
    let mut x = bytes.clone();
    for (i, b) in x.iter_mut().enumerate() {
        *b ^= key[i % 8];
    }
    std::fs::write(core.join("blk00000.dat"), &x).unwrap();
    std::fs::write(core.join("xor.dat"), key).unwrap();
    let r = stdout_json(&kansa(
        d,
        &["chain", "import", "--json", core.to_str().unwrap()],
    ));
    assert_eq!(r["report"]["blocks_new"], 589, "{r}");
    assert_eq!(r["stats"]["transactions"], 605);
}

#[test]
fn account_transfers_import_query_and_trace() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let (a, b, c) = (
        "0x1111111111111111111111111111111111111111",
        "0x2222222222222222222222222222222222222222",
        "0x3333333333333333333333333333333333333333",
    );
    let h = |n: u8| format!("0x{}", format!("{n:02x}").repeat(32));
    let csv = d.join("usdt.csv");
    std::fs::write(
        &csv,
        format!(
            "chain,tx_hash,block,time,from,to,asset,amount\n\
             eth,{},100,2024-05-31T12:00:00Z,0x0000000000000000000000000000000000000000,{a},USDT,5000000\n\
             eth,{},101,2024-05-31T12:01:00Z,{b},{c},USDT,3000000\n\
             eth,{},102,2024-05-31T12:02:00Z,{a},{c},USDT,1000000\n\
             eth,{},102,2024-05-31T12:02:00Z,{a},{c},ETH,100000000000000000000\n",
            h(1),
            h(2),
            h(3),
            h(3)
        ),
    )
    .unwrap();
    let r = stdout_json(&kansa(
        d,
        &["chain", "import", "--json", csv.to_str().unwrap()],
    ));
    // B spends what it was never seen to get; so does A in ETH.
    assert_eq!(
        (
            r["report"]["transfers"].as_u64(),
            r["report"]["openings"].as_u64()
        ),
        (Some(4), Some(2)),
        "{r}"
    );
    let st = stdout_json(&kansa(d, &["chain", "stats", "--json"]));
    let assets: Vec<&str> = st["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["asset"].as_str().unwrap())
        .collect();
    assert_eq!(assets, ["ethereum:USDT", "ethereum:ETH"]);
    let ac = stdout_json(&kansa(d, &["chain", "address", c, "--json"]));
    let usdt = ac["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["asset"] == "ethereum:USDT")
        .unwrap();
    assert_eq!(usdt["balance"], 4_000_000);
    // 100 ETH in wei: beyond 64 bits, printed exactly.
    let out = kansa(d, &["chain", "address", c]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("100 ETH") && text.contains("4 USDT"),
        "{text}"
    );
    let t = stdout_json(&kansa(
        d,
        &["chain", "tx", &format!("{}#1", h(3)), "--json"],
    ));
    assert_eq!(t["asset"], "ethereum:ETH");
    assert_eq!(t["block"], "ethereum:102");
    // Where C's USDT came from: 1 USDT minted (through A), 3 from B's
    // opening balance (origin unknown).
    let tr = stdout_json(&kansa(
        d,
        &[
            "trace",
            "taint",
            "--from",
            c,
            "--asset",
            "ethereum:USDT",
            "--direction",
            "backward",
            "--json",
        ],
    ));
    assert_eq!(tr["asset"], "ethereum:USDT");
    assert_eq!(
        (tr["mined"].as_u64(), tr["unknown"].as_u64()),
        (Some(1_000_000), Some(3_000_000)),
        "{tr}"
    );
    // A bad row: refused with its line and field, the graph as it was.
    let bad = d.join("bad.csv");
    std::fs::write(
        &bad,
        format!(
            "chain,tx_hash,block,from,to,asset,amount\neth,{},200,{a},{b},USDT,-4\n",
            h(9)
        ),
    )
    .unwrap();
    let o = kansa(d, &["chain", "import", bad.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("bad.csv:2: field amount")
            && err.contains("negative")
            && err.contains("nothing was imported"),
        "{err}"
    );
    let st2 = stdout_json(&kansa(d, &["chain", "stats", "--json"]));
    assert_eq!(st2["transactions"], st["transactions"]);
}

#[test]
fn a_trace_crosses_a_labelled_swap_into_another_asset() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let (thief, pool, next) = (
        "0x2222222222222222222222222222222222222222",
        "0x3333333333333333333333333333333333333333",
        "0x4444444444444444444444444444444444444444",
    );
    let h = |n: u8| format!("0x{}", format!("{n:02x}").repeat(32));
    let csv = d.join("swap.csv");
    std::fs::write(
        &csv,
        format!(
            "chain,tx_hash,block,from,to,asset,amount\n\
             eth,{},1,0x0000000000000000000000000000000000000000,{thief},USDT,800\n\
             eth,{},2,{thief},{pool},USDT,800\n\
             eth,{},2,{pool},{thief},ETH,4000000000000000000\n\
             eth,{},3,{thief},{next},ETH,4000000000000000000\n",
            h(1),
            h(2),
            h(2),
            h(3)
        ),
    )
    .unwrap();
    kansa(d, &["chain", "import", csv.to_str().unwrap()]);
    let pack = d.join("dex.yaml");
    std::fs::write(
        &pack,
        format!("title: dex\ncategory: defi_dex\nlabel: a pool\nactor: somedex\nsource: test\ntags:\n- address: {pool}\n  currency: ETH\n"),
    )
    .unwrap();
    kansa(d, &["chain", "labels", "import", pack.to_str().unwrap()]);
    let from = format!("{}:0", h(1));
    let t = stdout_json(&kansa(d, &["trace", "taint", "--from", &from, "--json"]));
    assert_eq!(t["converted"], 800, "{t}");
    assert_eq!(t["crossings"][0]["kind"], "swap");
    assert_eq!(t["continued"][0]["asset"], "ethereum:ETH");
    let reached = t["continued"][0]["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["address"] == next && o["tainted"] == 4_000_000_000_000_000_000u64);
    assert!(reached, "{t}");
    // --no-cross: the trail ends at the pool.
    let t = stdout_json(&kansa(
        d,
        &["trace", "taint", "--from", &from, "--no-cross", "--json"],
    ));
    assert_eq!(t["continued"].as_array().unwrap().len(), 0);
    let out = kansa(d, &["trace", "taint", "--from", &from]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("crossed at swap") && text.contains("4 ETH"),
        "{text}"
    );
}

#[test]
fn a_synthetic_hack_is_traced_to_the_exchange_it_reached() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    let syn = d.join("syn");
    let o = kansa(
        d,
        &[
            "chain",
            "synth",
            "--txs",
            "20000",
            "--out",
            syn.to_str().unwrap(),
            "--seed",
            "3",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    stdout_json(&kansa(
        d,
        &["chain", "import", "--json", syn.to_str().unwrap()],
    ));
    stdout_json(&kansa(
        d,
        &[
            "chain",
            "labels",
            "import",
            "--json",
            syn.join("labels.yaml").to_str().unwrap(),
        ],
    ));
    let story: Value =
        serde_json::from_slice(&std::fs::read(syn.join("story.json")).unwrap()).unwrap();
    let from = format!("{}:0", story["hack_txid"].as_str().unwrap());
    let amount = story["hack_amount"].as_u64().unwrap();
    for policy in ["haircut", "fifo"] {
        let t = stdout_json(&kansa(
            d,
            &[
                "trace",
                "taint",
                "--from",
                &from,
                "--policy",
                policy,
                "--max-hops",
                "1000",
                "--stop-at-labels",
                "--json",
            ],
        ));
        let rest: u64 = [
            "unspent",
            "fees",
            "beyond_horizon",
            "stopped",
            "below_minimum",
            "into_sources",
        ]
        .iter()
        .map(|k| t[k].as_u64().unwrap())
        .sum();
        assert_eq!(
            rest, amount,
            "{policy}: every satoshi of the loot rests somewhere"
        );
    }
    // Where the thief's money went: some of it reached an exchange or the mixer.
    let thief = story["hacker_addresses"][0].as_str().unwrap();
    let e = stdout_json(&kansa(
        d,
        &[
            "trace",
            "exposure",
            thief,
            "--direction",
            "outgoing",
            "--hops",
            "50",
            "--json",
        ],
    ));
    assert_eq!(e["own_labels"][0]["category"], "hack");
    let reached: Vec<&str> = e["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["category"].as_str().unwrap())
        .collect();
    assert!(!reached.is_empty(), "{e}");
}

fn replay_file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../monitor/replays")
        .join(name)
}

#[test]
fn monitoring_decides_against_the_real_lists_stores_and_replays() {
    let Some(lists) = lists_dir() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    import_ok(d, &lists, "ofac-sdn-2021-07");
    import_ok(d, &lists, "ofac-crypto-addresses-2024-09");
    let cust = d.join("c.csv");
    std::fs::write(
        &cust,
        "id,name,kind,dob,country,addresses\nc1,Kim Jong Un,person,1984-01-08,KP,\nc2,Taro Yamada,person,,JP,\n",
    )
    .unwrap();
    assert!(kansa(d, &["customers", "import", cust.to_str().unwrap()])
        .status
        .success());
    // The first ETH address of OFAC's per-asset file, written lower-case.
    let eth = std::fs::read_to_string(
        lists.join("ofac-crypto-addresses-2024-09/sanctioned_addresses_ETH.txt"),
    )
    .unwrap();
    let listed = eth.lines().next().unwrap().trim().to_ascii_lowercase();
    let events = d.join("events.jsonl");
    let lines = [
        r#"{"id":"e1","type":"login","time":"2024-06-01T00:00:00Z","customer":"c2","ip":"203.0.113.7","country":"JP"}"#.to_string(),
        format!(r#"{{"id":"e2","type":"withdrawal","time":"2024-06-01T00:05:00Z","customer":"c2","asset":"ETH","amount":"0.5","address":"{listed}"}}"#),
        r#"{"id":"e3","type":"deposit","time":"2024-06-01T00:06:00Z","customer":"c1","asset":"JPY","amount":"10000"}"#.to_string(),
        r#"{"id":"e4","type":"login","time":"2024-06-01T00:07:00Z","customer":"c2","country":"IR"}"#.to_string(),
        r#"{"id":"e5","type":"withdrawal","time":"2024-06-01T00:08:00Z","customer":"c2","asset":"ETH","amount":"0.1","address":"0x1111111111111111111111111111111111111111","counterparty_name":"Kim Jong Un"}"#.to_string(),
    ];
    std::fs::write(&events, lines.join("\n")).unwrap();
    let o = kansa(
        d,
        &[
            "monitor",
            "run",
            "--events",
            events.to_str().unwrap(),
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out: Vec<Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let outcome = |i: usize| out[i]["outcome"].as_str().unwrap().to_string();
    assert_eq!(outcome(0), "approve");
    // The listed address, matched whatever its case, with the entity named.
    assert_eq!(outcome(1), "block", "{}", out[1]);
    assert_eq!(out[1]["fired"][0]["rule"], "listed-address");
    assert_eq!(out[1]["fired"][0]["values"]["address.listed"], true);
    // The customer screened as Kim Jong Un: held on money events.
    assert_eq!(outcome(2), "hold", "{}", out[2]);
    assert!(out[2]["fired"][0]["values"]["customer.hit_entities"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e.as_str().unwrap().starts_with("ofac-sdn:")));
    assert_eq!(outcome(3), "block");
    // A counterparty named as a listed person.
    assert_eq!(outcome(4), "hold", "{}", out[4]);
    assert_eq!(out[4]["fired"][0]["rule"], "counterparty-name");
    assert_eq!(out[5]["summary"]["events"], 5);
    // Running the same file again decides nothing anew.
    let o = kansa(
        d,
        &[
            "monitor",
            "run",
            "--events",
            events.to_str().unwrap(),
            "--json",
        ],
    );
    let again: Vec<Value> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(again[..5].iter().all(|x| x["duplicate"] == true));
    assert_eq!(again[1]["outcome"], "block");
    let stored = stdout_json(&kansa(
        d,
        &["monitor", "decisions", "--outcome", "block", "--json"],
    ));
    assert_eq!(stored.as_array().unwrap().len(), 2);
    // A bad line refuses the file, names the line and field, stores nothing.
    let bad = d.join("bad.jsonl");
    std::fs::write(&bad, format!("{}\n{}\n", r#"{"id":"n1","type":"login","time":"2024-06-02T00:00:00Z","customer":"c2"}"#, r#"{"id":"n2","type":"deposit","time":"2024-06-02T00:00:00Z","customer":"c2","asset":"BTC","amount":0.1}"#)).unwrap();
    let o = kansa(d, &["monitor", "run", "--events", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.jsonl: line 2: field amount"), "{err}");
    let all = stdout_json(&kansa(d, &["monitor", "decisions", "--json"]));
    assert_eq!(all.as_array().unwrap().len(), 5);
    // A broken pack is refused with its line.
    let pack = d.join("pack.toml");
    std::fs::write(&pack, "[[scenario]]\nid = \"s\"\n[[scenario.rule]]\nid = \"r\"\nwhen = \"event.amount >\"\nscore = 1\n").unwrap();
    let o = kansa(d, &["monitor", "check", pack.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr)
        .contains("pack.toml: line 5: scenario s, rule r: CEL does not compile"));
}

#[test]
fn the_incident_replays_hold_what_left() {
    let tmp = tempfile::tempdir().unwrap();
    for (file, asset, held) in [
        ("coincheck-2018.jsonl", "XEM", "523300000"),
        ("dmm-2024.jsonl", "BTC", "4502.9"),
    ] {
        let o = kansa(
            tmp.path(),
            &[
                "monitor",
                "replay",
                "--no-screening",
                "--summary",
                "--json",
                "--events",
                replay_file(file).to_str().unwrap(),
            ],
        );
        let s = stdout_json(&o);
        assert_eq!(
            s["summary"]["withdrawn"][asset]["hold"], held,
            "{file}: {s}"
        );
        assert_eq!(s["summary"]["failures"], 0);
    }
}

fn registry_fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../network/fixtures/registry-example.csv")
}

#[test]
fn ownership_networks_from_registries_and_lists_end_to_end() {
    let Some(lists) = lists_dir() else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    import_ok(&data, &lists, "ofac-sdn-2019");
    import_ok(&data, &lists, "un/UN_consolidated.xml");
    let customers = dir.path().join("customers.csv");
    std::fs::write(
        &customers,
        "id,name,kind,dob,country\nC-100,Beta Trading Pte. Ltd.,organization,,SG\nC-200,Maksim Holdings Ltd,organization,,CY\n",
    )
    .unwrap();
    stdout_json(&kansa(
        &data,
        &["customers", "import", customers.to_str().unwrap(), "--json"],
    ));
    // A registry naming a company that the 2019 list does not hold.
    let evil = dir.path().join("evil.csv");
    std::fs::write(
        &evil,
        "company,owner,share,role,country,registration_date\nMaksim Holdings Ltd,Evil Corp,70,owner,CY,2020-02-01\nEvil Corp,,,,RU,\n",
    )
    .unwrap();
    let v = stdout_json(&kansa(
        &data,
        &["network", "import", evil.to_str().unwrap(), "--json"],
    ));
    assert_eq!(v["rows"], 2);
    assert_eq!(v["blocked"], 0);
    let show = stdout_json(&kansa(&data, &["customers", "show", "C-200", "--json"]));
    assert_eq!(show["hits"].as_array().unwrap().len(), 0);
    // The 2021 list designates EVIL CORP (Russia): continuous screening
    // finds the customer owned 70% by it.
    import_ok(&data, &lists, "ofac-sdn-2021-07");
    let show = stdout_json(&kansa(&data, &["customers", "show", "C-200", "--json"]));
    let hits = show["hits"].as_array().unwrap();
    assert_eq!(hits.len(), 1, "{show}");
    assert_eq!(hits[0]["entity_id"], "ofac-sdn:26664");
    let m = hits[0]["matched_name"].as_str().unwrap();
    assert!(
        m.starts_with(
            "ownership: owner of 70% (blocked under ofac): Evil Corp —70%→ Maksim Holdings Ltd"
        ),
        "{m}"
    );
    let ev = stdout_json(&kansa(&data, &["customers", "hits", "--json"]));
    assert!(ev
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["customer_id"] == "C-200"
            && e["change"] == "new"
            && e["reason"].as_str().unwrap().contains("list snapshot")));

    // The example registry, against the 2021 list.
    let v = stdout_json(&kansa(
        &data,
        &[
            "network",
            "import",
            registry_fixture().to_str().unwrap(),
            "--json",
        ],
    ));
    assert_eq!(v["rows"], 15);
    // Both customers are registry parties.
    assert_eq!(v["customers_rescreened"], 2);
    let show = stdout_json(&kansa(&data, &["customers", "show", "C-100", "--json"]));
    assert_eq!(show["hits"][0]["entity_id"], "ofac-sdn:21171");
    let stats = stdout_json(&kansa(&data, &["network", "stats", "--json"]));
    assert!(
        stats["report"]["resolved_by_name"].as_u64().unwrap() > 3000,
        "{stats}"
    );
    assert_eq!(stats["registries"].as_array().unwrap().len(), 2);
    // Maksim, Alpha, Beta, Gamma, Cyclone A, Lion Gate: blocked.
    assert_eq!(stats["blocked"], 6, "{stats}");
    let ow = stdout_json(&kansa(
        &data,
        &["network", "owners", "Beta Trading Pte Ltd", "--json"],
    ));
    assert!((ow["listed_share"]["lo"].as_f64().unwrap() - 0.54).abs() < 1e-9);
    assert_eq!(ow["owners"][0]["key"], "ofac-sdn:21171");
    assert_eq!(
        ow["owners"][0]["paths"][0]["steps"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let ex = stdout_json(&kansa(
        &data,
        &[
            "network",
            "exposure",
            "Sakura Digital KK",
            "--as-of",
            "2026-11-22",
            "--json",
        ],
    ));
    assert_eq!(ex["assessment"]["status"], "review");
    let ex = stdout_json(&kansa(
        &data,
        &[
            "network",
            "exposure",
            "Lion Gate Pte Ltd",
            "--as-of",
            "2026-11-22",
            "--json",
        ],
    ));
    assert_eq!(ex["assessment"]["status"], "blocked");
    let codes: Vec<&str> = ex["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"shared_address") && codes.contains(&"recent_incorporation"),
        "{codes:?}"
    );
    let dot = kansa(&data, &["network", "owners", "customer:C-100", "--dot"]);
    let dot = String::from_utf8(dot.stdout).unwrap();
    assert!(
        dot.starts_with("digraph") && dot.contains("PRIGOZHIN") && dot.contains("\"90%\""),
        "{dot}"
    );
    // A bad registry is refused with its line, and nothing changes.
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "company,owner,share,role,country,registration_date\nA Ltd,B Ltd,120,owner,,\n",
    )
    .unwrap();
    let o = kansa(&data, &["network", "import", bad.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("line 2: field share: share \"120\" is over 100%"),
        "{err}"
    );
    let again = stdout_json(&kansa(&data, &["network", "stats", "--json"]));
    assert_eq!(again["registries"].as_array().unwrap().len(), 2);
    let o = kansa(&data, &["network", "owners", "Nobody Such Ltd"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("no party \"Nobody Such Ltd\""));
    // A company whose wallet passes what it gets to a sanctioned address
    // (OFAC SDN 2021's first ETH address), traced on imported transfers.
    let (wallet, payer) = (
        "0x4444444444444444444444444444444444444444",
        "0x5555555555555555555555555555555555555555",
    );
    let listed_eth = "0x7f367cc41522ce07553e823bf3be79a889debe1b";
    let h = |n: u8| format!("0x{}", format!("{n:02x}").repeat(32));
    let transfers = dir.path().join("eth.csv");
    std::fs::write(
        &transfers,
        format!(
            "chain,tx_hash,block,time,from,to,asset,amount\n\
             eth,{},100,2024-05-31T12:00:00Z,{payer},{wallet},ETH,10000000000000000000\n\
             eth,{},101,2024-05-31T12:05:00Z,{wallet},{listed_eth},ETH,9500000000000000000\n",
            h(1),
            h(2)
        ),
    )
    .unwrap();
    stdout_json(&kansa(
        &data,
        &["chain", "import", "--json", transfers.to_str().unwrap()],
    ));
    let relay = dir.path().join("relay.csv");
    std::fs::write(
        &relay,
        format!("company,owner,share,role,country,registration_date,wallet\nRelay Trading Ltd,Wong Ka Ming,100,owner,HK,2024-01-15,{wallet}\n"),
    )
    .unwrap();
    stdout_json(&kansa(
        &data,
        &["network", "import", relay.to_str().unwrap(), "--json"],
    ));
    let ex = stdout_json(&kansa(
        &data,
        &[
            "network",
            "exposure",
            "Relay Trading Ltd",
            "--as-of",
            "2026-11-22",
            "--json",
        ],
    ));
    assert_eq!(ex["assessment"]["status"], "clear");
    let pass = ex["indicators"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "pass_through_to_listed")
        .unwrap_or_else(|| panic!("{ex}"));
    assert!(
        pass["evidence"][0].as_str().unwrap().contains(wallet),
        "{pass}"
    );
    assert_eq!(
        ex["wallet_flows"][0]["sent_to_listed"],
        9_500_000_000_000_000_000u64
    );
    // Removing the dataset removes the ownership hit.
    let o = kansa(&data, &["network", "remove", "evil"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let show = stdout_json(&kansa(&data, &["customers", "show", "C-200", "--json"]));
    assert_eq!(show["hits"].as_array().unwrap().len(), 0, "{show}");
}
