//! A refused form shown again: the use case's refusal as one alert in the reader's language,
//! each field's message beside it, the input kept (never a password).

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use minijinja::{context, Value};

use crate::app::AppState;
use crate::db::DbConnection;
use crate::error::{ApiError, FieldError};
use crate::web::i18n::Lang;
use crate::web::session::{PageError, Visitor};

/// The message shown next to `field` for the API's `message`, in `lang`. English pages show
/// the use case's own words; French ones the catalogue's closest sentence.
pub fn field_message(lang: Lang, field: &str, message: &str) -> String {
    if !lang.is_french() {
        // A bare "is required" reads as the other forms' sentence; the rest carry details.
        if message == "is required" {
            return lang.text("field_error.required").to_owned();
        }
        return capitalised(message);
    }
    let key = if message.contains("required") {
        "field_error.required"
    } else if message.starts_with("must be between 0 and 20") {
        "field_error.mark_range"
    } else if message.starts_with("must be in quarter points") {
        "field_error.mark_step"
    } else if message.starts_with("must be 1 to 80 characters") {
        "field_error.name_length"
    } else {
        match field {
            "password" => "field_error.password",
            "email" => "field_error.email",
            "start_time" | "end_time" => "field_error.time",
            _ => "field_error.invalid",
        }
    };
    lang.text(key).to_owned()
}

fn capitalised(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => {
            let mut out: String = first.to_uppercase().collect();
            out.push_str(chars.as_str());
            if !out.ends_with('.') {
                out.push('.');
            }
            out
        }
        None => String::new(),
    }
}

/// The form page again with `error`: its status (4xx), an alert, field messages, `values`
/// (the caller leaves passwords out). 5xx, 404 and sign-in refusals become their own pages.
pub fn refused(
    v: &Visitor,
    error: ApiError,
    template: &str,
    values: Value,
    extra: Value,
) -> Result<HttpResponse, PageError> {
    let problem = error.problem();
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::BAD_REQUEST);
    let refusable = status.is_client_error()
        && status != StatusCode::NOT_FOUND
        && status != StatusCode::UNAUTHORIZED
        || problem.code == "invalid_credentials";
    if !refusable {
        return Err(v.fail(error));
    }
    let field_errors: BTreeMap<String, String> = problem
        .errors
        .iter()
        .map(|e| (e.field.clone(), field_message(v.lang, &e.field, &e.message)))
        .collect();
    let figures = figures(v.lang, &error);
    Ok(v.page(
        status,
        template,
        context! {
            alert => alert(v.lang, &problem.code, &problem.detail, &figures),
            values => values,
            field_errors => field_errors,
            ..extra
        },
    ))
}

/// A page whose values `load` reads in one blocking hop; its refusal (404, …) is the page's.
pub async fn show<F>(
    v: &Visitor,
    state: &AppState,
    template: &str,
    load: F,
) -> Result<HttpResponse, PageError>
where
    F: FnOnce(&mut DbConnection) -> Result<Value, ApiError> + Send + 'static,
{
    let values = state.db(load).await.map_err(|e| v.fail(e))?;
    Ok(v.ok(template, values))
}

/// A refused form shown again over its page's values, read anew by `load`.
pub async fn refused_over<F>(
    v: &Visitor,
    state: &AppState,
    error: ApiError,
    template: &str,
    kept: Value,
    load: F,
) -> Result<HttpResponse, PageError>
where
    F: FnOnce(&mut DbConnection) -> Result<Value, ApiError> + Send + 'static,
{
    let page = state.db(load).await.map_err(|e| v.fail(e))?;
    refused(v, error, template, kept, page)
}

/// A refusal as a sentence of the page's language, with its figures.
pub fn refusal_sentence(lang: Lang, error: &ApiError) -> String {
    let problem = error.problem();
    alert(lang, &problem.code, &problem.detail, &figures(lang, error))
}

