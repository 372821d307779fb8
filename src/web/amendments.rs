//! Amendments and withdrawal in the browser, on the agreement's page: ask for an amendment of
//! a signed agreement (what changes and why, or an early termination), validate or refuse it,
//! correct it, send it, sign it; and staff withdraw a sent agreement for correction with the
//! reason its signatories read. Through `agreements::amendment::flows`, like the API.

use actix_web::{web, HttpRequest, HttpResponse};
use minijinja::{context, Value};

use crate::agreements::amendment::domain::{Proposal, Status};
use crate::agreements::amendment::flows::{self, Full};
use crate::agreements::amendment::{self as amendment};
use crate::agreements::domain::Status as AgreementStatus;
use crate::agreements::flows::SignRequest;
use crate::agreements::handlers::client_of;
use crate::agreements::models::Details;
use crate::agreements::validation::Step;
use crate::agreements::{flows as agreement_flows, validating};
use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::clock::DEFAULT_TIMEZONE;
use crate::config::Settings;
use crate::db::DbConnection;
use crate::error::{ApiError, FieldError};
use crate::mail::domain::Locale;
use crate::web::agreements::act_on;
use crate::web::forms::{field, Fields};
use crate::web::i18n::Lang;
use crate::web::session::{PageError, Visitor};
use crate::web::staff::posted;

/// `(key, French, English)`.
pub const TEXTS: &[(&str, &str, &str)] = &[
    ("amendment.section", "Avenants", "Amendments"),
    ("amendment.none", "Aucun avenant.", "No amendment."),
    ("amendment.request", "Demander un avenant", "Ask for an amendment"),
    ("amendment.request_hint", "Ne remplissez que ce qui change. L’avenant est validé comme la convention, puis signé par les mêmes parties ; il s’applique à la dernière signature.", "Fill in only what changes. The amendment is validated like the agreement, then signed by the same parties; it applies at the last signature."),
    ("amendment.correct", "Corriger l’avenant", "Correct the amendment"),
    ("amendment.correct_hint", "Enregistrer la correction renvoie l’avenant pour validation.", "Saving the correction sends the amendment back for validation."),
    ("amendment.save", "Enregistrer", "Save"),
    ("amendment.termination", "Rupture anticipée", "Early termination"),
    ("amendment.reason", "Motif de l’avenant", "Why it changes"),
    ("amendment.new_tutor", "Nouvel enseignant référent", "New academic tutor"),
    ("amendment.unchanged", "— inchangé —", "— unchanged —"),
    ("amendment.gratification", "Nouvelle gratification horaire (en euros, ex. 4,50)", "New hourly gratification (in euros, e.g. 4.50)"),
    ("amendment.terminates_on", "Dernier jour (fin anticipée)", "Last day (early end)"),
    ("amendment.termination_reason", "Motif de la rupture", "Reason for the termination"),
    ("amendment.new_starts_on", "Nouvelle date de début", "New start date"),
    ("amendment.new_ends_on", "Nouvelle date de fin", "New end date"),
    ("amendment.new_place", "Nouveau lieu", "New place"),
    ("amendment.new_subject", "Nouvel objet", "New subject"),
    ("amendment.new_supervisor", "Nouveau tuteur ou nouvelle tutrice dans l’organisme", "New supervisor at the host"),
    ("amendment.read_pdf", "Lire l’avenant (PDF)", "Read the amendment (PDF)"),
    ("amendment.send", "Envoyer l’avenant pour signature", "Send the amendment for signature"),
    ("amendment.sign", "Signer l’avenant", "Sign the amendment"),
    ("amendment.consent", "J’ai lu l’avenant n° {n} et je le signe électroniquement.", "I have read amendment no. {n} and I sign it electronically."),
    ("amendment.cancel", "Abandonner l’avenant", "Withdraw the amendment"),
    ("amendment.requested_by", "Demandé par {name} le {when}", "Asked for by {name} on {when}"),
    ("amendment.status.draft", "En validation", "Being validated"),
    ("amendment.status.sent", "À signer", "To sign"),
    ("amendment.status.signed", "Signé, appliqué", "Signed, applied"),
    ("amendment.status.cancelled", "Abandonné", "Withdrawn"),
    ("amendment.not_a_number", "Un montant en euros, par exemple 4,50.", "An amount in euros, for example 4.50."),
    ("withdraw.title", "Retirer pour correction", "Withdraw for correction"),
    ("withdraw.hint", "Les signatures déjà données sont annulées ; chaque signataire reçoit le motif. La convention redevient un brouillon, à corriger puis renvoyer.", "Signatures already given are void; each signatory receives the reason. The agreement is a draft again, to correct and send again."),
    ("withdraw.reason", "Motif (envoyé aux signataires)", "Reason (sent to the signatories)"),
    ("withdraw.submit", "Retirer pour correction", "Withdraw for correction"),
    ("withdraw.history", "Version {v} retirée pour correction : {reason}", "Version {v} withdrawn for correction: {reason}"),
    ("flash.amendment_requested", "L’avenant est enregistré ; il attend sa validation.", "The amendment is saved; it awaits validation."),
    ("flash.amendment_corrected", "L’avenant est corrigé.", "The amendment is corrected."),
    ("flash.amendment_approved", "L’étape de l’avenant est validée.", "The amendment's step is approved."),
    ("flash.amendment_refused", "L’avenant est refusé ; le motif est envoyé au demandeur.", "The amendment is refused; the reason is sent to the requester."),
    ("flash.amendment_sent", "L’avenant est envoyé aux signataires.", "The amendment is sent to the signatories."),
    ("flash.amendment_signed", "Votre signature de l’avenant est enregistrée.", "Your signature of the amendment is recorded."),
    ("flash.amendment_cancelled", "L’avenant est abandonné.", "The amendment is withdrawn."),
    ("flash.agreement_withdrawn", "La convention est retirée pour correction ; les signataires sont prévenus.", "The agreement is withdrawn for correction; the signatories are told."),
    ("error.amendment_open", "Un avenant est déjà en cours : terminez-le ou abandonnez-le d’abord.", "An amendment is already in progress: finish or withdraw it first."),
    ("error.no_change", "L’avenant ne change rien : indiquez une nouvelle valeur ou une fin anticipée.", "The amendment changes nothing: give a new value or an early end."),
];

