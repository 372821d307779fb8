//! Lab endpoints: labs, equipment, training authorizations, closures, availability, and
//! bookings (create, list, cancel, calendar).

use actix_web::{get, post};
use actix_web::{web, HttpResponse};
use chrono::{NaiveDate, NaiveDateTime};

use crate::app::AppState;
use crate::auth::{Bearer, CurrentUser, Role, Staff};
use crate::dates;
use crate::db::DbConnection;
use crate::error::{ApiError, FieldError, Problem};
use crate::labs::bookings::{self as booking_flow, NewBooking};
use crate::labs::domain::{self, ListBound, NewEquipment, NewLab};
use crate::labs::models::{self, BookingFilter, Project};
use crate::labs::setup;
use crate::labs::views::*;
use crate::paging::{Page, PageParams, PageRequest};
use crate::text::not_blank;

/// Create a lab with its weekly opening hours (staff).
#[utoipa::path(tag = "labs", security(("bearer" = [])), request_body = LabBody,
    responses((status = 201, body = LabView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[post("/labs")]
pub async fn create_lab(
    state: web::Data<AppState>,
    _staff: Staff,
    body: web::Json<LabBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let entries: Vec<_> = body
        .opening_hours
        .iter()
        .map(|h| (h.weekday, h.opens.clone(), h.closes.clone()))
        .collect();
    let new = NewLab::parse(
        &body.name,
        body.description.as_deref(),
        body.timezone.as_deref(),
        &entries,
    )
    .map_err(ApiError::validation)?;
    let view = state
        .write(move |tx, _| {
            let (lab, hours) = setup::create_lab(tx, new)?;
            Ok(LabView::new(lab, &hours))
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Labs with their opening hours.
#[utoipa::path(tag = "labs", security(("bearer" = [])), params(PageParams),
    responses((status = 200, body = Page<LabView>), (status = 401, body = Problem)))]
#[get("/labs")]
pub async fn list_labs(
    state: web::Data<AppState>,
    _user: CurrentUser,
    page: web::Query<PageParams>,
) -> Result<web::Json<Page<LabView>>, ApiError> {
    let page = page.parse()?;
    let request = page.clone();
    let (rows, hours) = state
        .db(move |conn| {
            let rows = models::list_labs(conn, &request)?;
            let ids: Vec<String> = rows.iter().map(|l| l.id.clone()).collect();
            Ok((rows, models::opening_hours(conn, &ids)?))
        })
        .await?;
    Ok(web::Json(Page::from_rows(
        rows,
        &page,
        |l| &l.id,
        |l| LabView::new(l, &hours),
    )))
}

/// One lab.
#[utoipa::path(tag = "labs", security(("bearer" = [])),
    responses((status = 200, body = LabView), (status = 404, body = Problem)))]
#[get("/labs/{id}")]
pub async fn get_lab(
    state: web::Data<AppState>,
    _user: CurrentUser,
    id: web::Path<String>,
) -> Result<web::Json<LabView>, ApiError> {
    let id = id.into_inner();
    let view = state
        .db(move |conn| {
            let lab = models::find_lab(conn, &id)?.ok_or_else(ApiError::not_found)?;
            let hours = models::opening_hours(conn, std::slice::from_ref(&lab.id))?;
            Ok(LabView::new(lab, &hours))
        })
        .await?;
    Ok(web::Json(view))
}

/// Add equipment to a lab (staff).
#[utoipa::path(tag = "labs", security(("bearer" = [])),
    request_body = EquipmentBody,
    responses((status = 201, body = EquipmentView), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[post("/labs/{id}/equipment")]
pub async fn create_equipment(
    state: web::Data<AppState>,
    _staff: Staff,
    lab_id: web::Path<String>,
    body: web::Json<EquipmentBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let new = NewEquipment::parse(
        &body.name,
        body.description.as_deref(),
        body.min_minutes,
        body.max_minutes,
        body.requires_training,
        body.weekly_hours_per_project,
    )
    .map_err(ApiError::validation)?;
    let lab_id = lab_id.into_inner();
    let view = state
        .db(move |conn| {
            Ok(EquipmentView::from(setup::add_equipment(
                conn, &lab_id, new,
            )?))
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// A lab's equipment.
#[utoipa::path(tag = "labs", security(("bearer" = [])),
    params(PageParams), responses((status = 200, body = Page<EquipmentView>), (status = 404, body = Problem)))]
#[get("/labs/{id}/equipment")]
pub async fn list_equipment(
    state: web::Data<AppState>,
    _user: CurrentUser,
    lab_id: web::Path<String>,
    page: web::Query<PageParams>,
) -> Result<web::Json<Page<EquipmentView>>, ApiError> {
    let lab_id = lab_id.into_inner();
    let load = move |conn: &mut DbConnection, page: &PageRequest| {
        models::find_lab(conn, &lab_id)?.ok_or_else(ApiError::not_found)?;
        Ok(models::list_equipment(conn, &lab_id, page)?)
    };
    state
        .page(&page, load, |e| &e.id, EquipmentView::from)
        .await
}

/// One piece of equipment.
#[utoipa::path(tag = "labs", security(("bearer" = [])),
    responses((status = 200, body = EquipmentView), (status = 404, body = Problem)))]
#[get("/equipment/{id}")]
pub async fn get_equipment(
    state: web::Data<AppState>,
    _user: CurrentUser,
    id: web::Path<String>,
) -> Result<web::Json<EquipmentView>, ApiError> {
    let id = id.into_inner();
    let row = state
        .db(move |conn| models::find_equipment(conn, &id)?.ok_or_else(ApiError::not_found))
        .await?;
    Ok(web::Json(row.into()))
}

/// Record that a user is trained on this equipment, until `expires_on` if given (staff).
#[utoipa::path(tag = "labs", security(("bearer" = [])),
    request_body = AuthorizationBody,
    responses((status = 201, body = AuthorizationView), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[post("/equipment/{id}/authorizations")]
pub async fn create_authorization(
    state: web::Data<AppState>,
    Staff(staff): Staff,
    equipment_id: web::Path<String>,
    body: web::Json<AuthorizationBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let equipment_id = equipment_id.into_inner();
    let view = state
        .db(move |conn| {
            let user_id = body.user_id.trim();
            let expires_on = body.expires_on.as_deref();
            let row = setup::authorize(conn, &staff, &equipment_id, user_id, expires_on)?;
            Ok(AuthorizationView::from(row))
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// Who is trained on this equipment (staff).
#[utoipa::path(tag = "labs", security(("bearer" = [])),
    params(PageParams), responses((status = 200, body = Page<AuthorizationView>), (status = 404, body = Problem)))]
#[get("/equipment/{id}/authorizations")]
pub async fn list_authorizations(
    state: web::Data<AppState>,
    _staff: Staff,
    equipment_id: web::Path<String>,
    page: web::Query<PageParams>,
) -> Result<web::Json<Page<AuthorizationView>>, ApiError> {
    let id = equipment_id.into_inner();
    let load = move |conn: &mut DbConnection, page: &PageRequest| {
        models::find_equipment(conn, &id)?.ok_or_else(ApiError::not_found)?;
        Ok(models::list_authorizations(conn, &id, page)?)
    };
    state
        .page(&page, load, |a| &a.id, AuthorizationView::from)
        .await
}

fn parse_span(starts_at: &str, ends_at: &str) -> Result<(NaiveDateTime, NaiveDateTime), ApiError> {
    let start = domain::parse_instant(starts_at);
    let end = domain::parse_instant(ends_at);
    let mut errors = Vec::new();
    if start.is_none() {
        errors.push(FieldError::new("starts_at", dates::INSTANT_EXPECTED));
    }
    if end.is_none() {
        errors.push(FieldError::new("ends_at", dates::INSTANT_EXPECTED));
    }
    match (start, end) {
        (Some(s), Some(e)) => Ok((s, e)),
        _ => Err(ApiError::validation(errors)),
    }
}

/// Close a lab for a while (staff). Confirmed bookings it overlaps are cancelled and each
/// booker gets one e-mail listing theirs.
#[utoipa::path(tag = "labs", security(("bearer" = [])),
    request_body = ClosureBody,
    responses((status = 201, body = ClosureView), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[post("/labs/{id}/closures")]
pub async fn create_closure(
    state: web::Data<AppState>,
    Staff(staff): Staff,
    lab_id: web::Path<String>,
    body: web::Json<ClosureBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let (starts_at, ends_at) = parse_span(&body.starts_at, &body.ends_at)?;
    let closure = setup::new_closure(&staff, &lab_id, starts_at, ends_at, &body.reason)?;
    let outbox = state.outbox.clone();
    let view = state
        .db(move |conn| booking_flow::close_lab(conn, &outbox, closure, &staff))
        .await?;
    Ok(HttpResponse::Created().json(view))
}

/// A lab's closures, in creation order.
#[utoipa::path(tag = "labs", security(("bearer" = [])),
    params(PageParams), responses((status = 200, body = Page<ClosureView>), (status = 404, body = Problem)))]
#[get("/labs/{id}/closures")]
pub async fn list_closures(
    state: web::Data<AppState>,
    _user: CurrentUser,
    lab_id: web::Path<String>,
    page: web::Query<PageParams>,
) -> Result<web::Json<Page<ClosureView>>, ApiError> {
    let lab_id = lab_id.into_inner();
    let load = move |conn: &mut DbConnection, page: &PageRequest| {
        models::find_lab(conn, &lab_id)?.ok_or_else(ApiError::not_found)?;
        Ok(models::list_closures(conn, &lab_id, page)?)
    };
    let view = |c| ClosureView::new(c, Vec::new());
    state.page(&page, load, |c| &c.id, view).await
}

/// Free intervals of one equipment: opening hours − closures − confirmed bookings, in UTC,
/// merged and sorted, over the lab's local dates `from..=to`.
#[utoipa::path(tag = "labs", security(("bearer" = [])),
    params(AvailabilityQuery),
    responses((status = 200, body = AvailabilityView), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[get("/equipment/{id}/availability")]
pub async fn availability(
    state: web::Data<AppState>,
    bearer: Bearer,
    equipment_id: web::Path<String>,
    query: web::Query<AvailabilityQuery>,
) -> Result<web::Json<AvailabilityView>, ApiError> {
    let range = parse_date_range(query.from.as_deref(), query.to.as_deref());
    let id = equipment_id.into_inner();
    let items = state
        .db(move |conn| {
            bearer.user(conn)?; // any signed-in user; 401 comes before 422
            let (from, to) = range?;
            booking_flow::availability(conn, &id, from, to)
        })
        .await?;
    Ok(web::Json(AvailabilityView {
        items: items.into_iter().map(FreeInterval::from).collect(),
    }))
}

fn parse_date_range(
    from: Option<&str>,
    to: Option<&str>,
) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let from_date = from.and_then(domain::parse_date);
    let to_date = to.and_then(domain::parse_date);
    let mut errors = Vec::new();
    if from_date.is_none() {
        errors.push(FieldError::new("from", dates::DATE_EXPECTED));
    }
    if to_date.is_none() {
        errors.push(FieldError::new("to", dates::DATE_EXPECTED));
    }
    let (Some(from), Some(to)) = (from_date, to_date) else {
        return Err(ApiError::validation(errors));
    };
    if to < from {
        return Err(ApiError::validation(vec![FieldError::new(
            "to",
            "must not be before `from`",
        )]));
    }
    if (to - from).num_days() >= domain::MAX_AVAILABILITY_DAYS {
        return Err(ApiError::validation(vec![FieldError::new(
            "to",
            format!("at most {} days per request", domain::MAX_AVAILABILITY_DAYS),
        )]));
    }
    Ok((from, to))
}

/// Book equipment. Who may book, then training, then the contract's rules in order:
/// `invalid_interval`, `in_past`, `invalid_duration`, `outside_opening_hours`, `lab_closed`,
/// `quota_exceeded`, `booking_overlap`. The database refuses overlaps whatever the concurrency.
#[utoipa::path(tag = "labs", security(("bearer" = [])), request_body = BookingBody,
    responses((status = 201, body = BookingView),
              (status = 403, description = "`forbidden`, `training_required`", body = Problem),
              (status = 404, description = "No such equipment", body = Problem),
              (status = 409, description = "`lab_closed`, `quota_exceeded`, `booking_overlap`", body = Problem),
              (status = 422, description = "`validation_failed`, `invalid_interval`, `in_past`, `invalid_duration`, `outside_opening_hours`", body = Problem)))]
