//! Sends the notification outbox: claims due notifications, makes the link
//! or one-time code each one carries, and hands it to the transport of its
//! channel. Failures are retried with backoff; nothing is lost while a relay
//! is down, and staff never wait for it.

pub mod email;
pub mod sms;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Notify;

use crate::clock::Clock;
use crate::crypto;
use crate::db::Db;
use crate::store::notifications::{self, Due};
use crate::store::{clinics, patient_auth};

/// What a notification says. It never carries health information: only
/// the clinic's name and a link, or a code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// "The clinic sent you a message": the link opens it.
    NewMessage {
        /// Clinic display name.
        clinic: String,
        /// The secure link.
        link: String,
    },
    /// The identity check's one-time code.
    Code {
        /// Clinic display name.
        clinic: String,
        /// Six digits.
        code: String,
    },
    /// Sent to the previous email address: the patient's contact or identity
    /// details changed (which ones, or to what, is not said).
    DetailsChanged {
        /// Clinic display name.
        clinic: String,
    },
}

/// A way to reach patients (email, SMS).
#[async_trait::async_trait]
pub trait Transport: Send + Sync {
    /// Sends `content` to `recipient`; an error is retried later.
    async fn send(&self, recipient: &str, content: &Content) -> Result<(), String>;
}

/// The transports configured for this instance.
#[derive(Clone, Default)]
pub struct Transports {
    /// Email (SMTP).
    pub email: Option<Arc<dyn Transport>>,
    /// SMS, when a gateway is configured.
    pub sms: Option<Arc<dyn Transport>>,
}

/// Wakes the worker when something is queued, so sends go out at once.
#[derive(Clone, Default)]
pub struct Waker(Arc<Notify>);

impl Waker {
    /// Something was queued.
    pub fn wake(&self) {
        self.0.notify_one();
    }
}

/// The worker's settings.
#[derive(Clone)]
pub struct Notifier {
    /// Database.
    pub db: Db,
    /// Transports.
    pub transports: Transports,
    /// Base URL of the portal links (`https://host`).
    pub public_url: String,
    /// "Now".
    pub clock: Clock,
    /// Wake-ups.
    pub waker: Waker,
}

/// How often the outbox is checked without a wake-up (retries come due).
const POLL: Duration = Duration::from_secs(5);

impl Notifier {
    /// Runs until the process ends.
    pub async fn run(self) {
        loop {
            match self.send_due().await {
                Ok(0) => {}
                // More may be waiting: go again at once.
                Ok(_) => continue,
                Err(err) => tracing::warn!(error = %err, "notification outbox could not be read"),
            }
            tokio::select! {
                () = self.waker.0.notified() => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }

    /// Sends what is due; returns how many were tried.
    pub async fn send_due(&self) -> crate::db::Result<usize> {
        let due = notifications::claim(&self.db, self.clock.now(), 20).await?;
        let n = due.len();
        for d in due {
            self.send_one(d).await;
        }
        Ok(n)
    }

    async fn send_one(&self, due: Due) {
        let transport = match due.channel.as_str() {
            "email" => self.transports.email.clone(),
            _ => self.transports.sms.clone(),
        };
        let Some(transport) = transport else {
            let why = format!("no {} transport is configured", due.channel);
            tracing::warn!(notification = due.id, channel = %due.channel, "notification not sent: {why}");
            // Keep it pending: configuring the transport later sends it.
            let _ = notifications::retry_later(&self.db, &due, why, self.clock.now()).await;
            return;
        };
        let content = match self.content(&due).await {
            Ok(c) => c,
            Err(err) => {
                let _ = notifications::retry_later(&self.db, &due, err.to_string(), self.clock.now()).await;
                return;
            }
        };
        match transport.send(&due.recipient, &content).await {
            Ok(()) => {
                let (id, now) = (due.id, self.clock.now());
                let stored =
                    self.db.write(move |w| Box::pin(async move { notifications::sent(w, id, now).await })).await;
                if let Err(err) = stored {
                    tracing::warn!(notification = due.id, error = %err, "sent, but could not record it");
                }
                tracing::info!(notification = due.id, kind = %due.kind, channel = %due.channel, "notification sent");
            }
            Err(err) => {
                tracing::warn!(notification = due.id, attempt = due.attempts, error = %err, "notification not sent; will retry");
                let _ = notifications::retry_later(&self.db, &due, err, self.clock.now()).await;
            }
        }
    }

    /// Makes the link or the code now, so neither is stored in clear.
    async fn content(&self, due: &Due) -> crate::db::Result<Content> {
        let clinic = clinics::by_id(self.db.read(), due.clinic_id).await?.name;
        let (patient_id, conversation_id, now) = (due.patient_id, due.conversation_id, self.clock.now());
        if due.kind == "details_changed" {
            return Ok(Content::DetailsChanged { clinic });
        }
        if due.kind == "code" {
            let code_id = due
                .code_id
                .ok_or_else(|| crate::db::StoreError::Rejected("a code notification without its code".into()))?;
            let code = crypto::six_digit_code();
            let hash = crypto::hash_password_limited(code.clone())
                .await
                .map_err(|_| crate::db::StoreError::Rejected("hashing failed".into()))?;
            self.db
                .write(move |w| Box::pin(async move { patient_auth::store_code(w, code_id, hash, now).await }))
                .await?;
            return Ok(Content::Code { clinic, code });
        }
        let token = self
            .db
            .write(move |w| {
                Box::pin(async move { patient_auth::create_link(w, patient_id, conversation_id, now).await })
            })
            .await?;
        Ok(Content::NewMessage { clinic, link: format!("{}/p/{token}", self.public_url.trim_end_matches('/')) })
    }
}
