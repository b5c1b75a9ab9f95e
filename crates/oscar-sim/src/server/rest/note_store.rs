//! Encounter notes saved through `POST /ws/services/notes/{n}/save`, kept in
//! memory per patient (`GET /__sim/notes/{n}`, and the e-chart's note list).

use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

/// Note ids start here, above the e-chart's synthetic ones.
const FIRST_NOTE_ID: u64 = 900_001;

/// One saved note revision.
///
/// JSON: `{"noteId","uuid","revision","demographicNo","note","isSigned",
/// "isVerified","encounterType","providerNo","providerName",
/// "signingProviderNo","appointmentNo","observationDate","updateDate"}`
/// (dates in epoch ms).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavedNote {
    /// `casemgmt_note.note_id`, unique per revision.
    pub note_id: u64,
    /// Stays the same across revisions of one note.
    pub uuid: String,
    /// 1 for a new note, then +1 per save with the same `uuid`.
    pub revision: u32,
    /// The patient.
    pub demographic_no: u32,
    /// The text, trimmed.
    pub note: String,
    /// Signed by the OAuth provider.
    pub is_signed: bool,
    /// `isVerified` as sent (false when absent).
    pub is_verified: bool,
    /// e.g. `"email encounter with client"`.
    pub encounter_type: Option<String>,
    /// The OAuth provider, who wrote it.
    pub provider_no: String,
    /// `Last, First` of that provider.
    pub provider_name: String,
    /// Who signed it (the OAuth provider), when signed.
    pub signing_provider_no: Option<String>,
    /// The appointment it is linked to.
    pub appointment_no: Option<u32>,
    /// When the encounter happened (never in the future).
    pub observation_date: i64,
    /// When it was saved.
    pub update_date: i64,
}

/// The saved notes of every patient, in save order.
#[derive(Debug, Default)]
pub struct NoteStore {
    notes: Mutex<Vec<SavedNote>>,
}

impl NoteStore {
    /// Saves a revision: gives it the next note id, and the next revision
    /// number of its `uuid` (1 when the uuid is new).
    pub fn save(&self, mut note: SavedNote) -> SavedNote {
        let mut notes = self.lock();
        note.note_id = FIRST_NOTE_ID + notes.len() as u64;
        note.revision = 1 + notes
            .iter()
            .filter(|n| n.uuid == note.uuid && n.demographic_no == note.demographic_no)
            .map(|n| n.revision)
            .max()
            .unwrap_or(0);
        notes.push(note.clone());
        note
    }

    /// Every saved revision for a patient, oldest first.
    pub fn for_patient(&self, demographic_no: u32) -> Vec<SavedNote> {
        self.lock().iter().filter(|n| n.demographic_no == demographic_no).cloned().collect()
    }

    /// The latest revision of each note of a patient, oldest note first.
    pub fn latest_for_patient(&self, demographic_no: u32) -> Vec<SavedNote> {
        let all = self.for_patient(demographic_no);
        let mut latest: Vec<SavedNote> = Vec::new();
        for note in all {
            match latest.iter_mut().find(|n| n.uuid == note.uuid) {
                Some(existing) => *existing = note,
                None => latest.push(note),
            }
        }
        latest
    }

    fn lock(&self) -> MutexGuard<'_, Vec<SavedNote>> {
        self.notes.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(uuid: &str, text: &str) -> SavedNote {
        SavedNote {
            note_id: 0,
            uuid: uuid.into(),
            revision: 0,
            demographic_no: 1001,
            note: text.into(),
            is_signed: false,
            is_verified: false,
            encounter_type: None,
            provider_no: "100001".into(),
            provider_name: "Marchetti, Helen".into(),
            signing_provider_no: None,
            appointment_no: None,
            observation_date: 0,
            update_date: 0,
        }
    }

    #[test]
    fn revisions_share_a_uuid() {
        let store = NoteStore::default();
        let a = store.save(note("u1", "first"));
        let b = store.save(note("u1", "second"));
        let c = store.save(note("u2", "other"));
        assert_eq!((a.revision, b.revision, c.revision), (1, 2, 1));
        assert_ne!(a.note_id, b.note_id);
        assert_eq!(store.for_patient(1001).len(), 3);
        let latest: Vec<String> = store.latest_for_patient(1001).into_iter().map(|n| n.note).collect();
        assert_eq!(latest, ["second", "other"]);
        assert!(store.for_patient(1002).is_empty());
    }
}
