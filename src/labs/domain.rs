//! The rules of labs and bookings as pure functions: wall-clock opening hours applied in the
//! lab's time zone (right on both sides of a daylight-saving change), interval arithmetic
//! (availability = opening hours − closures − bookings), the ISO week of the quota, who may
//! book, new labs and equipment parsed, and the contract's booking rules in the contract's
//! order, each refusal carrying the numbers behind it.

use chrono::{Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

use crate::auth::domain::Role;
use crate::clock::DEFAULT_TIMEZONE;
use crate::error::{ApiError, FieldError};
use crate::text::not_blank;

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

/// Parses the contract's `[{weekday, opens, closes}]`, reporting each bad entry by index;
/// two periods of one weekday that overlap are refused (touching ones form one period).
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
                let period = OpeningPeriod {
                    weekday,
                    opens,
                    closes,
                };
                periods.push((period, i));
            }
        }
    }
    periods.sort();
    for pair in periods.windows(2) {
        let ((earlier, _), (later, i)) = (pair[0], pair[1]);
        if earlier.weekday == later.weekday && later.opens < earlier.closes {
            errors.push(FieldError::new(
                format!("opening_hours[{i}].opens"),
                format!(
                    "overlaps the period {}–{} of the same weekday",
                    format_wall_clock(earlier.opens),
                    format_wall_clock(earlier.closes)
                ),
            ));
        }
    }
    if errors.is_empty() {
        Ok(periods.into_iter().map(|(p, _)| p).collect())
    } else {
        Err(errors)
    }
}

fn required_text(field: &str, raw: &str) -> Result<String, FieldError> {
    match raw.trim() {
        "" => Err(FieldError::new(field, "is required")),
        text => Ok(text.to_owned()),
    }
}

fn optional_text(raw: Option<&str>) -> String {
    raw.map(str::trim).unwrap_or_default().to_owned()
}

/// A lab staff create: its name, description, time zone (default the school's) and weekly
/// opening periods, sorted.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLab {
    pub name: String,
    pub description: String,
    pub timezone: Tz,
    pub hours: Vec<OpeningPeriod>,
}

impl NewLab {
    pub fn parse(
        name: &str,
        description: Option<&str>,
        timezone: Option<&str>,
        hours: &[(i64, String, String)],
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = required_text("name", name).map_err(|e| errors.push(e));
        let timezone = match not_blank(timezone) {
            None => Ok(DEFAULT_TIMEZONE),
            Some(text) => parse_timezone(text).ok_or_else(|| {
                errors.push(FieldError::new(
                    "timezone",
                    "must be an IANA time zone such as Europe/Paris",
                ))
            }),
        };
        let hours = parse_opening_hours(hours).map_err(|e| errors.extend(e));
        match (name, timezone, hours) {
            (Ok(name), Ok(timezone), Ok(hours)) => Ok(Self {
                name,
                description: optional_text(description),
                timezone,
                hours,
            }),
            _ => Err(errors),
        }
    }
}

/// Equipment staff add to a lab, with its booking limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEquipment {
    pub name: String,
    pub description: String,
    pub limits: DurationLimits,
    pub requires_training: bool,
    /// Confirmed hours per project and ISO week; `None`: no quota.
    pub weekly_hours_per_project: Option<i32>,
}

