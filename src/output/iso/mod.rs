//! ISO9660 + Joliet images: the pull-style writer. (Reading images is [`crate::input::iso`].)
//!
//! [`IsoImage::plan`] turns the sorted media files into a complete layout (names, directory
//! extents, path tables, file extents) without touching any payload; [`IsoImage::reader`]
//! then produces the image bytes lazily as the caller drains it. This module does not do El Torito boot records, Rock Ridge, UDF or multi-extent
//! files, and never seeks: the writer is strictly sequential.
//!
//! Choices made for compatibility with independent readers:
//! - The primary (ECMA-119) tree uses level-2 style names: d-characters only, upper case,
//!   at most 31 characters including `.EXT;1`. Directories nested deeper than 8 levels are
//!   written in place rather than relocated: without Rock Ridge a relocation would move the
//!   folder for every reader of the primary tree, while the Joliet tree (the one Windows
//!   shows) is unaffected by depth either way.
//! - Joliet file identifiers carry no `;1` version suffix, so a 64-unit name still fits the
//!   128-byte identifier limit; readers that strip the suffix read the names unchanged.
//! - Zero-length files point at one dedicated all-zero sector at the end of the data area:
//!   some readers drop files whose extent is 0, and an extent past the volume end is invalid.

mod names;
mod records;
mod sectors;
mod time;
mod tree;
mod write;

#[cfg(test)]
mod tests;

pub use sectors::IsoImage;
pub use write::IsoReader;

pub use crate::input::iso::SECTOR;

/// Settings of one image. The same options and files always give the same bytes.
#[derive(Clone, Debug)]
pub struct IsoOptions {
    /// Label shown by operating systems: the Joliet volume id keeps it as typed (up to 16
    /// characters), the primary volume id upper-cases it to d-characters (up to 32).
    pub volume_id: String,
    /// Seconds since 1970-01-01 UTC used for every timestamp in the image.
    pub source_date_epoch: i64,
    /// Application identifier, e.g. `GUESTPACK 0.1.0`.
    pub application_id: String,
}