#[post("/bookings")]
pub async fn create_booking(
    state: web::Data<AppState>,
    bearer: Bearer,
    body: web::Json<BookingBody>,
) -> Result<HttpResponse, ApiError> {
    let request = new_booking(body.into_inner());
    let outbox = state.outbox.clone();
    // The session is read on the booking's own connection: one blocking hop per booking.
    let booking = state
        .db(move |conn| {
            let user = bearer.user(conn)?; // 401 comes before 422
            booking_flow::book(conn, &outbox, &user, request?)
        })
        .await?;
    Ok(HttpResponse::Created().json(BookingView::from(booking)))
}

fn new_booking(body: BookingBody) -> Result<NewBooking, ApiError> {
    let equipment_id = body.equipment_id.trim().to_owned();
    if equipment_id.is_empty() {
        return Err(ApiError::validation(vec![FieldError::new(
            "equipment_id",
            "is required",
        )]));
    }
    let (starts_at, ends_at) = parse_span(&body.starts_at, &body.ends_at)?;
    let project = Project::from_ids(body.application_id.as_deref(), body.mission_id.as_deref())
        .map_err(|e| ApiError::validation(vec![e]))?;
    Ok(NewBooking {
        equipment_id,
        starts_at,
        ends_at,
        purpose: not_blank(body.purpose.as_deref()).map(str::to_owned),
        project,
    })
}

