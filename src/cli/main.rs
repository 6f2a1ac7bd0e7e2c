//! The native command line: parse flags, open inputs from disk, run the core, write outputs
//! atomically. All packaging logic lives in the library; this folder only translates.

mod args;
mod inputs;
mod interrupt;
mod make_spec;
mod outdir;
mod output;
mod run;
mod verify;

use std::process::ExitCode;

fn main() -> ExitCode {
    interrupt::install();
    match run::run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("guestpack: error: {e:#}");
            ExitCode::from(run::EXIT_ERROR)
        }
    }
}
