//! The limits the law sets on an internship, each a function returning `Ok(())` or a
//! [`Refusal`] that carries its figures (hours used, hours asked, the limit, the minimum…) so
//! the API and pages can say exactly what is wrong. Articles, figures and the dates they were
//! checked: see the module's "Law and figures" (`super`).
//!
//! The caller gathers the facts (that intern's other internships at the same host, the
//! supervisor's, the host's headcount); these functions only judge them.

use std::fmt;

use chrono::{Datelike, NaiveDate};

use super::hours::{Period, Presence};
use super::siret::SiretError;
use super::{
    ACADEMIC_YEAR_FIRST_MONTH, GRATIFICATION_ABOVE_MONTHS, GRATIFICATION_PERCENT_OF_CEILING,
    HOST_QUOTA_HEADCOUNT, HOST_QUOTA_PERCENT, HOST_QUOTA_SMALL, MAX_INTERNS_PER_SUPERVISOR,
    MAX_MONTHS_PER_HOST_AND_YEAR,
};
use crate::config::MinimumGratification;

/// Why an internship cannot be (or should not be, for a warning) agreed as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// L124-5: this intern's presence at this host in this academic year would pass 924 h.
    DurationExceeded {
        academic_year: AcademicYear,
        /// Already agreed at the same host in the same academic year.
        used: Presence,
        /// This internship's presence in that academic year.
        asked: Presence,
        limit: Presence,
    },
    /// L124-6: over 2 months (from the 309th hour) a gratification is compulsory.
    GratificationRequired {
        presence: Presence,
        threshold: Presence,
        minimum_cents_per_hour: u32,
    },
    /// L124-6, D124-8: the hourly gratification offered is below that year's legal minimum.
    GratificationBelowMinimum {
        year: i32,
        offered_cents_per_hour: u32,
        minimum_cents_per_hour: u32,
    },
    /// R124-13: the company supervisor is already designated in 3 agreements in progress.
    SupervisorFull { in_progress: u32, limit: u32 },
    /// The student already has an internship on some of these days.
    InternshipOverlap { other: Period },
    /// R124-10, a warning: the host would take more interns in one week than its quota.
    HostQuota {
        interns_in_a_week: u32,
        limit: u32,
        headcount: u32,
    },
    /// The host's SIRET is not one (length, characters or key).
    InvalidSiret(SiretError),
}

impl From<SiretError> for Refusal {
    fn from(error: SiretError) -> Self {
        Refusal::InvalidSiret(error)
    }
}

impl Refusal {
    /// The API's error code.
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::DurationExceeded { .. } => "duration_exceeded",
            Refusal::GratificationRequired { .. } => "gratification_required",
            Refusal::GratificationBelowMinimum { .. } => "gratification_below_minimum",
            Refusal::SupervisorFull { .. } => "supervisor_full",
            Refusal::InternshipOverlap { .. } => "internship_overlap",
            Refusal::HostQuota { .. } => "host_quota",
            Refusal::InvalidSiret(_) => "invalid_siret",
        }
    }

    /// A warning staff see and may pass (fieldlab only learns the headcount from the company);
    /// the others refuse.
    pub fn is_warning(&self) -> bool {
        matches!(self, Refusal::HostQuota { .. })
    }
}

/// English, with the figures: for logs and the API's detail.
impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::DurationExceeded {
                academic_year,
                used,
                asked,
                limit,
            } => write!(
                f,
                "{used} already agreed at this host in {academic_year} plus {asked} asked \
                 exceed {limit}"
            ),
            Refusal::GratificationRequired {
                presence,
                threshold,
                minimum_cents_per_hour,
            } => {
                write!(
                    f,
                    "{presence} of presence exceed {threshold}: a gratification of at least \
                     {} an hour is required",
                    euros(*minimum_cents_per_hour)
                )
            }
            Refusal::GratificationBelowMinimum {
                year,
                offered_cents_per_hour,
                minimum_cents_per_hour,
            } => write!(
                f,
                "{} an hour is below the {year} minimum of {}",
                euros(*offered_cents_per_hour),
                euros(*minimum_cents_per_hour)
            ),
            Refusal::SupervisorFull { in_progress, limit } => write!(
                f,
                "the supervisor is already designated in {in_progress} agreements in progress \
                 (at most {limit})"
            ),
            Refusal::InternshipOverlap { other } => {
                write!(f, "the student already has an internship on {other}")
            }
            Refusal::HostQuota {
                interns_in_a_week,
                limit,
                headcount,
            } => write!(
                f,
                "{interns_in_a_week} interns in one week at a host of {headcount} people \
                 (quota {limit})"
            ),
            Refusal::InvalidSiret(error) => error.fmt(f),
        }
    }
}

