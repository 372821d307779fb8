//! Lab pages: labs and their equipment (opening hours, trained or not), an equipment's week
//! with the booking form, and one's own bookings (cancel, `.ics`). Booking, cancelling and the
//! calendar are the API's own use cases (`labs::bookings`): the same rules, the same refusals.

use std::collections::hash_map::{Entry, HashMap};

use actix_web::{web, HttpResponse};
use chrono::{Duration, NaiveDate};
use minijinja::{context, Value};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::db::{now, DbConnection};
use crate::error::{ApiError, FieldError};
use crate::incubator::domain::Status;
use crate::incubator::models::{self as applications, Scope};
use crate::labs::bookings::{self as booking_flow, NewBooking};
use crate::labs::domain::{format_wall_clock, local_date, Interval};
use crate::labs::models::{self, Booking, BookingFilter, Project};
use crate::text::not_blank;
use crate::web::forms::refused;
use crate::web::i18n::Lang;
use crate::web::session::{PageError, Visitor};
use crate::web::week;
use crate::web::ALL;

pub async fn labs(v: Visitor, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    let lang = v.lang;
    let labs = state
        .db(move |conn| labs_page(conn, lang, &user))
        .await
        .map_err(|e| v.fail(e))?;
    Ok(v.ok("labs.html", context! { labs }))
}

fn labs_page(
    conn: &mut DbConnection,
    lang: Lang,
    user: &CurrentUser,
) -> Result<Vec<Value>, ApiError> {
    let labs = models::list_labs(conn, &ALL)?;
    let ids: Vec<String> = labs.iter().map(|l| l.id.clone()).collect();
    let hours = models::opening_hours(conn, &ids)?;
    let mut out = Vec::new();
    for lab in labs {
        let today = local_date(lab.tz(), now());
        let mut equipment = Vec::new();
        for e in models::list_equipment(conn, &lab.id, &ALL)? {
            let trained = e.requires_training && models::is_trained(conn, &e.id, &user.id, today)?;
            equipment.push(context! {
                id => e.id, name => e.name, requires_training => e.requires_training, trained,
                min_minutes => e.min_minutes, max_minutes => e.max_minutes,
                weekly_hours => e.weekly_hours_per_project,
            });
        }
        let lab_hours: Vec<_> = hours
            .iter()
            .filter(|h| h.lab_id == lab.id)
            .map(|h| h.period())
            .collect();
        out.push(context! {
            name => lab.name, description => lab.description,
            hours => opening_lines(lang, &lab_hours), equipment,
        });
    }
    Ok(out)
}

