//! People in the console: accounts by role, one created by hand (it gets the welcome e-mail
//! to choose a password), and a CSV file of accounts uploaded with a report line by line. The
//! same use cases as `POST /users` and `POST /users/import`.

use actix_web::{web, HttpRequest, HttpResponse};
use minijinja::{context, Value};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::domain::{NewAccount, Role};
use crate::auth::import::LineProblem;
use crate::auth::{accounts, import, models};
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::web::forms::{field, refused_over, show, Fields};
use crate::web::i18n::Lang;
use crate::web::session::{PageError, Visitor};
use crate::web::staff::{posted, staff};
use crate::web::ALL;

/// The roles staff create here; a tutor needs domains and limits (the tutors' API).
const CREATED: [Role; 4] = [Role::Student, Role::Company, Role::Founder, Role::Staff];

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PeopleQuery {
    role: String,
}

fn people_page(conn: &mut DbConnection, lang: Lang, role: Option<Role>) -> Result<Value, ApiError> {
    let users = models::list_users(conn, role, &ALL)?;
    let role_label = |r: &str| lang.text(&format!("role.{r}"));
    Ok(context! {
        people => users.iter().map(|u| context! {
            name => &u.name, email => &u.email, role_label => role_label(&u.role),
            waiting => u.password_hash.is_none(),
        }).collect::<Vec<_>>(),
        shown => users.len(),
        roles => Role::ALL.iter().map(|r| context! { value => r.as_str(), label => role_label(r.as_str()) }).collect::<Vec<_>>(),
        created_roles => CREATED.iter().map(|r| context! { value => r.as_str(), label => role_label(r.as_str()) }).collect::<Vec<_>>(),
        filter => context! { role => role.map_or("", Role::as_str) },
    })
}

/// `/app/staff/people?role=`.
pub async fn people(
    v: Visitor,
    state: web::Data<AppState>,
    query: web::Query<PeopleQuery>,
) -> Result<HttpResponse, PageError> {
    staff(&v)?;
    let lang = v.lang;
    let role = query.role.trim().parse::<Role>().ok();
    show(&v, &state, "staff_people.html", move |conn| {
        Ok(context! { values => context! {}, field_errors => context! {}, ..people_page(conn, lang, role)? })
    })
    .await
}

/// One account: `email`, `name`, `role`; its owner chooses a password from the welcome e-mail.
pub async fn create(
    v: Visitor,
    state: web::Data<AppState>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, fields) = posted(&v, form)?;
    let lang = v.lang;
    let (email, name, role) = (
        field(&fields, "email"),
        field(&fields, "name"),
        field(&fields, "role"),
    );
    let created = match NewAccount::parse(email, name, role, None, &CREATED) {
        Ok(account) => accounts::create_account(&state, account, Some(user), |_, _| Ok(()))
            .await
            .map(drop),
        Err(errors) => Err(ApiError::validation(errors)),
    };
    match created {
        Ok(()) => Ok(v.see_other(&format!(
            "/app/staff/people?role={}&done=account_created",
            role.trim()
        ))),
        Err(e) => {
            let kept = context! { email, name, role };
            refused_over(&v, &state, e, "staff_people.html", kept, move |conn| {
                people_page(conn, lang, None)
            })
            .await
        }
    }
}

/// A CSV file (`email,name,role`) uploaded with the form's `file`: a report line by line.
pub async fn import_file(
    v: Visitor,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let user = staff(&v)?;
    let upload = crate::upload::form(&req, body)
        .await
        .map_err(|e| v.fail(e))?;
    v.check_csrf(field(&upload.fields, "csrf_token"))?;
    let lang = v.lang;
    let (outbox, public_url) = (
        state.outbox.clone(),
        state.settings.server.public_url.clone(),
    );
    let reported = async {
        let file = upload.one_file()?;
        let text = import::decode(&file).map_err(ApiError::bad_request)?;
        let parsed = import::parse_accounts_csv(text).map_err(ApiError::bad_request)?;
        state
            .db(move |conn| accounts::import(conn, &outbox, &public_url, parsed, &user))
            .await
    }
    .await;
    match reported {
        Ok(report) => Ok(v.ok(
            "staff_import.html",
            context! {
                created => report.created, skipped => report.skipped,
                errors => report.errors.iter().map(|e| context! { line => e.line, message => line_message(lang, &e.problem) }).collect::<Vec<_>>(),
            },
        )),
        Err(e) => {
            refused_over(&v, &state, e, "staff_people.html", Value::UNDEFINED, move |conn| {
                people_page(conn, lang, None)
            })
            .await
        }
    }
}

/// A refused line of an import in the reader's language, from its code and values.
pub fn line_message(lang: Lang, problem: &LineProblem) -> String {
    match problem {
        LineProblem::Unreadable => lang.text("import.unreadable").to_owned(),
        LineProblem::NotCreated => lang.text("import.not_created").to_owned(),
        LineProblem::Duplicate { email, first_line } => lang.fill(
            "import.duplicate",
            &[("email", email), ("first", &first_line.to_string())],
        ),
        LineProblem::Fields(fields) => {
            let roles = Role::ALL.map(|r| r.as_str()).join(", ");
            fields
                .iter()
                .map(|f| {
                    lang.fill(
                        &format!("import.{}", f.code.as_str()),
                        &[("field", &f.field), ("value", &f.value), ("roles", &roles)],
                    )
                })
                .collect::<Vec<_>>()
                .join(lang.text("import.separator"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::import::parse_accounts_csv;

    #[test]
    fn a_refused_line_reads_in_the_page_language() {
        let parsed = parse_accounts_csv(
            "email,name,role\nlea@x.fr,Léa,student\npas-une-adresse,Bob,student\n",
        )
        .expect("header");
        let problem = &parsed.errors[0].problem;
        assert_eq!(
            line_message(Lang::Fr, problem),
            "email : `pas-une-adresse` n’est pas une adresse e-mail valide"
        );
        assert_eq!(
            line_message(Lang::En, problem),
            "email: `pas-une-adresse` is not a valid e-mail address"
        );
    }
}