impl NewEquipment {
    pub fn parse(
        name: &str,
        description: Option<&str>,
        min_minutes: Option<i64>,
        max_minutes: Option<i64>,
        requires_training: Option<bool>,
        weekly_hours_per_project: Option<i64>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = required_text("name", name).map_err(|e| errors.push(e));
        let mut count = |field: &str, value: Option<i64>| -> Option<i32> {
            let v = value?;
            let parsed = i32::try_from(v).ok().filter(|v| *v >= 0);
            if parsed.is_none() {
                errors.push(FieldError::new(field, "must be an integer ≥ 0"));
            }
            parsed
        };
        let min = count("min_minutes", min_minutes).unwrap_or(DEFAULT_MIN_MINUTES);
        let max = count("max_minutes", max_minutes).unwrap_or(DEFAULT_MAX_MINUTES);
        let weekly = count("weekly_hours_per_project", weekly_hours_per_project);
        if min > max {
            errors.push(FieldError::new(
                "max_minutes",
                "must be at least `min_minutes`",
            ));
        }
        match name {
            Ok(name) if errors.is_empty() => Ok(Self {
                name,
                description: optional_text(description),
                limits: DurationLimits {
                    min_minutes: min,
                    max_minutes: max,
                },
                requires_training: requires_training.unwrap_or(false),
                weekly_hours_per_project: weekly,
            }),
            _ => Err(errors),
        }
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationLimits {
    pub min_minutes: i32,
    pub max_minutes: i32,
}

/// Why a booking is refused: each with the contract's code and the numbers behind it;
/// `From<Refusal> for ApiError` chooses the status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    Forbidden,
    TrainingRequired,
    InvalidInterval,
    InPast,
    /// Outside the dates of the project (application or mission) it is for.
    OutsideProjectDates(ProjectDates),
    InvalidDuration(DurationLimits),
    /// Not inside one opening period of that day, whose periods these are.
    OutsideOpeningHours(Vec<OpeningPeriod>),
    LabClosed,
    QuotaExceeded {
        limit_minutes: i64,
        used_minutes: i64,
    },
    BookingOverlap,
}

impl Refusal {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Forbidden => "forbidden",
            Self::TrainingRequired => "training_required",
            Self::InvalidInterval => "invalid_interval",
            Self::InPast => "in_past",
            Self::OutsideProjectDates(_) => "outside_project_dates",
            Self::InvalidDuration(_) => "invalid_duration",
            Self::OutsideOpeningHours(_) => "outside_opening_hours",
            Self::LabClosed => "lab_closed",
            Self::QuotaExceeded { .. } => "quota_exceeded",
            Self::BookingOverlap => "booking_overlap",
        }
    }
}

/// An opening period as a refusal shows it: wall-clock `HH:MM` in the lab's zone.
#[derive(serde::Serialize)]
struct ShownPeriod {
    opens: String,
    closes: String,
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        let code = refusal.code();
        match refusal {
            Refusal::Forbidden => ApiError::forbidden(),
            Refusal::TrainingRequired => ApiError::refused(
                code,
                "This equipment needs a valid training authorization.",
            ),
            Refusal::InvalidInterval => {
                ApiError::unprocessable(code, "`ends_at` must be after `starts_at`.")
            }
            Refusal::InPast => {
                ApiError::unprocessable(code, "The booking would start in the past.")
            }
            Refusal::OutsideProjectDates(dates) => ApiError::unprocessable(
                code,
                "The booking is outside the project's dates (its start and end, in the lab's time zone).",
            )
            .with("starts_on", dates.starts_on)
            .with("ends_on", dates.ends_on),
            Refusal::InvalidDuration(limits) => ApiError::unprocessable(
                code,
                format!(
                    "The duration must be between {} and {} minutes for this equipment.",
                    limits.min_minutes, limits.max_minutes
                ),
            )
            .with("min_minutes", limits.min_minutes)
            .with("max_minutes", limits.max_minutes),
            Refusal::OutsideOpeningHours(periods) => {
                let shown: Vec<ShownPeriod> = periods
                    .iter()
                    .map(|p| ShownPeriod {
                        opens: format_wall_clock(p.opens),
                        closes: format_wall_clock(p.closes),
                    })
                    .collect();
                ApiError::unprocessable(
                    code,
                    "The booking is not wholly inside one opening period of the lab that day.",
                )
                .with("opening_hours", shown)
            }
            Refusal::LabClosed => ApiError::conflict(code, "The lab is closed during this slot."),
            Refusal::QuotaExceeded {
                limit_minutes,
                used_minutes,
            } => ApiError::conflict(
                code,
                format!(
                    "The project's weekly time on this equipment would pass its quota: \
                     {used_minutes} of {limit_minutes} minutes are already booked this week."
                ),
            )
            .with("limit_minutes", limit_minutes)
            .with("used_minutes", used_minutes),
            Refusal::BookingOverlap => ApiError::conflict(
                code,
                "This equipment is already booked during part of this slot.",
            ),
        }
    }
}

/// The dates a project's bookings must fall within: local dates of the lab, both included.
/// A project without dates yet (a submitted application) bounds nothing on that side.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProjectDates {
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
}

