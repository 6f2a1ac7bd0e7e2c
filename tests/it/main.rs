//! The native integration tests, compiled as one binary (one link instead of one per file).
//! The wasm parity suites (`tests/parity.rs`, `tests/blob_worker.rs`) stay separate targets:
//! they also run under wasm-bindgen-test in Node, Chromium and a worker. This one is native
//! only (files, processes, the CLI): on wasm32 it is empty, so `wasm-pack test`, which builds
//! every test target, builds it too.
#![cfg(not(target_arch = "wasm32"))]
#![allow(dead_code)]

mod common;
#[path = "../support/noise.rs"]
mod noise;
mod validate_util;

mod arm64;
mod catalog_checks;
mod catalog_maker;
mod catalogs_real;
mod cli;
mod guest_os_table;
mod guest_tools;
mod hostile;
mod inf_arch;
mod inf_real;
mod installer_maker;
mod interrupted;
mod iso_input;
mod iso_readers;
mod layouts;
mod make_spec;
mod make_spec_tools;
mod parts;
mod reference_compat;
mod several_os;
mod signatures_real;
mod specs;
mod split;
mod tidy;
mod tools;
mod upstream_layout;
mod validate_drivers;
mod validate_inputs;
mod validate_real;
mod verify;
mod zip_input;
mod zip_writer;
