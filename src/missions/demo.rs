//! The demo campaign for `fieldlab seed-demo`: 80 companies (50 local) each with an accepted
//! problem, 240 students in 80 teams of three with ranked preferences, signup open, ready to
//! allocate. Every demo account signs in with `DEMO_PASSWORD`.

use anyhow::Context;

use crate::auth::accounts::insert_account;
use crate::auth::domain::{NewAccount, Role};
use crate::auth::password;
use crate::db::{write_transaction_with, DbConnection, WriteTx};
use crate::missions::domain::{CampaignStatus, NewCampaign, NewCompany, NewProblem, DOMAINS};
use crate::missions::models;

/// One password for every demo account, whichever domain seeded it.
pub use crate::auth::domain::DEMO_PASSWORD;
pub const COMPANIES: usize = 80;
pub const LOCAL_COMPANIES: usize = 50;
pub const TEAMS: usize = 80;

const LOCAL_CITIES: [&str; 6] = [
    "Alès",
    "Saint-Christol-lez-Alès",
    "La Grand-Combe",
    "Anduze",
    "Saint-Privat-des-Vieux",
    "Salindres",
];
const OTHER_CITIES: [&str; 5] = ["Nîmes", "Montpellier", "Avignon", "Marseille", "Lyon"];
const TRADES: [&str; 8] = [
    "Découpes",
    "Bétons",
    "Menuiseries",
    "Mécanique",
    "Céramiques",
    "Agroalimentaire",
    "Recyclage",
    "Numérique",
];
const TOPICS: [&str; 8] = [
    "Réduire les chutes de découpe",
    "Suivre la fissuration des dalles",
    "Optimiser le séchage du bois",
    "Automatiser un poste d'assemblage",
    "Valoriser les déchets de production",
    "Réduire la consommation d'énergie du four",
    "Tracer les lots de fabrication",
    "Prévoir les pannes des machines",
];

/// A small deterministic generator, so the demo is the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, bound: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from((self.0 >> 33) % (bound.max(1) as u64)).unwrap_or(0)
    }
}

fn account(
    conn: &mut WriteTx<'_>,
    email: &str,
    name: &str,
    role: Role,
    hash: &str,
) -> anyhow::Result<String> {
    let new = NewAccount::parse(email, name, role.as_str(), None, &Role::ALL)
        .map_err(|e| anyhow::anyhow!("demo account {email}: {e:?}"))?;
    let user = insert_account(conn, &new, Some(hash), None, None)
        .map_err(|e| anyhow::anyhow!("demo account {email}: {e}"))?;
    Ok(user.id)
}

/// Seeds the demo campaign; returns its id.
pub fn seed_demo(conn: &mut DbConnection) -> anyhow::Result<String> {
    let hash = password::hash(DEMO_PASSWORD)?;
    write_transaction_with::<_, anyhow::Error, _>(conn, &[], |conn| {
        let new = NewCampaign::parse(
            "Missions terrain — printemps 2027",
            Some("2027-03-01"),
            None,
            None,
            None,
            None,
        )
        .map_err(|e| anyhow::anyhow!("demo campaign: {e:?}"))?;
        let campaign = models::insert_campaign(conn, &new)?;
        let mut rng = Lcg(2027);
        let mut problems = Vec::with_capacity(COMPANIES);
        for n in 0..COMPANIES {
            let local = n < LOCAL_COMPANIES;
            let city = if local {
                LOCAL_CITIES[n % LOCAL_CITIES.len()]
            } else {
                OTHER_CITIES[n % OTHER_CITIES.len()]
            };
            let contact = account(
                conn,
                &format!("contact{n:02}@entreprise{n:02}.example.fr"),
                &format!("Contact Entreprise {n:02}"),
                Role::Company,
                &hash,
            )?;
            let company = NewCompany::parse(
                &format!("{} {city} {n:02}", TRADES[n % TRADES.len()]),
                city,
                Some(local),
            )
            .map_err(|e| anyhow::anyhow!("demo company: {e:?}"))?;
            let company = models::insert_company(conn, &company, Some(&contact))?;
            let problem = NewProblem::parse(
                &format!("{} ({n:02})", TOPICS[n % TOPICS.len()]),
                "Problème réel de l'entreprise, à étudier sur site pendant cinq semaines.",
                DOMAINS[n % DOMAINS.len()],
            )
            .map_err(|e| anyhow::anyhow!("demo problem: {e:?}"))?;
            let problem = models::insert_problem(conn, &campaign.id, &company.id, &problem)?;
            models::decide_problem(
                conn,
                &problem.id,
                crate::missions::domain::ProblemStatus::Accepted,
                None,
            )?;
            problems.push(problem.id);
        }
        for t in 0..TEAMS {
            let mut ids = Vec::with_capacity(3);
            for m in 0..3 {
                let n = t * 3 + m;
                ids.push(account(
                    conn,
                    &format!("etudiant{n:03}@etu.example.fr"),
                    &format!("Étudiant {n:03}"),
                    Role::Student,
                    &hash,
                )?);
            }
            let team = models::insert_team(conn, &campaign.id, &format!("Équipe {t:02}"), &ids)?;
            // Ten distinct choices, with popular problems (the first twenty) over-represented.
            let mut prefs: Vec<String> = Vec::with_capacity(10);
            while prefs.len() < 10 {
                let pick = if rng.next(2) == 0 {
                    rng.next(20)
                } else {
                    rng.next(COMPANIES)
                };
                if !prefs.contains(&problems[pick]) {
                    prefs.push(problems[pick].clone());
                }
            }
            models::replace_preferences(conn, &team.id, &prefs)?;
        }
        models::set_campaign_status(conn, &campaign.id, CampaignStatus::SignupOpen)?;
        Ok(campaign.id)
    })
    .context("seeding the demo campaign")
}

