//! Keeping the service's copy of a patient's contact and identity details
//! in step with their Oscar record.

use cortico_protocol::api::PatientDetailsRequest;

use super::{Connector, ConnectorError, REFRESH_AFTER_MS};
use crate::store::patients::{self, Source};
use crate::store::Actor;

/// What a refresh did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refresh {
    /// Read from Oscar and stored.
    Updated,
    /// Read less than a day ago; nothing to do.
    Fresh,
    /// The clinic has not connected Oscar.
    NotConnected,
    /// Oscar has no patient with that number.
    NotInOscar,
}

impl Connector {
    /// Reads the patient's record from Oscar when the service's copy is
    /// missing or older than a day (or always, with `force`), and stores
    /// name, email, phone and the keyed hashes of health card number and
    /// date of birth. Creates the patient when new.
    pub async fn refresh_patient(
        &self,
        actor: Actor,
        demographic_no: u32,
        force: bool,
    ) -> Result<Refresh, ConnectorError> {
        let clinic_id = actor.clinic_id();
        let now = self.clock.now();
        let synced = patients::oscar_synced_at(self.db.read(), clinic_id, i64::from(demographic_no)).await?;
        if !force && synced.flatten().is_some_and(|at| now - at < REFRESH_AFTER_MS) {
            return Ok(Refresh::Fresh);
        }
        if !self.is_connected(clinic_id).await? {
            return Ok(Refresh::NotConnected);
        }
        let Some(d) = self.demographic(clinic_id, demographic_no).await? else {
            return Ok(Refresh::NotInOscar);
        };
        let req = PatientDetailsRequest {
            first_name: Some(d.first_name).filter(|f| !f.is_empty()),
            last_name: Some(d.last_name).filter(|l| !l.is_empty()),
            email: d.email,
            phone: d.phone,
            // A value Oscar holds but that does not parse (a health card
            // from elsewhere, say) is left out rather than failing the rest.
            health_card_number: d.hin.filter(|h| patients::valid_hin(h)),
            date_of_birth: d.date_of_birth,
        };
        // A changed email queues a notice to the previous address: the
        // caller's next notifier wake (or the worker's round) sends it.
        patients::update_details(&self.db, actor, i64::from(demographic_no), req, &self.key, now, Source::Oscar)
            .await?;
        Ok(Refresh::Updated)
    }
}
