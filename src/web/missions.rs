//! Field-mission pages: a campaign and what each role does next in it, its problems
//! (filterable), a company's profile and problem forms, a student's team and ranking, a
//! mission. Every read and write is the missions use case the API calls (`review`, `teams`,
//! `tutoring`), and pages show the API's own views: names with ids, never bare ids.

use actix_web::{web, HttpResponse};
use minijinja::{context, Value};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::missions::domain::{CampaignStatus, NewCompany, NewProblem, ProblemEdit};
use crate::missions::models::{self, Campaign, ProblemFilter};
use crate::missions::views::{CampaignView, CompanyView, MissionView, ProblemView, TeamView};
use crate::missions::{review, teams, tutoring};
use crate::text::{normalise_email, not_blank};
use crate::web::forms::{
    all_of, blank, domain_choices, field, refused, refused_over, show, text_attr, Fields,
};
use crate::web::i18n::Lang;
use crate::web::session::{PageError, Visitor};
use crate::web::ALL;

/// A campaign as pages show it: the API's view, its state in words, its dates in the reader's.
pub fn campaign_value(lang: Lang, campaign: Campaign) -> Value {
    let status = campaign.status();
    let (starts, ends) = (lang.date(campaign.starts_on), lang.date(campaign.ends_on));
    context! {
        status_label => lang.text(&format!("campaign.status.{}", status.as_str())),
        starts, ends,
        ..Value::from_serialize(CampaignView::from(campaign))
    }
}

pub fn problem_value(lang: Lang, row: models::ProblemRow) -> Value {
    let view = ProblemView::from(row);
    context! {
        domain_label => lang.domain(&view.domain),
        status_label => lang.text(&format!("problem.status.{}", view.status.as_str())),
        ..Value::from_serialize(view)
    }
}

pub fn mission_value(lang: Lang, detail: models::MissionDetail) -> Value {
    let view = MissionView::from(detail);
    context! {
        starts => lang.date(view.starts_on),
        ends => lang.date(view.ends_on),
        ..Value::from_serialize(view)
    }
}

/// What the reader should do next in a campaign, as (sentence, link) pairs.
fn next_steps(
    conn: &mut DbConnection,
    lang: Lang,
    user: &CurrentUser,
    campaign: &Campaign,
) -> Result<Vec<Value>, ApiError> {
    let step = |key: &str, href: String| context! { text => lang.text(key), href };
    let id = &campaign.id;
    let mut out = Vec::new();
    match (user.role, campaign.status()) {
        (Role::Company, status) => {
            let open = status == CampaignStatus::ProblemsOpen;
            if models::company_of_contact(conn, &user.id)?.is_none() {
                if open {
                    out.push(step("next.register_company", "/app/company".into()));
                }
                return Ok(out);
            }
            // Their problems and where each stands, in every state of the campaign; a new
            // one is offered only while the call for problems is open.
            let own = review::visible_problems(conn, user, id, &ProblemFilter::default(), &ALL)?;
            for row in &own {
                let status = lang.text(&format!("problem.status.{}", row.problem.status));
                let text = lang.fill(
                    "next.own_problem",
                    &[("title", &row.problem.title), ("status", status)],
                );
                let href = match (open, row.problem.status.as_str()) {
                    (true, "submitted") => format!("/app/problems/{}/edit", row.problem.id),
                    _ => format!("/app/campaigns/{id}/problems"),
                };
                out.push(context! { text, href });
            }
            if open {
                let key = match own.is_empty() {
                    true => "next.submit_problem",
                    false => "next.submit_another",
                };
                out.push(step(key, format!("/app/campaigns/{id}/problems/new")));
            }
        }
        (Role::Student, CampaignStatus::SignupOpen) => match own_team(conn, user, id)? {
            None => out.push(step("next.form_team", format!("/app/campaigns/{id}/team"))),
            Some(team) => {
                if models::team_preferences(conn, &team.id)?.is_empty() {
                    out.push(step(
                        "next.rank",
                        format!("/app/teams/{}/preferences", team.id),
                    ));
                } else {
                    out.push(step(
                        "next.ranked",
                        format!("/app/teams/{}/preferences", team.id),
                    ));
                }
            }
        },
        (Role::Staff, CampaignStatus::ProblemsOpen) => out.push(step(
            "next.review_problems",
            format!("/app/campaigns/{id}/problems"),
        )),
        _ => {}
    }
    Ok(out)
}

