//! Agreements in the browser: a party's list, the agreement's page (read the PDF, sign with the
//! consent box), and for staff the register with each campaign's progress, sending and
//! cancelling; the evaluation page at a mission's end. Through `agreements::flows` and
//! `missions::evaluations`, like the API.

use actix_web::{web, HttpRequest, HttpResponse};
use minijinja::{context, Value};

use crate::agreements::domain::Status;
use crate::agreements::flows::{self, SignRequest};
use crate::agreements::models::{Details, Filter};
use crate::agreements::{document, handlers::client_of};
use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::clock::DEFAULT_TIMEZONE;
use crate::db::DbConnection;
use crate::error::{ApiError, FieldError};
use crate::missions::domain as mission_domain;
use crate::missions::evaluations::{self, Mark};
use crate::web::forms::{field, kept, refused_over, show, Fields};
use crate::web::i18n::Lang;
use crate::web::session::{PageError, Visitor};
use crate::web::staff::{posted, staff};

/// `(key, French, English)`: the words of these pages, joined to the catalogue.
pub const TEXTS: &[(&str, &str, &str)] = &[
    ("validation.title", "Validation avant envoi", "Validation before sending"),
    ("agreement_register.company_filter", "Entreprise (nom)", "Company (name)"),
    ("agreement_register.academic_year", "Année universitaire", "Academic year"),
    ("agreement_register.awaiting", "En attente de la signature de", "Waiting for the signature of"),
    ("signed_copy.title", "Signée hors de fieldlab", "Signed outside fieldlab"),
    ("signed_copy.file", "La convention signée (PDF scanné)", "The signed agreement (scanned PDF)"),
    ("signed_copy.note", "Attestation : qui a signé, où sont les originaux", "Attestation: who signed, where the originals are"),
    ("signed_copy.attest", "J’atteste que ce document porte les signatures de toutes les parties.", "I attest that this document bears every party’s signature."),
    ("signed_copy.submit", "Enregistrer comme signée", "Record as signed"),
    ("signed_copy.done", "Signée hors de fieldlab, attestée par {by} le {when} : « {note} »", "Signed outside fieldlab, attested by {by} on {when}: “{note}”"),
    ("flash.signed_copy", "La convention est enregistrée comme signée, avec le document et votre attestation.", "The agreement is recorded as signed, with the document and your attestation."),
    ("error.not_a_pdf", "Ce fichier n’est pas un PDF.", "This file is not a PDF."),
    ("validation.step.pedagogical", "Validation pédagogique (enseignant référent)", "Pedagogical validation (academic tutor)"),
    ("validation.step.administrative", "Validation administrative (service des stages, à l’envoi)", "Administrative validation (the office, on sending)"),
    ("validation.status.approved", "validée", "approved"),
    ("validation.status.pending", "à faire", "to do"),
    ("validation.status.refused", "refusée, à corriger", "refused, to correct"),
    ("validation.history.approved", "{step} : validée par {by}, {when}", "{step}: approved by {by}, {when}"),
    ("validation.history.refused", "{step} : refusée par {by}, {when}", "{step}: refused by {by}, {when}"),
    ("validation.history.resubmitted", "Corrigée et renvoyée par {by}, {when}", "Corrected and resubmitted by {by}, {when}"),
    ("validation.reason", "Motif du refus (obligatoire pour refuser)", "Reason for refusing (required to refuse)"),
    ("validation.approve", "Valider", "Approve"),
    ("validation.refuse", "Refuser", "Refuse"),
    ("validation.resubmit", "Renvoyer pour validation", "Resubmit for validation"),
    ("validation.resubmit_hint", "Corrigez la convention, puis renvoyez-la : le refus et son motif restent dans l’historique.", "Correct the agreement, then resubmit it: the refusal and its reason stay in the history."),
    ("flash.validation_approved", "Étape validée.", "Step approved."),
    ("flash.validation_refused", "Refus enregistré : le demandeur a reçu le motif par e-mail.", "Refusal recorded: the requester got the reason by e-mail."),
    ("flash.resubmitted", "Convention renvoyée pour validation.", "Agreement resubmitted for validation."),
    ("agreement.not_your_turn", "Les autres parties signent d’abord : vous recevrez un e-mail quand ce sera votre tour.", "The other parties sign first: you will get an e-mail when it is your turn."),
    ("error.not_your_turn", "Les autres parties signent d’abord : vous recevrez un e-mail quand ce sera votre tour.", "The other parties sign first: you will get an e-mail when it is your turn."),
    ("error.reason_required", "Indiquez le motif : il est envoyé aux personnes concernées.", "Give the reason: it is sent to the people concerned."),
    ("error.validation_pending", "La convention doit d’abord être validée (voir « Validation avant envoi »).", "The agreement must be validated first (see “Validation before sending”)."),
    ("error.awaiting_correction", "La convention a été refusée : elle attend sa correction et son renvoi.", "The agreement was refused: it waits for its correction and resubmission."),
    ("error.validation_out_of_order", "Cette étape n’est pas la suivante à valider.", "This step is not the next one to decide."),
    ("error.not_refused", "Rien à renvoyer : la convention n’attend pas de correction.", "Nothing to resubmit: the agreement is not waiting for a correction."),
    ("nav.agreements", "Conventions", "Agreements"),
    ("agreements.title", "Mes conventions", "My agreements"),
    ("agreements.none", "Aucune convention pour l’instant.", "No agreement yet."),
    ("agreements.to_sign", "à signer", "to sign"),
    ("agreement.reference", "Référence", "Reference"),
    ("agreement.version", "Version", "Version"),
    ("agreement.status", "État", "Status"),
    ("agreement.company", "Entreprise", "Company"),
    ("agreement.student", "Étudiant ou étudiante", "Student"),
    ("agreement.tutor", "Enseignant-chercheur", "Tutor"),
    ("agreement.dates", "Dates", "Dates"),
    ("agreement.place", "Lieu", "Place"),
    ("agreement.read_pdf", "Lire la convention (PDF)", "Read the agreement (PDF)"),
    ("agreement.fingerprint", "Empreinte SHA-256 du document", "SHA-256 fingerprint of the document"),
    ("agreement.signatures", "Signatures", "Signatures"),
    ("agreement.signed_on", "signé le", "signed on"),
    ("agreement.waiting", "en attente", "waiting"),
    ("agreement.not_sent", "La convention n’a pas encore été envoyée pour signature.", "The agreement has not been sent for signature yet."),
    ("agreement.sign", "Signer", "Sign"),
    ("agreement.consent", "J’ai lu la convention ci-dessus (version {v}) et je la signe électroniquement.", "I have read the agreement above (version {v}) and sign it electronically."),
    ("agreement.you_signed", "Vous avez signé cette convention.", "You have signed this agreement."),
    ("agreement.all_signed", "Toutes les parties ont signé : le document final est envoyé à chacune.", "Every party has signed: the final document is sent to each."),
    ("agreement.cancelled", "Cette convention est annulée.", "This agreement is cancelled."),
    ("agreement.send", "Envoyer pour signature", "Send for signature"),
    ("agreement.cancel", "Annuler la convention", "Cancel the agreement"),
    ("agreement.cancel_reason", "Motif de l’annulation", "Reason for cancelling"),
    ("agreement.party.school", "Établissement", "School"),
    ("agreement.party.company", "Entreprise", "Company"),
    ("agreement.party.student", "Étudiant ou étudiante", "Student"),
    ("agreement.party.tutor", "Enseignant-chercheur", "Tutor"),
    ("agreement.kind.field_mission", "Mission de terrain", "Field mission"),
    ("agreement.kind.internship", "Stage", "Internship"),
    ("agreement.kind.research", "Recherche", "Research"),
    ("agreement.status.draft", "brouillon", "draft"),
    ("agreement.status.sent", "envoyée", "sent"),
    ("agreement.status.signed", "signée", "signed"),
    ("agreement.status.cancelled", "annulée", "cancelled"),
    ("flash.agreement_signed", "Votre signature est enregistrée.", "Your signature is recorded."),
    ("flash.agreement_sent", "La convention est envoyée : chaque partie reçoit un lien pour signer.", "The agreement is sent: each party gets a link to sign."),
    ("flash.agreement_cancelled", "La convention est annulée.", "The agreement is cancelled."),
    ("error.consent_required", "Cochez la case pour signer.", "Tick the box to sign."),
    ("error.agreement_changed", "La convention a changé depuis votre lecture : relisez la nouvelle version, puis signez-la.", "The agreement changed since you read it: read the new version, then sign it."),
    ("error.party_missing", "Une partie n’a pas de compte pour signer (une entreprise sans contact, par exemple).", "A party has no account to sign with (a company without its contact, for instance)."),
    ("agreement_register.title", "Registre des conventions", "Register of agreements"),
    ("agreement_register.progress", "Avancement par campagne", "Progress by campaign"),
    ("agreement_register.signed_of", "signées", "signed"),
    ("agreement_register.drafts", "brouillons", "drafts"),
    ("agreement_register.send_drafts", "Envoyer les brouillons", "Send the drafts"),
    ("agreement_register.sent_drafts", "conventions envoyées", "agreements sent"),
    ("agreement_register.skipped", "non envoyées", "not sent"),
    ("agreement_register.overdue", "En retard : début dans moins de 5 jours ouvrés, non signées", "Overdue: starting within 5 working days, not signed"),
    ("agreement_register.filter", "Filtrer", "Filter"),
    ("agreement_register.all", "toutes", "all"),
    ("agreement_register.kind", "Type", "Kind"),
    ("agreement_register.campaign", "Campagne", "Campaign"),
    ("agreement_register.party", "Partie", "Party"),
    ("agreement_register.starts", "Début", "Starts"),
    ("agreement_register.signatures", "Signatures", "Signatures"),
    ("agreement_register.csv", "Télécharger le registre (CSV)", "Download the register (CSV)"),
    ("agreement_register.total_one", "1 convention, page {page} sur {pages}", "1 agreement, page {page} of {pages}"),
    ("agreement_register.total_many", "{total} conventions, page {page} sur {pages}", "{total} agreements, page {page} of {pages}"),
    ("agreement_register.pages", "Pages du registre", "Register pages"),
    ("agreement_register.previous", "Page précédente", "Previous page"),
    ("agreement_register.next", "Page suivante", "Next page"),
    ("to_sign.title", "Conventions à signer", "Agreements to sign"),
    ("to_sign.intro", "Ces conventions attendent votre signature. Ouvrez la première : lisez-la, cochez sa case de consentement et signez ; la suivante vous est alors proposée.", "These agreements await your signature. Open the first: read it, tick its consent box and sign; the next one is then offered."),
    ("to_sign.none", "Aucune convention n’attend votre signature.", "No agreement awaits your signature."),
    ("to_sign.start", "Signer la première", "Sign the first one"),
    ("to_sign.all", "Les signer l’une après l’autre", "Sign them one after the other"),
    ("to_sign.next", "Convention suivante à signer", "Next agreement to sign"),
    ("to_sign.left", "Encore {n} à signer.", "{n} more to sign."),
    ("to_sign.done", "Vous avez signé toutes les conventions qui vous attendaient.", "You have signed every agreement that awaited you."),
    ("evaluation.opens_on", "Les notes s’ouvrent le {date}, premier jour de la mission.", "Marks open on {date}, the mission’s first day."),
    ("error.evaluation_not_open", "Les notes ne s’ouvrent qu’au début de la mission.", "Marks open only when the mission starts."),
    ("evaluation.title", "Évaluation de la mission", "Mission evaluation"),
    ("evaluation.team_mark", "Note de l’équipe (sur 20)", "Team mark (out of 20)"),
    ("evaluation.member_mark", "Note (sur 20)", "Mark (out of 20)"),
    ("evaluation.comments", "Commentaire", "Comments"),
    ("evaluation.give", "Enregistrer l’évaluation", "Save the evaluation"),
    ("evaluation.hint", "Une note pour l’équipe entière, ou pour chaque membre, ou les deux ; les champs laissés vides ne sont pas notés.", "A mark for the whole team, or for each member, or both; fields left empty are not marked."),
    ("evaluation.missing", "Évaluations attendues", "Evaluations awaited"),
    ("evaluation.complete", "Les deux évaluations sont rendues.", "Both evaluations are in."),
    ("evaluation.pending", "Vos notes s’afficheront quand l’entreprise et l’enseignant-chercheur auront rendu leur évaluation.", "Your marks will show once the company and the tutor have both given their evaluation."),
    ("evaluation.by.company", "Entreprise", "Company"),
    ("evaluation.by.tutor", "Enseignant-chercheur", "Tutor"),
    ("evaluation.team", "Équipe entière", "Whole team"),
    ("evaluation.csv", "Télécharger les notes de la campagne (CSV)", "Download the campaign’s marks (CSV)"),
    ("evaluation.link", "Évaluation", "Evaluation"),
    ("flash.agreement_evaluated", "Votre évaluation est enregistrée.", "Your evaluation is saved."),
];

