//! Turns a [`super::RawSpec`] into the checked form the validation uses.
// (filled in by the validation module)
pub struct Spec;
pub struct DriverRule;
pub fn compile() {}
