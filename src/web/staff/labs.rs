//! The labs in the console: labs and their opening hours; a lab's week planning (equipment as
//! rows, days side by side, bookings and closures as blocks, cancelled ones on demand) from
//! which staff book for any project or cancel; closures, told first how many bookings they
//! will cancel; equipment with its limits, training authorizations and an occupancy chart.

use std::collections::HashSet;

use actix_web::{web, HttpResponse};
use chrono::{Duration, NaiveDate, NaiveDateTime, Timelike};
use chrono_tz::Tz;
use minijinja::{context, Value};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::{now, DbConnection};
use crate::error::{ApiError, FieldError};
use crate::incubator::domain::Status;
use crate::incubator::models::{self as applications, Scope};
use crate::labs::bookings as booking_flow;
use crate::labs::domain::{
    self, local_date, local_to_utc, Interval, NewEquipment, NewLab, OpeningPeriod,
};
use crate::labs::models::{self, Booking, Lab};
use crate::labs::setup;
use crate::missions::domain::CampaignStatus;
use crate::text::normalise_email;
use crate::web::forms::{field, kept, number, refused_over, show, Fields};
use crate::web::i18n::Lang;
use crate::web::labs::{booking_request, BookingForm};
use crate::web::session::{PageError, Visitor};
use crate::web::staff::charts::{self, Span};
use crate::web::staff::{posted, staff};
use crate::web::week;
use crate::web::ALL;

const WEEKDAYS: [(i64, &str); 7] = [
    (1, "weekday.1"),
    (2, "weekday.2"),
    (3, "weekday.3"),
    (4, "weekday.4"),
    (5, "weekday.5"),
    (6, "weekday.6"),
    (7, "weekday.7"),
];

// ---- the labs and a new lab ----

fn labs_page(conn: &mut DbConnection, lang: Lang) -> Result<Value, ApiError> {
    let labs = models::list_labs(conn, &ALL)?;
    let ids: Vec<String> = labs.iter().map(|l| l.id.clone()).collect();
    let hours = models::opening_hours(conn, &ids)?;
    let lines: Vec<Value> = labs
        .into_iter()
        .map(|lab| {
            let spans: Vec<String> = hours
                .iter()
                .filter(|h| h.lab_id == lab.id)
                .map(|h| {
                    let p = h.period();
                    format!(
                        "{} {}–{}",
                        lang.text(&format!("weekday.{}", p.weekday)),
                        domain::format_wall_clock(p.opens),
                        domain::format_wall_clock(p.closes)
                    )
                })
                .collect();
            context! { id => lab.id, name => lab.name, description => lab.description, timezone => lab.timezone, hours => spans.join(" · ") }
        })
        .collect();
    let weekdays: Vec<Value> = WEEKDAYS
        .iter()
        .map(|(n, key)| context! { n, label => lang.text(key) })
        .collect();
    Ok(context! { labs => lines, weekdays })
}

/// `/app/staff/labs`.
pub async fn labs(v: Visitor, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    staff(&v)?;
    let lang = v.lang;
    show(&v, &state, "staff_labs.html", move |conn| {
        labs_page(conn, lang)
    })
    .await
}

/// A new lab: `name`, `description`, `timezone`, and `opens_N`/`closes_N` for weekday N
/// (1 = Monday; both empty: closed that day).
pub async fn create_lab(
    v: Visitor,
    state: web::Data<AppState>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (_, fields) = posted(&v, form)?;
    let lang = v.lang;
    let hours: Vec<(i64, String, String)> = WEEKDAYS
        .iter()
        .filter_map(|(n, _)| {
            let (opens, closes) = (
                field(&fields, &format!("opens_{n}")),
                field(&fields, &format!("closes_{n}")),
            );
            (!opens.trim().is_empty() || !closes.trim().is_empty())
                .then(|| (*n, opens.trim().to_owned(), closes.trim().to_owned()))
        })
        .collect();
    let parsed = NewLab::parse(
        field(&fields, "name"),
        Some(field(&fields, "description")),
        Some(field(&fields, "timezone")),
        &hours,
    )
    .map_err(ApiError::validation);
    let created = match parsed {
        Ok(new) => state.write(move |tx, _| setup::create_lab(tx, new)).await,
        Err(e) => Err(e),
    };
    match created {
        Ok((lab, _)) => Ok(v.see_other(&format!(
            "/app/staff/labs/{}/equipment?done=lab_created",
            lab.id
        ))),
        Err(e) => {
            refused_over(
                &v,
                &state,
                e,
                "staff_labs.html",
                kept(&fields),
                move |conn| labs_page(conn, lang),
            )
            .await
        }
    }
}

