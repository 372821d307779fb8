//! The agreements' use cases, shared by the API and the pages: draft a campaign's field-mission
//! agreements, create an internship or research one, send (freeze the PDF, ask each party to
//! sign), sign, change (a new version to sign again), cancel, the PDF to show, the register,
//! and the scheduled reminders and warnings. Knows nothing of HTTP.

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::agreements::document::{self, Context, Signed};
use crate::agreements::domain::{self, Action, Kind, Party, Refusal, Signers, Status, Terms};
use crate::agreements::models::{self, Agreement, Details, Filter, Person, Register, Signature};
use crate::agreements::register::{self, Column, Wording};
use crate::agreements::templates;
use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::clock::{morning_of, DEFAULT_TIMEZONE};
use crate::config::Settings;
use crate::db::{self, DbConnection, WriteTx};
use crate::error::{ApiError, FieldError};
use crate::jobs::{self, Job};
use crate::mail::domain::Locale;
use crate::mail::models::{self as mail_models, Attachment};
use crate::mail::Email;
use crate::paging::PageRequest;

/// Job kinds this domain schedules.
pub const REMINDER_JOB: &str = "agreement_reminder";
pub const WARNING_JOB: &str = "agreements_unsigned_warning";

/// The staff account that signs for the school: `agreements.school_signatory`, else the first
/// staff account.
pub fn school_signatory(
    conn: &mut DbConnection,
    settings: &Settings,
) -> Result<Option<Person>, ApiError> {
    let email = settings.agreements.school_signatory.trim();
    if email.is_empty() {
        return Ok(models::first_staff(conn)?);
    }
    Ok(
        models::user_by_email(conn, &crate::text::normalise_email(email))?
            .filter(|(_, role)| role == Role::Staff.as_str())
            .map(|(p, _)| p),
    )
}

pub(crate) fn context<'a>(
    settings: &'a Settings,
    signatory: Option<&'a Person>,
    clauses: &'a str,
) -> Context<'a> {
    Context {
        clauses,
        organisation: &settings.mail.organisation,
        school_signatory: signatory,
        settings: &settings.agreements,
        minimum_gratification: &settings.internship.minimum_gratification,
        tz: DEFAULT_TIMEZONE,
    }
}

pub(crate) fn pdf_error(error: String) -> ApiError {
    ApiError::internal(anyhow::anyhow!(error))
}

pub(crate) fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The agreement `id` as it stands now, with everyone it names.
pub fn reread(conn: &mut DbConnection, id: &str) -> Result<Details, ApiError> {
    let agreement = models::find(conn, id).map_err(|_| Refusal::NotFound)?;
    one(conn, agreement)
}

fn one(conn: &mut DbConnection, agreement: Agreement) -> Result<Details, ApiError> {
    models::details(conn, vec![agreement])?
        .pop()
        .ok_or_else(ApiError::not_found)
}

/// Creates the `draft` field-mission agreements of a campaign just published: one per student
/// of each mission (the school, the company's contact and the student sign). Run in the
/// publishing transaction; a second run adds none (unique (mission, student)).
pub fn draft_field_missions(
    tx: &mut WriteTx<'_>,
    locale: Locale,
    campaign_id: &str,
) -> Result<usize, ApiError> {
    let at = db::now();
    let rows: Vec<Agreement> = models::mission_students(tx, campaign_id)?
        .into_iter()
        .map(|m| Agreement {
            id: db::new_id(),
            kind: Kind::FieldMission.as_str().to_owned(),
            status: Status::Draft.as_str().to_owned(),
            version: 1,
            locale: locale.as_str().to_owned(),
            campaign_id: Some(m.campaign_id),
            mission_id: Some(m.mission_id),
            company_id: m.company_id,
            student_id: Some(m.student_id),
            tutor_id: None,
            subject: m.subject,
            description: m.description,
            place: m.city,
            supervisor: None,
            starts_on: m.starts_on,
            ends_on: m.ends_on,
            sent_at: None,
            signed_at: None,
            cancelled_at: None,
            cancel_reason: None,
            created_at: at,
            updated_at: at,
        })
        .collect();
    Ok(models::insert_many(tx, &rows)?)
}

/// Staff's request for an internship or a research agreement.
#[derive(Debug, Clone, Default)]
pub struct NewAgreement {
    pub kind: String,
    pub company_id: String,
    pub student_id: Option<String>,
    pub tutor_id: Option<String>,
    pub subject: String,
    pub description: String,
    pub place: Option<String>,
    pub supervisor: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub locale: Option<String>,
}

fn check_locale(locale: Option<&str>, errors: &mut Vec<FieldError>) -> Option<Locale> {
    match locale.map(str::trim).filter(|l| !l.is_empty()) {
        None => Some(Locale::Fr),
        Some(l) => Locale::parse(l).or_else(|| {
            errors.push(FieldError::new("locale", "must be `fr` or `en`"));
            None
        }),
    }
}

/// Creates an internship (a student) or a research (a tutor) agreement in `draft`.
pub fn create(tx: &mut WriteTx<'_>, new: NewAgreement) -> Result<Details, ApiError> {
    let mut errors = Vec::new();
    let kind = match Kind::parse(new.kind.trim()) {
        Some(k @ Kind::Research) => Some(k),
        Some(Kind::Internship) => {
            errors.push(FieldError::new(
                "kind",
                "internship agreements are requested through POST /api/v1/internships (their \
                 hours, host and supervisor are required)",
            ));
            None
        }
        Some(Kind::FieldMission) => {
            errors.push(FieldError::new(
                "kind",
                "field-mission agreements are made when a campaign is published",
            ));
            None
        }
        None => {
            errors.push(FieldError::new(
                "kind",
                "must be `internship` or `research`",
            ));
            None
        }
    };
    let city = models::company_exists(tx, new.company_id.trim())?;
    if city.is_none() {
        errors.push(FieldError::new("company_id", "is not a company"));
    }
    let person_with = |tx: &mut WriteTx<'_>,
                       id: &Option<String>,
                       field: &str,
                       role: Role,
                       errors: &mut Vec<FieldError>|
     -> Result<Option<String>, ApiError> {
        let id = id.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let Some(id) = id else {
            errors.push(FieldError::new(field, "is required for this kind"));
            return Ok(None);
        };
        if models::role_of(tx, id)?.as_deref() != Some(role.as_str()) {
            errors.push(FieldError::new(
                field,
                format!("is not a {}", role.as_str()),
            ));
            return Ok(None);
        }
        Ok(Some(id.to_owned()))
    };
    let (student_id, tutor_id) = match kind {
        Some(Kind::Internship) => (
            person_with(
                tx,
                &new.student_id,
                "student_id",
                Role::Student,
                &mut errors,
            )?,
            None,
        ),
        Some(Kind::Research) => (
            None,
            person_with(tx, &new.tutor_id, "tutor_id", Role::Tutor, &mut errors)?,
        ),
        _ => (None, None),
    };
    let locale = check_locale(new.locale.as_deref(), &mut errors);
    let terms = Terms::check(
        &new.subject,
        &new.description,
        new.place.as_deref(),
        new.supervisor.as_deref(),
        new.starts_on,
        new.ends_on,
        &mut errors,
    );
    document::check_printable(
        &[
            ("subject", Some(&new.subject)),
            ("description", Some(&new.description)),
            ("place", new.place.as_deref()),
            ("supervisor", new.supervisor.as_deref()),
        ],
        &mut errors,
    );
    let (Some(kind), Some(city), Some(terms), Some(locale), true) =
        (kind, city, terms, locale, errors.is_empty())
    else {
        return Err(Refusal::Invalid(errors).into());
    };
    let at = db::now();
    let agreement = Agreement {
        id: db::new_id(),
        kind: kind.as_str().to_owned(),
        status: Status::Draft.as_str().to_owned(),
        version: 1,
        locale: locale.as_str().to_owned(),
        campaign_id: None,
        mission_id: None,
        company_id: new.company_id.trim().to_owned(),
        student_id,
        tutor_id,
        subject: terms.subject,
        description: terms.description,
        place: terms.place.unwrap_or(city),
        supervisor: terms.supervisor,
        starts_on: terms.starts_on,
        ends_on: terms.ends_on,
        sent_at: None,
        signed_at: None,
        cancelled_at: None,
        cancel_reason: None,
        created_at: at,
        updated_at: at,
    };
    models::insert(tx, &agreement)?;
    one(tx, agreement)
}

