//! The marks given at the end of a mission.

use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppState;
use crate::auth::{CurrentUser, Staff};
use crate::error::{ApiError, Problem};
use crate::missions::evaluations::{self, Evaluations, Mark};

#[derive(Debug, Deserialize, ToSchema)]
pub struct MarkBody {
    /// A student of the team; absent or null: the mark of the whole team.
    #[serde(default)]
    pub student_id: Option<String>,
    /// Out of 20, in quarter points.
    #[schema(example = 15.5)]
    pub mark: f64,
    #[serde(default)]
    pub comments: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct EvaluationBody {
    pub marks: Vec<MarkBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationItemView {
    /// `company` or `tutor`.
    pub evaluator: String,
    pub evaluator_name: Option<String>,
    /// Null: the team's mark.
    pub student_id: Option<String>,
    pub student_name: Option<String>,
    pub mark: f64,
    pub comments: String,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationsView {
    pub mission_id: String,
    /// Both the company and the tutor have given their marks (students see theirs from then).
    pub complete: bool,
    /// Who has not evaluated yet: `company`, `tutor`.
    pub missing: Vec<String>,
    pub items: Vec<EvaluationItemView>,
}

impl From<Evaluations> for EvaluationsView {
    fn from(e: Evaluations) -> Self {
        let name = |id: &str| e.names.get(id).cloned();
        let items = e
            .items
            .iter()
            .map(|r| EvaluationItemView {
                evaluator: r.evaluator.clone(),
                evaluator_name: name(&r.evaluator_id),
                student_id: (!r.student_id.is_empty()).then(|| r.student_id.clone()),
                student_name: name(&r.student_id),
                mark: r.mark,
                comments: r.comments.clone(),
                updated_at: crate::db::utc(r.updated_at),
            })
            .collect();
        Self {
            mission_id: e.mission_id,
            complete: e.complete,
            missing: e.missing.iter().map(|m| (*m).to_owned()).collect(),
            items,
        }
    }
}

/// Give marks (the mission's company contact or its tutor): for the team and/or per student,
/// out of 20; giving a mark again replaces it. Marks open on the mission's first day.
#[utoipa::path(tag = "evaluations", security(("bearer" = [])),
    request_body = EvaluationBody,
    responses((status = 200, body = EvaluationsView), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "`evaluation_not_open`: the mission has not started; `opens_on` is the day marks open", body = Problem),
              (status = 422, description = "`validation_failed`", body = Problem)))]
#[post("/missions/{id}/evaluations")]
pub async fn post_evaluations(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
    body: web::Json<EvaluationBody>,
) -> Result<web::Json<EvaluationsView>, ApiError> {
    let id = id.into_inner();
    let marks = body
        .into_inner()
        .marks
        .into_iter()
        .map(|m| Mark {
            student_id: crate::text::not_blank(m.student_id.as_deref()).map(str::to_owned),
            mark: m.mark,
            comments: m.comments,
        })
        .collect();
    let evaluations = state
        .write(move |tx, _| evaluations::submit(tx, &user, &id, marks))
        .await?;
    Ok(web::Json(evaluations.into()))
}

/// A mission's marks: staff and its evaluators all; its students their own and the team's once
/// both evaluations are in (before: `complete` false and no items). Anyone else: 404.
#[utoipa::path(tag = "evaluations", security(("bearer" = [])),
    responses((status = 200, body = EvaluationsView), (status = 401, body = Problem), (status = 404, body = Problem)))]
#[get("/missions/{id}/evaluations")]
pub async fn get_evaluations(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<String>,
) -> Result<web::Json<EvaluationsView>, ApiError> {
    let id = id.into_inner();
    let evaluations = state
        .db(move |conn| evaluations::visible(conn, &user, &id))
        .await?;
    Ok(web::Json(evaluations.into()))
}

/// A campaign's marks as CSV for a French spreadsheet (staff): one line per student.
#[utoipa::path(tag = "evaluations", security(("bearer" = [])),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/campaigns/{id}/evaluations.csv")]
pub async fn evaluations_csv(
    state: web::Data<AppState>,
    _staff: Staff,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let (file, csv) = state
        .db(move |conn| evaluations::campaign_csv(conn, &id))
        .await?;
    Ok(crate::spreadsheet::download(&file, csv))
}
