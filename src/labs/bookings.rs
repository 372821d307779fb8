//! The booking flows on one connection: book (who may, training, the contract's rules in
//! order, then the write in a transaction serialised per project), cancel, close a lab (which
//! cancels what it overlaps and tells each booker once), availability, and the calendar.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime, Utc};
use serde::Serialize;

use crate::auth::{CurrentUser, Role};
use crate::db::{self, new_id, now, utc, DbConnection};
use crate::error::{ApiError, FieldError};
use crate::labs::domain::{self, DurationLimits, Interval, ProjectClaim, ProjectDates, Refusal};
use crate::labs::ics::{self, BookingEvent};
use crate::labs::models::{
    self, Bookable, Booking, Closure, Equipment, Lab, Project, CANCELLED, CONFIRMED,
};
use crate::labs::views::ClosureView;
use crate::mail::{Attachment, Email, Outbox};

/// Whether `user` must first be trained on `equipment` to book it on `day`: it requires
/// training, they are not staff, and hold no authorization valid that day.
pub fn needs_training(
    conn: &mut DbConnection,
    equipment: &Equipment,
    user: &CurrentUser,
    day: NaiveDate,
) -> Result<bool, ApiError> {
    Ok(equipment.requires_training
        && !user.is(Role::Staff)
        && !models::is_trained(conn, &equipment.id, &user.id, day)?)
}

/// A parsed `POST /bookings` body.
#[derive(Debug, Clone)]
pub struct NewBooking {
    pub equipment_id: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub purpose: Option<String>,
    /// The application or mission the booking is for, if any (never both: 422 at parsing).
    pub project: Option<Project>,
}

pub fn book(
    conn: &mut DbConnection,
    outbox: &Outbox,
    user: &CurrentUser,
    request: NewBooking,
) -> Result<Booking, ApiError> {
    let Bookable {
        equipment,
        lab,
        hours,
    } = models::bookable(conn, &request.equipment_id)?.ok_or_else(ApiError::not_found)?;
    let tz = lab.tz();

    let (claim, dates) = project_claim(conn, user, request.project.as_ref())?;
    domain::may_book(user.role, &claim)?;
    if needs_training(
        conn,
        &equipment,
        user,
        domain::local_date(tz, request.starts_at),
    )? {
        return Err(Refusal::TrainingRequired.into());
    }
    let slot = Interval::new(request.starts_at, request.ends_at);
    let limits = DurationLimits {
        min_minutes: equipment.min_minutes,
        max_minutes: equipment.max_minutes,
    };
    domain::check_slot(slot, now(), dates, limits, tz, &hours)?;

    let project = request.project;
    let booking = Booking {
        id: new_id(),
        equipment_id: equipment.id.clone(),
        user_id: user.id.clone(),
        starts_at: slot.start,
        ends_at: slot.end,
        status: CONFIRMED.to_owned(),
        purpose: request.purpose,
        application_id: match &project {
            Some(Project::Application(id)) => Some(id.clone()),
            _ => None,
        },
        mission_id: match &project {
            Some(Project::Mission(id)) => Some(id.clone()),
            _ => None,
        },
        cancelled_at: None,
        cancelled_by: None,
        cancel_reason: None,
        created_at: now(),
    };
    // Rendered before the transaction: its locks are held for the checks and writes only.
    let event = event_of(&booking, &equipment, &lab);
    let confirmation = outbox.render(
        Email::new(
            &user.email,
            "booking_confirmed",
            BookingMail::new(&user.name, &event, &lab, &booking),
        )
        .attach(ics_attachment(tz, &[event]))
        .dedupe(format!("booking_confirmed:{}", booking.id)),
    )?;
    let mut locks = vec![models::lab_lock(&lab.id, false)];
    locks.extend(project.as_ref().map(models::project_lock));
    db::write_transaction_with::<_, ApiError, _>(conn, &locks, |conn| {
        let conflicts = models::slot_conflicts(conn, &lab.id, &equipment.id, slot)?;
        if conflicts.closed {
            return Err(Refusal::LabClosed.into());
        }
        if let (Some(project), Some(weekly)) = (&project, equipment.weekly_hours_per_project) {
            let week = domain::iso_week_of(tz, slot.start);
            let used = models::project_seconds(conn, &equipment.id, project, week)?;
            domain::check_quota(used, slot.seconds(), Some(weekly))?;
        }
        if conflicts.booked {
            return Err(Refusal::BookingOverlap.into());
        }
        // The check above is the friendly one; under concurrency the database decides.
        models::insert_booking(conn, &booking).map_err(|e| {
            if models::is_overlap_violation(&e) {
                ApiError::from(Refusal::BookingOverlap)
            } else {
                e.into()
            }
        })?;
        outbox.write(conn, &confirmation)?;
        Ok(())
    })?;
    Ok(booking)
}

