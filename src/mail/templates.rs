//! E-mail templates, one folder per locale (`templates/fr`, `templates/en`), embedded in the
//! binary at build time: `<kind>.subject.txt`, `<kind>.body.txt`, `<kind>.body.html`. HTML is
//! auto-escaped, so titles and names users typed cannot inject markup. Dates read naturally in
//! the recipient's language: `lundi 1 mars 2027`, 24-hour times, Europe/Paris by default.

use chrono::{DateTime, NaiveDate, Utc};
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

impl Templates {
    pub fn new() -> Self {
        let mut env = Environment::new();
        minijinja_embed::load_templates!(&mut env);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.add_filter("date", date);
        env.add_filter("datetime", datetime);
        env.add_filter("time", time);
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

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

fn chrono_locale(state: &State) -> chrono::Locale {
    match state.lookup("locale").as_ref().and_then(Value::as_str) {
        Some("en") => chrono::Locale::en_GB,
        _ => chrono::Locale::fr_FR,
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

/// `2027-03-01` (or an instant, in `tz`) → `lundi 1 mars 2027` / `Monday 1 March 2027`.
fn date(state: &State, value: String, tz: Option<String>) -> Result<String, Error> {
    let day = match NaiveDate::parse_from_str(&value, "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => parse_instant(&value)?
            .with_timezone(&zone(tz)?)
            .date_naive(),
    };
    Ok(day
        .format_localized("%A %-d %B %Y", chrono_locale(state))
        .to_string())
}

/// An instant → `lundi 1 mars 2027 à 14:30` / `Monday 1 March 2027 at 14:30`, in `tz`.
fn datetime(state: &State, value: String, tz: Option<String>) -> Result<String, Error> {
    let local = parse_instant(&value)?.with_timezone(&zone(tz)?);
    let locale = chrono_locale(state);
    let joiner = if locale == chrono::Locale::en_GB {
        "at"
    } else {
        "à"
    };
    Ok(format!(
        "{} {joiner} {}",
        local.format_localized("%A %-d %B %Y", locale),
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
        assert_eq!(fr, "lundi 1 mars 2027 / lundi 29 mars 2027 à 08:00");
        let en = t
            .render(context! { locale => "en", d => "2027-03-01", i => "2027-03-22T07:00:00Z" })
            .expect("render");
        assert_eq!(en, "Monday 1 March 2027 / Monday 22 March 2027 at 08:00");
    }

    #[test]
    fn every_kind_renders_in_both_locales_and_escapes_html() {
        let templates = Templates::new();
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
        let templates = Templates::new();
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
            admitted.text.contains("lundi 1 mars 2027"),
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
        let templates = Templates::new();
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
                .contains("du lundi 1 mars 2027 au dimanche 4 avril 2027"),
            "{}",
            fr.text
        );
        assert!(fr.text.contains("leo@etu.fr"));
    }
}
