//! Calendar dates without time or time zone, as Oscar's schedule uses them.
//!
//! Day arithmetic goes through a day count since 1970-01-01 (Howard Hinnant's
//! `days_from_civil` / `civil_from_days`), so no date crate is needed and the
//! type builds for wasm32 too.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A day in the proleptic Gregorian calendar.
///
/// JSON: the string `"YYYY-MM-DD"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// The year, e.g. 2026.
    pub year: i32,
    /// The month, 1 to 12.
    pub month: u32,
    /// The day of the month, 1 to 31.
    pub day: u32,
}

impl Date {
    /// The date `year-month-day`.
    ///
    /// # Panics
    /// When the date does not exist; use [`Date::from_ymd`] for untrusted input.
    pub fn new(year: i32, month: u32, day: u32) -> Self {
        Self::from_ymd(year, month, day).unwrap_or_else(|| panic!("no such date: {year}-{month}-{day}"))
    }

    /// The date `year-month-day`, or `None` when it does not exist.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Self> {
        let valid = (1..=12).contains(&month) && day >= 1 && day <= month_length(year, month);
        valid.then_some(Self { year, month, day })
    }

    /// Reads the date the way Java's lenient `GregorianCalendar` does: a month
    /// or day out of range rolls over into the next or previous month.
    ///
    /// Oscar's schedule links say `day=0` or `day=32` for "previous/next day",
    /// so its pages rely on this.
    pub fn from_lenient(year: i64, month: i64, day: i64) -> Option<Self> {
        let months = year.checked_mul(12)?.checked_add(month.checked_sub(1)?)?;
        let (year, month0) = (months.div_euclid(12), months.rem_euclid(12));
        let first = Self::from_ymd(i32::try_from(year).ok()?, u32::try_from(month0 + 1).ok()?, 1)?;
        first.checked_add_days(day.checked_sub(1)?)
    }

    /// Parses `YYYY-MM-DD`; one-digit months and days (`2026-3-2`) are accepted
    /// because Oscar prints dates that way too.
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.trim().split('-');
        let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || year.len() != 4 || !(1..=2).contains(&month.len()) || !(1..=2).contains(&day.len())
        {
            return None;
        }
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if !(digits(year) && digits(month) && digits(day)) {
            return None;
        }
        Self::from_ymd(year.parse().ok()?, month.parse().ok()?, day.parse().ok()?)
    }

    /// Days since 1970-01-01 (negative before).
    pub fn days_since_epoch(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// The date `days` days after 1970-01-01.
    pub fn from_days_since_epoch(days: i64) -> Option<Self> {
        let z = days.checked_add(719_468)?;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + i64::from(month <= 2);
        Some(Self { year: i32::try_from(year).ok()?, month: u32::try_from(month).ok()?, day: u32::try_from(day).ok()? })
    }

    /// The day of the week: 0 = Sunday … 6 = Saturday (Java's `DAY_OF_WEEK - 1`).
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday.
        (self.days_since_epoch() + 4).rem_euclid(7) as u32
    }

    /// The date `days` days later (earlier when negative).
    ///
    /// # Panics
    /// Only beyond the year ±2 billion.
    pub fn add_days(self, days: i32) -> Self {
        self.checked_add_days(i64::from(days)).expect("date out of range")
    }

    /// Like [`Date::add_days`], `None` past the representable range.
    pub fn checked_add_days(self, days: i64) -> Option<Self> {
        Self::from_days_since_epoch(self.days_since_epoch().checked_add(days)?)
    }

    /// The number of days in this date's month.
    pub fn days_in_month(self) -> u32 {
        month_length(self.year, self.month)
    }

    /// The Sunday that starts this date's week, as Oscar's week view counts weeks.
    pub fn week_start(self) -> Self {
        self.add_days(-(self.weekday() as i32))
    }

    /// Java's `Calendar.WEEK_OF_YEAR` for a Sunday-first, minimal-days-1 locale
    /// (en_CA): the week holding January 1st is week 1.
    pub fn week_of_year(self) -> u32 {
        let next_jan1 = Self::new(self.year + 1, 1, 1);
        if next_jan1.week_start() <= self {
            return 1;
        }
        let jan1 = Self::new(self.year, 1, 1);
        ((self.days_since_epoch() - jan1.week_start().days_since_epoch()) / 7 + 1) as u32
    }

    /// Whole years from `self` (a birth date) to `on`; 0 before the first birthday.
    pub fn years_until(self, on: Date) -> u32 {
        let mut years = on.year - self.year;
        if (on.month, on.day) < (self.month, self.day) {
            years -= 1;
        }
        years.max(0) as u32
    }

    /// Three-letter English weekday name, as Oscar's `EEE` date format prints it.
    pub fn weekday_abbrev(self) -> &'static str {
        ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][self.weekday() as usize]
    }

    /// English month name.
    pub fn month_name(self) -> &'static str {
        const NAMES: [&str; 12] = [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ];
        NAMES[(self.month as usize).saturating_sub(1).min(11)]
    }

    /// Today in UTC, from the system clock.
    #[cfg(feature = "server")]
    pub fn today() -> Self {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        Self::from_days_since_epoch((secs / 86_400) as i64).expect("system clock within range")
    }
}

