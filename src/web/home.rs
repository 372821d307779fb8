//! What each role's home (`/app`) shows: what needs their attention now (their application,
//! the next step of each campaign), then their things (applications, missions, bookings).

use chrono::Duration;
use minijinja::{context, Value};

use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::config::Settings;
use crate::db::{now, DbConnection};
use crate::error::ApiError;
use crate::incubator::domain::Status;
use crate::incubator::models::{self as applications, Application, Scope};
use crate::labs::domain::ListBound;
use crate::labs::models::{self as labs, BookingFilter};
use crate::paging::PageRequest;
use crate::web::forms::text_attr;
use crate::web::i18n::Lang;
use crate::web::labs::booking_lines;
use crate::web::missions::{campaigns_for_home, CampaignsHome};

const SHOWN: i64 = 20;

pub async fn for_user(state: &AppState, lang: Lang, user: CurrentUser) -> Result<Value, ApiError> {
    let settings = state.settings.clone();
    state
        .db(move |conn| {
            let page = PageRequest {
                limit: SHOWN,
                after: None,
            };
            let (scope, status) = match user.role {
                Role::Founder => (Scope::Founder(&user.id), None),
                Role::Tutor => (Scope::Tutor(&user.id), Some(Status::Incubating)),
                Role::Staff => (Scope::All, Some(Status::Submitted)),
                _ => (Scope::All, None),
            };
            let apps = match user.role {
                Role::Founder | Role::Tutor | Role::Staff => {
                    applications::list(conn, scope, status, &page)?
                        .into_iter()
                        .map(|f| f.application)
                        .collect()
                }
                _ => Vec::new(),
            };
            let upcoming = BookingFilter {
                user_id: Some(user.id.clone()),
                from: Some(ListBound::At(now())),
                to: Some(ListBound::At(now() + Duration::weeks(8))),
                ..BookingFilter::default()
            };
            let mut bookings = labs::list_bookings(conn, &upcoming, &page)?;
            bookings.retain(|b| b.is_confirmed());
            let bookings = booking_lines(conn, lang, bookings)?;
            // Founders have no part in field missions: none of it is read for them.
            let missions_home = match user.role {
                Role::Founder => CampaignsHome::default(),
                _ => campaigns_for_home(conn, lang, &user)?,
            };
            let desk = match user.role {
                Role::Staff => Some(staff_desk(conn, lang, &settings)?),
                _ => None,
            };
            let attention = attention(lang, user.role, &apps);
            // A party's agreements (staff have the register in the console).
            let agreements: Vec<Value> = match user.role {
                Role::Student | Role::Company | Role::Tutor => {
                    crate::web::agreements::mine(conn, &settings, lang, &user)?
                        .into_iter()
                        .map(|a| agreement_line(user.role, a))
                        .collect()
                }
                _ => Vec::new(),
            };
            // An agreement awaiting their signature is something that needs them now.
            let to_sign: Vec<Value> = agreements
                .iter()
                .filter(|a| a.get_attr("to_sign").is_ok_and(|v| v.is_true()))
                .map(|a| {
                    let with = attr(a, "with").unwrap_or_default();
                    context! {
                        text => lang.fill("next.agreement_to_sign", &[("name", &with)]),
                        href => format!("/app/agreements/{}", attr(a, "id").unwrap_or_default()),
                    }
                })
                .collect();
            Ok(context! {
                attention,
                desk,
                steps => missions_home.steps,
                campaigns => missions_home.lines,
                missions => missions_home.missions,
                applications => apps.iter().map(|a| application_line(lang, a)).collect::<Vec<_>>(),
                bookings,
                agreements,
                to_sign,
            })
        })
        .await
}

/// A party's agreement as their home lists it, its link naming who it is with: a company
/// contact or tutor signs one per student, so the student's name tells the links apart; a
/// student's names the company.
fn agreement_line(role: Role, a: Value) -> Value {
    let with = match role {
        Role::Student => attr(&a, "company"),
        _ => attr(&a, "party").or_else(|| attr(&a, "company")),
    };
    let title = attr(&a, "title").unwrap_or_default();
    let label = match &with {
        Some(with) => format!("{title} — {with}"),
        None => title,
    };
    context! { label, with, ..a }
}

