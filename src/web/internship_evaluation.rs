//! The company supervisor's evaluation of an intern from the e-mailed link
//! (`/evaluation-form?token=`, no account): the form (a mark out of 20, an appreciation, the
//! skills observed), then, once given, the evaluation read-only; and what the agreement's page
//! shows of it to staff, the academic tutor and the student. Every write goes through
//! `agreements::internship::evaluating`, like the API.

use actix_web::{web, HttpResponse};
use minijinja::{context, Value};

use crate::agreements::internship::evaluating;
use crate::agreements::internship::evaluation::Mark;
use crate::agreements::internship::models::EvaluationRow;
use crate::agreements::internship::views::EvaluationBody;
use crate::agreements::models::Details;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::mail::domain::Locale;
use crate::web::accounts::TokenQuery;
use crate::web::forms::{field, kept, refused};
use crate::web::i18n::Lang;
use crate::web::session::{PageError, Visitor};

/// `(key, French, English)`.
pub const TEXTS: &[(&str, &str, &str)] = &[
    ("evaluation.form_title", "Évaluation du stage", "Internship evaluation"),
    ("evaluation.form_intro", "Le stage de {student} chez {company} s’est terminé le {to}. En tant que tuteur ou tutrice, merci de l’évaluer : une note sur 20, une appréciation et, si vous le souhaitez, les compétences et le comportement observés. Une fois enregistrée, l’évaluation ne peut plus être modifiée.", "{student}’s internship at {company} ended on {to}. As their supervisor, please evaluate it: a mark out of 20, an appreciation and, if you wish, the skills and behaviour you observed. Once recorded, the evaluation cannot be changed."),
    ("evaluation.recorded_intro", "Votre évaluation du stage de {student} chez {company} a été enregistrée le {date}. La voici ; elle ne peut plus être modifiée.", "Your evaluation of {student}’s internship at {company} was recorded on {date}. Here it is; it can no longer be changed."),
    ("field.mark", "Note sur 20", "Mark out of 20"),
    ("field.mark_hint", "Au quart de point près, par exemple 14,5.", "In quarter points, for example 14.5."),
    ("field.appreciation", "Appréciation", "Appreciation"),
    ("field.evaluation_skills", "Compétences et comportement observés (facultatif)", "Skills and behaviour observed (optional)"),
    ("evaluation.submit", "Enregistrer l’évaluation", "Record the evaluation"),
    ("flash.evaluation_recorded", "Merci : votre évaluation est enregistrée. Le ou la stagiaire et son enseignant référent en sont informés.", "Thank you: your evaluation is recorded. The intern and their academic tutor are told."),
    ("evaluation.link_invalid", "Ce lien n’est pas (ou plus) valide : chaque rappel envoie un nouveau lien, qui remplace le précédent. Utilisez celui du message le plus récent, ou écrivez au service des stages.", "This link is not (or no longer) valid: each reminder sends a new link, which replaces the previous one. Use the one in the latest message, or write to the internship office."),
    ("evaluation.section", "Évaluation par l’organisme d’accueil", "Evaluation by the host"),
    ("evaluation.waiting", "Demandée le {date} au tuteur ou à la tutrice en entreprise, pas encore donnée ({reminders}).", "Asked of the company supervisor on {date}, not given yet ({reminders})."),
    ("evaluation.reminders", "rappel envoyé|rappels envoyés", "reminder sent|reminders sent"),
    ("evaluation.given", "Donnée le {date} par {supervisor}", "Given on {date} by {supervisor}"),
    ("evaluation.mark", "Note", "Mark"),
    ("evaluation.appreciation", "Appréciation", "Appreciation"),
    ("evaluation.skills", "Compétences et comportement", "Skills and behaviour"),
    ("error.evaluation_submitted", "Cette évaluation est déjà enregistrée : elle ne se donne qu’une fois.", "This evaluation is already recorded: it is given once only."),
];

fn locale(lang: Lang) -> Locale {
    if lang.is_french() {
        Locale::Fr
    } else {
        Locale::En
    }
}

fn day_of(lang: Lang, at: chrono::NaiveDateTime) -> String {
    lang.local_date(at)
}

/// The evaluation as given, in the reader's words; `None` until given.
fn given(lang: Lang, row: &EvaluationRow) -> Option<Value> {
    let at = row.submitted_at?;
    let mark = row.mark_quarters.and_then(Mark::from_quarters)?;
    Some(context! {
        date => day_of(lang, at),
        mark => evaluating::mark_text(mark, locale(lang)),
        appreciation => &row.appreciation,
        skills => &row.skills,
    })
}

