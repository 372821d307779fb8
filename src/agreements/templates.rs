//! The clauses of each kind and language as a template staff edit and preview: a row of
//! `clause_templates` when staff changed it, else the configured file (field missions and
//! research, `agreements.template`), else the text shipped with fieldlab. A version is frozen
//! with the source it was rendered from (`agreement_documents.clauses`), so its signed copy
//! keeps that text whatever is edited later.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;

use crate::agreements::document;
use crate::agreements::domain::{Kind, Status};
use crate::agreements::internship::document as internship;
use crate::agreements::internship::models::{HostRecord, Internship};
use crate::agreements::models::{Agreement, Company, Details, Person};
use crate::config::Settings;
use crate::db::schema::clause_templates;
use crate::db::{now, DbConnection};
use crate::error::{ApiError, FieldError};
use crate::mail::domain::Locale;

/// The templates staff edited, by (kind, locale).
#[derive(Debug, Clone, Default)]
pub struct Edited(HashMap<(String, String), String>);

impl Edited {
    pub fn load(conn: &mut DbConnection) -> QueryResult<Self> {
        let rows: Vec<(String, String, String)> = clause_templates::table
            .select((
                clause_templates::kind,
                clause_templates::locale,
                clause_templates::body,
            ))
            .load(conn)?;
        Ok(Self(
            rows.into_iter()
                .map(|(kind, locale, body)| ((kind, locale), body))
                .collect(),
        ))
    }

    fn get(&self, kind: Kind, locale: Locale) -> Option<&str> {
        self.0
            .get(&(kind.as_str().to_owned(), locale.as_str().to_owned()))
            .map(String::as_str)
    }
}

/// The text fieldlab ships (or the configured file) for a kind and language.
pub fn shipped(settings: &Settings, kind: Kind, locale: Locale) -> Result<String, String> {
    if kind == Kind::Internship {
        return Ok(match locale {
            Locale::Fr => internship::CLAUSES_FR,
            Locale::En => internship::CLAUSES_EN,
        }
        .to_owned());
    }
    let configured = match locale {
        Locale::Fr => &settings.agreements.template,
        Locale::En => &settings.agreements.template_en,
    };
    if configured.trim().is_empty() {
        Ok(document::shipped_clauses(locale).to_owned())
    } else {
        std::fs::read_to_string(configured)
            .map_err(|e| format!("agreements template {configured}: {e}"))
    }
}

/// The source an agreement of this kind and language is rendered from now.
pub fn source(
    edited: &Edited,
    settings: &Settings,
    kind: Kind,
    locale: Locale,
) -> Result<String, ApiError> {
    match edited.get(kind, locale) {
        Some(body) => Ok(body.to_owned()),
        None => shipped(settings, kind, locale).map_err(|e| ApiError::internal(anyhow::anyhow!(e))),
    }
}

/// The source for these details (its kind and language).
pub fn source_for(
    edited: &Edited,
    settings: &Settings,
    details: &Details,
) -> Result<String, ApiError> {
    let kind = Kind::parse(&details.agreement.kind).unwrap_or(Kind::FieldMission);
    source(edited, settings, kind, document::locale_of(details))
}