impl ProjectDates {
    /// Whether `slot` lies within the dates, read in the lab's zone `tz`.
    pub fn contains(&self, tz: Tz, slot: Interval) -> bool {
        let after_start = self
            .starts_on
            .is_none_or(|d| slot.start >= local_to_utc(tz, d, 0));
        let before_end = self
            .ends_on
            .is_none_or(|d| slot.end <= local_to_utc(tz, d + Duration::days(1), 0));
        after_start && before_end
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

/// The rules that need no database, in the contract's order: interval, past, the project's
/// dates, duration, opening hours. (Closures, quota and overlap follow, in that order, in the
/// transaction.)
pub fn check_slot(
    slot: Interval,
    now: NaiveDateTime,
    dates: ProjectDates,
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
    if !dates.contains(tz, slot) {
        return Err(Refusal::OutsideProjectDates(dates));
    }
    let seconds = slot.seconds();
    if seconds < i64::from(limits.min_minutes) * 60 || seconds > i64::from(limits.max_minutes) * 60
    {
        return Err(Refusal::InvalidDuration(limits));
    }
    let day = local_date(tz, slot.start);
    let inside = open_on(tz, hours, day)
        .iter()
        .any(|period| period.contains(&slot));
    if inside {
        Ok(())
    } else {
        let weekday = day.weekday().number_from_monday() as u8;
        let that_day = hours.iter().filter(|p| p.weekday == weekday).copied();
        Err(Refusal::OutsideOpeningHours(that_day.collect()))
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

/// The quota rule with its numbers: `used_seconds` already booked by the project this week.
pub fn check_quota(
    used_seconds: i64,
    requested_seconds: i64,
    weekly_hours: Option<i32>,
) -> Result<(), Refusal> {
    match weekly_hours {
        Some(hours) if !quota_allows(used_seconds, requested_seconds, weekly_hours) => {
            Err(Refusal::QuotaExceeded {
                limit_minutes: i64::from(hours) * 60,
                used_minutes: used_seconds / 60,
            })
        }
        _ => Ok(()),
    }
}

/// A bound of the bookings list (`from`, `to`): an instant, or a date in the lab's zone (like
/// availability), which each lab reads in its own time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListBound {
    At(NaiveDateTime),
    On(NaiveDate),
}

impl ListBound {
    pub fn parse(text: &str) -> Option<Self> {
        parse_instant(text)
            .map(Self::At)
            .or_else(|| parse_date(text).map(Self::On))
    }

    pub fn is_date(&self) -> bool {
        matches!(self, Self::On(_))
    }

    /// The UTC instant: a date's local midnight in `tz`, or, at the end of a range, the
    /// midnight after it (the date is included).
    pub fn instant(self, tz: Tz, end_of_range: bool) -> NaiveDateTime {
        match self {
            Self::At(at) => at,
            Self::On(day) if end_of_range => local_to_utc(tz, day + Duration::days(1), 0),
            Self::On(day) => local_to_utc(tz, day, 0),
        }
    }
}

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
        // Overlapping periods of one weekday are refused, naming the later one; touching
        // periods, or the same hours on two days, are fine.
        let overlapping = parse_opening_hours(&[
            (2, "08:00".into(), "12:00".into()),
            (3, "08:00".into(), "12:00".into()),
            (2, "11:00".into(), "14:00".into()),
        ])
        .expect_err("overlap");
        assert_eq!(overlapping.len(), 1);
        assert_eq!(overlapping[0].field, "opening_hours[2].opens");
        assert!(parse_opening_hours(&[
            (2, "08:00".into(), "12:00".into()),
            (2, "12:00".into(), "14:00".into()),
        ])
        .is_ok());
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
        let open = ProjectDates::default();
        let check = |a: &str, b: &str| check_slot(iv(a, b), now, open, limits, PARIS, &hours);
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
            Err(Refusal::InvalidDuration(limits))
        );
        let monday = vec![hours[0]];
        assert_eq!(
            check("2027-03-01T06:30:00Z", "2027-03-01T07:30:00Z"),
            Err(Refusal::OutsideOpeningHours(monday))
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
            Err(Refusal::OutsideOpeningHours(Vec::new()))
        );
    }

