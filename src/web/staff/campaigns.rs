//! A campaign in the console: the list and a new campaign; one campaign's state strip with
//! its next action; its problems to review up to the cap; its teams with their rankings and
//! staff's constraints; its missions and their tutors. The allocation has its own page
//! (`allocation`). Every write is the missions use case the API calls.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use minijinja::{context, Value};

use crate::app::AppState;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::missions::domain::{
    CampaignStatus, ConstraintKind, Decision, NewCampaign, ProblemStatus,
};
use crate::missions::models::{self, Campaign, ProblemFilter, ProblemScope};
use crate::missions::{campaigns, publication, review, tutoring};
use crate::text::not_blank;
use crate::tutors::models as tutors;
use crate::web::forms::{blank, field, kept, number, refused_over, show, Fields};
use crate::web::i18n::Lang;
use crate::web::missions::{campaign_value, mission_value, problem_value};
use crate::web::session::{PageError, Visitor};
use crate::web::staff::{posted, staff};
use crate::web::ALL;

const STAGES: [CampaignStatus; 4] = [
    CampaignStatus::ProblemsOpen,
    CampaignStatus::SignupOpen,
    CampaignStatus::Allocated,
    CampaignStatus::Published,
];

/// What every campaign page shows on top: the campaign, its state strip (done, current, to
/// come) and the one next action with its link.
pub fn head(lang: Lang, campaign: Campaign) -> Value {
    let status = campaign.status();
    let at = STAGES.iter().position(|s| *s == status).unwrap_or(0);
    let strip: Vec<Value> = STAGES
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let state = match i.cmp(&at) {
                std::cmp::Ordering::Less => "done",
                std::cmp::Ordering::Equal => "current",
                std::cmp::Ordering::Greater => "todo",
            };
            context! { label => lang.text(&format!("campaign.status.{}", s.as_str())), state }
        })
        .collect();
    let id = campaign.id.clone();
    let (next, href) = match status {
        CampaignStatus::ProblemsOpen => (
            "console.next.review",
            format!("/app/staff/campaigns/{id}#problems"),
        ),
        CampaignStatus::SignupOpen => (
            "console.next.allocate",
            format!("/app/staff/campaigns/{id}/allocation"),
        ),
        CampaignStatus::Allocated => (
            "console.next.publish",
            format!("/app/staff/campaigns/{id}/allocation"),
        ),
        CampaignStatus::Published => (
            "console.next.tutors",
            format!("/app/staff/campaigns/{id}/missions"),
        ),
    };
    context! {
        campaign => campaign_value(lang, campaign),
        strip,
        next => context! { text => lang.text(next), href },
    }
}

// ---- the list and a new campaign ----

fn campaigns_page(conn: &mut DbConnection, lang: Lang) -> Result<Value, ApiError> {
    let mut rows = models::list_campaigns(conn, &ALL)?;
    rows.reverse();
    Ok(context! {
        campaigns => rows.into_iter().map(|c| head(lang, c)).collect::<Vec<_>>(),
    })
}

/// `/app/staff/campaigns`: every campaign, newest first, each with its next action.
pub async fn campaigns(v: Visitor, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    staff(&v)?;
    let lang = v.lang;
    show(&v, &state, "staff_campaigns.html", move |conn| {
        Ok(context! { ..blank(Value::UNDEFINED), ..campaigns_page(conn, lang)? })
    })
    .await
}

/// The form's campaign, every field's refusal at once.
fn new_campaign(fields: &[(String, String)]) -> Result<NewCampaign, ApiError> {
    let mut errors = Vec::new();
    let mut count = |name: &str| {
        number(fields, name).unwrap_or_else(|e| {
            errors.push(e);
            None
        })
    };
    let counts = [
        count("weeks"),
        count("team_size"),
        count("max_problems"),
        count("max_choices"),
    ];
    let new = NewCampaign::parse(
        field(fields, "name"),
        Some(field(fields, "starts_on")),
        counts[0],
        counts[1],
        counts[2],
        counts[3],
    );
    match new {
        Ok(new) if errors.is_empty() => Ok(new),
        Ok(_) => Err(ApiError::validation(errors)),
        Err(mut more) => {
            more.append(&mut errors);
            Err(ApiError::validation(more))
        }
    }
}

