//! The committed demo files are exactly what the demo world makes, and every
//! fixture image, read by the real decoder, gets its documented verdict.

use genuine_scan::{DecodedImage, scan};
use genuine_tests::{demo, files, repo_root};

#[test]
fn committed_generated_files_are_up_to_date() {
    for (path, bytes) in files::all() {
        let committed = std::fs::read(repo_root().join(&path)).unwrap_or_default();
        assert!(
            committed == bytes,
            "{path} is stale: run `cargo run -p genuine-tests --bin make-fixtures` and commit"
        );
    }
}

#[test]
fn every_fixture_image_decodes_to_its_verdict() {
    let (_dir, store) = genuine_tests::demo_store();
    for fixture in demo::fixtures(&demo::authority()) {
        let bytes = std::fs::read(repo_root().join("tests/fixtures").join(fixture.file)).unwrap();
        let image = DecodedImage::decode(&bytes).unwrap();
        let codes = scan(&image.frame().unwrap());
        assert_eq!(codes.len(), 1, "{}", fixture.file);
        assert_eq!(codes[0].text, fixture.text, "{}", fixture.file);
        let verdict = genuine::verify(&store, &codes[0].text, genuine_tests::at(demo::NOW)).unwrap();
        assert_eq!(verdict.kind(), fixture.verdict, "{}: {verdict:?}", fixture.file);
    }
}
