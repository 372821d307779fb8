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