fn when(lang: Lang, at: Option<chrono::NaiveDateTime>) -> Option<String> {
    at.map(|at| lang.datetime(at, DEFAULT_TIMEZONE))
}

/// One agreement as the pages show it.
pub fn agreement_value(lang: Lang, d: &Details) -> Value {
    let a = &d.agreement;
    let signed = d
        .signatures
        .iter()
        .filter(|(s, _)| s.signed_at.is_some())
        .count();
    context! {
        id => &a.id,
        title => document::title(d),
        reference => document::reference(&a.id),
        kind_label => lang.text(&format!("agreement.kind.{}", a.kind)),
        status => &a.status,
        status_label => lang.text(&format!("agreement.status.{}", a.status)),
        version => a.version,
        subject => &a.subject,
        company => &d.company.name,
        city => &d.company.city,
        student => d.student.as_ref().map(|p| context! { name => &p.name, email => &p.email }),
        tutor => d.tutor.as_ref().map(|p| context! { name => &p.name, email => &p.email }),
        party => d.student.as_ref().or(d.tutor.as_ref()).map(|p| &p.name),
        starts => lang.date(a.starts_on),
        ends => lang.date(a.ends_on),
        starts_on => a.starts_on.to_string(),
        place => &a.place,
        sha256 => &d.document_sha256,
        signed => signed,
        signatories => d.signatures.len(),
        signatures => d.signatures.iter().map(|(s, p)| context! {
            party => lang.text(&format!("agreement.party.{}", s.party)),
            name => &p.name,
            signed => when(lang, s.signed_at),
        }).collect::<Vec<_>>(),
        cancel_reason => &a.cancel_reason,
    }
}