/// Whether `user` may see the agreement: staff, or one of the people it names or who sign it.
pub fn is_party(details: &Details, user: &CurrentUser) -> bool {
    user.is(Role::Staff)
        || details.agreement.student_id.as_deref() == Some(user.id.as_str())
        || details.agreement.tutor_id.as_deref() == Some(user.id.as_str())
        || details
            .company
            .contact
            .as_ref()
            .is_some_and(|c| c.id == user.id)
        || details.signatures.iter().any(|(s, _)| s.user_id == user.id)
}

/// The agreement if `user` may see it, else 404.
pub fn visible(conn: &mut DbConnection, user: &CurrentUser, id: &str) -> Result<Details, ApiError> {
    let agreement = models::find(conn, id).map_err(|_| Refusal::NotFound)?;
    let details = one(conn, agreement)?;
    if is_party(&details, user) {
        Ok(details)
    } else {
        Err(Refusal::NotFound.into())
    }
}

/// Staff see every agreement; anyone else the ones they are a party to.
pub fn list(
    conn: &mut DbConnection,
    user: &CurrentUser,
    mut filter: Filter,
    page: &PageRequest,
) -> Result<Vec<Details>, ApiError> {
    if !user.is(Role::Staff) {
        filter.party = Some(user.id.clone());
    }
    let rows = models::list(conn, &filter, page)?;
    Ok(models::details(conn, rows)?)
}

/// A version ready to be sent: its frozen PDF and who signs it.
pub struct Prepared {
    agreement_id: String,
    version: i32,
    updated_at: NaiveDateTime,
    pdf: Vec<u8>,
    sha256: String,
    signatories: Vec<(Party, Person)>,
    /// The clauses' template it was rendered from, kept with the frozen version.
    clauses: String,
}

impl Prepared {
    /// The fingerprint of the frozen PDF.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
}

/// Each kind's stages of signers (`agreements.signers`, checked at start-up; everyone at once
/// if they do not read).
pub fn signers(settings: &Settings) -> Signers {
    let s = &settings.agreements.signers;
    Signers::parse([&s.field_mission, &s.internship, &s.research])
        .unwrap_or_else(|_| Signers::together())
}

/// Who signs this agreement, stage after stage, each with an account, or the party that has
/// none.
pub(crate) fn signatories(
    details: &Details,
    school: Option<&Person>,
    settings: &Settings,
) -> Result<Vec<(Party, Person)>, Refusal> {
    let kind = Kind::parse(&details.agreement.kind).unwrap_or(Kind::FieldMission);
    signers(settings)
        .of(kind)
        .parties()
        .into_iter()
        .map(|party| {
            let person = match party {
                Party::School => school.cloned(),
                Party::Company => details.company.contact.clone(),
                Party::Student => details.student.clone(),
                Party::Tutor => details.tutor.clone(),
            };
            person
                .map(|p| (party, p))
                .ok_or(Refusal::PartyMissing(party))
        })
        .collect()
}

/// Renders and fingerprints the version to send (no database access: runs outside the
/// transaction, in parallel for a campaign).
pub fn prepare(
    details: &Details,
    settings: &Settings,
    school: Option<&Person>,
    edited: &templates::Edited,
) -> Result<Prepared, ApiError> {
    let status = Status::parse(&details.agreement.status).unwrap_or(Status::Cancelled);
    Action::Send.apply(status)?;
    super::validating::state_of(settings, details).check_send()?;
    let signatories = signatories(details, school, settings)?;
    let clauses = templates::source_for(edited, settings, details)?;
    let pdf =
        document::render(details, &context(settings, school, &clauses), None).map_err(pdf_error)?;
    Ok(Prepared {
        clauses,
        agreement_id: details.agreement.id.clone(),
        version: details.agreement.version,
        updated_at: details.agreement.updated_at,
        sha256: sha256(&pdf),
        pdf,
        signatories,
    })
}

/// The values of the e-mails about one agreement.
#[derive(Serialize)]
pub(crate) struct AgreementMail {
    title: &'static str,
    reference: String,
    subject: String,
    company: String,
    student: Option<String>,
    tutor: Option<String>,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    version: i32,
}

impl AgreementMail {
    pub(crate) fn of(details: &Details) -> Self {
        let a = &details.agreement;
        Self {
            title: document::title(details),
            reference: document::reference(&a.id),
            subject: a.subject.clone(),
            company: details.company.name.clone(),
            student: details.student.as_ref().map(|p| p.name.clone()),
            tutor: details.tutor.as_ref().map(|p| p.name.clone()),
            starts_on: a.starts_on,
            ends_on: a.ends_on,
            version: a.version,
        }
    }
}

#[derive(Serialize)]
struct ToSign<'a> {
    name: &'a str,
    agreement: &'a AgreementMail,
    link: String,
    reminder: bool,
    changed: bool,
    /// Why the previous version was withdrawn (a new version sent after a correction).
    withdrawn_reason: Option<&'a str>,
}

pub fn link(state: &AppState, id: &str) -> String {
    format!(
        "{}/app/agreements/{id}",
        state.settings.server.public_url.trim_end_matches('/')
    )
}

/// Writes a prepared version: the frozen document, its signatories, `sent`, the e-mails, the
/// first reminder and the staff's warning before the start. Refused if the agreement changed
/// since it was prepared.
fn commit_send(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    prepared: Prepared,
    changed: bool,
) -> Result<Details, ApiError> {
    let agreement = freeze_scheduled(tx, state, prepared, changed)?;
    let details = one(tx, agreement)?;
    ask_to_sign(tx, state, &details, changed)?;
    Ok(details)
}

/// [`freeze`] and the agreement's first reminder and the staff's warning: sending without the
/// e-mails, which the caller writes.
fn freeze_scheduled(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    prepared: Prepared,
    changed: bool,
) -> Result<Agreement, ApiError> {
    let agreement = freeze(tx, prepared, changed)?;
    schedule_reminders(tx, state, &agreement)?;
    Ok(agreement)
}

/// The dedupe key of the e-mail asking a signatory to sign one version of one agreement.
fn to_sign_key(agreement: &Agreement, party: &str) -> String {
    format!(
        "agreement_to_sign:{}:{}:{party}:sent",
        agreement.id, agreement.version
    )
}

