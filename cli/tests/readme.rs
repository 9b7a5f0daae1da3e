//! README.md as a newcomer runs it: every shell block, in order, line by
//! line, in one bash in a fresh directory, against the `genuine` this build
//! made — so the README cannot drift from the CLI again (issue 36).
//!
//! The rules, for whoever writes a README block:
//! - Every ```` ```sh ```` or ```` ```bash ```` block runs, in order, in one
//!   shell: files, `cd` and `export` carry over from block to block, as in
//!   a terminal. Other fences (text, json, a language) are not run.
//! - A block opts out with `<!-- readme-test: skip REASON -->` on the line
//!   right before its fence. The reason is required (an HSM, the test suite
//!   itself); keep opt-outs few.
//! - Every line must exit 0, unless its comment says `exit status N`: then
//!   it must exit N (`genuine verify` of a revoked code: `# ... exit status 1`).
//! - A line ending in `&` starts a server: its output goes to a log, and the
//!   next line runs once it has printed its first line (every `genuine`
//!   server prints its address first). Servers stop when the run ends.
//!   Write their address out (`--addr 127.0.0.1:PORT`): each
//!   `127.0.0.1:PORT` is mapped to a free port, the same one wherever it
//!   appears, so that runs on one machine never collide.
//! - `genuine` is the binary this `cargo test` built, first on `PATH`
//!   (README.md says `genuine` is that binary, or `cargo run --release -p
//!   genuine-cli --`). Nothing else in a line is rewritten but its ports.
//! - The directory holds a link to each top-level entry of the repository
//!   (`tests/fixtures/...` reads as from the root) and is `HOME`, so the
//!   default stores are made there; the environment's `GENUINE_*` are unset.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The marker that opts a block out, followed by the reason.
const SKIP: &str = "<!-- readme-test: skip";
/// The whole run's deadline (its budget in CI is 90 s; a hung server or
/// command must fail the test, not hold it).
const DEADLINE: Duration = Duration::from_secs(600);

/// One logical line of a block (continuation lines joined), where it is.
#[derive(Debug, PartialEq)]
struct Line {
    at: usize,
    text: String,
}

/// The runnable lines of a Markdown file, in order; blocks opted out are
/// left out. A marker without a reason is an error.
fn runnable(markdown: &str) -> Result<Vec<Line>, String> {
    let mut lines = Vec::new();
    let mut skip: Option<usize> = None;
    let mut block: Option<bool> = None; // Some(run?) inside a fence
    let mut pending: Option<Line> = None;
    let mut heredoc: Option<String> = None;
    for (i, raw) in markdown.lines().enumerate() {
        let at = i + 1;
        let trimmed = raw.trim();
        match block {
            None => {
                if let Some(rest) = trimmed.strip_prefix(SKIP) {
                    let reason = rest.trim_end_matches("-->").trim();
                    if reason.is_empty() {
                        return Err(format!("README.md:{at}: a skip marker must say why"));
                    }
                    skip = Some(at);
                } else if let Some(info) = trimmed.strip_prefix("```") {
                    let shell = matches!(info.trim(), "sh" | "bash" | "shell");
                    if skip.is_some() && !shell {
                        return Err(format!("README.md:{at}: a skip marker before a block that is not run"));
                    }
                    block = Some(shell && skip.take().is_none());
                } else if !trimmed.is_empty()
                    && let Some(marker) = skip
                {
                    return Err(format!("README.md:{marker}: a skip marker must be right before its fence"));
                }
            }
            Some(run) => {
                if heredoc.is_none() && pending.is_none() && trimmed.starts_with("```") {
                    block = None;
                    continue;
                }
                if !run {
                    continue;
                }
                let line = pending.get_or_insert(Line { at, text: String::new() });
                if let Some(end) = &heredoc {
                    line.text.push('\n');
                    line.text.push_str(raw);
                    if trimmed == end {
                        heredoc = None;
                        lines.extend(pending.take());
                    }
                    continue;
                }
                if !line.text.is_empty() {
                    line.text.push('\n');
                }
                line.text.push_str(raw);
                if let Some(end) = heredoc_end(raw) {
                    heredoc = Some(end);
                } else if !raw.trim_end().ends_with('\\') {
                    let done = pending.take().expect("a line is pending");
                    if !done.text.trim().is_empty() && !done.text.trim_start().starts_with('#') {
                        lines.push(done);
                    }
                }
            }
        }
    }
    if block.is_some() || pending.is_some() {
        return Err("README.md: a shell block or line is not closed".into());
    }
    if let Some(marker) = skip {
        return Err(format!("README.md:{marker}: a skip marker with no block after it"));
    }
    Ok(lines)
}

