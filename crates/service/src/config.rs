//! Command-line and environment configuration.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub mod redact;

/// The Cortico messaging service and its admin commands.
#[derive(Parser)]
#[command(name = "cortico-service", version, about)]
pub struct Cli {
    /// Where the database (SQLite), attachments and the secret key live.
    #[arg(long, env = "CORTICO_DATA_DIR", default_value = "cortico-data", global = true)]
    pub data_dir: PathBuf,
    /// Database URL; defaults to the SQLite file `<data-dir>/cortico.db`.
    /// (`postgres://` URLs are refused until the Postgres backend exists.)
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl std::fmt::Debug for Cli {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cli")
            .field("data_dir", &self.data_dir)
            .field("database_url", &self.database_url.as_deref().map(redact::Url))
            .field("command", &self.command)
            .finish()
    }
}

impl Cli {
    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", self.data_dir.join("cortico.db").display()))
    }
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the service.
    Serve(ServeArgs),
    /// Manage clinics.
    #[command(subcommand)]
    Clinic(ClinicCommand),
    /// Manage staff accounts.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Connect a clinic's Oscar (OAuth 1.0a REST client).
    #[command(subcommand)]
    Oscar(OscarCommand),
    /// Copy the database, attachments and secret key to a new directory,
    /// consistently, while the service runs.
    Backup {
        /// Where the copy goes (a new or empty directory).
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// Create the demo clinic and accounts (idempotent); prints the passwords.
    SeedDemo(SeedDemoArgs),
}

/// `serve` options.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "CORTICO_BIND", default_value = "127.0.0.1:8470")]
    pub bind: SocketAddr,
    /// The reverse proxies in front of the service: IP addresses or CIDR
    /// ranges, comma-separated (e.g. `10.0.0.0/8,192.0.2.7`). A request from
    /// one of them is taken to come from the right-most address of its
    /// `X-Forwarded-For` that is not a proxy too; the header is ignored on
    /// requests from anywhere else.
    #[arg(long, env = "CORTICO_TRUST_PROXY", value_delimiter = ',', value_parser = crate::http::client_ip::parse_proxy)]
    pub trust_proxy: Vec<ipnet::IpNet>,
    /// Reader connections to the database.
    #[arg(long, env = "CORTICO_READ_CONNECTIONS", default_value_t = 8)]
    pub read_connections: u32,
    /// The address patients reach this service at, for the links in their
    /// emails (e.g. `https://messages.clinic.example`). Defaults to the bind address.
    #[arg(long, env = "CORTICO_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Let clinic admins connect an Oscar on a private network (10/8,
    /// 172.16/12, 192.168/16, fc00::/7, link-local). Off by default, so the
    /// service cannot be pointed at the hosting network's internal servers.
    #[arg(long, env = "CORTICO_OSCAR_PRIVATE_NETWORK")]
    pub oscar_private_network: bool,
    /// Email relay (notifications and one-time codes).
    #[command(flatten)]
    pub smtp: SmtpArgs,
}

/// SMTP relay options. Without `--smtp-host`, notifications wait in the
/// outbox until a relay is configured.
#[derive(Args)]
pub struct SmtpArgs {
    /// Relay host name.
    #[arg(long, env = "CORTICO_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// Relay port.
    #[arg(long, env = "CORTICO_SMTP_PORT", default_value_t = 587)]
    pub smtp_port: u16,
    /// Connection security.
    #[arg(long, env = "CORTICO_SMTP_TLS", value_enum, default_value = "starttls")]
    pub smtp_tls: crate::notify::email::SmtpTls,
    /// User name at the relay.
    #[arg(long, env = "CORTICO_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    /// Password at the relay.
    #[arg(long, env = "CORTICO_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// The From address of notifications.
    #[arg(long, env = "CORTICO_SMTP_FROM", default_value = "Cortico <no-reply@localhost>")]
    pub smtp_from: String,
}

impl std::fmt::Debug for SmtpArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpArgs")
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_tls", &self.smtp_tls)
            .field("smtp_username", &self.smtp_username)
            .field("smtp_password", &redact::Secret(&self.smtp_password))
            .field("smtp_from", &self.smtp_from)
            .finish()
    }
}