fn summary(lang: Lang, d: &Details, row: &EvaluationRow) -> Value {
    let student = d.student.as_ref().map_or("", |s| s.name.as_str());
    let company = d.company.name.as_str();
    context! {
        intro => lang.fill("evaluation.form_intro", &[
            ("student", student),
            ("company", company),
            ("to", &lang.date(d.agreement.ends_on)),
        ]),
        recorded_intro => row.submitted_at.map(|at| lang.fill("evaluation.recorded_intro", &[
            ("student", student),
            ("company", company),
            ("date", &day_of(lang, at)),
        ])),
        subject => &d.agreement.subject,
        given => given(lang, row),
    }
}

fn link_gone(v: &Visitor) -> HttpResponse {
    v.page(
        actix_web::http::StatusCode::NOT_FOUND,
        "evaluation_form.html",
        context! { invalid => true, values => context! {}, field_errors => context! {} },
    )
}

pub async fn evaluation_form(
    v: Visitor,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let token = query.into_inner().token;
    let lang = v.lang;
    let for_lookup = token.clone();
    let found = state
        .db(move |conn| evaluating::by_token(conn, &for_lookup))
        .await;
    match found {
        Ok((d, row)) => Ok(v.ok(
            "evaluation_form.html",
            context! {
                token,
                summary => summary(lang, &d, &row),
                values => context! {},
                field_errors => context! {},
            },
        )),
        Err(_) => Ok(link_gone(&v)),
    }
}

pub async fn submit_evaluation(
    v: Visitor,
    state: web::Data<AppState>,
    form: crate::web::forms::Fields,
) -> Result<HttpResponse, PageError> {
    let fields = form.into_inner();
    v.check_csrf(field(&fields, "csrf_token"))?;
    let token = field(&fields, "token").to_owned();
    let text = |name: &str| Some(field(&fields, name).to_owned());
    let body = EvaluationBody {
        mark: Some(serde_json::Value::String(field(&fields, "mark").to_owned())),
        appreciation: text("appreciation"),
        skills: text("skills"),
    };
    let for_write = token.clone();
    let outcome = state
        .write(move |tx, state| evaluating::submit(tx, state, &for_write, body))
        .await;
    let lang = v.lang;
    match outcome {
        Ok(_) => Ok(v.see_other(&format!(
            "/evaluation-form?token={}&done=evaluation_recorded",
            crate::web::session::encode(&token)
        ))),
        Err(e) if e.code() == "not_found" => Ok(link_gone(&v)),
        Err(e) => {
            let for_page = token.clone();
            let (d, row) = state
                .db(move |conn| evaluating::by_token(conn, &for_page))
                .await
                .map_err(|e| v.fail(e))?;
            refused(
                &v,
                e,
                "evaluation_form.html",
                kept(&fields),
                context! { token, summary => summary(lang, &d, &row) },
            )
        }
    }
}

/// What the agreement's page shows of the evaluation to staff, the academic tutor and the
/// student: asked and waiting (with its reminders), or given.
pub fn section(
    conn: &mut DbConnection,
    lang: Lang,
    user: &CurrentUser,
    d: &Details,
) -> Result<Option<Value>, ApiError> {
    if d.internship.is_none() || !evaluating::may_read(d, user) {
        return Ok(None);
    }
    let Some(row) = crate::agreements::internship::models::evaluation(conn, &d.agreement.id)?
    else {
        return Ok(None);
    };
    let supervisor = d
        .internship
        .as_ref()
        .map_or("", |i| i.supervisor_name.as_str());
    Ok(Some(match (given(lang, &row), row.submitted_at) {
        (Some(given), Some(at)) => context! {
            state => lang.fill("evaluation.given", &[
                ("date", &day_of(lang, at)),
                ("supervisor", supervisor),
            ]),
            given,
        },
        _ => context! {
            state => lang.fill("evaluation.waiting", &[
                ("date", &day_of(lang, row.created_at)),
                ("reminders", &lang.plural("evaluation.reminders", i64::from(row.reminders_sent))),
            ]),
        },
    }))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/evaluation-form", web::get().to(evaluation_form))
        .route("/evaluation-form", web::post().to(submit_evaluation));
}