/// The agreements a party sees on their home and list: (value, waiting for my signature).
pub fn mine(
    conn: &mut DbConnection,
    settings: &crate::config::Settings,
    lang: Lang,
    user: &CurrentUser,
) -> Result<Vec<Value>, ApiError> {
    let list = flows::list(conn, user, Filter::default(), &crate::web::ALL)?;
    let me = std::slice::from_ref(&user.id);
    Ok(list
        .iter()
        .map(|d| {
            let to_sign = d.agreement.status == Status::Sent.as_str()
                && !flows::signable(settings, d, me).is_empty();
            context! { to_sign, ..agreement_value(lang, d) }
        })
        .collect())
}

pub async fn agreements(v: Visitor, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    if user.is(Role::Staff) {
        return Ok(v.see_other("/app/staff/agreements"));
    }
    let lang = v.lang;
    let settings = state.settings.clone();
    show(&v, &state, "agreements.html", move |conn| {
        let agreements = mine(conn, &settings, lang, &user)?;
        let waiting = flows::to_sign_ids(conn, &settings, &user.id)?.len();
        let waiting_left = waiting_left(lang, waiting);
        Ok(context! { agreements, waiting, waiting_left })
    })
    .await
}

/// "{n} to sign" with the reader's count, for the link to what awaits them.
pub fn waiting_left(lang: Lang, waiting: usize) -> String {
    lang.fill("to_sign.left", &[("n", &waiting.to_string())])
}