pub async fn create(
    v: Visitor,
    state: web::Data<AppState>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (_, fields) = posted(&v, form)?;
    let lang = v.lang;
    let parsed = new_campaign(&fields);
    let created = match parsed {
        Ok(new) => state.db(move |conn| campaigns::create(conn, &new)).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(c) => Ok(v.see_other(&format!(
            "/app/staff/campaigns/{}?done=campaign_created",
            c.id
        ))),
        Err(e) => {
            let kept = kept(&fields);
            refused_over(&v, &state, e, "staff_campaigns.html", kept, move |conn| {
                campaigns_page(conn, lang)
            })
            .await
        }
    }
}

// ---- one campaign: its problems ----

fn overview_page(conn: &mut DbConnection, lang: Lang, id: &str) -> Result<Value, ApiError> {
    let campaign = models::find_campaign(conn, id)?;
    let mut rows = models::list_problems(
        conn,
        &campaign.id,
        ProblemScope::All,
        &ProblemFilter::default(),
        &ALL,
    )?;
    // Those to review first, then accepted, then rejected.
    rows.sort_by_key(|r| match ProblemStatus::parse(&r.problem.status) {
        ProblemStatus::Submitted => 0,
        ProblemStatus::Accepted => 1,
        _ => 2,
    });
    let accepted = models::count_accepted(conn, &campaign.id)?;
    let to_review = rows
        .iter()
        .filter(|r| ProblemStatus::parse(&r.problem.status) == ProblemStatus::Submitted)
        .count();
    let open = campaign.status() == CampaignStatus::ProblemsOpen;
    let max_problems = i64::from(campaign.max_problems);
    Ok(context! {
        problems => rows.into_iter().map(|r| problem_value(lang, r)).collect::<Vec<_>>(),
        accepted,
        to_review,
        max_problems,
        cap_reached => accepted >= max_problems,
        open,
        ..head(lang, campaign)
    })
}

/// `/app/staff/campaigns/{id}`: the state strip and the problems, those to review first.
pub async fn overview(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    staff(&v)?;
    let (lang, id) = (v.lang, id.into_inner());
    show(&v, &state, "staff_campaign.html", move |conn| {
        overview_page(conn, lang, &id)
    })
    .await
}

pub async fn open_signup(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    posted(&v, form)?;
    let (lang, id) = (v.lang, id.into_inner());
    let campaign_id = id.clone();
    match state
        .write(move |tx, _| campaigns::open_signup(tx, &campaign_id))
        .await
    {
        Ok(_) => Ok(v.see_other(&format!("/app/staff/campaigns/{id}?done=signup_opened"))),
        Err(e) => {
            refused_over(
                &v,
                &state,
                e,
                "staff_campaign.html",
                Value::UNDEFINED,
                move |conn| overview_page(conn, lang, &id),
            )
            .await
        }
    }
}

/// Accept or reject a problem (`decision`, `reason`); the company's contact is e-mailed.
pub async fn review(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (_, fields) = posted(&v, form)?;
    let (lang, id) = (v.lang, id.into_inner());
    let reason = not_blank(Some(field(&fields, "reason"))).map(str::to_owned);
    let decided = match Decision::parse(field(&fields, "decision")) {
        Ok(decision) => {
            let (problem_id, reason) = (id.clone(), reason.clone());
            state
                .write(move |tx, state| {
                    review::review(tx, &state.outbox, &problem_id, decision, reason.as_deref())
                })
                .await
        }
        Err(errors) => Err(ApiError::validation(errors)),
    };
    match decided {
        Ok(row) => Ok(v.see_other(&format!(
            "/app/staff/campaigns/{}?done=problem_reviewed#problems",
            row.problem.campaign_id
        ))),
        Err(e) => {
            let kept = context! { reason };
            refused_over(&v, &state, e, "staff_campaign.html", kept, move |conn| {
                let campaign_id = models::find_problem(conn, &id)?.campaign_id;
                overview_page(conn, lang, &campaign_id)
            })
            .await
        }
    }
}

// ---- teams, rankings, constraints ----

