//! The rules of labs and bookings as pure functions: wall-clock opening hours applied in the
//! lab's time zone (right on both sides of a daylight-saving change), interval arithmetic
//! (availability = opening hours − closures − bookings), the ISO week of the quota, who may
//! book, and the contract's booking rules in the contract's order.

use chrono::{Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

use crate::auth::Role;
use crate::error::{ApiError, FieldError};

pub const DEFAULT_TIMEZONE: &str = "Europe/Paris";
pub const DEFAULT_MIN_MINUTES: i32 = 30;
pub const DEFAULT_MAX_MINUTES: i32 = 480;
/// Longest availability window one request may ask for.
pub const MAX_AVAILABILITY_DAYS: i64 = 92;
const MINUTES_PER_DAY: u16 = 1440;

/// A half-open UTC interval `[start, end)`: one that ends when the next starts does not
/// overlap it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Interval {
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
}

impl Interval {
    pub fn new(start: NaiveDateTime, end: NaiveDateTime) -> Self {
        Self { start, end }
    }

    pub fn overlaps(&self, other: &Interval) -> bool {
        self.start < other.end && other.start < self.end
    }

    pub fn contains(&self, other: &Interval) -> bool {
        self.start <= other.start && other.end <= self.end
    }

    pub fn seconds(&self) -> i64 {
        (self.end - self.start).num_seconds()
    }
}

/// Sorts and joins overlapping or touching intervals; drops empty ones.
pub fn merge(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.retain(|i| i.start < i.end);
    intervals.sort();
    let mut merged: Vec<Interval> = Vec::with_capacity(intervals.len());
    for interval in intervals {
        match merged.last_mut() {
            Some(last) if interval.start <= last.end => last.end = last.end.max(interval.end),
            _ => merged.push(interval),
        }
    }
    merged
}

/// `free − busy`, both in any order; the answer is merged and sorted.
pub fn subtract(free: Vec<Interval>, busy: Vec<Interval>) -> Vec<Interval> {
    let busy = merge(busy);
    let mut out = Vec::new();
    for interval in merge(free) {
        let mut cursor = interval.start;
        for b in busy
            .iter()
            .filter(|b| b.end > interval.start && b.start < interval.end)
        {
            if b.start > cursor {
                out.push(Interval::new(cursor, b.start));
            }
            cursor = cursor.max(b.end);
        }
        if cursor < interval.end {
            out.push(Interval::new(cursor, interval.end));
        }
    }
    out
}

/// A time zone name the lab can use (IANA, e.g. `Europe/Paris`).
pub fn parse_timezone(name: &str) -> Option<Tz> {
    name.trim().parse().ok()
}

/// `HH:MM` as minutes after midnight; `24:00` (the end of the day) only when `end_of_day`.
pub fn parse_wall_clock(text: &str, end_of_day: bool) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) if end_of_day => Some(MINUTES_PER_DAY),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

pub fn format_wall_clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// One weekly opening period in wall-clock time: weekday 1 = Monday … 7 = Sunday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct OpeningPeriod {
    pub weekday: u8,
    pub opens: u16,
    pub closes: u16,
}

/// Parses the contract's `[{weekday, opens, closes}]`, reporting each bad entry by index.
pub fn parse_opening_hours(
    entries: &[(i64, String, String)],
) -> Result<Vec<OpeningPeriod>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut periods = Vec::new();
    for (i, (weekday, opens, closes)) in entries.iter().enumerate() {
        let field = |name: &str| format!("opening_hours[{i}].{name}");
        let day = u8::try_from(*weekday).ok().filter(|d| (1..=7).contains(d));
        let open = parse_wall_clock(opens, false);
        let close = parse_wall_clock(closes, true);
        if day.is_none() {
            errors.push(FieldError::new(
                field("weekday"),
                "must be 1 (Monday) to 7 (Sunday)",
            ));
        }
        if open.is_none() {
            errors.push(FieldError::new(field("opens"), "must be a time HH:MM"));
        }
        if close.is_none() {
            errors.push(FieldError::new(
                field("closes"),
                "must be a time HH:MM (24:00 for midnight)",
            ));
        }
        if let (Some(weekday), Some(opens), Some(closes)) = (day, open, close) {
            if opens >= closes {
                errors.push(FieldError::new(field("closes"), "must be after `opens`"));
            } else {
                periods.push(OpeningPeriod {
                    weekday,
                    opens,
                    closes,
                });
            }
        }
    }
    if errors.is_empty() {
        periods.sort();
        Ok(periods)
    } else {
        Err(errors)
    }
}

