//! The dates and instants the API accepts: `YYYY-MM-DD` dates and RFC 3339 instants in the
//! years 2000 to 2100. Every domain parses through here, so a year 0 or 9999 is one 422 on both
//! backends instead of a 500 (PostgreSQL) or a campaign ending in `+10000`. Pure.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, SubsecRound, Utc};

pub const FIRST_YEAR: i32 = 2000;
pub const LAST_YEAR: i32 = 2100;

/// The field message for a date that does not parse or is out of range.
pub const DATE_EXPECTED: &str = "must be a date YYYY-MM-DD in the years 2000 to 2100";
/// The same for an instant.
pub const INSTANT_EXPECTED: &str =
    "must be an RFC 3339 instant (e.g. 2027-03-01T09:00:00+01:00) in the years 2000 to 2100";

fn in_range(date: NaiveDate) -> bool {
    (FIRST_YEAR..=LAST_YEAR).contains(&date.year())
}

/// A `YYYY-MM-DD` date of the years 2000–2100.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| in_range(*d))
}

/// An RFC 3339 instant in any offset → UTC, truncated to whole seconds (as stored), of the
/// years 2000–2100 both as written and in UTC.
pub fn parse_instant(text: &str) -> Option<NaiveDateTime> {
    let at = DateTime::parse_from_rfc3339(text.trim()).ok()?;
    let utc = at.with_timezone(&Utc).naive_utc().trunc_subsecs(0);
    (in_range(at.date_naive()) && in_range(utc.date())).then_some(utc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_the_range_parse() {
        assert!(parse_date("2000-01-01").is_some());
        assert!(parse_date(" 2027-03-01 ").is_some());
        assert!(parse_date("2100-12-31").is_some());
        for text in [
            "1999-12-31",
            "2101-01-01",
            "0000-01-01",
            "9999-12-31",
            "2027-02-30",
            "x",
        ] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }

    #[test]
    fn instants_of_the_range_parse_to_utc() {
        let at = parse_instant("2027-03-01T09:00:00.7+01:00").expect("instant");
        assert_eq!(at.to_string(), "2027-03-01 08:00:00");
        for text in [
            "9999-12-31T23:00:00-14:00",
            "0000-01-01T00:00:00Z",
            "1999-12-31T23:00:00Z",
            "2100-12-31T23:00:00-02:00", // 2101 in UTC
            "2000-01-01T00:30:00+01:00", // 1999 in UTC
            "2027-03-01 09:00",
        ] {
            assert_eq!(parse_instant(text), None, "{text}");
        }
    }
}