// ---- the week planning ----

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PlanningQuery {
    week: String,
    cancelled: String,
}

/// The lab, its periods and zone.
fn lab_with_hours(
    conn: &mut DbConnection,
    id: &str,
) -> Result<(Lab, Vec<OpeningPeriod>, Tz), ApiError> {
    let lab = models::find_lab(conn, id)?.ok_or_else(ApiError::not_found)?;
    let hours = models::opening_hours(conn, std::slice::from_ref(&lab.id))?
        .iter()
        .map(models::OpeningHourRow::period)
        .collect();
    let tz = lab.tz();
    Ok((lab, hours, tz))
}

/// The parts of `[start, end)` falling on each day of the week from `monday`, as
/// `(day, from, to)` in minutes past the lab's local midnight.
fn local_spans(
    tz: Tz,
    monday: NaiveDate,
    start: NaiveDateTime,
    end: NaiveDateTime,
) -> Vec<(usize, u16, u16)> {
    let minutes = |at: NaiveDateTime| {
        let local = at.and_utc().with_timezone(&tz);
        u16::try_from(local.hour() * 60 + local.minute()).unwrap_or(0)
    };
    (0..7)
        .filter_map(|day| {
            let date = monday + Duration::days(i64::try_from(day).unwrap_or(0));
            let (d0, d1) = (
                local_to_utc(tz, date, 0),
                local_to_utc(tz, date + Duration::days(1), 0),
            );
            let (s, e) = (start.max(d0), end.min(d1));
            (s < e).then(|| (day, minutes(s), if e == d1 { 24 * 60 } else { minutes(e) }))
        })
        .collect()
}

/// What the planning page shows; `kept` refills a refused booking or closure form.
fn planning_page(
    conn: &mut DbConnection,
    lang: Lang,
    staff: &CurrentUser,
    id: &str,
    monday: Option<NaiveDate>,
    with_cancelled: bool,
) -> Result<Value, ApiError> {
    let (lab, hours, tz) = lab_with_hours(conn, id)?;
    let today = local_date(tz, now());
    let monday = monday.unwrap_or_else(|| week::monday_of(today));
    let span = domain::date_range(tz, monday, monday + Duration::days(6));
    let equipment = models::list_equipment(conn, &lab.id, &ALL)?;
    let bookings = models::lab_bookings(conn, &lab.id, span, with_cancelled)?;
    let closures = models::closures_overlapping(conn, &lab.id, span)?;
    let first = hours.iter().map(|p| p.opens).min().unwrap_or(8 * 60);
    let last = hours.iter().map(|p| p.closes).max().unwrap_or(18 * 60);
    let dates = week::days(monday);
    let mut spans = Vec::new();
    for (day, date) in dates.iter().enumerate() {
        for open in domain::open_on(tz, &hours, *date) {
            for (d, from, to) in local_spans(tz, monday, open.start, open.end) {
                if d == day {
                    spans.push(Span {
                        row: None,
                        day,
                        from,
                        to,
                        tone: "open",
                        title: String::new(),
                    });
                }
            }
        }
    }
    for c in &closures {
        for (day, from, to) in local_spans(tz, monday, c.starts_at, c.ends_at) {
            spans.push(Span {
                row: None,
                day,
                from,
                to,
                tone: "closure",
                title: c.reason.clone(),
            });
        }
    }
    let row_of = |equipment_id: &str| equipment.iter().position(|e| e.id == equipment_id);
    let clock = |at: NaiveDateTime| at.and_utc().with_timezone(&tz).format("%H:%M").to_string();
    let mut lines = Vec::with_capacity(bookings.len());
    for p in &bookings {
        let b = &p.booking;
        let confirmed = b.is_confirmed();
        let title = format!(
            "{} · {} · {}–{}",
            p.equipment_name,
            p.booker_name,
            clock(b.starts_at),
            clock(b.ends_at)
        );
        for (day, from, to) in local_spans(tz, monday, b.starts_at, b.ends_at) {
            let tone = if confirmed { "busy" } else { "cancelled" };
            spans.push(Span {
                row: row_of(&b.equipment_id),
                day,
                from,
                to,
                tone,
                title: title.clone(),
            });
        }
        lines.push(context! {
            id => &b.id, equipment => &p.equipment_name, booker => &p.booker_name,
            when => format!("{} – {}", lang.datetime(b.starts_at, tz), clock(b.ends_at)),
            purpose => &b.purpose, confirmed,
            status_label => lang.text(&format!("status.{}", b.status)),
        });
    }
    let rows: Vec<String> = equipment.iter().map(|e| e.name.clone()).collect();
    let days: Vec<String> = dates.iter().map(|d| lang.short_date(*d)).collect();
    let picture = charts::planning(&rows, &days, first, last, &spans);
    Ok(context! {
        lab => context! { id => &lab.id, name => &lab.name, timezone => &lab.timezone },
        week => context! {
            label => lang.date(monday),
            name => week::week_name(monday),
            previous => week::week_name(monday - Duration::days(7)),
            next => week::week_name(monday + Duration::days(7)),
        },
        with_cancelled,
        planning => Value::from_serialize(&picture),
        bookings => lines,
        equipment => equipment.iter().map(|e| context! { id => &e.id, name => &e.name }).collect::<Vec<_>>(),
        projects => projects(conn, staff)?,
        closures => closures.iter().map(|c| context! {
            from => lang.datetime(c.starts_at, tz), to => lang.datetime(c.ends_at, tz), reason => &c.reason,
        }).collect::<Vec<_>>(),
        today => today.max(monday).to_string(),
    })
}

