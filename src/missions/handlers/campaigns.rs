//! Campaigns: create, list, read, open team signup.

use actix_web::{get, post};
use actix_web::{web, HttpResponse};

use crate::app::AppState;
use crate::auth::{CurrentUser, Staff};
use crate::db::DbConnection;
use crate::error::{ApiError, Problem};
use crate::missions::campaigns;
use crate::missions::domain::NewCampaign;
use crate::missions::models::{self};
use crate::missions::views::*;
use crate::paging::{Page, PageParams, PageRequest};

/// Create a campaign (staff).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    request_body = CampaignBody,
    responses((status = 201, body = CampaignView), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 422, body = Problem)))]
#[post("/campaigns")]
pub async fn create_campaign(
    state: web::Data<AppState>,
    _staff: Staff,
    body: web::Json<CampaignBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let (weeks, size, problems, choices) = (b.weeks, b.team_size, b.max_problems, b.max_choices);
    let new = NewCampaign::parse(
        &b.name,
        b.starts_on.as_deref(),
        weeks,
        size,
        problems,
        choices,
    )
    .map_err(ApiError::validation)?;
    let campaign = state.db(move |conn| campaigns::create(conn, &new)).await?;
    Ok(HttpResponse::Created().json(CampaignView::from(campaign)))
}

/// Campaigns, oldest first (anyone signed in).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    params(PageParams), responses((status = 200, body = Page<CampaignView>), (status = 401, body = Problem)))]
#[get("/campaigns")]
pub async fn list_campaigns(
    state: web::Data<AppState>,
    _user: CurrentUser,
    page: web::Query<PageParams>,
) -> Result<web::Json<Page<CampaignView>>, ApiError> {
    let load =
        |conn: &mut DbConnection, page: &PageRequest| Ok(models::list_campaigns(conn, page)?);
    state.page(&page, load, |c| &c.id, CampaignView::from).await
}

/// One campaign (anyone signed in).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 200, body = CampaignView), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[get("/campaigns/{id}")]
pub async fn get_campaign(
    state: web::Data<AppState>,
    _user: CurrentUser,
    id: web::Path<String>,
) -> Result<web::Json<CampaignView>, ApiError> {
    let id = id.into_inner();
    let campaign = state
        .db(move |conn| Ok(models::find_campaign(conn, &id)?))
        .await?;
    Ok(web::Json(campaign.into()))
}

/// Open team signup: `problems_open` → `signup_open` (staff).
#[utoipa::path(tag = "missions", security(("bearer" = [])),
    responses((status = 200, body = CampaignView), (status = 403, body = Problem), (status = 404, body = Problem),
              (status = 409, description = "`invalid_transition`", body = Problem)))]
#[post("/campaigns/{id}/open-signup")]
pub async fn open_signup(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
) -> Result<web::Json<CampaignView>, ApiError> {
    let id = id.into_inner();
    let campaign = state
        .write(move |tx, _| campaigns::open_signup(tx, &id))
        .await?;
    Ok(web::Json(campaign.into()))
}
