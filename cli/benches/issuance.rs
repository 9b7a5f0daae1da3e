//! Issuance throughput: `genuine issue --count` with a file key on 1 and 2
//! threads and with a key in SoftHSM2, each beside a bare signing loop of
//! the same key kind in the same run; the memory of a 1,000,000-code run;
//! and every code of a 100,000-code run verified.
//!
//! `cargo bench -p genuine-cli --bench issuance` prints the table; under
//! `cargo test` it runs once with small counts so it cannot rot.

use genuine_format::keys::signing::SecretKey;
use genuine_issuer::keys::Token;
use genuine_tests::softhsm::{LABEL, PIN, SoftHsm};
use std::path::Path;
use std::process::Command;
use std::time::Instant;

fn genuine(dir: &Path, env: &[(String, String)], args: &[&str]) {
    let o = Command::new(env!("CARGO_BIN_EXE_genuine"))
        .args(args)
        .current_dir(dir)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("run genuine");
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

fn brand(dir: &Path, env: &[(String, String)]) {
    genuine(dir, env, &["root", "init"]);
    genuine(
        dir,
        env,
        &["brand", "add", "--id", "tea", "--name", "Tea", "--prefix", "4012345", "--host", "t.example"],
    );
    genuine(dir, env, &["key", "new", "--brand", "tea"]);
}

/// Codes per second of one `issue --count` run.
fn run(dir: &Path, env: &[(String, String)], out: &str, count: u64, threads: usize) -> f64 {
    let count_text = count.to_string();
    let threads_text = threads.to_string();
    let args = [
        "issue",
        "--brand",
        "tea",
        "--gtin",
        "4012345000009",
        "--batch",
        "L1",
        "--count",
        &count_text,
        "--threads",
        &threads_text,
        "--out",
        out,
    ];
    let start = Instant::now();
    genuine(dir, env, &args);
    count as f64 / start.elapsed().as_secs_f64()
}

/// Signatures per second of `sign` on `threads` threads over code-sized messages.
fn bare(threads: usize, n: usize, sign: &(dyn Fn(&[u8]) + Sync)) -> f64 {
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            s.spawn(move || {
                for i in 0..n / threads {
                    sign(format!("genuine code message {t} {i} 04012345000009 L1 ABCDEFGHJK").as_bytes());
                }
            });
        }
    });
    n as f64 / start.elapsed().as_secs_f64()
}

/// Codes per second and peak RSS (KiB) of one run, from the kernel's
/// accounting of that very process (wait4, which also reaps it).
#[allow(clippy::zombie_processes)]
fn run_measured(dir: &Path, out: &str, count: u64) -> (f64, i64) {
    let count_text = count.to_string();
    let start = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_genuine"))
        .args(["issue", "--brand", "tea", "--gtin", "4012345000009", "--count", &count_text, "--out", out])
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("run genuine");
    let mut status = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: wait4 on our own child, writing the structs it is given.
    let usage = unsafe {
        libc::wait4(child.id() as libc::pid_t, &mut status, 0, usage.as_mut_ptr());
        usage.assume_init()
    };
    assert_eq!(status, 0, "the big run failed");
    (count as f64 / start.elapsed().as_secs_f64(), usage.ru_maxrss)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (n, big, hsm_n) = if full { (100_000, 1_000_000, 5_000) } else { (2_000, 4_000, 200) };
    let hsm = SoftHsm::new();
    // SAFETY: set before any thread starts or the module is loaded.
    unsafe { std::env::set_var("SOFTHSM2_CONF", hsm.conf()) };

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    brand(d, &[]);
    let key = SecretKey::from_seed(&[7; 32]);
    let mut rows = Vec::new();
    for threads in [1, 2] {
        let baseline = bare(threads, n, &|m| {
            key.sign(m);
        });
        let issued = run(d, &[], &format!("file-{threads}.csv"), n as u64, threads);
        rows.push((format!("file key, {threads} thread(s)"), baseline, issued));
    }

    let hd = tempfile::tempdir().unwrap();
    let env = hsm.env();
    brand(hd.path(), &env);
    let token = genuine_issuer::pkcs11::Pkcs11Token::open(hsm.module(), LABEL, PIN).unwrap();
    let probe = token.generate("bench-bare").unwrap();
    for threads in [1, 2] {
        let baseline = bare(threads, hsm_n, &|m| {
            token.sign(&probe, m).unwrap();
        });
        let issued = run(hd.path(), &env, &format!("hsm-{threads}.csv"), hsm_n as u64, threads);
        rows.push((format!("SoftHSM2 key, {threads} thread(s)"), baseline, issued));
    }

    println!("| run | bare signing loop (codes/s) | genuine issue --count (codes/s) | ratio |");
    println!("|---|---|---|---|");
    for (what, baseline, issued) in &rows {
        println!("| {what} | {baseline:.0} | {issued:.0} | {:.2}× |", issued / baseline);
    }

    // Memory: a run ten times smaller beside the big one (constant memory
    // means the same peak).
    let (small_rate, small_rss) = run_measured(d, "small.csv", big as u64 / 10);
    let (rate, rss) = run_measured(d, "big.csv", big as u64);
    println!("\n| codes, every core | codes/s | peak RSS |");
    println!("|---|---|---|");
    println!("| {} | {small_rate:.0} | {:.1} MiB |", big / 10, small_rss as f64 / 1024.0);
    println!("| {big} | {rate:.0} | {:.1} MiB |", rss as f64 / 1024.0);

    // Every code of the first run verifies.
    genuine(d, &[], &["bundle"]);
    let anchor = genuine_format::trust::TrustAnchor::from_text(
        &std::fs::read_to_string(d.join("anchor.txt")).unwrap(),
    )
    .unwrap();
    let mut store = genuine::Store::open(&d.join("g.db"), &anchor).unwrap();
    store.import_bundle(&std::fs::read(d.join("trust.bundle")).unwrap(), genuine::device_now()).unwrap();
    let text = std::fs::read_to_string(d.join("file-2.csv")).unwrap();
    let start = Instant::now();
    let mut verified = 0;
    for line in text.lines() {
        let code = line.split_once(',').unwrap().1;
        let verdict = genuine::verify(&store, code, genuine::device_now()).unwrap();
        assert!(matches!(verdict, genuine::Verdict::Authentic(_)), "{code}: {verdict:?}");
        verified += 1;
    }
    assert_eq!(verified, n);
    println!("every code of the {n}-code run verifies GENUINE ({:.1} s)", start.elapsed().as_secs_f64());
}
