//! A sync in rounds, for embedders whose fetches are asynchronous (a
//! browser's `fetch`, which a blocking [`Fetch`] cannot wait for).
//!
//! Each round runs the whole planner over the [`Answers`] gathered so far:
//! it either completes — checked and applied exactly as [`crate::sync`]
//! does, since it *is* that sync — or stops at the first file it lacks and
//! names it ([`Round::Need`]). The embedder fetches that file, adds the
//! answer, and runs the next round. Every byte goes through the same caps,
//! hashes, signatures and version checks; a round only repeats checks of
//! files already answered, which costs microseconds against a fetch.

use crate::error::{SyncError, SyncReport};
use crate::fetch::{CancelToken, Fetch, FetchError, Fetched};
use genuine_format::UnixTime;
use genuine_state::TrustState;
use std::cell::RefCell;
use std::collections::BTreeMap;

/// Most files one sync in rounds may gather: the planner's own bounds
/// (root steps, delta runs, brands in a snapshot) keep real syncs far
/// below it; a feed that asks for more is refused.
pub const MAX_ROUND_FILES: usize = 1024;

/// A file the planner needs next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRequest {
    /// The feed path (relative to the feed's base URL).
    pub path: String,
    /// Most body bytes to accept: stop reading past them.
    pub cap: u64,
    /// The ETag to send (`If-None-Match`), if any.
    pub etag: Option<String>,
}

/// What a round ended in.
#[derive(Debug)]
pub enum Round {
    /// The planner needs this file before it can go on.
    Need(FileRequest),
    /// Checked and applied.
    Synced(SyncReport),
}

/// The answers an embedder has fetched for one sync, by path.
#[derive(Debug, Default)]
pub struct Answers {
    files: BTreeMap<String, Result<Fetched, FetchError>>,
    /// The first file the last round lacked.
    asked: RefCell<Option<FileRequest>>,
}

impl Answers {
    /// No answers yet: the first round asks for the first file.
    pub fn new() -> Answers {
        Answers::default()
    }

    /// Records what fetching `path` gave (a body, a 404, a failure), as
    /// [`crate::fetched`] maps an HTTP outcome.
    pub fn answer(&mut self, path: &str, outcome: Result<Fetched, FetchError>) {
        self.files.insert(path.to_string(), outcome);
    }

    /// Files answered so far.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// None yet?
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

impl Fetch for Answers {
    fn fetch(
        &self,
        path: &str,
        cap: u64,
        etag: Option<&str>,
        _cancel: &CancelToken,
    ) -> Result<Fetched, FetchError> {
        match self.files.get(path) {
            Some(answer) => answer.clone(),
            None => {
                let request = FileRequest { path: path.into(), cap, etag: etag.map(Into::into) };
                self.asked.borrow_mut().get_or_insert(request);
                Err(FetchError::Pending(path.into()))
            }
        }
    }
}

/// Runs one round of a sync over `answers`: the sync itself if every file
/// it needs is answered, else the next file to fetch. Nothing is written
/// until a round completes.
pub fn sync_round<S: TrustState + ?Sized>(
    store: &mut S,
    answers: &Answers,
    device_now: UnixTime,
) -> Result<Round, SyncError> {
    if answers.len() > MAX_ROUND_FILES {
        return Err(SyncError::MixAndMatch(format!("a sync that needs more than {MAX_ROUND_FILES} files")));
    }
    answers.asked.borrow_mut().take();
    match crate::sync(store, answers, device_now, &CancelToken::default()) {
        Ok(report) => Ok(Round::Synced(report)),
        Err(SyncError::Fetch(FetchError::Pending(path))) => match answers.asked.borrow_mut().take() {
            Some(request) => Ok(Round::Need(request)),
            None => Err(SyncError::Missing(path)),
        },
        Err(e) => Err(e),
    }
}