/// Writes a prepared version without telling anyone: the frozen document, its signatories and
/// `sent`. `changed`: a new version of an agreement already sent.
pub fn freeze(
    tx: &mut WriteTx<'_>,
    prepared: Prepared,
    changed: bool,
) -> Result<Agreement, ApiError> {
    let mut agreement = models::lock(tx, &prepared.agreement_id).map_err(|_| Refusal::NotFound)?;
    let status = Status::parse(&agreement.status).unwrap_or(Status::Cancelled);
    if !changed {
        Action::Send.apply(status)?;
    }
    if agreement.version != prepared.version || agreement.updated_at != prepared.updated_at {
        return Err(ApiError::conflict(
            "agreement_changed",
            "The agreement changed while it was being sent: send it again.",
        ));
    }
    let at = db::now();
    models::insert_document(
        tx,
        &agreement.id,
        agreement.version,
        &prepared.sha256,
        &prepared.pdf,
        &prepared.clauses,
    )?;
    let rows: Vec<Signature> = prepared
        .signatories
        .iter()
        .map(|(party, person)| Signature {
            agreement_id: agreement.id.clone(),
            version: agreement.version,
            party: party.as_str().to_owned(),
            user_id: person.id.clone(),
            signed_at: None,
            ip: None,
            user_agent: None,
            document_sha256: None,
            voided_at: None,
            signed_by: None,
        })
        .collect();
    models::insert_signatories(tx, &rows)?;
    agreement.status = Status::Sent.as_str().to_owned();
    agreement.sent_at = Some(at);
    agreement.updated_at = at;
    models::update(tx, &agreement)?;
    Ok(agreement)
}

/// Whether `signature` (of `details`' current version) is asked for now: not given, and its
/// party's stage has come (`agreements.signers`).
pub fn awaits_now(settings: &Settings, details: &Details, signature: &Signature) -> bool {
    let kind = Kind::parse(&details.agreement.kind).unwrap_or(Kind::FieldMission);
    let signed: Vec<Party> = details
        .signatures
        .iter()
        .filter(|(s, _)| s.signed_at.is_some())
        .filter_map(|(s, _)| Party::parse(&s.party))
        .collect();
    signature.signed_at.is_none()
        && Party::parse(&signature.party)
            .is_none_or(|party| signers(settings).awaits(kind, &signed, party))
}

/// The rows of the current version `user_ids` (an account and whom it signs for) may sign now.
pub fn signable<'a>(
    settings: &Settings,
    details: &'a Details,
    user_ids: &[String],
) -> Vec<&'a Signature> {
    details
        .signatures
        .iter()
        .filter(|(s, _)| user_ids.contains(&s.user_id) && awaits_now(settings, details, s))
        .map(|(s, _)| s)
        .collect()
}

/// E-mails each signatory of the current version who has not signed (one agreement sent
/// alone, or a new version of it: one e-mail each).
fn ask_to_sign(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    details: &Details,
    changed: bool,
) -> Result<usize, ApiError> {
    let mut sent = 0;
    // A version after one withdrawn for correction says why, whichever way it was sent.
    let why = match details.agreement.version {
        1 => None,
        v => models::withdrawals(tx, &details.agreement.id)?
            .into_iter()
            .find(|(withdrawn, _)| *withdrawn == v - 1)
            .map(|(_, reason)| reason),
    };
    for (signature, person) in &details.signatures {
        if !awaits_now(&state.settings, details, signature) {
            continue;
        }
        let key = to_sign_key(&details.agreement, &signature.party);
        let asked = if changed || why.is_some() {
            ToSignAgain::Changed(why.as_deref())
        } else {
            ToSignAgain::First
        };
        if one_to_sign(tx, state, details, person, asked, key)? {
            sent += 1;
        }
    }
    Ok(sent)
}

/// Why a signatory is asked to sign.
#[derive(Clone, Copy)]
enum ToSignAgain<'a> {
    First,
    Reminder,
    /// A new version replaces one withdrawn for correction (with why, when given).
    Changed(Option<&'a str>),
}

/// The e-mail asking `person` to sign one agreement; false if `key` was already queued.
fn one_to_sign(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    details: &Details,
    person: &Person,
    asked: ToSignAgain<'_>,
    key: String,
) -> Result<bool, ApiError> {
    let facts = AgreementMail::of(details);
    let values = ToSign {
        name: &person.name,
        agreement: &facts,
        link: link(state, &details.agreement.id),
        reminder: matches!(asked, ToSignAgain::Reminder),
        changed: matches!(asked, ToSignAgain::Changed(_)),
        withdrawn_reason: match asked {
            ToSignAgain::Changed(why) => why,
            _ => None,
        },
    };
    let mut email = Email::new(&person.email, "agreement_to_sign", values);
    email.locale = Some(document::locale_of(details));
    state.outbox.enqueue(tx, email.dedupe(key))
}

/// One line of an e-mail listing several agreements: what it is, with whom, its link.
#[derive(Serialize)]
struct ToSignLine {
    title: &'static str,
    reference: String,
    subject: String,
    company: String,
    /// The student or the research tutor: with the company, the other parties' names.
    party: Option<String>,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    link: String,
}

#[derive(Serialize)]
struct ToSignList<'a> {
    name: &'a str,
    count: usize,
    agreements: &'a [ToSignLine],
    /// The page that takes the reader through them one after the other.
    to_sign_link: String,
    reminder: bool,
}

/// The page listing what awaits the reader's signature.
pub fn to_sign_link(state: &AppState) -> String {
    format!(
        "{}/app/agreements/to-sign",
        state.settings.server.public_url.trim_end_matches('/')
    )
}

/// One e-mail to `person` listing every agreement awaiting their signature in `list`.
fn list_to_sign(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    person: &Person,
    list: &[&Details],
    reminder: bool,
    key: String,
) -> Result<bool, ApiError> {
    let lines: Vec<ToSignLine> = list
        .iter()
        .map(|d| ToSignLine {
            title: document::title(d),
            reference: document::reference(&d.agreement.id),
            subject: d.agreement.subject.clone(),
            company: d.company.name.clone(),
            party: d
                .student
                .as_ref()
                .or(d.tutor.as_ref())
                .map(|p| p.name.clone()),
            starts_on: d.agreement.starts_on,
            ends_on: d.agreement.ends_on,
            link: link(state, &d.agreement.id),
        })
        .collect();
    let values = ToSignList {
        name: &person.name,
        count: lines.len(),
        agreements: &lines,
        to_sign_link: to_sign_link(state),
        reminder,
    };
    let email = Email::new(&person.email, "agreements_to_sign", values).dedupe(key);
    state.outbox.enqueue(tx, email)
}

/// Asks every signatory of these agreements, just sent together, once: the e-mail of the one
/// agreement awaiting them, or one e-mail listing them all. Sending a campaign's 240 drafts
/// would otherwise e-mail the school's signatory 240 times and each company once per student.
fn ask_each_once(tx: &mut WriteTx<'_>, state: &AppState, sent: &[Details]) -> Result<(), ApiError> {
    // Signatories in the order they first appear, each with (agreement, party) to sign.
    let mut waiting: Vec<(&Person, Vec<(&Details, &str)>)> = Vec::new();
    for d in sent {
        for (signature, person) in &d.signatures {
            if !awaits_now(&state.settings, d, signature) {
                continue;
            }
            let at = match waiting.iter().position(|(p, _)| p.id == person.id) {
                Some(at) => at,
                None => {
                    waiting.push((person, Vec::new()));
                    waiting.len() - 1
                }
            };
            let theirs = &mut waiting[at].1;
            // Someone who signs twice for one agreement reads it once in the list.
            if !theirs.iter().any(|(t, _)| t.agreement.id == d.agreement.id) {
                theirs.push((d, signature.party.as_str()));
            }
        }
    }
    for (person, theirs) in waiting {
        if let [(d, party)] = theirs.as_slice() {
            let key = to_sign_key(&d.agreement, party);
            one_to_sign(tx, state, d, person, ToSignAgain::First, key)?;
            continue;
        }
        let versions: String = theirs
            .iter()
            .map(|(d, _)| format!("{}:{};", d.agreement.id, d.agreement.version))
            .collect();
        let key = format!(
            "agreements_to_sign:{}:{}",
            person.id,
            &sha256(versions.as_bytes())[..16]
        );
        let list: Vec<&Details> = theirs.iter().map(|(d, _)| *d).collect();
        list_to_sign(tx, state, person, &list, false, key)?;
    }
    Ok(())
}

