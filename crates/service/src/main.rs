//! The `cortico-service` binary: runs the messaging service, and the admin
//! commands that create clinics and staff accounts.
//!
//! Run with `cargo run -p cortico-service -- serve --data-dir .data/service`.

use std::io::Write;

use anyhow::{Context, Result};
use clap::Parser;
use cortico_protocol::api::Role;
use cortico_service::app::{App, AppConfig};
use cortico_service::config::{Cli, ClinicCommand, Command, OnOff, OscarCommand, RoleArg, SeedDemoArgs, StaffCommand};
use cortico_service::http;
use cortico_service::store::{clinics, staff, Actor, StoreError};
use rand::distributions::{Alphanumeric, DistString};

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let read_connections = match &cli.command {
        Command::Serve(args) => args.read_connections,
        _ => 2,
    };
    if let Command::Backup { to } = &cli.command {
        let url = cli.database_url();
        let db = cortico_service::db::sqlite_path(&url).context(
            "`backup` copies a SQLite deployment; back up a Postgres deployment with pg_dump \
             (attachments are in the database) plus the secret key (CORTICO_SECRET_KEY)",
        )?;
        let copied = cortico_service::backup::backup(&cli.data_dir, std::path::Path::new(&db), to)?;
        println!(
            "backed up to {}: database {} bytes, {} attachment files, secret key",
            to.display(),
            copied.database_bytes,
            copied.files
        );
        return Ok(());
    }
    let mut config = AppConfig::new(cli.data_dir.clone());
    config.database_url = cli.database_url();
    config.read_connections = read_connections;
    // Bind first: with port 0 the links in emails need the port actually taken.
    let mut listener = None;
    if let Command::Serve(args) = &cli.command {
        let bound = tokio::net::TcpListener::bind(args.bind).await.with_context(|| format!("binding {}", args.bind))?;
        config.trusted_proxies = args.trust_proxy.clone();
        config.public_url =
            args.public_url.clone().unwrap_or_else(|| format!("http://{}", bound.local_addr().unwrap_or(args.bind)));
        config.smtp = args.smtp.config();
        config.oscar_private_network = args.oscar_private_network;
        listener = Some(bound);
    }
    if let Command::Oscar(OscarCommand::Connect { public_url, .. } | OscarCommand::Status { public_url, .. }) =
        &cli.command
    {
        config.public_url = public_url.clone();
    }
    let app = App::open(&config).await?;
    match cli.command {
        Command::Serve(_) => serve(app, listener.expect("bound above")).await,
        Command::Clinic(cmd) => clinic(&app, cmd).await,
        Command::Staff(cmd) => staff_command(&app, cmd).await,
        Command::Oscar(cmd) => oscar_command(&app, cmd).await,
        Command::SeedDemo(args) => seed_demo(&app, &config, args).await,
        Command::Backup { .. } => unreachable!("handled before opening the database"),
    }
}

/// The clinic admin an `oscar` command acts as.
async fn admin_actor(app: &App, clinic: &str, email: &str) -> Result<Actor> {
    let clinic_id = clinic_id(app, clinic).await?;
    let s =
        staff::by_email(app.state.db.read(), clinic_id, email).await?.with_context(|| format!("no staff {email}"))?;
    anyhow::ensure!(s.role == Role::Admin.as_str(), "{email} is not a clinic administrator");
    Ok(Actor::Staff { id: s.id, clinic_id })
}

async fn oscar_command(app: &App, cmd: OscarCommand) -> Result<()> {
    let oscar = &app.state.oscar;
    match cmd {
        OscarCommand::Connect { clinic, admin, base_url, client_key, client_secret, signature_method, .. } => {
            let actor = admin_actor(app, &clinic, &admin).await?;
            let url = oscar
                .connect(actor, &base_url, &client_key, Some(&client_secret), signature_method.as_deref())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("Register this URI for the REST client in Oscar: {}", oscar.callback_uri());
            println!("Now open this page, sign in to Oscar and choose Allow:");
            println!("{url}");
        }
        OscarCommand::Status { clinic, .. } => {
            let s = oscar.status(clinic_id(app, &clinic).await?).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{}", serde_json::to_string_pretty(&s)?);
        }
        OscarCommand::Disconnect { clinic, admin } => {
            oscar.disconnect(admin_actor(app, &clinic, &admin).await?).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("disconnected");
        }
    }
    Ok(())
}

async fn serve(app: App, listener: tokio::net::TcpListener) -> Result<()> {
    let addr = listener.local_addr()?;
    app.start_chores();
    let router = http::router(app.state.clone());
    // Tests and build.sh read this line.
    println!("cortico-service listening on http://{addr}");
    std::io::stdout().flush()?;
    tracing::info!(%addr, "serving");
    http::serve(listener, router, app.shutdown, shutdown_signal()).await?;
    app.state.db.flush().await.ok();
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}

fn now(app: &App) -> i64 {
    app.state.clock.now()
}

async fn clinic_id(app: &App, slug: &str) -> Result<i64> {
    Ok(clinics::by_slug(app.state.db.read(), slug).await?.with_context(|| format!("no clinic named '{slug}'"))?.id)
}

