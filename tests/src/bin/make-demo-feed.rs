//! Writes a demo feed for the SDK tests: the demo world with batch L2611 of
//! Acme's GTIN recalled, published now with a one-day timestamp. With
//! `--rotate-root`, the operator has first rotated the root to new keys (the
//! shipped demo bundle is then older than the feed).
//! `cargo run -p genuine-tests --bin make-demo-feed -- DIR [--rotate-root]`

use genuine_format::revocation::ListKind;
use genuine_tests::demo;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: make-demo-feed DIR [--rotate-root]")?;
    let rotate = args.next().as_deref() == Some("--rotate-root");
    let now = genuine::device_now().as_secs();
    let mut a = demo::authority();
    if rotate {
        a.rotate_root(3, 2, demo::VERIFY_UNTIL, now, &mut demo::seeded("sdk rotation"))?;
    }
    let gtin = genuine_format::gs1::Gtin::parse(demo::ACME_GTIN)?;
    a.revoke("acme", ListKind::Recalled, &gtin, "L2611")?;
    let report = a.publish(std::path::Path::new(&dir), now, 86_400, false)?;
    println!("wrote {} files to {dir}", report.files);
    Ok(())
}