/// Hours as a number for the API's figures: 428.75 for 428 h 45.
pub fn hours(presence: Presence) -> f64 {
    f64::from(presence.minutes()) / 60.0
}

/// 422 for the internship's own content (its length, its gratification, its SIRET); 409 when
/// the other internships stand in the way (the supervisor's, the student's). The figures are
/// problem+json extension members.
impl From<Refusal> for crate::error::ApiError {
    fn from(refusal: Refusal) -> Self {
        use crate::error::ApiError;
        let detail = format!("{refusal}.");
        let code = refusal.code();
        match refusal {
            Refusal::DurationExceeded {
                academic_year,
                used,
                asked,
                limit,
            } => ApiError::unprocessable(code, detail)
                .with("academic_year", academic_year.to_string())
                .with("used_hours", hours(used))
                .with("asked_hours", hours(asked))
                .with("limit_hours", hours(limit)),
            Refusal::GratificationRequired {
                presence,
                threshold,
                minimum_cents_per_hour,
            } => ApiError::unprocessable(code, detail)
                .with("presence_hours", hours(presence))
                .with("threshold_hours", hours(threshold))
                .with("minimum_cents_per_hour", minimum_cents_per_hour),
            Refusal::GratificationBelowMinimum {
                year,
                offered_cents_per_hour,
                minimum_cents_per_hour,
            } => ApiError::unprocessable(code, detail)
                .with("year", year)
                .with("offered_cents_per_hour", offered_cents_per_hour)
                .with("minimum_cents_per_hour", minimum_cents_per_hour),
            Refusal::SupervisorFull { in_progress, limit } => ApiError::conflict(code, detail)
                .with("in_progress", in_progress)
                .with("limit", limit),
            Refusal::InternshipOverlap { other } => ApiError::conflict(code, detail)
                .with("other_starts_on", other.start())
                .with("other_ends_on", other.end()),
            Refusal::HostQuota {
                interns_in_a_week,
                limit,
                headcount,
            } => ApiError::conflict(code, detail)
                .with("interns_in_a_week", interns_in_a_week)
                .with("limit", limit)
                .with("headcount", headcount),
            Refusal::InvalidSiret(_) => ApiError::unprocessable(code, detail),
        }
    }
}

/// "4.35 €".
fn euros(cents: u32) -> String {
    format!("{}.{:02} €", cents / 100, cents % 100)
}

/// An academic year, 1 September to 31 August (see `super::ACADEMIC_YEAR_FIRST_MONTH`), named
/// by the year it starts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AcademicYear {
    first_year: i32,
}

impl AcademicYear {
    pub fn starting(first_year: i32) -> Self {
        Self { first_year }
    }

    /// The academic year `day` falls in.
    pub fn of(day: NaiveDate) -> Self {
        let first_year = if day.month() >= ACADEMIC_YEAR_FIRST_MONTH {
            day.year()
        } else {
            day.year() - 1
        };
        Self { first_year }
    }

    pub fn first_year(&self) -> i32 {
        self.first_year
    }

    /// Its days; `None` only past chrono's range.
    pub fn period(&self) -> Option<Period> {
        let start = NaiveDate::from_ymd_opt(self.first_year, ACADEMIC_YEAR_FIRST_MONTH, 1)?;
        let next = NaiveDate::from_ymd_opt(self.first_year + 1, ACADEMIC_YEAR_FIRST_MONTH, 1)?;
        Period::new(start, next.pred_opt()?).ok()
    }

    /// The academic years a period touches, in order: an internship from June to October
    /// counts in two.
    pub fn spanned_by(period: &Period) -> Vec<AcademicYear> {
        let (first, last) = (Self::of(period.start()), Self::of(period.end()));
        (first.first_year..=last.first_year)
            .map(Self::starting)
            .collect()
    }
}