fn own_team(
    conn: &mut DbConnection,
    user: &CurrentUser,
    campaign_id: &str,
) -> Result<Option<TeamView>, ApiError> {
    Ok(teams::own_teams(conn, user)?
        .into_iter()
        .map(TeamView::from)
        .find(|t| t.campaign_id == campaign_id))
}

pub async fn campaign(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    let (lang, id) = (v.lang, id.into_inner());
    show(&v, &state, "campaign.html", move |conn| {
        let campaign = models::find_campaign(conn, &id)?;
        let steps = next_steps(conn, lang, &user, &campaign)?;
        let missions = match (user.role, campaign.status()) {
            (Role::Founder, _) | (_, CampaignStatus::ProblemsOpen) => Vec::new(),
            _ => tutoring::visible_missions(conn, &user, &id, &ALL)?,
        };
        let team = match user.role {
            Role::Student => own_team(conn, &user, &id)?,
            _ => None,
        };
        Ok(context! {
            campaign => campaign_value(lang, campaign),
            steps,
            team => team.map(Value::from_serialize),
            missions => missions.into_iter().map(|m| mission_value(lang, m)).collect::<Vec<_>>(),
        })
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ProblemQuery {
    domain: String,
    local: String,
}

pub async fn problems(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<ProblemQuery>,
) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    let (lang, id) = (v.lang, id.into_inner());
    let ProblemQuery { domain, local } = query.into_inner();
    let filter = ProblemFilter {
        domain: not_blank(Some(&domain)).map(str::to_owned),
        local: match local.as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
    };
    show(&v, &state, "problems.html", move |conn| {
        let campaign = models::find_campaign(conn, &id)?;
        let rows = review::visible_problems(conn, &user, &id, &filter, &ALL)?;
        Ok(context! {
            campaign => campaign_value(lang, campaign),
            problems => rows.into_iter().map(|r| problem_value(lang, r)).collect::<Vec<_>>(),
            domains => domain_choices(lang),
            filter => context! { domain, local },
        })
    })
    .await
}

fn company_contact(v: &Visitor) -> Result<CurrentUser, PageError> {
    v.one_of(&[Role::Company])
}

pub async fn new_problem_form(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    company_contact(&v)?;
    let (lang, id) = (v.lang, id.into_inner());
    show(&v, &state, "problem_form.html", move |conn| {
        Ok(blank(problem_form(conn, lang, &id)?))
    })
    .await
}

fn problem_form(conn: &mut DbConnection, lang: Lang, campaign_id: &str) -> Result<Value, ApiError> {
    let campaign = models::find_campaign(conn, campaign_id)?;
    Ok(context! { campaign => campaign_value(lang, campaign), domains => domain_choices(lang) })
}

pub async fn submit_problem(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let user = company_contact(&v)?;
    let fields = form.into_inner();
    v.check_csrf(field(&fields, "csrf_token"))?;
    let (lang, id) = (v.lang, id.into_inner());
    let (title, description, domain) = (
        field(&fields, "title").to_owned(),
        field(&fields, "description").to_owned(),
        field(&fields, "domain").to_owned(),
    );
    let parsed = NewProblem::parse(&title, &description, &domain).map_err(ApiError::validation);
    let campaign_id = id.clone();
    let submitted = match parsed {
        Ok(new) => {
            state
                .write(move |tx, state| review::submit(tx, state, &user, &campaign_id, &new))
                .await
        }
        Err(e) => Err(e),
    };
    match submitted {
        Ok(_) => Ok(v.see_other(&format!(
            "/app/campaigns/{id}/problems?done=problem_submitted"
        ))),
        Err(e) => {
            let kept = context! { title, description, domain };
            refused_over(&v, &state, e, "problem_form.html", kept, move |conn| {
                problem_form(conn, lang, &id)
            })
            .await
        }
    }
}

pub async fn edit_problem_form(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = company_contact(&v)?;
    let (lang, id) = (v.lang, id.into_inner());
    show(&v, &state, "problem_form.html", move |conn| {
        editable(conn, lang, &user, &id)
    })
    .await
}

/// The edit form of a problem the reader's company submitted; anyone else's is not found.
fn editable(
    conn: &mut DbConnection,
    lang: Lang,
    user: &CurrentUser,
    problem_id: &str,
) -> Result<Value, ApiError> {
    let row = review::own_problem(conn, user, problem_id)?;
    let campaign = models::find_campaign(conn, &row.problem.campaign_id)?;
    let p = &row.problem;
    Ok(context! {
        campaign => campaign_value(lang, campaign),
        domains => domain_choices(lang),
        problem_id => &p.id,
        values => context! { title => &p.title, description => &p.description, domain => &p.domain },
        field_errors => context! {},
    })
}

pub async fn edit_problem(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let user = company_contact(&v)?;
    let fields = form.into_inner();
    v.check_csrf(field(&fields, "csrf_token"))?;
    let (lang, id) = (v.lang, id.into_inner());
    let (title, description, domain) = (
        field(&fields, "title").to_owned(),
        field(&fields, "description").to_owned(),
        field(&fields, "domain").to_owned(),
    );
    let parsed = ProblemEdit::parse(Some(&title), Some(&description), Some(&domain))
        .map_err(ApiError::validation);
    let (who, problem_id) = (user.clone(), id.clone());
    let edited = match parsed {
        Ok(changes) => {
            state
                .write(move |tx, _| review::edit(tx, &who, &problem_id, &changes))
                .await
        }
        Err(e) => Err(e),
    };
    match edited {
        Ok(row) => Ok(v.see_other(&format!(
            "/app/campaigns/{}/problems?done=problem_saved",
            row.problem.campaign_id
        ))),
        Err(e) => {
            let kept = context! { title, description, domain };
            refused_over(&v, &state, e, "problem_form.html", kept, move |conn| {
                editable(conn, lang, &user, &id)
            })
            .await
        }
    }
}

pub async fn company(v: Visitor, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let user = company_contact(&v)?;
    let company = state
        .db(move |conn| Ok(models::company_of_contact(conn, &user.id)?))
        .await
        .map_err(|e| v.fail(e))?;
    Ok(v.ok(
        "company.html",
        blank(context! { company => company.map(|c| Value::from_serialize(CompanyView::from(c))) }),
    ))
}

pub async fn register_company(
    v: Visitor,
    state: web::Data<AppState>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let user = company_contact(&v)?;
    let fields = form.into_inner();
    v.check_csrf(field(&fields, "csrf_token"))?;
    let (name, city) = (
        field(&fields, "name").to_owned(),
        field(&fields, "city").to_owned(),
    );
    // A checkbox is sent only when ticked.
    let local = !field(&fields, "local").is_empty();
    let registered =
        match NewCompany::parse(&name, &city, Some(local)).map_err(ApiError::validation) {
            Ok(new) => {
                state
                    .write(move |tx, _| review::register_company(tx, &user, &new, None))
                    .await
            }
            Err(e) => Err(e),
        };
    match registered {
        Ok(_) => Ok(v.see_other("/app/company?done=company_registered")),
        Err(e) => refused(
            &v,
            e,
            "company.html",
            context! { name, city, local },
            context! { company => Value::from(()) },
        ),
    }
}

fn student(v: &Visitor) -> Result<CurrentUser, PageError> {
    v.one_of(&[Role::Student])
}

fn team_page(
    conn: &mut DbConnection,
    lang: Lang,
    user: &CurrentUser,
    campaign_id: &str,
) -> Result<Value, ApiError> {
    let campaign = models::find_campaign(conn, campaign_id)?;
    let others = usize::try_from(campaign.team_size - 1).unwrap_or(0);
    let team = own_team(conn, user, campaign_id)?;
    Ok(context! {
        others => (1..=others).collect::<Vec<_>>(),
        open => campaign.status() == CampaignStatus::SignupOpen,
        campaign => campaign_value(lang, campaign),
        team => team.map(Value::from_serialize),
    })
}

pub async fn team(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = student(&v)?;
    let (lang, id) = (v.lang, id.into_inner());
    show(&v, &state, "team.html", move |conn| {
        Ok(blank(team_page(conn, lang, &user, &id)?))
    })
    .await
}

pub async fn create_team(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let user = student(&v)?;
    let fields = form.into_inner();
    v.check_csrf(field(&fields, "csrf_token"))?;
    let (lang, id) = (v.lang, id.into_inner());
    let name = field(&fields, "name").to_owned();
    let emails = all_of(&fields, "member_emails");
    // The page adds the student's own address (the API asks for it in the list).
    let mut members = emails.clone();
    if !members
        .iter()
        .any(|e| normalise_email(e) == normalise_email(&user.email))
    {
        members.insert(0, user.email.clone());
    }
    let (who, campaign_id) = (user.clone(), id.clone());
    let formed = state
        .write(move |tx, state| teams::form(tx, state, &who, &campaign_id, &name, &members))
        .await;
    match formed {
        Ok(team) => Ok(v.see_other(&format!(
            "/app/teams/{}/preferences?done=team_created",
            team.team.id
        ))),
        Err(e) => {
            let kept = context! { name => field(&fields, "name"), member_emails => emails };
            refused_over(&v, &state, e, "team.html", kept, move |conn| {
                team_page(conn, lang, &user, &id)
            })
            .await
        }
    }
}

fn preferences_page(
    conn: &mut DbConnection,
    lang: Lang,
    user: &CurrentUser,
    team_id: &str,
) -> Result<Value, ApiError> {
    let team = teams::visible_team(conn, user, team_id)?;
    let campaign = models::find_campaign(conn, &team.campaign_id)?;
    let problems =
        review::visible_problems(conn, user, &campaign.id, &ProblemFilter::default(), &ALL)?;
    let ranked = models::team_preferences(conn, &team.id)?;
    let choices = usize::try_from(campaign.max_choices).unwrap_or(0);
    let slots: Vec<Value> = (0..choices)
        .map(|i| {
            let rank = (i + 1).to_string();
            context! {
                rank => i + 1,
                label => lang.fill("preferences.choice", &[("rank", &rank)]),
                chosen => ranked.get(i),
            }
        })
        .collect();
    // On a phone a closed select shows one cut line: the chosen problem is written out in
    // full under it, where it wraps. The options keep whole titles: the phone's picker lists
    // them one per row, and two titles alike but for their end must stay apart.
    let problems: Vec<Value> = problems
        .into_iter()
        .map(|r| {
            let option = format!("{} — {}", r.problem.title, r.company.name);
            context! { option, ..problem_value(lang, r) }
        })
        .collect();
    Ok(context! {
        team => context! { id => &team.id, name => &team.name },
        open => campaign.status() == CampaignStatus::SignupOpen,
        campaign => campaign_value(lang, campaign),
        problems,
        slots,
    })
}

pub async fn preferences(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = student(&v)?;
    let (lang, id) = (v.lang, id.into_inner());
    show(&v, &state, "preferences.html", move |conn| {
        Ok(blank(preferences_page(conn, lang, &user, &id)?))
    })
    .await
}

pub async fn rank(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let user = student(&v)?;
    let fields = form.into_inner();
    v.check_csrf(field(&fields, "csrf_token"))?;
    let (lang, id) = (v.lang, id.into_inner());
    // Every select's value, blanks included, so the page shows each choice where it was.
    let slots: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "problem_ids")
        .map(|(_, v)| v.trim().to_owned())
        .collect();
    let chosen: Vec<String> = slots.iter().filter(|s| !s.is_empty()).cloned().collect();
    let (who, team_id) = (user.clone(), id.clone());
    let ranked = state
        .write(move |tx, _| teams::rank(tx, &who, &team_id, &chosen))
        .await;
    match ranked {
        Ok(_) => Ok(v.see_other(&format!("/app/teams/{id}/preferences?done=ranked"))),
        Err(e) => {
            let clash = crate::missions::domain::first_clash(&slots);
            let kept = context! { problem_ids => slots.clone() };
            let page = state
                .db(move |conn| preferences_page(conn, lang, &user, &id))
                .await
                .map_err(|e| v.fail(e))?;
            match clash {
                // The same problem twice: which choices, and which problem, in a sentence.
                Some((first, second)) if e.code() == "invalid_preferences" => {
                    let title = chosen_title(&page, &slots[first - 1]);
                    let (first, second) = (first.to_string(), second.to_string());
                    let sentence = lang.fill(
                        "preferences.duplicate",
                        &[("first", &first), ("second", &second), ("title", &title)],
                    );
                    Ok(v.page(
                        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
                        "preferences.html",
                        context! {
                            alert => &sentence,
                            field_errors => context! { problem_ids => &sentence },
                            values => kept,
                            ..page
                        },
                    ))
                }
                _ => refused(&v, e, "preferences.html", kept, page),
            }
        }
    }
}

/// The title of problem `id` among a preferences page's problems.
fn chosen_title(page: &Value, id: &str) -> String {
    page.get_attr("problems")
        .ok()
        .and_then(|problems| problems.try_iter().ok())
        .and_then(|mut all| all.find(|p| text_attr(p, "id").as_deref() == Some(id)))
        .and_then(|p| text_attr(&p, "title"))
        .unwrap_or_else(|| id.to_owned())
}

pub async fn mission(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    let (lang, id) = (v.lang, id.into_inner());
    show(&v, &state, "mission.html", move |conn| {
        let detail = tutoring::visible_mission(conn, &user, &id)?;
        let campaign = models::find_campaign(conn, &detail.mission.campaign_id)?;
        Ok(context! {
            mission => mission_value(lang, detail),
            campaign => campaign_value(lang, campaign),
        })
    })
    .await
}

/// What a home page shows of the field missions.
#[derive(Default)]
pub struct CampaignsHome {
    /// Every campaign, newest first.
    pub lines: Vec<Value>,
    /// The reader's next step in each, with the campaign's name.
    pub steps: Vec<Value>,
    /// The reader's missions in published campaigns.
    pub missions: Vec<Value>,
}

/// The campaigns a home page lists, newest first, with the reader's missions in them.
pub fn campaigns_for_home(
    conn: &mut DbConnection,
    lang: Lang,
    user: &CurrentUser,
) -> Result<CampaignsHome, ApiError> {
    let mut campaigns = models::list_campaigns(conn, &ALL)?;
    campaigns.reverse();
    let CampaignsHome {
        mut lines,
        mut steps,
        mut missions,
    } = CampaignsHome::default();
    for campaign in campaigns {
        for step in next_steps(conn, lang, user, &campaign)? {
            steps.push(context! { campaign => &campaign.name, ..step });
        }
        if matches!(user.role, Role::Student | Role::Company | Role::Tutor)
            && campaign.status() == CampaignStatus::Published
        {
            for m in tutoring::visible_missions(conn, user, &campaign.id, &ALL)? {
                missions.push(mission_value(lang, m));
            }
        }
        lines.push(campaign_value(lang, campaign));
    }
    Ok(CampaignsHome {
        lines,
        steps,
        missions,
    })
}
