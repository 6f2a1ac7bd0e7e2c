//! What ships inside the binary and the wasm module: the default guest-tools payload and the
//! shipped specs ([`embedded`], compiled in by `build.rs`), and the project's own sample
//! driver set ([`sample`], generated in memory).

pub mod embedded;
pub mod sample;