    #[test]
    fn a_project_books_within_its_dates_in_the_labs_zone() {
        let hours = weekdays_8_to_18();
        let limits = DurationLimits {
            min_minutes: 30,
            max_minutes: 120,
        };
        let now = at("2027-03-01T00:00:00Z");
        let d = |s: &str| parse_date(s);
        let dates = ProjectDates {
            starts_on: d("2027-03-02"),
            ends_on: d("2027-03-03"),
        };
        let check = |a: &str, b: &str| check_slot(iv(a, b), now, dates, limits, PARIS, &hours);
        // Monday, the day before the project starts: refused, before duration and hours.
        assert_eq!(
            check("2027-03-01T02:00:00Z", "2027-03-01T09:00:00Z"),
            Err(Refusal::OutsideProjectDates(dates))
        );
        assert_eq!(
            check("2027-03-02T07:00:00Z", "2027-03-02T08:00:00Z"),
            Ok(())
        );
        assert_eq!(
            check("2027-03-03T16:00:00Z", "2027-03-03T17:00:00Z"),
            Ok(())
        );
        assert_eq!(
            check("2027-03-04T07:00:00Z", "2027-03-04T08:00:00Z"),
            Err(Refusal::OutsideProjectDates(dates))
        );
        // The interval and the past still come first.
        assert_eq!(
            check("2027-03-04T08:00:00Z", "2027-03-04T07:00:00Z"),
            Err(Refusal::InvalidInterval)
        );
        // Local dates: 23:30 UTC on the 3rd is already the 4th in Paris.
        let late = ProjectDates {
            starts_on: None,
            ends_on: d("2027-03-03"),
        };
        assert!(!late.contains(PARIS, iv("2027-03-03T23:00:00Z", "2027-03-03T23:30:00Z")));
        assert!(late.contains(PARIS, iv("2027-03-03T22:00:00Z", "2027-03-03T23:00:00Z")));
        assert!(ProjectDates::default()
            .contains(PARIS, iv("2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z")));
    }

    #[test]
    fn the_quota_refusal_says_the_numbers() {
        assert_eq!(check_quota(60 * 60, 3600, Some(2)), Ok(()));
        assert_eq!(
            check_quota(90 * 60, 3600, Some(2)),
            Err(Refusal::QuotaExceeded {
                limit_minutes: 120,
                used_minutes: 90
            })
        );
        assert_eq!(check_quota(1_000_000, 3600, None), Ok(()));
    }

    #[test]
    fn new_labs_and_equipment_parse_every_field() {
        let lab = NewLab::parse(
            " Hall ",
            None,
            None,
            &[
                (1, "13:00".into(), "18:00".into()),
                (1, "08:00".into(), "12:00".into()),
            ],
        )
        .expect("valid");
        assert_eq!(lab.name, "Hall");
        assert_eq!(lab.timezone, PARIS);
        assert_eq!(lab.hours[0].opens, 480);
        let bad = NewLab::parse("", None, Some("Mars/Olympus"), &[]).expect_err("invalid");
        let fields: Vec<_> = bad.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "timezone"]);

        let equipment =
            NewEquipment::parse("Presse", Some(" "), None, None, None, Some(4)).expect("valid");
        assert_eq!(
            equipment.limits,
            DurationLimits {
                min_minutes: 30,
                max_minutes: 480
            }
        );
        assert_eq!(equipment.weekly_hours_per_project, Some(4));
        assert!(!equipment.requires_training);
        let bad = NewEquipment::parse("", None, Some(-1), None, None, Some(1 << 40))
            .expect_err("invalid");
        let fields: Vec<_> = bad.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "min_minutes", "weekly_hours_per_project"]);
        let reversed = NewEquipment::parse("Presse", None, Some(60), Some(30), None, None)
            .expect_err("min > max");
        assert_eq!(reversed[0].field, "max_minutes");
    }

    #[test]
    fn quota_allows_reaching_but_not_passing() {
        assert!(quota_allows(3 * 3600, 3600, Some(4)));
        assert!(!quota_allows(3 * 3600, 3601, Some(4)));
        assert!(quota_allows(1_000_000, 1, None));
        assert!(!quota_allows(0, 1, Some(0)));
    }

    #[test]
    fn list_bounds_read_dates_in_the_labs_zone() {
        let from = ListBound::parse("2027-03-01").expect("date");
        assert!(from.is_date());
        assert_eq!(from.instant(PARIS, false), at("2027-02-28T23:00:00Z"));
        assert_eq!(from.instant(PARIS, true), at("2027-03-01T23:00:00Z"));
        let instant = ListBound::parse("2027-03-01T10:00:00+01:00").expect("instant");
        assert_eq!(instant.instant(PARIS, true), at("2027-03-01T09:00:00Z"));
        assert_eq!(ListBound::parse("yesterday"), None);
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