/// An agreement of `kind` with made-up people, to preview a template (never stored).
pub fn sample(kind: Kind, locale: Locale) -> Details {
    let day = |m, d| NaiveDate::from_ymd_opt(2027, m, d).unwrap_or_default();
    let at = now();
    let person = |id: &str, name: &str, email: &str| Person {
        id: id.to_owned(),
        name: name.to_owned(),
        email: email.to_owned(),
    };
    let agreement = Agreement {
        id: "00000000-0000-0000-0000-00000000a11e".to_owned(),
        kind: kind.as_str().to_owned(),
        status: Status::Draft.as_str().to_owned(),
        version: 1,
        locale: locale.as_str().to_owned(),
        campaign_id: None,
        mission_id: None,
        company_id: "sample".to_owned(),
        student_id: Some("student".to_owned()),
        tutor_id: Some("tutor".to_owned()),
        subject: "Jumeau numérique d’une presse hydraulique".to_owned(),
        description: "Modéliser la presse et ses capteurs.".to_owned(),
        place: "12 rue des Forges, Alès".to_owned(),
        supervisor: Some("Paul Gardon".to_owned()),
        starts_on: day(3, 1),
        ends_on: day(6, 25),
        sent_at: None,
        signed_at: None,
        cancelled_at: None,
        cancel_reason: None,
        created_at: at,
        updated_at: at,
    };
    let internship = (kind == Kind::Internship).then(|| Internship {
        agreement_id: agreement.id.clone(),
        requested_by: "student".to_owned(),
        student_number: "21904512".to_owned(),
        programme: "Cycle ingénieur, 2e année".to_owned(),
        programme_hours: "900 h par an".to_owned(),
        internship_type: "compulsory".to_owned(),
        department: "Bureau d’études".to_owned(),
        supervisor_name: "Paul Gardon".to_owned(),
        supervisor_role: "Ingénieur méthodes".to_owned(),
        supervisor_email: "paul.gardon@ateliers-gard.fr".to_owned(),
        supervisor_phone: "04 66 00 00 00".to_owned(),
        activities: "Modéliser la presse et ses capteurs.".to_owned(),
        skills: "Simulation multiphysique.".to_owned(),
        weekly_minutes: 35 * 60,
        work_days: "1111100".to_owned(),
        night_work: false,
        sunday_work: false,
        holiday_work: false,
        interruptions: r#"[{"starts_on":"2027-04-19","ends_on":"2027-04-23"}]"#.to_owned(),
        leave: "Deux jours par mois de présence.".to_owned(),
        gratification_cents: Some(450),
        gratification_terms: "Versée chaque mois par virement.".to_owned(),
        benefits: "Accès au restaurant d’entreprise.".to_owned(),
        confidential: true,
        internal_rules: "Port des équipements de protection dans l’atelier.".to_owned(),
        overlap_allowed: false,
        presence_minutes: 539 * 60,
        gratification_due: true,
        supervisor_token_hash: None,
        supervisor_completed_at: Some(at),
        created_at: at,
        updated_at: at,
    });
    Details {
        agreement,
        company: Company {
            id: "sample".to_owned(),
            name: "Ateliers du Gard".to_owned(),
            city: "Alès".to_owned(),
            contact: Some(person(
                "contact",
                "Marie Curie",
                "direction@ateliers-gard.fr",
            )),
            host: HostRecord {
                siret: Some("73282932000074".to_owned()),
                address: "12 rue des Forges".to_owned(),
                representative_name: "Marie Curie".to_owned(),
                representative_role: "Directrice générale".to_owned(),
                headcount: Some(40),
            },
        },
        student: Some(person("student", "Léa Martin", "lea.martin@etu.example.fr")),
        tutor: Some(person("tutor", "Anne Roux", "anne.roux@example.fr")),
        campaign: None,
        signatures: Vec::new(),
        document_sha256: None,
        internship,
        certificate: None,
        validations: Vec::new(),
        signed_copy: None,
    }
}

fn kind_and_locale(kind: &str, locale: &str) -> Result<(Kind, Locale), ApiError> {
    let mut errors = Vec::new();
    let k = Kind::parse(kind);
    if k.is_none() {
        errors.push(FieldError::new(
            "kind",
            "must be `field_mission`, `internship` or `research`",
        ));
    }
    let l = Locale::parse(locale);
    if l.is_none() {
        errors.push(FieldError::new("locale", "must be `fr` or `en`"));
    }
    match (k, l) {
        (Some(k), Some(l)) => Ok((k, l)),
        _ => Err(ApiError::not_found()),
    }
}

/// The preview: the sample agreement rendered with `body` (a template that does not render is
/// refused naming what is wrong).
pub fn preview(
    settings: &Settings,
    kind: &str,
    locale: &str,
    body: &str,
) -> Result<Vec<u8>, ApiError> {
    let (kind, locale) = kind_and_locale(kind, locale)?;
    let details = sample(kind, locale);
    let context = document::Context {
        organisation: &settings.mail.organisation,
        school_signatory: None,
        settings: &settings.agreements,
        minimum_gratification: &settings.internship.minimum_gratification,
        clauses: body,
        tz: crate::clock::DEFAULT_TIMEZONE,
    };
    document::render(&details, &context, None).map_err(|e| {
        ApiError::validation(vec![
            FieldError::new("body", e).with_code("invalid_template")
        ])
    })
}

