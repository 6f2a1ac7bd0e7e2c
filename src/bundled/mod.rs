//! What ships inside the binary and the wasm module: the default guest-tools payload and the
//! shipped specs ([`embedded`], compiled in by `build.rs`), and the project's own sample
//! driver set ([`sample`], generated in memory, its catalogs made and signed by
//! [`make_catalog`]).

pub mod embedded;
pub mod make_catalog;
pub mod sample;

use crate::source::vtree::VTree;
use crate::validate::signing::SigningPolicy;

/// The guest-tools payload used when the user gives none: the built-in one, plus the sample's
/// test certificate when the drivers are the built-in sample and the policy is `test` (the
/// default). The sample is test-signed and its certificate belongs with it, never with anyone
/// else's drivers, and never on media built for another policy.
pub fn default_guest_tools(drivers_are_sample: bool, policy: SigningPolicy) -> VTree {
    let mut tree = embedded::guest_tools();
    if drivers_are_sample && policy == SigningPolicy::Test {
        sample::add_certificate(&mut tree);
    }
    tree
}
