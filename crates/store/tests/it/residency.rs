//! Customers' personal data sealed at rest with the data key: the database
//! file holds no name, date of birth or address in the clear; the key is
//! needed to read them back, and a body moved to another row does not open.

use kansa_residency::Sealer;
use kansa_store::{Customer, Store};

const KEY: &str = "8f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";

fn customer(id: &str, name: &str) -> Customer {
    Customer {
        id: id.into(),
        name: name.into(),
        kind: "person".into(),
        dob: Some("1961-08-04".into()),
        country: Some("JP".into()),
        addresses: vec!["bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq".into()],
    }
}

#[test]
fn customers_are_sealed_at_rest_and_open_only_with_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open_dir(dir.path()).unwrap();
    s.set_sealer(Some(Sealer::from_hex(KEY).unwrap()));
    let a = customer("C1", "高橋太郎");
    let b = customer("C2", "TAKAHASHI Taro");
    s.upsert_customers(&[a.clone(), b.clone()], "2026-11-22T00:00:00Z")
        .unwrap();
    assert_eq!(s.customer("C1").unwrap(), Some(a.clone()));
    assert_eq!(s.customers().unwrap(), vec![a.clone(), b.clone()]);
    drop(s);

    // Nothing personal in the database file (WAL included).
    let mut bytes = std::fs::read(dir.path().join("kansa.db")).unwrap();
    if let Ok(wal) = std::fs::read(dir.path().join("kansa.db-wal")) {
        bytes.extend(wal);
    }
    let text = String::from_utf8_lossy(&bytes);
    for secret in [
        "高橋太郎",
        "TAKAHASHI",
        "1961-08-04",
        "bc1qar0srrr7xfkvy5l643",
    ] {
        assert!(!text.contains(secret), "{secret} is in the clear");
    }

    // Without the key, or with another: a clear error, never garbage.
    let plain = Store::open_dir(dir.path()).unwrap();
    let e = plain.customer("C1").unwrap_err().to_string();
    assert!(e.contains("KANSA_DATA_KEY_FILE"), "{e}");
    let mut other = Store::open_dir(dir.path()).unwrap();
    other.set_sealer(Some(Sealer::from_hex(&KEY.replace('8', "9")).unwrap()));
    let e = other.customer("C1").unwrap_err().to_string();
    assert!(e.contains("sealed under key"), "{e}");

    // A sealed body copied into another customer's row does not open.
    let conn = rusqlite::Connection::open(dir.path().join("kansa.db")).unwrap();
    conn.execute(
        "UPDATE customers SET body = (SELECT body FROM customers WHERE id = 'C1') WHERE id = 'C2'",
        [],
    )
    .unwrap();
    drop(conn);
    let mut keyed = Store::open_dir(dir.path()).unwrap();
    keyed.set_sealer(Some(Sealer::from_hex(KEY).unwrap()));
    assert_eq!(keyed.customer("C1").unwrap(), Some(a));
    let e = keyed.customer("C2").unwrap_err().to_string();
    assert!(e.contains("another record"), "{e}");
}

#[test]
fn a_rotated_key_reseals_the_register_and_the_old_key_can_go() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open_dir(dir.path()).unwrap();
    // Stored before any key was set: in the clear.
    let a = customer("C1", "高橋太郎");
    s.upsert_customers(std::slice::from_ref(&a), "2026-11-22T00:00:00Z")
        .unwrap();
    assert!(s
        .reseal_customers("2026-11-22T00:00:01Z")
        .unwrap_err()
        .to_string()
        .contains("no data key"));
    s.set_sealer(Some(Sealer::from_hex(KEY).unwrap()));
    let b = customer("C2", "TAKAHASHI Taro");
    s.upsert_customers(std::slice::from_ref(&b), "2026-11-22T00:00:02Z")
        .unwrap();
    let r = s.reseal_customers("2026-11-22T00:00:03Z").unwrap();
    assert_eq!((r.total, r.from_clear, r.from_retired), (2, 1, 0));
    // Rotation: the new key first, the old one kept until resealed.
    let new = KEY.replace("8f", "11");
    s.set_sealer(Some(Sealer::from_keys(&format!("{new}\n{KEY}\n")).unwrap()));
    assert_eq!(s.customer("C1").unwrap(), Some(a.clone()));
    let r = s.reseal_customers("2026-11-22T00:00:04Z").unwrap();
    assert_eq!((r.total, r.from_clear, r.from_retired), (2, 0, 2));
    assert_eq!(r.key, Sealer::from_hex(&new).unwrap().key_id());
    // Again: nothing left to do.
    let r = s.reseal_customers("2026-11-22T00:00:05Z").unwrap();
    assert_eq!((r.from_clear, r.from_retired), (0, 0));
    // The new key alone reads everything; the old one alone reads nothing.
    s.set_sealer(Some(Sealer::from_hex(&new).unwrap()));
    assert_eq!(s.customers().unwrap(), vec![a, b]);
    s.set_sealer(Some(Sealer::from_hex(KEY).unwrap()));
    assert!(s.customer("C1").is_err());
}