fn locale(lang: Lang) -> Locale {
    if lang.is_french() {
        Locale::Fr
    } else {
        Locale::En
    }
}

fn when(lang: Lang, at: Option<chrono::NaiveDateTime>) -> String {
    at.map(|at| lang.datetime(at, DEFAULT_TIMEZONE))
        .unwrap_or_default()
}

/// One amendment as the page shows it, with what this reader may do.
fn item(settings: &Settings, lang: Lang, user: &CurrentUser, d: &Details, f: &Full) -> Value {
    let a = &f.amendment;
    let status = f.status();
    let requester = f
        .people
        .get(&a.requested_by)
        .map(|p| p.name.clone())
        .unwrap_or_default();
    let validation = flows::state_of(settings, &d.agreement.kind, f);
    let awaiting_correction = validation.awaiting_correction.is_some();
    let next = validation.next();
    let draft = status == Status::Draft;
    let decide = next
        .filter(|s| *s != Step::Administrative && validating::may_decide(user, d, *s))
        .filter(|_| draft && !awaiting_correction)
        .map(|s| context! { step => s.as_str(), label => lang.text(&format!("validation.step.{}", s.as_str())) });
    let may_change = user.is(Role::Staff) || a.requested_by == user.id;
    context! {
        number => a.number,
        title => amendment::document::title(locale(lang), a.number),
        status => a.status.clone(),
        status_label => lang.text(&format!("amendment.status.{}", a.status)),
        reason => a.reason.clone(),
        termination_reason => a.termination_reason.clone(),
        lines => amendment::document::lines(locale(lang), f),
        requested => lang.fill("amendment.requested_by", &[("name", &requester), ("when", &when(lang, Some(a.created_at)))]),
        history => f.validations.iter().map(|(v, p)| context! {
            text => lang.fill(&format!("validation.history.{}", v.decision), &[
                ("step", lang.text(&format!("validation.step.{}", v.step))),
                ("by", &p.name),
                ("when", &when(lang, Some(v.at))),
            ]),
            reason => v.reason.clone(),
        }).collect::<Vec<_>>(),
        signatures => f.signatures.iter().map(|(s, p)| context! {
            party => lang.text(&format!("agreement.party.{}", s.party)),
            name => p.name.clone(),
            signed => s.signed_at.map(|at| when(lang, Some(at))),
        }).collect::<Vec<_>>(),
        decide,
        can_sign => flows::signs(f, &user.id) && status == Status::Sent,
        consent => lang.fill("amendment.consent", &[("n", &a.number.to_string())]),
        can_send => user.is(Role::Staff) && draft && validation.check_send().is_ok(),
        can_cancel => may_change && status.is_open(),
        correct => (may_change && draft).then(|| form_values(f)),
        awaiting_correction,
    }
}

