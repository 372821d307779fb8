//! What an agreement's PDF says, in French or English: the parties, the particulars (subject,
//! dates, place, tutor), the school's clauses from the editable template
//! (`agreements.template`, minijinja text), and once signed the signature page.

use chrono::{Datelike, NaiveDateTime};
use chrono_tz::Tz;
use serde::Serialize;

use crate::agreements::domain::{Kind, Party};
use crate::agreements::models::{Details, Person};
use crate::agreements::pdf::{self, Block};
use crate::config::AgreementSettings;
use crate::error::FieldError;
use crate::mail::domain::Locale;
use crate::mail::templates::long_date;

const CLAUSES_FR: &str = include_str!("clauses.fr.txt");
const CLAUSES_EN: &str = include_str!("clauses.en.txt");

/// The words of the document in one language.
struct Words {
    titles: [&'static str; 3],
    between: &'static str,
    school: &'static str,
    represented: &'static str,
    /// "represented by" agreeing with the company (« la société … représentée par »).
    company_represented: &'static str,
    /// What stands before the company's name (« la société »).
    the_company: &'static str,
    /// Quotation marks around the subject: « » in French only.
    quotes: (&'static str, &'static str),
    company: &'static str,
    student: &'static str,
    tutor: &'static str,
    article_subject: &'static str,
    article_dates: &'static str,
    article_supervision: &'static str,
    subject_intro: &'static str,
    dates: &'static str,
    place: &'static str,
    academic_tutor: &'static str,
    supervisor: &'static str,
    to_be_named: &'static str,
    reference: &'static str,
    version: &'static str,
    signatures: &'static str,
    signed_on: &'static str,
    /// Who signed in the signatory's place.
    delegate: &'static str,
    not_signed: &'static str,
    address: &'static str,
    software: &'static str,
    fingerprint: &'static str,
    page: &'static str,
    campaign: &'static str,
    colon: &'static str,
}

const FR: Words = Words {
    titles: [
        "Convention de mission de terrain",
        "Convention de stage",
        "Convention de partenariat de recherche",
    ],
    between: "Entre les soussignés",
    school: "L’établissement",
    represented: "représenté par",
    company_represented: "représentée par",
    the_company: "la société ",
    quotes: ("«\u{a0}", "\u{a0}»"),
    company: "L’entreprise",
    student: "L’étudiant",
    tutor: "Le tuteur de recherche",
    article_subject: "Article 1 — Objet",
    article_dates: "Article 2 — Dates et lieu",
    article_supervision: "Article 3 — Encadrement",
    subject_intro: "La présente convention a pour objet",
    dates: "Du {from} au {to}",
    place: "Lieu",
    academic_tutor: "Tuteur académique",
    supervisor: "Maître de stage",
    to_be_named: "à désigner",
    reference: "Référence",
    version: "version",
    signatures: "Signatures",
    signed_on: "Signé le",
    delegate: "Par délégation, signé par",
    not_signed: "Non signé",
    address: "Adresse réseau",
    software: "Logiciel",
    fingerprint: "Empreinte SHA-256 du document signé",
    page: "page",
    campaign: "Campagne",
    colon: "\u{a0}:",
};

const EN: Words = Words {
    titles: [
        "Field mission agreement",
        "Internship agreement",
        "Research partnership agreement",
    ],
    between: "Between the undersigned",
    school: "The school",
    represented: "represented by",
    company_represented: "represented by",
    the_company: "",
    quotes: ("“", "”"),
    company: "The company",
    student: "The student",
    tutor: "The research tutor",
    article_subject: "Article 1 — Subject",
    article_dates: "Article 2 — Dates and place",
    article_supervision: "Article 3 — Supervision",
    subject_intro: "This agreement covers",
    dates: "From {from} to {to}",
    place: "Place",
    academic_tutor: "Academic tutor",
    supervisor: "Company supervisor",
    to_be_named: "to be named",
    reference: "Reference",
    version: "version",
    signatures: "Signatures",
    signed_on: "Signed on",
    delegate: "By delegation, signed by",
    not_signed: "Not signed",
    address: "Network address",
    software: "Software",
    fingerprint: "SHA-256 fingerprint of the signed document",
    page: "page",
    campaign: "Campaign",
    colon: ":",
};

/// What a PDF needs besides the agreement: who signs for the school, the school's name, the
/// clauses' template, and the time zone signatures are shown in.
pub struct Context<'a> {
    pub organisation: &'a str,
    pub school_signatory: Option<&'a Person>,
    pub settings: &'a AgreementSettings,
    /// The yearly minimum gratification (config `internship.minimum_gratification`).
    pub minimum_gratification: &'a [crate::config::MinimumGratification],
    /// The clauses' template to render (`templates::source`: staff's, configured or shipped;
    /// for a frozen version, the one it was frozen with).
    pub clauses: &'a str,
    pub tz: Tz,
}