/// "2026-2027".
impl fmt::Display for AcademicYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.first_year, self.first_year + 1)
    }
}

/// The most presence per intern, host and academic year (L124-5): 6 legal months, 924 h.
pub fn max_presence_per_host_and_year() -> Presence {
    Presence::legal_months(MAX_MONTHS_PER_HOST_AND_YEAR)
}

/// The presence above which a gratification is due (L124-6): 2 legal months, 308 h.
pub fn gratification_threshold() -> Presence {
    Presence::legal_months(GRATIFICATION_ABOVE_MONTHS)
}

/// L124-5: `asked` (this internship's presence in `academic_year`) plus `used` (that intern's
/// other internships at the same host in the same academic year) may reach 924 h, not pass it.
/// An internship spanning two academic years is checked once per year, with its presence in
/// each (`PresencePlan::presence_within(year.period())`).
pub fn check_duration(
    academic_year: AcademicYear,
    asked: Presence,
    used: Presence,
) -> Result<(), Refusal> {
    let limit = max_presence_per_host_and_year();
    if asked + used > limit {
        return Err(Refusal::DurationExceeded {
            academic_year,
            used,
            asked,
            limit,
        });
    }
    Ok(())
}

/// The presence L124-6 compares with 2 months: the larger of this internship's whole presence
/// (« deux mois consécutifs ») and that intern's presence at the same host in the academic
/// year, this internship included (« au cours d'une même année … consécutifs ou non »).
pub fn presence_for_gratification(whole: Presence, same_host_and_year: Presence) -> Presence {
    whole.max(same_host_and_year)
}

/// L124-6: a gratification is due when the presence passes 308 h (from the 309th hour).
pub fn gratification_required(presence: Presence) -> bool {
    presence > gratification_threshold()
}

/// L124-6, D124-8: above 308 h, a gratification of at least `minimum` (the table's row for
/// the year the caller picks: the issue says the year the internship starts; the 2014–2015
/// transitional rates went by the date the agreement was signed, so check before wiring) for
/// each hour; below, any amount, or none, is the host's
/// choice. `offered_cents_per_hour`: `None` or 0 when no gratification is offered.
pub fn check_gratification(
    presence: Presence,
    offered_cents_per_hour: Option<u32>,
    minimum: YearMinimum,
) -> Result<(), Refusal> {
    if !gratification_required(presence) {
        return Ok(());
    }
    match offered_cents_per_hour.filter(|cents| *cents > 0) {
        None => Err(Refusal::GratificationRequired {
            presence,
            threshold: gratification_threshold(),
            minimum_cents_per_hour: minimum.cents_per_hour,
        }),
        Some(offered) if offered < minimum.cents_per_hour => {
            Err(Refusal::GratificationBelowMinimum {
                year: minimum.year,
                offered_cents_per_hour: offered,
                minimum_cents_per_hour: minimum.cents_per_hour,
            })
        }
        Some(_) => Ok(()),
    }
}

/// One year's legal minimum hourly gratification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearMinimum {
    pub year: i32,
    pub cents_per_hour: u32,
}

/// The yearly minimums from the configuration (`internship.minimum_gratification`), checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GratificationTable {
    rows: Vec<YearMinimum>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableError {
    /// A row's amount is not 15 % of its ceiling: a typo in the configuration.
    NotTheLegalShare {
        year: i32,
        ceiling: u32,
        cents: u32,
    },
    DuplicateYear(i32),
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableError::NotTheLegalShare {
                year,
                ceiling,
                cents,
            } => write!(
                f,
                "internship.minimum_gratification {year}: {cents} cents is not \
                 {GRATIFICATION_PERCENT_OF_CEILING} % of a {ceiling} € ceiling"
            ),
            TableError::DuplicateYear(year) => {
                write!(f, "internship.minimum_gratification: {year} appears twice")
            }
        }
    }
}

impl std::error::Error for TableError {}

/// No minimum is configured for that year: an error to show, never a silent default (the
/// amount changes every January; staff add the row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownYear(pub i32);

