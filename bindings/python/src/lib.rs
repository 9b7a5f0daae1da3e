//! Genuine for Python (`genuine._genuine`, re-exported by the `genuine`
//! package): a `Verifier` on the same store and trust as the CLI, the
//! scanner on photos, and verdicts in the CLI's JSON words. This crate only
//! converts; every rule lives in the core (`genuine::open`, `genuine::photo`,
//! `genuine::line`).
//!
//! Every export runs its Rust work behind [`guard`], so a panic becomes
//! `genuine.InternalError` (an ordinary `Exception`) rather than pyo3's
//! `PanicException`, which derives from `BaseException` and would get past
//! an `except Exception` in a Spark task. Batch forms release the GIL.

mod types;
mod verifier;

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(genuine, GenuineError, PyException, "Any error of the genuine package.");
create_exception!(genuine, BadInput, GenuineError, "An argument is wrong: fix the call.");
create_exception!(
    genuine,
    ImageError,
    GenuineError,
    "An image could not be read: not a PNG, JPEG or WebP, broken, or over the size limits."
);
create_exception!(
    genuine,
    TrustError,
    GenuineError,
    "The store could not be opened: an unreadable anchor or bundle, a store of another root, a SQLite failure."
);
create_exception!(genuine, SyncError, GenuineError, "A sync did not happen; the store is as it was.");
create_exception!(
    genuine,
    StoreError,
    GenuineError,
    "The store failed while verifying (disk, a closed verifier)."
);
create_exception!(genuine, InternalError, GenuineError, "A bug in Genuine: please report it.");

/// An error in Rust, before it becomes a Python exception: the words are
/// the core's (the CLI's), the kind picks the exception class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Error {
    BadInput(String),
    Image(String),
    Trust(String),
    Sync(String),
    Store(String),
    Internal(String),
}

impl From<Error> for PyErr {
    fn from(e: Error) -> PyErr {
        match e {
            Error::BadInput(m) => BadInput::new_err(m),
            Error::Image(m) => ImageError::new_err(m),
            Error::Trust(m) => TrustError::new_err(m),
            Error::Sync(m) => SyncError::new_err(m),
            Error::Store(m) => StoreError::new_err(m),
            Error::Internal(m) => InternalError::new_err(m),
        }
    }
}

/// Runs `f`, turning a panic into [`Error::Internal`].
pub(crate) fn guard<T>(f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    genuine::catch_panic(f).unwrap_or_else(|message| {
        Err(Error::Internal(format!("internal error in genuine (please report it): {message}")))
    })
}

/// Every QR code in an image (PNG, JPEG or WebP bytes), at photo effort:
/// every decoder and threshold is tried. Raises `ImageError` for bytes that
/// are not an image, or one over the scanner's size limits.
#[pyfunction]
fn scan(py: Python<'_>, image: &[u8]) -> PyResult<Vec<types::Code>> {
    let found = py.detach(|| guard(|| verifier::scan_one(&mut genuine::Scanner::new(), image)))?;
    Ok(found.into_iter().map(types::Code::from).collect())
}

/// `scan` for many images in one call, without the GIL: a list of `Photo`,
/// in order, each with its codes or its error (one bad image never stops
/// the others).
#[pyfunction]
#[pyo3(signature = (images, names = None))]
fn scan_many(
    py: Python<'_>,
    images: Vec<Bound<'_, pyo3::types::PyBytes>>,
    names: Option<Vec<String>>,
) -> PyResult<Vec<types::Photo>> {
    let names = types::names(names, images.len())?;
    let bytes: Vec<&[u8]> = images.iter().map(|b| b.as_bytes()).collect();
    let results = py.detach(|| verifier::scan_all(&bytes));
    results.into_iter().zip(names).map(|(result, name)| types::Photo::of_codes(py, name, result)).collect()
}

/// A GTIN (8, 12, 13 or 14 digits, check digit verified) as the 14 digits
/// codes carry. Raises `BadInput` for anything else.
#[pyfunction]
fn gtin(text: &str) -> PyResult<String> {
    guard(|| genuine::Gtin::parse(text).map(|g| g.to_string()).map_err(|e| Error::BadInput(e.to_string())))
        .map_err(PyErr::from)
}

/// The native module; `genuine/__init__.py` re-exports it.
#[pymodule]
fn _genuine(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(scan, m)?)?;
    m.add_function(wrap_pyfunction!(scan_many, m)?)?;
    m.add_function(wrap_pyfunction!(gtin, m)?)?;
    m.add_class::<verifier::Verifier>()?;
    m.add_class::<types::Code>()?;
    m.add_class::<types::Verdict>()?;
    m.add_class::<types::Photo>()?;
    m.add("GenuineError", py.get_type::<GenuineError>())?;
    m.add("BadInput", py.get_type::<BadInput>())?;
    m.add("ImageError", py.get_type::<ImageError>())?;
    m.add("TrustError", py.get_type::<TrustError>())?;
    m.add("SyncError", py.get_type::<SyncError>())?;
    m.add("StoreError", py.get_type::<StoreError>())?;
    m.add("InternalError", py.get_type::<InternalError>())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_internal_error_with_its_message() {
        let err = guard::<()>(|| panic!("boom")).unwrap_err();
        assert_eq!(err, Error::Internal("internal error in genuine (please report it): boom".into()));
        let formatted = guard::<()>(|| panic!("{} {}", "two", "words")).unwrap_err();
        assert!(matches!(formatted, Error::Internal(m) if m.ends_with("two words")));
        assert_eq!(guard(|| Ok(7)), Ok(7));
    }
}
