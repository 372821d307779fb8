//! E-mail templates, one folder per locale (`templates/fr`, `templates/en`), embedded in the
//! binary at build time: `<kind>.subject.txt`, `<kind>.body.txt`, `<kind>.body.html`. HTML is
//! auto-escaped, so titles and names users typed cannot inject markup. Every message ends with
//! the same signature and footer (`_signature.body.*`), naming the school (`mail.organisation`).
//! Dates read naturally in the recipient's language (`lundi 1er mars 2027`, 24-hour times,
//! Europe/Paris by default), and so do domains (`materials` → `matériaux`).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;
use minijinja::{context, Environment, Error, ErrorKind, State, UndefinedBehavior, Value};

use crate::mail::domain::Locale;

pub use crate::clock::DEFAULT_TIMEZONE;

pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub struct Templates {
    env: Environment<'static>,
}

/// What every e-mail says the same way, given by the layers above (e-mail imports no domain):
/// the school's name, and the names of the domain codes in each language.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    organisation: String,
    /// Code → (French, English).
    domains: HashMap<String, (String, String)>,
}

impl Vocabulary {
    /// `organisation`: the school's name, as every signature and footer gives it.
    pub fn new(organisation: &str) -> Self {
        Self {
            organisation: organisation.trim().to_owned(),
            domains: HashMap::new(),
        }
    }

    /// How the `domain` filter names each code: (code, French, English).
    pub fn with_domains<'a>(
        mut self,
        names: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    ) -> Self {
        for (code, fr, en) in names {
            self.domains
                .insert(code.to_owned(), (fr.to_owned(), en.to_owned()));
        }
        self
    }

    /// A domain code in the reader's language; an unknown code is shown as it is.
    pub fn domain(&self, code: &str, locale: Locale) -> String {
        match (self.domains.get(code), locale) {
            (Some((fr, _)), Locale::Fr) => fr.clone(),
            (Some((_, en)), Locale::En) => en.clone(),
            (None, _) => code.to_owned(),
        }
    }
}

impl Templates {
    pub fn new(vocabulary: Vocabulary) -> Self {
        let mut env = Environment::new();
        minijinja_embed::load_templates!(&mut env);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.add_global("organisation", vocabulary.organisation.clone());
        env.add_filter("date", date);
        env.add_filter("datetime", datetime);
        env.add_filter("time", time);
        // A team in running text ("votre équipe Les Gardons", "votre équipe 57"), and as a
        // title ("Équipe 57 créée"): "Équipe" never twice.
        env.add_filter("team", |state: &State, name: String| {
            crate::text::team_in_text(&name, reader(state) == Locale::Fr)
        });
        env.add_filter("team_title", |state: &State, name: String| {
            crate::text::team_title(&name, reader(state) == Locale::Fr)
        });
        let vocabulary = Arc::new(vocabulary);
        // `materials` → `matériaux` / `materials`.
        env.add_filter("domain", move |state: &State, code: String| {
            vocabulary.domain(&code, reader(state))
        });
        Self { env }
    }

    /// Renders the three parts of `kind` in `locale`; `values` is any serialisable context.
    pub fn render(
        &self,
        kind: &str,
        locale: Locale,
        values: &impl serde::Serialize,
    ) -> anyhow::Result<Rendered> {
        let ctx = context! { locale => locale.as_str(), ..Value::from_serialize(values) };
        let part = |suffix: &str| -> anyhow::Result<String> {
            let name = format!("{}/{kind}.{suffix}", locale.as_str());
            let template = self.env.get_template(&name)?;
            Ok(template.render(&ctx)?)
        };
        Ok(Rendered {
            // A subject is one line, whatever the template's layout.
            subject: part("subject.txt")?
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            text: part("body.txt")?,
            html: part("body.html")?,
        })
    }
}

/// The reader's language, from the `locale` every render sets.
fn reader(state: &State) -> Locale {
    match state.lookup("locale").as_ref().and_then(Value::as_str) {
        Some("en") => Locale::En,
        _ => Locale::Fr,
    }
}

fn zone(tz: Option<String>) -> Result<Tz, Error> {
    match tz {
        None => Ok(DEFAULT_TIMEZONE),
        Some(name) => name.parse().map_err(|_| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!("unknown time zone {name}"),
            )
        }),
    }
}

