//! Incubator endpoints: founders apply and withdraw; staff decide, close and choose tutors;
//! everyone sees only what is theirs. Each move runs in one `write_transaction` that locks
//! what it checks (capacity, the application, the tutor), so concurrent staff actions cannot
//! both pass a check that only one of them may.

use actix_web::{get, post, put};
use actix_web::{web, HttpResponse};
use chrono::Utc;

use crate::app::AppState;
use crate::auth::models::find_user;
use crate::auth::{CurrentUser, Role, Staff};
use crate::db::{write_transaction, DbConnection};
use crate::error::{ApiError, FieldError, Problem};
use crate::incubator::domain::{
    can_see, ends_on, parse_outcome, transition, Capacity, Decision, Move, NewApplication, Viewer,
};
use crate::incubator::emails::{self, TutorChange};
use crate::incubator::models::{self, Application, NewEvent, Scope, StatusChange};
use crate::incubator::views::{
    ApplicationFilter, ApplicationView, CloseBody, CreateApplicationBody, DecisionBody, EventView,
    EventsView, SuggestionView, SuggestionsView, TutorBody,
};
use crate::mail::templates::DEFAULT_TIMEZONE;
use crate::paging::{Page, PageParams, PageRequest};
use crate::tutors::domain::{has_room_for_project, rank_suggestions, Candidate, Domain};
use crate::tutors::models as tutors;

/// Places in the incubator: capacity, projects incubating, places left.
#[utoipa::path(tag = "incubator", security(("bearer" = [])),
    responses((status = 200, body = Capacity), (status = 401, body = Problem)))]
#[get("/incubator")]
pub async fn capacity(
    _user: CurrentUser,
    state: web::Data<AppState>,
) -> Result<web::Json<Capacity>, ApiError> {
    let places = state.settings.incubator.capacity;
    let incubating = state.db(|conn| Ok(models::count_incubating(conn)?)).await?;
    Ok(web::Json(Capacity::new(places, incubating)))
}

/// Apply to the incubator (founders).
#[utoipa::path(tag = "incubator", security(("bearer" = [])),
    request_body = CreateApplicationBody,
    responses((status = 201, body = ApplicationView), (status = 403, body = Problem),
              (status = 422, description = "`validation_failed`", body = Problem)))]
#[post("/applications")]
pub async fn apply(
    user: CurrentUser,
    state: web::Data<AppState>,
    body: web::Json<CreateApplicationBody>,
) -> Result<HttpResponse, ApiError> {
    user.require(&[Role::Founder])?;
    let new = NewApplication::parse(
        &body.title,
        &body.summary,
        &body.domain,
        body.manufactured_product,
    )
    .map_err(ApiError::validation)?;
    let application = state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let application = models::insert(conn, &user.id, &new)?;
                models::record(
                    conn,
                    NewEvent {
                        application_id: &application.id,
                        actor_id: &user.id,
                        action: "submitted",
                        to_status: Some("submitted"),
                        ..NewEvent::default()
                    },
                )?;
                Ok(application)
            })
        })
        .await?;
    tracing::info!(application_id = %application.id, "application submitted");
    Ok(HttpResponse::Created().json(ApplicationView::from(application)))
}

/// Applications: staff see all, a founder their own, a tutor those they follow.
#[utoipa::path(tag = "incubator", security(("bearer" = [])),
    params(ApplicationFilter, PageParams),
    responses((status = 200, body = Page<ApplicationView>), (status = 403, body = Problem)))]
#[get("/applications")]
pub async fn list_applications(
    user: CurrentUser,
    state: web::Data<AppState>,
    filter: web::Query<ApplicationFilter>,
    page: web::Query<PageParams>,
) -> Result<web::Json<Page<ApplicationView>>, ApiError> {
    user.require(&[Role::Staff, Role::Founder, Role::Tutor])?;
    let status = filter.status;
    let load = move |conn: &mut DbConnection, page: &PageRequest| {
        let scope = match user.role {
            Role::Founder => Scope::Founder(&user.id),
            Role::Tutor => Scope::Tutor(&user.id),
            _ => Scope::All,
        };
        Ok(models::list(conn, scope, status, page)?)
    };
    state
        .page(&page, load, |a| &a.id, ApplicationView::from)
        .await
}

/// One application (staff; its founder; its tutor).
#[utoipa::path(tag = "incubator", security(("bearer" = [])),
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, body = ApplicationView), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/applications/{id}")]
pub async fn get_application(
    user: CurrentUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    user.require(&[Role::Staff, Role::Founder, Role::Tutor])?;
    let id = id.into_inner();
    let application = state.db(move |conn| visible(conn, &user, &id)).await?;
    Ok(web::Json(application.into()))
}

