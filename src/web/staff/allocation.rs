//! The allocation in the console: every objective computed side by side on the same scale to
//! compare before choosing; running the chosen one; the stored allocation with company names,
//! ranks, unplaced teams and their reasons, its CSV; publishing it, with what will be e-mailed.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use minijinja::{context, Value};

use crate::allocation::UnplacedWhy;
use crate::allocation::{Allocation, Objective};
use crate::app::AppState;
use crate::db::DbConnection;
use crate::error::{ApiError, FieldError};
use crate::missions::domain::CampaignStatus;
use crate::missions::models::{self, ProblemFilter, ProblemScope, StoredAllocation};
use crate::missions::{export, publication};
use crate::web::forms::{field, refused_over, show, Fields};
use crate::web::i18n::Lang;
use crate::web::session::{PageError, Visitor};
use crate::web::staff::campaigns::head;
use crate::web::staff::charts;
use crate::web::staff::{posted, staff};
use crate::web::ALL;

/// What the page says of a team's placement: the problem, its company and city.
struct Names {
    teams: HashMap<String, String>,
    problems: HashMap<String, (String, String, String)>,
    members: HashMap<String, usize>,
    contacts: HashMap<String, bool>,
}

impl Names {
    fn read(conn: &mut DbConnection, campaign_id: &str) -> Result<Self, ApiError> {
        let teams = models::all_teams(conn, campaign_id)?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect();
        let mut members: HashMap<String, usize> = HashMap::new();
        for m in models::campaign_members(conn, campaign_id)? {
            *members.entry(m.team_id).or_default() += 1;
        }
        let mut problems = HashMap::new();
        let mut contacts = HashMap::new();
        for r in models::list_problems(
            conn,
            campaign_id,
            ProblemScope::Accepted,
            &ProblemFilter::default(),
            &ALL,
        )? {
            contacts.insert(r.problem.id.clone(), r.company.contact_id.is_some());
            problems.insert(
                r.problem.id,
                (r.problem.title, r.company.name, r.company.city),
            );
        }
        Ok(Self {
            teams,
            problems,
            members,
            contacts,
        })
    }

    fn team(&self, id: &str) -> &str {
        self.teams.get(id).map_or("", String::as_str)
    }
}

/// The tallest bar of a rank profile with its unplaced teams.
fn tallest(profile: &[usize], unplaced: usize) -> u64 {
    profile.iter().copied().chain([unplaced]).max().unwrap_or(0) as u64
}

fn objective_label(lang: Lang, o: Objective) -> Value {
    context! {
        value => o.as_str(),
        label => lang.text(&format!("objective.{}", o.as_str())),
        hint => lang.text(&format!("objective.{}.hint", o.as_str())),
    }
}

/// One computed objective as a card: its figures and its rank profile.
fn candidate(
    lang: Lang,
    teams: usize,
    scale: u64,
    o: Objective,
    solved: Result<Allocation, ApiError>,
) -> Value {
    match solved {
        Ok(a) => context! {
            objective => objective_label(lang, o),
            assigned => a.assigned,
            teams,
            worst_rank => a.worst_rank,
            total_rank => a.total_rank,
            chart => Value::from_serialize(charts::rank_profile(&a.rank_profile, a.unassigned.len(), scale)),
        },
        Err(e) => context! {
            objective => objective_label(lang, o),
            refused => if lang.is_french() { lang.refusal(&e.problem().code).to_owned() } else { e.problem().detail },
        },
    }
}