/// The number of days in `month` of `year` (0 for a month outside 1–12).
pub fn month_length(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Gregorian leap-year rule.
pub fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A string that is not a `YYYY-MM-DD` date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidDate(pub String);

impl fmt::Display for InvalidDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a YYYY-MM-DD date: {:?}", self.0)
    }
}

impl std::error::Error for InvalidDate {}

impl FromStr for Date {
    type Err = InvalidDate;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Date::parse(s).ok_or_else(|| InvalidDate(s.to_owned()))
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        Date::parse(&s).ok_or_else(|| serde::de::Error::custom(format!("not a YYYY-MM-DD date: {s:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_counts_round_trip_across_leap_years_and_the_epoch() {
        for days in -800_000..800_000 {
            if days % 997 != 0 {
                continue;
            }
            let date = Date::from_days_since_epoch(days).unwrap();
            assert_eq!(date.days_since_epoch(), days, "{date}");
        }
        assert_eq!(Date::new(1970, 1, 1).days_since_epoch(), 0);
        assert_eq!(Date::new(2000, 3, 1).days_since_epoch(), 11_017);
    }

    #[test]
    fn weekday_counts_from_sunday() {
        assert_eq!(Date::new(1970, 1, 1).weekday(), 4);
        assert_eq!(Date::new(2026, 3, 1).weekday(), 0);
        assert_eq!(Date::new(2024, 2, 29).weekday(), 4);
        assert_eq!(Date::new(2026, 3, 4).week_start(), Date::new(2026, 3, 1));
    }

    #[test]
    fn add_days_crosses_months_and_years() {
        assert_eq!(Date::new(2024, 2, 28).add_days(1), Date::new(2024, 2, 29));
        assert_eq!(Date::new(2025, 12, 31).add_days(1), Date::new(2026, 1, 1));
        assert_eq!(Date::new(2026, 3, 1).add_days(-1), Date::new(2026, 2, 28));
    }

    #[test]
    fn lenient_dates_roll_over_like_java() {
        assert_eq!(Date::from_lenient(2026, 3, 0), Some(Date::new(2026, 2, 28)));
        assert_eq!(Date::from_lenient(2026, 12, 32), Some(Date::new(2027, 1, 1)));
        assert_eq!(Date::from_lenient(2026, 13, 1), Some(Date::new(2027, 1, 1)));
        assert_eq!(Date::from_lenient(2026, 1, -6), Some(Date::new(2025, 12, 25)));
    }

    #[test]
    fn parse_accepts_oscar_forms_and_rejects_junk() {
        assert_eq!(Date::parse("2026-03-02"), Some(Date::new(2026, 3, 2)));
        assert_eq!(Date::parse("2026-3-2"), Some(Date::new(2026, 3, 2)));
        for bad in ["", "2026-02-30", "2026-13-01", "26-03-02", "2026-03-02-1", "2026-0x-01", "+026-03-02"] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn serializes_as_an_iso_string() {
        let date = Date::new(2026, 3, 2);
        assert_eq!(serde_json::to_string(&date).unwrap(), "\"2026-03-02\"");
        assert_eq!(serde_json::from_str::<Date>("\"2026-03-02\"").unwrap(), date);
        assert!(serde_json::from_str::<Date>("\"2026-02-30\"").is_err());
    }

    #[test]
    fn week_of_year_follows_java_sunday_weeks() {
        assert_eq!(Date::new(2026, 1, 1).week_of_year(), 1);
        assert_eq!(Date::new(2026, 1, 4).week_of_year(), 2);
        assert_eq!(Date::new(2025, 12, 30).week_of_year(), 1);
        assert_eq!(Date::new(2026, 3, 2).week_of_year(), 10);
    }

    #[test]
    fn age_counts_completed_years() {
        let dob = Date::new(1980, 5, 7);
        assert_eq!(dob.years_until(Date::new(2026, 5, 6)), 45);
        assert_eq!(dob.years_until(Date::new(2026, 5, 7)), 46);
        assert_eq!(dob.years_until(Date::new(1979, 1, 1)), 0);
    }
}
