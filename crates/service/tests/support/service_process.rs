//! The real `cortico-service` binary as a child process, for tests that
//! need what only a process gives (a kill -9, the command line).

#![allow(dead_code)] // each test binary uses its own subset

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_cortico-service");

/// A running `cortico-service serve`, SIGKILLed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
}

impl Server {
    /// Starts the service on a free port and waits until it listens.
    pub fn start(data_dir: &Path) -> Server {
        Self::start_with(data_dir, &[])
    }

    /// The same with extra environment (a `DATABASE_URL`, a shared key).
    pub fn start_with(data_dir: &Path, env: &[(&str, &str)]) -> Server {
        let mut child = Command::new(BIN)
            .arg("--data-dir")
            .arg(data_dir)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .env_remove("DATABASE_URL")
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the service starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            // Keep reading, so the service never writes into a closed pipe.
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(base) = line.strip_prefix("cortico-service listening on ") {
                    let _ = tx.send(base.to_owned());
                }
            }
        });
        let base = rx.recv_timeout(Duration::from_secs(20)).expect("the service prints its address");
        Server { child, base }
    }

    /// SIGKILL, as `kill -9` does: no shutdown code runs.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL the service");
        self.child.wait().expect("reap the service");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