/// What awaits the reader's signature (staff who sign for the school included), to sign one
/// after the other: the same list page, headed "to sign", with a link to the first.
pub async fn to_sign(v: Visitor, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    let lang = v.lang;
    let settings = state.settings.clone();
    show(&v, &state, "agreements.html", move |conn| {
        let waiting = flows::to_sign(conn, &settings, &user.id)?;
        let agreements: Vec<Value> = waiting
            .iter()
            .map(|d| context! { to_sign => true, ..agreement_value(lang, d) })
            .collect();
        let waiting = agreements.len();
        Ok(context! { to_sign_page => true, waiting, waiting_left => waiting_left(lang, waiting), agreements })
    })
    .await
}

/// The next agreement awaiting the reader's signature (the soonest start), or the to-sign page
/// saying nothing is left.
pub async fn next_to_sign(
    v: Visitor,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    let settings = state.settings.clone();
    let first = state
        .db(move |conn| {
            Ok(flows::to_sign_ids(conn, &settings, &user.id)?
                .into_iter()
                .next())
        })
        .await
        .map_err(|e| v.fail(e))?;
    Ok(match first {
        Some(id) => v.see_other(&format!("/app/agreements/{id}")),
        None => v.see_other("/app/agreements/to-sign"),
    })
}

fn agreement_page(
    conn: &mut DbConnection,
    settings: &crate::config::Settings,
    lang: Lang,
    user: &CurrentUser,
    id: &str,
) -> Result<Value, ApiError> {
    let d = flows::visible(conn, user, id)?;
    // Theirs, and the signatures of whoever delegated theirs to this reader today.
    let signing_for = crate::agreements::delegations::signing_for(conn, &user.id)?;
    let mine: Vec<_> = d
        .signatures
        .iter()
        .filter(|(s, _)| signing_for.contains(&s.user_id))
        .collect();
    let sent = d.agreement.status == Status::Sent.as_str();
    let can_sign = sent && !flows::signable(settings, &d, &signing_for).is_empty();
    let not_your_turn = sent && !can_sign && mine.iter().any(|(s, _)| s.signed_at.is_none());
    let you_signed = !mine.is_empty() && mine.iter().all(|(s, _)| s.signed_at.is_some());
    let status = Status::parse(&d.agreement.status).unwrap_or(Status::Cancelled);
    let staff_actions = user.is(Role::Staff).then(|| {
        context! {
            can_send => status == Status::Draft,
            can_cancel => matches!(status, Status::Draft | Status::Sent),
            can_record_signed => matches!(status, Status::Draft | Status::Sent),
        }
    });
    let signed_copy = d.signed_copy.as_ref().map(|(c, p)| {
        lang.fill(
            "signed_copy.done",
            &[
                ("by", &p.name),
                ("when", &when(lang, Some(c.attested_at)).unwrap_or_default()),
                ("note", &c.note),
            ],
        )
    });
    // Signing one after the other: the next agreement awaiting this reader, once this one is
    // signed (each keeps its own consent box and signature record).
    let others: Vec<String> = flows::to_sign_ids(conn, settings, &user.id)?
        .into_iter()
        .filter(|id| *id != d.agreement.id)
        .collect();
    let next = others.first().map(|first| {
        context! {
            href => format!("/app/agreements/{first}"),
            left => lang.fill("to_sign.left", &[("n", &others.len().to_string())]),
        }
    });
    Ok(context! {
        validation => validation_section(settings, lang, user, &d),
        signed_copy,
        internship => crate::web::internships::section(conn, settings, lang, user, &d)?,
        amendments => crate::web::amendments::section(conn, settings, lang, user, &d)?,
        evaluation => crate::web::internship_evaluation::section(conn, lang, user, &d)?,
        agreement => agreement_value(lang, &d),
        can_sign,
        not_your_turn,
        you_signed,
        next,
        all_signed_now => !can_sign && you_signed && others.is_empty(),
        consent => lang.fill("agreement.consent", &[("v", &d.agreement.version.to_string())]),
        staff_actions,
    })
}