fn parse_bound(text: Option<&str>, field: &str) -> Result<Option<ListBound>, ApiError> {
    let Some(text) = not_blank(text) else {
        return Ok(None);
    };
    match ListBound::parse(text) {
        Some(bound) => Ok(Some(bound)),
        None => Err(ApiError::validation(vec![FieldError::new(
            field,
            "must be a date YYYY-MM-DD (in the lab's time zone) or an RFC 3339 instant, in the years 2000 to 2100",
        )])),
    }
}

/// Bookings, cancelled ones included: staff see all, others their own.
#[utoipa::path(tag = "labs", security(("bearer" = [])),
    params(BookingQuery, PageParams), responses((status = 200, body = Page<BookingView>), (status = 401, body = Problem)))]
#[get("/bookings")]
pub async fn list_bookings(
    state: web::Data<AppState>,
    user: CurrentUser,
    query: web::Query<BookingQuery>,
    page: web::Query<PageParams>,
) -> Result<web::Json<Page<BookingView>>, ApiError> {
    let filter = BookingFilter {
        user_id: (!user.is(Role::Staff)).then(|| user.id.clone()),
        equipment_id: not_blank(query.equipment_id.as_deref()).map(str::to_owned),
        from: parse_bound(query.from.as_deref(), "from")?,
        to: parse_bound(query.to.as_deref(), "to")?,
    };
    let load = move |conn: &mut DbConnection, page: &PageRequest| {
        Ok(models::list_bookings(conn, &filter, page)?)
    };
    state.page(&page, load, |b| &b.id, BookingView::from).await
}