/// What staff may book for: incubating projects and missions of published campaigns.
fn projects(conn: &mut DbConnection, staff: &CurrentUser) -> Result<Vec<Value>, ApiError> {
    let mut out: Vec<Value> = applications::list(conn, Scope::All, Some(Status::Incubating), &ALL)?
        .into_iter()
        .map(|f| context! { value => format!("application:{}", f.application.id), label => f.application.title })
        .collect();
    for campaign in crate::missions::models::list_campaigns(conn, &ALL)? {
        if campaign.status() != CampaignStatus::Published {
            continue;
        }
        for m in crate::missions::tutoring::visible_missions(conn, staff, &campaign.id, &ALL)? {
            let label = format!(
                "{} — {} ({})",
                m.company.name, m.problem_title, campaign.name
            );
            out.push(context! { value => format!("mission:{}", m.mission.id), label });
        }
    }
    Ok(out)
}

/// `/app/staff/labs/{id}?week=YYYY-Www&cancelled=1`.
pub async fn planning(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<PlanningQuery>,
) -> Result<HttpResponse, PageError> {
    let user = staff(&v)?;
    let (lang, id, q) = (v.lang, id.into_inner(), query.into_inner());
    let monday = week::parse_week(&q.week);
    let with_cancelled = !q.cancelled.is_empty();
    show(&v, &state, "staff_planning.html", move |conn| {
        planning_page(conn, lang, &user, &id, monday, with_cancelled)
    })
    .await
}

