//! A fresh PostgreSQL database per test, on the server `tests/run` starts
//! (its URL in `GENUINE_TEST_POSTGRES`; the database there is an admin one).

use std::sync::atomic::{AtomicUsize, Ordering};

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The URL of a new, empty database.
pub fn fresh_database() -> String {
    let admin = std::env::var("GENUINE_TEST_POSTGRES").expect(
        "GENUINE_TEST_POSTGRES is not set: tests/run starts a PostgreSQL server and sets it \
         (or point it at one: postgres://user@127.0.0.1:PORT/postgres)",
    );
    let name = format!("genuine_{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let mut client = postgres::Client::connect(&admin, postgres::NoTls).expect("connect to the test server");
    client.batch_execute(&format!("CREATE DATABASE {name}")).expect("create a test database");
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(base, _)| base);
    format!("{base}/{name}")
}