/// What the request's project is, as the database knows it, with its dates (read by the same
/// query that says whose it is: no extra round trip).
fn project_claim(
    conn: &mut DbConnection,
    user: &CurrentUser,
    project: Option<&Project>,
) -> Result<(ProjectClaim, ProjectDates), ApiError> {
    let unknown = |field: &str, message: &str| {
        // Staff naming no real project get 422; anyone else 403, as for someone else's.
        if user.is(Role::Staff) {
            Err(ApiError::validation(vec![FieldError::new(field, message)]))
        } else {
            Ok(ProjectDates::default())
        }
    };
    match project {
        Some(Project::Application(application_id)) => {
            match models::application_of(conn, application_id)? {
                Some(application) => Ok((
                    ProjectClaim::Application {
                        own: application.founder_id == user.id,
                        incubating: application.status
                            == crate::incubator::domain::Status::Incubating.as_str(),
                    },
                    application.dates(),
                )),
                None => {
                    let dates = unknown("application_id", "no such application")?;
                    let claim = ProjectClaim::Application {
                        own: false,
                        incubating: false,
                    };
                    Ok((claim, dates))
                }
            }
        }
        Some(Project::Mission(mission_id)) => {
            use diesel::OptionalExtension;
            let mission = crate::missions::models::find_mission(conn, mission_id).optional()?;
            match mission {
                None => {
                    let dates = unknown("mission_id", "no such mission")?;
                    let claim = ProjectClaim::Mission {
                        held_by_team: false,
                    };
                    Ok((claim, dates))
                }
                Some(mission) => {
                    let held_by_team =
                        crate::missions::models::is_member(conn, &mission.team_id, &user.id)?;
                    let dates = ProjectDates {
                        starts_on: Some(mission.starts_on),
                        ends_on: Some(mission.ends_on),
                    };
                    Ok((ProjectClaim::Mission { held_by_team }, dates))
                }
            }
        }
        None => Ok((ProjectClaim::None, ProjectDates::default())),
    }
}

/// The booking if `user` may see it (its booker, staff); otherwise 404, as if it did not exist.
pub fn visible_booking(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: &str,
) -> Result<Booking, ApiError> {
    match models::find_booking(conn, id)? {
        Some(b) if user.is(Role::Staff) || b.user_id == user.id => Ok(b),
        _ => Err(ApiError::not_found()),
    }
}

/// The booking with its equipment and lab if `user` may see it; otherwise 404.
fn visible_context(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: &str,
) -> Result<(Booking, Equipment, Lab), ApiError> {
    match models::booking_context(conn, id)? {
        Some(found) if user.is(Role::Staff) || found.0.user_id == user.id => Ok(found),
        _ => Err(ApiError::not_found()),
    }
}

pub fn cancel(
    conn: &mut DbConnection,
    outbox: &Outbox,
    user: &CurrentUser,
    id: &str,
) -> Result<Booking, ApiError> {
    let (mut booking, equipment, lab) = visible_context(conn, user, id)?;
    db::write_transaction(conn, |conn| {
        let at = now();
        let ids = std::slice::from_ref(&booking.id);
        if models::cancel_bookings(conn, ids, &user.id, None, at)? == 0 {
            return Err(ApiError::conflict(
                "invalid_transition",
                "This booking is already cancelled.",
            ));
        }
        booking.status = CANCELLED.to_owned();
        booking.cancelled_at = Some(at);
        booking.cancelled_by = Some(user.id.clone());
        booking.cancel_reason = None;
        let by_booker = user.id == booking.user_id;
        let booker = if by_booker {
            Some((user.email.clone(), user.name.clone()))
        } else {
            models::contacts(conn, std::slice::from_ref(&booking.user_id))?
                .pop()
                .map(|(_, email, name)| (email, name))
        };
        if let Some((email, name)) = booker {
            let event = event_of(&booking, &equipment, &lab);
            let mut values = BookingMail::new(&name, &event, &lab, &booking);
            values.cancelled_by = Some(user.name.clone());
            values.by_booker = by_booker;
            outbox.enqueue(
                conn,
                Email::new(&email, "booking_cancelled", values)
                    .attach(ics_attachment(lab.tz(), &[event]))
                    .dedupe(format!("booking_cancelled:{}", booking.id)),
            )?;
        }
        Ok(booking)
    })
}

