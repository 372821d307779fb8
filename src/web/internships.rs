//! Internship pages: a student's request (`/app/internships/new`), the company supervisor's
//! part from the e-mailed link (`/internship-form?token=`, no account), the certificate's
//! confirmation (`/certificate-form?token=`), and on the agreement's page the computed hours,
//! the limits judged now and the office's actions (academic tutor, overlap, certificate).
//! Every write goes through `agreements::internship::flows`, like the API.

use actix_web::{web, HttpResponse};
use minijinja::{context, Value};

use crate::agreements::internship::assess::{self, InternshipType, DAY_NAMES};
use crate::agreements::internship::document::{euros, hours_text, legal_text};
use crate::agreements::internship::flows;
use crate::agreements::internship::hours::Presence;
use crate::agreements::internship::views::{CertificateBody, HostBody, InternshipBody, PeriodBody};
use crate::agreements::models::Details;
use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::db::DbConnection;
use crate::error::{ApiError, FieldError};
use crate::mail::domain::Locale;
use crate::web::accounts::TokenQuery;
use crate::web::forms::{field, kept, refusal_sentence, refused, Fields};
use crate::web::i18n::Lang;
use crate::web::session::{PageError, Visitor};

/// `(key, French, English)`.
pub const TEXTS: &[(&str, &str, &str)] = &[
    ("internship.new", "Demander une convention de stage", "Request an internship agreement"),
    ("internship.new_intro", "Remplissez ce que vous savez : votre tuteur ou tutrice en entreprise recevra un lien pour compléter la partie de l’organisme d’accueil (horaires, gratification, congés). Le service des stages vérifie ensuite les durées et les limites légales avant l’envoi pour signature.", "Fill in what you know: your company supervisor gets a link to complete the host’s part (hours, gratification, leave). The internship office then checks the durations and the legal limits before sending it for signature."),
    ("internship.host", "Organisme d’accueil", "Host organisation"),
    ("internship.host_hint", "Si l’organisme est déjà connu (même SIRET), sa fiche est reprise.", "If the host is already known (same SIRET), its record is reused."),
    ("internship.you", "Vous", "You"),
    ("internship.the_internship", "Le stage", "The internship"),
    ("internship.supervisor", "Tuteur ou tutrice en entreprise", "Company supervisor"),
    ("internship.hours", "Temps de présence", "Time of presence"),
    ("internship.gratification", "Gratification et avantages", "Gratification and benefits"),
    ("internship.submit", "Envoyer la demande", "Send the request"),
    ("field.company_siret", "SIRET (14 chiffres)", "SIRET (14 digits)"),
    ("field.company_city", "Ville", "Town"),
    ("field.company_address", "Adresse", "Address"),
    ("field.company_representative_name", "Représentant légal (nom)", "Legal representative (name)"),
    ("field.company_representative_role", "Fonction du représentant", "Representative’s role"),
    ("field.company_representative_email", "E-mail du représentant (il signe la convention)", "Representative’s e-mail (they sign the agreement)"),
    ("field.company_headcount", "Effectif de l’organisme", "Host’s headcount"),
    ("field.student_number", "Numéro d’étudiant", "Student number"),
    ("field.programme", "Formation suivie", "Programme"),
    ("field.programme_hours", "Volume horaire de la formation (ex. 450 h par an)", "Programme’s hours (e.g. 450 h a year)"),
    ("field.internship_type", "Type de stage", "Kind of internship"),
    ("internship_type.compulsory", "Obligatoire", "Compulsory"),
    ("internship_type.optional", "Facultatif", "Optional"),
    ("internship_type.gap_year", "Année de césure", "Gap year"),
    ("field.subject", "Sujet du stage", "Subject"),
    ("field.activities", "Activités confiées", "Activities entrusted"),
    ("field.skills", "Compétences à acquérir", "Skills to acquire"),
    ("field.first_day", "Premier jour", "First day"),
    ("field.last_day", "Dernier jour", "Last day"),
    ("field.place", "Lieu du stage (adresse)", "Place (address)"),
    ("field.department", "Service d’accueil", "Department"),
    ("field.supervisor_name", "Nom", "Name"),
    ("field.supervisor_role", "Fonction", "Role"),
    ("field.supervisor_email", "E-mail", "E-mail"),
    ("field.supervisor_phone", "Téléphone", "Phone"),
    ("field.weekly_hours", "Heures de présence par semaine", "Hours of presence a week"),
    ("field.work_days", "Jours travaillés", "Days worked"),
    ("field.night_work", "Présence la nuit", "Presence at night"),
    ("field.sunday_work", "Présence le dimanche", "Presence on Sundays"),
    ("field.holiday_work", "Présence les jours fériés", "Presence on public holidays"),
    ("field.interruption", "Interruption (période sans présence, facultatif)", "Interruption (a period without presence, optional)"),
    ("field.interruption_starts_on", "Du", "From"),
    ("field.interruption_ends_on", "Au", "To"),
    ("field.leave", "Congés et autorisations d’absence", "Leave and absences allowed"),
    ("field.gratification_per_hour", "Gratification par heure de présence (€)", "Gratification per hour of presence (€)"),
    ("field.gratification_terms", "Modalités de versement", "Payment terms"),
    ("field.benefits", "Avantages (restauration, transport, hébergement…)", "Benefits (meals, transport, lodging…)"),
    ("field.confidential", "Stage confidentiel", "Confidential internship"),
    ("field.internal_rules", "Clauses du règlement intérieur applicables", "Internal rules that apply"),
    ("day.mon", "lundi", "Monday"),
    ("day.tue", "mardi", "Tuesday"),
    ("day.wed", "mercredi", "Wednesday"),
    ("day.thu", "jeudi", "Thursday"),
    ("day.fri", "vendredi", "Friday"),
    ("day.sat", "samedi", "Saturday"),
    ("day.sun", "dimanche", "Sunday"),
    ("internship.form_title", "Convention de stage à compléter", "Internship agreement to complete"),
    ("internship.form_intro", "{student} demande une convention de stage chez {company}, du {from} au {to}. Merci de compléter la partie de l’organisme d’accueil ; vous pourrez la corriger avec ce même lien tant que la convention n’est pas envoyée pour signature.", "{student} asks for an internship agreement at {company}, from {from} to {to}. Please complete the host’s part; you can correct it with this same link until the agreement is sent for signature."),
    ("internship.form_submit", "Enregistrer", "Save"),
    ("flash.internship_completed", "Merci : la partie de l’organisme d’accueil est enregistrée. Le service des stages va vérifier la convention puis l’envoyer pour signature.", "Thank you: the host’s part is saved. The internship office will check the agreement and send it for signature."),
    ("internship.form_closed", "Cette convention a été envoyée pour signature : elle ne se modifie plus par ce lien. Écrivez au service des stages pour toute correction.", "This agreement has been sent for signature: it can no longer be changed from this link. Write to the internship office for any correction."),
    ("internship.link_invalid", "Ce lien n’est pas (ou plus) valide. Demandez un nouveau lien au service des stages.", "This link is not (or no longer) valid. Ask the internship office for a new one."),
    ("internship.computed", "Calculé", "Computed"),
    ("internship.presence", "Présence totale", "Total presence"),
    ("internship.legal", "Soit (7 h = 1 jour, 22 jours = 1 mois)", "That is (7 h = 1 day, 22 days = 1 month)"),
    ("internship.schedule", "Horaires", "Schedule"),
    ("internship.per_week_day", "{week} par semaine, {day} par jour, {days}", "{week} a week, {day} a day, {days}"),
    ("internship.gratification_per_hour", "{amount} par heure", "{amount} an hour"),
    ("internship.no_gratification", "Aucune", "None"),
    ("internship.minimum", "Minimum légal {year} : {amount} par heure, dû au-delà de 308 h", "Legal minimum {year}: {amount} an hour, due beyond 308 h"),
    ("internship.minimum_provisional", "(barème de l’année pas encore connu : celui de {year})", "(the year’s rate is not known yet: {year}’s)"),
    ("internship.supervisor_done", "Partie de l’organisme complétée le {date}", "Host’s part completed on {date}"),
    ("internship.supervisor_waiting", "En attente du tuteur ou de la tutrice en entreprise", "Waiting for the company supervisor"),
    ("internship.year_hours", "{year} : {asked} demandées, {used} déjà conventionnées chez cet organisme (maximum 924 h)", "{year}: {asked} asked, {used} already agreed at this host (at most 924 h)"),
    ("internship.limits", "Limites légales", "Legal limits"),
    ("internship.limits_ok", "Aucune limite dépassée.", "No limit passed."),
    ("internship.missing", "Avant l’envoi, il manque :", "Before sending, still missing:"),
    ("missing.supervisor_part", "la partie du tuteur ou de la tutrice en entreprise", "the company supervisor’s part"),
    ("missing.academic_tutor", "l’enseignant référent", "the academic tutor"),
    ("missing.siret", "le SIRET de l’organisme", "the host’s SIRET"),
    ("missing.company_signatory", "le compte du signataire de l’organisme", "the host signatory’s account"),
    ("internship.office", "Service des stages", "Internship office"),
    ("field.academic_tutor_id", "Enseignant référent", "Academic tutor"),
    ("field.academic_tutor_choose", "— choisir —", "— choose —"),
    ("field.overlap_allowed", "Autoriser ce stage à chevaucher un autre stage de l’étudiant", "Allow this internship to overlap another of the student’s"),
    ("internship.office_save", "Enregistrer", "Save"),
    ("internship.certificate", "Attestation de stage", "Internship certificate"),
    ("internship.certificate_prepare", "Préparer l’attestation maintenant", "Prepare the certificate now"),
    ("internship.certificate_prepared", "Préparée le {date}, en attente de confirmation par le tuteur ou la tutrice en entreprise.", "Prepared on {date}, waiting for the company supervisor’s confirmation."),
    ("internship.certificate_issued", "Délivrée le {date}.", "Issued on {date}."),
    ("internship.certificate_download", "Télécharger l’attestation (PDF)", "Download the certificate (PDF)"),
    ("internship.certificate_form_title", "Attestation de stage à confirmer", "Internship certificate to confirm"),
    ("internship.certificate_form_intro", "Le stage de {student} chez {company} s’est terminé le {to}. La loi (code de l’éducation, article D. 124-9) demande à l’organisme d’accueil de remettre au stagiaire une attestation indiquant la durée effective du stage et la gratification versée. Vérifiez ces chiffres, corrigez-les si besoin, puis confirmez.", "{student}’s internship at {company} ended on {to}. The law (code de l’éducation, article D. 124-9) asks the host to give the intern a certificate stating the effective duration and the gratification paid. Check these figures, correct them if needed, then confirm."),
    ("field.presence_hours", "Durée effective de présence (heures)", "Effective presence (hours)"),
    ("field.gratification_total", "Gratification totale versée (€, 0 si aucune)", "Total gratification paid (€, 0 if none)"),
    ("internship.certificate_confirm", "Confirmer et délivrer l’attestation", "Confirm and issue the certificate"),
    ("flash.certificate_issued", "Merci : l’attestation est délivrée et envoyée au stagiaire.", "Thank you: the certificate is issued and sent to the intern."),
    ("flash.internship_requested", "Votre demande est enregistrée : votre tuteur ou tutrice en entreprise a reçu un lien pour compléter sa partie.", "Your request is saved: your company supervisor got a link to complete their part."),
    ("flash.internship_saved", "Modifications enregistrées.", "Changes saved."),
    ("flash.certificate_prepared", "L’attestation est préparée : le tuteur ou la tutrice en entreprise a reçu un lien pour la confirmer.", "The certificate is prepared: the company supervisor got a link to confirm it."),
    ("error.invalid_siret", "Ce SIRET n’est pas valide (14 chiffres, clé de contrôle).", "This SIRET is not valid (14 digits, check key)."),
    ("error.duration_exceeded", "Ce stage dépasserait 6 mois (924 h) de présence chez cet organisme sur l’année {academic_year} : {used_hours} h déjà conventionnées et {asked_hours} h demandées.", "This internship would exceed 6 months (924 h) of presence at this host in {academic_year}."),
    ("error.gratification_required", "Ce stage compte {presence_hours} h de présence : au-delà de 2 mois (308 h), une gratification d’au moins {minimum_cents_per_hour} par heure est obligatoire.", "Beyond 2 months (308 h) a gratification is compulsory."),
    ("error.gratification_below_minimum", "La gratification proposée, {offered_cents_per_hour} par heure, est inférieure au minimum légal de {year} : {minimum_cents_per_hour} par heure.", "The gratification offered is below the year’s legal minimum."),
    ("error.supervisor_full", "Ce tuteur ou cette tutrice suit déjà {in_progress} stagiaires à cette date : {limit} au plus.", "This supervisor already follows the most interns allowed at that date."),
    ("error.internship_overlap", "L’étudiant a déjà un stage du {other_starts_on} au {other_ends_on} : les deux se chevauchent.", "The student already has an internship on some of these days."),
    ("error.host_quota", "Cet organisme accueillerait {interns_in_a_week} stagiaires la même semaine pour un effectif de {headcount} : {limit} au plus.", "This host would take more interns in one week than its quota."),
    ("error.internship_incomplete", "La convention ne peut pas encore être envoyée : il manque des éléments (voir ci-dessous).", "The agreement cannot be sent yet: something is missing (see below)."),
    ("error.certificate_confirmed", "L’attestation est déjà confirmée et délivrée.", "The certificate is already confirmed and issued."),
    ("error.certificate_not_issued", "L’attestation sera disponible quand le tuteur ou la tutrice en entreprise l’aura confirmée.", "The certificate is available once the company supervisor confirms it."),
    ("error.not_signed", "L’attestation se prépare pour une convention signée.", "A certificate is prepared for a signed agreement."),
];

