//! Local time for Canadian clinics, without a time-zone database: Canada's
//! zones have fixed offsets, and those that observe daylight time follow the
//! North American rule (second Sunday of March to first Sunday of November,
//! 2:00 local) in force since 2007.

/// A Canadian time zone, by its IANA name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Zone {
    /// IANA name, e.g. `America/Toronto`.
    pub name: &'static str,
    /// Standard offset from UTC, minutes.
    pub offset_minutes: i64,
    /// Whether daylight time applies.
    pub daylight: bool,
    /// Abbreviations: standard, daylight.
    pub abbrev: (&'static str, &'static str),
}

/// The zones a clinic can choose.
pub const ZONES: [Zone; 7] = [
    Zone { name: "America/St_Johns", offset_minutes: -210, daylight: true, abbrev: ("NST", "NDT") },
    Zone { name: "America/Halifax", offset_minutes: -240, daylight: true, abbrev: ("AST", "ADT") },
    Zone { name: "America/Toronto", offset_minutes: -300, daylight: true, abbrev: ("EST", "EDT") },
    Zone { name: "America/Winnipeg", offset_minutes: -360, daylight: true, abbrev: ("CST", "CDT") },
    Zone { name: "America/Regina", offset_minutes: -360, daylight: false, abbrev: ("CST", "CST") },
    Zone { name: "America/Edmonton", offset_minutes: -420, daylight: true, abbrev: ("MST", "MDT") },
    Zone { name: "America/Vancouver", offset_minutes: -480, daylight: true, abbrev: ("PST", "PDT") },
];

/// The zone named `name`; Toronto when unknown.
pub fn zone(name: &str) -> Zone {
    ZONES.iter().copied().find(|z| z.name == name).unwrap_or(ZONES[2])
}

/// Days since 1970-01-01 to (year, month, day) (H. Hinnant's algorithm).
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// (year, month, day) to days since 1970-01-01.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The `n`th Sunday of a month, as days since the epoch.
fn nth_sunday(year: i64, month: i64, n: i64) -> i64 {
    let first = days_from_civil(year, month, 1);
    // 1970-01-01 was a Thursday: weekday 0 = Sunday.
    let weekday = (first + 4).rem_euclid(7);
    first + (7 - weekday) % 7 + 7 * (n - 1)
}

/// Is daylight time in effect at this UTC instant (seconds)?
fn in_daylight(zone: Zone, utc_secs: i64) -> bool {
    if !zone.daylight {
        return false;
    }
    let standard_local = utc_secs + zone.offset_minutes * 60;
    let (year, _, _) = civil_from_days(standard_local.div_euclid(86_400));
    // Starts 2:00 standard time; ends 2:00 daylight time = 1:00 standard time.
    let start = nth_sunday(year, 3, 2) * 86_400 + 2 * 3600;
    let end = nth_sunday(year, 11, 1) * 86_400 + 3600;
    (start..end).contains(&standard_local)
}

/// `2026-11-23 14:05 EST` for an instant in epoch milliseconds.
pub fn format_local(ms: i64, zone: Zone) -> String {
    let utc = ms.div_euclid(1000);
    let dst = in_daylight(zone, utc);
    let local = utc + zone.offset_minutes * 60 + if dst { 3600 } else { 0 };
    let (y, m, d) = civil_from_days(local.div_euclid(86_400));
    let rem = local.rem_euclid(86_400);
    let abbrev = if dst { zone.abbrev.1 } else { zone.abbrev.0 };
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} {abbrev}", rem / 3600, (rem % 3600) / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toronto_switches_to_daylight_time_in_march_and_back_in_november() {
        let toronto = zone("America/Toronto");
        // 2026-03-08 06:59 UTC is 01:59 EST; a minute later it is 03:00 EDT.
        assert_eq!(format_local(1_772_953_140_000, toronto), "2026-03-08 01:59 EST");
        assert_eq!(format_local(1_772_953_200_000, toronto), "2026-03-08 03:00 EDT");
        // 2026-11-01 05:59 UTC is 01:59 EDT; a minute later it is 01:00 EST.
        assert_eq!(format_local(1_793_512_740_000, toronto), "2026-11-01 01:59 EDT");
        assert_eq!(format_local(1_793_512_800_000, toronto), "2026-11-01 01:00 EST");
    }

    #[test]
    fn regina_stays_on_standard_time_and_st_johns_is_half_an_hour_off() {
        let july = 1_784_030_400_000; // 2026-07-14 12:00 UTC
        assert_eq!(format_local(july, zone("America/Regina")), "2026-07-14 06:00 CST");
        assert_eq!(format_local(july, zone("America/St_Johns")), "2026-07-14 09:30 NDT");
        assert_eq!(format_local(0, zone("Mars/Olympus")), "1969-12-31 19:00 EST");
    }

    #[test]
    fn civil_dates_round_trip() {
        for days in [-1, 0, 59, 365, 10_957, 20_000, 25_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