/// The validation before sending: each step's state, the history with reasons, and what
/// this reader may do now (decide the next step, or resubmit after a correction).
fn validation_section(
    settings: &crate::config::Settings,
    lang: Lang,
    user: &CurrentUser,
    d: &Details,
) -> Option<Value> {
    use crate::agreements::validating;
    use crate::agreements::validation::Step;
    let steps = validating::steps_of(settings, &d.agreement.kind);
    if d.agreement.status != Status::Draft.as_str() && d.validations.is_empty() {
        return None;
    }
    let state = validating::state_of(settings, d);
    let next = state.next().filter(|_| state.awaiting_correction.is_none());
    // The office gives its step by sending: its form is the send button.
    let decide = next
        .filter(|s| *s != Step::Administrative && validating::may_decide(user, d, *s))
        .filter(|_| d.agreement.status == Status::Draft.as_str())
        .map(|s| context! { step => s.as_str(), label => lang.text(&format!("validation.step.{}", s.as_str())) });
    let requester = d
        .internship
        .as_ref()
        .is_some_and(|i| i.requested_by == user.id);
    Some(context! {
        steps => steps.iter().map(|s| {
            let status = if state.awaiting_correction == Some(*s) {
                "refused"
            } else if state.approved.contains(s) {
                "approved"
            } else {
                "pending"
            };
            context! {
                label => lang.text(&format!("validation.step.{}", s.as_str())),
                status,
                status_label => lang.text(&format!("validation.status.{status}")),
            }
        }).collect::<Vec<_>>(),
        history => d.validations.iter().map(|(v, p)| context! {
            text => lang.fill(&format!("validation.history.{}", v.decision), &[
                ("step", lang.text(&format!("validation.step.{}", v.step))),
                ("by", &p.name),
                ("when", &when(lang, Some(v.at)).unwrap_or_default()),
            ]),
            reason => &v.reason,
        }).collect::<Vec<_>>(),
        decide,
        can_resubmit => state.awaiting_correction.is_some()
            && (requester || user.is(Role::Staff))
            && d.agreement.status == Status::Draft.as_str(),
    })
}