/// The UTC instant of a wall-clock time on a local date. A time skipped by a spring-forward
/// change is read one hour later (as clocks show it); a repeated one is its first occurrence.
pub fn local_to_utc(tz: Tz, date: NaiveDate, minutes: u16) -> NaiveDateTime {
    let (date, minutes) = if minutes >= MINUTES_PER_DAY {
        (date + Duration::days(1), minutes - MINUTES_PER_DAY)
    } else {
        (date, minutes)
    };
    let time = NaiveTime::from_hms_opt(u32::from(minutes / 60), u32::from(minutes % 60), 0)
        .unwrap_or(NaiveTime::MIN);
    let local = date.and_time(time);
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.naive_utc(),
        LocalResult::Ambiguous(first, _) => first.naive_utc(),
        LocalResult::None => tz
            .from_local_datetime(&(local + Duration::hours(1)))
            .earliest()
            .map_or(local, |t| t.naive_utc()),
    }
}

/// The local date of a UTC instant in `tz`.
pub fn local_date(tz: Tz, at: NaiveDateTime) -> NaiveDate {
    tz.from_utc_datetime(&at).date_naive()
}

/// The lab's opening periods on one local date, as merged UTC intervals (periods that touch
/// form one, so a booking may run across them).
pub fn open_on(tz: Tz, hours: &[OpeningPeriod], date: NaiveDate) -> Vec<Interval> {
    let weekday = date.weekday().number_from_monday() as u8;
    merge(
        hours
            .iter()
            .filter(|p| p.weekday == weekday)
            .map(|p| {
                Interval::new(
                    local_to_utc(tz, date, p.opens),
                    local_to_utc(tz, date, p.closes),
                )
            })
            .collect(),
    )
}

/// The UTC bounds of the local dates `from..=to`.
pub fn date_range(tz: Tz, from: NaiveDate, to: NaiveDate) -> Interval {
    Interval::new(
        local_to_utc(tz, from, 0),
        local_to_utc(tz, to + Duration::days(1), 0),
    )
}

/// Free intervals over the local dates `from..=to`: opening hours minus `busy` (closures and
/// confirmed bookings), in UTC, merged and sorted.
pub fn availability(
    tz: Tz,
    hours: &[OpeningPeriod],
    from: NaiveDate,
    to: NaiveDate,
    busy: Vec<Interval>,
) -> Vec<Interval> {
    let open = from
        .iter_days()
        .take_while(|d| *d <= to)
        .flat_map(|d| open_on(tz, hours, d))
        .collect();
    subtract(open, busy)
}

/// The quota's week: the ISO week (Monday 00:00 to Monday 00:00) of the lab's local calendar
/// that contains `at`, in UTC. Bookings never cross local midnight (they lie inside one day's
/// opening period), so a booking belongs wholly to the week of its start.
pub fn iso_week_of(tz: Tz, at: NaiveDateTime) -> Interval {
    let date = local_date(tz, at);
    let monday = date - Duration::days(i64::from(date.weekday().num_days_from_monday()));
    Interval::new(
        local_to_utc(tz, monday, 0),
        local_to_utc(tz, monday + Duration::days(7), 0),
    )
}

/// A booking's limits, from its equipment.
#[derive(Debug, Clone, Copy)]
pub struct DurationLimits {
    pub min_minutes: i32,
    pub max_minutes: i32,
}

/// Why a booking is refused: each with the contract's status and code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    Forbidden,
    TrainingRequired,
    InvalidInterval,
    InPast,
    InvalidDuration,
    OutsideOpeningHours,
    LabClosed,
    QuotaExceeded,
    BookingOverlap,
}

impl Refusal {
    pub fn code(self) -> &'static str {
        match self {
            Self::Forbidden => "forbidden",
            Self::TrainingRequired => "training_required",
            Self::InvalidInterval => "invalid_interval",
            Self::InPast => "in_past",
            Self::InvalidDuration => "invalid_duration",
            Self::OutsideOpeningHours => "outside_opening_hours",
            Self::LabClosed => "lab_closed",
            Self::QuotaExceeded => "quota_exceeded",
            Self::BookingOverlap => "booking_overlap",
        }
    }
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        let code = refusal.code();
        match refusal {
            Refusal::Forbidden => ApiError::forbidden(),
            Refusal::TrainingRequired => ApiError::new(
                actix_web::http::StatusCode::FORBIDDEN,
                code,
                "This equipment needs a valid training authorization.",
            ),
            Refusal::InvalidInterval => {
                ApiError::unprocessable(code, "`ends_at` must be after `starts_at`.")
            }
            Refusal::InPast => {
                ApiError::unprocessable(code, "The booking would start in the past.")
            }
            Refusal::InvalidDuration => ApiError::unprocessable(
                code,
                "The duration is outside this equipment's minimum and maximum.",
            ),
            Refusal::OutsideOpeningHours => ApiError::unprocessable(
                code,
                "The booking is not wholly inside one opening period of the lab.",
            ),
            Refusal::LabClosed => ApiError::conflict(code, "The lab is closed during this slot."),
            Refusal::QuotaExceeded => ApiError::conflict(
                code,
                "The project's weekly hours on this equipment would be exceeded.",
            ),
            Refusal::BookingOverlap => ApiError::conflict(
                code,
                "This equipment is already booked during part of this slot.",
            ),
        }
    }
}