impl SmtpArgs {
    /// The relay settings, when a relay is configured.
    pub fn config(&self) -> Option<crate::notify::email::SmtpConfig> {
        Some(crate::notify::email::SmtpConfig {
            host: self.smtp_host.clone()?,
            port: self.smtp_port,
            tls: self.smtp_tls,
            username: self.smtp_username.clone(),
            password: self.smtp_password.clone(),
            from: self.smtp_from.clone(),
        })
    }
}

/// `clinic …`.
#[derive(Debug, Subcommand)]
pub enum ClinicCommand {
    /// Create a clinic.
    Create {
        /// The short name staff type at sign-in (e.g. `medicalclinic`).
        #[arg(long)]
        slug: String,
        /// The display name.
        #[arg(long)]
        name: String,
    },
    /// Change a clinic's settings.
    Set {
        /// The clinic.
        #[arg(long)]
        slug: String,
        /// May patients start conversations from the portal?
        #[arg(long)]
        patient_initiated: Option<OnOff>,
        /// Time zone of the times patients see, e.g. `America/Vancouver`.
        #[arg(long)]
        time_zone: Option<String>,
    },
}

/// `oscar` commands.
#[derive(Debug, Subcommand)]
pub enum OscarCommand {
    /// Start connecting: prints the Oscar page where a provider authorises
    /// the service; the running service completes it when Oscar calls back.
    Connect {
        /// The clinic.
        #[arg(long)]
        clinic: String,
        /// The clinic administrator doing this (email), for the audit log.
        #[arg(long)]
        admin: String,
        /// Oscar's address with its context path, e.g. `https://emr.clinic.ca/oscar`.
        #[arg(long)]
        base_url: String,
        /// The REST client's key (Oscar: Administration > Integration > REST Clients).
        #[arg(long)]
        client_key: String,
        /// The REST client's secret.
        #[arg(long, env = "CORTICO_OSCAR_CLIENT_SECRET", hide_env_values = true)]
        client_secret: String,
        /// `HMAC-SHA1` (default) or `PLAINTEXT` (https only).
        #[arg(long)]
        signature_method: Option<String>,
        /// The address the running service is reached at (Oscar calls back under it).
        #[arg(long, env = "CORTICO_PUBLIC_URL", default_value = "http://127.0.0.1:8470")]
        public_url: String,
    },
    /// Show where the connection stands.
    Status {
        /// The clinic.
        #[arg(long)]
        clinic: String,
        /// The address the running service is reached at (for the callback shown).
        #[arg(long, env = "CORTICO_PUBLIC_URL", default_value = "http://127.0.0.1:8470")]
        public_url: String,
    },
    /// Forget the connection.
    Disconnect {
        /// The clinic.
        #[arg(long)]
        clinic: String,
        /// The clinic administrator doing this (email), for the audit log.
        #[arg(long)]
        admin: String,
    },
}

/// `on` or `off`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum OnOff {
    /// On.
    On,
    /// Off.
    Off,
}

/// A staff role on the command line.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum RoleArg {
    /// Doctor or other provider.
    Doctor,
    /// Medical office assistant.
    Moa,
    /// Clinic administrator.
    Admin,
}

/// `staff …`.
#[derive(Debug, Subcommand)]
pub enum StaffCommand {
    /// Create a staff account; prints a generated password unless one is given.
    Create {
        /// The clinic.
        #[arg(long)]
        clinic: String,
        /// Email (the sign-in name).
        #[arg(long)]
        email: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// Role.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Oscar provider number.
        #[arg(long)]
        provider_no: Option<String>,
        /// Password (read from `CORTICO_PASSWORD` if set; generated otherwise).
        #[arg(long, env = "CORTICO_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// Disable an account and end its sessions.
    Disable {
        /// The clinic.
        #[arg(long)]
        clinic: String,
        /// Email.
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled account.
    Enable {
        /// The clinic.
        #[arg(long)]
        clinic: String,
        /// Email.
        #[arg(long)]
        email: String,
    },
    /// Set a new password (generated unless given) and end the account's sessions.
    ResetPassword {
        /// The clinic.
        #[arg(long)]
        clinic: String,
        /// Email.
        #[arg(long)]
        email: String,
        /// The new password (read from `CORTICO_PASSWORD` if set).
        #[arg(long, env = "CORTICO_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}

/// `seed-demo` options.
#[derive(Debug, Args)]
pub struct SeedDemoArgs {
    /// The demo clinic's short name.
    #[arg(long, default_value = "medicalclinic")]
    pub slug: String,
}
