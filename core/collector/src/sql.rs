//! One SQL dialect over two databases: SQLite (a file, the default) and
//! PostgreSQL (a `postgres://` URL, for several collectors behind a load
//! balancer). Statements are written once, in the subset both accept
//! (`$N` parameters, `ON CONFLICT … DO`, `excluded.`, `CASE`), so the
//! schema and its migrations are the same on both.

/// A value bound to, or read from, a statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// An integer (BIGINT).
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes (BYTEA), or NULL.
    Bytes(Option<Vec<u8>>),
}

impl Value {
    /// The integer, or 0.
    pub fn int(&self) -> i64 {
        match self {
            Value::Int(n) => *n,
            _ => 0,
        }
    }
    /// The text, or "".
    pub fn text(&self) -> String {
        match self {
            Value::Text(t) => t.clone(),
            _ => String::new(),
        }
    }
    /// The bytes, if any.
    pub fn bytes(&self) -> Option<Vec<u8>> {
        match self {
            Value::Bytes(b) => b.clone(),
            _ => None,
        }
    }
}

/// A database error, from either side.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    /// SQLite.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL.
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] postgres::Error),
}

/// An open connection.
pub enum Connection {
    /// A SQLite file.
    Sqlite(rusqlite::Connection),
    /// A PostgreSQL server.
    Postgres(Box<Pg>),
}

/// A PostgreSQL client and the statements it prepared: a statement is
/// parsed and planned by the server once per connection, not at each use
/// (a round trip saved on every statement).
pub struct Pg {
    client: postgres::Client,
    prepared: std::collections::HashMap<String, postgres::Statement>,
}

/// Prepared statements kept per connection (the statements vary only by
/// how many tuples a batch has, so a few hundred at most).
const MAX_PREPARED: usize = 512;

impl Pg {
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement, postgres::Error> {
        if let Some(statement) = self.prepared.get(sql) {
            return Ok(statement.clone());
        }
        if self.prepared.len() >= MAX_PREPARED {
            self.prepared.clear();
        }
        let statement = self.client.prepare(sql)?;
        self.prepared.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Value::Int(n) => ToSqlOutput::Borrowed(ValueRef::Integer(*n)),
            Value::Text(t) => ToSqlOutput::Borrowed(ValueRef::Text(t.as_bytes())),
            Value::Bytes(Some(b)) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
            Value::Bytes(None) => ToSqlOutput::Borrowed(ValueRef::Null),
        })
    }
}

fn pg_params(params: &[Value]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    params
        .iter()
        .map(|v| match v {
            Value::Int(n) => n as &(dyn postgres::types::ToSql + Sync),
            Value::Text(t) => t,
            Value::Bytes(b) => b,
        })
        .collect()
}

impl Connection {
    /// Opens `location`: a `postgres://` (or `postgresql://`) URL, or a SQLite file path.
    pub fn open(location: &str) -> Result<Connection, SqlError> {
        if location.starts_with("postgres://") || location.starts_with("postgresql://") {
            let client = postgres::Client::connect(location, postgres::NoTls)?;
            return Ok(Connection::Postgres(Box::new(Pg { client, prepared: Default::default() })));
        }
        let conn = rusqlite::Connection::open(location)?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        Ok(Connection::Sqlite(conn))
    }

    /// Runs statements without parameters (schema, BEGIN, COMMIT).
    pub fn batch(&mut self, sql: &str) -> Result<(), SqlError> {
        match self {
            Connection::Sqlite(c) => c.execute_batch(sql)?,
            Connection::Postgres(c) => c.client.batch_execute(sql)?,
        }
        Ok(())
    }