/// The next campaign's call for problems (`problems_open`), so that a demo company contact can
/// submit and edit a problem: three problems already submitted by demo companies, awaiting
/// review. Idempotent: seeded once, by its name.
pub fn seed_call_for_problems(conn: &mut DbConnection) -> anyhow::Result<()> {
    const NAME: &str = "Missions terrain — automne 2027";
    write_transaction_with::<_, anyhow::Error, _>(conn, &[], |conn| {
        let page = crate::paging::PageRequest {
            limit: 100,
            after: None,
        };
        if models::list_campaigns(conn, &page)?
            .iter()
            .any(|c| c.name == NAME)
        {
            return Ok(());
        }
        let new = NewCampaign::parse(NAME, Some("2027-10-04"), None, None, None, None)
            .map_err(|e| anyhow::anyhow!("demo campaign: {e:?}"))?;
        let campaign = models::insert_campaign(conn, &new)?;
        for n in 1..=3usize {
            let Some(contact) = crate::auth::models::find_user_by_email(
                conn,
                &format!("contact{n:02}@entreprise{n:02}.example.fr"),
            )?
            else {
                continue;
            };
            let Some(company) = models::company_of_contact(conn, &contact.id)? else {
                continue;
            };
            let problem = NewProblem::parse(
                &format!("{} — suite", TOPICS[n % TOPICS.len()]),
                "La suite du problème étudié au printemps, avec les mesures prises depuis.",
                DOMAINS[(n + 3) % DOMAINS.len()],
            )
            .map_err(|e| anyhow::anyhow!("demo problem: {e:?}"))?;
            models::insert_problem(conn, &campaign.id, &company.id, &problem)?;
        }
        Ok(())
    })
    .context("seeding the demo's call for problems")
}