/// Inserts the closure, cancels the confirmed bookings it overlaps and writes one e-mail per
/// booker listing theirs, all in one transaction.
pub fn close_lab(
    conn: &mut DbConnection,
    outbox: &Outbox,
    closure: Closure,
    staff: &CurrentUser,
) -> Result<ClosureView, ApiError> {
    let lab = models::find_lab(conn, &closure.lab_id)?.ok_or_else(ApiError::not_found)?;
    let tz = lab.tz();
    db::write_transaction_with::<_, ApiError, _>(conn, &[models::lab_lock(&lab.id, true)], |conn| {
        models::insert_closure(conn, &closure)?;
        let span = Interval::new(closure.starts_at, closure.ends_at);
        let hit = models::confirmed_in_lab(conn, &lab.id, span)?;
        let ids: Vec<String> = hit.iter().map(|(b, _)| b.id.clone()).collect();
        models::cancel_bookings(conn, &ids, &staff.id, Some(&closure.reason), now())?;
        let mut by_booker: BTreeMap<String, Vec<BookingEvent>> = BTreeMap::new();
        for (booking, equipment) in &hit {
            let mut event = event_of(booking, equipment, &lab);
            event.cancelled = true;
            by_booker
                .entry(booking.user_id.clone())
                .or_default()
                .push(event);
        }
        let bookers: Vec<String> = by_booker.keys().cloned().collect();
        for (user_id, email, name) in models::contacts(conn, &bookers)? {
            let events = by_booker.remove(&user_id).unwrap_or_default();
            let values = ClosureMail {
                name: name.clone(),
                lab: lab.name.clone(),
                reason: closure.reason.clone(),
                timezone: lab.timezone.clone(),
                closure_starts_at: utc(closure.starts_at).to_rfc3339(),
                closure_ends_at: utc(closure.ends_at).to_rfc3339(),
                bookings: events.iter().map(BookingLine::from).collect(),
            };
            outbox.enqueue(
                conn,
                Email::new(&email, "bookings_cancelled_by_closure", values)
                    .attach(ics_attachment(tz, &events))
                    .dedupe(format!("closure:{}:{user_id}", closure.id)),
            )?;
        }
        Ok(ClosureView::new(closure, ids))
    })
}

/// Free intervals of one equipment over the lab's local dates `from..=to`.
pub fn availability(
    conn: &mut DbConnection,
    equipment_id: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Interval>, ApiError> {
    let Bookable {
        equipment,
        lab,
        hours,
    } = models::bookable(conn, equipment_id)?.ok_or_else(ApiError::not_found)?;
    let tz = lab.tz();
    let span = domain::date_range(tz, from, to);
    let mut busy: Vec<Interval> = models::closures_overlapping(conn, &lab.id, span)?
        .iter()
        .map(|c| Interval::new(c.starts_at, c.ends_at))
        .collect();
    busy.extend(models::confirmed_intervals(conn, &equipment.id, span)?);
    Ok(domain::availability(tz, &hours, from, to, busy))
}

/// `GET /bookings/{id}/calendar.ics`.
pub fn calendar_of(
    conn: &mut DbConnection,
    user: &CurrentUser,
    id: &str,
) -> Result<String, ApiError> {
    let (booking, equipment, lab) = visible_context(conn, user, id)?;
    let event = event_of(&booking, &equipment, &lab);
    Ok(ics::calendar(lab.tz(), &[event], Utc::now()))
}

fn event_of(booking: &Booking, equipment: &Equipment, lab: &Lab) -> BookingEvent {
    BookingEvent {
        booking_id: booking.id.clone(),
        equipment: equipment.name.clone(),
        lab: lab.name.clone(),
        starts_at: booking.starts_at,
        ends_at: booking.ends_at,
        purpose: booking.purpose.clone(),
        cancelled: !booking.is_confirmed(),
    }
}

fn ics_attachment(tz: chrono_tz::Tz, events: &[BookingEvent]) -> Attachment {
    Attachment {
        filename: "booking.ics".into(),
        content_type: ics::CONTENT_TYPE.into(),
        content: ics::calendar(tz, events, Utc::now()),
        base64: false,
    }
}

/// Values of `booking_confirmed` and `booking_cancelled`.
#[derive(Serialize)]
struct BookingMail {
    name: String,
    booking_id: String,
    equipment: String,
    lab: String,
    timezone: String,
    starts_at: String,
    ends_at: String,
    purpose: String,
    cancelled_by: Option<String>,
    by_booker: bool,
}

impl BookingMail {
    fn new(name: &str, event: &BookingEvent, lab: &Lab, booking: &Booking) -> Self {
        Self {
            name: name.to_owned(),
            booking_id: booking.id.clone(),
            equipment: event.equipment.clone(),
            lab: lab.name.clone(),
            timezone: lab.timezone.clone(),
            starts_at: utc(event.starts_at).to_rfc3339(),
            ends_at: utc(event.ends_at).to_rfc3339(),
            purpose: booking.purpose.clone().unwrap_or_default(),
            cancelled_by: None,
            by_booker: false,
        }
    }
}

/// Values of `bookings_cancelled_by_closure`: one message per booker.
#[derive(Serialize)]
struct ClosureMail {
    name: String,
    lab: String,
    reason: String,
    timezone: String,
    closure_starts_at: String,
    closure_ends_at: String,
    bookings: Vec<BookingLine>,
}

#[derive(Serialize)]
struct BookingLine {
    booking_id: String,
    equipment: String,
    starts_at: String,
    ends_at: String,
}

impl From<&BookingEvent> for BookingLine {
    fn from(e: &BookingEvent) -> Self {
        Self {
            booking_id: e.booking_id.clone(),
            equipment: e.equipment.clone(),
            starts_at: utc(e.starts_at).to_rfc3339(),
            ends_at: utc(e.ends_at).to_rfc3339(),
        }
    }
}
