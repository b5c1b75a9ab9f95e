//! The simulated clinic: providers, patients and appointments, with the name
//! formats Oscar prints on its pages.
//!
//! Everything here is synthetic. The seeded data ([`Clinic::demo`],
//! [`Clinic::with_load`]) lives in `clinic/seed.rs`; health card numbers come
//! from [`hin`].

pub mod hin;
mod seed;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::date::Date;

/// Which Oscar the simulator imitates.
///
/// JSON: `"classic"` or `"openo"`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Variant {
    /// OSCAR 19 as shipped by McMaster (`scoophealth/oscar`): relative `../`
    /// links, the e-chart rendered at `casemgmt/forward.jsp`.
    #[default]
    Classic,
    /// The Open-O fork: absolute `<ctx>/` links, `forward.jsp` redirects to
    /// `CaseManagementEntry.do`, a different e-chart header.
    OpenO,
}

impl Variant {
    /// The name used in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Classic => "classic",
            Self::OpenO => "openo",
        }
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A variant name that is neither `classic` nor `openo`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownVariant(pub String);

impl fmt::Display for UnknownVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown Oscar variant {:?} (expected \"classic\" or \"openo\")", self.0)
    }
}

impl std::error::Error for UnknownVariant {}

impl FromStr for Variant {
    type Err = UnknownVariant;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "classic" | "oscar" | "oscar19" => Ok(Self::Classic),
            "openo" | "open-o" | "open_o" => Ok(Self::OpenO),
            _ => Err(UnknownVariant(s.to_owned())),
        }
    }
}

/// What a provider does; only doctors get a schedule column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderRole {
    /// A physician with appointments.
    Doctor,
    /// Front desk (an MOA): can sign in, has no schedule.
    Receptionist,
}

/// An Oscar user (`provider` table).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provider {
    /// Oscar's `provider_no`, e.g. `"100001"`.
    pub provider_no: String,
    /// Given name, as stored (mixed case).
    pub first_name: String,
    /// Family name, as stored.
    pub last_name: String,
    /// Doctor or receptionist.
    pub role: ProviderRole,
}

impl Provider {
    /// `First Last`, Oscar's `Provider.getFullName()` (schedule column headers).
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    /// `Last, First`, Oscar's `Provider.getFormattedName()`.
    pub fn formatted_name(&self) -> String {
        format!("{}, {}", self.last_name, self.first_name)
    }
}

/// A patient (`demographic` table). Names are stored upper case, as most
/// Oscar clinics type them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Patient {
    /// Oscar's `demographic_no`.
    pub demographic_no: u32,
    /// Given name(s), as stored.
    pub first_name: String,
    /// Family name, as stored.
    pub last_name: String,
    /// `"M"` or `"F"`.
    pub sex: String,
    /// Date of birth.
    pub dob: Date,
    /// Health card number: 10 digits, Luhn-valid (Ontario).
    pub hin: String,
    /// Health card version code, e.g. `"AB"`.
    pub hin_version: String,
    /// Province of the health card, `"ON"`.
    pub hc_type: String,
    /// Email address; empty when the patient gave none.
    pub email: String,
    /// Home phone, e.g. `"905-555-0142"`.
    pub phone: String,
    /// Cell phone; empty when unknown.
    pub cell_phone: String,
}

impl Patient {
    /// The classic schedule's link text: `Last,First` case-folded by Oscar's
    /// `UtilMisc.toUpperLowerCase`, e.g. `Smith,John`.
    pub fn display_name_schedule(&self) -> String {
        self.display_name_schedule_for(Variant::Classic)
    }

    /// The schedule link text for a variant: `Smith,John` (classic) or
    /// `Smith, John` (Open-O, which also adds a space).
    pub fn display_name_schedule_for(&self, variant: Variant) -> String {
        match variant {
            Variant::Classic => to_upper_lower_case(&format!("{},{}", self.last_name, self.first_name)),
            Variant::OpenO => {
                format!("{}, {}", to_upper_lower_case(&self.last_name), to_upper_lower_case(&self.first_name))
            }
        }
    }

    /// The e-chart header's name, `LAST, FIRST` as stored (upper case here).
    pub fn echart_name(&self) -> String {
        format!("{}, {}", self.last_name, self.first_name)
    }

    /// Age in whole years on `on`.
    pub fn age_on(&self, on: Date) -> u32 {
        self.dob.years_until(on)
    }
}

/// Oscar's `UtilMisc.toUpperLowerCase`: lower-cases everything, then
/// capitalises each letter that follows a non-letter (`O'REILLY` → `O'Reilly`,
/// `SMITH,JOHN` → `Smith,John`).
pub fn to_upper_lower_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut capitalise = true;
    for c in s.trim().chars() {
        if capitalise {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        capitalise = !c.is_alphabetic();
    }
    out
}

