//! Dates as Oscar's serializers write them. The simulated JVM runs at a fixed
//! UTC offset (`SimConfig::utc_offset_minutes`, no daylight saving), so
//! "local midnight" is a definite instant.

use serde_json::{json, Value};

use crate::date::Date;
use crate::server::SimState;

/// Epoch milliseconds of `date` at `minutes` past local midnight.
pub(super) fn local_ms(state: &SimState, date: Date, minutes: u32) -> i64 {
    let local_secs = date.days_since_epoch() * 86_400 + i64::from(minutes) * 60;
    (local_secs - i64::from(state.config.utc_offset_minutes) * 60) * 1000
}

/// The local calendar date and minutes past midnight of an epoch-ms instant.
pub(super) fn local_date_time(state: &SimState, ms: i64) -> (Date, u32) {
    let local_secs = ms.div_euclid(1000) + i64::from(state.config.utc_offset_minutes) * 60;
    let date = Date::from_days_since_epoch(local_secs.div_euclid(86_400)).unwrap_or(state.config.date);
    (date, (local_secs.rem_euclid(86_400) / 60) as u32)
}

/// json-lib's bean dump of a `java.util.Date` (deprecated getters: `month`
/// 0-based, `year` since 1900, `day` the weekday, `timezoneOffset` minutes
/// west of UTC).
pub(super) fn json_lib_date(state: &SimState, ms: i64) -> Value {
    let (date, minutes) = local_date_time(state, ms);
    json!({
        "date": date.day,
        "day": date.weekday(),
        "hours": minutes / 60,
        "minutes": minutes % 60,
        "month": date.month - 1,
        "seconds": ms.div_euclid(1000).rem_euclid(60),
        "time": ms,
        "timezoneOffset": -state.config.utc_offset_minutes,
        "year": date.year - 1900,
    })
}

/// Java's `SimpleDateFormat("hh:mm aa")`: `09:00 AM`, `12:30 PM`.
pub(super) fn hh_mm_am_pm(hour: u32, minute: u32) -> String {
    let suffix = if hour < 12 { "AM" } else { "PM" };
    let hour12 = match hour % 12 {
        0 => 12,
        h => h,
    };
    format!("{hour12:02}:{minute:02} {suffix}")
}

/// Oscar's `age` object: whole years, then months, then days since the last
/// monthly anniversary of the birth date.
pub(super) fn age(dob: Date, today: Date) -> Value {
    let years = dob.years_until(today);
    let mut months = (today.year - dob.year) * 12 + today.month as i32 - dob.month as i32;
    if today.day < dob.day {
        months -= 1;
    }
    let months = months.max(0);
    let anniversary = Date::from_lenient(i64::from(dob.year), i64::from(dob.month) + i64::from(months), 1)
        .map(|first| first.add_days(dob.day.min(first.days_in_month()) as i32 - 1))
        .unwrap_or(today);
    let days = (today.days_since_epoch() - anniversary.days_since_epoch()).max(0);
    json!({ "years": years, "months": months as u32 % 12, "days": days })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_hour_times() {
        assert_eq!(hh_mm_am_pm(9, 0), "09:00 AM");
        assert_eq!(hh_mm_am_pm(12, 30), "12:30 PM");
        assert_eq!(hh_mm_am_pm(0, 5), "12:05 AM");
        assert_eq!(hh_mm_am_pm(14, 0), "02:00 PM");
    }

    #[test]
    fn age_counts_years_months_days() {
        let age = age(Date::new(1984, 5, 7), Date::new(2026, 3, 2));
        assert_eq!(age, json!({"years": 41, "months": 9, "days": 23}));
    }
}