async fn refused_planning(
    v: &Visitor,
    state: &AppState,
    user: CurrentUser,
    id: String,
    error: ApiError,
    fields: &[(String, String)],
) -> Result<HttpResponse, PageError> {
    let lang = v.lang;
    let monday = NaiveDate::parse_from_str(field(fields, "date"), "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(field(fields, "start_date"), "%Y-%m-%d"))
        .ok()
        .map(week::monday_of);
    refused_over(
        v,
        state,
        error,
        "staff_planning.html",
        kept(fields),
        move |conn| planning_page(conn, lang, &user, &id, monday, false),
    )
    .await
}

/// Book for a project (`project` = `application:ID` or `mission:ID`): `equipment_id`,
/// `date`, `start_time`, `end_time` in the lab's zone, `purpose`.
pub async fn book(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, fields) = posted(&v, form)?;
    let id = id.into_inner();
    let (kind, project) = field(&fields, "project")
        .split_once(':')
        .unwrap_or(("", ""));
    let booking = BookingForm {
        csrf_token: String::new(),
        application_id: if kind == "application" {
            project.to_owned()
        } else {
            String::new()
        },
        mission_id: if kind == "mission" {
            project.to_owned()
        } else {
            String::new()
        },
        date: field(&fields, "date").to_owned(),
        start_time: field(&fields, "start_time").to_owned(),
        end_time: field(&fields, "end_time").to_owned(),
        purpose: field(&fields, "purpose").to_owned(),
    };
    let equipment_id = field(&fields, "equipment_id").trim().to_owned();
    let (who, outbox) = (user.clone(), state.outbox.clone());
    let booked = state
        .db(move |conn| {
            // The form's date is the lab's local date: the week to show again.
            let request = booking_request(conn, &equipment_id, &booking)?;
            let day = NaiveDate::parse_from_str(booking.date.trim(), "%Y-%m-%d")
                .map_err(|_| ApiError::validation(vec![FieldError::new("date", "is required")]))?;
            booking_flow::book(conn, &outbox, &who, request)?;
            Ok(week::week_name(week::monday_of(day)))
        })
        .await;
    match booked {
        Ok(week) => Ok(v.see_other(&format!("/app/staff/labs/{id}?week={week}&done=booked"))),
        Err(e) => refused_planning(&v, &state, user, id, e, &fields).await,
    }
}

/// Cancel anyone's booking; back to its lab's planning.
/// The console's planning of a booking's lab, at the booking's week.
pub fn planning_href(conn: &mut DbConnection, booking: &Booking) -> Result<String, ApiError> {
    let found = models::bookable(conn, &booking.equipment_id)?.ok_or_else(ApiError::not_found)?;
    let monday = week::monday_of(local_date(found.lab.tz(), booking.starts_at));
    Ok(format!(
        "/app/staff/labs/{}?week={}",
        found.lab.id,
        week::week_name(monday)
    ))
}

pub async fn cancel(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, _) = posted(&v, form)?;
    let id = id.into_inner();
    let outbox = state.outbox.clone();
    let back = state
        .db(move |conn| {
            let booking = booking_flow::cancel(conn, &outbox, &user, &id)?;
            Ok(format!("{}&done=cancelled", planning_href(conn, &booking)?))
        })
        .await
        .map_err(|e| v.fail(e))?;
    Ok(v.see_other(&back))
}

/// The closure a form asks for: `start_date` + `start_time`, `end_date` + `end_time` in the
/// lab's zone, and `reason`.
fn closure_of(
    staff: &CurrentUser,
    lab: &Lab,
    fields: &[(String, String)],
) -> Result<models::Closure, ApiError> {
    let tz = lab.tz();
    // A time left empty is the whole day: from midnight, to the next midnight.
    let at = |date: &str, time: &str, end: bool, name: &str| {
        let clock = match field(fields, time).trim() {
            "" if end => "24:00",
            "" => "00:00",
            given => given,
        };
        NaiveDate::parse_from_str(field(fields, date).trim(), "%Y-%m-%d")
            .ok()
            .and_then(|d| week::instant(tz, d, clock, end))
            .ok_or_else(|| FieldError::new(name, "must be a date and a time HH:MM"))
    };
    let starts = at("start_date", "start_time", false, "start_date");
    let ends = at("end_date", "end_time", true, "end_date");
    match (starts, ends) {
        (Ok(s), Ok(e)) => setup::new_closure(staff, &lab.id, s, e, field(fields, "reason")),
        (s, e) => Err(ApiError::validation(
            [s.err(), e.err()].into_iter().flatten().collect(),
        )),
    }
}