/// What the templates page lists: each kind and language, edited or not.
#[derive(Debug, Clone)]
pub struct Listed {
    pub kind: Kind,
    pub locale: Locale,
    pub body: String,
    pub edited: bool,
}

pub fn list(conn: &mut DbConnection, settings: &Settings) -> Result<Vec<Listed>, ApiError> {
    let edited = Edited::load(conn)?;
    let mut out = Vec::new();
    for kind in Kind::ALL {
        for locale in [Locale::Fr, Locale::En] {
            out.push(Listed {
                kind,
                locale,
                body: source(&edited, settings, kind, locale)?,
                edited: edited.get(kind, locale).is_some(),
            });
        }
    }
    Ok(out)
}

/// Saves staff's text once it renders the sample; a later version is frozen with it.
pub fn save(
    conn: &mut DbConnection,
    settings: &Settings,
    by: &str,
    kind: &str,
    locale: &str,
    body: &str,
) -> Result<(), ApiError> {
    let body = body.replace("\r\n", "\n");
    if body.trim().is_empty() || body.chars().count() > 100_000 {
        return Err(ApiError::validation(vec![FieldError::new(
            "body",
            "must be 1 to 100000 characters",
        )]));
    }
    preview(settings, kind, locale, &body)?;
    let (kind, locale) = kind_and_locale(kind, locale)?;
    let row = (
        clause_templates::kind.eq(kind.as_str()),
        clause_templates::locale.eq(locale.as_str()),
        clause_templates::body.eq(&body),
        clause_templates::updated_by.eq(by),
        clause_templates::updated_at.eq(now()),
    );
    diesel::delete(clause_templates::table.find((kind.as_str(), locale.as_str()))).execute(conn)?;
    diesel::insert_into(clause_templates::table)
        .values(row)
        .execute(conn)?;
    Ok(())
}

/// Back to the shipped text.
pub fn reset(conn: &mut DbConnection, kind: &str, locale: &str) -> Result<(), ApiError> {
    let (kind, locale) = kind_and_locale(kind, locale)?;
    diesel::delete(clause_templates::table.find((kind.as_str(), locale.as_str()))).execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_template_renders_its_sample() {
        let settings = Settings::load(None).expect("defaults load");
        for kind in Kind::ALL {
            for locale in [Locale::Fr, Locale::En] {
                let body = shipped(&settings, kind, locale).expect("shipped");
                let pdf = preview(&settings, kind.as_str(), locale.as_str(), &body)
                    .unwrap_or_else(|e| panic!("{kind:?} {locale:?}: {e}"));
                assert!(pdf.starts_with(b"%PDF"));
            }
        }
        // D124-4 1° and 14°: the course's hours and the host's rules are printed.
        let body = shipped(&settings, Kind::Internship, Locale::Fr).expect("shipped");
        let details = sample(Kind::Internship, Locale::Fr);
        let row = details.internship.as_ref().expect("an internship");
        let text = crate::agreements::internship::document::render_template(
            &body,
            &crate::agreements::internship::document::values(&details, row, "École", Some(450)),
        )
        .expect("renders");
        assert!(text.contains("900 h par an"), "{text}");
        assert!(text.contains("Port des équipements"), "{text}");
    }

    #[test]
    fn a_template_that_does_not_render_is_refused_with_why() {
        let settings = Settings::load(None).expect("defaults load");
        let error = preview(&settings, "internship", "fr", "{{ no_such_value }}")
            .expect_err("an unknown value");
        assert_eq!(error.code(), "invalid_template");
        let error = preview(&settings, "research", "fr", "{% if %}").expect_err("bad syntax");
        assert_eq!(error.code(), "invalid_template");
    }
}
