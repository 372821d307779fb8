//! Bookings as iCalendar (RFC 5545) events: the confirmation's attachment, the cancellation
//! (`METHOD:CANCEL`, `STATUS:CANCELLED`, a higher `SEQUENCE`) and
//! `GET /bookings/{id}/calendar.ics`. Times are wall-clock times in the lab's zone
//! (`DTSTART;TZID=Europe/Paris:20270329T080000`) with a `VTIMEZONE` built from the tz
//! database for the years concerned, so every client shows the right hour on both sides of a
//! daylight-saving change. The UID is fixed by the booking's id, so a cancellation replaces
//! the event it cancels.

use chrono::{DateTime, Datelike, Duration, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, Tz};
use icalendar::{Calendar, CalendarDateTime, Component, EventLike, EventStatus};

/// What an event shows of a booking.
#[derive(Debug, Clone)]
pub struct BookingEvent {
    pub booking_id: String,
    pub equipment: String,
    pub lab: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub purpose: Option<String>,
    pub cancelled: bool,
}

pub const CONTENT_TYPE: &str = "text/calendar; charset=utf-8";

/// A booking's stable UID: the same in the confirmation, the download and the cancellation.
pub fn uid(booking_id: &str) -> String {
    format!("booking-{booking_id}@fieldlab")
}

/// A calendar of `events` in the lab's zone. `METHOD:CANCEL` when all of them are cancelled,
/// else `METHOD:PUBLISH`.
pub fn calendar(tz: Tz, events: &[BookingEvent], stamp: DateTime<Utc>) -> String {
    let cancel = !events.is_empty() && events.iter().all(|e| e.cancelled);
    let mut cal = Calendar::new();
    cal.append_property(("METHOD", if cancel { "CANCEL" } else { "PUBLISH" }));
    cal.timezone(tz.name());
    for e in events {
        let mut event = icalendar::Event::new();
        event
            .uid(&uid(&e.booking_id))
            .timestamp(stamp)
            .sequence(u32::from(e.cancelled))
            .summary(&format!("{} ({})", e.equipment, e.lab))
            .location(&e.lab)
            .starts(local(tz, e.starts_at))
            .ends(local(tz, e.ends_at))
            .status(if e.cancelled {
                EventStatus::Cancelled
            } else {
                EventStatus::Confirmed
            });
        if let Some(purpose) = e.purpose.as_deref().filter(|p| !p.is_empty()) {
            event.description(purpose);
        }
        cal.push(event.done());
    }
    let text = cal.done().to_string();
    let years = events
        .iter()
        .flat_map(|e| [e.starts_at.year(), e.ends_at.year()])
        .fold(None, |acc: Option<(i32, i32)>, y| {
            Some(acc.map_or((y, y), |(a, b)| (a.min(y), b.max(y))))
        });
    match years {
        // RFC 5545 wants the VTIMEZONE before the components that use it.
        Some((first, last)) => text.replacen(
            "BEGIN:VEVENT",
            &format!("{}BEGIN:VEVENT", vtimezone(tz, first, last)),
            1,
        ),
        None => text,
    }
}

fn local(tz: Tz, at: NaiveDateTime) -> CalendarDateTime {
    CalendarDateTime::WithTimezone {
        date_time: tz.from_utc_datetime(&at).naive_local(),
        tzid: tz.name().to_owned(),
    }
}

fn offset_seconds(tz: Tz, at: NaiveDateTime) -> i32 {
    tz.offset_from_utc_datetime(&at).fix().local_minus_utc()
}

fn format_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.abs();
    format!("{sign}{:02}{:02}", s / 3600, (s % 3600) / 60)
}