pub async fn validate(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    let fields = form.into_inner();
    v.check_csrf(field(&fields, "csrf_token"))?;
    let (step, decision) = (
        field(&fields, "step").to_owned(),
        field(&fields, "decision").to_owned(),
    );
    let reason = field(&fields, "reason").to_owned();
    let by = user.clone();
    let done = if decision == "refuse" {
        "validation_refused"
    } else {
        "validation_approved"
    };
    act_on(
        v,
        state,
        user,
        id.into_inner(),
        fields,
        done,
        move |tx, state, id| {
            crate::agreements::validating::decide(
                tx,
                state,
                &by,
                id,
                &step,
                &decision,
                Some(&reason),
            )
        },
    )
    .await
}

pub async fn resubmit(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    let fields = form.into_inner();
    v.check_csrf(field(&fields, "csrf_token"))?;
    let by = user.clone();
    act_on(
        v,
        state,
        user,
        id.into_inner(),
        fields,
        "resubmitted",
        move |tx, state, id| crate::agreements::validating::resubmit(tx, state, &by, id),
    )
    .await
}

/// Staff record an agreement signed outside fieldlab: the scan and their attestation.
pub async fn signed_copy(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    req: actix_web::HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let user = staff(&v)?;
    let upload = crate::upload::form(&req, body)
        .await
        .map_err(|e| v.fail(e))?;
    v.check_csrf(field(&upload.fields, "csrf_token"))?;
    let fields = upload.fields.clone();
    let note = field(&upload.fields, "note").to_owned();
    let attested = !field(&upload.fields, "attest").is_empty();
    let by = user.id.clone();
    act_on(
        v,
        state,
        user,
        id.into_inner(),
        fields,
        "signed_copy",
        move |tx, _, id| {
            if !attested {
                return Err(ApiError::validation(vec![FieldError::new(
                    "attest",
                    "is required: tick the box to attest the signatures",
                )]));
            }
            let pdf = upload.one_file()?;
            flows::record_signed_copy(tx, &by, id, &pdf, &note)
        },
    )
    .await
}

pub async fn agreement(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    let lang = v.lang;
    let id = id.into_inner();
    let settings = state.settings.clone();
    show(&v, &state, "agreement.html", move |conn| {
        agreement_page(conn, &settings, lang, &user, &id)
    })
    .await
}

pub async fn agreement_pdf(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    let id = id.into_inner();
    let app = state.clone().into_inner();
    let (file, bytes) = state
        .db(move |conn| {
            let details = flows::visible(conn, &user, &id)?;
            flows::pdf(conn, &app, &details)
        })
        .await
        .map_err(|e| v.fail(e))?;
    Ok(crate::agreements::handlers::pdf_response(&file, bytes))
}

/// Runs one change of the agreement (`act`, in a write transaction), then shows its page: with
/// the flash `done` when it went through, or with the refusal over the page as it stands.
pub async fn act_on<F>(
    v: Visitor,
    state: web::Data<AppState>,
    user: CurrentUser,
    id: String,
    fields: Vec<(String, String)>,
    done: &'static str,
    act: F,
) -> Result<HttpResponse, PageError>
where
    F: FnOnce(&mut crate::db::WriteTx<'_>, &AppState, &str) -> Result<Details, ApiError>
        + Send
        + 'static,
{
    let for_act = id.clone();
    match state.write(move |tx, state| act(tx, state, &for_act)).await {
        Ok(_) => Ok(v.see_other(&format!("/app/agreements/{id}?done={done}"))),
        Err(e) => {
            let lang = v.lang;
            let settings = state.settings.clone();
            refused_over(
                &v,
                &state,
                e,
                "agreement.html",
                kept(&fields),
                move |conn| agreement_page(conn, &settings, lang, &user, &id),
            )
            .await
        }
    }
}

pub async fn sign(
    v: Visitor,
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    let fields = form.into_inner();
    v.check_csrf(field(&fields, "csrf_token"))?;
    let (ip, user_agent) = client_of(&req);
    let request = SignRequest {
        // A checkbox is sent only when ticked.
        consent: !field(&fields, "consent").is_empty(),
        version: field(&fields, "version").trim().parse().ok(),
        ip,
        user_agent,
        ..SignRequest::default()
    };
    let id = id.into_inner();
    let request = flows::ready_to_sign(&state, &user, &id, request).await;
    let signer = user.clone();
    act_on(
        v,
        state,
        user,
        id,
        fields,
        "agreement_signed",
        move |tx, state, id| flows::sign(tx, state, &signer, id, request),
    )
    .await
}

// ---- staff: send, cancel, the register ----

pub async fn send(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, fields) = posted(&v, form)?;
    let by = user.id.clone();
    act_on(
        v,
        state,
        user,
        id.into_inner(),
        fields,
        "agreement_sent",
        move |tx, state, id| flows::send(tx, state, &by, id),
    )
    .await
}

