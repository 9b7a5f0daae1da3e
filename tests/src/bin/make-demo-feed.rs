//! Writes a demo feed for the SDK tests: the demo world with batch L2611 of
//! Acme's GTIN recalled, published now with a one-day timestamp.
//! `cargo run -p genuine-tests --bin make-demo-feed -- DIR`

use genuine_core::revocation::ListKind;
use genuine_tests::demo;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::args().nth(1).ok_or("usage: make-demo-feed DIR")?;
    let mut a = demo::authority();
    let gtin = genuine_core::gs1::Gtin::parse(demo::ACME_GTIN)?;
    a.revoke("acme", ListKind::Recalled, &gtin, "L2611")?;
    let report = a.publish(std::path::Path::new(&dir), genuine_core::unix_now(), 86_400, false)?;
    println!("wrote {} files to {dir}", report.files);
    Ok(())
}
