//! What each role's home (`/app`) shows: what needs their attention now (their application,
//! the next step of each campaign), then their things (applications, missions, bookings).

use chrono::Duration;
use minijinja::{context, Value};

use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::db::now;
use crate::error::ApiError;
use crate::incubator::domain::Status;
use crate::incubator::models::{self as applications, Application, Scope};
use crate::labs::domain::ListBound;
use crate::labs::models::{self as labs, BookingFilter};
use crate::paging::PageRequest;
use crate::web::i18n::Lang;
use crate::web::labs::booking_lines;
use crate::web::missions::campaigns_for_home;

const SHOWN: i64 = 20;

pub async fn for_user(state: &AppState, lang: Lang, user: CurrentUser) -> Result<Value, ApiError> {
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
            let missions_home = campaigns_for_home(conn, lang, &user)?;
            let attention = attention(lang, user.role, &apps);
            Ok(context! {
                attention,
                steps => missions_home.steps,
                campaigns => missions_home.lines,
                missions => missions_home.missions,
                applications => apps.iter().map(|a| application_line(lang, a)).collect::<Vec<_>>(),
                bookings,
            })
        })
        .await
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
        created => lang.date(a.created_at.date()),
    }
}
