//! A few connections (to the collector's database, to its trust store),
//! each used by one request at a time, so that requests wait only when
//! every connection is busy — not on one lock around one connection.

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

struct Idle<T> {
    items: Vec<T>,
    /// Items that exist, idle or leased.
    live: usize,
}

/// Up to `size` items, opened when first needed.
pub(crate) struct Pool<T: Send, E> {
    idle: Mutex<Idle<T>>,
    returned: Condvar,
    size: usize,
    open: Box<dyn Fn() -> Result<T, E> + Send + Sync>,
}

/// An item on loan; it goes back to the pool when dropped — unless a panic
/// is unwinding, when it may be half-way through a transaction: then it is
/// dropped and a fresh one opened in its place when needed.
pub(crate) struct Lease<'p, T: Send, E> {
    pool: &'p Pool<T, E>,
    item: Option<T>,
}

impl<T: Send, E> Pool<T, E> {
    /// A pool of at most `size` items made by `open`; one is opened now, so
    /// that a wrong location fails at start, not at the first request.
    pub fn new(size: usize, open: impl Fn() -> Result<T, E> + Send + Sync + 'static) -> Result<Self, E> {
        let first = open()?;
        Ok(Pool {
            idle: Mutex::new(Idle { items: vec![first], live: 1 }),
            returned: Condvar::new(),
            size: size.max(1),
            open: Box::new(open),
        })
    }

    fn idle(&self) -> MutexGuard<'_, Idle<T>> {
        // The list stays consistent whatever panicked while holding it.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// An idle item, a new one if there is room, else the next one returned.
    pub fn get(&self) -> Result<Lease<'_, T, E>, E> {
        let mut idle = self.idle();
        loop {
            if let Some(item) = idle.items.pop() {
                return Ok(Lease { pool: self, item: Some(item) });
            }
            if idle.live < self.size {
                idle.live += 1;
                drop(idle);
                return match (self.open)() {
                    Ok(item) => Ok(Lease { pool: self, item: Some(item) }),
                    Err(e) => {
                        self.idle().live -= 1;
                        self.returned.notify_one();
                        Err(e)
                    }
                };
            }
            idle = self.returned.wait(idle).unwrap_or_else(PoisonError::into_inner);
        }
    }
}

impl<T: Send, E> Drop for Pool<T, E> {
    /// Idle items are dropped on a plain thread: the pool may go with an
    /// async runtime's task, and a PostgreSQL client cannot close itself
    /// on a thread that drives one.
    fn drop(&mut self) {
        let items = std::mem::take(&mut self.idle().items);
        std::thread::scope(|s| {
            s.spawn(move || drop(items));
        });
    }
}

impl<T: Send, E> std::ops::Deref for Lease<'_, T, E> {
    type Target = T;
    fn deref(&self) -> &T {
        self.item.as_ref().expect("an item is held until the lease drops")
    }
}

impl<T: Send, E> std::ops::DerefMut for Lease<'_, T, E> {
    fn deref_mut(&mut self) -> &mut T {
        self.item.as_mut().expect("an item is held until the lease drops")
    }
}

impl<T: Send, E> Drop for Lease<'_, T, E> {
    fn drop(&mut self) {
        let mut idle = self.pool.idle();
        match self.item.take() {
            Some(item) if !std::thread::panicking() => idle.items.push(item),
            _ => idle.live -= 1,
        }
        drop(idle);
        self.pool.returned.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn items_are_reused_bounded_and_replaced_after_a_panic() {
        let opened = std::sync::Arc::new(AtomicUsize::new(0));
        let counter = opened.clone();
        let pool: Pool<usize, ()> = Pool::new(2, move || Ok(counter.fetch_add(1, Ordering::SeqCst))).unwrap();
        {
            let (a, b) = (pool.get().unwrap(), pool.get().unwrap());
            assert_eq!((*a, *b), (0, 1));
        }
        assert!(*pool.get().unwrap() < 2, "an idle item is reused, not reopened");
        assert_eq!(opened.load(Ordering::SeqCst), 2);
        // A third borrower waits for a return rather than opening more.
        let held = pool.get().unwrap();
        std::thread::scope(|s| {
            let waiter = s.spawn(|| *pool.get().unwrap());
            std::thread::sleep(std::time::Duration::from_millis(50));
            drop(held);
            assert!(waiter.join().is_ok());
        });
        assert_eq!(opened.load(Ordering::SeqCst), 2);
        // An item leased during a panic is dropped; the next borrower gets a new one.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _a = pool.get().unwrap();
            let _b = pool.get().unwrap();
            panic!("a request panicked mid-transaction");
        }));
        let fresh = pool.get().unwrap();
        assert!(*fresh >= 2, "a fresh item, not one that was mid-transaction");
    }
}
