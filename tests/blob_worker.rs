//! A dropped file in the browser: bundles read from a `Blob` through `BlobSource`
//! (`blob.slice` + `FileReaderSync`) in a dedicated worker, as `web/worker-api/` does. The
//! media must match the golden hashes the native run wrote for the same inputs.
//!
//! wasm32 only, and always in a dedicated worker: `FileReaderSync` exists nowhere else.
#![cfg(target_arch = "wasm32")]

#[path = "parity/fixtures.rs"]
mod fixtures;
#[path = "parity/harness.rs"]
mod harness;
#[path = "parity/js_api.rs"]
#[allow(dead_code)]
mod js_api;
#[path = "support/noise.rs"]
mod noise;

use guestpack::source::ReadAt;
use guestpack::wasm::{self, BlobSource, Bundle};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::{wasm_bindgen_test as test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

/// Set by scripts/test-wasm.sh to the zip from scripts/make-virtio-bundle.sh.
const VIRTIO: &[u8] = include_bytes!(env!(
    "GUESTPACK_VIRTIO_BUNDLE",
    "set GUESTPACK_VIRTIO_BUNDLE to a zip of the virtio-win drivers (scripts/test-wasm.sh does)"
));

fn blob(bytes: &[u8]) -> web_sys::Blob {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    web_sys::Blob::new_with_u8_array_sequence(&parts).expect("Blob from bytes")
}

fn build(bundle: &Bundle, options: &str) -> wasm::Media {
    let options = js_sys::JSON::parse(options).expect("options parse");
    wasm::build(bundle, options).unwrap_or_else(|e| panic!("build: {:?}", JsValue::from(e)))
}

#[test]
fn blob_source_reads_any_range() {
    let bytes: Vec<u8> = (0u32..10_000).map(|i| (i % 251) as u8).collect();
    let src = BlobSource::new(blob(&bytes));
    assert_eq!(src.len(), 10_000);
    let mut buf = [0u8; 100];
    assert_eq!(
        src.read_at(9_950, &mut buf).unwrap(),
        50,
        "reads stop at the end"
    );
    assert_eq!(&buf[..50], &bytes[9_950..]);
    assert_eq!(src.read_at(10_000, &mut buf).unwrap(), 0);
    let mut one = [0u8; 1];
    assert_eq!(src.read_at(4093, &mut one).unwrap(), 1);
    assert_eq!(one[0], bytes[4093]);
}

#[test]
fn sample_bundle_from_blob() {
    let zip = fixtures::zip_tree(&guestpack::bundled::sample::sample_drivers(), "sample/");
    let bundle = Bundle::from_blob(blob(&zip), Some("sample.zip".into()), JsValue::UNDEFINED)
        .unwrap_or_else(|e| panic!("{:?}", JsValue::from(e)));
    assert_eq!(bundle.file_count(), 24);
    harness::check_golden(
        "fixture/wrapper-zip",
        &js_api::media_outputs(&build(&bundle, r#"{"signingPolicy":"none"}"#), 4093),
    );
}

#[test]
fn virtio_bundle_from_blob() {
    let bundle = Bundle::from_blob(
        blob(VIRTIO),
        Some("virtio-win-8.1.zip".into()),
        JsValue::UNDEFINED,
    )
    .unwrap_or_else(|e| panic!("{:?}", JsValue::from(e)));
    let start = js_sys::Date::now();
    let m = build(
        &bundle,
        // Policy none, as the golden's native run: eight real INFs are not in their catalogs.
        r#"{"spec":"virtio-win-8.1.json","signingPolicy":"none"}"#,
    );
    let out = js_api::media_outputs(&m, 1 << 20);
    wasm_bindgen_test::console_log!(
        "virtio-win-8.1 from a Blob in a worker: {:.0} ms",
        js_sys::Date::now() - start
    );
    harness::check_golden("virtio-win-8.1", &out);
}
