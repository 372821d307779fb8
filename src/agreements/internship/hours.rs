//! Hours of presence, computed — never typed: from the dates (both included), the hours of each
//! worked weekday, minus the public holidays falling on worked days and minus the interruptions.
//! Counted in whole minutes (no float drift), expressed as the law does (Code de l'éducation
//! D124-6, checked 2026-12-06 through urssaf.fr's quotation): 7 hours of presence, consecutive
//! or not, make one day; 22 days make one month.
//!
//! A public holiday off is not presence: the duration is « la durée de présence effective »
//! (D124-8, D124-6). Legisocial.fr (2015, « Durée maximale des stages : l'incertitude
//! concernant les jours fériés ») noted that the ACOSS circular of 2 July 2015 and the
//! ministry's Guide des stages of June 2015 treat holidays differently; fieldlab follows the
//! articles' wording.
//!
//! Part time counts presence hours too: 3 h 30 a day for 60 days is 210 h, i.e. 30 legal days,
//! not 60; and 28 h over 4 days is counted in its days of presence, not in the weekdays of the
//! period (ESUP-Stage's issue #340, « Calcul des stages à 80% », which quotes D124-6 from
//! <https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000029814160>: « La durée du (ou
//! des) stage(s) … est calculée en fonction du temps de présence effective du stagiaire dans
//! l'organisme d'accueil. Chaque période au moins égale à sept heures de présence, consécutives
//! ou non, est considérée comme équivalente à un jour … »).

use std::fmt;
use std::iter::Sum;
use std::ops::Add;

use chrono::{Datelike, NaiveDate, Weekday};

use super::holidays::{public_holidays, Region};
use super::{DAYS_PER_LEGAL_MONTH, MINUTES_PER_LEGAL_DAY};

/// Calendar days from `start` to `end`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    start: NaiveDate,
    end: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EndsBeforeStart;

impl Period {
    pub fn new(start: NaiveDate, end: NaiveDate) -> Result<Self, EndsBeforeStart> {
        if end < start {
            return Err(EndsBeforeStart);
        }
        Ok(Self { start, end })
    }

    pub fn start(&self) -> NaiveDate {
        self.start
    }

    pub fn end(&self) -> NaiveDate {
        self.end
    }

    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }

    pub fn overlaps(&self, other: &Period) -> bool {
        self.start <= other.end && other.start <= self.end
    }

    /// The days both share, if any.
    pub fn intersection(&self, other: &Period) -> Option<Period> {
        let start = self.start.max(other.start);
        let end = self.end.min(other.end);
        (start <= end).then_some(Period { start, end })
    }

    /// Each day, in order.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> {
        let end = self.end;
        self.start.iter_days().take_while(move |d| *d <= end)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} – {}", self.start, self.end)
    }
}

/// Minutes of presence on each weekday, Monday first; 0: not worked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    minutes: [u32; 7],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScheduleError {
    NoWorkedDay,
    /// More than 24 hours on one day.
    DayTooLong(Weekday),
}

impl Schedule {
    /// `weekly_minutes` spread evenly over `days` (daily hours = weekly / worked days). When the
    /// minutes do not divide exactly, the first days of the week take one minute more, so the
    /// week still adds up to `weekly_minutes`.
    pub fn weekly(weekly_minutes: u32, days: &[Weekday]) -> Result<Self, ScheduleError> {
        let mut worked = [false; 7];
        for day in days {
            worked[day.num_days_from_monday() as usize] = true;
        }
        let count = worked.iter().filter(|w| **w).count() as u32;
        if count == 0 || weekly_minutes == 0 {
            return Err(ScheduleError::NoWorkedDay);
        }
        let (each, mut extra) = (weekly_minutes / count, weekly_minutes % count);
        let mut minutes = [0; 7];
        for (slot, _) in minutes.iter_mut().zip(worked).filter(|(_, w)| *w) {
            *slot = each + u32::from(extra > 0);
            extra = extra.saturating_sub(1);
        }
        Self::per_day(minutes)
    }