fn teams_page(conn: &mut DbConnection, lang: Lang, id: &str) -> Result<Value, ApiError> {
    let campaign = models::find_campaign(conn, id)?;
    let teams = models::all_teams(conn, &campaign.id)?;
    let mut members: HashMap<String, Vec<Value>> = HashMap::new();
    for m in models::campaign_members(conn, &campaign.id)? {
        members
            .entry(m.team_id)
            .or_default()
            .push(context! { name => m.name, email => m.email });
    }
    let mut ranked: HashMap<String, Vec<String>> = HashMap::new();
    for (team, problem) in models::campaign_preferences(conn, &campaign.id)? {
        ranked.entry(team).or_default().push(problem);
    }
    let problems = problem_names(conn, &campaign.id)?;
    let name_of = |problem: &str| problems.get(problem).cloned().unwrap_or_default();
    let team_names: HashMap<&str, &str> = teams
        .iter()
        .map(|t| (t.id.as_str(), t.name.as_str()))
        .collect();
    let constraints: Vec<Value> = models::campaign_constraints(conn, &campaign.id)?
        .into_iter()
        .map(|c| {
            context! {
                id => c.id,
                team => team_names.get(c.team_id.as_str()).copied().unwrap_or_default(),
                problem => name_of(&c.problem_id),
                kind => lang.text(&format!("console.constraint.{}", c.kind)),
            }
        })
        .collect();
    let team_lines: Vec<Value> = teams
        .iter()
        .map(|t| {
            let choices: Vec<String> = ranked
                .get(&t.id)
                .map(|ids| ids.iter().map(|p| name_of(p)).collect())
                .unwrap_or_default();
            context! {
                id => &t.id,
                name => &t.name,
                members => members.get(&t.id).cloned().unwrap_or_default(),
                choices,
            }
        })
        .collect();
    let mut choices: Vec<(String, String)> = problems.into_iter().collect();
    choices.sort_by(|a, b| a.1.cmp(&b.1));
    let editable = matches!(
        campaign.status(),
        CampaignStatus::ProblemsOpen | CampaignStatus::SignupOpen | CampaignStatus::Allocated
    );
    Ok(context! {
        teams => team_lines,
        constraints,
        editable,
        problem_choices => choices.into_iter().map(|(id, name)| context! { id, name }).collect::<Vec<_>>(),
        ..head(lang, campaign)
    })
}

/// The campaign's problems as "title — company (city)", by id.
fn problem_names(
    conn: &mut DbConnection,
    campaign_id: &str,
) -> Result<HashMap<String, String>, ApiError> {
    Ok(models::list_problems(
        conn,
        campaign_id,
        ProblemScope::All,
        &ProblemFilter::default(),
        &ALL,
    )?
    .into_iter()
    .map(|r| {
        let name = format!(
            "{} — {} ({})",
            r.problem.title, r.company.name, r.company.city
        );
        (r.problem.id, name)
    })
    .collect())
}

/// `/app/staff/campaigns/{id}/teams`: each team, its members and ranked problems; the
/// constraints (pins and forbids) with a form to add one.
pub async fn teams(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    staff(&v)?;
    let (lang, id) = (v.lang, id.into_inner());
    show(&v, &state, "staff_teams.html", move |conn| {
        Ok(context! { ..blank(Value::UNDEFINED), ..teams_page(conn, lang, &id)? })
    })
    .await
}

/// Pin or forbid a (team, problem) pair; an impossible pin is refused with its reason.
pub async fn add_constraint(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (_, fields) = posted(&v, form)?;
    let (lang, id) = (v.lang, id.into_inner());
    let (team, problem) = (
        field(&fields, "team_id").trim().to_owned(),
        field(&fields, "problem_id").trim().to_owned(),
    );
    let kind = ConstraintKind::parse(field(&fields, "kind").trim());
    let (campaign_id, t, p) = (id.clone(), team.clone(), problem.clone());
    let added = state
        .write(move |tx, _| publication::add_constraint(tx, &campaign_id, &t, &p, kind))
        .await;
    match added {
        Ok(_) => Ok(v.see_other(&format!(
            "/app/staff/campaigns/{id}/teams?done=constraint_added#constraints"
        ))),
        Err(e) => {
            let kept =
                context! { team_id => team, problem_id => problem, kind => field(&fields, "kind") };
            refused_over(&v, &state, e, "staff_teams.html", kept, move |conn| {
                teams_page(conn, lang, &id)
            })
            .await
        }
    }
}