/// The blocks opted out: where each marker is, and its reason.
fn skips(markdown: &str) -> Vec<(usize, &str)> {
    let marked =
        markdown.lines().enumerate().filter_map(|(i, l)| Some((i + 1, l.trim().strip_prefix(SKIP)?)));
    marked.map(|(at, rest)| (at, rest.trim_end_matches("-->").trim())).collect()
}

/// The word that ends a here-document this line opens (`<<EOF`, `<<'EOF'`).
fn heredoc_end(line: &str) -> Option<String> {
    let (code, _) = split_comment(line);
    let rest = code.split_once("<<")?.1.trim_start_matches('-').trim_start();
    let word: String = rest
        .trim_start_matches(['\'', '"'])
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!word.is_empty()).then_some(word)
}

/// A line's code and its trailing comment (`#` outside quotes, at the start
/// or after white space).
fn split_comment(line: &str) -> (&str, Option<&str>) {
    let (mut single, mut double, mut prev) = (false, false, ' ');
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && prev.is_whitespace() => return (&line[..i], Some(&line[i + 1..])),
            _ => {}
        }
        prev = c;
    }
    (line, None)
}

/// The status a line must exit with: `exit status N` in its comment, else 0.
fn expected_status(line: &str) -> u8 {
    let comment = line.lines().last().map(split_comment).and_then(|(_, c)| c).unwrap_or("");
    comment
        .split_once("exit status ")
        .and_then(|(_, n)| n.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
        .unwrap_or(0)
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The bash script that runs `lines` and stops at the first that fails.
fn script(lines: &[Line], ports: &BTreeMap<String, String>) -> String {
    let mut out = String::from(
        r#"exec 2>&1
set -u -o pipefail
__servers=()
__stop() { for p in "${__servers[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap __stop EXIT
__fail() { echo "README.md:$1: exit status $2 where $3 was expected: $4" >&2; exit 101; }
__ready() {
  for _ in $(seq 1 600); do
    [ -s "$2" ] && return 0
    kill -0 "$1" 2>/dev/null || { echo "README.md:$3: the server stopped:" >&2; cat "$2" >&2; exit 101; }
    sleep 0.05
  done
  echo "README.md:$3: the server printed nothing in 30 s" >&2; exit 101
}
"#,
    );
    for line in lines {
        let mut text = line.text.clone();
        for (from, to) in ports {
            text = text.replace(from, to);
        }
        out.push_str(&format!("printf '%s\\n' {}\n", quote(&format!("$ {text}   (README.md:{})", line.at))));
        let (code, _) = split_comment(text.lines().last().unwrap_or(""));
        let code = code.trim_end();
        if code.ends_with('&') && !code.ends_with("&&") {
            let log = format!("\"$__logs/server-{}.log\"", line.at);
            let head: Vec<&str> = text.lines().collect();
            let (first, last) = head.split_at(head.len() - 1);
            let started = split_comment(last[0]).0.trim_end();
            let started = started.strip_suffix('&').unwrap_or(started);
            for l in first {
                out.push_str(l);
                out.push('\n');
            }
            out.push_str(&format!(
                "{started} >{log} 2>&1 &\n__servers+=($!)\n__ready $! {log} {}\n",
                line.at
            ));
            continue;
        }
        let want = expected_status(&text);
        let shown = text.lines().next().unwrap_or("").trim_end_matches('\\').trim_end();
        out.push_str(&text);
        out.push_str(&format!(
            "\n__rc=$?; [ \"$__rc\" = {want} ] || __fail {} \"$__rc\" {want} {}\n",
            line.at,
            quote(split_comment(shown).0.trim_end())
        ));
    }
    out
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Each `127.0.0.1:PORT` and `localhost:PORT` of the lines, to a free port.
fn port_map(lines: &[Line]) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for line in lines {
        for host in ["127.0.0.1:", "localhost:"] {
            for (i, _) in line.text.match_indices(host) {
                let port: String =
                    line.text[i + host.len()..].chars().take_while(char::is_ascii_digit).collect();
                if port.parse::<u16>().is_ok_and(|p| p > 0) {
                    map.entry(format!("{host}{port}")).or_insert_with(|| format!("{host}{}", free_port()));
                }
            }
        }
    }
    map
}

/// Runs `markdown`'s blocks in `dir`: the transcript, or why it failed.
fn run(markdown: &str, dir: &Path) -> Result<String, String> {
    let lines = runnable(markdown)?;
    let bin = dir.join(".bin");
    let home = dir.join(".home");
    let logs = dir.join(".logs");
    for d in [&bin, &home, &logs] {
        std::fs::create_dir_all(d).unwrap();
    }
    if !bin.join("genuine").exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_genuine"), bin.join("genuine")).unwrap();
    }
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap();
    for entry in std::fs::read_dir(&repo).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name != ".git" && name != "target" && !dir.join(&name).exists() {
            std::os::unix::fs::symlink(entry.path(), dir.join(&name)).unwrap();
        }
    }
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let mut command = Command::new("bash");
    command
        .arg("-c")
        .arg(script(&lines, &port_map(&lines)))
        .current_dir(dir)
        .env("PATH", path)
        .env("HOME", &home)
        .env("__logs", &logs)
        .env_remove("XDG_DATA_HOME")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // Toolchains stay where they are for blocks that build (HOME moved).
    if let Some(real) = std::env::var_os("HOME") {
        let real = PathBuf::from(real);
        command.env("CARGO_HOME", std::env::var_os("CARGO_HOME").unwrap_or(real.join(".cargo").into()));
        command.env("RUSTUP_HOME", std::env::var_os("RUSTUP_HOME").unwrap_or(real.join(".rustup").into()));
    }
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("GENUINE_") {
            command.env_remove(key);
        }
    }
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn().map_err(|e| format!("bash: {e}"))?;
    // Both pipes drained on threads, so a chatty block cannot stall on them.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > DEADLINE {
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // Whatever is left of the run (a server, a hung command) goes with it.
    unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
    let _ = child.wait();
    let transcript = format!("{}{}", out.join().unwrap(), err.join().unwrap());
    match status {
        Some(s) if s.success() => Ok(transcript),
        Some(s) => Err(format!("{s}\n{transcript}")),
        None => Err(format!("over {DEADLINE:?}\n{transcript}")),
    }
}