fn parse_instant(value: &str) -> Result<DateTime<Utc>, Error> {
    DateTime::parse_from_rfc3339(value)
        .map(|d| d.with_timezone(&Utc))
        .map_err(|e| {
            Error::new(
                ErrorKind::InvalidOperation,
                format!("not an instant: {value}: {e}"),
            )
        })
}

/// A day as a sentence says it: `lundi 2 mars 2026`, `dimanche 1er mars 2026` (French writes
/// the first of a month as an ordinal), `Sunday 1 March 2026`.
pub fn long_date(day: NaiveDate, locale: Locale) -> String {
    match locale {
        Locale::Fr => {
            let l = chrono::Locale::fr_FR;
            let ordinal = if day.day() == 1 { "er" } else { "" };
            format!(
                "{} {}{ordinal} {}",
                day.format_localized("%A", l),
                day.day(),
                day.format_localized("%B %Y", l)
            )
        }
        Locale::En => day
            .format_localized("%A %-d %B %Y", chrono::Locale::en_GB)
            .to_string(),
    }
}

/// `2027-03-01` (or an instant, in `tz`) → `lundi 1er mars 2027` / `Monday 1 March 2027`.
fn date(state: &State, value: String, tz: Option<String>) -> Result<String, Error> {
    let day = match NaiveDate::parse_from_str(&value, "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => parse_instant(&value)?
            .with_timezone(&zone(tz)?)
            .date_naive(),
    };
    Ok(long_date(day, reader(state)))
}

/// An instant → `lundi 1er mars 2027 à 14:30` / `Monday 1 March 2027 at 14:30`, in `tz`.
fn datetime(state: &State, value: String, tz: Option<String>) -> Result<String, Error> {
    let local = parse_instant(&value)?.with_timezone(&zone(tz)?);
    let locale = reader(state);
    let joiner = match locale {
        Locale::Fr => "à",
        Locale::En => "at",
    };
    Ok(format!(
        "{} {joiner} {}",
        long_date(local.date_naive(), locale),
        local.format("%H:%M")
    ))
}