/// Step one of a closure: what it would cancel, to confirm.
pub async fn closure_preview(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, fields) = posted(&v, form)?;
    let (lang, id) = (v.lang, id.into_inner());
    let (who, lab_id, asked) = (user.clone(), id.clone(), fields.clone());
    let preview = state
        .db(move |conn| {
            let lab = models::find_lab(conn, &lab_id)?.ok_or_else(ApiError::not_found)?;
            let (closure, tz) = (closure_of(&who, &lab, &asked)?, lab.tz());
            let hit = setup::closure_impact(conn, &lab_id, Interval::new(closure.starts_at, closure.ends_at))?;
            let people: HashSet<&str> = hit.iter().map(|(b, _)| b.user_id.as_str()).collect();
            Ok(context! {
                lab => context! { id => &lab.id, name => &lab.name },
                closure => context! {
                    from => lang.datetime(closure.starts_at, tz), to => lang.datetime(closure.ends_at, tz), reason => &closure.reason,
                },
                cancelled => hit.iter().map(|(b, e)| context! {
                    equipment => &e.name, when => lang.datetime(b.starts_at, tz),
                }).collect::<Vec<_>>(),
                people => people.len(),
                kept => kept(&asked),
            })
        })
        .await;
    match preview {
        Ok(values) => Ok(v.ok("staff_closure.html", values)),
        Err(e) => refused_planning(&v, &state, user, id, e, &fields).await,
    }
}

/// Step two: close the lab; the bookings it overlaps are cancelled and their bookers e-mailed.
pub async fn close(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, fields) = posted(&v, form)?;
    let id = id.into_inner();
    let (who, lab_id, asked, outbox) = (
        user.clone(),
        id.clone(),
        fields.clone(),
        state.outbox.clone(),
    );
    let closed = state
        .db(move |conn| {
            let lab = models::find_lab(conn, &lab_id)?.ok_or_else(ApiError::not_found)?;
            let closure = closure_of(&who, &lab, &asked)?;
            let monday = week::monday_of(local_date(lab.tz(), closure.starts_at));
            booking_flow::close_lab(conn, &outbox, closure, &who)?;
            Ok(monday)
        })
        .await;
    match closed {
        Ok(monday) => Ok(v.see_other(&format!(
            "/app/staff/labs/{id}?week={}&done=lab_closed",
            week::week_name(monday)
        ))),
        Err(e) => refused_planning(&v, &state, user, id, e, &fields).await,
    }
}

// ---- equipment, training, occupancy ----

