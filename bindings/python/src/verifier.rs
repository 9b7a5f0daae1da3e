//! The `Verifier` class: one store, opened as the CLI opens it, behind a
//! lock so Python threads may share it; the scanning half of a batch runs
//! outside the lock.

use crate::types::{self, Checked, Photo, Verdict};
use crate::{Error, guard};
use genuine::open::{self, FeedError, OpenError};
use genuine::photo::{PhotoError, scan_photo};
use genuine::{ScannedCode, Scanner, Store, UnixTime, device_now};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

/// A verifier: the trust anchor it is pinned to, a SQLite store on `db`
/// holding the bundle's documents and whatever `sync` fetched. Open it once
/// and reuse it (in Spark, once per partition); it may be shared by threads.
#[pyclass(module = "genuine", frozen)]
pub struct Verifier {
    store: Mutex<Option<Store>>,
    notes: Vec<String>,
}

fn image_error(e: PhotoError) -> Error {
    Error::Image(e.to_string())
}

/// The codes of one photo.
pub(crate) fn scan_one(scanner: &mut Scanner, image: &[u8]) -> Result<Vec<ScannedCode>, Error> {
    scan_photo(scanner, image).map_err(image_error)
}

/// The codes of each photo, one scanner for all (a fresh one after a panic).
pub(crate) fn scan_all(images: &[&[u8]]) -> Vec<Result<Vec<ScannedCode>, Error>> {
    let mut scanner = Scanner::new();
    images
        .iter()
        .map(|image| {
            let result = guard(|| scan_one(&mut scanner, image));
            if matches!(result, Err(Error::Internal(_))) {
                scanner = Scanner::new();
            }
            result
        })
        .collect()
}

fn at(now: Option<u64>) -> UnixTime {
    now.map_or_else(device_now, UnixTime::from_secs)
}

fn check(store: &Store, input: &str, text: &str, now: UnixTime) -> Result<Checked, Error> {
    let verdict = genuine::verify(store, text, now).map_err(|e| Error::Store(e.to_string()))?;
    Ok(Checked { input: input.to_string(), text: text.to_string(), corners: None, verdict })
}

fn check_code(store: &Store, input: &str, code: &ScannedCode, now: UnixTime) -> Result<Checked, Error> {
    let checked = check(store, input, &code.text, now)?;
    Ok(Checked { corners: Some(code.corners.map(|p| (p.x, p.y))), ..checked })
}

impl Verifier {
    /// The store, or an error once closed; a lock poisoned by a panic is
    /// taken over (the store's own transactions keep it consistent).
    fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> Result<T, Error>) -> Result<T, Error> {
        let mut lock: MutexGuard<'_, Option<Store>> = self.store.lock().unwrap_or_else(|p| p.into_inner());
        match lock.as_mut() {
            Some(store) => f(store),
            None => Err(Error::Store("the verifier is closed".into())),
        }
    }
}

#[pymethods]
impl Verifier {
    /// Opens (or creates) the store at `db`, pinned to the anchor file
    /// `anchor`, and imports the trust bundle file `bundle` into it: what
    /// `genuine verify --anchor ANCHOR --bundle BUNDLE --db DB` opens, with
    /// the same checks. A damaged store is moved aside and rebuilt, and a
    /// brand the bundle holds but that is refused is skipped: each is a
    /// `UserWarning` (and in `notes`). Raises `TrustError`.
    #[staticmethod]
    #[pyo3(signature = (anchor, db, bundle = None))]
    fn open(py: Python<'_>, anchor: PathBuf, db: PathBuf, bundle: Option<PathBuf>) -> PyResult<Verifier> {
        let opened = py.detach(|| {
            guard(|| {
                let trust = |e: OpenError| Error::Trust(e.to_string());
                let anchor_text = open::read_file(&anchor).map_err(trust)?;
                let anchor_text = String::from_utf8(anchor_text)
                    .map_err(|_| Error::Trust(format!("{}: not a text file", anchor.display())))?;
                let bundle = bundle.as_deref().map(open::read_file).transpose().map_err(trust)?;
                open::open_store(&anchor_text, bundle.as_deref(), &db, device_now()).map_err(trust)
            })
        })?;
        let notes: Vec<String> = opened.notes.iter().map(ToString::to_string).collect();
        let warnings = py.import("warnings")?;
        for note in &notes {
            warnings.call_method1("warn", (format!("genuine: {note}"),))?;
        }
        Ok(Verifier { store: Mutex::new(Some(opened.store)), notes })
    }

