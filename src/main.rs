//! The native command line: parse flags, open inputs from disk, run the core, write outputs
//! atomically. All packaging logic lives in the library; this file and `cli/` only translate.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("guestpack: error: {e:#}");
            ExitCode::from(cli::EXIT_ERROR)
        }
    }
}
