//! The agreement office's figures (pure): agreements per month and kind, days from request to
//! signature (median, 90th percentile), who is slowest to sign, the companies with the most
//! agreements, internship hours and gratification per academic year. The caller reads the
//! rows; this module only counts them.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::Serialize;
use utoipa::ToSchema;

use super::internship::rules::AcademicYear;

/// One agreement as the figures read it.
#[derive(Debug, Clone)]
pub struct Row {
    pub kind: String,
    pub status: String,
    pub company: String,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub signed_at: Option<NaiveDateTime>,
}

/// A signature of a current version: its party and how long after sending it came.
#[derive(Debug, Clone)]
pub struct Signed {
    pub party: String,
    pub sent_at: NaiveDateTime,
    pub signed_at: NaiveDateTime,
}

/// An internship's hours and hourly gratification, and when it starts.
#[derive(Debug, Clone)]
pub struct Hours {
    pub starts_on: NaiveDate,
    pub presence_minutes: i32,
    pub gratification_cents: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MonthCount {
    /// `2027-03`.
    pub month: String,
    pub field_mission: u64,
    pub internship: u64,
    pub research: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Delay {
    /// Days, 0.1 precision.
    pub median_days: f64,
    pub p90_days: f64,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PartyDelay {
    /// `school`, `company`, `student`, `tutor`.
    pub party: String,
    pub delay: Delay,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CompanyCount {
    pub company: String,
    pub agreements: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct YearHours {
    /// `2026-2027`.
    pub academic_year: String,
    pub internships: u64,
    pub hours: f64,
    /// Planned: hourly gratification × hours of presence, in cents.
    pub gratification_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Figures {
    pub total: u64,
    pub per_month: Vec<MonthCount>,
    /// From creation to the last signature, signed agreements only.
    pub request_to_signature: Option<Delay>,
    /// From sending to each party's signature, slowest first.
    pub slowest: Vec<PartyDelay>,
    /// The ten companies with the most agreements.
    pub companies: Vec<CompanyCount>,
    pub internship_years: Vec<YearHours>,
}

fn days(from: NaiveDateTime, to: NaiveDateTime) -> f64 {
    (to - from).num_minutes().max(0) as f64 / (24.0 * 60.0)
}

/// The median and 90th percentile (nearest rank) of `values`, if any.
pub fn delay(mut values: Vec<f64>) -> Option<Delay> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = |p: f64| {
        let i = ((p * values.len() as f64).ceil() as usize).clamp(1, values.len()) - 1;
        (values[i] * 10.0).round() / 10.0
    };
    Some(Delay {
        median_days: rank(0.5),
        p90_days: rank(0.9),
        count: values.len() as u64,
    })
}

pub fn figures(rows: &[Row], signed: &[Signed], hours: &[Hours]) -> Figures {
    let mut months: BTreeMap<String, MonthCount> = BTreeMap::new();
    let mut companies: BTreeMap<&str, u64> = BTreeMap::new();
    for r in rows {
        let month = format!("{:04}-{:02}", r.created_at.year(), r.created_at.month());
        let m = months.entry(month.clone()).or_insert(MonthCount {
            month,
            field_mission: 0,
            internship: 0,
            research: 0,
        });
        match r.kind.as_str() {
            "internship" => m.internship += 1,
            "research" => m.research += 1,
            _ => m.field_mission += 1,
        }
        if r.status != "cancelled" {
            *companies.entry(r.company.as_str()).or_default() += 1;
        }
    }
    let request_to_signature = delay(
        rows.iter()
            .filter_map(|r| Some(days(r.created_at, r.signed_at?)))
            .collect(),
    );
    let mut by_party: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for s in signed {
        by_party
            .entry(s.party.as_str())
            .or_default()
            .push(days(s.sent_at, s.signed_at));
    }
    let mut slowest: Vec<PartyDelay> = by_party
        .into_iter()
        .filter_map(|(party, values)| {
            Some(PartyDelay {
                party: party.to_owned(),
                delay: delay(values)?,
            })
        })
        .collect();
    slowest.sort_by(|a, b| b.delay.median_days.total_cmp(&a.delay.median_days));
    let mut companies: Vec<CompanyCount> = companies
        .into_iter()
        .map(|(company, agreements)| CompanyCount {
            company: company.to_owned(),
            agreements,
        })
        .collect();
    companies.sort_by(|a, b| {
        b.agreements
            .cmp(&a.agreements)
            .then(a.company.cmp(&b.company))
    });
    companies.truncate(10);
    let mut years: BTreeMap<AcademicYear, (u64, i64, i64)> = BTreeMap::new();
    for h in hours {
        let y = years.entry(AcademicYear::of(h.starts_on)).or_default();
        y.0 += 1;
        y.1 += i64::from(h.presence_minutes);
        y.2 += h.gratification_cents.map_or(0, |c| {
            (i64::from(c) * i64::from(h.presence_minutes) + 30) / 60
        });
    }
    Figures {
        total: rows.len() as u64,
        per_month: months.into_values().collect(),
        request_to_signature,
        slowest,
        companies,
        internship_years: years
            .into_iter()
            .map(|(year, (n, minutes, cents))| YearHours {
                academic_year: year.to_string(),
                internships: n,
                hours: minutes as f64 / 60.0,
                gratification_cents: cents,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(m: u32, d: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2027, m, d)
            .expect("a date")
            .and_hms_opt(9, 0, 0)
            .expect("a date")
    }

    fn row(
        kind: &str,
        company: &str,
        created: NaiveDateTime,
        signed: Option<NaiveDateTime>,
    ) -> Row {
        Row {
            kind: kind.into(),
            status: if signed.is_some() { "signed" } else { "sent" }.into(),
            company: company.into(),
            created_at: created,
            sent_at: Some(created),
            signed_at: signed,
        }
    }

    #[test]
    fn figures_count_months_delays_parties_companies_and_hours() {
        let rows = [
            row("internship", "Ateliers", at(3, 1), Some(at(3, 11))),
            row("internship", "Ateliers", at(3, 2), Some(at(3, 4))),
            row("field_mission", "Découpes", at(4, 1), None),
        ];
        let signed = [
            Signed {
                party: "school".into(),
                sent_at: at(3, 1),
                signed_at: at(3, 11),
            },
            Signed {
                party: "student".into(),
                sent_at: at(3, 1),
                signed_at: at(3, 2),
            },
        ];
        let hours = [
            Hours {
                starts_on: NaiveDate::from_ymd_opt(2027, 3, 1).expect("a date"),
                presence_minutes: 308 * 60,
                gratification_cents: None,
            },
            Hours {
                starts_on: NaiveDate::from_ymd_opt(2027, 4, 1).expect("a date"),
                presence_minutes: 400 * 60,
                gratification_cents: Some(450),
            },
        ];
        let f = figures(&rows, &signed, &hours);
        assert_eq!(f.total, 3);
        assert_eq!(f.per_month.len(), 2);
        assert_eq!(f.per_month[0].internship, 2);
        assert_eq!(f.per_month[1].field_mission, 1);
        let d = f.request_to_signature.expect("signed ones");
        assert_eq!((d.median_days, d.p90_days, d.count), (2.0, 10.0, 2));
        assert_eq!(f.slowest[0].party, "school", "the slowest first");
        assert_eq!(
            f.companies[0],
            CompanyCount {
                company: "Ateliers".into(),
                agreements: 2
            }
        );
        assert_eq!(f.internship_years.len(), 1, "both in 2026-2027");
        assert_eq!(f.internship_years[0].hours, 708.0);
        assert_eq!(f.internship_years[0].gratification_cents, 180_000);
    }

    #[test]
    fn the_percentiles_take_the_nearest_rank() {
        let d = delay((1..=10).map(f64::from).collect()).expect("values");
        assert_eq!((d.median_days, d.p90_days), (5.0, 9.0));
        assert_eq!(delay(vec![]), None);
    }
}