/// A form's optional text: blank is not given.
fn opt(fields: &[(String, String)], name: &str) -> Option<String> {
    let value = field(fields, name).trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// A number typed the French way (« 17,5 ») or the English one.
fn decimal(fields: &[(String, String)], name: &str, errors: &mut Vec<FieldError>) -> Option<f64> {
    let text = opt(fields, name)?;
    match text
        .replace(',', ".")
        .replace([' ', '\u{a0}', '€'], "")
        .parse::<f64>()
    {
        Ok(n) if n.is_finite() => Some(n),
        _ => {
            errors.push(FieldError::new(name, "must be a number"));
            None
        }
    }
}

fn ticked(fields: &[(String, String)], name: &str) -> bool {
    !field(fields, name).is_empty()
}

/// The form's fields as the use case's body. `scope`: which fields this form carries.
fn body_of(
    fields: &[(String, String)],
    scope: Scope,
    errors: &mut Vec<FieldError>,
) -> InternshipBody {
    let mut body = InternshipBody::default();
    let text = |name: &str| opt(fields, name);
    if scope == Scope::Request {
        body.company = Some(HostBody {
            name: text("company_name"),
            city: text("company_city"),
            siret: text("company_siret"),
            address: text("company_address"),
            representative_name: text("company_representative_name"),
            representative_role: text("company_representative_role"),
            representative_email: text("company_representative_email"),
            headcount: None,
        });
        body.student_number = text("student_number");
        body.programme = text("programme");
        body.programme_hours = text("programme_hours");
        body.internship_type = text("internship_type");
        body.subject = text("subject");
        body.starts_on = text("starts_on");
        body.ends_on = text("ends_on");
        body.place = text("place");
        body.supervisor_name = text("supervisor_name");
        body.supervisor_email = text("supervisor_email");
    }
    if scope == Scope::Supervisor {
        let headcount = decimal(fields, "company_headcount", errors);
        body.company = Some(HostBody {
            address: text("company_address"),
            representative_name: text("company_representative_name"),
            representative_role: text("company_representative_role"),
            headcount: headcount.map(|h| h as i32),
            ..HostBody::default()
        });
        body.night_work = Some(ticked(fields, "night_work"));
        body.sunday_work = Some(ticked(fields, "sunday_work"));
        body.holiday_work = Some(ticked(fields, "holiday_work"));
        body.confidential = Some(ticked(fields, "confidential"));
        body.leave = Some(field(fields, "leave").trim().to_owned());
        body.gratification_terms = Some(field(fields, "gratification_terms").trim().to_owned());
        body.benefits = Some(field(fields, "benefits").trim().to_owned());
        body.internal_rules = Some(field(fields, "internal_rules").trim().to_owned());
        body.gratification_cents_per_hour = Some(
            decimal(fields, "gratification_per_hour", errors)
                .map_or(0, |euros| (euros * 100.0).round() as i32),
        );
        let (from, to) = (text("interruption_starts_on"), text("interruption_ends_on"));
        body.interruptions = Some(match (from, to) {
            (Some(starts_on), Some(ends_on)) => vec![PeriodBody { starts_on, ends_on }],
            (None, None) => Vec::new(),
            _ => {
                errors.push(FieldError::new("interruption_ends_on", "needs both dates"));
                Vec::new()
            }
        });
    }
    body.activities = text("activities");
    body.skills = text("skills");
    body.department = text("department");
    body.supervisor_role = text("supervisor_role");
    body.supervisor_phone = text("supervisor_phone");
    body.weekly_hours = decimal(fields, "weekly_hours", errors);
    let days: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "work_days")
        .map(|(_, v)| v.clone())
        .collect();
    if !days.is_empty() || scope == Scope::Supervisor {
        body.work_days = Some(days);
    }
    body
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Request,
    Supervisor,
}