    /// Monday to Friday, the default.
    pub fn monday_to_friday(weekly_minutes: u32) -> Result<Self, ScheduleError> {
        use Weekday::*;
        Self::weekly(weekly_minutes, &[Mon, Tue, Wed, Thu, Fri])
    }

    /// The minutes of each weekday, Monday first, when days differ.
    pub fn per_day(minutes: [u32; 7]) -> Result<Self, ScheduleError> {
        if minutes.iter().all(|m| *m == 0) {
            return Err(ScheduleError::NoWorkedDay);
        }
        if let Some(day) = minutes.iter().position(|m| *m > 24 * 60) {
            return Err(ScheduleError::DayTooLong(weekday_from_monday(day)));
        }
        Ok(Self { minutes })
    }

    pub fn minutes_on(&self, day: Weekday) -> u32 {
        self.minutes[day.num_days_from_monday() as usize]
    }

    pub fn weekly_minutes(&self) -> u32 {
        self.minutes.iter().sum()
    }
}

fn weekday_from_monday(index: usize) -> Weekday {
    Weekday::try_from(index as u8).unwrap_or(Weekday::Sun)
}

/// A duration of presence, in whole minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
pub struct Presence(u32);

impl Presence {
    pub const ZERO: Presence = Presence(0);

    pub fn from_minutes(minutes: u32) -> Self {
        Self(minutes)
    }

    pub fn from_hours(hours: u32) -> Self {
        Self(hours * 60)
    }

    /// D124-6's months, as presence: `months` × 22 days × 7 h.
    pub fn legal_months(months: u32) -> Self {
        Self(months * DAYS_PER_LEGAL_MONTH * MINUTES_PER_LEGAL_DAY)
    }

    pub fn minutes(self) -> u32 {
        self.0
    }

    /// Whole hours and the minutes left: (428, 45) for 428 h 45.
    pub fn hours_and_minutes(self) -> (u32, u32) {
        (self.0 / 60, self.0 % 60)
    }

    /// The law's own expression (D124-6): whole months of 22 days, whole days of 7 hours, and
    /// the minutes left over.
    pub fn legal(self) -> LegalDuration {
        let days = self.0 / MINUTES_PER_LEGAL_DAY;
        LegalDuration {
            months: days / DAYS_PER_LEGAL_MONTH,
            days: days % DAYS_PER_LEGAL_MONTH,
            minutes: self.0 % MINUTES_PER_LEGAL_DAY,
        }
    }

    pub fn saturating_sub(self, other: Presence) -> Presence {
        Presence(self.0.saturating_sub(other.0))
    }
}

impl Add for Presence {
    type Output = Presence;
    fn add(self, other: Presence) -> Presence {
        Presence(self.0 + other.0)
    }
}

impl Sum for Presence {
    fn sum<I: Iterator<Item = Presence>>(iter: I) -> Presence {
        iter.fold(Presence::ZERO, Add::add)
    }
}

/// "428 h 45" (or "308 h").
impl fmt::Display for Presence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.hours_and_minutes() {
            (h, 0) => write!(f, "{h} h"),
            (h, m) => write!(f, "{h} h {m:02}"),
        }
    }
}

/// A presence as D124-6 counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegalDuration {
    pub months: u32,
    /// 0 to 21.
    pub days: u32,
    /// 0 to 419: less than one legal day.
    pub minutes: u32,
}

/// What an internship's presence is computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PresencePlan {
    pub period: Period,
    pub schedule: Schedule,
    /// Periods without presence (the host closed, a return to school…); they may overlap.
    /// Not leave: the leave and absences the agreement allows count as presence (D124-6).
    pub interruptions: Vec<Period>,
    pub region: Region,
    /// The agreement provides presence on public holidays (D124-4 asks it to say so): their
    /// worked weekdays then count. 1er mai is off for everyone but hosts that cannot stop
    /// (code.travail.gouv.fr, « Les jours fériés et les ponts »): for the others the caller
    /// adds it as an interruption.
    pub works_public_holidays: bool,
}