    /// What opening the store had to say (a rebuilt file, skipped brands).
    #[getter]
    fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }

    /// Fetches keys and revocations from the feed at `feed_url` (TUF-style
    /// checks; all or nothing), without the GIL. Returns the report as a
    /// dict, the fields of `genuine sync --json`. Raises `SyncError`.
    fn sync(&self, py: Python<'_>, feed_url: &str) -> PyResult<Py<PyAny>> {
        let json = py.detach(|| {
            guard(|| {
                self.with_store(|store| {
                    let report = open::sync_feed(store, feed_url, device_now())
                        .map_err(|e: FeedError| Error::Sync(e.to_string()))?;
                    serde_json::to_string(&report).map_err(|e| Error::Internal(e.to_string()))
                })
            })
        })?;
        types::loads(py, &json)
    }

    /// What the store trusts: the fields of `genuine status --json`.
    fn status(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let json = guard(|| {
            self.with_store(|store| {
                let summary = store.summary(device_now()).map_err(|e| Error::Store(e.to_string()))?;
                serde_json::to_string(&summary).map_err(|e| Error::Internal(e.to_string()))
            })
        })?;
        types::loads(py, &json)
    }

    /// The verdict of one code's text, at `now` (unix seconds; the device
    /// clock by default, never below the store's signed time floor).
    #[pyo3(signature = (text, now = None))]
    fn verify(&self, text: &str, now: Option<u64>) -> PyResult<Verdict> {
        let checked = guard(|| self.with_store(|store| check(store, text, text, at(now))))?;
        Ok(Verdict::from(checked))
    }

    /// `verify` for many texts, without the GIL.
    #[pyo3(signature = (texts, now = None))]
    fn verify_many(&self, py: Python<'_>, texts: Vec<String>, now: Option<u64>) -> PyResult<Vec<Verdict>> {
        let now = at(now);
        let checked = py.detach(|| {
            guard(|| {
                self.with_store(|store| {
                    texts.iter().map(|text| check(store, text, text, now)).collect::<Result<Vec<_>, Error>>()
                })
            })
        })?;
        Ok(checked.into_iter().map(Verdict::from).collect())
    }

    /// Every code in an image (PNG, JPEG or WebP bytes) with its verdict,
    /// as `genuine scan PHOTO --json` gives them (`name` is its `input`).
    /// Raises `ImageError`.
    #[pyo3(signature = (image, name = None, now = None))]
    fn scan_and_verify(
        &self,
        py: Python<'_>,
        image: &[u8],
        name: Option<String>,
        now: Option<u64>,
    ) -> PyResult<Vec<Verdict>> {
        let name = name.unwrap_or_default();
        let now = at(now);
        let checked: Vec<Checked> = py.detach(|| {
            guard(|| {
                let codes = scan_one(&mut Scanner::new(), image)?;
                self.with_store(|store| codes.iter().map(|c| check_code(store, &name, c, now)).collect())
            })
        })?;
        Ok(checked.into_iter().map(Verdict::from).collect())
    }

    /// `scan_and_verify` for many images in one call, without the GIL: a
    /// list of `Photo`, in order, each with its verdicts or its error (one
    /// bad image never stops the others). `names` (one a photo) become the
    /// verdicts' `input`. The store is locked only to verify, after all the
    /// scanning.
    #[pyo3(signature = (images, names = None, now = None))]
    fn scan_and_verify_many(
        &self,
        py: Python<'_>,
        images: Vec<Bound<'_, PyBytes>>,
        names: Option<Vec<String>>,
        now: Option<u64>,
    ) -> PyResult<Vec<Photo>> {
        let names = types::names(names, images.len())?;
        let bytes: Vec<&[u8]> = images.iter().map(|b| b.as_bytes()).collect();
        let now = at(now);
        let results = py.detach(|| {
            let scanned = scan_all(&bytes);
            guard(|| {
                self.with_store(|store| {
                    Ok(scanned
                        .into_iter()
                        .zip(&names)
                        .map(|(codes, name)| {
                            codes.and_then(|codes| {
                                codes.iter().map(|c| check_code(store, name, c, now)).collect()
                            })
                        })
                        .collect::<Vec<Result<Vec<Checked>, Error>>>())
                })
            })
        })?;
        results.into_iter().zip(names).map(|(result, name)| Photo::of_verdicts(py, name, result)).collect()
    }

    /// Closes the store; later calls raise `StoreError`.
    fn close(&self) {
        let mut lock = self.store.lock().unwrap_or_else(|p| p.into_inner());
        lock.take();
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, pyo3::types::PyTuple>) {
        self.close();
    }
}
