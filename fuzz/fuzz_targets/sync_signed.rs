//! Sync against a feed whose operator and brands do what the fuzzer says,
//! with valid signatures: revocations, versions, key windows and times (any
//! u64), feed versions, root and timestamp-key rotations, publishes at any
//! time and syncs at any device time, and tampered bytes. After every sync:
//! a refused sync changed nothing, and the time floor never passed the
//! latest device clock a sync ran at (no signer can move a device into the
//! future: security review finding 2).
#![no_main]
#[path = "world.rs"]
mod world;
use genuine_format::gs1::Gtin;
use genuine_format::revocation::ListKind;
use genuine::{CancelToken, Fetch, FetchError, Fetched};
use genuine::{Store, Verdict};
use libfuzzer_sys::fuzz_target;
use std::cell::RefCell;
use std::collections::BTreeMap;
use world::Bytes;

/// The published feed, in memory, with the fuzzer's tampering.
#[derive(Default)]
struct Feed(RefCell<BTreeMap<String, Vec<u8>>>);

impl Fetch for Feed {
    fn fetch(&self, path: &str, cap: u64, _etag: Option<&str>, _cancel: &CancelToken) -> Result<Fetched, FetchError> {
        match self.0.borrow().get(path) {
            Some(b) if b.len() as u64 > cap => Err(FetchError::TooLarge { path: path.into(), cap }),
            Some(b) => Ok(Fetched::Body(b.clone(), None)),
            None => Ok(Fetched::NotFound),
        }
    }
}

fn publish(a: &mut genuine_issuer::authority::Authority, feed: &Feed, now: u64, ttl: u64) {
    let dir = std::env::temp_dir().join(format!("genuine-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    if a.publish(&dir, now, ttl, false).is_err() {
        return;
    }
    let mut files = feed.0.borrow_mut();
    files.clear();
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if let (Ok(rel), Ok(bytes)) = (p.strip_prefix(&dir), std::fs::read(&p)) {
                files.insert(rel.to_string_lossy().into_owned(), bytes);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut a = world::world();
    let mut store = Store::open_in_memory(&a.anchor).expect("store");
    if store.import(&a.bundle().expect("bundle"), genuine::UnixTime::from_secs(world::T0)).is_err() {
        return;
    }
    let code = a
        .issue("acme", genuine_format::gs1::Gs1Data::new(Gtin::parse(world::ACME_GTIN).unwrap()), None, None, world::T0, true)
        .ok();
    let feed = Feed::default();
    let mut input = Bytes(data);
    let mut latest_device = 0u64;
    let mut rng = world::rng(9);
    for _ in 0..24 {
        if input.done() {
            break;
        }
        let brand = if input.u8() % 2 == 0 { "acme" } else { "globex" };
        match input.u8() % 10 {
            0 => {
                let gtin = Gtin::parse(if brand == "acme" { world::ACME_GTIN } else { world::GLOBEX_GTIN }).unwrap();
                let kind = [ListKind::Revoked, ListKind::Recalled, ListKind::Cloned][usize::from(input.u8() % 3)];
                let _ = a.revoke(brand, kind, &gtin, &format!("S{}", input.u8()));
            }
            1 => {
                let b = a.brands.get_mut(brand).unwrap();
                let v = input.u64();
                if let Some(k) = b.keyset.keys.first_mut() {
                    match input.u8() % 4 {
                        0 => k.sign_from = v,
                        1 => k.sign_until = v,
                        2 => k.verify_until = v,
                        _ => k.revoked_at = Some(v),
                    }
                }
                b.keyset.version = b.keyset.version.wrapping_add(1);
            }
            2 => {
                let b = a.brands.get_mut(brand).unwrap();
                b.keyset.issued_at = input.u64();
                b.record.issued_at = input.u64();
                b.record.version = b.record.version.wrapping_add(u32::from(input.u8() % 3));
            }
            3 => a.feed.version = input.u64(),
            4 => {
                let (now, ttl) = (input.u64(), input.u64() % (90 * 86_400));
                publish(&mut a, &feed, now, ttl);
            }
            5 => {
                let now = world::T0 + input.u64() % (20 * 365 * 86_400);
                latest_device = latest_device.max(now);
                let before = store.summary(genuine::UnixTime::from_secs(now)).expect("summary");
                let result = genuine::sync(&mut store, &feed, genuine::UnixTime::from_secs(now), &Default::default());
                if result.is_err() {
                    assert_eq!(before, store.summary(genuine::UnixTime::from_secs(now)).expect("summary"), "a refused sync changed the store");
                }
                let floor = store.time_floor().expect("floor").as_secs();
                assert!(floor <= latest_device, "floor {floor} past every device clock (latest {latest_device})");
            }
            6 => {
                let _ = a.replace_timestamp_key(input.u64() % world::END, &mut rng);
            }
            7 => {
                let _ = a.rotate_root(3, 2, world::END, input.u64() % world::END, &mut rng);
            }
            8 => {
                let mut files = feed.0.borrow_mut();
                let n = files.len().max(1);
                if let Some(bytes) = files.values_mut().nth(usize::from(input.u8()) % n) {
                    let at = usize::from(input.u8()) * 7 % bytes.len().max(1);
                    if let Some(b) = bytes.get_mut(at) {
                        *b ^= input.u8() | 1;
                    }
                }
            }
            _ => {
                // Verifying never panics, whatever was synced.
                if let Some(code) = &code {
                    let verdict = genuine::verify(&store, code, genuine::UnixTime::from_secs(input.u64())).expect("verify");
                    let _ = matches!(verdict, Verdict::Authentic(_));
                }
            }
        }
    }
});