pub async fn cancel(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, fields) = posted(&v, form)?;
    let reason = Some(field(&fields, "reason").to_owned());
    act_on(
        v,
        state,
        user,
        id.into_inner(),
        fields,
        "agreement_cancelled",
        |tx, state, id| flows::cancel(tx, state, id, reason),
    )
    .await
}

pub async fn send_campaign(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, _) = posted(&v, form)?;
    let id = id.into_inner();
    let app = state.clone().into_inner();
    let for_page = id.clone();
    let outcome = web::block(move || flows::send_campaign(&app, &user.id, &id))
        .await
        .map_err(|e| v.fail(e.into()))?
        .map_err(|e| v.fail(e))?;
    Ok(v.see_other(&format!(
        "/app/staff/agreements?campaign_id={for_page}&sent={}&skipped={}",
        outcome.sent.len(),
        outcome.skipped.len()
    )))
}

// ---- evaluations ----

fn evaluations_page(
    conn: &mut DbConnection,
    lang: Lang,
    user: &CurrentUser,
    mission_id: &str,
) -> Result<Value, ApiError> {
    let e = evaluations::visible(conn, user, mission_id)?;
    let mission =
        crate::missions::tutoring::visible_mission(conn, user, mission_id).or_else(|_| {
            let m = crate::missions::models::find_mission(conn, mission_id)?;
            crate::missions::models::mission_details(conn, vec![m])?
                .pop()
                .ok_or_else(ApiError::not_found)
        })?;
    let evaluator = if mission.company.contact_id.as_deref() == Some(user.id.as_str()) {
        Some("company")
    } else if mission.mission.tutor_id.as_deref() == Some(user.id.as_str()) {
        Some("tutor")
    } else {
        None
    };
    let mine = |student: &str| {
        e.items
            .iter()
            .find(|r| Some(r.evaluator.as_str()) == evaluator && r.student_id == student)
    };
    let team_mark = mine("");
    let members: Vec<Value> = mission
        .team
        .members
        .iter()
        .map(|m| {
            let given = mine(&m.id);
            context! {
                id => &m.id,
                name => &m.name,
                mark => given.map(|r| r.mark),
                comments => given.map(|r| r.comments.clone()),
            }
        })
        .collect();
    let items: Vec<Value> = e
        .items
        .iter()
        .map(|r| context! {
            by => lang.text(&format!("evaluation.by.{}", r.evaluator)),
            student => if r.student_id.is_empty() { lang.text("evaluation.team").to_owned() } else { e.names.get(&r.student_id).cloned().unwrap_or_default() },
            mark => r.mark.to_string().replace('.', if lang.is_french() { "," } else { "." }),
            comments => &r.comments,
        })
        .collect();
    Ok(context! {
        mission => context! {
            id => &mission.mission.id,
            title => &mission.problem_title,
            company => &mission.company.name,
            team => &mission.team.team.name,
            campaign_id => &mission.mission.campaign_id,
        },
        evaluator,
        team_mark => team_mark.map(|r| context! { mark => r.mark, comments => &r.comments }),
        members,
        items,
        complete => e.complete,
        // Before the mission starts the form is not offered: the day marks open instead.
        opens_on => match mission_domain::marks_open(mission.mission.starts_on, crate::clock::today()) {
            Err(mission_domain::Refusal::EvaluationNotOpen { opens_on }) => {
                Some(lang.fill("evaluation.opens_on", &[("date", &lang.date(opens_on))]))
            }
            _ => None,
        },
        missing => e.missing.iter().map(|m| lang.text(&format!("evaluation.by.{m}"))).collect::<Vec<_>>(),
        is_staff => user.is(Role::Staff),
        is_student => user.is(Role::Student),
    })
}

pub async fn evaluation(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    let lang = v.lang;
    let id = id.into_inner();
    show(&v, &state, "evaluations.html", move |conn| {
        evaluations_page(conn, lang, &user, &id)
    })
    .await
}

/// A mark typed in the form: French decimal commas are read too.
fn typed_mark(raw: &str) -> Option<f64> {
    raw.trim().replace(',', ".").parse().ok()
}

