//! A fresh Postgres database for one test, on the server that
//! `CORTICO_TEST_POSTGRES` names (e.g. `postgres://postgres@127.0.0.1:5432/postgres`),
//! dropped when the test ends.

#![allow(dead_code)]

use sqlx::{Connection, Executor, PgConnection};

/// A database made for one test.
pub struct TestDatabase {
    /// Its URL.
    pub url: String,
    admin_url: String,
    name: String,
}

/// The server to test against, if any.
pub fn server_url() -> Option<String> {
    std::env::var("CORTICO_TEST_POSTGRES").ok().filter(|u| !u.trim().is_empty())
}

impl TestDatabase {
    /// A new empty database when a server is configured.
    pub async fn create_if_configured() -> Option<TestDatabase> {
        let admin_url = server_url()?;
        Some(Self::create(&admin_url).await)
    }

    /// A new empty database on the server at `admin_url`.
    pub async fn create(admin_url: &str) -> TestDatabase {
        let name = format!("cortico_test_{:016x}", rand::random::<u64>());
        let mut admin = PgConnection::connect(admin_url).await.expect("the test Postgres server answers");
        admin.execute(format!("CREATE DATABASE {name}").as_str()).await.expect("creating a test database");
        let (base, query) = match admin_url.split_once('?') {
            Some((b, q)) => (b, format!("?{q}")),
            None => (admin_url, String::new()),
        };
        let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
        TestDatabase { url: format!("{server}/{name}{query}"), admin_url: admin_url.to_owned(), name }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop runs inside the test's runtime: do the async work on a thread of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                    let _ = admin.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str()).await;
                }
            });
        })
        .join();
    }
}