/// `lundi  08:00–12:00, 13:00–18:00` for each day of the week.
fn opening_lines(lang: Lang, hours: &[crate::labs::domain::OpeningPeriod]) -> Vec<Value> {
    // 2027-03-01 is a Monday: its week names the days in the reader's language.
    let monday = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap_or_default();
    (1..=7u8)
        .map(|weekday| {
            let day = (monday + Duration::days(i64::from(weekday) - 1))
                .format_localized(
                    "%A",
                    if lang.is_french() {
                        chrono::Locale::fr_FR
                    } else {
                        chrono::Locale::en_GB
                    },
                )
                .to_string();
            let spans: Vec<String> = hours
                .iter()
                .filter(|p| p.weekday == weekday)
                .map(|p| {
                    format!(
                        "{}–{}",
                        format_wall_clock(p.opens),
                        format_wall_clock(p.closes)
                    )
                })
                .collect();
            let spans = if spans.is_empty() {
                lang.text("labs.closed_day").to_owned()
            } else {
                spans.join(", ")
            };
            context! { day, spans }
        })
        .collect()
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WeekQuery {
    week: String,
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct BookingForm {
    pub csrf_token: String,
    pub application_id: String,
    pub mission_id: String,
    pub date: String,
    pub start_time: String,
    pub end_time: String,
    pub purpose: String,
}

pub async fn equipment(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<WeekQuery>,
) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    let (id, lang) = (id.into_inner(), v.lang);
    let week = query.into_inner().week;
    let values = state
        .db(move |conn| equipment_page(conn, lang, &user, &id, week::parse_week(&week), None))
        .await
        .map_err(|e| v.fail(e))?;
    Ok(v.ok("equipment.html", values))
}

/// The week view's values; `monday` defaults to this week in the lab's zone, or the week of
/// the refused form's date.
fn equipment_page(
    conn: &mut DbConnection,
    lang: Lang,
    user: &CurrentUser,
    id: &str,
    monday: Option<NaiveDate>,
    form: Option<&BookingForm>,
) -> Result<Value, ApiError> {
    let found = models::bookable(conn, id)?.ok_or_else(ApiError::not_found)?;
    let (equipment, lab, hours) = (found.equipment, found.lab, found.hours);
    let tz = lab.tz();
    let today = local_date(tz, now());
    let monday = monday
        .or_else(|| {
            form.and_then(|f| NaiveDate::parse_from_str(&f.date, "%Y-%m-%d").ok())
                .map(week::monday_of)
        })
        .unwrap_or_else(|| week::monday_of(today));
    let span = crate::labs::domain::date_range(tz, monday, monday + Duration::days(6));
    let closures = models::closures_overlapping(conn, &lab.id, span)?;
    let closed: Vec<Interval> = closures
        .iter()
        .map(|c| Interval::new(c.starts_at, c.ends_at))
        .collect();
    let booked = models::confirmed_intervals(conn, &equipment.id, span)?;
    let rows: Vec<Value> = week::grid(tz, &hours, monday, &closed, &booked)
        .into_iter()
        .map(|r| context! {
            time => r.time,
            cells => r.cells.iter().map(|c| context! { state => c.as_str(), label => lang.text(&format!("week.{}", c.as_str())) }).collect::<Vec<_>>(),
        })
        .collect();
    // A header in two parts (`lun.` over `1 mars`) so seven columns fit a phone's width.
    let days: Vec<Value> = week::days(monday)
        .iter()
        .map(|d| {
            let label = lang.short_date(*d);
            let (weekday, date) = label.split_once(' ').unwrap_or((&label, ""));
            context! { label, weekday, date, iso => d.to_string() }
        })
        .collect();
    let projects: Vec<Value> = match user.role {
        Role::Founder => applications::list(
            conn,
            Scope::Founder(&user.id),
            Some(Status::Incubating),
            &ALL,
        )?
        .into_iter()
        .map(|f| context! { id => f.application.id, title => f.application.title, field => "application_id" })
        .collect(),
        // A student books for a mission of a published campaign.
        Role::Student => {
            let mut missions = Vec::new();
            for team in crate::missions::teams::own_teams(conn, user)? {
                let campaign = &team.team.campaign_id;
                for m in crate::missions::tutoring::visible_missions(conn, user, campaign, &ALL)? {
                    let title = format!("{} — {}", m.company.name, m.problem_title);
                    missions.push(context! { id => m.mission.id, title, field => "mission_id" });
                }
            }
            missions
        }
        _ => Vec::new(),
    };
    // Training first: the form is not offered to whom the server would refuse for lack of it
    // (`booking_flow::book` still refuses), and they are told whom to ask.
    let untrained = booking_flow::needs_training(conn, &equipment, user, today)?;
    // Staff are never refused for it, but are still told whether they are trained.
    let trained = equipment.requires_training
        && !untrained
        && (!user.is(Role::Staff) || models::is_trained(conn, &equipment.id, &user.id, today)?);
    let trainers = if untrained {
        trainers_of(conn, &equipment.id)?
    } else {
        Vec::new()
    };
    let values = match form {
        Some(f) => {
            context! { application_id => &f.application_id, mission_id => &f.mission_id, date => &f.date, start_time => &f.start_time, end_time => &f.end_time, purpose => &f.purpose }
        }
        None => context! { date => today.max(monday).to_string() },
    };
    Ok(context! {
        equipment => context! {
            id => equipment.id, name => equipment.name, lab => lab.name,
            requires_training => equipment.requires_training, trained, untrained, trainers,
            min_minutes => equipment.min_minutes, max_minutes => equipment.max_minutes,
            timezone => lab.timezone,
        },
        week => context! {
            label => lang.date(monday),
            previous => week::week_name(monday - Duration::days(7)),
            next => week::week_name(monday + Duration::days(7)),
        },
        days, rows, projects, values,
        closures => closures.iter().map(|c| context! {
            from => lang.datetime(c.starts_at, tz), to => lang.datetime(c.ends_at, tz), reason => &c.reason,
        }).collect::<Vec<_>>(),
        field_errors => context! {},
    })
}

/// The staff who granted this equipment's training authorizations, the people to ask for one.
fn trainers_of(conn: &mut DbConnection, equipment_id: &str) -> Result<Vec<Value>, ApiError> {
    let mut granted_by: Vec<String> = models::list_authorizations(conn, equipment_id, &ALL)?
        .into_iter()
        .map(|a| a.granted_by)
        .collect();
    granted_by.sort();
    granted_by.dedup();
    Ok(models::contacts(conn, &granted_by)?
        .into_iter()
        .map(|(_, email, name)| context! { name, email })
        .collect())
}

/// Books from the week view's form: `date` + `start_time`/`end_time` in the lab's zone.
pub async fn book(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<BookingForm>,
) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    v.check_csrf(&form.csrf_token)?;
    let (id, form, lang) = (id.into_inner(), form.into_inner(), v.lang);
    let outbox = state.outbox.clone();
    let (kept, for_page, who, page_id) = (form.clone(), form, user.clone(), id.clone());
    let booked = state
        .db(move |conn| {
            let request = booking_request(conn, &id, &kept)?;
            booking_flow::book(conn, &outbox, &user, request)
        })
        .await;
    match booked {
        Ok(_) => Ok(v.see_other("/app/bookings?done=booked")),
        Err(e) if e.problem().status == 404 => Err(v.fail(e)),
        Err(e) => {
            let page_form = for_page.clone();
            let page = state
                .db(move |conn| equipment_page(conn, lang, &who, &page_id, None, Some(&page_form)))
                .await
                .map_err(|e| v.fail(e))?;
            let kept = context! {
                application_id => for_page.application_id, mission_id => for_page.mission_id, date => for_page.date,
                start_time => for_page.start_time, end_time => for_page.end_time, purpose => for_page.purpose,
            };
            refused(&v, e, "equipment.html", kept, page)
        }
    }
}

