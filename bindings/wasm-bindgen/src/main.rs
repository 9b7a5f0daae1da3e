//! `wasm-bindgen-local IN.wasm OUT_DIR`: the JS glue and TypeScript types for a
//! `--target web` ES module, from the same wasm-bindgen version as the crate
//! that made IN.wasm (the workspace's lock file pins both; the crate and
//! this tool must match exactly). Built from the lock file here rather than
//! `cargo install wasm-bindgen-cli`, which also builds its test runner.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, out_dir] = args.as_slice() else {
        eprintln!("usage: wasm-bindgen-local IN.wasm OUT_DIR");
        return ExitCode::from(2);
    };
    let mut bindgen = wasm_bindgen_cli_support::Bindgen::new();
    let generated = bindgen
        .input_path(input)
        .web(true)
        .map(|b| {
            // As `wasm-bindgen --target web` writes it: the module found next to its glue.
            b.typescript(true)
                .omit_default_module_path(false)
                .remove_producers_section(true)
                .remove_name_section(true)
        })
        .and_then(|b| b.generate(out_dir));
    match generated {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wasm-bindgen: {e:#}");
            ExitCode::from(1)
        }
    }
}
