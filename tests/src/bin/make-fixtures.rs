//! Writes every file generated from the demo world (see `genuine_tests::files`).
//! Run after changing the demo world or the format: `cargo run -p genuine-tests --bin make-fixtures`.

fn main() -> std::io::Result<()> {
    let root = genuine_tests::repo_root();
    for (path, bytes) in genuine_tests::files::all().into_iter().chain(genuine_tests::files::scan_fixtures())
    {
        let path = root.join(path);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, bytes)?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
