//! Synthetic Ontario health card numbers: ten digits whose last digit is the
//! Luhn (mod 10) check digit of the first nine, plus a two-letter version code.

/// True when `hin` is ten ASCII digits whose last is the Luhn check digit
/// of the first nine.
pub fn is_valid_hin(hin: &str) -> bool {
    if hin.len() != 10 || !hin.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let (payload, check) = hin.split_at(9);
    check.parse::<u32>().is_ok_and(|c| c == luhn_check_digit(payload))
}

/// The Luhn check digit that completes `payload` (ASCII digits).
pub fn luhn_check_digit(payload: &str) -> u32 {
    // Appending a 0 puts the payload in the positions it will have in the full number.
    let sum = luhn_sum(&format!("{payload}0"));
    (10 - sum % 10) % 10
}

/// Sum of the digits with every second digit from the right doubled
/// (and 9 subtracted when that exceeds 9).
fn luhn_sum(digits: &str) -> u32 {
    digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum()
}

/// The `n`-th synthetic health card number: deterministic, ten digits, not
/// starting with 0, Luhn-valid.
pub fn synthetic_hin(n: u32) -> String {
    // A large odd stride spreads consecutive patients over the number space.
    let payload = 100_000_000 + (u64::from(n) * 7_654_321 + 31_337) % 900_000_000;
    let payload = payload.to_string();
    let check = luhn_check_digit(&payload);
    format!("{payload}{check}")
}

/// The `n`-th synthetic version code (`AA`…`ZZ`, skipping nothing: Ontario
/// version codes are any two letters).
pub fn synthetic_version(n: u32) -> String {
    let letters = b"ABCDEFGHJKLMNPRSTVWXYZ";
    let len = letters.len() as u32;
    let first = letters[((n * 7 + 3) % len) as usize] as char;
    let second = letters[((n * 11 + 5) % len) as usize] as char;
    format!("{first}{second}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_luhn_numbers_check_out() {
        // 79927398713 is the textbook Luhn example.
        assert_eq!(luhn_check_digit("7992739871"), 3);
        assert!(is_valid_hin("9876543217"));
        assert!(!is_valid_hin("9876543210"));
        assert!(!is_valid_hin("987654321"));
        assert!(!is_valid_hin("98765432a7"));
    }

    #[test]
    fn synthetic_hins_are_valid_and_distinct() {
        let hins: Vec<String> = (0..500).map(synthetic_hin).collect();
        for hin in &hins {
            assert!(is_valid_hin(hin), "{hin}");
            assert!(!hin.starts_with('0'), "{hin}");
        }
        let mut unique = hins.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), hins.len());
    }

    #[test]
    fn version_codes_are_two_upper_case_letters() {
        for n in 0..100 {
            let v = synthetic_version(n);
            assert_eq!(v.len(), 2);
            assert!(v.bytes().all(|b| b.is_ascii_uppercase()), "{v}");
        }
    }
}