impl fmt::Display for UnknownYear {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "no minimum gratification is configured for {}: add its row to \
             internship.minimum_gratification",
            self.0
        )
    }
}

impl std::error::Error for UnknownYear {}

impl GratificationTable {
    pub fn new(rows: &[MinimumGratification]) -> Result<Self, TableError> {
        let mut checked: Vec<YearMinimum> = Vec::with_capacity(rows.len());
        for row in rows {
            // 15 % of a ceiling in whole euros, in cents: ceiling × 100 × 15 / 100.
            if row.cents != row.ceiling * GRATIFICATION_PERCENT_OF_CEILING {
                return Err(TableError::NotTheLegalShare {
                    year: row.year,
                    ceiling: row.ceiling,
                    cents: row.cents,
                });
            }
            if checked.iter().any(|r| r.year == row.year) {
                return Err(TableError::DuplicateYear(row.year));
            }
            checked.push(YearMinimum {
                year: row.year,
                cents_per_hour: row.cents,
            });
        }
        Ok(Self { rows: checked })
    }

    /// The minimum of `year` (the calendar year the internship starts).
    pub fn minimum_for(&self, year: i32) -> Result<YearMinimum, UnknownYear> {
        self.rows
            .iter()
            .copied()
            .find(|r| r.year == year)
            .ok_or(UnknownYear(year))
    }
}

/// R124-13: a company supervisor cannot be designated while already designated in 3 agreements
/// in progress on the date the designation takes effect, the new internship's first day.
/// `supervised`: the periods of the supervisor's other internships (not cancelled). An
/// internship that starts later is not counted: its own designation is checked at its start.
pub fn check_supervisor(period: &Period, supervised: &[Period]) -> Result<(), Refusal> {
    let in_progress = supervised
        .iter()
        .filter(|p| p.contains(period.start()))
        .count() as u32;
    if in_progress >= MAX_INTERNS_PER_SUPERVISOR {
        return Err(Refusal::SupervisorFull {
            in_progress,
            limit: MAX_INTERNS_PER_SUPERVISOR,
        });
    }
    Ok(())
}

/// A student's internships may not overlap: the first of `others` sharing a day with `period`.
/// Staff may allow an overlap for one agreement (two part-time hosts); the caller skips this
/// check then.
pub fn check_overlap(period: &Period, others: &[Period]) -> Result<(), Refusal> {
    match others.iter().find(|o| o.overlaps(period)) {
        Some(other) => Err(Refusal::InternshipOverlap { other: *other }),
        None => Ok(()),
    }
}

/// R124-10: the most interns at once for a host of `headcount` people: 15 % rounded up from 20
/// people, 3 below.
pub fn host_quota(headcount: u32) -> u32 {
    if headcount >= HOST_QUOTA_HEADCOUNT {
        (headcount * HOST_QUOTA_PERCENT).div_ceil(100)
    } else {
        HOST_QUOTA_SMALL
    }
}

/// R124-10, a warning: counted per calendar week (Monday to Sunday), an internship counting in
/// every week it touches. `hosted`: the periods of the host's other internships.
pub fn check_host_quota(period: &Period, hosted: &[Period], headcount: u32) -> Result<(), Refusal> {
    let limit = host_quota(headcount);
    let busiest = weeks(period)
        .map(|week| hosted.iter().filter(|p| p.overlaps(&week)).count() as u32)
        .max()
        .unwrap_or(0);
    if busiest + 1 > limit {
        return Err(Refusal::HostQuota {
            interns_in_a_week: busiest + 1,
            limit,
            headcount,
        });
    }
    Ok(())
}

/// The calendar weeks (Monday to Sunday) a period touches.
fn weeks(period: &Period) -> impl Iterator<Item = Period> {
    let first_monday = period.start()
        - chrono::Duration::days(i64::from(period.start().weekday().num_days_from_monday()));
    let end = period.end();
    first_monday
        .iter_weeks()
        .take_while(move |monday| *monday <= end)
        .filter_map(|monday| Period::new(monday, monday + chrono::Duration::days(6)).ok())
}

#[cfg(test)]
mod tests {
    use super::super::holidays::Region;
    use super::super::hours::{PresencePlan, Schedule};
    use super::*;
    use crate::config::Settings;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    fn period(from: NaiveDate, to: NaiveDate) -> Period {
        Period::new(from, to).expect("a period")
    }