/// One booking (its booker, staff).
#[utoipa::path(tag = "labs", security(("bearer" = [])),
    responses((status = 200, body = BookingView), (status = 404, body = Problem)))]
#[get("/bookings/{id}")]
pub async fn get_booking(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<web::Json<BookingView>, ApiError> {
    let id = id.into_inner();
    let booking = state
        .db(move |conn| booking_flow::visible_booking(conn, &user, &id))
        .await?;
    Ok(web::Json(booking.into()))
}

/// Cancel a booking (its booker, staff): the slot is free again and the booker gets the
/// cancellation for their calendar.
#[utoipa::path(tag = "labs", security(("bearer" = [])),
    responses((status = 200, body = BookingView), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`: already cancelled", body = Problem)))]
#[post("/bookings/{id}/cancel")]
pub async fn cancel_booking(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<web::Json<BookingView>, ApiError> {
    let id = id.into_inner();
    let outbox = state.outbox.clone();
    let booking = state
        .db(move |conn| booking_flow::cancel(conn, &outbox, &user, &id))
        .await?;
    Ok(web::Json(booking.into()))
}

/// The booking as an iCalendar event (its booker, staff); a cancelled one as a cancellation.
#[utoipa::path(tag = "labs", security(("bearer" = [])),
    responses((status = 200, content_type = "text/calendar", body = String), (status = 404, body = Problem)))]
#[get("/bookings/{id}/calendar.ics")]
pub async fn booking_calendar(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let ics = state
        .db(move |conn| booking_flow::calendar_of(conn, &user, &id))
        .await?;
    Ok(HttpResponse::Ok()
        .content_type(crate::labs::ics::CONTENT_TYPE)
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"booking.ics\"",
        ))
        .body(ics))
}