/// Why a team stayed unplaced, in the reader's words, from the allocation's code and figures.
pub fn unplaced_reason(lang: Lang, why: &UnplacedWhy) -> String {
    let n = |v: usize| v.to_string();
    let full = |choices: usize, forbidden: usize| match forbidden {
        0 => lang.text("unplaced.full").to_owned(),
        _ => lang.fill(
            "unplaced.some_forbidden",
            &[("forbidden", &n(forbidden)), ("choices", &n(choices))],
        ),
    };
    let sentence = match *why {
        UnplacedWhy::RankedNothing => lang.text("unplaced.ranked_nothing").to_owned(),
        UnplacedWhy::AllForbidden => lang.text("unplaced.all_forbidden").to_owned(),
        UnplacedWhy::FullNoPlace { choices, forbidden } => {
            format!(
                "{}{}",
                full(choices, forbidden),
                lang.text("unplaced.no_place")
            )
        }
        UnplacedWhy::Contest {
            choices,
            forbidden,
            contenders,
            problems,
            places,
            left_out,
        } => format!(
            "{}{}",
            full(choices, forbidden),
            lang.fill(
                "unplaced.contest",
                &[
                    ("contenders", &n(contenders)),
                    ("problems", &n(problems)),
                    ("places", &n(places)),
                    ("left_out", &n(left_out)),
                ],
            )
        ),
    };
    format!("{sentence}.")
}

fn stored_value(
    lang: Lang,
    names: &Names,
    stored: &StoredAllocation,
    teams: usize,
    scale: u64,
    stale: bool,
) -> Value {
    let assignments: Vec<Value> = stored
        .assignments
        .iter()
        .map(|a| {
            let (title, company, city) = names.problems.get(&a.problem_id).cloned().unwrap_or_default();
            context! { team => names.team(&a.team_id), title, company, city, rank => a.rank, pinned => a.pinned }
        })
        .collect();
    let unplaced: Vec<Value> = stored
        .unplaced
        .iter()
        .map(|u| {
            let reason = match &u.why {
                Some(why) => unplaced_reason(lang, why),
                None => u.reason.clone(),
            };
            context! { team => names.team(&u.team_id), reason }
        })
        .collect();
    let members = |team: &str| names.members.get(team).copied().unwrap_or(0);
    let students: usize = stored.assignments.iter().map(|a| members(&a.team_id)).sum();
    let companies = stored
        .assignments
        .iter()
        .filter(|a| names.contacts.get(&a.problem_id).copied().unwrap_or(false))
        .count();
    let unplaced_students: usize = stored.unassigned_team_ids.iter().map(|t| members(t)).sum();
    let objective = stored.objective.parse::<Objective>().unwrap_or_default();
    context! {
        objective => objective_label(lang, objective),
        assigned => stored.assigned,
        teams,
        worst_rank => stored.worst_rank,
        chart => Value::from_serialize(charts::rank_profile(&stored.rank_profile, stored.unassigned_team_ids.len(), scale)),
        assignments,
        unplaced,
        stale,
        mails => context! {
            students, companies, unplaced_students,
            unplaced_teams => stored.unassigned_team_ids.len(),
            total => students + companies + unplaced_students,
        },
    }
}

fn allocation_page(conn: &mut DbConnection, lang: Lang, id: &str) -> Result<Value, ApiError> {
    let campaign = models::find_campaign(conn, id)?;
    let names = Names::read(conn, &campaign.id)?;
    let teams = names.teams.len();
    let runnable = matches!(
        campaign.status(),
        CampaignStatus::SignupOpen | CampaignStatus::Allocated
    );
    let comparison = if runnable {
        Some(publication::compare(conn, &campaign.id, &Objective::ALL)?)
    } else {
        None
    };
    let stored = models::latest_allocation(conn, &campaign.id)?;
    // One scale for every chart of the page, the tallest bar's, so they compare at a glance.
    let mut scale = stored
        .as_ref()
        .map_or(0, |s| tallest(&s.rank_profile, s.unassigned_team_ids.len()));
    for (_, solved) in comparison.iter().flat_map(|c| &c.results) {
        if let Ok(a) = solved {
            scale = scale.max(tallest(&a.rank_profile, a.unassigned.len()));
        }
    }
    let digest = comparison.as_ref().map(|c| c.digest.clone());
    let candidates: Vec<Value> = comparison
        .into_iter()
        .flat_map(|c| c.results)
        .map(|(o, solved)| candidate(lang, teams, scale, o, solved))
        .collect();
    let stored = stored.map(|s| {
        let stale = campaign.status() == CampaignStatus::Allocated
            && matches!((&digest, &s.input_digest), (Some(now), Some(then)) if now != then);
        stored_value(lang, &names, &s, teams, scale, stale)
    });
    Ok(context! {
        candidates,
        stored,
        runnable,
        publishable => campaign.status() == CampaignStatus::Allocated,
        teams,
        ..head(lang, campaign)
    })
}