/// The refusal in the page's language: the catalogue's sentence for its code in French, its
/// `{figures}` filled from the problem's extension members; in English the use case's own
/// words, which carry its figures (quota used, durations allowed).
fn alert(lang: Lang, code: &str, detail: &str, figures: &[(String, String)]) -> String {
    if lang.is_french() || detail.is_empty() || code == "validation_failed" {
        let mut text = lang.refusal(code).to_owned();
        for (name, value) in figures {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    } else {
        detail.to_owned()
    }
}

/// A refusal's figures as the page writes them: « 924 », « 462,5 », and amounts in cents
/// (`…_cents_per_hour`) as euros.
fn figures(lang: Lang, error: &ApiError) -> Vec<(String, String)> {
    let number = |n: f64| {
        let text = if n.fract() == 0.0 {
            format!("{n:.0}")
        } else {
            format!("{n:.2}").trim_end_matches('0').to_owned()
        };
        match lang {
            Lang::Fr => text.replace('.', ","),
            Lang::En => text,
        }
    };
    error
        .extensions()
        .filter_map(|(name, value)| {
            let text = match value {
                serde_json::Value::Number(n) => {
                    let n = n.as_f64()?;
                    if name.ends_with("_cents_per_hour") {
                        let euros = format!("{:.2}", n / 100.0);
                        let euros = match lang {
                            Lang::Fr => euros.replace('.', ","),
                            Lang::En => euros,
                        };
                        match lang {
                            Lang::Fr => format!("{euros}\u{a0}€"),
                            Lang::En => format!("€{euros}"),
                        }
                    } else {
                        number(n)
                    }
                }
                serde_json::Value::String(s) => match crate::dates::parse_date(s) {
                    Some(day) => lang.date(day),
                    None => s.clone(),
                },
                _ => return None,
            };
            Some((name.to_owned(), text))
        })
        .collect()
}

/// The domains as a select's options, in the reader's language.
pub fn domain_choices(lang: Lang) -> Vec<Value> {
    crate::tutors::domain::Domain::ALL
        .iter()
        .map(|d| context! { value => d.as_str(), label => d.label(lang.is_french()) })
        .collect()
}

/// A form's fields in order, repeated names included (`member_emails`, `problem_ids`).
pub type Fields = web::Form<Vec<(String, String)>>;

pub fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.as_str())
}

pub fn all_of(fields: &[(String, String)], name: &str) -> Vec<String> {
    fields
        .iter()
        .filter(|(k, v)| k == name && !v.trim().is_empty())
        .map(|(_, v)| v.trim().to_owned())
        .collect()
}

/// A text attribute of a page value (`None` when missing or not text).
pub fn text_attr(value: &Value, name: &str) -> Option<String> {
    value
        .get_attr(name)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
}

/// A refused form's input to show again: every field but the CSRF token and passwords.
pub fn kept(fields: &[(String, String)]) -> Value {
    let kept: BTreeMap<&str, &str> = fields
        .iter()
        .filter(|(k, _)| k != "csrf_token" && !k.contains("password"))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    Value::from_serialize(&kept)
}

/// An optional whole number typed in a form: blank is `None`, anything else not a number is
/// refused beside its field.
pub fn number(fields: &[(String, String)], name: &str) -> Result<Option<i64>, FieldError> {
    match field(fields, name).trim() {
        "" => Ok(None),
        text => text
            .parse()
            .map(Some)
            .map_err(|_| FieldError::new(name, "must be a whole number")),
    }
}

/// An empty form's context: no values, no errors.
pub fn blank(extra: Value) -> Value {
    context! { values => context! {}, field_errors => context! {}, ..extra }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_english_refusal_keeps_its_figures_a_french_one_reads_french() {
        let detail = "This week the project has used 180 of its 240 minutes.";
        assert_eq!(alert(Lang::En, "quota_exceeded", detail, &[]), detail);
        assert_eq!(
            alert(Lang::Fr, "quota_exceeded", detail, &[]),
            Lang::Fr.refusal("quota_exceeded")
        );
        assert_eq!(
            alert(Lang::En, "validation_failed", "Invalid fields.", &[]),
            Lang::En.refusal("validation_failed")
        );
    }

    #[test]
    fn a_french_refusal_says_its_figures() {
        let error = ApiError::unprocessable("gratification_below_minimum", "x")
            .with("year", 2026)
            .with("offered_cents_per_hour", 449)
            .with("minimum_cents_per_hour", 450);
        let text = alert(Lang::Fr, error.code(), "x", &figures(Lang::Fr, &error));
        assert!(text.contains("4,49\u{a0}€"), "{text}");
        assert!(text.contains("4,50\u{a0}€"), "{text}");
        assert!(text.contains("2026"), "{text}");
    }

    #[test]
    fn field_messages_follow_the_page_language() {
        assert_eq!(
            field_message(Lang::Fr, "password", "must be at least 10 characters long"),
            Lang::Fr.text("field_error.password")
        );
        assert_eq!(
            field_message(Lang::En, "password", "must be at least 10 characters long"),
            "Must be at least 10 characters long."
        );
        assert_eq!(
            field_message(Lang::Fr, "title", "is required"),
            Lang::Fr.text("field_error.required")
        );
        assert_eq!(
            field_message(Lang::En, "title", "is required"),
            "This field is required."
        );
        // A mark says what a mark may be, not only that the value is wrong.
        assert_eq!(
            field_message(Lang::Fr, "mark", "must be between 0 and 20"),
            "Une note entre 0 et 20."
        );
        assert_eq!(
            field_message(Lang::Fr, "mark.x", "must be in quarter points (e.g. 14.5)"),
            Lang::Fr.text("field_error.mark_step")
        );
    }
}