/// The form's fields as the API's booking: instants from the lab's local date and times.
pub fn booking_request(
    conn: &mut DbConnection,
    equipment_id: &str,
    form: &BookingForm,
) -> Result<NewBooking, ApiError> {
    let found = models::bookable(conn, equipment_id)?.ok_or_else(ApiError::not_found)?;
    let tz = found.lab.tz();
    let mut errors = Vec::new();
    let date = NaiveDate::parse_from_str(form.date.trim(), "%Y-%m-%d")
        .map_err(|_| errors.push(FieldError::new("date", "is required (YYYY-MM-DD)")))
        .ok();
    let starts = date.and_then(|d| week::instant(tz, d, &form.start_time, false));
    let ends = date.and_then(|d| week::instant(tz, d, &form.end_time, true));
    if starts.is_none() {
        errors.push(FieldError::new("start_time", "must be a time HH:MM"));
    }
    if ends.is_none() {
        errors.push(FieldError::new("end_time", "must be a time HH:MM"));
    }
    let (Some(starts_at), Some(ends_at)) = (starts, ends) else {
        return Err(ApiError::validation(errors));
    };
    let project = Project::from_ids(Some(&form.application_id), Some(&form.mission_id))
        .map_err(|e| ApiError::validation(vec![e]))?;
    Ok(NewBooking {
        equipment_id: equipment_id.to_owned(),
        starts_at,
        ends_at,
        purpose: not_blank(Some(&form.purpose)).map(str::to_owned),
        project,
    })
}

pub async fn bookings(v: Visitor, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    let lang = v.lang;
    let values = state
        .db(move |conn| bookings_page(conn, lang, &user))
        .await
        .map_err(|e| v.fail(e))?;
    Ok(v.ok("bookings.html", values))
}