    fn full_time(from: NaiveDate, to: NaiveDate) -> PresencePlan {
        PresencePlan {
            period: period(from, to),
            schedule: Schedule::monday_to_friday(35 * 60).expect("35 h"),
            interruptions: Vec::new(),
            region: Region::Metropolitan,
            works_public_holidays: false,
        }
    }

    fn table() -> GratificationTable {
        let settings = Settings::load(None).expect("defaults load");
        GratificationTable::new(&settings.internship.minimum_gratification).expect("a valid table")
    }

    #[test]
    fn the_academic_year_runs_from_september_to_august() {
        assert_eq!(
            AcademicYear::of(date(2026, 8, 31)),
            AcademicYear::starting(2025)
        );
        assert_eq!(
            AcademicYear::of(date(2026, 9, 1)),
            AcademicYear::starting(2026)
        );
        assert_eq!(
            AcademicYear::starting(2027).period(),
            Some(period(date(2027, 9, 1), date(2028, 8, 31)))
        );
        assert_eq!(AcademicYear::starting(2026).to_string(), "2026-2027");
        let summer = period(date(2027, 6, 1), date(2027, 10, 29));
        assert_eq!(
            AcademicYear::spanned_by(&summer),
            [AcademicYear::starting(2026), AcademicYear::starting(2027)]
        );
    }

    /// 924 h = 6 months × 22 days × 7 h. Another internship at the same host in 2026-2027:
    /// 2026-09-01..10-30 = 308 h (44 weekdays, see hours' tests). 308 + 616 = 924: allowed;
    /// 308 + 617 = 925: refused with the hours used, asked and the limit.
    #[test]
    fn six_months_per_host_and_year_count_the_other_internships() {
        let year = AcademicYear::starting(2026);
        let earlier = full_time(date(2026, 9, 1), date(2026, 10, 30));
        let used = earlier.presence_within(&year.period().expect("a year"));
        assert_eq!(used, Presence::from_hours(308));
        assert_eq!(max_presence_per_host_and_year(), Presence::from_hours(924));

        assert_eq!(
            check_duration(year, Presence::from_hours(616), used),
            Ok(())
        );
        let refused = check_duration(year, Presence::from_hours(617), used);
        assert_eq!(
            refused,
            Err(Refusal::DurationExceeded {
                academic_year: year,
                used: Presence::from_hours(308),
                asked: Presence::from_hours(617),
                limit: Presence::from_hours(924),
            })
        );
        assert_eq!(refused.expect_err("refused").code(), "duration_exceeded");
        // Alone, 924 h pass and 924 h + 1 min do not.
        assert_eq!(
            check_duration(year, Presence::from_hours(924), Presence::ZERO),
            Ok(())
        );
        assert!(
            check_duration(year, Presence::from_minutes(924 * 60 + 1), Presence::ZERO).is_err()
        );
    }

    /// The same host, a new internship 2026-11-02..2027-04-30 after the 308 h above: November
    /// 2026 has 21 weekdays minus 11 November (Wed) = 20; December 23 minus 25 December (Fri) =
    /// 22; January 2027 21 minus 1 January (Fri) = 20; February 20; March 23 minus lundi de
    /// Pâques 29 March (Easter 2027 is 28 March) = 22; April 22. Total 126 days × 7 h = 882 h;
    /// 308 + 882 = 1190 h > 924 h: refused.
    #[test]
    fn a_second_long_internship_at_the_same_host_is_refused() {
        let year = AcademicYear::starting(2026);
        let window = year.period().expect("a year");
        let used = full_time(date(2026, 9, 1), date(2026, 10, 30)).presence_within(&window);
        let asked = full_time(date(2026, 11, 2), date(2027, 4, 30)).presence_within(&window);
        assert_eq!(asked, Presence::from_hours(882));
        assert!(matches!(
            check_duration(year, asked, used),
            Err(Refusal::DurationExceeded { .. })
        ));
    }

