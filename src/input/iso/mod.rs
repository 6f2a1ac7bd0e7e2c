//! ISO9660 + Joliet images as input: [`IsoFs`] reads an image (ours or anyone's) into a
//! [`crate::source::vtree::VTree`] without loading payload, and [`check_structure`] audits
//! an image against the ordering rules our writer ([`crate::output::iso`]) promises.

mod audit;
mod read;

pub use audit::check_structure;
pub use read::IsoFs;

/// Bytes per logical sector and logical block (the writer uses the same constant).
pub const SECTOR: u64 = 2048;

/// Most directory bytes read in one walk of one tree: far more than any real image holds,
/// small enough that a hostile image cannot make a reader allocate without bound.
const MAX_DIR_BYTES: u64 = 256 << 20;