fn bookings_page(
    conn: &mut DbConnection,
    lang: Lang,
    user: &CurrentUser,
) -> Result<Value, ApiError> {
    let filter = BookingFilter {
        user_id: (!user.is(Role::Staff)).then(|| user.id.clone()),
        ..BookingFilter::default()
    };
    let mut rows = models::list_bookings(conn, &filter, &ALL)?;
    // Upcoming first, then the past, most recent first.
    let at = now();
    rows.sort_by_key(|b| {
        (
            b.ends_at < at,
            if b.ends_at < at {
                -b.starts_at.and_utc().timestamp()
            } else {
                b.starts_at.and_utc().timestamp()
            },
        )
    });
    Ok(context! { bookings => booking_lines(conn, lang, rows)? })
}

/// Bookings as people read them: equipment and lab by name, the time in the lab's zone.
pub fn booking_lines(
    conn: &mut DbConnection,
    lang: Lang,
    rows: Vec<Booking>,
) -> Result<Vec<Value>, ApiError> {
    let mut places = HashMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for b in rows {
        if let Entry::Vacant(slot) = places.entry(b.equipment_id.clone()) {
            let found = models::bookable(conn, &b.equipment_id)?.ok_or_else(ApiError::not_found)?;
            slot.insert((found.equipment.name, found.lab.name.clone(), found.lab.tz()));
        }
        let Some((equipment, lab, tz)) = places.get(&b.equipment_id) else {
            continue;
        };
        let end = b
            .ends_at
            .and_utc()
            .with_timezone(tz)
            .format("%H:%M")
            .to_string();
        out.push(context! {
            id => &b.id, equipment, lab,
            when => format!("{} – {end}", lang.datetime(b.starts_at, *tz)),
            status => &b.status,
            status_label => lang.text(&format!("status.{}", b.status)),
            confirmed => b.is_confirmed(),
        });
    }
    Ok(out)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CancelForm {
    csrf_token: String,
}

/// `GET /app/bookings/{id}/cancel`: the booking and a button to cancel it, so nothing is
/// cancelled by one stray click (the list links here; works without JavaScript).
pub async fn confirm_cancel(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    let (id, lang) = (id.into_inner(), v.lang);
    let values = state
        .db(move |conn| {
            let booking = booking_flow::visible_booking(conn, &user, &id)?;
            // Staff confirm here too, then go back to the booking's lab planning (the
            // console's own cancel).
            let (action, back) = if !user.is(Role::Staff) {
                (
                    format!("/app/bookings/{id}/cancel"),
                    "/app/bookings".to_owned(),
                )
            } else {
                (
                    format!("/app/staff/bookings/{id}/cancel"),
                    crate::web::staff::labs::planning_href(conn, &booking)?,
                )
            };
            let to_cancel = booking_lines(conn, lang, vec![booking])?.pop();
            Ok(context! { to_cancel, action, back })
        })
        .await
        .map_err(|e| v.fail(e))?;
    // The list's page in its confirming state: one template for a booking's lines.
    Ok(v.ok("bookings.html", values))
}

pub async fn cancel(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: web::Form<CancelForm>,
) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    v.check_csrf(&form.csrf_token)?;
    let (id, lang, who) = (id.into_inner(), v.lang, user.clone());
    let outbox = state.outbox.clone();
    let cancelled = state
        .db(move |conn| booking_flow::cancel(conn, &outbox, &user, &id))
        .await;
    match cancelled {
        Ok(_) => Ok(v.see_other("/app/bookings?done=cancelled")),
        Err(e) if e.problem().status == 409 => {
            let page = state
                .db(move |conn| bookings_page(conn, lang, &who))
                .await
                .map_err(|e| v.fail(e))?;
            refused(&v, e, "bookings.html", context! {}, page)
        }
        Err(e) => Err(v.fail(e)),
    }
}

pub async fn calendar(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    let id = id.into_inner();
    let ics = state
        .db(move |conn| booking_flow::calendar_of(conn, &user, &id))
        .await
        .map_err(|e| v.fail(e))?;
    Ok(HttpResponse::Ok()
        .content_type(crate::labs::ics::CONTENT_TYPE)
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"booking.ics\"",
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(ics))
}