/// A text attribute of a page value, if it has one.
fn attr(value: &Value, name: &str) -> Option<String> {
    text_attr(value, name).filter(|s| !s.is_empty())
}

/// The sentences at the top of the home page.
fn attention(lang: Lang, role: Role, apps: &[Application]) -> Vec<&'static str> {
    let mut out = Vec::new();
    match role {
        Role::Founder => {
            if apps.is_empty() {
                out.push(lang.text("home.apply_first"));
            }
            if apps.iter().any(|a| a.status() == Status::Submitted) {
                out.push(lang.text("home.under_review"));
            }
            if let Some(a) = apps.iter().find(|a| a.status() == Status::Incubating) {
                out.push(lang.text("home.incubating"));
                if a.tutor_id.is_none() {
                    out.push(lang.text("home.no_tutor"));
                }
            }
        }
        // Their campaign steps come from `campaigns_for_home`.
        Role::Staff | Role::Tutor | Role::Student | Role::Company => {}
    }
    out
}

pub fn application_line(lang: Lang, a: &Application) -> Value {
    context! {
        id => &a.id,
        title => &a.title,
        status => &a.status,
        status_label => lang.text(&format!("status.{}", a.status)),
        created => lang.local_date(a.created_at),
    }
}

/// What needs staff now: the incubator's places, applications to decide, each campaign's next
/// step with its figures, and e-mails that failed or wait too long (a banner).
pub fn staff_desk(
    conn: &mut DbConnection,
    lang: Lang,
    settings: &Settings,
) -> Result<Value, ApiError> {
    let incubating = applications::count_incubating(conn)?;
    let capacity = settings.incubator.capacity.max(1);
    let to_decide = applications::count_in(conn, Status::Submitted)?;
    let outbox = crate::mail::models::stats(conn)?;
    let failed = outbox
        .counts
        .iter()
        .find(|(status, _)| status == "failed")
        .map_or(0, |(_, n)| *n);
    let stuck = outbox.oldest_pending.is_some_and(|at| {
        let waited = (now() - at).num_seconds();
        waited > i64::try_from(settings.mail.stall_warning_seconds).unwrap_or(i64::MAX)
    });
    let mut campaigns = Vec::new();
    for campaign in crate::missions::models::list_campaigns(
        conn,
        &PageRequest {
            limit: 100,
            after: None,
        },
    )? {
        campaigns.push(campaign_step(conn, lang, campaign)?);
    }
    Ok(context! {
        incubating,
        capacity,
        places_left => (capacity - incubating).max(0),
        // The bar's filled width, out of 100.
        used_percent => (incubating * 100 / capacity).min(100),
        to_decide,
        failed,
        stuck,
        campaigns,
    })
}

fn campaign_step(
    conn: &mut DbConnection,
    lang: Lang,
    campaign: crate::missions::models::Campaign,
) -> Result<Value, ApiError> {
    use crate::missions::domain::{CampaignStatus, ProblemStatus};
    use crate::missions::models as missions;
    let (next, count) = match campaign.status() {
        CampaignStatus::ProblemsOpen => (
            "staff.next.review",
            missions::count_problems(conn, &campaign.id, ProblemStatus::Submitted)?,
        ),
        CampaignStatus::SignupOpen => ("staff.next.allocate", 0),
        CampaignStatus::Allocated => ("staff.next.publish", 0),
        CampaignStatus::Published => {
            let without_tutor = missions::campaign_missions(conn, &campaign.id)?
                .iter()
                .filter(|m| m.tutor_id.is_none())
                .count();
            (
                "staff.next.tutors",
                i64::try_from(without_tutor).unwrap_or(i64::MAX),
            )
        }
    };
    let accepted = missions::count_accepted(conn, &campaign.id)?;
    let href = match campaign.status() {
        CampaignStatus::ProblemsOpen | CampaignStatus::Published => {
            format!("/app/staff/campaigns/{}", campaign.id)
        }
        _ => format!("/app/staff/campaigns/{}/allocation", campaign.id),
    };
    Ok(context! {
        href,
        name => &campaign.name,
        status_label => lang.text(&format!("campaign.status.{}", campaign.status().as_str())),
        next => lang.text(next),
        count,
        accepted,
        max_problems => campaign.max_problems,
    })
}