async fn clinic(app: &App, cmd: ClinicCommand) -> Result<()> {
    match cmd {
        ClinicCommand::Create { slug, name } => {
            let c = clinics::create(&app.state.db, &slug, &name, now(app)).await?;
            println!("created clinic '{}' ({})", c.slug, c.name);
        }
        ClinicCommand::Set { slug, patient_initiated, time_zone } => {
            let id = clinic_id(app, &slug).await?;
            if let Some(on) = patient_initiated {
                clinics::set_patient_initiated(&app.state.db, id, matches!(on, OnOff::On)).await?;
                println!("patient-initiated conversations: {}", if matches!(on, OnOff::On) { "on" } else { "off" });
            }
            if let Some(zone) = time_zone {
                clinics::set_time_zone(&app.state.db, id, &zone).await?;
                println!("time zone: {zone}");
            }
        }
    }
    Ok(())
}

fn new_password() -> String {
    Alphanumeric.sample_string(&mut rand::rngs::OsRng, 16)
}

async fn staff_command(app: &App, cmd: StaffCommand) -> Result<()> {
    match cmd {
        StaffCommand::Create { clinic, email, name, role, provider_no, password } => {
            let clinic_id = clinic_id(app, &clinic).await?;
            let generated = password.is_none();
            let password = password.unwrap_or_else(new_password);
            let role = match role {
                RoleArg::Doctor => Role::Doctor,
                RoleArg::Moa => Role::Moa,
                RoleArg::Admin => Role::Admin,
            };
            let new = staff::NewStaff { clinic_id, email, name, role, provider_no, password: password.clone() };
            let s = staff::create(&app.state.db, new, now(app)).await?;
            println!("created {} ({}) in '{clinic}'", s.email, s.role);
            if generated {
                println!("password: {password}");
            }
        }
        StaffCommand::Disable { clinic, email } => {
            staff::set_disabled(&app.state.db, clinic_id(app, &clinic).await?, &email, true, now(app)).await?;
            println!("disabled {email}; their sessions are ended");
        }
        StaffCommand::Enable { clinic, email } => {
            staff::set_disabled(&app.state.db, clinic_id(app, &clinic).await?, &email, false, now(app)).await?;
            println!("enabled {email}");
        }
        StaffCommand::ResetPassword { clinic, email, password } => {
            let generated = password.is_none();
            let password = password.unwrap_or_else(new_password);
            staff::reset_password(&app.state.db, clinic_id(app, &clinic).await?, &email, password.clone(), now(app))
                .await?;
            println!("new password set for {email}; their sessions are ended");
            if generated {
                println!("password: {password}");
            }
        }
    }
    Ok(())
}

/// The demo accounts: (email, name, role, Oscar provider number).
const DEMO_STAFF: [(&str, &str, Role, &str); 3] = [
    ("helen.marchetti@lakeshore.example", "Dr. Helen Marchetti", Role::Doctor, "100001"),
    ("lucy.tremblay@lakeshore.example", "Lucy Tremblay", Role::Moa, "100090"),
    ("admin@lakeshore.example", "Clinic Administrator", Role::Admin, ""),
];

/// Seeds the demo clinic. Passwords are generated once and kept in
/// `<data-dir>/demo-accounts.txt` so every run prints the same ones.
async fn seed_demo(app: &App, config: &AppConfig, args: SeedDemoArgs) -> Result<()> {
    let db = &app.state.db;
    let clinic_id = match clinics::create(db, &args.slug, "Lakeshore Family Health", now(app)).await {
        Ok(c) => c.id,
        Err(StoreError::Conflict(_)) => clinic_id(app, &args.slug).await?,
        Err(e) => return Err(e.into()),
    };
    clinics::set_patient_initiated(db, clinic_id, true).await?;
    let file = config.data_dir.join("demo-accounts.txt");
    let mut saved = std::fs::read_to_string(&file).unwrap_or_default();
    for (email, name, role, provider_no) in DEMO_STAFF {
        let known = saved.lines().find_map(|l| l.strip_prefix(&format!("{email} ")).map(str::to_owned));
        let password = known.clone().unwrap_or_else(new_password);
        let new = staff::NewStaff {
            clinic_id,
            email: email.into(),
            name: name.into(),
            role,
            provider_no: Some(provider_no.to_owned()).filter(|p| !p.is_empty()),
            password: password.clone(),
        };
        match staff::create(db, new, now(app)).await {
            Ok(_) | Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
        if known.is_none() {
            // The account may predate the file: make the saved password true.
            staff::reset_password(db, clinic_id, email, password.clone(), now(app)).await?;
            saved.push_str(&format!("{email} {password}\n"));
        }
        println!("demo {:<6} {email:<36} password {password}", role.as_str());
    }
    // It holds passwords.
    cortico_service::private::write(&file, saved.as_bytes()).with_context(|| format!("writing {}", file.display()))?;
    println!("demo clinic name: {}", args.slug);
    Ok(())
}