#[test]
fn every_line_of_the_readme_runs_as_written() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let result = run(&readme, dir.path());
    let took = started.elapsed();
    match result {
        Ok(transcript) => {
            let ran = transcript.lines().filter(|l| l.starts_with("$ ")).count();
            // Shown with --nocapture: what a newcomer would have seen, and
            // what was not run, with the README's own reasons.
            println!("{transcript}\nREADME.md: {ran} lines ran in {took:.1?}");
            let skipped = skips(&readme);
            for (at, reason) in &skipped {
                println!("README.md:{at}: block not run: {reason}");
            }
            assert_eq!(ran, runnable(&readme).unwrap().len(), "{transcript}");
            assert!(ran >= 20, "only {ran} README lines ran:\n{transcript}");
            // Opting out is for what cannot run here in seconds (the two
            // set-up commands, an HSM, the Python wheel on Spark, each run
            // by its own tests/run stage): a new one is a choice this test
            // must see.
            assert!(skipped.len() <= 4, "README blocks not run: {skipped:?}");
        }
        Err(why) => panic!("README.md failed as written (after {took:.1?}): {why}"),
    }
}

/// The runner's own rules, on small READMEs: what runs, what opts out, what
/// fails, and that servers stop.
#[test]
fn the_runner_runs_shell_blocks_and_fails_on_the_first_bad_line() {
    let md = "text\n```sh\necho one\n# a comment\necho \\\n  two   # trailing\n```\n```json\n{}\n```\n\
              <!-- readme-test: skip needs an HSM -->\n```sh\nfalse\n```\n";
    let lines = runnable(md).unwrap();
    assert_eq!(
        lines.iter().map(|l| (l.at, l.text.as_str())).collect::<Vec<_>>(),
        [(3, "echo one"), (5, "echo \\\n  two   # trailing")]
    );
    assert_eq!(skips(md), [(11, "needs an HSM")]);
    assert!(runnable("<!-- readme-test: skip -->\n```sh\nfalse\n```\n").unwrap_err().contains("say why"));
    assert!(runnable("<!-- readme-test: skip x -->\n\nsome text\n```sh\nfalse\n```\n").is_err());
    assert!(runnable("```sh\necho open\n").is_err());

    let dir = tempfile::tempdir().unwrap();
    let said = run("```sh\necho hello > a.txt\ncat a.txt\n```\n", dir.path()).unwrap();
    assert!(said.contains("$ cat a.txt") && said.contains("\nhello\n"), "{said}");
    // A failing line stops the run and is named; the lines after it never run.
    let dir = tempfile::tempdir().unwrap();
    let why = run("```sh\ntrue\nls no-such-file\ntouch after\n```\n", dir.path()).unwrap_err();
    assert!(why.contains("README.md:3: exit status 2 where 0 was expected: ls no-such-file"), "{why}");
    assert!(!dir.path().join("after").exists());
    // A line may say the status it exits with, and is held to it.
    let dir = tempfile::tempdir().unwrap();
    run("```sh\nbash -c 'exit 3'   # a look-alike: exit status 3\n```\n", dir.path()).unwrap();
    let why = run("```sh\ntrue   # exit status 1\n```\n", dir.path()).unwrap_err();
    assert!(why.contains("exit status 0 where 1 was expected"), "{why}");
    // Here-documents are one line.
    let said = run("```sh\ncat > x.txt <<'EOF'\na # b\nEOF\ncat x.txt\n```\n", dir.path()).unwrap();
    assert!(said.contains("\na # b\n"), "{said}");
}

#[test]
fn servers_start_in_the_background_on_free_ports_and_stop_at_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let md = "```sh\nbash -c 'echo listening on 127.0.0.1:8080; echo $$ > pid; exec sleep 60' &\n\
              test -s pid\necho 127.0.0.1:8080\n```\n";
    let said = run(md, dir.path()).unwrap();
    assert!(!said.contains("127.0.0.1:8080"), "the README's port is mapped to a free one: {said}");
    let pid: i32 = std::fs::read_to_string(dir.path().join("pid")).unwrap().trim().parse().unwrap();
    let gone = (0..100).any(|_| {
        std::thread::sleep(Duration::from_millis(20));
        let alive = unsafe { libc::kill(pid, 0) };
        alive != 0
    });
    assert!(gone, "the server outlived the run");
    // A server that stops before it says anything fails the run.
    let why = run("```sh\nfalse &\necho next\n```\n", dir.path()).unwrap_err();
    assert!(why.contains("README.md:2: the server stopped"), "{why}");
}