/// The agreements awaiting `user_id`'s signature now (theirs, and those of whoever delegated
/// their signature to them), the soonest start first.
pub fn to_sign(
    conn: &mut DbConnection,
    settings: &Settings,
    user_id: &str,
) -> Result<Vec<Details>, ApiError> {
    let signer = signer_of(conn, settings, user_id)?;
    let rows = models::awaiting(conn, &signer.as_signer())?;
    Ok(models::details(conn, rows)?)
}

/// The ids of [`to_sign`], without reading whole agreements.
pub fn to_sign_ids(
    conn: &mut DbConnection,
    settings: &Settings,
    user_id: &str,
) -> Result<Vec<String>, ApiError> {
    let signer = signer_of(conn, settings, user_id)?;
    Ok(models::awaiting_ids(conn, &signer.as_signer())?)
}

/// Who `user_id` signs for today, and the stages they sign in.
pub struct SignerOf {
    user_ids: Vec<String>,
    signers: Signers,
}

impl SignerOf {
    pub fn as_signer(&self) -> models::Signer<'_> {
        models::Signer {
            user_ids: &self.user_ids,
            signers: &self.signers,
        }
    }
}

pub fn signer_of(
    conn: &mut DbConnection,
    settings: &Settings,
    user_id: &str,
) -> Result<SignerOf, ApiError> {
    Ok(SignerOf {
        user_ids: super::delegations::signing_for(conn, user_id)?,
        signers: signers(settings),
    })
}

fn schedule_reminders(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    a: &Agreement,
) -> Result<(), ApiError> {
    let today = crate::clock::today();
    if let Some(day) =
        domain::next_reminder(today, state.settings.agreements.reminder_days, a.starts_on)
    {
        jobs::schedule(tx, REMINDER_JOB, &a.id, morning_of(day))?;
    }
    let warn_on = domain::working_days_before(a.starts_on, domain::WARNING_WORKING_DAYS);
    if warn_on >= today {
        jobs::schedule(
            tx,
            WARNING_JOB,
            &a.starts_on.to_string(),
            morning_of(warn_on),
        )?;
    }
    Ok(())
}

/// Sends one agreement (staff): the office's validation step is given by `by` sending it.
pub fn send(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    by: &str,
    id: &str,
) -> Result<Details, ApiError> {
    let agreement = models::lock(tx, id).map_err(|_| Refusal::NotFound)?;
    let details = one(tx, agreement)?;
    if details.agreement.kind == Kind::Internship.as_str()
        && details.agreement.status == Status::Draft.as_str()
    {
        super::internship::flows::check_sendable(tx, &state.settings, &details)?;
    }
    let school = school_signatory(tx, &state.settings)?;
    let edited = templates::Edited::load(tx)?;
    let prepared = prepare(&details, &state.settings, school.as_ref(), &edited)?;
    super::validating::record_sent(tx, &state.settings, &details, by)?;
    commit_send(tx, state, prepared, false)
}

/// What sending a campaign's drafts came to.
#[derive(Debug, Default)]
pub struct CampaignSend {
    pub sent: Vec<String>,
    /// Drafts not sent, with why (a company without its contact, say).
    pub skipped: Vec<(String, ApiError)>,
}

/// Sends every `draft` of a campaign: the PDFs are rendered first, outside any transaction
/// and on every core; then one transaction writes them all with their e-mails.
pub fn send_campaign(
    state: &AppState,
    by: &str,
    campaign_id: &str,
) -> Result<CampaignSend, ApiError> {
    let mut conn = state.pool.get()?;
    let filter = Filter {
        campaign_id: Some(campaign_id.to_owned()),
        status: Some(Status::Draft.as_str().to_owned()),
        ..Filter::default()
    };
    let rows = models::list(&mut conn, &filter, &PageRequest::EVERY)?;
    let drafts = models::details(&mut conn, rows)?;
    send_drafts(state, by, &mut conn, drafts, None)
}

/// Sends every internship draft that is ready (the supervisor's part given, the academic
/// tutor named, no limit passed); the others are listed with why.
pub fn send_ready_internships(state: &AppState, by: &str) -> Result<CampaignSend, ApiError> {
    let mut conn = state.pool.get()?;
    let filter = Filter {
        kind: Some(Kind::Internship.as_str().to_owned()),
        status: Some(Status::Draft.as_str().to_owned()),
        ..Filter::default()
    };
    let rows = models::list(&mut conn, &filter, &PageRequest::EVERY)?;
    let drafts = models::details(&mut conn, rows)?;
    // Each draft's readiness is judged in the rendering threads, on their own connections:
    // its queries wait on the database while the other thread renders.
    let check: Check = super::internship::flows::check_sendable;
    send_drafts(state, by, &mut conn, drafts, Some(check))
}

/// A readiness check run on each draft before it is rendered (its own connection).
type Check = fn(&mut DbConnection, &Settings, &Details) -> Result<(), ApiError>;

