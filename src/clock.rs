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