/// Last autumn's campaign, over: four published missions (demo companies 10–13, students 200 to
/// 211), their agreements in every state and some marks given. Idempotent, by its name.
pub fn seed_past_campaign(
    conn: &mut DbConnection,
    settings: &crate::config::Settings,
) -> anyhow::Result<()> {
    use crate::missions::evaluations::EvaluationRow;
    const NAME: &str = "Missions terrain — automne 2026";
    write_transaction_with::<_, anyhow::Error, _>(conn, &[], |tx| {
        let page = crate::paging::PageRequest {
            limit: 100,
            after: None,
        };
        if models::list_campaigns(tx, &page)?
            .iter()
            .any(|c| c.name == NAME)
        {
            return Ok(());
        }
        let new = NewCampaign::parse(NAME, Some("2026-10-05"), None, None, None, None)
            .map_err(|e| anyhow::anyhow!("demo campaign: {e:?}"))?;
        let campaign = models::insert_campaign(tx, &new)?;
        let tutor: Option<String> = {
            use crate::db::schema::users;
            use diesel::prelude::*;
            users::table
                .filter(users::role.eq("tutor"))
                .order(users::created_at.asc())
                .select(users::id)
                .first(&mut **tx)
                .optional()?
        };
        let at = crate::db::now();
        let mut missions = Vec::new();
        for t in 0..4usize {
            let n = 10 + t;
            let find = |tx: &mut WriteTx<'_>, email: String| -> anyhow::Result<Option<String>> {
                Ok(crate::auth::models::find_user_by_email(tx, &email)?.map(|u| u.id))
            };
            let Some(contact) = find(tx, format!("contact{n:02}@entreprise{n:02}.example.fr"))?
            else {
                continue;
            };
            let Some(company) = models::company_of_contact(tx, &contact)? else {
                continue;
            };
            let mut members = Vec::new();
            for m in 0..3 {
                let s = 200 + t * 3 + m;
                if let Some(id) = find(tx, format!("etudiant{s:03}@etu.example.fr"))? {
                    members.push(id);
                }
            }
            let problem = NewProblem::parse(
                &format!("{} — automne", TOPICS[n % TOPICS.len()]),
                "Étudié sur site pendant cinq semaines, l'automne dernier.",
                DOMAINS[n % DOMAINS.len()],
            )
            .map_err(|e| anyhow::anyhow!("demo problem: {e:?}"))?;
            let problem = models::insert_problem(tx, &campaign.id, &company.id, &problem)?;
            models::decide_problem(
                tx,
                &problem.id,
                crate::missions::domain::ProblemStatus::Accepted,
                None,
            )?;
            let team =
                models::insert_team(tx, &campaign.id, &format!("Équipe automne {t}"), &members)?;
            missions.push((
                models::Mission {
                    id: crate::db::new_id(),
                    campaign_id: campaign.id.clone(),
                    team_id: team.id,
                    problem_id: problem.id,
                    company_id: company.id,
                    tutor_id: tutor.clone(),
                    starts_on: campaign.starts_on,
                    ends_on: campaign.ends_on,
                    created_at: at,
                },
                contact,
                members,
            ));
        }
        let rows: Vec<models::Mission> = missions.iter().map(|(m, _, _)| m.clone()).collect();
        models::insert_missions(tx, &rows)?;
        models::set_campaign_status(tx, &campaign.id, CampaignStatus::Published)?;
        crate::agreements::flows::draft_field_missions(
            tx,
            crate::mail::domain::Locale::Fr,
            &campaign.id,
        )?;
        crate::agreements::demo::advance(tx, settings, &campaign.id)?;
        // Marks: both evaluations for the first two missions, the company's only for the third.
        for (i, (mission, contact, members)) in missions.iter().enumerate().take(3) {
            let mut given = vec![(
                "company",
                contact.clone(),
                "",
                15.5,
                "Une équipe autonome et rigoureuse.",
            )];
            if let (true, Some(tutor)) = (i < 2, &tutor) {
                given.push((
                    "tutor",
                    tutor.clone(),
                    "",
                    14.0,
                    "Rapport clair, soutenance solide.",
                ));
            }
            for (evaluator, by, student, mark, comments) in given {
                diesel::RunQueryDsl::execute(
                    diesel::insert_into(crate::db::schema::evaluations::table).values(
                        EvaluationRow {
                            mission_id: mission.id.clone(),
                            evaluator: evaluator.to_owned(),
                            student_id: student.to_owned(),
                            evaluator_id: by,
                            mark,
                            comments: comments.to_owned(),
                            created_at: at,
                            updated_at: at,
                        },
                    ),
                    &mut **tx,
                )?;
            }
            if let (0, Some(first)) = (i, members.first()) {
                diesel::RunQueryDsl::execute(
                    diesel::insert_into(crate::db::schema::evaluations::table).values(
                        EvaluationRow {
                            mission_id: mission.id.clone(),
                            evaluator: "company".to_owned(),
                            student_id: first.clone(),
                            evaluator_id: contact.clone(),
                            mark: 17.0,
                            comments: "A mené les essais sur la ligne.".to_owned(),
                            created_at: at,
                            updated_at: at,
                        },
                    ),
                    &mut **tx,
                )?;
            }
        }
        Ok(())
    })
    .context("seeding last autumn's campaign")
}