/// The values the clauses' template can use.
#[derive(Serialize)]
struct ClauseValues<'a> {
    organisation: &'a str,
    company: &'a str,
    place: &'a str,
    subject: &'a str,
    starts_on: String,
    ends_on: String,
    student: Option<&'a str>,
    tutor: Option<&'a str>,
    /// The student's name, or the research tutor's: who does the work.
    student_or_tutor: &'a str,
}

/// A signature shown on the signature page.
pub struct Signed<'a> {
    pub party: Party,
    pub person: &'a Person,
    pub signed_at: Option<NaiveDateTime>,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub sha256: Option<&'a str>,
    /// Who signed in the signatory's place (a delegation), if not them.
    pub delegate: Option<&'a str>,
}

pub fn locale_of(details: &Details) -> Locale {
    Locale::parse(&details.agreement.locale).unwrap_or(Locale::Fr)
}

/// The title of the agreement in its language.
pub fn title(details: &Details) -> &'static str {
    let words = words(locale_of(details));
    let kind = Kind::parse(&details.agreement.kind).unwrap_or(Kind::FieldMission);
    words.titles[kind as usize]
}

fn words(locale: Locale) -> &'static Words {
    match locale {
        Locale::Fr => &FR,
        Locale::En => &EN,
    }
}

/// The PDF's bytes. `signed`: the signature page's rows (the final document), or `None`.
pub fn render(
    details: &Details,
    context: &Context<'_>,
    signed: Option<&[Signed<'_>]>,
) -> Result<Vec<u8>, String> {
    let blocks = blocks(details, context, signed)?;
    let a = &details.agreement;
    let locale = locale_of(details);
    let w = words(locale);
    let footer = format!(
        "{} — {} {} ({} {})",
        title(details),
        w.reference,
        reference(&a.id),
        w.version,
        a.version
    );
    pdf::render(&blocks, title(details), locale.as_str(), &footer, w.page)
}

/// The clauses fieldlab ships for field missions and research (the internship's are its
/// own, `internship::document`).
pub fn shipped_clauses(locale: Locale) -> &'static str {
    match locale {
        Locale::Fr => CLAUSES_FR,
        Locale::En => CLAUSES_EN,
    }
}

/// « de » before a name, elided before a vowel or a mute h: « de Découpes », « d’Ateliers »,
/// « d’Hélice ». (An aspirated h, « de Hachette », cannot be told from the spelling; the
/// mute one is the commoner.)
pub fn de(name: &str) -> String {
    let elides = name
        .chars()
        .next()
        .is_some_and(|c| "aàâäeéèêëiîïoôöuùûüyÿæœh".contains(c.to_lowercase().next().unwrap_or(c)));
    if elides {
        format!("d’{name}")
    } else {
        format!("de {name}")
    }
}

/// A SHA-256 in groups of four hex digits, two lines of eight groups that wrap only between
/// them (no-break spaces inside a line), so all 64 digits print inside the margins and read
/// aloud well when compared.
fn fingerprint(sha256: &str) -> String {
    if sha256.len() != 64 || !sha256.is_ascii() {
        return sha256.to_owned();
    }
    let groups: Vec<&str> = (0..16).map(|i| &sha256[i * 4..i * 4 + 4]).collect();
    format!(
        "{} {}",
        groups[..8].join("\u{a0}"),
        groups[8..].join("\u{a0}")
    )
}

/// Refuses, field by field, text the PDF could not print (422 `unprintable_text`): what is
/// accepted is printed, never dropped. `fields`: (name in the API, value).
pub fn check_printable(fields: &[(&str, Option<&str>)], errors: &mut Vec<FieldError>) {
    for (field, value) in fields {
        if let Some(c) = value.and_then(pdf::unprintable) {
            errors.push(
                FieldError::new(
                    *field,
                    format!(
                        "contains U+{:04X}, a character the agreement's PDF cannot print",
                        u32::from(c)
                    ),
                )
                .with_code("unprintable_text"),
            );
        }
    }
}

/// A short reference printed on the document and in the register: the end of the id.
pub fn reference(id: &str) -> String {
    id.rsplit('-').next().unwrap_or(id).to_uppercase()
}