/// The zone's rules from 1 January of `first` to 31 December of `last`: the offset in force
/// at the start, then each change (found day by day, then to the second), as observances.
fn vtimezone(tz: Tz, first: i32, last: i32) -> String {
    let start = NaiveDateTime::new(
        chrono::NaiveDate::from_ymd_opt(first, 1, 1).unwrap_or_default(),
        chrono::NaiveTime::MIN,
    );
    let end = NaiveDateTime::new(
        chrono::NaiveDate::from_ymd_opt(last + 1, 1, 1).unwrap_or_default(),
        chrono::NaiveTime::MIN,
    );
    let mut out = format!("BEGIN:VTIMEZONE\r\nTZID:{}\r\n", tz.name());
    let initial = offset_seconds(tz, start);
    out.push_str(&observance(tz, start, initial, initial));
    let mut day = start;
    while day < end {
        let next = day + Duration::days(1);
        if offset_seconds(tz, next) != offset_seconds(tz, day) {
            // The change lies in (day, next]: narrow it to the second.
            let (mut lo, mut hi) = (day, next);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if offset_seconds(tz, mid) == offset_seconds(tz, day) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.push_str(&observance(
                tz,
                hi,
                offset_seconds(tz, day),
                offset_seconds(tz, hi),
            ));
        }
        day = next;
    }
    out.push_str("END:VTIMEZONE\r\n");
    out
}

fn observance(tz: Tz, onset_utc: NaiveDateTime, from: i32, to: i32) -> String {
    let zoned = tz.from_utc_datetime(&onset_utc);
    let kind = if zoned.offset().dst_offset().is_zero() {
        "STANDARD"
    } else {
        "DAYLIGHT"
    };
    // DTSTART is the onset in the local time in force before it.
    let local_onset = onset_utc + Duration::seconds(i64::from(from));
    format!(
        "BEGIN:{kind}\r\nDTSTART:{}\r\nTZOFFSETFROM:{}\r\nTZOFFSETTO:{}\r\nTZNAME:{}\r\nEND:{kind}\r\n",
        local_onset.format("%Y%m%dT%H%M%S"),
        format_offset(from),
        format_offset(to),
        zoned.format("%Z"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        crate::labs::domain::parse_instant(s).expect("instant")
    }

    fn event(cancelled: bool) -> BookingEvent {
        BookingEvent {
            booking_id: "0193-abc".into(),
            equipment: "Presse 3 000 kN".into(),
            lab: "Hall essais, génie civil".into(),
            starts_at: at("2027-03-29T06:00:00Z"),
            ends_at: at("2027-03-29T08:00:00Z"),
            purpose: Some("Compression, éprouvettes".into()),
            cancelled,
        }
    }

    #[test]
    fn confirmed_event_uses_the_labs_wall_clock_and_zone() {
        let stamp = Utc::now();
        let ics = calendar(chrono_tz::Europe::Paris, &[event(false)], stamp);
        assert!(ics.starts_with("BEGIN:VCALENDAR"));
        assert!(ics.contains("METHOD:PUBLISH"));
        assert!(
            ics.contains("DTSTART;TZID=Europe/Paris:20270329T080000"),
            "{ics}"
        );
        assert!(ics.contains("DTEND;TZID=Europe/Paris:20270329T100000"));
        assert!(ics.contains("UID:booking-0193-abc@fieldlab"));
        assert!(ics.contains("STATUS:CONFIRMED"));
        // The zone's 2027 rules: summer time from 28 March 02:00, winter from 31 October 03:00.
        assert!(ics.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Paris"));
        assert!(ics.contains(
            "BEGIN:DAYLIGHT\r\nDTSTART:20270328T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200"
        ));
        assert!(ics.contains(
            "BEGIN:STANDARD\r\nDTSTART:20271031T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100"
        ));
        assert!(ics.find("BEGIN:VTIMEZONE") < ics.find("BEGIN:VEVENT"));
    }

    #[test]
    fn cancellation_keeps_the_uid_and_raises_the_sequence() {
        let ics = calendar(chrono_tz::Europe::Paris, &[event(true)], Utc::now());
        assert!(ics.contains("METHOD:CANCEL"));
        assert!(ics.contains("STATUS:CANCELLED"));
        assert!(ics.contains("SEQUENCE:1"));
        assert!(ics.contains("UID:booking-0193-abc@fieldlab"));
    }
}
