//! The incubator's part of the demo: tutors (teacher-researchers with their domains and
//! limits), founders and applications in every state. Idempotent: a demo tutor or founder
//! that exists is left as it is.

use anyhow::Context;
use chrono::{Months, NaiveDate, Utc};

use crate::auth::accounts::{insert_account, Welcome};
use crate::auth::domain::{NewAccount, Role, DEMO_PASSWORD};
use crate::auth::models as accounts;
use crate::auth::password;
use crate::db::{DbConnection, WriteTx};
use crate::error::ApiError;
use crate::incubator::domain::{ends_on, NewApplication, Status};
use crate::incubator::models as applications;
use crate::incubator::models::{NewEvent, StatusChange};
use crate::mail::Outbox;
use crate::tutors::domain::{Domain, Domains};
use crate::tutors::models as tutors;

const DEMO_DOMAIN: &str = "demo.mines-ales.fr";
const STAFF_EMAIL: &str = "incubateur@demo.mines-ales.fr";

/// (name, domains, max_projects, max_missions)
const TUTORS: [(&str, &[Domain], i32, i32); 20] = {
    use Domain::*;
    [
        ("Hélène Fabre", &[Materials, CivilEngineering], 3, 4),
        ("Jean-Marc Roux", &[CivilEngineering, Building], 2, 3),
        ("Nathalie Chabert", &[Environment, LandPlanning], 2, 4),
        ("Olivier Sauvage", &[Digital], 3, 5),
        ("Isabelle Pradier", &[MineralResources, Environment], 2, 2),
        (
            "Thierry Bonnafoux",
            &[Mechatronics, IndustrialEngineering],
            2,
            4,
        ),
        ("Sophie Delmas", &[Building, Materials], 3, 3),
        ("Laurent Vidal", &[IndustrialEngineering], 2, 5),
        ("Claire Gauthier", &[Digital, IndustrialEngineering], 2, 4),
        ("Pierre Castanier", &[LandPlanning], 1, 3),
        ("Anne-Laure Michel", &[Agrifood, Environment], 2, 3),
        ("Frédéric Teissier", &[Mechatronics], 2, 4),
        ("Valérie Arnaud", &[Materials], 2, 2),
        ("Marc Rouvière", &[MineralResources], 1, 2),
        ("Céline Bousquet", &[Environment], 3, 4),
        ("Éric Boyer", &[CivilEngineering], 2, 3),
        ("Julie Pellet", &[Digital, Mechatronics], 2, 5),
        ("Sébastien Granier", &[Building, LandPlanning], 2, 3),
        ("Martine Espinas", &[Agrifood], 1, 2),
        ("Nicolas Aubanel", &[IndustrialEngineering, Materials], 2, 4),
    ]
};

/// (founder, title, summary, domain, manufactured, state): every state of the contract.
const APPLICATIONS: [(&str, &str, &str, Domain, bool, Status); 8] = [
    (
        "Camille Laurent",
        "Béton de chanvre préfabriqué",
        "Des blocs de béton de chanvre moulés en usine pour la rénovation thermique des maisons de ville cévenoles.",
        Domain::Building,
        true,
        Status::Incubating,
    ),
    (
        "Mehdi Benali",
        "Granulats recyclés de stériles miniers",
        "Valoriser les stériles des anciennes mines du bassin alésien en granulats pour routes et bétons.",
        Domain::MineralResources,
        true,
        Status::Incubating,
    ),
    (
        "Léa Fontaine",
        "Capteurs de fissures connectés",
        "Un capteur sans fil collé sur les ouvrages d'art qui suit l'ouverture des fissures et alerte le gestionnaire.",
        Domain::CivilEngineering,
        true,
        Status::Submitted,
    ),
    (
        "Hugo Marchand",
        "Plateforme de covoiturage rural",
        "Une application de covoiturage pour les villages du Gard mal desservis par les transports en commun.",
        Domain::Digital,
        false,
        Status::Submitted,
    ),
    (
        "Inès Morel",
        "Compost de marc de châtaigne",
        "Un amendement organique à partir des déchets de la filière castanéicole cévenole.",
        Domain::Agrifood,
        true,
        Status::Rejected,
    ),
    (
        "Thomas Girard",
        "Robot de tri des déchets de chantier",
        "Un bras robotisé qui trie les déchets de démolition par matériau sur le chantier même.",
        Domain::Mechatronics,
        true,
        Status::Graduated,
    ),
    (
        "Sarah Bernard",
        "Enduits à la terre crue du Gard",
        "Des enduits intérieurs prêts à l'emploi à base de terres argileuses locales.",
        Domain::Building,
        true,
        Status::Withdrawn,
    ),
    (
        "Julien Faure",
        "Drone d'inspection des digues",
        "Un drone qui relève les désordres des digues du Gardon après chaque crue.",
        Domain::Environment,
        true,
        Status::Discontinued,
    ),
];

