//! What an amendment's PDF says, in the agreement's language: which agreement it amends, its
//! parties, why, each change (the value before and after) or the early termination, that the
//! other clauses stand, and once signed the signature page (the agreement's own).

use crate::agreements::document::{
    self as agreement, locale_of, reference, with_signatures, Signed,
};
use crate::agreements::domain::Kind;
use crate::agreements::models::Details;
use crate::agreements::pdf::{self, Block};
use crate::config::Settings;
use crate::mail::domain::Locale;
use crate::mail::templates::long_date;

use super::domain::{Change, Field};
use super::flows::{self, Full};

struct Words {
    title: &'static str,
    amends: &'static str,
    between: &'static str,
    reason: &'static str,
    changes: &'static str,
    before: &'static str,
    after: &'static str,
    none: &'static str,
    termination: &'static str,
    terminates: &'static str,
    termination_reason: &'static str,
    rest: &'static str,
    fields: [&'static str; 7],
    parties: [&'static str; 4],
    /// A research agreement's tutor (not an academic tutor).
    research_tutor: &'static str,
    page: &'static str,
}

const FR: Words = Words {
    title: "Avenant n° {n}",
    amends: "à la convention {reference} — {title} avec {company}, du {from} au {to}",
    between: "Entre les signataires de la convention",
    reason: "Motif de l’avenant",
    changes: "Ce qui change",
    before: "jusqu’ici",
    after: "désormais",
    none: "(aucun)",
    termination: "Rupture anticipée",
    terminates: "La convention prend fin de manière anticipée ; son dernier jour est le {day}.",
    termination_reason: "Motif de la rupture",
    rest: "Les autres clauses de la convention demeurent inchangées et s’appliquent au présent avenant.",
    fields: [
        "Objet",
        "Lieu",
        "Tuteur ou tutrice dans l’organisme d’accueil",
        "Date de début",
        "Date de fin",
        "Enseignant référent",
        "Gratification horaire",
    ],
    parties: ["L’établissement", "L’organisme d’accueil", "L’étudiant ou l’étudiante", "L’enseignant référent"],
    research_tutor: "Le tuteur de recherche",
    page: "page",
};

const EN: Words = Words {
    title: "Amendment no. {n}",
    amends: "to agreement {reference} — {title} with {company}, from {from} to {to}",
    between: "Between the agreement's signatories",
    reason: "Why it is amended",
    changes: "What changes",
    before: "until now",
    after: "from now on",
    none: "(none)",
    termination: "Early termination",
    terminates: "The agreement ends early; its last day is {day}.",
    termination_reason: "Reason for the termination",
    rest: "The agreement's other clauses are unchanged and apply to this amendment.",
    fields: [
        "Subject",
        "Place",
        "Supervisor at the host",
        "Start date",
        "End date",
        "Academic tutor",
        "Hourly gratification",
    ],
    parties: [
        "The school",
        "The host",
        "The student",
        "The academic tutor",
    ],
    research_tutor: "The research tutor",
    page: "page",
};

fn words(locale: Locale) -> &'static Words {
    match locale {
        Locale::Fr => &FR,
        Locale::En => &EN,
    }
}

fn field_label(w: &Words, field: Field) -> &'static str {
    w.fields[match field {
        Field::Subject => 0,
        Field::Place => 1,
        Field::Supervisor => 2,
        Field::StartsOn => 3,
        Field::EndsOn => 4,
        Field::TutorId => 5,
        Field::GratificationCents => 6,
    }]
}

/// A stored value as the reader reads it: a long date, a tutor's name, euros an hour.
fn value(locale: Locale, full: &Full, field: Field, v: Option<&str>) -> String {
    let w = words(locale);
    let Some(v) = v else {
        return w.none.to_owned();
    };
    match field {
        Field::StartsOn | Field::EndsOn => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map(|d| long_date(d, locale))
            .unwrap_or_else(|_| v.to_owned()),
        Field::TutorId => full
            .people
            .get(v)
            .map_or_else(|| v.to_owned(), |p| p.name.clone()),
        Field::GratificationCents => v.parse::<i64>().map_or_else(
            |_| v.to_owned(),
            |c| {
                let per_hour = if locale == Locale::Fr {
                    " de l’heure"
                } else {
                    " an hour"
                };
                format!(
                    "{}{per_hour}",
                    crate::agreements::internship::document::euros(c, locale)
                )
            },
        ),
        _ => v.to_owned(),
    }
}