fn blocks(
    details: &Details,
    context: &Context<'_>,
    signed: Option<&[Signed<'_>]>,
) -> Result<Vec<Block>, String> {
    let a = &details.agreement;
    let locale = locale_of(details);
    let w = words(locale);
    let kind = Kind::parse(&a.kind).unwrap_or(Kind::FieldMission);
    let label = |text: &str| format!("{text}{}", w.colon);
    let mut blocks = vec![
        Block::Title(title(details).to_owned()),
        Block::Field(
            label(w.reference),
            format!("{} ({} {})", reference(&a.id), w.version, a.version),
        ),
    ];
    if let Some(campaign) = &details.campaign {
        blocks.push(Block::Field(label(w.campaign), campaign.clone()));
    }
    blocks.push(Block::Heading(w.between.to_owned()));
    let school = match context.school_signatory {
        Some(p) => format!("{}, {} {}", context.organisation, w.represented, p.name),
        None => context.organisation.to_owned(),
    };
    blocks.push(Block::Field(label(w.school), school));
    let mut company = format!(
        "{}{}, {}",
        w.the_company, details.company.name, details.company.city
    );
    if let Some(contact) = &details.company.contact {
        company = format!(
            "{company}, {} {} ({})",
            w.company_represented, contact.name, contact.email
        );
    }
    blocks.push(Block::Field(label(w.company), company));
    match kind {
        Kind::FieldMission | Kind::Internship => {
            if let Some(s) = &details.student {
                blocks.push(Block::Field(
                    label(w.student),
                    format!("{} ({})", s.name, s.email),
                ));
            }
        }
        Kind::Research => {
            if let Some(t) = &details.tutor {
                blocks.push(Block::Field(
                    label(w.tutor),
                    format!("{} ({})", t.name, t.email),
                ));
            }
        }
    }
    if let (Kind::Internship, Some(row)) = (kind, &details.internship) {
        blocks.extend(internship_clauses(details, row, context)?);
        return Ok(with_signatures(blocks, context, locale, kind, signed));
    }
    blocks.push(Block::Heading(w.article_subject.to_owned()));
    let (open, close) = w.quotes;
    blocks.push(Block::Paragraph(format!(
        "{} {open}{}{close}.",
        w.subject_intro, a.subject
    )));
    for paragraph in a
        .description
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        blocks.push(Block::Paragraph(paragraph.replace('\n', " ")));
    }
    blocks.push(Block::Heading(w.article_dates.to_owned()));
    let starts_on = long_date(a.starts_on, locale);
    let ends_on = long_date(a.ends_on, locale);
    blocks.push(Block::Paragraph(
        w.dates
            .replace("{from}", &starts_on)
            .replace("{to}", &ends_on),
    ));
    blocks.push(Block::Field(label(w.place), a.place.clone()));
    blocks.push(Block::Heading(w.article_supervision.to_owned()));
    if kind != Kind::Research {
        let tutor = details
            .tutor
            .as_ref()
            .map_or(w.to_be_named.to_owned(), |t| {
                format!("{} ({})", t.name, t.email)
            });
        blocks.push(Block::Field(label(w.academic_tutor), tutor));
    }
    let supervisor = a
        .supervisor
        .clone()
        .or_else(|| details.company.contact.as_ref().map(|c| c.name.clone()))
        .unwrap_or_else(|| w.to_be_named.to_owned());
    blocks.push(Block::Field(label(w.supervisor), supervisor));
    blocks.extend(clauses(details, context, &starts_on, &ends_on)?);
    Ok(with_signatures(blocks, context, locale, kind, signed))
}

/// The internship's clauses (D124-4's mentions), filled from its record.
fn internship_clauses(
    details: &Details,
    row: &crate::agreements::internship::models::Internship,
    context: &Context<'_>,
) -> Result<Vec<Block>, String> {
    use crate::agreements::internship::{assess, document as internship, rules};
    let minimum = rules::GratificationTable::new(context.minimum_gratification)
        .ok()
        .and_then(|t| assess::minimum_for(&t, details.agreement.starts_on.year()))
        .map(|(m, _)| m.cents_per_hour);
    let values = internship::values(details, row, context.organisation, minimum);
    Ok(blocks_of(&internship::render_template(
        context.clauses,
        &values,
    )?))
}