/// Seeds the demo. `outbox`: when given, the demo's accounts get their welcome e-mails; the
/// command line passes none (demo addresses do not exist).
pub fn seed_demo(conn: &mut DbConnection, outbox: Option<&Outbox>) -> anyhow::Result<()> {
    // Tutors and founders are added one by one if missing: a demo seeded before an application
    // state was part of it gains it. The last founder present means nothing is missing.
    let last_founder = demo_email(APPLICATIONS[APPLICATIONS.len() - 1].0);
    if accounts::email_exists(conn, &last_founder)? {
        return Ok(());
    }
    let hash = password::hash(DEMO_PASSWORD)?;
    crate::db::write_transaction(conn, |tx| seed_incubator(tx, outbox, &hash))
        .map_err(|e| anyhow::anyhow!("demo seeding failed: {e}"))
        .context("seed-demo")?;
    Ok(())
}

/// `Hélène Fabre` → `helene.fabre@demo.mines-ales.fr`.
fn demo_email(name: &str) -> String {
    let ascii = deunicode::deunicode(name).to_lowercase().replace(' ', ".");
    format!("{ascii}@{DEMO_DOMAIN}")
}

/// The demo account of `name`, and whether it was created now (false: seeded before).
fn account(
    conn: &mut WriteTx<'_>,
    outbox: Option<&Outbox>,
    name: &str,
    role: Role,
    hash: &str,
) -> Result<(accounts::User, bool), ApiError> {
    let email = demo_email(name);
    if let Some(user) = accounts::find_user_by_email(conn, &email)? {
        return Ok((user, false));
    }
    let new = NewAccount::parse(&email, name, role.as_str(), None, &[role])
        .map_err(ApiError::validation)?;
    let welcome_by = outbox.map(|outbox| Welcome {
        outbox,
        public_url: "http://127.0.0.1:8080",
        sender: "fieldlab",
    });
    let user = insert_account(conn, &new, Some(hash), None, welcome_by)?;
    Ok((user, true))
}

