//! What a clinic's IT person does with the real `cortico-service` binary:
//! create the clinic and an admin, connect Oscar from the command line (the
//! running service completes it when Oscar calls back), read the
//! connection's state, take a backup while the service runs, disconnect.

#[path = "support/service_process.rs"]
mod service_process;
#[path = "support/oscar_sim.rs"]
mod sim;

use std::path::Path;
use std::process::{Command, Output};

use oscar_sim::clinic::Variant;
use serde_json::Value;
use service_process::{Server, BIN};
use sim::Sim;

const ADMIN: &str = "it@cli.example";

fn run(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .env("CORTICO_PASSWORD", "a synthetic admin password")
        .output()
        .expect("the service binary runs")
}

fn ok(data_dir: &Path, args: &[&str]) -> String {
    let out = run(data_dir, args);
    assert!(out.status.success(), "{args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

// Multi-threaded: the simulator runs on this runtime while the test waits
// for the binary's commands, which call it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn it_connects_oscar_checks_it_backs_up_and_disconnects_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    ok(&data, &["clinic", "create", "--slug", "cli-clinic", "--name", "Command Line Clinic"]);
    ok(&data, &["staff", "create", "--clinic", "cli-clinic", "--email", ADMIN, "--name", "IT", "--role", "admin"]);
    ok(
        &data,
        &["staff", "create", "--clinic", "cli-clinic", "--email", "moa@cli.example", "--name", "M", "--role", "moa"],
    );
    let server = Server::start(&data);
    let sim = Sim::start(Variant::Classic).await;
    let (key, secret) = sim.rest_client(&format!("{}/oscar", server.base), -1).await;

    let connect_as = |admin: &str| {
        let args = [
            "oscar",
            "connect",
            "--clinic",
            "cli-clinic",
            "--admin",
            admin,
            "--base-url",
            &sim.base,
            "--client-key",
            &key,
            "--client-secret",
            &secret,
            "--public-url",
            &server.base,
        ];
        run(&data, &args)
    };
    // Only a clinic administrator may connect.
    let refused = connect_as("moa@cli.example");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not a clinic administrator"));

    let connected = connect_as(ADMIN);
    assert!(connected.status.success(), "{}", String::from_utf8_lossy(&connected.stderr));
    let printed = String::from_utf8(connected.stdout).unwrap();
    assert!(printed.contains(&format!("{}/oscar/callback", server.base)), "{printed}");
    let authorize_url = printed.lines().last().unwrap().trim();
    assert!(authorize_url.starts_with(&format!("{}/ws/oauth/authorize?oauth_token=", sim.base)), "{printed}");

    // The admin allows in Oscar; Oscar sends the browser to the running service.
    let callback = sim.authorize(authorize_url, "allow").await;
    let page = sim.http.get(&callback).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Helen Marchetti"));

    let args = ["oscar", "status", "--clinic", "cli-clinic", "--public-url", &server.base];
    let status: Value = serde_json::from_str(&ok(&data, &args)).unwrap();
    assert_eq!(status["state"], "connected");
    assert_eq!(status["provider_name"], "Helen Marchetti");
    assert_eq!(status["callback_uri"], format!("{}/oscar/callback", server.base), "from the public URL given");

    // A consistent copy while the service runs holds the sealed connection.
    let backup = dir.path().join("backup");
    let said = ok(&data, &["backup", "--to", backup.to_str().unwrap()]);
    assert!(said.contains("backed up to"), "{said}");
    let copy = rusqlite::Connection::open(backup.join("cortico.db")).unwrap();
    let state: String = copy.query_row("SELECT state FROM oscar_connections", [], |r| r.get(0)).unwrap();
    assert_eq!(state, "connected");
    assert!(backup.join("secret.key").exists(), "the key that opens the sealed credentials is copied too");

    ok(&data, &["oscar", "disconnect", "--clinic", "cli-clinic", "--admin", ADMIN]);
    let status: Value = serde_json::from_str(&ok(&data, &["oscar", "status", "--clinic", "cli-clinic"])).unwrap();
    assert_eq!(status["state"], "not_connected");
    drop(server);
}