/// A draft's values, to correct it in the same form as the request.
fn form_values(f: &Full) -> Value {
    use crate::agreements::amendment::domain::Field;
    let to = |field: Field| {
        f.changes
            .iter()
            .find(|c| c.field == field)
            .and_then(|c| c.to.clone())
            .unwrap_or_default()
    };
    let euros = to(Field::GratificationCents)
        .parse::<i64>()
        .map(|c| format!("{},{:02}", c / 100, c % 100))
        .unwrap_or_default();
    context! {
        reason => f.amendment.reason.clone(),
        subject => to(Field::Subject),
        place => to(Field::Place),
        supervisor => to(Field::Supervisor),
        starts_on => to(Field::StartsOn),
        ends_on => to(Field::EndsOn),
        tutor_id => to(Field::TutorId),
        gratification => euros,
        terminates_on => f.amendment.terminates_on.map(|d| d.to_string()).unwrap_or_default(),
        termination_reason => f.amendment.termination_reason.clone().unwrap_or_default(),
    }
}

/// The agreement page's amendments section (a signed agreement, or one with amendments) and
/// the staff's withdrawal form and history.
pub fn section(
    conn: &mut DbConnection,
    settings: &Settings,
    lang: Lang,
    user: &CurrentUser,
    d: &Details,
) -> Result<Option<Value>, ApiError> {
    let status = AgreementStatus::parse(&d.agreement.status).unwrap_or(AgreementStatus::Cancelled);
    let withdrawals: Vec<String> = crate::agreements::models::withdrawals(conn, &d.agreement.id)?
        .into_iter()
        .map(|(v, reason)| {
            lang.fill(
                "withdraw.history",
                &[("v", &v.to_string()), ("reason", &reason)],
            )
        })
        .collect();
    let list = flows::load(conn, &d.agreement.id)?;
    let can_request = status == AgreementStatus::Signed
        && flows::may_request(user, d)
        && !list.iter().any(|f| f.status().is_open());
    if list.is_empty() && !can_request && withdrawals.is_empty() && status != AgreementStatus::Sent
    {
        return Ok(None);
    }
    let tutors: Vec<Value> = if user.is(Role::Staff) && d.internship.is_some() {
        crate::tutors::models::all(conn)?
            .into_iter()
            .map(|t| context! { id => t.profile.user_id.clone(), name => t.name.clone() })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Some(context! {
        items => list.iter().map(|f| item(settings, lang, user, d, f)).collect::<Vec<_>>(),
        can_request,
        shown => !list.is_empty() || can_request,
        internship => d.internship.is_some(),
        tutors,
        can_withdraw => user.is(Role::Staff) && status == AgreementStatus::Sent,
        withdrawals,
    }))
}