/// The use case's field names as the form's (`company.siret` → `company_siret`).
fn on_page(error: ApiError) -> ApiError {
    let problem = error.problem();
    if problem.errors.is_empty() {
        return error;
    }
    ApiError::validation(
        problem
            .errors
            .into_iter()
            .map(|mut e| {
                e.field = match e.field.as_str() {
                    "gratification_cents_per_hour" => "gratification_per_hour".to_owned(),
                    "gratification_total_cents" => "gratification_total".to_owned(),
                    f if f.starts_with("interruptions") => "interruption_ends_on".to_owned(),
                    f => f.replace('.', "_"),
                };
                e
            })
            .collect(),
    )
}

fn day_choices(lang: Lang) -> Vec<Value> {
    DAY_NAMES
        .iter()
        .map(|d| context! { value => *d, label => lang.text(&format!("day.{d}")) })
        .collect()
}

fn type_choices(lang: Lang) -> Vec<Value> {
    InternshipType::ALL
        .iter()
        .map(|t| {
            context! { value => t.as_str(), label => lang.text(&format!("internship_type.{}", t.as_str())) }
        })
        .collect()
}

fn choices(lang: Lang) -> Value {
    context! { days => day_choices(lang), types => type_choices(lang) }
}

pub async fn request_form(v: Visitor) -> Result<HttpResponse, PageError> {
    v.one_of(&[Role::Student])?;
    let values = context! {
        weekly_hours => "35",
        work_days => ["mon", "tue", "wed", "thu", "fri"],
        internship_type => "compulsory",
    };
    Ok(v.ok(
        "internship_new.html",
        context! { values, field_errors => context! {}, ..choices(v.lang) },
    ))
}

