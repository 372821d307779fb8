//! The week view of one equipment, drawn as a grid: half-hour rows from the earliest opening
//! to the latest closing of the week, one column per day, each cell free, booked, closed, or
//! in an exceptional closure. Pure: the caller reads hours, closures and bookings.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime, Weekday};
use chrono_tz::Tz;

use crate::labs::domain::{format_wall_clock, local_to_utc, open_on, Interval, OpeningPeriod};

const STEP_MINUTES: u16 = 30;

/// `2027-W09` → its Monday; anything else → `None`.
pub fn parse_week(text: &str) -> Option<NaiveDate> {
    let (year, week) = text.trim().split_once("-W")?;
    NaiveDate::from_isoywd_opt(year.parse().ok()?, week.parse().ok()?, Weekday::Mon)
}

/// The Monday of `day`'s ISO week.
pub fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// `2027-W09` for the week starting `monday`.
pub fn week_name(monday: NaiveDate) -> String {
    monday.format("%G-W%V").to_string()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Free,
    Busy,
    Closed,
    Closure,
}

impl Cell {
    pub fn as_str(self) -> &'static str {
        match self {
            Cell::Free => "free",
            Cell::Busy => "busy",
            Cell::Closed => "closed",
            Cell::Closure => "closure",
        }
    }
}

/// The seven days of the week from `monday`: the grid's column headers, in the order of every
/// row's cells, so a day's half-hours always sit under that day's header.
pub fn days(monday: NaiveDate) -> [NaiveDate; 7] {
    std::array::from_fn(|i| monday + Duration::days(i64::try_from(i).unwrap_or(0)))
}

/// One row of the grid: its wall-clock start and a cell per day, Monday first.
pub struct Row {
    pub time: String,
    pub cells: Vec<Cell>,
}

pub fn grid(
    tz: Tz,
    hours: &[OpeningPeriod],
    monday: NaiveDate,
    closures: &[Interval],
    bookings: &[Interval],
) -> Vec<Row> {
    let first = hours.iter().map(|p| p.opens).min().unwrap_or(8 * 60);
    let last = hours.iter().map(|p| p.closes).max().unwrap_or(18 * 60);
    let first = first - first % STEP_MINUTES;
    let days = days(monday);
    let open: Vec<Vec<Interval>> = days.iter().map(|d| open_on(tz, hours, *d)).collect();
    let mut rows = Vec::new();
    let mut minute = first;
    while minute < last {
        let cells = days
            .iter()
            .zip(&open)
            .map(|(day, open)| {
                let slot = Interval::new(
                    local_to_utc(tz, *day, minute),
                    local_to_utc(tz, *day, minute + STEP_MINUTES),
                );
                classify(slot, open, closures, bookings)
            })
            .collect();
        rows.push(Row {
            time: format_wall_clock(minute),
            cells,
        });
        minute += STEP_MINUTES;
    }
    rows
}

fn classify(
    slot: Interval,
    open: &[Interval],
    closures: &[Interval],
    bookings: &[Interval],
) -> Cell {
    if closures.iter().any(|c| c.overlaps(&slot)) {
        Cell::Closure
    } else if !open.iter().any(|o| o.contains(&slot)) {
        Cell::Closed
    } else if bookings.iter().any(|b| b.overlaps(&slot)) {
        Cell::Busy
    } else {
        Cell::Free
    }
}

/// The local date and wall-clock minutes of a form's `date` + `HH:MM`, as a UTC instant.
pub fn instant(tz: Tz, date: NaiveDate, time: &str, end_of_day: bool) -> Option<NaiveDateTime> {
    crate::labs::domain::parse_wall_clock(time, end_of_day).map(|m| local_to_utc(tz, date, m))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(d: NaiveDate, h: u32, m: u32) -> NaiveDateTime {
        d.and_hms_opt(h, m, 0).expect("time")
    }

    #[test]
    fn weeks_are_named_and_parsed_the_iso_way() {
        let monday = parse_week("2027-W09").expect("week");
        assert_eq!(monday, NaiveDate::from_ymd_opt(2027, 3, 1).expect("date"));
        assert_eq!(week_name(monday), "2027-W09");
        assert_eq!(monday_of(monday + Duration::days(6)), monday);
        assert_eq!(parse_week("2027-09"), None);
    }

    #[test]
    fn cells_show_closures_over_bookings_over_free_time() {
        let tz = chrono_tz::Europe::Paris;
        let monday = NaiveDate::from_ymd_opt(2027, 3, 1).expect("date");
        let hours = [OpeningPeriod {
            weekday: 1,
            opens: 9 * 60,
            closes: 11 * 60,
        }];
        // 09:00–09:30 Paris is 08:00–08:30 UTC in March (UTC+1).
        let booked = [Interval::new(at(monday, 8, 0), at(monday, 8, 30))];
        let closed = [Interval::new(at(monday, 9, 30), at(monday, 10, 0))];
        let rows = grid(tz, &hours, monday, &closed, &booked);
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[0].time, "09:00");
        let monday_cells: Vec<Cell> = rows.iter().map(|r| r.cells[0]).collect();
        assert_eq!(
            monday_cells,
            [Cell::Busy, Cell::Free, Cell::Free, Cell::Closure]
        );
        assert!(rows.iter().all(|r| r.cells[1] == Cell::Closed));
    }

    #[test]
    fn each_row_has_one_cell_per_day_header_and_a_booking_lies_in_its_own_day_column() {
        let tz = chrono_tz::Europe::Paris;
        let monday = NaiveDate::from_ymd_opt(2027, 3, 1).expect("date");
        let hours: Vec<OpeningPeriod> = (1..=7)
            .map(|weekday| OpeningPeriod {
                weekday,
                opens: 8 * 60,
                closes: 12 * 60,
            })
            .collect();
        let headers = days(monday);
        assert_eq!(headers[0], monday);
        assert_eq!(headers[2].weekday(), Weekday::Wed);
        // Wednesday 10:00–11:00 Paris, Saturday 08:00–08:30 Paris.
        let booked = [
            Interval::new(at(headers[2], 9, 0), at(headers[2], 10, 0)),
            Interval::new(at(headers[5], 7, 0), at(headers[5], 7, 30)),
        ];
        let rows = grid(tz, &hours, monday, &[], &booked);
        assert!(rows.iter().all(|r| r.cells.len() == headers.len()));
        let busy: Vec<(String, usize)> = rows
            .iter()
            .flat_map(|r| {
                r.cells
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| **c == Cell::Busy)
                    .map(|(day, _)| (r.time.clone(), day))
            })
            .collect();
        assert_eq!(
            busy,
            [
                ("08:00".to_owned(), 5),
                ("10:00".to_owned(), 2),
                ("10:30".to_owned(), 2)
            ]
        );
    }
}