impl PresencePlan {
    /// The minutes of presence planned on `day`: 0 outside the period, on days not worked, on
    /// public holidays and in interruptions.
    pub fn minutes_on(&self, day: NaiveDate) -> u32 {
        let holidays: Vec<NaiveDate> = public_holidays(day.year(), self.region)
            .into_iter()
            .map(|(d, _)| d)
            .collect();
        self.minutes_with(day, &holidays)
    }

    fn minutes_with(&self, day: NaiveDate, holidays: &[NaiveDate]) -> u32 {
        if !self.period.contains(day)
            || self.interruptions.iter().any(|i| i.contains(day))
            || (!self.works_public_holidays && holidays.contains(&day))
        {
            return 0;
        }
        self.schedule.minutes_on(day.weekday())
    }

    /// The holidays of every year the period touches, computed once per call rather than
    /// once per day.
    fn holidays(&self) -> Vec<NaiveDate> {
        (self.period.start.year()..=self.period.end.year())
            .flat_map(|year| public_holidays(year, self.region))
            .map(|(d, _)| d)
            .collect()
    }

    /// The whole internship's presence.
    pub fn presence(&self) -> Presence {
        self.presence_within(&self.period)
    }

    /// The presence on the days of `window` only (an academic year, a month for the monthly
    /// gratification).
    pub fn presence_within(&self, window: &Period) -> Presence {
        let holidays = self.holidays();
        self.period
            .intersection(window)
            .map(|days| Presence(days.days().map(|d| self.minutes_with(d, &holidays)).sum()))
            .unwrap_or(Presence::ZERO)
    }