pub async fn request(
    v: Visitor,
    state: web::Data<AppState>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let user = v.one_of(&[Role::Student])?;
    let fields = form.into_inner();
    v.check_csrf(field(&fields, "csrf_token"))?;
    let mut errors = Vec::new();
    let body = body_of(&fields, Scope::Request, &mut errors);
    let outcome = if errors.is_empty() {
        state
            .write(move |tx, state| flows::request(tx, state, &user, body))
            .await
    } else {
        Err(ApiError::validation(errors))
    };
    match outcome {
        Ok(details) => Ok(v.see_other(&format!(
            "/app/agreements/{}?done=internship_requested",
            details.agreement.id
        ))),
        Err(e) => refused(
            &v,
            on_page(e),
            "internship_new.html",
            kept_with_days(&fields),
            choices(v.lang),
        ),
    }
}

/// The refused form's input, the ticked days as a list.
fn kept_with_days(fields: &[(String, String)]) -> Value {
    let days: Vec<&str> = fields
        .iter()
        .filter(|(k, _)| k == "work_days")
        .map(|(_, v)| v.as_str())
        .collect();
    context! { work_days => days, ..kept(fields) }
}

/// The supervisor's form's values: what is stored now.
fn stored_values(lang: Lang, d: &Details) -> Value {
    let Some(row) = &d.internship else {
        return context! {};
    };
    let host = &d.company.host;
    let interruption = assess::periods_from_json(&row.interruptions)
        .into_iter()
        .next();
    let work_days: Vec<&str> = assess::mask_to_days(&row.work_days)
        .into_iter()
        .map(assess::day_name)
        .collect();
    let number = |n: f64| {
        let text = format!("{n}");
        if lang.is_french() {
            text.replace('.', ",")
        } else {
            text
        }
    };
    context! {
        activities => &row.activities,
        skills => &row.skills,
        department => &row.department,
        supervisor_role => &row.supervisor_role,
        supervisor_phone => &row.supervisor_phone,
        weekly_hours => number(f64::from(row.weekly_minutes) / 60.0),
        work_days,
        night_work => row.night_work,
        sunday_work => row.sunday_work,
        holiday_work => row.holiday_work,
        confidential => row.confidential,
        interruption_starts_on => interruption.map(|p| p.start().to_string()),
        interruption_ends_on => interruption.map(|p| p.end().to_string()),
        leave => &row.leave,
        gratification_per_hour => row.gratification_cents.map(|c| number(f64::from(c) / 100.0)),
        gratification_terms => &row.gratification_terms,
        benefits => &row.benefits,
        internal_rules => &row.internal_rules,
        company_address => &host.address,
        company_representative_name => &host.representative_name,
        company_representative_role => &host.representative_role,
        company_headcount => host.headcount,
    }
}