/// Admit or reject a submitted application (staff). Admission needs a free place; the
/// founder is e-mailed either way.
#[utoipa::path(tag = "incubator", security(("bearer" = [])),
    params(("id" = String, Path, description = "Application id")), request_body = DecisionBody,
    responses((status = 200, body = ApplicationView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`, `capacity_reached`", body = Problem),
              (status = 422, description = "`validation_failed`", body = Problem)))]
#[post("/applications/{id}/decision")]
pub async fn decide(
    Staff(staff): Staff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<DecisionBody>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    let decision = Decision::parse(
        &body.decision,
        body.reason.as_deref(),
        body.starts_on.as_deref(),
    )
    .map_err(ApiError::validation)?;
    let id = id.into_inner();
    let (outbox, settings) = (state.outbox.clone(), state.settings.clone());
    let application = state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let admitting = matches!(decision, Decision::Admit { .. });
                if admitting {
                    models::lock_incubator(conn)?;
                }
                let application = models::lock_application(conn, &id)?;
                let from = application.status();
                let (mv, starts_on, reason) = match &decision {
                    Decision::Admit { starts_on, reason } => {
                        (Move::Admit, Some(starts_on.unwrap_or_else(today)), reason)
                    }
                    Decision::Reject { reason } => (Move::Reject, None, reason),
                };
                let to = transition(from, mv)?;
                if admitting {
                    let incubating = models::count_incubating(conn)?;
                    Capacity::new(settings.incubator.capacity, incubating).admit_one()?;
                }
                let changed = models::change_status(
                    conn,
                    &id,
                    &StatusChange {
                        status: to.as_str(),
                        starts_on,
                        ends_on: starts_on.map(|d| ends_on(d, settings.incubator.months)),
                        decision_reason: reason.as_deref(),
                        updated_at: crate::db::now(),
                    },
                )?;
                models::record(
                    conn,
                    NewEvent {
                        application_id: &id,
                        actor_id: &staff.id,
                        action: mv.action(),
                        from_status: Some(from.as_str()),
                        to_status: Some(to.as_str()),
                        reason: reason.as_deref(),
                        ..NewEvent::default()
                    },
                )?;
                let founder = find_user(conn, &changed.founder_id)?;
                emails::decision(conn, &outbox, &founder, &changed, admitting)?;
                Ok(changed)
            })
        })
        .await?;
    tracing::info!(application_id = %application.id, status = %application.status, "application decided");
    Ok(web::Json(application.into()))
}

/// Withdraw a submitted application (its founder).
#[utoipa::path(tag = "incubator", security(("bearer" = [])),
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, body = ApplicationView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`", body = Problem)))]
#[post("/applications/{id}/withdraw")]
pub async fn withdraw(
    user: CurrentUser,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    user.require(&[Role::Founder])?;
    let id = id.into_inner();
    let application = state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let application = models::lock_application(conn, &id)?;
                if application.founder_id != user.id {
                    return Err(ApiError::not_found());
                }
                change_state(conn, &user, &application, Move::Withdraw, None)
            })
        })
        .await?;
    Ok(web::Json(application.into()))
}

/// End an incubation (staff): `graduated` or `discontinued`; the place is free again.
#[utoipa::path(tag = "incubator", security(("bearer" = [])),
    params(("id" = String, Path, description = "Application id")), request_body = CloseBody,
    responses((status = 200, body = ApplicationView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`", body = Problem),
              (status = 422, description = "`validation_failed`", body = Problem)))]
#[post("/applications/{id}/close")]
pub async fn close(
    Staff(staff): Staff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<CloseBody>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    let outcome = parse_outcome(&body.outcome).map_err(|e| ApiError::validation(vec![e]))?;
    let reason = body
        .reason
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned);
    let id = id.into_inner();
    let application = state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let application = models::lock_application(conn, &id)?;
                change_state(conn, &staff, &application, outcome, reason.as_deref())
            })
        })
        .await?;
    Ok(web::Json(application.into()))
}

/// Give an incubating project its tutor, or a new one (staff). The new tutor is e-mailed the
/// project; a replaced tutor gets a handover note.
#[utoipa::path(tag = "incubator", security(("bearer" = [])),
    params(("id" = String, Path, description = "Application id")), request_body = TutorBody,
    responses((status = 200, body = ApplicationView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition` (not incubating), `tutor_overloaded`", body = Problem),
              (status = 422, description = "`validation_failed` (no such tutor)", body = Problem)))]