/// Renders the drafts on every core, then writes them in one transaction: each frozen in its
/// savepoint (one that changed meanwhile is skipped with why), one e-mail per signatory.
fn send_drafts(
    state: &AppState,
    by: &str,
    conn: &mut DbConnection,
    drafts: Vec<Details>,
    check: Option<Check>,
) -> Result<CampaignSend, ApiError> {
    let mut outcome = CampaignSend::default();
    let school = school_signatory(conn, &state.settings)?;
    let edited = &templates::Edited::load(conn)?;
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = drafts.len().div_ceil(threads).max(1);
    let prepared: Vec<(String, Result<Prepared, ApiError>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = drafts
            .chunks(chunk)
            .map(|part| {
                let school = school.as_ref();
                scope.spawn(move || {
                    let mut own = check.map(|_| state.pool.get());
                    part.iter()
                        .map(|d| {
                            let ready = match (check, own.as_mut()) {
                                (Some(check), Some(Ok(c))) => check(c, &state.settings, d),
                                (Some(_), Some(Err(e))) => {
                                    Err(ApiError::unavailable(e.to_string()))
                                }
                                _ => Ok(()),
                            };
                            let prepared =
                                ready.and_then(|()| prepare(d, &state.settings, school, edited));
                            (d.agreement.id.clone(), prepared)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    db::write_transaction(conn, |tx| {
        let mut frozen = Vec::new();
        let by_id: std::collections::HashMap<&str, &Details> = drafts
            .iter()
            .map(|d| (d.agreement.id.as_str(), d))
            .collect();
        for (id, ready) in prepared {
            let written = ready.and_then(|p| {
                tx.savepoint(|tx| {
                    if let Some(details) = by_id.get(id.as_str()) {
                        super::validating::record_sent(tx, &state.settings, details, by)?;
                    }
                    freeze_scheduled(tx, state, p, false)
                })
            });
            match written {
                Ok(agreement) => {
                    outcome.sent.push(id);
                    frozen.push(agreement);
                }
                Err(error) => outcome.skipped.push((id, error)),
            }
        }
        // Their signatories and people read once for all of them.
        let sent = models::details(tx, frozen)?;
        // The e-mails in the same transaction as the agreements they announce: one per person.
        ask_each_once(tx, state, &sent)?;
        Ok(outcome)
    })
}

/// A signature as the request gives it.
#[derive(Debug, Clone, Default)]
pub struct SignRequest {
    pub consent: bool,
    /// The version the signatory read; an older one is refused (409 `agreement_changed`).
    pub version: Option<i32>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// When the signature is given; [`ready_to_sign`] sets it.
    pub at: Option<NaiveDateTime>,
    /// The final PDF, when this signature completes the agreement ([`ready_to_sign`]).
    pub prepared: Option<FinalPdf>,
}

/// The final PDF rendered before the signing transaction, and the state it was rendered from:
/// used only if the transaction finds the agreement as it was. Rendering takes tens of
/// milliseconds of CPU; inside the transaction it would hold SQLite's one write turn (every
/// other request's writes and the outbox's would wait behind it).
#[derive(Debug, Clone)]
pub struct FinalPdf {
    before: Fingerprint,
    pdf: Vec<u8>,
}

/// What the final PDF depends on that another request could change meanwhile: the version,
/// its last change, and who signed when; and the parties this signature is for.
type Fingerprint = (
    i32,
    NaiveDateTime,
    Vec<(String, String, Option<NaiveDateTime>)>,
    Vec<String>,
);

fn fingerprint(details: &Details, mine: &[&Signature]) -> Fingerprint {
    (
        details.agreement.version,
        details.agreement.updated_at,
        details
            .signatures
            .iter()
            .map(|(s, _)| (s.party.clone(), s.user_id.clone(), s.signed_at))
            .collect(),
        mine.iter().map(|s| s.party.clone()).collect(),
    )
}

/// Readies `request` to sign agreement `id`: fixes its instant and, when it is the signature
/// that completes the agreement, renders the final PDF now, outside any transaction. Anything
/// unexpected leaves the request as it was: [`sign`] then judges it (and renders) itself.
pub async fn ready_to_sign(
    state: &std::sync::Arc<AppState>,
    user: &CurrentUser,
    id: &str,
    mut request: SignRequest,
) -> SignRequest {
    let at = db::now();
    request.at = Some(at);
    let (state2, user, id, ready) = (
        std::sync::Arc::clone(state),
        user.clone(),
        id.to_owned(),
        request.clone(),
    );
    let prepared = state
        .db(move |conn| prepare_final(conn, &state2, &user, &id, &ready, at))
        .await;
    request.prepared = prepared.ok().flatten();
    request
}

fn prepare_final(
    conn: &mut DbConnection,
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    request: &SignRequest,
    at: NaiveDateTime,
) -> Result<Option<FinalPdf>, ApiError> {
    let agreement = models::find(conn, id)?;
    let details = one(conn, agreement)?;
    if !request.consent
        || Status::parse(&details.agreement.status) != Some(Status::Sent)
        || request
            .version
            .is_some_and(|v| v != details.agreement.version)
        || details.signed_copy.is_some()
        || models::final_document(conn, id)?.is_some()
    {
        return Ok(None);
    }
    let user_ids = super::delegations::signing_for(conn, &user.id)?;
    let mine = signable(&state.settings, &details, &user_ids);
    let completes = !mine.is_empty()
        && details
            .signatures
            .iter()
            .all(|(s, _)| s.signed_at.is_some() || mine.iter().any(|m| m.party == s.party));
    if !completes {
        return Ok(None);
    }
    let before = fingerprint(&details, &mine);
    let sha = models::document_sha(conn, id, details.agreement.version)?.unwrap_or_default();
    let mine: Vec<String> = mine.iter().map(|s| s.party.clone()).collect();
    let mut signed = details.clone();
    for (s, _) in &mut signed.signatures {
        if mine.contains(&s.party) {
            s.signed_at = Some(at);
            s.ip.clone_from(&request.ip);
            s.user_agent.clone_from(&request.user_agent);
            s.document_sha256 = Some(sha.clone());
            s.signed_by = (s.user_id != user.id).then(|| user.id.clone());
        }
    }
    signed.agreement.status = Status::Signed.as_str().to_owned();
    signed.agreement.signed_at = Some(at);
    signed.agreement.updated_at = at;
    let pdf = final_pdf(conn, state, &signed)?;
    Ok(Some(FinalPdf { before, pdf }))
}

#[derive(Serialize)]
struct SignedMail<'a> {
    name: &'a str,
    agreement: &'a AgreementMail,
    link: String,
}

/// Records `user`'s signature of the current version (theirs, or the one of someone who
/// delegated their signature to them today). Signing again is a no-op; a party whose stage has
/// not come is refused (409 `not_your_turn`); once a stage has signed the next is asked; the
/// last signature makes the agreement `signed` and sends everyone the final PDF.
pub fn sign(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    user: &CurrentUser,
    id: &str,
    request: SignRequest,
) -> Result<Details, ApiError> {
    let agreement = models::lock(tx, id).map_err(|_| Refusal::NotFound)?;
    let details = one(tx, agreement)?;
    let user_ids = super::delegations::signing_for(tx, &user.id)?;
    let theirs: Vec<&Signature> = details
        .signatures
        .iter()
        .filter(|(s, _)| user_ids.contains(&s.user_id))
        .map(|(s, _)| s)
        .collect();
    let signed_before = models::all_signatures(tx, id)?
        .iter()
        .any(|s| s.user_id == user.id);
    if theirs.is_empty() {
        // Not a signatory of this version: someone who signed an older one learns it changed,
        // anyone else learns nothing.
        let status = Status::parse(&details.agreement.status).unwrap_or(Status::Cancelled);
        if signed_before && status == Status::Sent {
            return Err(Refusal::VersionReplaced {
                signed: request.version.unwrap_or(details.agreement.version - 1),
                current: details.agreement.version,
            }
            .into());
        }
        if is_party(&details, user) && !user.is(Role::Staff) {
            Action::Sign.apply(status)?;
        }
        return Err(Refusal::NotFound.into());
    }
    if !request.consent {
        return Err(Refusal::ConsentRequired.into());
    }
    if let Some(version) = request.version {
        if version != details.agreement.version {
            return Err(Refusal::VersionReplaced {
                signed: version,
                current: details.agreement.version,
            }
            .into());
        }
    }
    let status = Status::parse(&details.agreement.status).unwrap_or(Status::Cancelled);
    if status == Status::Signed {
        return Ok(details);
    }
    Action::Sign.apply(status)?;
    let mine = signable(&state.settings, &details, &user_ids);
    let prepared = request
        .prepared
        .filter(|p| p.before == fingerprint(&details, &mine))
        .map(|p| p.pdf);
    let at = request.at.unwrap_or_else(db::now);
    if mine.is_empty() {
        if theirs.iter().all(|s| s.signed_at.is_some()) {
            return Ok(details);
        }
        return Err(ApiError::conflict(
            "not_your_turn",
            "The other parties sign first: you will be asked once they have.",
        ));
    }
    let on_turn_before: Vec<String> = details
        .signatures
        .iter()
        .filter(|(s, _)| awaits_now(&state.settings, &details, s))
        .map(|(s, _)| s.party.clone())
        .collect();
    let mut signed_now = 0;
    let sha = models::document_sha(tx, id, details.agreement.version)?.unwrap_or_default();
    for s in mine {
        // A delegate's signature names them; the signatory's own does not repeat it.
        let by = (s.user_id != user.id).then_some(user.id.as_str());
        signed_now += models::sign(
            tx,
            id,
            details.agreement.version,
            &s.party,
            &models::Stamp {
                at,
                ip: request.ip.as_deref(),
                user_agent: request.user_agent.as_deref(),
                sha256: &sha,
                by,
            },
        )?;
    }
    let mut details = one(tx, details.agreement)?;
    if signed_now > 0
        && details
            .signatures
            .iter()
            .all(|(s, _)| s.signed_at.is_some())
    {
        details.agreement.status = Status::Signed.as_str().to_owned();
        details.agreement.signed_at = Some(at);
        details.agreement.updated_at = at;
        models::update(tx, &details.agreement)?;
        send_final(tx, state, &details, prepared)?;
        if details.agreement.kind == Kind::Internship.as_str() {
            super::internship::flows::schedule_last_day(tx, &details.agreement)?;
        }
        return Ok(details);
    }
    // A stage complete: the next one is asked now.
    for (signature, person) in &details.signatures {
        if awaits_now(&state.settings, &details, signature)
            && !on_turn_before.contains(&signature.party)
        {
            let key = to_sign_key(&details.agreement, &signature.party);
            one_to_sign(tx, state, &details, person, ToSignAgain::First, key)?;
        }
    }
    Ok(details)
}

/// Everyone gets the signed agreement: the frozen text and its signature page (rendered
/// before the transaction when [`ready_to_sign`] could).
fn send_final(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    details: &Details,
    prepared: Option<Vec<u8>>,
) -> Result<(), ApiError> {
    let pdf = match prepared {
        Some(pdf) => pdf,
        None => final_pdf(tx, state, details)?,
    };
    let facts = AgreementMail::of(details);
    let file = format!(
        "convention-{}.pdf",
        document::reference(&details.agreement.id).to_lowercase()
    );
    for (signature, person) in &details.signatures {
        let values = SignedMail {
            name: &person.name,
            agreement: &facts,
            link: link(state, &details.agreement.id),
        };
        let mut email = Email::new(&person.email, "agreement_signed", values)
            .attach(Attachment::binary(file.clone(), "application/pdf", &pdf))
            .dedupe(format!(
                "agreement_signed:{}:{}:{}",
                details.agreement.id, details.agreement.version, signature.party
            ));
        email.locale = Some(document::locale_of(details));
        state.outbox.enqueue(tx, email)?;
    }
    Ok(())
}

/// Before an amendment changes a signed agreement's record, its signed PDF is kept as bytes:
/// the document the parties signed stays the one they signed (once; later amendments find it).
pub fn keep_signed_document(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    details: &Details,
) -> Result<(), ApiError> {
    if details.signed_copy.is_some() || models::final_document(tx, &details.agreement.id)?.is_some()
    {
        return Ok(());
    }
    let pdf = final_pdf(tx, state, details)?;
    models::insert_final_document(tx, &details.agreement.id, &pdf)?;
    Ok(())
}

/// The signed document: its text as frozen (same content, same version) and the signature page;
/// once amended, the bytes kept when the first amendment applied.
fn final_pdf(
    conn: &mut DbConnection,
    state: &AppState,
    details: &Details,
) -> Result<Vec<u8>, ApiError> {
    let a = &details.agreement;
    if let Some(kept) = models::final_document(conn, &a.id)? {
        return Ok(kept);
    }
    let clauses = match models::document_clauses(conn, &a.id, a.version)? {
        Some(frozen) => frozen,
        None => templates::source_for(&templates::Edited::load(conn)?, &state.settings, details)?,
    };
    let school = details
        .signatures
        .iter()
        .find(|(s, _)| s.party == Party::School.as_str())
        .map(|(_, p)| p.clone());
    let delegates: Vec<String> = details
        .signatures
        .iter()
        .filter_map(|(s, _)| s.signed_by.clone())
        .collect();
    let delegates = models::people(conn, &delegates)?;
    let rows: Vec<Signed<'_>> = details
        .signatures
        .iter()
        .map(|(s, person)| Signed {
            party: Party::parse(&s.party).unwrap_or(Party::School),
            person,
            signed_at: s.signed_at,
            ip: s.ip.as_deref(),
            user_agent: s.user_agent.as_deref(),
            sha256: s.document_sha256.as_deref(),
            delegate: s
                .signed_by
                .as_ref()
                .and_then(|id| delegates.get(id))
                .map(|p| p.name.as_str()),
        })
        .collect();
    document::render(
        details,
        &context(&state.settings, school.as_ref(), &clauses),
        Some(&rows),
    )
    .map_err(pdf_error)
}

/// The PDF to show now: a draft as it would be sent, a sent version as frozen, a signed one
/// with its signature page. Its file name too.
pub fn pdf(
    conn: &mut DbConnection,
    state: &AppState,
    details: &Details,
) -> Result<(String, Vec<u8>), ApiError> {
    let a = &details.agreement;
    let name = format!(
        "convention-{}-v{}.pdf",
        document::reference(&a.id).to_lowercase(),
        a.version
    );
    let status = Status::parse(&a.status).unwrap_or(Status::Draft);
    let bytes = match status {
        // Signed outside fieldlab: the scan staff attested is the document.
        Status::Signed if details.signed_copy.is_some() => {
            models::document(conn, &a.id, a.version)?.ok_or_else(ApiError::not_found)?
        }
        Status::Signed => final_pdf(conn, state, details)?,
        Status::Sent => {
            models::document(conn, &a.id, a.version)?.ok_or_else(ApiError::not_found)?
        }
        Status::Draft | Status::Cancelled => match models::document(conn, &a.id, a.version)? {
            Some(frozen) => frozen,
            None => {
                let school = school_signatory(conn, &state.settings)?;
                let clauses = templates::source_for(
                    &templates::Edited::load(conn)?,
                    &state.settings,
                    details,
                )?;
                document::render(
                    details,
                    &context(&state.settings, school.as_ref(), &clauses),
                    None,
                )
                .map_err(pdf_error)?
            }
        },
    };
    Ok((name, bytes))
}

/// Cancels a draft or sent agreement (staff), with an optional reason.
pub fn cancel(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    id: &str,
    reason: Option<String>,
) -> Result<Details, ApiError> {
    let details = mark_cancelled(tx, id, reason)?;
    tell_cancelled(tx, state, &details)?;
    Ok(details)
}

/// The cancellation itself, telling no one (the demo's seeded agreements).
pub fn mark_cancelled(
    tx: &mut WriteTx<'_>,
    id: &str,
    reason: Option<String>,
) -> Result<Details, ApiError> {
    let mut agreement = models::lock(tx, id).map_err(|_| Refusal::NotFound)?;
    let status = Status::parse(&agreement.status).unwrap_or(Status::Cancelled);
    Action::Cancel.apply(status)?;
    let at = db::now();
    agreement.status = Status::Cancelled.as_str().to_owned();
    agreement.cancelled_at = Some(at);
    agreement.cancel_reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    agreement.updated_at = at;
    models::update(tx, &agreement)?;
    one(tx, agreement)
}

#[derive(Serialize)]
struct CancelledMail<'a> {
    name: &'a str,
    agreement: &'a AgreementMail,
    reason: &'a str,
    link: String,
}

/// Everyone the agreement names (its signatories once sent; the student, the company's
/// contact and the tutor of a draft) is told it is cancelled, with the reason.
fn tell_cancelled(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    details: &Details,
) -> Result<(), ApiError> {
    let mut people: Vec<&Person> = details.signatures.iter().map(|(_, p)| p).collect();
    people.extend(details.student.iter());
    people.extend(details.company.contact.iter());
    people.extend(details.tutor.iter());
    people.sort_by(|a, b| a.id.cmp(&b.id));
    people.dedup_by(|a, b| a.id == b.id);
    let facts = AgreementMail::of(details);
    let reason = details
        .agreement
        .cancel_reason
        .as_deref()
        .unwrap_or_default();
    for person in people {
        let values = CancelledMail {
            name: &person.name,
            agreement: &facts,
            reason,
            link: link(state, &details.agreement.id),
        };
        let mut email = Email::new(&person.email, "agreement_cancelled", values).dedupe(format!(
            "agreement_cancelled:{}:{}",
            details.agreement.id, person.id
        ));
        email.locale = Some(document::locale_of(details));
        state.outbox.enqueue(tx, email)?;
    }
    Ok(())
}

/// Signed outside fieldlab (on paper, in another tool): staff upload the signed scan and
/// attest it with a note (who signed, where the originals are). A sent agreement's signatures
/// of the current version are voided and the scan becomes a new version's document; the
/// agreement is `signed`. Refused: not a PDF, an empty note, a signed or cancelled agreement.
pub fn record_signed_copy(
    tx: &mut WriteTx<'_>,
    by: &str,
    id: &str,
    pdf: &[u8],
    note: &str,
) -> Result<Details, ApiError> {
    let mut agreement = models::lock(tx, id).map_err(|_| Refusal::NotFound)?;
    let status = Status::parse(&agreement.status).unwrap_or(Status::Cancelled);
    Action::Change.apply(status)?;
    let mut errors = Vec::new();
    if !pdf.starts_with(b"%PDF-") {
        errors.push(
            FieldError::new("file", "must be the signed agreement as a PDF").with_code("not_a_pdf"),
        );
    }
    let note = note.trim();
    if note.is_empty() || note.chars().count() > 2_000 {
        errors.push(FieldError::new(
            "note",
            "is required (1 to 2000 characters): who signed, where the originals are",
        ));
    }
    if !errors.is_empty() {
        return Err(Refusal::Invalid(errors).into());
    }
    if status == Status::Sent {
        models::void_version(tx, &agreement.id, agreement.version)?;
        agreement.version += 1;
    }
    let at = db::now();
    models::insert_document(tx, &agreement.id, agreement.version, &sha256(pdf), pdf, "")?;
    models::insert_signed_copy(
        tx,
        &models::SignedCopy {
            agreement_id: agreement.id.clone(),
            version: agreement.version,
            attested_by: by.to_owned(),
            attested_at: at,
            note: note.to_owned(),
        },
    )?;
    agreement.status = Status::Signed.as_str().to_owned();
    agreement.signed_at = Some(at);
    agreement.updated_at = at;
    models::update(tx, &agreement)?;
    if agreement.kind == Kind::Internship.as_str() {
        super::internship::flows::schedule_last_day(tx, &agreement)?;
    }
    one(tx, agreement)
}

#[derive(Serialize)]
struct WithdrawnMail<'a> {
    name: &'a str,
    agreement: &'a AgreementMail,
    reason: &'a str,
    link: String,
}

/// Staff take a sent agreement back to correct it: the reason is required and e-mailed to
/// every signatory; its signatures are void and it is a draft again, whose next sending is a
/// new version (its e-mails say why the previous one was withdrawn).
pub fn withdraw(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    id: &str,
    reason: Option<&str>,
) -> Result<Details, ApiError> {
    let Some(reason) = crate::text::not_blank(reason).filter(|r| r.chars().count() <= 2_000) else {
        return Err(ApiError::validation(vec![FieldError::new(
            "reason",
            "is required (1 to 2000 characters): tell the signatories what is corrected",
        )
        .with_code("reason_required")]));
    };
    let mut agreement = models::lock(tx, id).map_err(|_| Refusal::NotFound)?;
    let status = Status::parse(&agreement.status).unwrap_or(Status::Cancelled);
    let draft = Action::Withdraw.apply(status)?;
    let before = one(tx, agreement.clone())?;
    models::set_withdrawn_reason(tx, id, agreement.version, reason)?;
    models::void_version(tx, id, agreement.version)?;
    agreement.version += 1;
    agreement.status = draft.as_str().to_owned();
    agreement.updated_at = db::now();
    models::update(tx, &agreement)?;
    let facts = AgreementMail::of(&before);
    for (signature, person) in &before.signatures {
        let values = WithdrawnMail {
            name: &person.name,
            agreement: &facts,
            reason,
            link: link(state, id),
        };
        let mut email = Email::new(&person.email, "agreement_withdrawn", values).dedupe(format!(
            "agreement_withdrawn:{id}:{}:{}",
            before.agreement.version, signature.party
        ));
        email.locale = Some(document::locale_of(&before));
        state.outbox.enqueue(tx, email)?;
    }
    one(tx, agreement)
}

/// Staff's change of an agreement's content; `None` keeps a value.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub subject: Option<String>,
    pub description: Option<String>,
    pub place: Option<String>,
    pub supervisor: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub locale: Option<String>,
    /// Why a sent agreement changes: told to the signatories with the new version.
    pub reason: Option<String>,
}

/// Changes a draft, or a sent agreement: its signatures are voided and a new version is frozen
/// and sent to every party to sign again.
pub fn change(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    id: &str,
    change: Change,
) -> Result<Details, ApiError> {
    let mut agreement = models::lock(tx, id).map_err(|_| Refusal::NotFound)?;
    let status = Status::parse(&agreement.status).unwrap_or(Status::Cancelled);
    Action::Change.apply(status)?;
    let mut errors = Vec::new();
    let locale = match &change.locale {
        Some(l) => check_locale(Some(l), &mut errors),
        None => Locale::parse(&agreement.locale),
    };
    let terms = Terms::check(
        change.subject.as_deref().unwrap_or(&agreement.subject),
        change
            .description
            .as_deref()
            .unwrap_or(&agreement.description),
        Some(change.place.as_deref().unwrap_or(&agreement.place)),
        change
            .supervisor
            .as_deref()
            .or(agreement.supervisor.as_deref()),
        Some(change.starts_on.unwrap_or(agreement.starts_on)),
        Some(change.ends_on.unwrap_or(agreement.ends_on)),
        &mut errors,
    );
    document::check_printable(
        &[
            ("subject", change.subject.as_deref()),
            ("description", change.description.as_deref()),
            ("place", change.place.as_deref()),
            ("supervisor", change.supervisor.as_deref()),
        ],
        &mut errors,
    );
    let (Some(terms), Some(locale), true) = (terms, locale, errors.is_empty()) else {
        return Err(Refusal::Invalid(errors).into());
    };
    agreement.subject = terms.subject;
    agreement.description = terms.description;
    agreement.place = terms.place.unwrap_or(agreement.place);
    agreement.supervisor = terms.supervisor;
    agreement.starts_on = terms.starts_on;
    agreement.ends_on = terms.ends_on;
    agreement.locale = locale.as_str().to_owned();
    agreement.updated_at = db::now();
    if agreement.kind == Kind::Internship.as_str() {
        super::internship::flows::rejudge(tx, &state.settings, &agreement)?;
    }
    if status == Status::Sent {
        if let Some(reason) = crate::text::not_blank(change.reason.as_deref()) {
            models::set_withdrawn_reason(tx, id, agreement.version, reason)?;
        }
        return reissue(tx, state, agreement);
    }
    models::update(tx, &agreement)?;
    one(tx, agreement)
}

/// A sent agreement whose content changed (already set on `agreement`, not yet written): its
/// signatures are voided and a new version is frozen and sent to every party to sign again.
pub fn reissue(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    mut agreement: Agreement,
) -> Result<Details, ApiError> {
    agreement.updated_at = db::now();
    models::void_version(tx, &agreement.id, agreement.version)?;
    agreement.version += 1;
    models::update(tx, &agreement)?;
    let details = one(tx, agreement)?;
    if details.agreement.kind == Kind::Internship.as_str() {
        super::internship::flows::check_sendable(tx, &state.settings, &details)?;
    }
    let school = school_signatory(tx, &state.settings)?;
    let signatories = signatories(&details, school.as_ref(), &state.settings)?;
    let clauses = templates::source_for(&templates::Edited::load(tx)?, &state.settings, &details)?;
    let pdf = document::render(
        &details,
        &context(&state.settings, school.as_ref(), &clauses),
        None,
    )
    .map_err(pdf_error)?;
    let prepared = Prepared {
        clauses,
        agreement_id: details.agreement.id.clone(),
        version: details.agreement.version,
        updated_at: details.agreement.updated_at,
        sha256: sha256(&pdf),
        pdf,
        signatories,
    };
    commit_send(tx, state, prepared, true)
}

/// The scheduled reminder: the signatories who have not signed are asked again, and the next
/// reminder is scheduled; nothing once the agreement is signed, cancelled or has started.
/// A signatory with several agreements waiting gets one reminder listing them all, once a day:
/// the first of their agreements' reminders to run writes it, the others find it queued (the
/// same dedupe key), so a campaign sent together is reminded in one e-mail per person.
pub fn remind(tx: &mut WriteTx<'_>, state: &AppState, job: &Job) -> Result<(), ApiError> {
    let Ok(agreement) = models::lock(tx, &job.subject_id) else {
        return Ok(());
    };
    let today = crate::clock::today();
    if agreement.status != Status::Sent.as_str() || today >= agreement.starts_on {
        return Ok(());
    }
    let details = one(tx, agreement)?;
    for (signature, person) in &details.signatures {
        if !awaits_now(&state.settings, &details, signature) {
            continue;
        }
        let key = format!("agreement_reminder:{}:{today}", person.id);
        if mail_models::queued(tx, &key)? {
            continue;
        }
        let waiting: Vec<Agreement> = models::awaiting(
            tx,
            &models::Signer {
                user_ids: std::slice::from_ref(&person.id),
                signers: &signers(&state.settings),
            },
        )?
        .into_iter()
        .filter(|a| today < a.starts_on)
        .collect();
        if waiting.len() <= 1 {
            one_to_sign(tx, state, &details, person, ToSignAgain::Reminder, key)?;
        } else {
            let all = models::details(tx, waiting)?;
            let list: Vec<&Details> = all.iter().collect();
            list_to_sign(tx, state, person, &list, true, key)?;
        }
    }
    let a = &details.agreement;
    if let Some(day) =
        domain::next_reminder(today, state.settings.agreements.reminder_days, a.starts_on)
    {
        jobs::schedule(tx, REMINDER_JOB, &a.id, morning_of(day))?;
    }
    Ok(())
}

#[derive(Serialize)]
struct UnsignedLine {
    title: &'static str,
    reference: String,
    company: String,
    party: String,
    status: String,
    link: String,
}

#[derive(Serialize)]
struct UnsignedWarning<'a> {
    name: &'a str,
    starts_on: NaiveDate,
    count: usize,
    agreements: &'a [UnsignedLine],
    register_link: String,
}

/// The scheduled warning, five working days before a start date: staff get the list of the
/// agreements starting that day that are still not signed (none: no e-mail).
pub fn warn_unsigned(tx: &mut WriteTx<'_>, state: &AppState, job: &Job) -> Result<(), ApiError> {
    let Ok(day) = job.subject_id.parse::<NaiveDate>() else {
        return Ok(());
    };
    let rows = models::unsigned_starting(tx, day)?;
    let unsigned = models::details(tx, rows)?;
    if unsigned.is_empty() {
        return Ok(());
    }
    let lines: Vec<UnsignedLine> = unsigned
        .iter()
        .map(|d| UnsignedLine {
            title: document::title(d),
            reference: document::reference(&d.agreement.id),
            company: d.company.name.clone(),
            party: d
                .student
                .as_ref()
                .or(d.tutor.as_ref())
                .map(|p| p.name.clone())
                .unwrap_or_default(),
            status: d.agreement.status.clone(),
            link: link(state, &d.agreement.id),
        })
        .collect();
    let register_link = format!(
        "{}/app/staff/agreements?overdue=1",
        state.settings.server.public_url.trim_end_matches('/')
    );
    for person in models::staff(tx)? {
        let values = UnsignedWarning {
            name: &person.name,
            starts_on: day,
            count: lines.len(),
            agreements: &lines,
            register_link: register_link.clone(),
        };
        let email = Email::new(&person.email, "agreements_unsigned", values)
            .dedupe(format!("agreements_unsigned:{day}:{}", person.id));
        state.outbox.enqueue(tx, email)?;
    }
    Ok(())
}

/// The register for the school's administration (the API's `/agreements.csv`): every
/// agreement the filter lets through (not a page), newest first, its historical columns with
/// codes for kinds and statuses, for a French spreadsheet.
pub fn register_csv(
    conn: &mut DbConnection,
    filter: &Filter,
) -> Result<(String, String), ApiError> {
    let register = Register {
        filter: filter.clone(),
        ..Register::default()
    };
    let text = register_sheet(conn, &register, &Column::API, Wording::Codes)?;
    Ok(("conventions.csv".to_owned(), text))
}

/// The register as a CSV (`spreadsheet::french_csv`: `;`, BOM, CRLF, no formula): every
/// agreement `register` lets through in its order, the `columns` in `wording`.
pub fn register_sheet(
    conn: &mut DbConnection,
    register: &Register,
    columns: &[Column],
    wording: Wording,
) -> Result<String, ApiError> {
    let rows = models::register_rows(conn, register, None)?;
    let all = models::details(conn, rows)?;
    let rows = all.iter().map(|d| {
        columns
            .iter()
            .map(|c| register_cell(d, *c, wording))
            .collect()
    });
    let header: Vec<&str> = columns.iter().map(|c| c.header(wording)).collect();
    crate::spreadsheet::french_csv(&header, rows)
}

/// One cell of the register's CSV.
fn register_cell(d: &Details, column: Column, wording: Wording) -> String {
    let a = &d.agreement;
    let when = |at: Option<NaiveDateTime>| {
        at.map(|t| {
            let local = db::utc(t).with_timezone(&DEFAULT_TIMEZONE).naive_local();
            register::time_cell(local, wording)
        })
        .unwrap_or_default()
    };
    let signed = |party: Party| {
        when(
            d.signatures
                .iter()
                .find(|(s, _)| s.party == party.as_str())
                .and_then(|(s, _)| s.signed_at),
        )
    };
    let name = |p: &Option<Person>| p.as_ref().map(|p| p.name.clone()).unwrap_or_default();
    match column {
        Column::Reference => document::reference(&a.id),
        Column::Kind => register::kind_word(&a.kind, wording),
        Column::Status => register::status_word(&a.status, wording),
        Column::Student => name(&d.student),
        Column::StudentNumber => d
            .internship
            .as_ref()
            .map(|i| i.student_number.clone())
            .unwrap_or_default(),
        Column::StudentEmail => d
            .student
            .as_ref()
            .map(|p| p.email.clone())
            .unwrap_or_default(),
        Column::Company => d.company.name.clone(),
        Column::CompanySiret => d.company.host.siret.clone().unwrap_or_default(),
        Column::Subject => a.subject.clone(),
        Column::StartsOn => register::date_cell(a.starts_on, wording),
        Column::EndsOn => register::date_cell(a.ends_on, wording),
        Column::InternshipHours => d
            .internship
            .as_ref()
            .map(|i| register::hours_cell(i.presence_minutes, wording))
            .unwrap_or_default(),
        Column::GratificationPerHour => d
            .internship
            .as_ref()
            .and_then(|i| i.gratification_cents)
            .map(|c| register::euros_cell(c, wording))
            .unwrap_or_default(),
        Column::Tutor => name(&d.tutor),
        Column::SchoolSignedAt => signed(Party::School),
        Column::CompanySignedAt => signed(Party::Company),
        Column::StudentSignedAt => signed(Party::Student),
        Column::TutorSignedAt => signed(Party::Tutor),
        Column::SentAt => when(a.sent_at),
        Column::SignedAt => when(a.signed_at),
        Column::CancelledAt => when(a.cancelled_at),
        Column::CancelReason => a.cancel_reason.clone().unwrap_or_default(),
        Column::Version => a.version.to_string(),
        Column::Campaign => d.campaign.clone().unwrap_or_default(),
        Column::CompanyContact => d
            .company
            .contact
            .as_ref()
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        Column::Id => a.id.clone(),
    }
}