/// Booked share of each week's open time, for the four weeks before this one, this one and
/// the three after, per equipment.
fn occupancy(
    conn: &mut DbConnection,
    lang: Lang,
    lab: &Lab,
    hours: &[OpeningPeriod],
    equipment_id: &str,
    this_monday: NaiveDate,
) -> Result<charts::Chart, ApiError> {
    let tz = lab.tz();
    let first = this_monday - Duration::weeks(4);
    let whole = domain::date_range(tz, first, first + Duration::days(8 * 7 - 1));
    let booked = models::confirmed_intervals(conn, equipment_id, whole)?;
    let closures: Vec<Interval> = models::closures_overlapping(conn, &lab.id, whole)?
        .iter()
        .map(|c| Interval::new(c.starts_at, c.ends_at))
        .collect();
    let overlap = |a: &Interval, b: &Interval| {
        (a.end.min(b.end) - a.start.max(b.start))
            .num_seconds()
            .max(0)
    };
    let letter = if lang.is_french() { "S" } else { "W" };
    let values: Vec<(String, u64, &'static str)> = (0..8)
        .map(|i| {
            let monday = first + Duration::weeks(i);
            let open: Vec<Interval> = (0..7)
                .flat_map(|d| domain::open_on(tz, hours, monday + Duration::days(d)))
                .collect();
            let open = domain::subtract(open, closures.clone());
            let open_seconds: i64 = open.iter().map(Interval::seconds).sum();
            let used: i64 = booked
                .iter()
                .map(|b| open.iter().map(|o| overlap(b, o)).sum::<i64>())
                .sum();
            let percent = if open_seconds > 0 {
                used * 100 / open_seconds
            } else {
                0
            };
            let tone = if monday > this_monday { "future" } else { "ok" };
            (
                format!("{letter}{}", monday.format("%V")),
                u64::try_from(percent).unwrap_or(0),
                tone,
            )
        })
        .collect();
    Ok(charts::bars(&values, 100, " %"))
}

fn equipment_page(conn: &mut DbConnection, lang: Lang, id: &str) -> Result<Value, ApiError> {
    let (lab, hours, tz) = lab_with_hours(conn, id)?;
    let monday = week::monday_of(local_date(tz, now()));
    let today = local_date(tz, now());
    let mut lines = Vec::new();
    for e in models::list_equipment(conn, &lab.id, &ALL)? {
        let trained: Vec<Value> = models::authorized_people(conn, &e.id)?
            .into_iter()
            .map(|(a, name, email)| {
                context! {
                    name, email,
                    expires => a.expires_on.map(|d| lang.date(d)),
                    expired => a.expires_on.is_some_and(|d| d < today),
                }
            })
            .collect();
        let chart = occupancy(conn, lang, &lab, &hours, &e.id, monday)?;
        lines.push(context! {
            id => &e.id, name => &e.name, description => &e.description,
            min_minutes => e.min_minutes, max_minutes => e.max_minutes,
            requires_training => e.requires_training, weekly_hours => e.weekly_hours_per_project,
            trained, chart => Value::from_serialize(&chart),
        });
    }
    Ok(context! {
        lab => context! { id => &lab.id, name => &lab.name, timezone => &lab.timezone },
        equipment => lines,
    })
}

/// `/app/staff/labs/{id}/equipment`.
pub async fn equipment(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    staff(&v)?;
    let (lang, id) = (v.lang, id.into_inner());
    show(&v, &state, "staff_equipment.html", move |conn| {
        equipment_page(conn, lang, &id)
    })
    .await
}

/// New equipment: `name`, `description`, `min_minutes`, `max_minutes`, `requires_training`
/// (checkbox), `weekly_hours_per_project`.
pub async fn add_equipment(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (_, fields) = posted(&v, form)?;
    let (lang, id) = (v.lang, id.into_inner());
    let parsed = (|| {
        let min = number(&fields, "min_minutes")?;
        let max = number(&fields, "max_minutes")?;
        let weekly = number(&fields, "weekly_hours_per_project")?;
        Ok::<_, FieldError>((min, max, weekly))
    })()
    .map_err(|e| ApiError::validation(vec![e]))
    .and_then(|(min, max, weekly)| {
        NewEquipment::parse(
            field(&fields, "name"),
            Some(field(&fields, "description")),
            min,
            max,
            Some(!field(&fields, "requires_training").is_empty()),
            weekly,
        )
        .map_err(ApiError::validation)
    });
    let lab_id = id.clone();
    let added = match parsed {
        Ok(new) => {
            state
                .db(move |conn| setup::add_equipment(conn, &lab_id, new))
                .await
        }
        Err(e) => Err(e),
    };
    match added {
        Ok(e) => Ok(v.see_other(&format!(
            "/app/staff/labs/{id}/equipment?done=equipment_added#e-{}",
            e.id
        ))),
        Err(e) => {
            refused_over(
                &v,
                &state,
                e,
                "staff_equipment.html",
                kept(&fields),
                move |conn| equipment_page(conn, lang, &id),
            )
            .await
        }
    }
}

/// Train someone on the equipment: their `email`, and `expires_on` if the training expires.
pub async fn authorize(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, fields) = posted(&v, form)?;
    let (lang, id) = (v.lang, id.into_inner());
    let email = normalise_email(field(&fields, "email"));
    let expires = field(&fields, "expires_on").to_owned();
    let equipment_id = id.clone();
    let granted = state
        .db(move |conn| {
            let person =
                crate::auth::models::find_user_by_email(conn, &email)?.ok_or_else(|| {
                    ApiError::validation(vec![FieldError::new("email", "has no account")])
                })?;
            setup::authorize(conn, &user, &equipment_id, &person.id, Some(&expires))?;
            let lab = models::find_equipment(conn, &equipment_id)?
                .ok_or_else(ApiError::not_found)?
                .lab_id;
            Ok(lab)
        })
        .await;
    match granted {
        Ok(lab) => Ok(v.see_other(&format!(
            "/app/staff/labs/{lab}/equipment?done=authorized#e-{id}"
        ))),
        Err(e) => {
            let kept = context! { email => field(&fields, "email"), expires_on => field(&fields, "expires_on") };
            refused_over(&v, &state, e, "staff_equipment.html", kept, move |conn| {
                let lab = models::find_equipment(conn, &id)?
                    .ok_or_else(ApiError::not_found)?
                    .lab_id;
                equipment_page(conn, lang, &lab)
            })
            .await
        }
    }
}
