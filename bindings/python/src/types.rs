//! The values handed to Python: `Code`, `Verdict` and `Photo`. A verdict
//! keeps the core's JSON line (`genuine::line::VerdictLine`), so `json()`
//! is byte for byte what `genuine verify --json` prints, and its columns
//! come from `genuine::line::VerdictRow`.

use crate::Error;
use genuine::ScannedCode;
use genuine::line::{VerdictLine, VerdictRow};
use pyo3::IntoPyObjectExt;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList};

/// One code's verdict, as a value ready for Python.
pub(crate) struct Checked {
    pub input: String,
    pub text: String,
    pub corners: Option<[(i32, i32); 4]>,
    pub verdict: genuine::Verdict,
}

/// `json.loads(text)`.
pub(crate) fn loads(py: Python<'_>, text: &str) -> PyResult<Py<PyAny>> {
    Ok(py.import("json")?.call_method1("loads", (text,))?.unbind())
}

/// The names of a batch: as given (one an image), or empty strings.
pub(crate) fn names(names: Option<Vec<String>>, n: usize) -> PyResult<Vec<String>> {
    match names {
        Some(names) if names.len() != n => {
            Err(Error::BadInput(format!("{} name(s) for {n} image(s): give one name an image", names.len()))
                .into())
        }
        Some(names) => Ok(names),
        None => Ok(vec![String::new(); n]),
    }
}

/// A QR code found in an image.
#[pyclass(module = "genuine", frozen)]
pub struct Code {
    /// The code's text (UTF-8, else Shift_JIS, else ISO-8859-1).
    #[pyo3(get)]
    text: String,
    /// Corners in image pixels: top-left, top-right, bottom-right, bottom-left.
    #[pyo3(get)]
    corners: Vec<(i32, i32)>,
    raw: Vec<u8>,
}

impl From<ScannedCode> for Code {
    fn from(c: ScannedCode) -> Code {
        Code { text: c.text, corners: c.corners.iter().map(|p| (p.x, p.y)).collect(), raw: c.bytes }
    }
}

#[pymethods]
impl Code {
    /// The bytes as the code carries them.
    #[getter]
    fn raw<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.raw)
    }

    fn __repr__(&self) -> String {
        format!("Code(text={:?}, corners={:?})", self.text, self.corners)
    }
}

/// A verified code: the fields of one `genuine verify --json` line (`input`,
/// `text`, `result`, `card`) and the verdict's columns (`verdict`, `reason`,
/// `brand`, `gtin`, `serial`, `vouched`).
#[pyclass(module = "genuine", frozen)]
pub struct Verdict {
    /// What was verified: the text itself, or the image's name.
    #[pyo3(get)]
    input: String,
    /// The code's text.
    #[pyo3(get)]
    text: String,
    /// `authentic`, `revoked`, `forged`, `unknown_issuer`, `not_signed` or `malformed`.
    #[pyo3(get)]
    verdict: &'static str,
    /// Why, in the JSON's words (a revocation reason, the failed check, ...), or None.
    #[pyo3(get)]
    reason: Option<String>,
    /// The brand whose key signed it (authentic and revoked codes), or None.
    #[pyo3(get)]
    brand: Option<String>,
    /// The GTIN-14 the code carries (vouched for only if `vouched`).
    #[pyo3(get)]
    gtin: Option<String>,
    /// The serial the code carries (vouched for only if `vouched`).
    #[pyo3(get)]
    serial: Option<String>,
    /// True when a trusted key signed the GTIN and serial (authentic, revoked).
    #[pyo3(get)]
    vouched: bool,
    /// Corners in the image (None for a verified text).
    #[pyo3(get)]
    corners: Option<Vec<(i32, i32)>>,
    line: String,
}

impl From<Checked> for Verdict {
    fn from(c: Checked) -> Verdict {
        let row = VerdictRow::new(&c.verdict);
        let line = VerdictLine::new(&c.input, &c.text, &c.verdict).to_json();
        Verdict {
            input: c.input,
            text: c.text,
            verdict: row.verdict,
            reason: row.reason,
            brand: row.brand,
            gtin: row.gtin,
            serial: row.serial,
            vouched: row.vouched,
            corners: c.corners.map(Vec::from),
            line,
        }
    }
}

#[pymethods]
impl Verdict {
    /// The verdict as one JSON line, exactly as `genuine verify --json` prints it.
    fn json(&self) -> String {
        self.line.clone()
    }

    /// The line as a dict: `input`, `text`, `result`, `card`.
    fn to_dict(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        loads(py, &self.line)
    }

    /// The verdict in full, as a dict (the line's `result`).
    #[getter]
    fn result(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(self.to_dict(py)?.bind(py).get_item("result")?.unbind())
    }

    /// The shopper's card, as a dict (the line's `card`): title, tone, explanation, next step...
    #[getter]
    fn card(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        Ok(self.to_dict(py)?.bind(py).get_item("card")?.unbind())
    }

    fn __repr__(&self) -> String {
        format!("Verdict(verdict={:?}, reason={:?}, text={:?})", self.verdict, self.reason, self.text)
    }
}

/// One image of a batch: its codes (or verdicts), or why it could not be read.
#[pyclass(module = "genuine", frozen)]
pub struct Photo {
    /// The name it was given (empty if none).
    #[pyo3(get)]
    name: String,
    /// `Code`s (from `scan_many`) or `Verdict`s (from `scan_and_verify_many`); empty on error.
    #[pyo3(get)]
    codes: Py<PyAny>,
    /// None, or the exception that reading this image raised (`ImageError`, ...).
    #[pyo3(get)]
    error: Option<Py<PyAny>>,
}

impl Photo {
    fn new(py: Python<'_>, name: String, result: Result<Py<PyAny>, Error>) -> PyResult<Photo> {
        match result {
            Ok(codes) => Ok(Photo { name, codes, error: None }),
            Err(e) => {
                let err: PyErr = e.into();
                let codes = PyList::empty(py).into_any().unbind();
                Ok(Photo { name, codes, error: Some(err.into_value(py).into_any()) })
            }
        }
    }

    /// A photo of `scan_many`.
    pub(crate) fn of_codes(
        py: Python<'_>,
        name: String,
        result: Result<Vec<ScannedCode>, Error>,
    ) -> PyResult<Photo> {
        let codes = match result {
            Ok(codes) => Ok(codes.into_iter().map(Code::from).collect::<Vec<_>>().into_py_any(py)?),
            Err(e) => Err(e),
        };
        Photo::new(py, name, codes)
    }

    /// A photo of `scan_and_verify_many`.
    pub(crate) fn of_verdicts(
        py: Python<'_>,
        name: String,
        result: Result<Vec<Checked>, Error>,
    ) -> PyResult<Photo> {
        let verdicts = match result {
            Ok(checked) => Ok(checked.into_iter().map(Verdict::from).collect::<Vec<_>>().into_py_any(py)?),
            Err(e) => Err(e),
        };
        Photo::new(py, name, verdicts)
    }
}

#[pymethods]
impl Photo {
    /// True when the image was read (it may still hold no code).
    #[getter]
    fn ok(&self) -> bool {
        self.error.is_none()
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        match &self.error {
            Some(e) => format!("Photo(name={:?}, error={})", self.name, e.bind(py)),
            None => format!("Photo(name={:?}, codes={})", self.name, self.codes.bind(py)),
        }
    }
}
