//! A store file truncated or overwritten with garbage is detected at open and
//! rebuilt from the shipped bundle plus the next sync — never a crash.

use genuine::StoreError;
use genuine::{Store, Verdict};
use genuine_tests::DirFeed;
use genuine_tests::demo::{self, NOW};
use std::io::{Seek, SeekFrom, Write};

fn damaged(kind: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, store) = genuine_tests::demo_store();
    drop(store);
    let db = dir.path().join("genuine.db");
    let len = std::fs::metadata(&db).unwrap().len();
    match kind {
        "garbage" => std::fs::write(&db, vec![0x42; len as usize]).unwrap(),
        "truncated" => std::fs::OpenOptions::new().write(true).open(&db).unwrap().set_len(len / 3).unwrap(),
        "scribbled" => {
            // Keep SQLite's header, scribble over the pages.
            let mut f = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
            f.seek(SeekFrom::Start(4096 + 100)).unwrap();
            f.write_all(&vec![0xEE; (len as usize).saturating_sub(4196).max(4096)]).unwrap();
        }
        // Issue 30, finding 12: a damaged schema version was a permanent
        // "schema v99" error, never a rebuild.
        version if version.starts_with("user_version") => {
            let value = version.trim_start_matches("user_version ");
            let conn = rusqlite::Connection::open(&db).unwrap();
            conn.execute_batch(&format!("PRAGMA user_version = {value}")).unwrap();
        }
        _ => unreachable!(),
    }
    (dir, db)
}

#[test]
fn a_damaged_store_is_detected_and_rebuilt() {
    let a = demo::authority();
    let code = demo::fixtures(&a).into_iter().next().unwrap().text;
    let versions = ["user_version 99", "user_version -1", "user_version 1"];
    for kind in ["garbage", "truncated", "scribbled"].into_iter().chain(versions) {
        let (_dir, db) = damaged(kind);
        let opened = Store::open(&db, &a.anchor);
        assert!(matches!(opened, Err(StoreError::Corrupt(_))), "{kind}: not detected: {:?}", opened.err());
        let (mut store, rebuilt) = Store::open_or_rebuild(&db, &a.anchor).expect(kind);
        assert!(rebuilt, "{kind}");
        assert!(db.with_extension("corrupt").exists(), "{kind}: the damaged file is kept aside");
        assert_eq!(store.summary(genuine_tests::at(NOW)).unwrap().root_version, None, "{kind}: starts empty");
        store.import(&a.bundle().expect("bundle"), genuine_tests::at(NOW)).unwrap();
        assert!(
            matches!(genuine::verify(&store, &code, genuine_tests::at(NOW)).unwrap(), Verdict::Authentic(_)),
            "{kind}"
        );
        // And the next sync brings the rest.
        let mut a2 = a.clone();
        let feed = tempfile::tempdir().unwrap();
        a2.publish(feed.path(), NOW, 86_400, false).unwrap();
        genuine::sync(
            &mut store,
            &DirFeed(feed.path().into()),
            genuine_tests::at(NOW + 10),
            &Default::default(),
        )
        .unwrap();
        assert!(store.summary(genuine_tests::at(NOW + 10)).unwrap().timestamp_version.is_some());
    }
}

#[test]
fn a_healthy_store_is_not_rebuilt() {
    let (dir, store) = genuine_tests::demo_store();
    drop(store);
    let (_store, rebuilt) =
        Store::open_or_rebuild(&dir.path().join("genuine.db"), &demo::authority().anchor).unwrap();
    assert!(!rebuilt);
}