    /// From the 309th hour: 308 h exactly need none, 308 h + 1 min do.
    #[test]
    fn gratification_is_due_from_the_309th_hour() {
        assert_eq!(gratification_threshold(), Presence::from_hours(308));
        assert!(!gratification_required(Presence::from_hours(308)));
        assert!(gratification_required(Presence::from_minutes(308 * 60 + 1)));
        assert!(gratification_required(Presence::from_hours(309)));

        let minimum = table().minimum_for(2026).expect("2026");
        assert_eq!(
            check_gratification(Presence::from_hours(308), None, minimum),
            Ok(())
        );
        assert_eq!(
            check_gratification(Presence::from_hours(309), None, minimum),
            Err(Refusal::GratificationRequired {
                presence: Presence::from_hours(309),
                threshold: Presence::from_hours(308),
                minimum_cents_per_hour: 450,
            })
        );
        assert_eq!(
            check_gratification(Presence::from_hours(309), Some(0), minimum)
                .expect_err("none")
                .code(),
            "gratification_required"
        );
    }

    /// Two internships of 200 h each at one host in one academic year: each alone is under
    /// 308 h, together 400 h are over: the second one needs a gratification.
    #[test]
    fn gratification_counts_the_year_at_the_same_host() {
        let whole = Presence::from_hours(200);
        let counted = presence_for_gratification(whole, Presence::from_hours(400));
        assert_eq!(counted, Presence::from_hours(400));
        assert!(gratification_required(counted));
        assert!(!gratification_required(presence_for_gratification(
            whole, whole
        )));
    }

    /// 15 % of the plafond horaire: 29 € → 4.35 € in 2024 and 2025, 30 € → 4.50 € in 2026;
    /// 2023 (27 € → 4.05 €) is not in the table: an error, never a default.
    #[test]
    fn the_minimum_gratification_per_year_and_a_missing_year() {
        let table = table();
        assert_eq!(table.minimum_for(2024).map(|m| m.cents_per_hour), Ok(435));
        assert_eq!(table.minimum_for(2025).map(|m| m.cents_per_hour), Ok(435));
        assert_eq!(table.minimum_for(2026).map(|m| m.cents_per_hour), Ok(450));
        assert_eq!(table.minimum_for(2023), Err(UnknownYear(2023)));
        assert_eq!(table.minimum_for(2027), Err(UnknownYear(2027)));

        let minimum = table.minimum_for(2026).expect("2026");
        let over = Presence::from_hours(420);
        assert_eq!(check_gratification(over, Some(450), minimum), Ok(()));
        let below = check_gratification(over, Some(435), minimum);
        assert_eq!(
            below,
            Err(Refusal::GratificationBelowMinimum {
                year: 2026,
                offered_cents_per_hour: 435,
                minimum_cents_per_hour: 450,
            })
        );
        assert_eq!(
            below.expect_err("below").to_string(),
            "4.35 € an hour is below the 2026 minimum of 4.50 €"
        );
        // Under the threshold a host may pay less than the minimum.
        assert_eq!(
            check_gratification(Presence::from_hours(300), Some(100), minimum),
            Ok(())
        );
    }

    #[test]
    fn a_table_row_that_is_not_15_percent_of_its_ceiling_is_refused() {
        let row = |year, ceiling, cents| MinimumGratification {
            year,
            ceiling,
            cents,
            source: String::new(),
        };
        assert_eq!(
            GratificationTable::new(&[row(2026, 30, 435)]),
            Err(TableError::NotTheLegalShare {
                year: 2026,
                ceiling: 30,
                cents: 435
            })
        );
        assert_eq!(
            GratificationTable::new(&[row(2026, 30, 450), row(2026, 30, 450)]),
            Err(TableError::DuplicateYear(2026))
        );
    }

    /// A supervisor following 3 interns on 20 April 2026 cannot take a fourth starting that
    /// day; one starting 1 May, once the April one has ended, can. One starting 15 March, when
    /// only the two from 1 March are in progress, can too (R124-13 counts at the designation),
    /// even though the April one will join them.
    #[test]
    fn a_supervisor_is_designated_in_at_most_three_agreements_in_progress() {
        let april = period(date(2026, 4, 1), date(2026, 4, 30));
        let until_june = period(date(2026, 3, 1), date(2026, 6, 30));
        let supervised = [april, until_june, until_june];
        let refused = check_supervisor(&period(date(2026, 4, 20), date(2026, 5, 20)), &supervised);
        assert_eq!(
            refused,
            Err(Refusal::SupervisorFull {
                in_progress: 3,
                limit: 3
            })
        );
        assert_eq!(refused.expect_err("full").code(), "supervisor_full");
        assert_eq!(
            check_supervisor(&period(date(2026, 5, 1), date(2026, 5, 31)), &supervised),
            Ok(())
        );
        assert_eq!(
            check_supervisor(&period(date(2026, 3, 15), date(2026, 5, 31)), &supervised),
            Ok(())
        );
    }

