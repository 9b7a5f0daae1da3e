#![allow(dead_code)]
// Shared by the signing fuzz targets: a small world whose keys the harness
// holds (seeded, public, like the demo's), so what the fuzzer chooses is
// signed and gets past the signature checks into the version, time, chain
// and apply logic.
use genuine_issuer::authority::Authority;

/// 2026-01-01.
pub const T0: u64 = 1_767_225_600;
/// 2036-01-01.
pub const END: u64 = 2_082_758_400;
/// Acme's GTIN.
pub const ACME_GTIN: &str = "09506000134352";
/// Globex's GTIN.
pub const GLOBEX_GTIN: &str = "00614141000036";

/// A deterministic source of seeds.
pub fn rng(label: u8) -> impl FnMut() -> [u8; 32] {
    let mut n = 0u8;
    move || {
        n = n.wrapping_add(1);
        let mut seed = [label; 32];
        seed[0] = n;
        seed
    }
}

/// A root, two brands and a key each.
pub fn world() -> Authority {
    let mut rng = rng(7);
    let mut a = Authority::new(3, 2, END, T0, &mut rng).expect("root");
    for (id, prefix) in [("acme", "9506000"), ("globex", "0614141")] {
        let host = format!("id.{id}.example");
        a.add_brand(id, id, vec![prefix.into()], vec![host], 1, 1, T0, &mut rng).expect("brand");
        a.new_claim_key(id, None, (T0, END - 1, END), T0, &mut rng).expect("key");
    }
    a
}

/// Reads little-endian integers off the fuzzer's bytes, zero when they run out.
pub struct Bytes<'a>(pub &'a [u8]);

impl Bytes<'_> {
    pub fn u8(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
        self.0 = rest;
        first
    }

    pub fn u64(&mut self) -> u64 {
        u64::from_le_bytes(std::array::from_fn(|_| self.u8()))
    }

    pub fn done(&self) -> bool {
        self.0.is_empty()
    }
}