fn summary(lang: Lang, d: &Details) -> Value {
    let a = &d.agreement;
    let student = d.student.as_ref().map_or("", |s| s.name.as_str());
    context! {
        intro => lang.fill("internship.form_intro", &[
            ("student", student),
            ("company", &d.company.name),
            ("from", &lang.date(a.starts_on)),
            ("to", &lang.date(a.ends_on)),
        ]),
        certificate_intro => lang.fill("internship.certificate_form_intro", &[
            ("student", student),
            ("company", &d.company.name),
            ("to", &lang.date(a.ends_on)),
        ]),
        subject => &a.subject,
        open => a.status == "draft",
    }
}

fn link_gone(v: &Visitor, template: &str) -> HttpResponse {
    v.page(
        actix_web::http::StatusCode::NOT_FOUND,
        template,
        context! { invalid => true, values => context! {}, field_errors => context! {} },
    )
}

pub async fn supervisor_form(
    v: Visitor,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let token = query.into_inner().token;
    let lang = v.lang;
    let for_lookup = token.clone();
    let found = state
        .db(move |conn| flows::by_supervisor_token(conn, &for_lookup))
        .await;
    match found {
        Ok(d) => Ok(v.ok(
            "internship_form.html",
            context! {
                token,
                summary => summary(lang, &d),
                values => stored_values(lang, &d),
                field_errors => context! {},
                ..choices(lang)
            },
        )),
        Err(_) => Ok(link_gone(&v, "internship_form.html")),
    }
}