/// One booked slot (`appointment` table).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    /// Oscar's `appointment_no`.
    pub appointment_no: u32,
    /// The provider whose schedule holds it.
    pub provider_no: String,
    /// The day.
    pub date: Date,
    /// Start hour, 0–23.
    pub start_hour: u32,
    /// Start minute, 0–59.
    pub start_minute: u32,
    /// Length in minutes.
    pub duration_min: u32,
    /// The patient; 0 for a block that is not a patient (a meeting, lunch).
    pub demographic_no: u32,
    /// The appointment's name: `Last,First` for patients, as Oscar stores it,
    /// or free text such as `STAFF MEETING`.
    pub name: String,
    /// The reason typed when booking.
    pub reason: String,
    /// Oscar status code: `t` to do, `H` here, `P` picked, `B` billed, ….
    pub status: String,
}

impl Appointment {
    /// Minutes from midnight to the start.
    pub fn start_minutes(&self) -> u32 {
        self.start_hour * 60 + self.start_minute
    }

    /// Minutes from midnight to the last minute of the appointment: Oscar
    /// stores a 15-minute 9:00 appointment as ending at 9:14.
    pub fn end_minutes(&self) -> u32 {
        self.start_minutes() + self.duration_min.max(1) - 1
    }

    /// True when the appointment is with a patient.
    pub fn is_patient(&self) -> bool {
        self.demographic_no != 0
    }
}

/// The whole simulated clinic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clinic {
    /// The clinic's name.
    pub name: String,
    /// The simulated "today": the day the data was seeded for. Ages, the
    /// "Today" link and the e-chart's next appointment are computed against it,
    /// which keeps pages deterministic.
    pub today: Date,
    /// Doctors and front-desk staff.
    pub providers: Vec<Provider>,
    /// Patients, by increasing demographic number.
    pub patients: Vec<Patient>,
    /// Appointments, by increasing appointment number.
    pub appointments: Vec<Appointment>,
}

impl Clinic {
    /// The patient with this demographic number.
    pub fn patient(&self, demographic_no: u32) -> Option<&Patient> {
        self.patients.iter().find(|p| p.demographic_no == demographic_no)
    }

    /// The provider with this provider number.
    pub fn provider(&self, provider_no: &str) -> Option<&Provider> {
        self.providers.iter().find(|p| p.provider_no == provider_no)
    }

    /// The appointment with this number.
    pub fn appointment(&self, appointment_no: u32) -> Option<&Appointment> {
        self.appointments.iter().find(|a| a.appointment_no == appointment_no)
    }

    /// The doctors, in the order their schedule columns appear.
    pub fn doctors(&self) -> impl Iterator<Item = &Provider> {
        self.providers.iter().filter(|p| p.role == ProviderRole::Doctor)
    }

    /// A provider's appointments on a day, by start time then number.
    pub fn appointments_on(&self, date: Date, provider_no: &str) -> Vec<&Appointment> {
        let mut found: Vec<&Appointment> =
            self.appointments.iter().filter(|a| a.date == date && a.provider_no == provider_no).collect();
        found.sort_by_key(|a| (a.start_minutes(), a.appointment_no));
        found
    }

    /// The patient's most responsible provider: the doctor of their first
    /// appointment, else the first doctor. (The seed has no separate MRP field.)
    pub fn mrp_of(&self, demographic_no: u32) -> Option<&Provider> {
        self.appointments
            .iter()
            .filter(|a| a.demographic_no == demographic_no)
            .min_by_key(|a| (a.date, a.start_minutes()))
            .and_then(|a| self.provider(&a.provider_no))
            .or_else(|| self.doctors().next())
    }

    /// The patient's first appointment on or after [`Clinic::today`].
    pub fn next_appointment(&self, demographic_no: u32) -> Option<&Appointment> {
        self.appointments
            .iter()
            .filter(|a| a.demographic_no == demographic_no && a.date >= self.today)
            .min_by_key(|a| (a.date, a.start_minutes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_names_are_case_folded_like_oscar() {
        assert_eq!(to_upper_lower_case("SMITH,JOHN"), "Smith,John");
        assert_eq!(to_upper_lower_case("O'REILLY,SEAN"), "O'Reilly,Sean");
        assert_eq!(to_upper_lower_case("LAFLEUR,MARIE-CLAIRE"), "Lafleur,Marie-Claire");
        assert_eq!(to_upper_lower_case("STAFF MEETING"), "Staff Meeting");
    }

    #[test]
    fn variant_parses_from_cli_and_json_names() {
        assert_eq!("classic".parse::<Variant>(), Ok(Variant::Classic));
        assert_eq!("OpenO".parse::<Variant>(), Ok(Variant::OpenO));
        assert_eq!("open-o".parse::<Variant>(), Ok(Variant::OpenO));
        assert!("juno".parse::<Variant>().is_err());
        assert_eq!(serde_json::to_string(&Variant::OpenO).unwrap(), "\"openo\"");
    }

    #[test]
    fn an_appointment_ends_on_its_last_minute() {
        let clinic = Clinic::demo(Date::new(2026, 3, 2));
        let appt = &clinic.appointments[0];
        assert_eq!(appt.end_minutes() - appt.start_minutes() + 1, appt.duration_min);
    }
}
