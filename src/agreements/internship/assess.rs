//! An internship's stored content turned into the law's figures, and every limit judged at
//! once (pure): the presence from the stored schedule, the hours per academic year at the
//! same host, the gratification due and its minimum, and the refusals and warnings.
//! The caller gathers the other internships; this module only weighs them.

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use super::holidays::Region;
use super::hours::{Period, Presence, PresencePlan, Schedule, ScheduleError};
use super::rules::{self, AcademicYear, GratificationTable, Refusal, YearMinimum};

/// The kinds of internship a convention names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InternshipType {
    Compulsory,
    Optional,
    GapYear,
}

impl InternshipType {
    pub const ALL: [InternshipType; 3] = [
        InternshipType::Compulsory,
        InternshipType::Optional,
        InternshipType::GapYear,
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            InternshipType::Compulsory => "compulsory",
            InternshipType::Optional => "optional",
            InternshipType::GapYear => "gap_year",
        }
    }
}

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// The API's names of the days, Monday first.
pub const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Worked days as stored: seven characters, Monday first, `1` for a worked day.
pub fn days_to_mask(days: &[Weekday]) -> String {
    WEEKDAYS
        .iter()
        .map(|d| if days.contains(d) { '1' } else { '0' })
        .collect()
}

pub fn mask_to_days(mask: &str) -> Vec<Weekday> {
    WEEKDAYS
        .iter()
        .zip(mask.chars())
        .filter(|(_, c)| *c == '1')
        .map(|(d, _)| *d)
        .collect()
}

/// `mon`… `sun` to a weekday.
pub fn parse_day(name: &str) -> Option<Weekday> {
    DAY_NAMES
        .iter()
        .position(|n| n.eq_ignore_ascii_case(name.trim()))
        .map(|i| WEEKDAYS[i])
}

pub fn day_name(day: Weekday) -> &'static str {
    DAY_NAMES[day.num_days_from_monday() as usize]
}

/// An interruption as stored (JSON) and as the API shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredPeriod {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

pub fn periods_to_json(periods: &[Period]) -> String {
    let stored: Vec<StoredPeriod> = periods
        .iter()
        .map(|p| StoredPeriod {
            starts_on: p.start(),
            ends_on: p.end(),
        })
        .collect();
    serde_json::to_string(&stored).unwrap_or_else(|_| "[]".to_owned())
}

/// The stored interruptions; a row that is not valid JSON (never written so) reads as none.
pub fn periods_from_json(json: &str) -> Vec<Period> {
    serde_json::from_str::<Vec<StoredPeriod>>(json)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|p| Period::new(p.starts_on, p.ends_on).ok())
        .collect()
}

/// What the presence is computed from, as an internship stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub period: Period,
    pub weekly_minutes: u32,
    pub days: Vec<Weekday>,
    pub interruptions: Vec<Period>,
    pub holiday_work: bool,
}

impl Plan {
    pub fn presence_plan(&self) -> Result<PresencePlan, ScheduleError> {
        Ok(PresencePlan {
            period: self.period,
            schedule: Schedule::weekly(self.weekly_minutes, &self.days)?,
            interruptions: self.interruptions.clone(),
            region: Region::Metropolitan,
            works_public_holidays: self.holiday_work,
        })
    }

    /// The minutes of a worked day (the first worked day's: days share the week evenly).
    pub fn daily_minutes(&self) -> u32 {
        Schedule::weekly(self.weekly_minutes, &self.days)
            .ok()
            .and_then(|s| self.days.first().map(|d| s.minutes_on(*d)))
            .unwrap_or(0)
    }
}

/// Another internship the limits weigh.
#[derive(Debug, Clone)]
pub struct OtherInternship {
    pub same_host: bool,
    pub plan: Plan,
}

/// What is known around the internship being judged.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The same student's other internships (any host), not cancelled.
    pub student_others: Vec<OtherInternship>,
    /// Staff allowed this one to overlap the student's others.
    pub overlap_allowed: bool,
    /// The periods of the other internships this company supervisor follows.
    pub supervised: Vec<Period>,
    /// The periods of the host's other internships near these dates.
    pub hosted: Vec<Period>,
    /// The host's headcount, when known.
    pub headcount: Option<u32>,
    /// The hourly gratification offered, in cents.
    pub offered_cents: Option<u32>,
}

/// The hours of one academic year at this host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct YearAtHost {
    pub academic_year: AcademicYear,
    /// This internship's presence in that year.
    pub asked: Presence,
    /// The student's other internships at the same host in that year.
    pub used: Presence,
}

/// The figures and the verdict of every limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub presence: Presence,
    pub years: Vec<YearAtHost>,
    /// Presence L124-6 weighs: the whole internship's, or the year's at this host if larger.
    pub presence_for_gratification: Presence,
    pub gratification_required: bool,
    /// The legal minimum of the year the internship starts in (or the latest year known).
    pub minimum: Option<YearMinimum>,
    /// The minimum is the latest year's, the start's year having no row yet.
    pub minimum_provisional: bool,
    /// Limits passed: the internship cannot be sent as it stands.
    pub refusals: Vec<Refusal>,
    /// Shown to staff, never blocking (the host's quota).
    pub warnings: Vec<Refusal>,
}