    /// The days with presence and their minutes, for a calendar or the certificate.
    pub fn presence_days(&self) -> Vec<(NaiveDate, u32)> {
        let holidays = self.holidays();
        self.period
            .days()
            .map(|d| (d, self.minutes_with(d, &holidays)))
            .filter(|(_, m)| *m > 0)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Weekday::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    fn period(from: NaiveDate, to: NaiveDate) -> Period {
        Period::new(from, to).expect("a period")
    }

    fn plan(from: NaiveDate, to: NaiveDate, schedule: Schedule) -> PresencePlan {
        PresencePlan {
            period: period(from, to),
            schedule,
            interruptions: Vec::new(),
            region: Region::Metropolitan,
            works_public_holidays: false,
        }
    }

    fn full_time() -> Schedule {
        Schedule::monday_to_friday(35 * 60).expect("35 h")
    }

    /// 2026-04-01 (a Wednesday) to 2026-06-30, full time (35 h, Mon–Fri: 7 h a day).
    /// Weekdays: April 22 (1–3: 3, then 5+5+5, 27–30: 4), May 21 (1: 1, then 5+5+5+5),
    /// June 22 (4×5, 29–30: 2): 65. Holidays on weekdays: lundi de Pâques 6 April, 1er mai
    /// (Fri), 8 mai (Fri), Ascension 14 May (Thu), lundi de Pentecôte 25 May: 5.
    /// 60 days × 7 h = 420 h = 60 legal days = 2 months (44 days) and 16 days.
    #[test]
    fn full_time_across_easter_and_may() {
        let p = plan(date(2026, 4, 1), date(2026, 6, 30), full_time());
        assert_eq!(p.presence(), Presence::from_hours(420));
        assert_eq!(p.presence_days().len(), 60);
        assert_eq!(
            p.presence().legal(),
            LegalDuration {
                months: 2,
                days: 16,
                minutes: 0
            }
        );
        for holiday in [(4, 6), (5, 1), (5, 8), (5, 14), (5, 25)] {
            assert_eq!(
                p.minutes_on(date(2026, holiday.0, holiday.1)),
                0,
                "{holiday:?}"
            );
        }
        assert_eq!(p.presence().to_string(), "420 h");
    }

    /// Same dates, 35 h over Monday–Thursday: 2100 min / 4 = 525 min (8 h 45) a day.
    /// Mon–Thu days: April 18 (1–2: 2, then 4×4), May 16 (4×4), June 18 (4×4, 29–30: 2): 52.
    /// Holidays on Mon–Thu: 6 April, 14 May, 25 May (1 and 8 May are Fridays): 3.
    /// 49 × 525 = 25 725 min = 428 h 45; 25 725 / 420 = 61 days rest 105 min:
    /// 2 months 17 days and 1 h 45.
    #[test]
    fn four_days_a_week() {
        let schedule = Schedule::weekly(35 * 60, &[Mon, Tue, Wed, Thu]).expect("4 days");
        assert_eq!(schedule.minutes_on(Mon), 525);
        assert_eq!(schedule.minutes_on(Fri), 0);
        let p = plan(date(2026, 4, 1), date(2026, 6, 30), schedule);
        assert_eq!(p.presence(), Presence::from_minutes(25_725));
        assert_eq!(p.presence().hours_and_minutes(), (428, 45));
        assert_eq!(p.presence().to_string(), "428 h 45");
        assert_eq!(
            p.presence().legal(),
            LegalDuration {
                months: 2,
                days: 17,
                minutes: 105
            }
        );
    }

    /// 80 % time: 28 h over Mon–Fri = 1680 min / 5 = 336 min (5 h 36) a day. Same 60 days:
    /// 60 × 336 = 20 160 min = 336 h = 48 legal days exactly (20 160 / 420) = 2 months 4 days;
    /// counting the days at 5 h 36 would say 60 days.
    /// 80 % as 4 days of 7 h (Mon–Thu, ESUP-Stage #340's case): 49 days (see four_days_a_week)
    /// × 7 h = 343 h = 49 legal days = 2 months 5 days, not the period's 60 weekdays.
    #[test]
    fn eighty_percent_time_counts_presence_hours() {
        let p = plan(
            date(2026, 4, 1),
            date(2026, 6, 30),
            Schedule::monday_to_friday(28 * 60).expect("28 h"),
        );
        assert_eq!(p.presence(), Presence::from_hours(336));
        assert_eq!(
            p.presence().legal(),
            LegalDuration {
                months: 2,
                days: 4,
                minutes: 0
            }
        );
        let four_days = plan(
            date(2026, 4, 1),
            date(2026, 6, 30),
            Schedule::weekly(28 * 60, &[Mon, Tue, Wed, Thu]).expect("4 days"),
        );
        assert_eq!(four_days.presence(), Presence::from_hours(343));
        assert_eq!(
            four_days.presence().legal(),
            LegalDuration {
                months: 2,
                days: 5,
                minutes: 0
            }
        );
    }

    /// Half time, 17 h 30 over Mon–Fri = 210 min a day; 60 days × 210 = 12 600 min = 210 h =
    /// 30 legal days = 1 month 8 days: under 2 months, where #340's count (60 days) was over.
    #[test]
    fn part_time_is_not_counted_in_its_own_days() {
        let p = plan(
            date(2026, 4, 1),
            date(2026, 6, 30),
            Schedule::monday_to_friday(17 * 60 + 30).expect("17 h 30"),
        );
        assert_eq!(p.presence(), Presence::from_hours(210));
        assert_eq!(
            p.presence().legal(),
            LegalDuration {
                months: 1,
                days: 8,
                minutes: 0
            }
        );
    }

    /// Full time 2026-04-01..06-30 with an interruption Monday 11 – Friday 15 May 2026: it
    /// removes 11, 12, 13 and 15 May (14 May, Ascension, was already off): 60 − 4 = 56 days ×
    /// 7 h = 392 h. A second interruption overlapping the first removes nothing more.
    #[test]
    fn an_interruption_removes_its_worked_days() {
        let mut p = plan(date(2026, 4, 1), date(2026, 6, 30), full_time());
        p.interruptions
            .push(period(date(2026, 5, 11), date(2026, 5, 15)));
        assert_eq!(p.presence(), Presence::from_hours(392));
        p.interruptions
            .push(period(date(2026, 5, 14), date(2026, 5, 17)));
        assert_eq!(p.presence(), Presence::from_hours(392));
    }

    /// February 2028 (leap year, 1 Feb a Tuesday): weekdays 1–4 (4), 7–11, 14–18, 21–25 (15),
    /// 28–29 (2) = 21, no holiday: 21 × 7 h = 147 h = 21 legal days. February 2027 (1 Feb a
    /// Monday, 28 days): 20 weekdays = 140 h.
    #[test]
    fn february_of_a_leap_year_counts_the_29th() {
        let leap = plan(date(2028, 2, 1), date(2028, 2, 29), full_time());
        assert_eq!(leap.presence(), Presence::from_hours(147));
        assert_eq!(leap.minutes_on(date(2028, 2, 29)), 420);
        assert_eq!(
            leap.presence().legal(),
            LegalDuration {
                months: 0,
                days: 21,
                minutes: 0
            }
        );
        let common = plan(date(2027, 2, 1), date(2027, 2, 28), full_time());
        assert_eq!(common.presence(), Presence::from_hours(140));
    }

    /// 2026-09-01 (Tuesday) to 2026-10-30 (Friday): September 22 weekdays (1–4: 4, 3×5,
    /// 28–30: 3), October 22 (1–2: 2, 4×5), no holiday (1 November is a Sunday): 44 days ×
    /// 7 h = 308 h = exactly 2 legal months; to Monday 2 November: 45 days = 315 h.
    #[test]
    fn two_legal_months_are_308_hours() {
        let two_months = plan(date(2026, 9, 1), date(2026, 10, 30), full_time());
        assert_eq!(two_months.presence(), Presence::from_hours(308));
        assert_eq!(two_months.presence(), Presence::legal_months(2));
        assert_eq!(
            two_months.presence().legal(),
            LegalDuration {
                months: 2,
                days: 0,
                minutes: 0
            }
        );
        let longer = plan(date(2026, 9, 1), date(2026, 11, 2), full_time());
        assert_eq!(longer.presence(), Presence::from_hours(315));
        assert_eq!(Presence::legal_months(6), Presence::from_hours(924));
    }

    /// The same full-time spring with presence on public holidays provided: the 5 holidays on
    /// weekdays count: 65 days × 7 h = 455 h.
    #[test]
    fn holidays_worked_when_the_agreement_says_so() {
        let mut p = plan(date(2026, 4, 1), date(2026, 6, 30), full_time());
        p.works_public_holidays = true;
        assert_eq!(p.presence(), Presence::from_hours(455));
    }

    #[test]
    fn uneven_weekly_minutes_still_add_up() {
        // 35 h 10 over 3 days: 2110 = 3 × 703 + 1: Monday takes the extra minute.
        let s = Schedule::weekly(35 * 60 + 10, &[Mon, Wed, Fri]).expect("3 days");
        assert_eq!(
            [s.minutes_on(Mon), s.minutes_on(Wed), s.minutes_on(Fri)],
            [704, 703, 703]
        );
        assert_eq!(s.weekly_minutes(), 2110);
    }

    #[test]
    fn schedules_and_periods_refuse_nonsense() {
        assert_eq!(
            Schedule::weekly(35 * 60, &[]),
            Err(ScheduleError::NoWorkedDay)
        );
        assert_eq!(Schedule::weekly(0, &[Mon]), Err(ScheduleError::NoWorkedDay));
        assert_eq!(
            Schedule::per_day([0, 0, 25 * 60, 0, 0, 0, 0]),
            Err(ScheduleError::DayTooLong(Wed))
        );
        assert_eq!(
            Period::new(date(2026, 5, 2), date(2026, 5, 1)),
            Err(EndsBeforeStart)
        );
        // One day is a period: both ends are included.
        assert_eq!(period(date(2026, 5, 4), date(2026, 5, 4)).days().count(), 1);
    }

    #[test]
    fn presence_within_a_window_counts_only_its_days() {
        let p = plan(date(2026, 4, 1), date(2026, 6, 30), full_time());
        // June 2026: 22 weekdays, no holiday.
        let june = period(date(2026, 6, 1), date(2026, 6, 30));
        assert_eq!(p.presence_within(&june), Presence::from_hours(154));
        let after = period(date(2026, 7, 1), date(2026, 7, 31));
        assert_eq!(p.presence_within(&after), Presence::ZERO);
    }
}
