//! The issuer's tooling: the operator's root, brands' keys, signed codes,
//! the feed's files and printed symbols. Nothing a phone ships depends on
//! this crate: it is the only one that holds secret keys.
//!
//! [`authority`] keeps the keys and signs documents and codes wherever
//! [`keys`] says each lives (a seed, an HSM, a holder's machine), [`publish`]
//! writes the feed (with [`published`] remembering what is out there), and
//! [`render`] draws a code for print. [`bulk`] issues a packaging line's
//! codes to a CSV, every serial recorded first in the [`journal`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod authority;
pub mod bulk;
pub mod ceremony;
pub mod filters;
pub mod journal;
pub mod keys;
#[cfg(feature = "hsm")]
pub mod pkcs11;
pub mod publish;
pub mod published;
pub mod render;
pub mod revoke_file;

pub use authority::{Authority, AuthorityError};