pub async fn complete(
    v: Visitor,
    state: web::Data<AppState>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let fields = form.into_inner();
    v.check_csrf(field(&fields, "csrf_token"))?;
    let token = field(&fields, "token").to_owned();
    let mut errors = Vec::new();
    let body = body_of(&fields, Scope::Supervisor, &mut errors);
    let for_write = token.clone();
    let outcome = if errors.is_empty() {
        state
            .write(move |tx, state| flows::complete(tx, state, &for_write, body))
            .await
    } else {
        Err(ApiError::validation(errors))
    };
    let lang = v.lang;
    match outcome {
        Ok(_) => Ok(v.see_other(&format!(
            "/internship-form?token={}&done=internship_completed",
            crate::web::session::encode(&token)
        ))),
        Err(e) if e.code() == "not_found" => Ok(link_gone(&v, "internship_form.html")),
        Err(e) => {
            let for_page = token.clone();
            let page = state
                .db(move |conn| flows::by_supervisor_token(conn, &for_page))
                .await
                .map_err(|e| v.fail(e))?;
            refused(
                &v,
                on_page(e),
                "internship_form.html",
                kept_with_days(&fields),
                context! { token, summary => summary(lang, &page), ..choices(lang) },
            )
        }
    }
}

pub async fn certificate_form(
    v: Visitor,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let token = query.into_inner().token;
    let lang = v.lang;
    let for_lookup = token.clone();
    let found = state
        .db(move |conn| flows::by_certificate_token(conn, &for_lookup))
        .await;
    let Ok(d) = found else {
        return Ok(link_gone(&v, "certificate_form.html"));
    };
    let Some(c) = &d.certificate else {
        return Ok(link_gone(&v, "certificate_form.html"));
    };
    let number = |n: f64| {
        let text = format!("{n:.2}");
        let text = text.trim_end_matches('0').trim_end_matches('.').to_owned();
        if lang.is_french() {
            text.replace('.', ",")
        } else {
            text
        }
    };
    Ok(v.ok(
        "certificate_form.html",
        context! {
            token,
            summary => summary(lang, &d),
            confirmed => c.confirmed_at.is_some(),
            values => context! {
                presence_hours => number(f64::from(c.presence_minutes) / 60.0),
                gratification_total => number(c.gratification_cents.unwrap_or(0) as f64 / 100.0),
            },
            field_errors => context! {},
        },
    ))
}