pub async fn delete_constraint(
    v: Visitor,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    posted(&v, form)?;
    let lang = v.lang;
    let (id, constraint) = path.into_inner();
    let campaign_id = id.clone();
    let removed = state
        .write(move |tx, _| publication::remove_constraint(tx, &campaign_id, &constraint))
        .await;
    match removed {
        Ok(()) => Ok(v.see_other(&format!(
            "/app/staff/campaigns/{id}/teams?done=constraint_deleted#constraints"
        ))),
        Err(e) => {
            refused_over(
                &v,
                &state,
                e,
                "staff_teams.html",
                Value::UNDEFINED,
                move |conn| teams_page(conn, lang, &id),
            )
            .await
        }
    }
}

// ---- missions and their tutors ----

fn missions_page(
    conn: &mut DbConnection,
    lang: Lang,
    id: &str,
    staff: &crate::auth::CurrentUser,
    just_assigned: bool,
) -> Result<Value, ApiError> {
    let campaign = models::find_campaign(conn, id)?;
    let details = tutoring::visible_missions(conn, staff, &campaign.id, &ALL)?;
    let without_tutor = details
        .iter()
        .filter(|d| d.mission.tutor_id.is_none())
        .count();
    let missions: Vec<Value> = details
        .into_iter()
        .map(|m| mission_value(lang, m))
        .collect();
    let taken = models::tutor_counts_in_campaign(conn, &campaign.id)?;
    let tutors: Vec<Value> = tutors::all(conn)?
        .into_iter()
        .map(|t| {
            let load = taken.get(&t.id).copied().unwrap_or(0);
            context! {
                id => t.id, name => t.name, email => t.email,
                load, max => t.profile.max_missions,
                full => load >= i64::from(t.profile.max_missions),
                domains => t.profile.domains.split(',').filter(|d| !d.is_empty()).map(|d| lang.domain(d)).collect::<Vec<_>>().join(", "),
            }
        })
        .collect();
    let published = campaign.status() == CampaignStatus::Published;
    // "None had room" is only true once the assignment ran; right after publishing, nobody
    // has been tried yet.
    Ok(
        context! { missions, without_tutor, just_assigned, tutors, published, ..head(lang, campaign) },
    )
}

/// `/app/staff/campaigns/{id}/missions`: each mission with its tutor (or none yet), a tutor
/// to set by hand with their load ("2 / 4"), and the automatic assignment.
pub async fn missions(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = staff(&v)?;
    let (lang, id) = (v.lang, id.into_inner());
    let just_assigned = v.flash_key() == Some("tutors_assigned");
    show(&v, &state, "staff_missions.html", move |conn| {
        missions_page(conn, lang, &id, &user, just_assigned)
    })
    .await
}

pub async fn assign_tutors(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, _) = posted(&v, form)?;
    let (lang, id) = (v.lang, id.into_inner());
    let campaign_id = id.clone();
    let assigned = state
        .write(move |tx, state| tutoring::assign_all(tx, &state.outbox, &campaign_id))
        .await;
    match assigned {
        Ok(_) => Ok(v.see_other(&format!(
            "/app/staff/campaigns/{id}/missions?done=tutors_assigned"
        ))),
        Err(e) => {
            refused_over(
                &v,
                &state,
                e,
                "staff_missions.html",
                Value::UNDEFINED,
                move |conn| missions_page(conn, lang, &id, &user, false),
            )
            .await
        }
    }
}

/// Give one mission the tutor chosen by hand (`tutor_id`); their limit holds.
pub async fn set_tutor(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, fields) = posted(&v, form)?;
    let (lang, id) = (v.lang, id.into_inner());
    let tutor_id = field(&fields, "tutor_id").trim().to_owned();
    let mission_id = id.clone();
    let given = state
        .write(move |tx, state| tutoring::give_tutor(tx, &state.outbox, &mission_id, &tutor_id))
        .await;
    match given {
        Ok(m) => Ok(v.see_other(&format!(
            "/app/staff/campaigns/{}/missions?done=tutor_set#m-{}",
            m.campaign_id, m.id
        ))),
        Err(e) => {
            refused_over(
                &v,
                &state,
                e,
                "staff_missions.html",
                Value::UNDEFINED,
                move |conn| {
                    let campaign_id = models::find_mission(conn, &id)?.campaign_id;
                    missions_page(conn, lang, &campaign_id, &user, false)
                },
            )
            .await
        }
    }
}