/// An instant → `14:30`, in `tz`.
fn time(value: String, tz: Option<String>) -> Result<String, Error> {
    Ok(parse_instant(&value)?
        .with_timezone(&zone(tz)?)
        .format("%H:%M")
        .to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ORGANISATION: &str = "IMT Mines Alès";

    fn vocabulary() -> Vocabulary {
        Vocabulary::new(ORGANISATION).with_domains([
            ("civil_engineering", "génie civil", "civil engineering"),
            ("materials", "matériaux", "materials"),
        ])
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
    }

    #[test]
    fn the_first_of_a_month_is_an_ordinal_in_french_only() {
        assert_eq!(
            long_date(day("2026-03-01"), Locale::Fr),
            "dimanche 1er mars 2026"
        );
        assert_eq!(
            long_date(day("2026-03-02"), Locale::Fr),
            "lundi 2 mars 2026"
        );
        assert_eq!(
            long_date(day("2026-03-11"), Locale::Fr),
            "mercredi 11 mars 2026"
        );
        assert_eq!(
            long_date(day("2026-03-21"), Locale::Fr),
            "samedi 21 mars 2026"
        );
        assert_eq!(
            long_date(day("2027-08-01"), Locale::Fr),
            "dimanche 1er août 2027"
        );
        assert_eq!(
            long_date(day("2026-03-01"), Locale::En),
            "Sunday 1 March 2026"
        );
        assert_eq!(
            long_date(day("2026-03-21"), Locale::En),
            "Saturday 21 March 2026"
        );
    }

    #[test]
    fn domains_are_named_in_the_readers_language() {
        let templates = Templates::new(vocabulary());
        let t = templates
            .env
            .template_from_str("{{ d | domain }}")
            .expect("template");
        let render = |locale: &str, code: &str| {
            t.render(context! { locale => locale, d => code })
                .expect("render")
        };
        assert_eq!(render("fr", "materials"), "matériaux");
        assert_eq!(render("fr", "civil_engineering"), "génie civil");
        assert_eq!(render("en", "civil_engineering"), "civil engineering");
        assert_eq!(render("fr", "unknown"), "unknown");
    }

    #[test]
    fn french_dates_read_naturally() {
        let mut env = Environment::new();
        env.add_filter("date", date);
        env.add_filter("datetime", datetime);
        let t = env
            .template_from_str("{{ d | date }} / {{ i | datetime }}")
            .expect("template");
        let fr = t
            .render(context! { locale => "fr", d => "2027-03-01", i => "2027-03-29T06:00:00Z" })
            .expect("render");
        // 06:00 UTC is 08:00 in Paris once summer time has started.
        assert_eq!(fr, "lundi 1er mars 2027 / lundi 29 mars 2027 à 08:00");
        let en = t
            .render(context! { locale => "en", d => "2027-03-01", i => "2027-03-22T07:00:00Z" })
            .expect("render");
        assert_eq!(en, "Monday 1 March 2027 / Monday 22 March 2027 at 08:00");
    }

    #[test]
    fn every_kind_renders_in_both_locales_and_escapes_html() {
        let templates = Templates::new(vocabulary());
        let values = json!({
            "name": "<b>Zoé</b>", "email": "zoe@ales.fr", "role": "student",
            "created_by": "Marie Curie", "set_password_url": "http://x/set-password?token=t",
            "sign_in_url": "http://x", "expires_on": "2027-03-01",
        });
        for locale in [Locale::Fr, Locale::En] {
            let r = templates
                .render("account_created", locale, &values)
                .expect("renders");
            assert!(!r.subject.contains('\n'));
            assert!(r.html.contains("&lt;b&gt;Zoé&lt;"), "{}", r.html);
            assert!(r.text.contains("<b>Zoé</b>"));
        }
        let booking = json!({
            "name": "<b>Zoé</b>", "booking_id": "b1", "equipment": "Presse 3 000 kN",
            "lab": "Hall d'essais", "timezone": "Europe/Paris",
            "starts_at": "2027-03-29T06:00:00Z", "ends_at": "2027-03-29T08:00:00Z",
            "purpose": "Fluage", "cancelled_by": "Marie Curie", "by_booker": false,
            "reason": "Maintenance", "closure_starts_at": "2027-03-29T00:00:00Z",
            "closure_ends_at": "2027-03-30T00:00:00Z",
            "bookings": [{"booking_id": "b1", "equipment": "Presse 3 000 kN",
                          "starts_at": "2027-03-29T06:00:00Z", "ends_at": "2027-03-29T08:00:00Z"}],
        });
        for kind in [
            "booking_confirmed",
            "booking_cancelled",
            "bookings_cancelled_by_closure",
        ] {
            for locale in [Locale::Fr, Locale::En] {
                let r = templates.render(kind, locale, &booking).expect("renders");
                assert!(!r.subject.contains('\n'), "{kind}");
                assert!(r.html.contains("&lt;b&gt;Zoé&lt;"), "{kind}: {}", r.html);
                assert!(r.text.contains("Presse 3 000 kN"), "{kind}");
            }
        }
        let confirmed = templates
            .render("booking_confirmed", Locale::Fr, &booking)
            .expect("renders");
        // 06:00 UTC on the Monday after the change is 08:00 in Paris.
        assert!(
            confirmed.subject.contains("lundi 29 mars 2027 à 08:00"),
            "{}",
            confirmed.subject
        );
        let fr = templates
            .render("account_created", Locale::Fr, &values)
            .expect("renders");
        assert!(fr.subject.contains("Bienvenue"), "{}", fr.subject);
    }

    #[test]
    fn incubator_kinds_render_in_both_locales() {
        let templates = Templates::new(vocabulary());
        let values = json!({
            "name": "Zoé", "title": "<Béton> de chanvre", "summary": "Un bloc préfabriqué.",
            "starts_on": "2027-03-01", "ends_on": "2029-03-01", "reason": "Projet solide",
            "domain": {"fr": "bâtiment", "en": "building"}, "manufactured_product": true,
            "founder_name": "Luc Martin", "founder_email": "luc@example.fr",
            "previous_tutor": "Anne Roux", "new_tutor_name": "Paul Durand",
            "new_tutor_email": "paul@mines-ales.fr",
        });
        for kind in [
            "application_admitted",
            "application_rejected",
            "tutor_assigned",
            "tutor_replaced",
        ] {
            for locale in [Locale::Fr, Locale::En] {
                let r = templates.render(kind, locale, &values).expect(kind);
                assert!(
                    r.subject.contains("<Béton> de chanvre"),
                    "{kind}: {}",
                    r.subject
                );
                assert!(r.html.contains("&lt;Béton&gt;"), "{kind}: {}", r.html);
            }
        }
        let admitted = templates
            .render("application_admitted", Locale::Fr, &values)
            .expect("renders");
        assert!(
            admitted.text.contains("lundi 1er mars 2027"),
            "{}",
            admitted.text
        );
        let assigned = templates
            .render("tutor_assigned", Locale::Fr, &values)
            .expect("renders");
        assert!(assigned.text.contains("bâtiment") && assigned.text.contains("luc@example.fr"));
        let none = json!({"name": "Zoé", "title": "T", "starts_on": null, "ends_on": null, "reason": null});
        let rejected = templates
            .render("application_rejected", Locale::Fr, &none)
            .expect("renders without a reason");
        assert!(!rejected.text.contains("Motif"));
    }

    #[test]
    fn mission_kinds_render_in_both_locales_and_name_their_problem() {
        let templates = Templates::new(vocabulary());
        let person = json!({"name": "Léo <Roux>", "email": "leo@etu.fr"});
        let mission = json!({
            "mission_id": "m1", "campaign": "Printemps 2027", "problem": "Réduire les chutes",
            "domain": "materials", "company": "Découpes Cévenoles", "city": "Alès",
            "team": "Les Gardons", "starts_on": "2027-03-01", "ends_on": "2027-04-04",
            "members": [person],
        });
        let cases = [
            (
                "problem_reviewed",
                json!({"name": "Anne", "company": "Découpes Cévenoles",
                "campaign": "Printemps 2027", "problem": "Réduire les chutes", "accepted": false,
                "reason": "Hors périmètre"}),
            ),
            (
                "mission_published_student",
                json!({"name": "Zoé", "mission": mission, "teammates": [person]}),
            ),
            (
                "mission_published_company",
                json!({"name": "Anne", "mission": mission}),
            ),
            (
                "missions_tutored",
                json!({"name": "Marc", "campaign": "Printemps 2027", "missions": [mission]}),
            ),
        ];
        for (kind, values) in &cases {
            for locale in [Locale::Fr, Locale::En] {
                let r = templates.render(kind, locale, &values).expect(kind);
                assert!(
                    r.subject.contains("Réduire les chutes"),
                    "{kind}: {}",
                    r.subject
                );
                assert!(!r.html.contains("<Roux>"), "{kind}: html must escape");
            }
        }
        let fr = templates
            .render("mission_published_student", Locale::Fr, &cases[1].1)
            .expect("renders");
        assert!(
            fr.text
                .contains("du lundi 1er mars 2027 au dimanche 4 avril 2027"),
            "{}",
            fr.text
        );
        assert!(fr.text.contains("leo@etu.fr"));
        let tutored = templates
            .render("missions_tutored", Locale::Fr, &cases[3].1)
            .expect("renders");
        assert!(
            tutored.text.contains("domaine matériaux"),
            "{}",
            tutored.text
        );
        assert!(
            tutored.html.contains("domaine matériaux"),
            "{}",
            tutored.html
        );
    }

    /// Values for every kind at once: each template takes what it needs.
    fn every_value() -> serde_json::Value {
        let person = json!({"name": "Léo Roux", "email": "leo@etu.fr"});
        let mission = json!({
            "mission_id": "m1", "campaign": "Printemps 2027", "problem": "Réduire les chutes",
            "domain": "civil_engineering", "company": "Découpes Cévenoles", "city": "Alès",
            "team": "Les Gardons", "starts_on": "2027-03-01", "ends_on": "2027-04-04",
            "members": [person],
        });
        let mut values = json!({
            "name": "Zoé Martin", "email": "zoe@ales.fr", "role": "student",
            "created_by": "Marie Curie", "set_password_url": "http://x/set-password?token=t",
            "sign_in_url": "http://x", "expires_on": "2027-03-01",
            "booking_id": "b1", "equipment": "Presse 3 000 kN", "lab": "Hall d'essais",
            "timezone": "Europe/Paris", "starts_at": "2027-03-29T06:00:00Z",
            "ends_at": "2027-03-29T08:00:00Z", "purpose": "Fluage", "cancelled_by": "Marie Curie",
            "by_booker": false, "reason": "Maintenance",
            "closure_starts_at": "2027-03-29T00:00:00Z", "closure_ends_at": "2027-03-30T00:00:00Z",
            "bookings": [{"booking_id": "b1", "equipment": "Presse 3 000 kN",
                          "starts_at": "2027-03-29T06:00:00Z", "ends_at": "2027-03-29T08:00:00Z"}],
            "title": "Béton de chanvre", "summary": "Un bloc préfabriqué.",
            "starts_on": "2027-03-01", "ends_on": "2029-03-01",
            "domain": {"fr": "bâtiment", "en": "building"}, "manufactured_product": true,
            "founder_name": "Luc Martin", "founder_email": "luc@example.fr",
            "previous_tutor": "Anne Roux", "new_tutor_name": "Paul Durand",
            "new_tutor_email": "paul@mines-ales.fr", "company": "Découpes Cévenoles",
            "campaign": "Printemps 2027", "problem": "Réduire les chutes", "accepted": true,
            "mission": mission, "teammates": [person], "missions": [mission],
        });
        // The incubator's own e-mails (receipt, staff notice, the project's tutor).
        values["application_id"] = json!("a1");
        values["tutor_name"] = json!("Paul Durand");
        values["tutor_email"] = json!("paul@mines-ales.fr");
        values["replaced"] = json!(false);
        // The missions journeys' own (team formed, problem submitted, team left unplaced).
        values["team"] = json!("Les Gardons");
        values["creator"] = json!("Léo Roux");
        values["link"] = json!("http://x/app/teams/t1/preferences");
        values["city"] = json!("Alès");
        // Internships: the supervisor's link, the certificate.
        values["student"] = json!("Léo Roux");
        values["supervisor"] = json!("Anne Roux");
        values["subject"] = json!("Réduire les chutes");
        values["presence_hours"] = json!("616 h");
        values["gratification_total"] = json!("2 772,00 €");
        // A validation refused with its reason.
        values["by"] = json!("Anne Roux");
        // Agreements and evaluations.
        values["agreement"] = json!({
            "title": "Convention de mission de terrain", "reference": "1A2B3C", "version": 2,
            "subject": "Réduire les chutes", "company": "Découpes Cévenoles",
            "student": "Léo Roux", "starts_on": "2027-03-01", "ends_on": "2027-04-04",
        });
        values["reminder"] = json!(false);
        values["changed"] = json!(true);
        values["withdrawn_reason"] = json!("Le lieu était erroné.");
        // A delegated signature: who delegates.
        values["from"] = json!("Anne Roux");
        // An amendment: its number and its changes as lines.
        values["number"] = json!(1);
        values["changes"] = json!(["Date de fin : jusqu’ici …, désormais …"]);
        values["count"] = json!(2);
        values["agreements"] = json!([{"title": "Convention de stage", "reference": "1A2B3C",
            "company": "Découpes Cévenoles", "party": "Léo Roux", "status": "draft",
            "starts_on": "2027-03-01", "ends_on": "2027-04-04",
            "link": "http://x/app/agreements/a1"}]);
        values["to_sign_link"] = json!("http://x/app/agreements/to-sign");
        values["register_link"] = json!("http://x/app/staff/agreements");
        values["members"] = json!(["Léo Roux", "Zoé Martin"]);
        values["why"] = json!({"code": "contest", "choices": 3, "forbidden": 1,
            "contenders": 4, "problems": 2, "places": 3, "left_out": 1});
        // An internship's evaluation by its supervisor.
        values["mark"] = json!("15,5 / 20");
        values["for_student"] = json!(true);
        values["supervisor_email"] = json!("anne.roux@decoupes.fr");
        values["reminders"] = json!(3);
        values["last_reminder"] = json!(false);
        values
    }

    #[test]
    fn an_internship_evaluation_is_asked_reminded_told_and_overdue_in_both_locales() {
        let templates = Templates::new(vocabulary());
        let mut values = every_value();
        values["student"] = json!("Léa Martin");
        values["link"] = json!("http://x/evaluation-form?token=t");
        let asked = templates
            .render("internship_evaluation_requested", Locale::Fr, &values)
            .expect("renders");
        assert_eq!(asked.subject, "Évaluation du stage de Léa Martin");
        assert!(asked.text.contains("http://x/evaluation-form?token=t"));
        assert!(!asked.text.contains("remplace"), "{}", asked.text);
        values["reminder"] = json!(3);
        values["last_reminder"] = json!(true);
        let reminded = templates
            .render("internship_evaluation_requested", Locale::Fr, &values)
            .expect("renders");
        assert_eq!(
            reminded.subject,
            "Rappel : Évaluation du stage de Léa Martin"
        );
        for body in [&reminded.text, &reminded.html] {
            assert!(body.contains("Ce lien remplace"), "{body}");
            assert!(body.contains("dernier rappel"), "{body}");
        }
        let en = templates
            .render("internship_evaluation_requested", Locale::En, &values)
            .expect("renders");
        assert_eq!(en.subject, "Reminder: Léa Martin's internship evaluation");
        let told = templates
            .render("internship_evaluation_recorded", Locale::Fr, &values)
            .expect("renders");
        assert_eq!(
            told.subject,
            "Votre stage chez Découpes Cévenoles a été évalué"
        );
        assert!(told.text.contains("Note : 15,5 / 20"), "{}", told.text);
        values["for_student"] = json!(false);
        let tutor = templates
            .render("internship_evaluation_recorded", Locale::Fr, &values)
            .expect("renders");
        assert_eq!(tutor.subject, "Évaluation du stage de Léa Martin reçue");
        let overdue = templates
            .render("internship_evaluation_overdue", Locale::Fr, &values)
            .expect("renders");
        assert_eq!(
            overdue.subject,
            "Évaluation du stage de Léa Martin toujours attendue — Découpes Cévenoles"
        );
        assert!(
            overdue.text.contains("malgré 3 rappels"),
            "{}",
            overdue.text
        );
        assert!(overdue.text.contains("anne.roux@decoupes.fr"));
    }

    #[test]
    fn an_unplaced_team_reads_why_in_its_language_and_is_named_once() {
        let templates = Templates::new(vocabulary());
        let mut values = every_value();
        values["campaign"] = json!("Missions terrain printemps 2027");
        values["team"] = json!("Équipe 57");
        let fr = templates
            .render("mission_unplaced", Locale::Fr, &values)
            .expect("renders");
        assert_eq!(
            fr.subject,
            "Missions terrain printemps 2027 : votre équipe 57 n'a pas de mission"
        );
        for body in [&fr.text, &fr.html] {
            assert!(body.contains("Votre équipe 57 n'a pas pu"), "{body}");
            assert!(
                body.contains("1 de ses 3 choix lui sont interdits et les autres sont complets"),
                "{body}"
            );
            assert!(body.contains("4 équipes, celle-ci comprise"), "{body}");
            assert!(!body.contains("choices"), "{body}");
        }
        let en = templates
            .render("mission_unplaced", Locale::En, &values)
            .expect("renders");
        assert!(
            en.text.contains("1 of its 3 choices are forbidden"),
            "{}",
            en.text
        );
        // An allocation stored before the codes: its English sentence.
        values["why"] = json!(null);
        values["reason"] = json!("every choice is full");
        let old = templates
            .render("mission_unplaced", Locale::Fr, &values)
            .expect("renders");
        assert!(old.text.contains("every choice is full"), "{}", old.text);
    }

    #[test]
    fn every_email_is_signed_by_the_school_alike_and_reads_without_gender() {
        let templates = Templates::new(vocabulary());
        let kinds: Vec<String> = templates
            .env
            .templates()
            .filter_map(|(name, _)| name.strip_prefix("fr/")?.strip_suffix(".body.txt"))
            .filter(|kind| !kind.starts_with('_'))
            .map(str::to_owned)
            .collect();
        assert!(kinds.len() >= 13, "{kinds:?}");
        let values = every_value();
        for kind in &kinds {
            for (locale, closing) in [
                (Locale::Fr, "Bien cordialement,"),
                (Locale::En, "Kind regards,"),
            ] {
                let r = templates.render(kind, locale, &values).expect(kind);
                for body in [&r.text, &r.html] {
                    assert!(body.contains(closing), "{kind} {locale:?}: {body}");
                    assert_eq!(
                        body.matches(ORGANISATION).count(),
                        2,
                        "{kind}: signature and footer"
                    );
                    assert!(
                        !body.contains("team</p>") && !body.contains("L'équipe fieldlab"),
                        "{kind}"
                    );
                }
                assert!(
                    r.text.trim_end().ends_with("fieldlab account.")
                        || r.text.trim_end().ends_with("compte fieldlab.")
                        || r.text.trim_end().ends_with("internship agreement.")
                        || r.text.trim_end().ends_with("convention de stage."),
                    "{kind}: {:?}",
                    r.text
                );
                assert!(!r.text.contains("{{") && !r.html.contains("{{"), "{kind}");
                if locale == Locale::Fr {
                    for gendered in [
                        "le tuteur",
                        "avec lui",
                        "Porteur",
                        "étudiants",
                        "coéquipiers",
                        " il ",
                    ] {
                        assert!(
                            !r.text.contains(gendered),
                            "{kind}: « {gendered} » in {}",
                            r.text
                        );
                    }
                    assert!(!r.text.contains(" 1 mars"), "{kind}: {}", r.text);
                }
            }
        }
    }
}