pub async fn evaluate(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    let fields = form.into_inner();
    v.check_csrf(field(&fields, "csrf_token"))?;
    let id = id.into_inner();
    let mut marks = Vec::new();
    // The form's field of each mark, in order: the use case names `marks[i]`.
    let mut inputs: Vec<String> = Vec::new();
    let mut unreadable = Vec::new();
    // `mark` / `comments` for the team, `mark.<student id>` / `comments.<student id>` per member.
    for (name, value) in &fields {
        let Some(rest) = name.strip_prefix("mark") else {
            continue;
        };
        if value.trim().is_empty() {
            continue;
        }
        let student = rest.strip_prefix('.').map(str::to_owned);
        let comments_key = match &student {
            Some(s) => format!("comments.{s}"),
            None => "comments".to_owned(),
        };
        match typed_mark(value) {
            Some(mark) => {
                marks.push(Mark {
                    student_id: student,
                    mark,
                    comments: field(&fields, &comments_key).to_owned(),
                });
                inputs.push(name.clone());
            }
            None => unreadable.push(crate::error::FieldError::new(
                name.clone(),
                "must be a number out of 20",
            )),
        }
    }
    let (for_submit, for_page) = (user.clone(), id.clone());
    let outcome = if unreadable.is_empty() {
        state
            .write(move |tx, _| evaluations::submit(tx, &for_submit, &id, marks))
            .await
            .map_err(|e| at_the_fields(e, &inputs))
    } else {
        Err(ApiError::validation(unreadable))
    };
    match outcome {
        Ok(_) => Ok(v.see_other(&format!(
            "/app/missions/{for_page}/evaluations?done=agreement_evaluated"
        ))),
        Err(e) => {
            let lang = v.lang;
            refused_over(
                &v,
                &state,
                e,
                "evaluations.html",
                kept(&fields),
                move |conn| evaluations_page(conn, lang, &user, &for_page),
            )
            .await
        }
    }
}

/// The use case's `marks[i].mark` / `marks[i].comments` as the form's own field names
/// (`mark`, `mark.<student>`, `comments.<student>`), so each message sits at its field.
fn at_the_fields(error: ApiError, inputs: &[String]) -> ApiError {
    let problem = error.problem();
    if problem.code != "validation_failed" {
        return error;
    }
    let errors = problem
        .errors
        .into_iter()
        .map(|e| {
            let at = e
                .field
                .strip_prefix("marks[")
                .and_then(|rest| rest.split_once("]."))
                .and_then(|(i, what)| Some((inputs.get(i.parse::<usize>().ok()?)?, what)));
            let field = match at {
                Some((input, "comments")) => input.replacen("mark", "comments", 1),
                Some((input, _)) => input.clone(),
                None => e.field.clone(),
            };
            FieldError { field, ..e }
        })
        .collect();
    ApiError::validation(errors)
}

pub async fn evaluations_csv(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    staff(&v)?;
    let id = id.into_inner();
    let (file, csv) = state
        .db(move |conn| evaluations::campaign_csv(conn, &id))
        .await
        .map_err(|e| v.fail(e))?;
    Ok(crate::spreadsheet::download(&file, csv))
}

/// The routes of these pages.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/app/agreements", web::get().to(agreements))
        // Before `/app/agreements/{id}`, which would take `to-sign` for an id.
        .route("/app/agreements/to-sign", web::get().to(to_sign))
        .route("/app/agreements/to-sign/next", web::get().to(next_to_sign))
        .route("/app/agreements/{id}", web::get().to(agreement))
        .route("/app/agreements/{id}/pdf", web::get().to(agreement_pdf))
        .route("/app/agreements/{id}/sign", web::post().to(sign))
        .route("/app/agreements/{id}/validations", web::post().to(validate))
        .route("/app/agreements/{id}/resubmit", web::post().to(resubmit))
        .route("/app/staff/agreements/{id}/send", web::post().to(send))
        .route("/app/staff/agreements/{id}/cancel", web::post().to(cancel))
        .route(
            "/app/staff/agreements/{id}/signed-copy",
            web::post().to(signed_copy),
        )
        .route(
            "/app/staff/campaigns/{id}/agreements/send",
            web::post().to(send_campaign),
        )
        .route(
            "/app/staff/campaigns/{id}/evaluations.csv",
            web::get().to(evaluations_csv),
        )
        .route("/app/missions/{id}/evaluations", web::get().to(evaluation))
        .route("/app/missions/{id}/evaluations", web::post().to(evaluate));
}
