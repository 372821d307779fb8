//! The clauses of each kind and language, edited and previewed by staff
//! (`/app/staff/templates`): the text is a template checked by rendering a sample agreement;
//! the preview opens that sample as a PDF without saving.

use actix_web::{web, HttpResponse};
use minijinja::{context, Value};

use crate::agreements::templates;
use crate::app::AppState;
use crate::web::forms::{field, kept, refused_over, show, Fields};
use crate::web::i18n::Lang;
use crate::web::session::{PageError, Visitor};
use crate::web::staff::{posted, staff};

/// `(key, French, English)`.
pub const TEXTS: &[(&str, &str, &str)] = &[
    ("templates.title", "Modèles de clauses", "Clause templates"),
    ("templates.intro", "Le texte des clauses de chaque type de convention et de chaque langue. Les conventions envoyées à partir de maintenant utilisent le texte enregistré ; celles déjà envoyées gardent le texte avec lequel elles ont été figées.", "The clauses of each kind of agreement and language. Agreements sent from now on use the saved text; those already sent keep the text they were frozen with."),
    ("templates.edited", "modifié", "edited"),
    ("templates.shipped", "d’origine", "as shipped"),
    ("templates.help", "Valeurs : {{ company }}, {{ student }}, {{ starts_on }}… ; {{ company|de }} écrit « d’Ateliers » ; une ligne vide sépare deux paragraphes, « # » commence un titre.", "Values: {{ company }}, {{ student }}, {{ starts_on }}…; {{ company|de }} writes « d’Ateliers »; a blank line parts paragraphs, « # » starts a heading."),
    ("templates.body", "Texte des clauses", "Clauses"),
    ("templates.preview", "Aperçu (PDF)", "Preview (PDF)"),
    ("templates.save", "Enregistrer", "Save"),
    ("templates.reset", "Revenir au texte d’origine", "Back to the shipped text"),
    ("templates.locale.fr", "français", "French"),
    ("templates.locale.en", "anglais", "English"),
    ("flash.template_saved", "Modèle enregistré : les prochaines conventions l’utiliseront.", "Template saved: the next agreements will use it."),
    ("flash.template_reset", "Le texte d’origine est rétabli.", "The shipped text is back."),
    ("error.invalid_template", "Ce modèle ne peut pas être mis en page : voir le message sous le texte.", "This template cannot be laid out: see the message under the text."),
];

fn label(lang: Lang, kind: &str, locale: &str) -> String {
    format!(
        "{} ({})",
        lang.text(&format!("agreement.kind.{kind}")),
        lang.text(&format!("templates.locale.{locale}"))
    )
}

pub async fn list(v: Visitor, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    staff(&v)?;
    let lang = v.lang;
    let settings = state.settings.clone();
    show(&v, &state, "staff_templates.html", move |conn| {
        let items: Vec<Value> = templates::list(conn, &settings)?
            .into_iter()
            .map(|t| {
                context! {
                    href => format!("/app/staff/templates/{}/{}", t.kind.as_str(), t.locale.as_str()),
                    label => label(lang, t.kind.as_str(), t.locale.as_str()),
                    edited => t.edited,
                }
            })
            .collect();
        Ok(context! { items })
    })
    .await
}

fn page_of(
    conn: &mut crate::db::DbConnection,
    settings: &crate::config::Settings,
    lang: Lang,
    kind: &str,
    locale: &str,
) -> Result<Value, crate::error::ApiError> {
    let found = templates::list(conn, settings)?
        .into_iter()
        .find(|t| t.kind.as_str() == kind && t.locale.as_str() == locale)
        .ok_or_else(crate::error::ApiError::not_found)?;
    Ok(context! {
        kind, locale,
        label => label(lang, kind, locale),
        edited => found.edited,
        values => context! { body => found.body },
        field_errors => context! {},
    })
}

/// The template's page again with the refusal beside the text typed.
async fn refused_again(
    v: &Visitor,
    state: &AppState,
    error: crate::error::ApiError,
    fields: &[(String, String)],
    kind: String,
    locale: String,
) -> Result<HttpResponse, PageError> {
    let lang = v.lang;
    let settings = state.settings.clone();
    refused_over(
        v,
        state,
        error,
        "staff_template.html",
        kept(fields),
        move |conn| page_of(conn, &settings, lang, &kind, &locale),
    )
    .await
}

pub async fn edit(
    v: Visitor,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, PageError> {
    staff(&v)?;
    let (kind, locale) = path.into_inner();
    let lang = v.lang;
    let settings = state.settings.clone();
    show(&v, &state, "staff_template.html", move |conn| {
        page_of(conn, &settings, lang, &kind, &locale)
    })
    .await
}

pub async fn save(
    v: Visitor,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, fields) = posted(&v, form)?;
    let (kind, locale) = path.into_inner();
    let body = field(&fields, "body").to_owned();
    let reset = !field(&fields, "reset").is_empty();
    let (k, l) = (kind.clone(), locale.clone());
    let outcome = state
        .write(move |tx, state| {
            if reset {
                templates::reset(tx, &k, &l)
            } else {
                templates::save(tx, &state.settings, &user.id, &k, &l, &body)
            }
        })
        .await;
    match outcome {
        Ok(()) => Ok(v.see_other(&format!(
            "/app/staff/templates/{kind}/{locale}?done={}",
            if reset {
                "template_reset"
            } else {
                "template_saved"
            }
        ))),
        Err(e) => refused_again(&v, &state, e, &fields, kind, locale).await,
    }
}

pub async fn preview(
    v: Visitor,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (_, fields) = posted(&v, form)?;
    let (kind, locale) = path.into_inner();
    let body = field(&fields, "body").to_owned();
    let settings = state.settings.clone();
    let (k, l) = (kind.clone(), locale.clone());
    let rendered = web::block(move || templates::preview(&settings, &k, &l, &body))
        .await
        .map_err(|e| v.fail(crate::error::ApiError::internal(e)))?;
    match rendered {
        Ok(pdf) => Ok(crate::agreements::handlers::pdf_response("apercu.pdf", pdf)),
        Err(e) => refused_again(&v, &state, e, &fields, kind, locale).await,
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/app/staff/templates", web::get().to(list))
        .route("/app/staff/templates/{kind}/{locale}", web::get().to(edit))
        .route("/app/staff/templates/{kind}/{locale}", web::post().to(save))
        .route(
            "/app/staff/templates/{kind}/{locale}/preview",
            web::post().to(preview),
        );
}