pub async fn confirm_certificate(
    v: Visitor,
    state: web::Data<AppState>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let fields = form.into_inner();
    v.check_csrf(field(&fields, "csrf_token"))?;
    let token = field(&fields, "token").to_owned();
    let mut errors = Vec::new();
    let body = CertificateBody {
        presence_hours: decimal(&fields, "presence_hours", &mut errors),
        gratification_total_cents: decimal(&fields, "gratification_total", &mut errors)
            .map(|euros| (euros * 100.0).round() as i64),
    };
    let for_write = token.clone();
    let outcome = if errors.is_empty() {
        state
            .write(move |tx, state| flows::confirm_certificate(tx, state, &for_write, body))
            .await
    } else {
        Err(ApiError::validation(errors))
    };
    let lang = v.lang;
    match outcome {
        Ok(_) => Ok(v.see_other(&format!(
            "/certificate-form?token={}&done=certificate_issued",
            crate::web::session::encode(&token)
        ))),
        Err(e) if e.code() == "not_found" => Ok(link_gone(&v, "certificate_form.html")),
        Err(e) => {
            let for_page = token.clone();
            let page = state
                .db(move |conn| flows::by_certificate_token(conn, &for_page))
                .await
                .map_err(|e| v.fail(e))?;
            refused(
                &v,
                on_page(e),
                "certificate_form.html",
                kept(&fields),
                context! { token, summary => summary(lang, &page), confirmed => false },
            )
        }
    }
}

/// What the agreement's page shows of an internship: computed hours, gratification, the
/// supervisor's part, the certificate; for staff the limits judged now and their actions.
pub fn section(
    conn: &mut DbConnection,
    settings: &crate::config::Settings,
    lang: Lang,
    user: &CurrentUser,
    d: &Details,
) -> Result<Option<Value>, ApiError> {
    let Some(row) = &d.internship else {
        return Ok(None);
    };
    let locale = if lang.is_french() {
        Locale::Fr
    } else {
        Locale::En
    };
    let presence = Presence::from_minutes(row.presence_minutes.max(0) as u32);
    let plan = flows::plan(&d.agreement, row);
    let days = crate::agreements::internship::document::work_days_text(&row.work_days, locale);
    let staff = user.is(Role::Staff);
    let limits = if staff {
        let assessment = flows::assessment(conn, settings, &d.agreement, row)?;
        let refusal = |r: &crate::agreements::internship::rules::Refusal| {
            refusal_sentence(lang, &ApiError::from(r.clone()))
        };
        let minimum = assessment.minimum.map(|m| {
            let mut text = lang.fill(
                "internship.minimum",
                &[
                    ("year", &m.year.to_string()),
                    ("amount", &euros(i64::from(m.cents_per_hour), locale)),
                ],
            );
            if assessment.minimum_provisional {
                text.push(' ');
                text.push_str(&lang.fill(
                    "internship.minimum_provisional",
                    &[("year", &m.year.to_string())],
                ));
            }
            text
        });
        Some(context! {
            years => assessment.years.iter().map(|y| lang.fill("internship.year_hours", &[
                ("year", &y.academic_year.to_string()),
                ("asked", &hours_text(y.asked.minutes())),
                ("used", &hours_text(y.used.minutes())),
            ])).collect::<Vec<_>>(),
            minimum,
            refusals => assessment.refusals.iter().map(refusal).collect::<Vec<_>>(),
            warnings => assessment.warnings.iter().map(refusal).collect::<Vec<_>>(),
            missing => flows::missing(d, row).into_iter()
                .map(|m| lang.text(&format!("missing.{m}"))).collect::<Vec<_>>(),
        })
    } else {
        None
    };
    let tutors: Vec<Value> = if staff {
        crate::tutors::models::all(conn)?
            .into_iter()
            .map(|t| context! { id => t.profile.user_id.clone(), name => t.name.clone() })
            .collect()
    } else {
        Vec::new()
    };
    let certificate = d.certificate.as_ref().map(|c| match c.confirmed_at {
        Some(at) => lang.fill(
            "internship.certificate_issued",
            &[("date", &lang.date(crate::db::utc(at).date_naive()))],
        ),
        None => lang.fill(
            "internship.certificate_prepared",
            &[(
                "date",
                &lang.date(crate::db::utc(c.prepared_at).date_naive()),
            )],
        ),
    });
    Ok(Some(context! {
        presence => hours_text(presence.minutes()),
        legal => legal_text(presence.legal(), locale),
        schedule => lang.fill("internship.per_week_day", &[
            ("week", &hours_text(row.weekly_minutes.max(0) as u32)),
            ("day", &hours_text(plan.as_ref().map_or(0, |p| p.daily_minutes()))),
            ("days", &days),
        ]),
        gratification => match row.gratification_cents {
            Some(c) => lang.fill("internship.gratification_per_hour", &[("amount", &euros(i64::from(c), locale))]),
            None => lang.text("internship.no_gratification").to_owned(),
        },
        supervisor => format!("{} ({})", row.supervisor_name, row.supervisor_email),
        supervisor_state => match row.supervisor_completed_at {
            Some(at) => lang.fill("internship.supervisor_done", &[("date", &lang.date(crate::db::utc(at).date_naive()))]),
            None => lang.text("internship.supervisor_waiting").to_owned(),
        },
        siret => &d.company.host.siret,
        limits,
        tutors,
        tutor_id => &d.agreement.tutor_id,
        overlap_allowed => row.overlap_allowed,
        certificate,
        certificate_issued => d.certificate.as_ref().is_some_and(|c| c.confirmed_at.is_some()),
        can_prepare_certificate => staff && d.agreement.status == "signed"
            && d.certificate.as_ref().is_none_or(|c| c.confirmed_at.is_none()),
        can_edit => staff && matches!(d.agreement.status.as_str(), "draft" | "sent"),
    }))
}