fn seed_incubator(
    conn: &mut WriteTx<'_>,
    outbox: Option<&Outbox>,
    hash: &str,
) -> Result<(), ApiError> {
    let staff = match accounts::find_user_by_email(conn, STAFF_EMAIL)? {
        Some(s) => s,
        None => {
            let new = NewAccount::parse(
                STAFF_EMAIL,
                "Équipe incubateur",
                "staff",
                None,
                &[Role::Staff],
            )
            .map_err(ApiError::validation)?;
            insert_account(conn, &new, Some(hash), None, None)?
        }
    };
    let mut tutor_ids = Vec::new();
    for (name, domains, max_projects, max_missions) in TUTORS {
        let (user, created) = account(conn, outbox, name, Role::Tutor, hash)?;
        let words: Vec<String> = domains.iter().map(|d| d.as_str().to_owned()).collect();
        let domains = Domains::parse(&words).map_err(ApiError::bad_request)?;
        if created {
            tutors::insert_profile(conn, &user.id, &domains, max_projects, max_missions)?;
        }
        tutor_ids.push((user.id, domains));
    }
    let today = Utc::now().date_naive();
    for (i, (founder, title, summary, domain, manufactured, status)) in
        APPLICATIONS.into_iter().enumerate()
    {
        let (founder, created) = account(conn, outbox, founder, Role::Founder, hash)?;
        if !created {
            continue; // seeded before, with its application
        }
        let new = NewApplication::parse(title, summary, domain.as_str(), Some(manufactured))
            .map_err(ApiError::validation)?;
        let app = applications::insert(conn, &founder.id, &new)?;
        applications::record(
            conn,
            NewEvent {
                application_id: &app.id,
                actor_id: &founder.id,
                action: "submitted",
                to_status: Some("submitted"),
                ..NewEvent::default()
            },
        )?;
        if status == Status::Submitted {
            continue;
        }
        if status == Status::Withdrawn {
            applications::change_status(
                conn,
                &app.id,
                &StatusChange {
                    status: "withdrawn",
                    starts_on: None,
                    ends_on: None,
                    decision_reason: None,
                    updated_at: crate::db::now(),
                },
            )?;
            applications::record(
                conn,
                NewEvent {
                    application_id: &app.id,
                    actor_id: &founder.id,
                    action: "withdrawn",
                    from_status: Some("submitted"),
                    to_status: Some("withdrawn"),
                    ..NewEvent::default()
                },
            )?;
            continue;
        }
        let started = today
            .checked_sub_months(Months::new(3 + 8 * i as u32))
            .unwrap_or(NaiveDate::MIN);
        let (admitted, reason) = if status == Status::Rejected {
            (
                false,
                Some("Projet encore trop tôt : revenez avec un premier prototype."),
            )
        } else {
            (true, None)
        };
        applications::change_status(
            conn,
            &app.id,
            &StatusChange {
                status: if admitted { "incubating" } else { "rejected" },
                starts_on: admitted.then_some(started),
                ends_on: admitted.then(|| ends_on(started, 24)),
                decision_reason: reason,
                updated_at: crate::db::now(),
            },
        )?;
        applications::record(
            conn,
            NewEvent {
                application_id: &app.id,
                actor_id: &staff.id,
                action: if admitted { "admitted" } else { "rejected" },
                from_status: Some("submitted"),
                to_status: Some(if admitted { "incubating" } else { "rejected" }),
                reason,
                ..NewEvent::default()
            },
        )?;
        if !admitted {
            continue;
        }
        if let Some((tutor_id, _)) = tutor_ids.iter().find(|(_, d)| d.contains(domain)) {
            applications::set_tutor(conn, &app.id, tutor_id)?;
            applications::record(
                conn,
                NewEvent {
                    application_id: &app.id,
                    actor_id: &staff.id,
                    action: "tutor_assigned",
                    tutor_id: Some(tutor_id),
                    ..NewEvent::default()
                },
            )?;
        }
        if matches!(status, Status::Graduated | Status::Discontinued) {
            applications::change_status(
                conn,
                &app.id,
                &StatusChange {
                    status: status.as_str(),
                    starts_on: None,
                    ends_on: None,
                    decision_reason: None,
                    updated_at: crate::db::now(),
                },
            )?;
            applications::record(
                conn,
                NewEvent {
                    application_id: &app.id,
                    actor_id: &staff.id,
                    action: status.as_str(),
                    from_status: Some("incubating"),
                    to_status: Some(status.as_str()),
                    ..NewEvent::default()
                },
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_shows_every_application_state() {
        for status in Status::ALL {
            assert!(
                APPLICATIONS.iter().any(|a| a.5 == status),
                "no demo application is {status}"
            );
        }
    }

    #[test]
    fn demo_addresses_are_plain_ascii() {
        assert_eq!(
            demo_email("Hélène Fabre"),
            "helene.fabre@demo.mines-ales.fr"
        );
        for (name, ..) in TUTORS {
            assert!(demo_email(name).is_ascii(), "{name}");
        }
    }
}