/// The signature page, on the final document.
pub(crate) fn with_signatures(
    mut blocks: Vec<Block>,
    context: &Context<'_>,
    locale: Locale,
    kind: Kind,
    signed: Option<&[Signed<'_>]>,
) -> Vec<Block> {
    let w = words(locale);
    let label = |text: &str| format!("{text}{}", w.colon);
    if let Some(signed) = signed {
        blocks.push(Block::PageBreak);
        blocks.push(Block::Heading(w.signatures.to_owned()));
        for s in signed {
            let who = match s.party {
                Party::School => w.school,
                Party::Company => w.company,
                Party::Student => w.student,
                Party::Tutor if kind == Kind::Internship => w.academic_tutor,
                Party::Tutor => w.tutor,
            };
            blocks.push(Block::Heading(format!("{who} — {}", s.person.name)));
            let when = s.signed_at.map_or(w.not_signed.to_owned(), |at| {
                let local = crate::db::utc(at).with_timezone(&context.tz);
                format!(
                    "{} {}",
                    long_date(local.date_naive(), locale),
                    local.format("%H:%M:%S %Z")
                )
            });
            blocks.push(Block::Field(label(w.signed_on), when));
            if let Some(delegate) = s.delegate {
                blocks.push(Block::Field(label(w.delegate), delegate.to_owned()));
            }
            blocks.push(Block::Field(
                label(w.address),
                s.ip.unwrap_or("—").to_owned(),
            ));
            blocks.push(Block::Field(
                label(w.software),
                s.user_agent.unwrap_or("—").to_owned(),
            ));
            blocks.push(Block::Field(
                label(w.fingerprint),
                s.sha256.map_or("—".to_owned(), fingerprint),
            ));
        }
    }
    blocks
}

/// The school's clauses: the configured template (or the one shipped), rendered with the
/// agreement's values; blank lines part paragraphs, `# ` starts a heading.
fn clauses(
    details: &Details,
    context: &Context<'_>,
    starts_on: &str,
    ends_on: &str,
) -> Result<Vec<Block>, String> {
    let source = context.clauses;
    let a = &details.agreement;
    let student = details.student.as_ref().map(|p| p.name.as_str());
    let tutor = details.tutor.as_ref().map(|p| p.name.as_str());
    let values = ClauseValues {
        organisation: context.organisation,
        company: &details.company.name,
        place: &a.place,
        subject: &a.subject,
        starts_on: starts_on.to_owned(),
        ends_on: ends_on.to_owned(),
        student,
        tutor,
        student_or_tutor: student.or(tutor).unwrap_or_default(),
    };
    let mut env = minijinja::Environment::new();
    // `{{ company|de }}`: « de Découpes », « d’Ateliers » (templates written for French).
    env.add_filter("de", |name: String| de(&name));
    let text = env
        .render_str(source, &values)
        .map_err(|e| format!("agreements template: {e}"))?;
    Ok(blocks_of(&text))
}

/// A rendered template's text as blocks: blank lines part paragraphs, `# ` starts a heading.
pub fn blocks_of(text: &str) -> Vec<Block> {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .flat_map(|p| match p.strip_prefix("# ") {
            Some(rest) => {
                let mut lines = rest.splitn(2, '\n');
                let heading = Block::Heading(lines.next().unwrap_or_default().trim().to_owned());
                let body = lines.next().map(|b| Block::Paragraph(b.replace('\n', " ")));
                std::iter::once(heading).chain(body).collect::<Vec<_>>()
            }
            None => vec![Block::Paragraph(p.replace('\n', " "))],
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn de_elides_before_a_vowel_or_a_mute_h() {
        assert_eq!(de("Ateliers du Gard"), "d’Ateliers du Gard");
        assert_eq!(de("Découpes Cévenoles"), "de Découpes Cévenoles");
        assert_eq!(de("Éolia"), "d’Éolia");
        assert_eq!(de("Œnologie SA"), "d’Œnologie SA");
        assert_eq!(de("Hélice"), "d’Hélice");
        assert_eq!(de("usine"), "d’usine");
        assert_eq!(de("Yssingeaux Bois"), "d’Yssingeaux Bois");
        assert_eq!(de("3D Print"), "de 3D Print");
        assert_eq!(de(""), "de ");
    }

    #[test]
    fn the_french_clauses_elide_de_before_the_company() {
        let mut env = minijinja::Environment::new();
        env.add_filter("de", |name: String| de(&name));
        let text = env
            .render_str(
                CLAUSES_FR,
                minijinja::context! { company => "Ateliers du Gard" },
            )
            .expect("clauses");
        assert!(text.contains("locaux d’Ateliers du Gard"), "{text}");
        assert!(!text.contains("de Ateliers"), "{text}");
    }

    #[test]
    fn a_fingerprint_prints_as_two_lines_of_eight_groups() {
        let sha = "0123456789abcdef".repeat(4);
        let printed = fingerprint(&sha);
        let lines: Vec<&str> = printed.split(' ').collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].split('\u{a0}').count(), 8);
        assert_eq!(printed.replace([' ', '\u{a0}'], ""), sha);
        assert_eq!(fingerprint("—"), "—");
    }

    #[test]
    fn unprintable_fields_are_named_with_their_code() {
        let mut errors = Vec::new();
        check_printable(
            &[
                ("subject", Some("Jumeau \u{e000}")),
                ("place", Some("תל אביב")),
                ("supervisor", None),
            ],
            &mut errors,
        );
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "subject");
        assert_eq!(errors[0].code, Some("unprintable_text"));
        assert!(
            errors[0].message.contains("U+E000"),
            "{}",
            errors[0].message
        );
    }
}