    /// Runs `work` in one transaction: committed if it succeeds, rolled
    /// back if it fails. SQLite takes the write lock at once (`BEGIN
    /// IMMEDIATE`): a transaction that reads and then writes could otherwise
    /// fail on another writer's commit in between, without waiting.
    pub fn transaction<T>(
        &mut self,
        work: impl FnOnce(&mut Connection) -> Result<T, SqlError>,
    ) -> Result<T, SqlError> {
        self.batch(match self {
            Connection::Sqlite(_) => "BEGIN IMMEDIATE",
            Connection::Postgres(_) => "BEGIN",
        })?;
        match work(self) {
            Ok(value) => {
                self.batch("COMMIT")?;
                Ok(value)
            }
            Err(e) => {
                // The error that matters is the first one.
                let _ = self.batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Applies the `migrations` not yet recorded, in order, each in the
    /// transaction that records it; collectors starting at once on one
    /// database wait for each other (PostgreSQL: a lock on the table of
    /// migrations; SQLite: the write lock).
    pub fn migrate(&mut self, migrations: &[&str]) -> Result<(), SqlError> {
        self.batch("CREATE TABLE IF NOT EXISTS migrations(version BIGINT PRIMARY KEY)")?;
        for (i, migration) in migrations.iter().enumerate() {
            let version = Value::Int(i as i64 + 1);
            self.transaction(|c| {
                if let Connection::Postgres(_) = c {
                    c.batch("LOCK TABLE migrations IN ACCESS EXCLUSIVE MODE")?;
                }
                let done =
                    c.query("SELECT 1 FROM migrations WHERE version = $1", std::slice::from_ref(&version))?;
                if done.is_empty() {
                    c.batch(migration)?;
                    c.execute("INSERT INTO migrations(version) VALUES ($1)", std::slice::from_ref(&version))?;
                }
                Ok(())
            })?;
        }
        Ok(())
    }

    /// Runs one statement; returns the rows it changed.
    pub fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, SqlError> {
        Ok(match self {
            Connection::Sqlite(c) => {
                c.prepare_cached(sql)?.execute(rusqlite::params_from_iter(params))? as u64
            }
            Connection::Postgres(c) => {
                let statement = c.statement(sql)?;
                c.client.execute(&statement, &pg_params(params))?
            }
        })
    }

    /// Runs a query; every row as values (BIGINT, TEXT and BYTEA columns).
    pub fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>, SqlError> {
        match self {
            Connection::Sqlite(c) => {
                let mut statement = c.prepare_cached(sql)?;
                let columns = statement.column_count();
                let rows = statement.query_map(rusqlite::params_from_iter(params), |row| {
                    (0..columns)
                        .map(|i| {
                            use rusqlite::types::ValueRef;
                            Ok(match row.get_ref(i)? {
                                ValueRef::Integer(n) => Value::Int(n),
                                ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                                ValueRef::Blob(b) => Value::Bytes(Some(b.to_vec())),
                                ValueRef::Null => Value::Bytes(None),
                                ValueRef::Real(r) => Value::Int(r as i64),
                            })
                        })
                        .collect::<rusqlite::Result<Vec<Value>>>()
                })?;
                Ok(rows.collect::<Result<_, _>>()?)
            }
            Connection::Postgres(c) => {
                let statement = c.statement(sql)?;
                let rows = c.client.query(&statement, &pg_params(params))?;
                rows.iter()
                    .map(|row| {
                        (0..row.len())
                            .map(|i| {
                                use postgres::types::Type;
                                Ok(match *row.columns()[i].type_() {
                                    Type::INT8 => Value::Int(row.try_get::<_, Option<i64>>(i)?.unwrap_or(0)),
                                    Type::INT4 => {
                                        Value::Int(i64::from(row.try_get::<_, Option<i32>>(i)?.unwrap_or(0)))
                                    }
                                    Type::BYTEA => Value::Bytes(row.try_get(i)?),
                                    _ => {
                                        Value::Text(row.try_get::<_, Option<String>>(i)?.unwrap_or_default())
                                    }
                                })
                            })
                            .collect::<Result<Vec<Value>, SqlError>>()
                    })
                    .collect()
            }
        }
    }
}