/// One change as a line: « Date de fin : jusqu’ici …, désormais … ».
fn line(locale: Locale, full: &Full, c: &Change) -> String {
    let w = words(locale);
    let colon = if locale == Locale::Fr { " :" } else { ":" };
    format!(
        "{}{colon} {} {}, {} {}",
        field_label(w, c.field),
        w.before,
        value(locale, full, c.field, c.from.as_deref()),
        w.after,
        value(locale, full, c.field, c.to.as_deref()),
    )
}

/// The changes (and a termination) as lines of text, for e-mails and pages.
pub fn lines(locale: Locale, full: &Full) -> Vec<String> {
    let w = words(locale);
    let mut out: Vec<String> = full.changes.iter().map(|c| line(locale, full, c)).collect();
    if let Some(day) = full.amendment.terminates_on {
        out.push(w.terminates.replace("{day}", &long_date(day, locale)));
    }
    out
}

/// The amendment's title: « Avenant n° 2 ».
pub fn title(locale: Locale, number: i32) -> String {
    words(locale).title.replace("{n}", &number.to_string())
}

/// The PDF. `signed`: with its signature page (the signed amendment).
pub fn render(
    details: &Details,
    full: &Full,
    settings: &Settings,
    signed: bool,
) -> Result<Vec<u8>, String> {
    let locale = locale_of(details);
    let w = words(locale);
    let a = &details.agreement;
    let colon = if locale == Locale::Fr { " :" } else { ":" };
    let number = full.amendment.number;
    let mut blocks = vec![
        Block::Title(title(locale, number)),
        Block::Paragraph(
            w.amends
                .replace("{reference}", &reference(&a.id))
                .replace("{title}", agreement::title(details))
                .replace("{company}", &details.company.name)
                .replace("{from}", &long_date(a.starts_on, locale))
                .replace("{to}", &long_date(a.ends_on, locale)),
        ),
        Block::Heading(w.between.to_owned()),
    ];
    let kind = Kind::parse(&a.kind).unwrap_or(Kind::FieldMission);
    for (s, person) in &full.signatures {
        let party = flows::party(s);
        let label = match (party, kind) {
            (crate::agreements::domain::Party::Tutor, Kind::Research) => w.research_tutor,
            _ => w.parties[party as usize],
        };
        let who = match party {
            crate::agreements::domain::Party::School => {
                format!("{}, {}", settings.mail.organisation, person.name)
            }
            crate::agreements::domain::Party::Company => {
                format!("{}, {}", details.company.name, person.name)
            }
            _ => person.name.clone(),
        };
        blocks.push(Block::Field(format!("{label}{colon}"), who));
    }
    blocks.push(Block::Heading(w.reason.to_owned()));
    blocks.push(Block::Paragraph(full.amendment.reason.clone()));
    if !full.changes.is_empty() {
        blocks.push(Block::Heading(w.changes.to_owned()));
        for c in &full.changes {
            blocks.push(Block::Paragraph(line(locale, full, c)));
        }
    }
    if let Some(day) = full.amendment.terminates_on {
        blocks.push(Block::Heading(w.termination.to_owned()));
        blocks.push(Block::Paragraph(
            w.terminates.replace("{day}", &long_date(day, locale)),
        ));
        if let Some(reason) = &full.amendment.termination_reason {
            blocks.push(Block::Field(
                format!("{}{colon}", w.termination_reason),
                reason.clone(),
            ));
        }
    }
    blocks.push(Block::Paragraph(w.rest.to_owned()));
    let rows: Vec<Signed<'_>> = full
        .signatures
        .iter()
        .map(|(s, person)| Signed {
            party: flows::party(s),
            person,
            signed_at: s.signed_at,
            ip: s.ip.as_deref(),
            user_agent: s.user_agent.as_deref(),
            sha256: s.document_sha256.as_deref(),
            delegate: None,
        })
        .collect();
    let context = crate::agreements::flows::context(settings, None, "");
    let blocks = with_signatures(blocks, &context, locale, kind, signed.then_some(&rows[..]));
    let title = title(locale, number);
    let footer = format!("{title} — {}", reference(&a.id));
    pdf::render(&blocks, &title, locale.as_str(), &footer, w.page)
}