    /// The plafond horaire is the monthly ceiling × 12 / 1607 hours, rounded to the euro (CSS
    /// D242-19): 2024: 3 864 × 12 / 1607 = 28.85 → 29; 2025: 3 925 → 29.31 → 29; 2026:
    /// 4 005 → 29.91 → 30 (monthly ceilings from the arrêtés of 19 December 2023, 19 December
    /// 2024 and 22 December 2025). The table's ceilings agree.
    #[test]
    fn the_table_ceilings_follow_the_monthly_ceilings() {
        let settings = Settings::load(None).expect("defaults load");
        for (year, monthly) in [(2024, 3864_u32), (2025, 3925), (2026, 4005)] {
            let hourly = (monthly * 12 + 1607 / 2) / 1607;
            let row = settings
                .internship
                .minimum_gratification
                .iter()
                .find(|r| r.year == year)
                .expect("a row");
            assert_eq!(row.ceiling, hourly, "{year}");
        }
    }

    #[test]
    fn an_invalid_siret_is_a_refusal_too() {
        let refusal =
            Refusal::from(super::super::siret::Siret::parse("123").expect_err("too short"));
        assert_eq!(refusal.code(), "invalid_siret");
        assert_eq!(refusal.to_string(), "a SIRET has 14 digits, not 3");
        assert!(!refusal.is_warning());
    }

    #[test]
    fn a_students_internships_may_not_overlap() {
        let spring = period(date(2026, 4, 1), date(2026, 6, 30));
        let refused = check_overlap(&period(date(2026, 6, 30), date(2026, 8, 31)), &[spring]);
        assert_eq!(refused, Err(Refusal::InternshipOverlap { other: spring }));
        assert_eq!(refused.expect_err("overlap").code(), "internship_overlap");
        assert_eq!(
            check_overlap(&period(date(2026, 7, 1), date(2026, 8, 31)), &[spring]),
            Ok(())
        );
    }

    /// R124-10: 15 % rounded up from 20 people (20 → 3, 21 → 3.15 → 4, 100 → 15), 3 below.
    #[test]
    fn the_host_quota_is_a_warning_counted_per_week() {
        assert_eq!(host_quota(5), 3);
        assert_eq!(host_quota(19), 3);
        assert_eq!(host_quota(20), 3);
        assert_eq!(host_quota(21), 4);
        assert_eq!(host_quota(100), 15);

        // Three interns at a host of 10; a fourth starting Friday 3 July 2026 shares the week of
        // Monday 29 June with one ending Monday 29 June: warned.
        let hosted = [
            period(date(2026, 6, 1), date(2026, 6, 29)),
            period(date(2026, 6, 1), date(2026, 9, 30)),
            period(date(2026, 6, 1), date(2026, 9, 30)),
        ];
        let warned = check_host_quota(&period(date(2026, 7, 3), date(2026, 8, 31)), &hosted, 10);
        let refusal = warned.expect_err("over the quota");
        assert_eq!(refusal.code(), "host_quota");
        assert!(refusal.is_warning());
        assert_eq!(
            refusal,
            Refusal::HostQuota {
                interns_in_a_week: 4,
                limit: 3,
                headcount: 10
            }
        );
        // Starting the next Monday, 6 July, the first one is gone.
        assert_eq!(
            check_host_quota(&period(date(2026, 7, 6), date(2026, 8, 31)), &hosted, 10),
            Ok(())
        );
        // The same at a host of 21 (quota 4): no warning.
        assert_eq!(
            check_host_quota(&period(date(2026, 7, 3), date(2026, 8, 31)), &hosted, 21),
            Ok(())
        );
    }
}