/// `/app/staff/campaigns/{id}/allocation`.
pub async fn allocation(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    staff(&v)?;
    let (lang, id) = (v.lang, id.into_inner());
    show(&v, &state, "staff_allocation.html", move |conn| {
        allocation_page(conn, lang, &id)
    })
    .await
}

/// Run the chosen `objective` and store its allocation (the campaign becomes `allocated`).
pub async fn allocate(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (_, fields) = posted(&v, form)?;
    let (lang, id) = (v.lang, id.into_inner());
    let allocated = match field(&fields, "objective").trim().parse::<Objective>() {
        Ok(objective) => {
            let campaign_id = id.clone();
            state
                .write(move |tx, _| publication::allocate(tx, &campaign_id, objective))
                .await
                .map(drop)
        }
        Err(e) => Err(ApiError::validation(vec![FieldError::new(
            "objective",
            e.to_string(),
        )])),
    };
    match allocated {
        Ok(()) => Ok(v.see_other(&format!(
            "/app/staff/campaigns/{id}/allocation?done=allocated#current"
        ))),
        Err(e) => {
            refused_over(
                &v,
                &state,
                e,
                "staff_allocation.html",
                Value::UNDEFINED,
                move |conn| allocation_page(conn, lang, &id),
            )
            .await
        }
    }
}

/// The stored allocation as the API's CSV.
pub async fn csv(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    staff(&v)?;
    let id = id.into_inner();
    let (file, text) = state
        .db(move |conn| export::allocation_csv(conn, &id))
        .await
        .map_err(|e| v.fail(e))?;
    Ok(crate::spreadsheet::download(&file, text))
}

/// Publish: the missions are created and everyone is e-mailed.
pub async fn publish(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    posted(&v, form)?;
    let (lang, id) = (v.lang, id.into_inner());
    let campaign_id = id.clone();
    let published = state
        .write(move |tx, state| publication::publish(tx, &state.outbox, &campaign_id))
        .await;
    match published {
        Ok(_) => Ok(v.see_other(&format!(
            "/app/staff/campaigns/{id}/missions?done=published"
        ))),
        Err(e) => {
            refused_over(
                &v,
                &state,
                e,
                "staff_allocation.html",
                Value::UNDEFINED,
                move |conn| allocation_page(conn, lang, &id),
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unplaced_team_reads_why_in_the_page_language() {
        let contest = UnplacedWhy::Contest {
            choices: 3,
            forbidden: 0,
            contenders: 4,
            problems: 2,
            places: 3,
            left_out: 1,
        };
        let fr = unplaced_reason(Lang::Fr, &contest);
        assert!(
            fr.starts_with("Tous ses choix sont complets, et les équipes"),
            "{fr}"
        );
        assert!(fr.contains("4 équipes, celle-ci comprise, n’ont classé que 2 problèmes offrant 3 places, donc 1 restent"), "{fr}");
        assert!(fr.ends_with('.'));
        let en = unplaced_reason(Lang::En, &contest);
        assert_eq!(format!("{}.", capitalise(&contest.english())), en);
        let some = UnplacedWhy::FullNoPlace {
            choices: 2,
            forbidden: 1,
        };
        assert!(unplaced_reason(Lang::Fr, &some).starts_with("1 de ses 2 choix lui sont interdits"));
        assert_eq!(
            unplaced_reason(Lang::Fr, &UnplacedWhy::RankedNothing),
            "Elle n’a classé aucun problème."
        );
    }

    fn capitalise(s: &str) -> String {
        let mut c = s.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default()
    }
}