/// What the request says the booking is for, as the database found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectClaim {
    /// Neither an application nor a mission.
    None,
    /// An application: whether it is the caller's own, and whether it is incubating.
    Application { own: bool, incubating: bool },
    /// A mission: whether the caller's team holds it.
    Mission { held_by_team: bool },
}

/// Who may book: staff, for anything; a founder, for an incubating application of theirs; a
/// student, for a mission their team holds. Anyone else is refused.
pub fn may_book(role: Role, claim: &ProjectClaim) -> Result<(), Refusal> {
    let allowed = matches!(
        (role, claim),
        (Role::Staff, _)
            | (
                Role::Founder,
                ProjectClaim::Application {
                    own: true,
                    incubating: true,
                },
            )
            | (Role::Student, ProjectClaim::Mission { held_by_team: true })
    );
    if allowed {
        Ok(())
    } else {
        Err(Refusal::Forbidden)
    }
}

/// The rules that need no database, in the contract's order: interval, past, duration,
/// opening hours. (Closures, quota and overlap follow, in that order, in the transaction.)
pub fn check_slot(
    slot: Interval,
    now: NaiveDateTime,
    limits: DurationLimits,
    tz: Tz,
    hours: &[OpeningPeriod],
) -> Result<(), Refusal> {
    if slot.end <= slot.start {
        return Err(Refusal::InvalidInterval);
    }
    if slot.start < now {
        return Err(Refusal::InPast);
    }
    let seconds = slot.seconds();
    if seconds < i64::from(limits.min_minutes) * 60 || seconds > i64::from(limits.max_minutes) * 60
    {
        return Err(Refusal::InvalidDuration);
    }
    let inside = open_on(tz, hours, local_date(tz, slot.start))
        .iter()
        .any(|period| period.contains(&slot));
    if inside {
        Ok(())
    } else {
        Err(Refusal::OutsideOpeningHours)
    }
}

/// Whether `requested` more seconds keep the project within its weekly hours (reaching the
/// quota exactly is allowed). No quota: always.
pub fn quota_allows(used_seconds: i64, requested_seconds: i64, weekly_hours: Option<i32>) -> bool {
    match weekly_hours {
        None => true,
        Some(hours) => used_seconds + requested_seconds <= i64::from(hours) * 3600,
    }
}