/// The posted form as a proposal: blank fields change nothing; the gratification in euros.
fn proposal_of(fields: &[(String, String)]) -> Result<Proposal, ApiError> {
    let mut errors = Vec::new();
    let text = |name: &str| crate::text::not_blank(Some(field(fields, name))).map(str::to_owned);
    let mut date = |name: &str| {
        let v = text(name)?;
        let day = crate::dates::parse_date(&v);
        if day.is_none() {
            errors.push(FieldError::new(name, "must be a date (YYYY-MM-DD)"));
        }
        day
    };
    let (starts_on, ends_on, terminates_on) =
        (date("starts_on"), date("ends_on"), date("terminates_on"));
    let gratification_cents = match text("gratification") {
        None => None,
        Some(v) => match euros_to_cents(&v) {
            Some(c) => Some(c),
            None => {
                errors.push(FieldError::new(
                    "gratification_cents",
                    "must be an amount in euros (4,50)",
                ));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(Proposal {
        reason: field(fields, "reason").to_owned(),
        subject: text("subject"),
        place: text("place"),
        supervisor: text("supervisor"),
        starts_on,
        ends_on,
        tutor_id: text("tutor_id"),
        gratification_cents,
        terminates_on,
        termination_reason: text("termination_reason"),
    })
}

/// `4,50`, `4.5`, `4` → cents; anything else `None`.
fn euros_to_cents(v: &str) -> Option<i32> {
    let v = v.trim().replace(['€', ' ', '\u{a0}'], "").replace(',', ".");
    let (whole, frac) = v.split_once('.').unwrap_or((&v, ""));
    if whole.is_empty() || frac.len() > 2 || !frac.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let whole: i32 = whole.parse().ok()?;
    let frac: i32 = format!("{frac:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(frac)
}

type Path = web::Path<(String, i32)>;

/// A signed-in reader's posted form, its CSRF token checked.
fn signed_form(
    v: &Visitor,
    form: Fields,
) -> Result<(CurrentUser, Vec<(String, String)>), PageError> {
    let user = v.signed_in()?.clone();
    let fields = form.into_inner();
    v.check_csrf(field(&fields, "csrf_token"))?;
    Ok((user, fields))
}

pub async fn request(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, fields) = signed_form(&v, form)?;
    let proposal = proposal_of(&fields);
    let by = user.clone();
    act_on(
        v,
        state,
        user,
        id.into_inner(),
        fields,
        "amendment_requested",
        move |tx, state, id| {
            flows::request(tx, state, &by, id, proposal?)?;
            agreement_flows::reread(tx, id)
        },
    )
    .await
}

pub async fn correct(
    v: Visitor,
    state: web::Data<AppState>,
    path: Path,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, fields) = signed_form(&v, form)?;
    let (id, number) = path.into_inner();
    let proposal = proposal_of(&fields);
    let by = user.clone();
    act_on(
        v,
        state,
        user,
        id,
        fields,
        "amendment_corrected",
        move |tx, state, id| {
            flows::correct(tx, state, &by, id, number, proposal?)?;
            agreement_flows::reread(tx, id)
        },
    )
    .await
}

pub async fn validate(
    v: Visitor,
    state: web::Data<AppState>,
    path: Path,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, fields) = signed_form(&v, form)?;
    let (id, number) = path.into_inner();
    let (step, decision, reason) = (
        field(&fields, "step").to_owned(),
        field(&fields, "decision").to_owned(),
        field(&fields, "reason").to_owned(),
    );
    let done = if decision == "refuse" {
        "amendment_refused"
    } else {
        "amendment_approved"
    };
    let by = user.clone();
    act_on(v, state, user, id, fields, done, move |tx, state, id| {
        flows::decide(tx, state, &by, id, number, &step, &decision, Some(&reason))?;
        agreement_flows::reread(tx, id)
    })
    .await
}

pub async fn send(
    v: Visitor,
    state: web::Data<AppState>,
    path: Path,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, fields) = posted(&v, form)?;
    let (id, number) = path.into_inner();
    let by = user.clone();
    act_on(
        v,
        state,
        user,
        id,
        fields,
        "amendment_sent",
        move |tx, state, id| {
            flows::send(tx, state, &by, id, number)?;
            agreement_flows::reread(tx, id)
        },
    )
    .await
}

