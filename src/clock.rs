//! The school's clock, below every domain: its time zone (the default of labs, e-mails and
//! incubation dates) and today's date there. Pure but for reading the system clock.

use chrono::{NaiveDate, Utc};
use chrono_tz::Tz;

/// The school's time zone: labs default to it, e-mails show times in it.
pub const DEFAULT_TIMEZONE: Tz = chrono_tz::Europe::Paris;

/// Today at the school.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&DEFAULT_TIMEZONE).date_naive()
}

/// Scheduled work runs at this local hour (school's time zone): mail arrives in the morning.
const MORNING_HOUR: u32 = 8;

/// The UTC instant of 08:00 on `day` in the school's time zone.
pub fn morning_of(day: NaiveDate) -> chrono::NaiveDateTime {
    let local =
        day.and_time(chrono::NaiveTime::from_hms_opt(MORNING_HOUR, 0, 0).unwrap_or_default());
    local
        .and_local_timezone(DEFAULT_TIMEZONE)
        .earliest()
        .map_or(local, |at| at.naive_utc())
}