impl Assessment {
    /// The first refusal, the one an API answer carries.
    pub fn first_refusal(&self) -> Option<&Refusal> {
        self.refusals.first()
    }
}

/// The legal minimum for an internship starting in `year`: that year's row, else (a year not
/// configured yet, e.g. in December for January) the latest earlier row, flagged provisional.
pub fn minimum_for(table: &GratificationTable, year: i32) -> Option<(YearMinimum, bool)> {
    if let Ok(minimum) = table.minimum_for(year) {
        return Some((minimum, false));
    }
    (year - 5..year)
        .rev()
        .find_map(|y| table.minimum_for(y).ok())
        .map(|m| (m, true))
}

/// Judges the internship `plan` against every limit.
pub fn assess(
    plan: &PresencePlan,
    facts: &Facts,
    table: &GratificationTable,
) -> Result<Assessment, ScheduleError> {
    let presence = plan.presence();
    let mut refusals = Vec::new();
    let mut warnings = Vec::new();
    let others: Vec<(bool, PresencePlan)> = facts
        .student_others
        .iter()
        .map(|o| Ok((o.same_host, o.plan.presence_plan()?)))
        .collect::<Result<_, ScheduleError>>()?;

    let mut years = Vec::new();
    for academic_year in AcademicYear::spanned_by(&plan.period) {
        let Some(window) = academic_year.period() else {
            continue;
        };
        let asked = plan.presence_within(&window);
        let used = others
            .iter()
            .filter(|(same_host, _)| *same_host)
            .map(|(_, p)| p.presence_within(&window))
            .sum();
        years.push(YearAtHost {
            academic_year,
            asked,
            used,
        });
        if let Err(refusal) = rules::check_duration(academic_year, asked, used) {
            refusals.push(refusal);
        }
    }
    let same_host_and_year = years
        .iter()
        .map(|y| y.asked + y.used)
        .max()
        .unwrap_or(Presence::ZERO);
    let presence_for_gratification =
        rules::presence_for_gratification(presence, same_host_and_year);
    let minimum = minimum_for(table, plan.period.start().year());
    if let Some((minimum, _)) = minimum {
        if let Err(refusal) =
            rules::check_gratification(presence_for_gratification, facts.offered_cents, minimum)
        {
            refusals.push(refusal);
        }
    }
    if let Err(refusal) = rules::check_supervisor(&plan.period, &facts.supervised) {
        refusals.push(refusal);
    }
    if !facts.overlap_allowed {
        let periods: Vec<Period> = others.iter().map(|(_, p)| p.period).collect();
        if let Err(refusal) = rules::check_overlap(&plan.period, &periods) {
            refusals.push(refusal);
        }
    }
    if let Some(headcount) = facts.headcount {
        if let Err(warning) = rules::check_host_quota(&plan.period, &facts.hosted, headcount) {
            warnings.push(warning);
        }
    }
    Ok(Assessment {
        presence,
        years,
        presence_for_gratification,
        gratification_required: rules::gratification_required(presence_for_gratification),
        minimum: minimum.map(|(m, _)| m),
        minimum_provisional: minimum.is_some_and(|(_, p)| p),
        refusals,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MinimumGratification;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid in the test")
    }

    fn table() -> GratificationTable {
        GratificationTable::new(&[
            MinimumGratification {
                year: 2025,
                ceiling: 29,
                cents: 435,
                source: String::new(),
            },
            MinimumGratification {
                year: 2026,
                ceiling: 30,
                cents: 450,
                source: String::new(),
            },
        ])
        .expect("valid in the test")
    }

    fn plan(from: NaiveDate, to: NaiveDate, weekly_hours: u32) -> Plan {
        use Weekday::*;
        Plan {
            period: Period::new(from, to).expect("valid in the test"),
            weekly_minutes: weekly_hours * 60,
            days: vec![Mon, Tue, Wed, Thu, Fri],
            interruptions: vec![],
            holiday_work: false,
        }
    }

    #[test]
    fn days_and_interruptions_round_trip_through_their_stored_forms() {
        use Weekday::*;
        let days = vec![Mon, Tue, Thu, Fri];
        assert_eq!(days_to_mask(&days), "1101100");
        assert_eq!(mask_to_days("1101100"), days);
        assert_eq!(parse_day("Sat"), Some(Sat));
        assert_eq!(parse_day("samedi"), None);
        let periods =
            vec![Period::new(day(2026, 12, 24), day(2027, 1, 1)).expect("valid in the test")];
        assert_eq!(periods_from_json(&periods_to_json(&periods)), periods);
        assert_eq!(periods_from_json("not json"), vec![]);
    }

    #[test]
    fn a_short_internship_passes_every_limit_without_gratification() {
        // 2 to 27 February 2026: 20 weekdays, no holiday: 20 × 7 h = 140 h.
        let p = plan(day(2026, 2, 2), day(2026, 2, 27), 35);
        let a = assess(
            &p.presence_plan().expect("valid in the test"),
            &Facts::default(),
            &table(),
        )
        .expect("valid in the test");
        assert_eq!(a.presence, Presence::from_hours(140));
        assert!(!a.gratification_required);
        assert_eq!(a.refusals, vec![]);
        assert_eq!(a.minimum.expect("valid in the test").cents_per_hour, 450);
        assert!(!a.minimum_provisional);
    }

    #[test]
    fn the_same_hosts_other_internship_in_the_year_counts_towards_924_hours() {
        // 5 January to 26 June 2026 at 35 h: 5 + 4 + 4 + 5 + 4 + 4 weeks... computed: 24 weeks,
        // minus Easter Monday 6 April, 1 and 8 May, Ascension 14 May, Whit Monday 25 May: 115 days
        // = 805 h. With 140 h already at the host that academic year: 945 h > 924 h.
        let p = plan(day(2026, 1, 5), day(2026, 6, 19), 35);
        let presence = p.presence_plan().expect("valid in the test").presence();
        assert_eq!(presence, Presence::from_hours(805));
        let facts = Facts {
            student_others: vec![OtherInternship {
                same_host: true,
                plan: plan(day(2025, 10, 6), day(2025, 10, 31), 35),
            }],
            offered_cents: Some(450),
            ..Facts::default()
        };
        let a = assess(
            &p.presence_plan().expect("valid in the test"),
            &facts,
            &table(),
        )
        .expect("valid in the test");
        assert_eq!(a.years[0].used, Presence::from_hours(140));
        assert!(matches!(
            a.first_refusal(),
            Some(Refusal::DurationExceeded { .. })
        ));
        // At another host the same hours are not summed (and the periods do not overlap).
        let facts = Facts {
            student_others: vec![OtherInternship {
                same_host: false,
                plan: plan(day(2025, 10, 6), day(2025, 10, 31), 35),
            }],
            offered_cents: Some(450),
            ..Facts::default()
        };
        let a = assess(
            &p.presence_plan().expect("valid in the test"),
            &facts,
            &table(),
        )
        .expect("valid in the test");
        assert_eq!(a.refusals, vec![]);
    }

    #[test]
    fn gratification_is_required_over_308_hours_and_at_least_the_start_years_minimum() {
        let p = plan(day(2026, 3, 2), day(2026, 6, 26), 35);
        let a = assess(
            &p.presence_plan().expect("valid in the test"),
            &Facts::default(),
            &table(),
        )
        .expect("valid in the test");
        assert!(a.gratification_required);
        assert!(matches!(
            a.first_refusal(),
            Some(Refusal::GratificationRequired { .. })
        ));
        let facts = Facts {
            offered_cents: Some(449),
            ..Facts::default()
        };
        let a = assess(
            &p.presence_plan().expect("valid in the test"),
            &facts,
            &table(),
        )
        .expect("valid in the test");
        assert_eq!(
            a.first_refusal(),
            Some(&Refusal::GratificationBelowMinimum {
                year: 2026,
                offered_cents_per_hour: 449,
                minimum_cents_per_hour: 450
            })
        );
    }

    #[test]
    fn a_year_without_its_row_uses_the_latest_one_provisionally() {
        let p = plan(day(2027, 2, 1), day(2027, 2, 26), 35);
        let a = assess(
            &p.presence_plan().expect("valid in the test"),
            &Facts::default(),
            &table(),
        )
        .expect("valid in the test");
        assert_eq!(a.minimum.expect("valid in the test").year, 2026);
        assert!(a.minimum_provisional);
        assert_eq!(minimum_for(&table(), 2024), None);
    }

    #[test]
    fn overlap_is_refused_unless_staff_allowed_it_and_quota_is_only_a_warning() {
        let p = plan(day(2026, 2, 2), day(2026, 2, 27), 35);
        let mut facts = Facts {
            student_others: vec![OtherInternship {
                same_host: false,
                plan: plan(day(2026, 2, 23), day(2026, 3, 6), 35),
            }],
            hosted: vec![
                Period::new(day(2026, 2, 1), day(2026, 3, 1)).expect("valid in the test");
                3
            ],
            headcount: Some(10),
            ..Facts::default()
        };
        let a = assess(
            &p.presence_plan().expect("valid in the test"),
            &facts,
            &table(),
        )
        .expect("valid in the test");
        assert!(matches!(
            a.first_refusal(),
            Some(Refusal::InternshipOverlap { .. })
        ));
        assert_eq!(a.warnings.len(), 1);
        assert!(a.warnings[0].is_warning());
        facts.overlap_allowed = true;
        let a = assess(
            &p.presence_plan().expect("valid in the test"),
            &facts,
            &table(),
        )
        .expect("valid in the test");
        assert_eq!(a.refusals, vec![]);
    }
}