pub async fn sign(
    v: Visitor,
    req: HttpRequest,
    state: web::Data<AppState>,
    path: Path,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, fields) = signed_form(&v, form)?;
    let (id, number) = path.into_inner();
    let (ip, user_agent) = client_of(&req);
    let request = SignRequest {
        consent: !field(&fields, "consent").is_empty(),
        version: None,
        ip,
        user_agent,
        ..SignRequest::default()
    };
    let by = user.clone();
    act_on(
        v,
        state,
        user,
        id,
        fields,
        "amendment_signed",
        move |tx, state, id| {
            flows::sign(tx, state, &by, id, number, request)?;
            agreement_flows::reread(tx, id)
        },
    )
    .await
}

pub async fn cancel(
    v: Visitor,
    state: web::Data<AppState>,
    path: Path,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, fields) = signed_form(&v, form)?;
    let (id, number) = path.into_inner();
    let by = user.clone();
    act_on(
        v,
        state,
        user,
        id,
        fields,
        "amendment_cancelled",
        move |tx, _, id| {
            flows::cancel(tx, &by, id, number)?;
            agreement_flows::reread(tx, id)
        },
    )
    .await
}

pub async fn pdf(
    v: Visitor,
    state: web::Data<AppState>,
    path: Path,
) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    let (id, number) = path.into_inner();
    let app = state.clone().into_inner();
    let (file, bytes) = state
        .db(move |conn| amendment::handlers::pdf_of(conn, &app, &user, &id, number))
        .await
        .map_err(|e| v.fail(e))?;
    Ok(crate::agreements::handlers::pdf_response(&file, bytes))
}

/// Staff withdraw a sent agreement for correction, with the reason its signatories read.
pub async fn withdraw(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, fields) = posted(&v, form)?;
    let reason = field(&fields, "reason").to_owned();
    act_on(
        v,
        state,
        user,
        id.into_inner(),
        fields,
        "agreement_withdrawn",
        move |tx, state, id| agreement_flows::withdraw(tx, state, id, Some(&reason)),
    )
    .await
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/app/agreements/{id}/amendments", web::post().to(request))
        .route(
            "/app/agreements/{id}/amendments/{number}",
            web::post().to(correct),
        )
        .route(
            "/app/agreements/{id}/amendments/{number}/validations",
            web::post().to(validate),
        )
        .route(
            "/app/agreements/{id}/amendments/{number}/sign",
            web::post().to(sign),
        )
        .route(
            "/app/agreements/{id}/amendments/{number}/cancel",
            web::post().to(cancel),
        )
        .route(
            "/app/agreements/{id}/amendments/{number}/pdf",
            web::get().to(pdf),
        )
        .route(
            "/app/staff/agreements/{id}/amendments/{number}/send",
            web::post().to(send),
        )
        .route(
            "/app/staff/agreements/{id}/withdraw",
            web::post().to(withdraw),
        );
}

#[cfg(test)]
mod tests {
    use super::euros_to_cents;

    #[test]
    fn euros_read_as_typed_in_either_language() {
        assert_eq!(euros_to_cents("4,50"), Some(450));
        assert_eq!(euros_to_cents("4.5"), Some(450));
        assert_eq!(euros_to_cents("4 €"), Some(400));
        assert_eq!(euros_to_cents("1 200,05"), Some(120_005));
        assert_eq!(euros_to_cents("4,505"), None);
        assert_eq!(euros_to_cents("quatre"), None);
        assert_eq!(euros_to_cents(",5"), None);
    }
}
