//! Email through an SMTP relay (host, port, credentials and TLS mode from
//! the command line or environment).

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::{Content, Transport};

/// How the connection to the relay is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SmtpTls {
    /// Plain SMTP (a relay on the same machine or network).
    None,
    /// STARTTLS, required.
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

/// Relay settings (`Debug` hides the password).
#[derive(Clone)]
pub struct SmtpConfig {
    /// Relay host.
    pub host: String,
    /// Relay port.
    pub port: u16,
    /// TLS mode.
    pub tls: SmtpTls,
    /// User name, when the relay wants one.
    pub username: Option<String>,
    /// Password.
    pub password: Option<String>,
    /// The From address, e.g. `Lakeshore Family Health <no-reply@clinic.example>`.
    pub from: String,
}

impl std::fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &crate::config::redact::Secret(&self.password))
            .field("from", &self.from)
            .finish()
    }
}

/// Sends notifications as email.
pub struct EmailTransport {
    mailer: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl EmailTransport {
    /// Builds the transport; fails on a bad From address or TLS setup.
    pub fn new(config: &SmtpConfig) -> anyhow::Result<Self> {
        use anyhow::Context as _;
        let from: Mailbox = config.from.parse().context("--smtp-from is not an email address")?;
        let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&config.host).port(config.port);
        builder = match config.tls {
            SmtpTls::None => builder.tls(Tls::None),
            SmtpTls::Starttls => builder.tls(Tls::Required(TlsParameters::new(config.host.clone())?)),
            SmtpTls::Tls => builder.tls(Tls::Wrapper(TlsParameters::new(config.host.clone())?)),
        };
        if let (Some(user), Some(password)) = (&config.username, &config.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        let mailer = builder.timeout(Some(Duration::from_secs(15))).build();
        Ok(EmailTransport { mailer, from })
    }
}

/// Subject and body, in English and French (the clinic does not know which
/// the patient reads; both fit in one short email).
pub fn compose(content: &Content) -> (String, String) {
    match content {
        Content::NewMessage { clinic, link } => (
            format!("New secure message from {clinic} / Nouveau message sécurisé de {clinic}"),
            format!(
                "{clinic} sent you a secure message.\n\
                 Open it here: {link}\n\
                 For your privacy, the message itself is not in this email. You will be asked \
                 to confirm who you are before you can read it.\n\n\
                 ---\n\n\
                 {clinic} vous a envoyé un message sécurisé.\n\
                 Ouvrez-le ici : {link}\n\
                 Pour protéger votre vie privée, le message ne figure pas dans ce courriel. On vous \
                 demandera de confirmer votre identité avant de le lire.\n"
            ),
        ),
        Content::Code { clinic, code } => (
            format!("Your {clinic} verification code / Votre code de vérification"),
            format!(
                "Your verification code is {code}. It expires in 10 minutes.\n\
                 If you did not ask for it, you can ignore this email.\n\n\
                 ---\n\n\
                 Votre code de vérification est {code}. Il expire dans 10 minutes.\n\
                 Si vous ne l'avez pas demandé, ignorez ce courriel.\n\n\
                 {clinic}\n"
            ),
        ),
        Content::DetailsChanged { clinic } => (
            format!("Your details at {clinic} changed / Vos coordonnées chez {clinic} ont changé"),
            format!(
                "The contact or identity details {clinic} keeps for secure messages were changed, \
                 and you were signed out of the patient portal. If you did not ask for this, \
                 call the clinic.\n\n\
                 ---\n\n\
                 Les coordonnées ou les renseignements d'identité que {clinic} conserve pour la \
                 messagerie sécurisée ont été modifiés, et vous avez été déconnecté du portail. \
                 Si vous ne l'avez pas demandé, appelez la clinique.\n"
            ),
        ),
    }
}

#[async_trait::async_trait]
impl Transport for EmailTransport {
    async fn send(&self, recipient: &str, content: &Content) -> Result<(), String> {
        let to: Mailbox = recipient.parse().map_err(|e| format!("bad recipient address: {e}"))?;
        let (subject, body) = compose(content);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body)
            .map_err(|e| format!("could not build the email: {e}"))?;
        self.mailer.send(message).await.map(|_| ()).map_err(|e| format!("SMTP: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_email_has_the_link_and_no_health_information() {
        let (subject, body) =
            compose(&Content::NewMessage { clinic: "Lakeshore".into(), link: "https://x/p/abc".into() });
        assert!(subject.contains("Lakeshore"));
        assert!(body.contains("https://x/p/abc"));
        assert!(body.contains("message sécurisé"));
        let (_, code) = compose(&Content::Code { clinic: "Lakeshore".into(), code: "012345".into() });
        assert!(code.contains("012345") && code.contains("10 minutes"));
    }
}