#[put("/applications/{id}/tutor")]
pub async fn assign_tutor(
    Staff(staff): Staff,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<TutorBody>,
) -> Result<web::Json<ApplicationView>, ApiError> {
    let tutor_id = body.into_inner().tutor_id.trim().to_owned();
    if tutor_id.is_empty() {
        return Err(ApiError::validation(vec![FieldError::new(
            "tutor_id",
            "is required",
        )]));
    }
    let (id, outbox) = (id.into_inner(), state.outbox.clone());
    let application = state
        .db(move |conn| {
            write_transaction(conn, |conn| {
                let application = models::lock_application(conn, &id)?;
                transition(application.status(), Move::AssignTutor)?;
                if application.tutor_id.as_deref() == Some(tutor_id.as_str()) {
                    return Ok(application);
                }
                let tutor = tutors::lock_tutor(conn, &tutor_id)?.ok_or_else(|| {
                    ApiError::validation(vec![FieldError::new("tutor_id", "is not a tutor")])
                })?;
                let load = tutors::tutor_load(conn, &tutor.id)?;
                if !has_room_for_project(load, tutor.profile.max_projects) {
                    return Err(ApiError::conflict(
                        "tutor_overloaded",
                        format!(
                            "{} already follows {} projects, their limit.",
                            tutor.name, load.projects
                        ),
                    ));
                }
                let changed = models::set_tutor(conn, &id, &tutor.id)?;
                let event_id = models::record(
                    conn,
                    NewEvent {
                        application_id: &id,
                        actor_id: &staff.id,
                        action: Move::AssignTutor.action(),
                        tutor_id: Some(&tutor.id),
                        previous_tutor_id: application.tutor_id.as_deref(),
                        ..NewEvent::default()
                    },
                )?;
                let previous = match &application.tutor_id {
                    Some(p) => Some(find_user(conn, p)?),
                    None => None,
                };
                let change = TutorChange {
                    event_id: &event_id,
                    application: &changed,
                    founder: &find_user(conn, &changed.founder_id)?,
                    tutor: &find_user(conn, &tutor.id)?,
                    previous: previous.as_ref(),
                };
                emails::tutor_change(conn, &outbox, &change)?;
                Ok(changed)
            })
        })
        .await?;
    Ok(web::Json(application.into()))
}

/// Tutors who could follow the project (staff): only those with room, domain matches first,
/// then the lightest load relative to their limit. The current tutor is left out.
#[utoipa::path(tag = "incubator", security(("bearer" = [])),
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, body = SuggestionsView), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/applications/{id}/tutor-suggestions")]
pub async fn tutor_suggestions(
    _staff: Staff,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<SuggestionsView>, ApiError> {
    let id = id.into_inner();
    let (application, candidates) = state
        .db(move |conn| {
            let application = models::find(conn, &id)?;
            let all = tutors::all(conn)?;
            let ids: Vec<String> = all.iter().map(|t| t.id.clone()).collect();
            let mut loads = tutors::tutor_loads(conn, &ids)?;
            let candidates: Vec<Candidate> = all
                .into_iter()
                .filter(|t| application.tutor_id.as_deref() != Some(t.id.as_str()))
                .map(|t| Candidate {
                    load: loads.remove(&t.id).unwrap_or_default(),
                    domains: t.domains(),
                    max_projects: t.profile.max_projects,
                    tutor_id: t.id,
                    name: t.name,
                })
                .collect();
            Ok((application, candidates))
        })
        .await?;
    let domain: Domain = application
        .domain
        .parse()
        .map_err(|e: String| ApiError::internal(anyhow::anyhow!(e)))?;
    let items = rank_suggestions(candidates, domain)
        .into_iter()
        .map(SuggestionView::from)
        .collect();
    Ok(web::Json(SuggestionsView { items }))
}

/// The audit trail of an application (staff): who decided, assigned or closed what, and when.
#[utoipa::path(tag = "incubator", security(("bearer" = [])),
    params(("id" = String, Path, description = "Application id")),
    responses((status = 200, body = EventsView), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/applications/{id}/events")]
pub async fn events(
    _staff: Staff,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<EventsView>, ApiError> {
    let id = id.into_inner();
    let rows = state
        .db(move |conn| {
            models::find(conn, &id)?;
            Ok(models::events(conn, &id)?)
        })
        .await?;
    Ok(web::Json(EventsView {
        items: rows.into_iter().map(EventView::from).collect(),
    }))
}

/// The application if the caller may see it; 404 otherwise, as if it did not exist.
fn visible(conn: &mut DbConnection, user: &CurrentUser, id: &str) -> Result<Application, ApiError> {
    let application = models::find(conn, id)?;
    let viewer = Viewer {
        id: &user.id,
        role: user.role,
    };
    if can_see(
        &viewer,
        &application.founder_id,
        application.tutor_id.as_deref(),
    ) {
        Ok(application)
    } else {
        Err(ApiError::not_found())
    }
}

/// A move that only changes the state (withdraw, close), recorded in the audit trail.
fn change_state(
    conn: &mut DbConnection,
    actor: &CurrentUser,
    application: &Application,
    mv: Move,
    reason: Option<&str>,
) -> Result<Application, ApiError> {
    let from = application.status();
    let to = transition(from, mv)?;
    let changed = models::change_status(
        conn,
        &application.id,
        &StatusChange {
            status: to.as_str(),
            starts_on: None,
            ends_on: None,
            decision_reason: None,
            updated_at: crate::db::now(),
        },
    )?;
    models::record(
        conn,
        NewEvent {
            application_id: &application.id,
            actor_id: &actor.id,
            action: mv.action(),
            from_status: Some(from.as_str()),
            to_status: Some(to.as_str()),
            reason,
            ..NewEvent::default()
        },
    )?;
    Ok(changed)
}

/// Today at the school (Europe/Paris), the default start of an incubation.
fn today() -> chrono::NaiveDate {
    Utc::now().with_timezone(&DEFAULT_TIMEZONE).date_naive()
}
