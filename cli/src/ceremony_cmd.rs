//! The root ceremony at the command line: holders make their keys and sign
//! on their own machines; the operator proposes and assembles.

use crate::CliError;
use crate::now_secs as unix_now;
use crate::secret_files::{refuse_existing, rng, write_new};
use crate::state::StateArgs;
use genuine_format::keys::PublicKey;
use genuine_issuer::Authority;
use genuine_issuer::ceremony;
use genuine_issuer::keys::{KeyRef, Seed};
use std::path::Path;
use std::process::ExitCode;

fn read(path: &Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::msg(format!("{}: {e}", path.display())))
}

pub fn keygen(out: &Path, state: &StateArgs) -> Result<ExitCode, CliError> {
    refuse_existing(out)?;
    let key = match state.token()? {
        Some(token) => {
            let tag = genuine_format::keys::hex(&rng()[..6]);
            KeyRef::Token(token.generate(&format!("genuine-root-holder-{tag}")).map_err(CliError::msg)?)
        }
        None => KeyRef::Seed(Seed(rng())),
    };
    let json = serde_json::to_string_pretty(&key).map_err(CliError::msg)?;
    write_new(out, json.as_bytes())?;
    println!("{}", key.public().to_hex());
    let place = match key {
        KeyRef::Seed(_) => "as a secret seed, a demo; a real holder keeps it in an HSM: --hsm-module".into(),
        _ => key.place(),
    };
    eprintln!("genuine: key in {} ({place}); give the operator the public key above", out.display());
    Ok(ExitCode::SUCCESS)
}

pub fn propose(
    keys: &[String],
    threshold: u8,
    expires: u64,
    out: &Path,
    state: &StateArgs,
) -> Result<ExitCode, CliError> {
    let keys = keys
        .iter()
        .map(|k| {
            PublicKey::from_hex(k.trim()).ok_or_else(|| CliError::msg(format!("--key {k}: not a public key")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    refuse_existing(out)?;
    let now = unix_now();
    let env = if state.state.exists() {
        let a = state.load()?;
        if !a.has_root() {
            return Err(CliError::msg(format!(
                "{} holds a proposed root not yet assembled: finish that ceremony first",
                state.state.display()
            )));
        }
        a.propose_rotation(keys, threshold, expires, now).map_err(CliError::msg)?
    } else {
        let (a, env) = Authority::propose_new(state.token()?, keys, threshold, expires, now, &mut rng)
            .map_err(CliError::msg)?;
        state.save(&a)?;
        env
    };
    write_new(out, &env.encode())?;
    let (_, proposal) = ceremony::read(&env.encode()).map_err(CliError::msg)?;
    print!("{}", ceremony::describe(&proposal));
    println!(
        "wrote {}: each holder signs it with `genuine root sign {} --key THEIR.key`",
        out.display(),
        out.display()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn sign(file: &Path, key: &Path, out: Option<&Path>, state: &StateArgs) -> Result<ExitCode, CliError> {
    let (mut env, proposal) = ceremony::read(&read(file)?).map_err(CliError::msg)?;
    let key: KeyRef = serde_json::from_slice(&read(key)?)
        .map_err(|e| CliError::msg(format!("{}: not a key file: {e}", key.display())))?;
    // What the signature covers, read from the bytes it covers.
    print!("{}", ceremony::describe(&proposal));
    let token = state.token()?;
    let public = ceremony::sign(&mut env, &key, token.as_deref()).map_err(CliError::msg)?;
    let out = out.unwrap_or(file);
    let tmp = out.with_extension("signing");
    let _ = std::fs::remove_file(&tmp);
    write_new(&tmp, &env.encode())?;
    std::fs::rename(&tmp, out).map_err(|e| CliError::msg(format!("{}: {e}", out.display())))?;
    println!("signed by {}; {} signature(s) in {}", public.to_hex(), env.signatures.len(), out.display());
    Ok(ExitCode::SUCCESS)
}

pub fn assemble(files: &[std::path::PathBuf], state: &StateArgs) -> Result<ExitCode, CliError> {
    let copies = files
        .iter()
        .map(|f| ceremony::read(&read(f)?).map(|(env, _)| env).map_err(CliError::msg))
        .collect::<Result<Vec<_>, _>>()?;
    let merged = ceremony::merge(&copies).map_err(CliError::msg)?;
    let mut a = state.load()?;
    let said = a.assemble(merged, unix_now()).map_err(CliError::msg)?;
    state.save(&a)?;
    println!("{said}");
    Ok(ExitCode::SUCCESS)
}
