//! The writers: from the sorted, digested media files to the bytes of each output.
//!
//! [`media::MediaFile`] is the common input of every writer; [`iso`] plans and emits the
//! ISO9660 + Joliet image, [`zip`] the zip (compressed through [`deflate`]), both as pull
//! readers that never seek. Which files go on the media and in which order was decided
//! before ([`crate::validate`], [`crate::build`]); nothing here reads the driver input's
//! structure or writes to a sink.

pub(crate) mod calendar;
pub mod deflate;
pub mod iso;
pub mod media;
pub(crate) mod par;
pub mod parts;
pub mod zip;