pub use crate::dates::{parse_date, parse_instant};

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        parse_instant(s).expect("instant")
    }

    fn iv(a: &str, b: &str) -> Interval {
        Interval::new(at(a), at(b))
    }

    fn weekdays_8_to_18() -> Vec<OpeningPeriod> {
        (1..=5)
            .map(|weekday| OpeningPeriod {
                weekday,
                opens: 8 * 60,
                closes: 18 * 60,
            })
            .collect()
    }

    const PARIS: Tz = chrono_tz::Europe::Paris;

    #[test]
    fn touching_intervals_do_not_overlap() {
        let a = iv("2027-03-01T08:00:00Z", "2027-03-01T09:00:00Z");
        let b = iv("2027-03-01T09:00:00Z", "2027-03-01T10:00:00Z");
        assert!(!a.overlaps(&b) && !b.overlaps(&a));
        let c = iv("2027-03-01T08:59:59Z", "2027-03-01T10:00:00Z");
        assert!(a.overlaps(&c));
    }

    #[test]
    fn merge_joins_touching_and_overlapping() {
        let merged = merge(vec![
            iv("2027-03-01T10:00:00Z", "2027-03-01T11:00:00Z"),
            iv("2027-03-01T08:00:00Z", "2027-03-01T09:00:00Z"),
            iv("2027-03-01T09:00:00Z", "2027-03-01T09:30:00Z"),
            iv("2027-03-01T10:30:00Z", "2027-03-01T10:45:00Z"),
        ]);
        assert_eq!(
            merged,
            vec![
                iv("2027-03-01T08:00:00Z", "2027-03-01T09:30:00Z"),
                iv("2027-03-01T10:00:00Z", "2027-03-01T11:00:00Z"),
            ]
        );
    }

    #[test]
    fn subtract_cuts_holes() {
        let free = vec![iv("2027-03-01T08:00:00Z", "2027-03-01T18:00:00Z")];
        let busy = vec![
            iv("2027-03-01T07:00:00Z", "2027-03-01T09:00:00Z"),
            iv("2027-03-01T12:00:00Z", "2027-03-01T13:00:00Z"),
            iv("2027-03-01T13:00:00Z", "2027-03-01T14:00:00Z"),
            iv("2027-03-01T17:30:00Z", "2027-03-01T19:00:00Z"),
        ];
        assert_eq!(
            subtract(free, busy),
            vec![
                iv("2027-03-01T09:00:00Z", "2027-03-01T12:00:00Z"),
                iv("2027-03-01T14:00:00Z", "2027-03-01T17:30:00Z"),
            ]
        );
    }

    #[test]
    fn wall_clock_parsing() {
        assert_eq!(parse_wall_clock("08:30", false), Some(510));
        assert_eq!(parse_wall_clock("24:00", true), Some(1440));
        assert_eq!(parse_wall_clock("24:00", false), None);
        assert_eq!(parse_wall_clock("8:30", false), None);
        assert_eq!(parse_wall_clock("12:60", false), None);
        assert_eq!(format_wall_clock(510), "08:30");
    }

    #[test]
    fn opening_hours_are_checked_entry_by_entry() {
        let bad = parse_opening_hours(&[
            (0, "08:00".into(), "18:00".into()),
            (2, "18:00".into(), "08:00".into()),
        ])
        .expect_err("invalid");
        let fields: Vec<_> = bad.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["opening_hours[0].weekday", "opening_hours[1].closes"]
        );
        assert!(parse_opening_hours(&[(7, "00:00".into(), "24:00".into())]).is_ok());
    }

    #[test]
    fn opening_hours_follow_daylight_saving_time() {
        let hours = weekdays_8_to_18();
        // 2027: summer time starts on Sunday 28 March.
        let winter = open_on(
            PARIS,
            &hours,
            NaiveDate::from_ymd_opt(2027, 3, 22).expect("d"),
        );
        assert_eq!(
            winter,
            vec![iv("2027-03-22T07:00:00Z", "2027-03-22T17:00:00Z")]
        );
        let summer = open_on(
            PARIS,
            &hours,
            NaiveDate::from_ymd_opt(2027, 3, 29).expect("d"),
        );
        assert_eq!(
            summer,
            vec![iv("2027-03-29T06:00:00Z", "2027-03-29T16:00:00Z")]
        );
        // and back on Sunday 31 October 2027.
        let autumn = open_on(
            PARIS,
            &hours,
            NaiveDate::from_ymd_opt(2027, 11, 1).expect("d"),
        );
        assert_eq!(
            autumn,
            vec![iv("2027-11-01T07:00:00Z", "2027-11-01T17:00:00Z")]
        );
        assert!(open_on(
            PARIS,
            &hours,
            NaiveDate::from_ymd_opt(2027, 3, 28).expect("d")
        )
        .is_empty());
    }

    #[test]
    fn skipped_and_repeated_wall_clock_times() {
        let spring = NaiveDate::from_ymd_opt(2027, 3, 28).expect("d");
        // 02:30 does not exist that night: read as 03:30 summer time = 01:30 UTC.
        assert_eq!(local_to_utc(PARIS, spring, 150), at("2027-03-28T01:30:00Z"));
        let autumn = NaiveDate::from_ymd_opt(2027, 10, 31).expect("d");
        // 02:30 happens twice: the first (summer time) one.
        assert_eq!(local_to_utc(PARIS, autumn, 150), at("2027-10-31T00:30:00Z"));
    }

    #[test]
    fn availability_is_hours_minus_busy_over_inclusive_dates() {
        let hours = weekdays_8_to_18();
        let from = NaiveDate::from_ymd_opt(2027, 3, 26).expect("d"); // Friday
        let to = NaiveDate::from_ymd_opt(2027, 3, 29).expect("d"); // Monday after the change
        let busy = vec![
            iv("2027-03-26T09:00:00Z", "2027-03-26T10:00:00Z"),
            iv("2027-03-29T06:00:00Z", "2027-03-29T08:00:00Z"),
        ];
        assert_eq!(
            availability(PARIS, &hours, from, to, busy),
            vec![
                iv("2027-03-26T07:00:00Z", "2027-03-26T09:00:00Z"),
                iv("2027-03-26T10:00:00Z", "2027-03-26T17:00:00Z"),
                iv("2027-03-29T08:00:00Z", "2027-03-29T16:00:00Z"),
            ]
        );
    }

    #[test]
    fn iso_week_is_the_labs_local_week() {
        // Sunday 23:30 Paris in winter is 22:30 UTC Sunday: still that ISO week.
        let week = iso_week_of(PARIS, at("2027-03-07T22:30:00Z"));
        assert_eq!(week, iv("2027-02-28T23:00:00Z", "2027-03-07T23:00:00Z"));
        // Monday 00:30 Paris (Sunday 23:30 UTC) is the next week.
        let next = iso_week_of(PARIS, at("2027-03-07T23:30:00Z"));
        assert_eq!(next.start, at("2027-03-07T23:00:00Z"));
        // The week of the change is 167 hours long.
        let short = iso_week_of(PARIS, at("2027-03-24T10:00:00Z"));
        assert_eq!(short.seconds(), 167 * 3600);
    }

    #[test]
    fn who_may_book() {
        let own = ProjectClaim::Application {
            own: true,
            incubating: true,
        };
        let submitted = ProjectClaim::Application {
            own: true,
            incubating: false,
        };
        let others = ProjectClaim::Application {
            own: false,
            incubating: true,
        };
        assert_eq!(may_book(Role::Staff, &ProjectClaim::None), Ok(()));
        assert_eq!(may_book(Role::Founder, &own), Ok(()));
        for (role, claim) in [
            (Role::Founder, &submitted),
            (Role::Founder, &others),
            (Role::Founder, &ProjectClaim::None),
            (Role::Student, &ProjectClaim::None),
            (Role::Tutor, &own),
            (Role::Company, &own),
        ] {
            assert_eq!(may_book(role, claim), Err(Refusal::Forbidden), "{role:?}");
        }
        assert_eq!(
            may_book(Role::Student, &ProjectClaim::Mission { held_by_team: true }),
            Ok(())
        );
    }

    #[test]
    fn slot_rules_apply_in_the_contracts_order() {
        let hours = weekdays_8_to_18();
        let limits = DurationLimits {
            min_minutes: 30,
            max_minutes: 120,
        };
        let now = at("2027-03-01T00:00:00Z");
        let check = |a: &str, b: &str| check_slot(iv(a, b), now, limits, PARIS, &hours);
        // Reversed AND in the past AND too long: the interval rule wins.
        assert_eq!(
            check("2027-02-01T12:00:00Z", "2027-02-01T08:00:00Z"),
            Err(Refusal::InvalidInterval)
        );
        // In the past and too short: the past wins.
        assert_eq!(
            check("2027-02-01T08:00:00Z", "2027-02-01T08:10:00Z"),
            Err(Refusal::InPast)
        );
        // Too long and outside the hours: duration wins.
        assert_eq!(
            check("2027-03-01T02:00:00Z", "2027-03-01T06:00:00Z"),
            Err(Refusal::InvalidDuration)
        );
        assert_eq!(
            check("2027-03-01T06:30:00Z", "2027-03-01T07:30:00Z"),
            Err(Refusal::OutsideOpeningHours)
        );
        assert_eq!(
            check("2027-03-01T07:00:00Z", "2027-03-01T09:00:00Z"),
            Ok(())
        );
        assert_eq!(
            check("2027-03-01T16:30:00Z", "2027-03-01T17:00:00Z"),
            Ok(())
        );
        // Saturday is closed.
        assert_eq!(
            check("2027-03-06T09:00:00Z", "2027-03-06T10:00:00Z"),
            Err(Refusal::OutsideOpeningHours)
        );
    }

    #[test]
    fn quota_allows_reaching_but_not_passing() {
        assert!(quota_allows(3 * 3600, 3600, Some(4)));
        assert!(!quota_allows(3 * 3600, 3601, Some(4)));
        assert!(quota_allows(1_000_000, 1, None));
        assert!(!quota_allows(0, 1, Some(0)));
    }

    #[test]
    fn instants_in_any_offset_become_utc_seconds() {
        assert_eq!(
            parse_instant("2027-03-29T08:00:00.900+02:00"),
            Some(at("2027-03-29T06:00:00Z"))
        );
        assert_eq!(parse_instant("2027-03-29 08:00"), None);
    }
}