/// Staff's office form on the agreement's page: the academic tutor and an allowed overlap.
pub async fn office(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let user = v.one_of(&[Role::Staff])?;
    let fields = form.into_inner();
    v.check_csrf(field(&fields, "csrf_token"))?;
    let body = InternshipBody {
        academic_tutor_id: Some(field(&fields, "academic_tutor_id").trim().to_owned()),
        overlap_allowed: Some(ticked(&fields, "overlap_allowed")),
        ..InternshipBody::default()
    };
    let id = id.into_inner();
    let by = user.clone();
    let act = move |tx: &mut crate::db::WriteTx<'_>, state: &AppState, id: &str| {
        flows::change(tx, state, &by, id, body)
    };
    crate::web::agreements::act_on(v, state, user, id, fields, "internship_saved", act).await
}

pub async fn prepare_certificate(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let user = v.one_of(&[Role::Staff])?;
    let fields = form.into_inner();
    v.check_csrf(field(&fields, "csrf_token"))?;
    let act = |tx: &mut crate::db::WriteTx<'_>, state: &AppState, id: &str| {
        flows::prepare_certificate(tx, state, id)
    };
    let id = id.into_inner();
    crate::web::agreements::act_on(v, state, user, id, fields, "certificate_prepared", act).await
}

pub async fn certificate_pdf(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    let id = id.into_inner();
    let app = state.clone().into_inner();
    let (file, bytes) = state
        .db(move |conn| {
            let details = crate::agreements::flows::visible(conn, &user, &id)?;
            flows::certificate_pdf(&app, &details)
        })
        .await
        .map_err(|e| v.fail(e))?;
    Ok(crate::agreements::handlers::pdf_response(&file, bytes))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/app/internships/new", web::get().to(request_form))
        .route("/app/internships/new", web::post().to(request))
        .route(
            "/app/internships/{id}/certificate.pdf",
            web::get().to(certificate_pdf),
        )
        .route("/app/staff/internships/{id}", web::post().to(office))
        .route(
            "/app/staff/internships/{id}/certificate",
            web::post().to(prepare_certificate),
        )
        .route("/internship-form", web::get().to(supervisor_form))
        .route("/internship-form", web::post().to(complete))
        .route("/certificate-form", web::get().to(certificate_form))
        .route("/certificate-form", web::post().to(confirm_certificate));
}
