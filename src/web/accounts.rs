//! Account pages: the front page, sign in and out, register, forgot and set a password, and
//! each role's home (`/app`). They call the same use cases as `/api/v1/auth/...`
//! (`auth::accounts`), so a rule and its refusal are the same on both.

use actix_web::{web, HttpResponse};
use minijinja::context;
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::domain::{token_hash, NewAccount, Role};
use crate::auth::throttle::Throttles;
use crate::auth::{accounts, models};
use crate::client::ClientAddress;
use crate::web::forms::{blank, refused};
use crate::web::home;
use crate::web::session::{safe_next, PageError, Visitor};

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    next: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct LoginForm {
    csrf_token: String,
    email: String,
    password: String,
    next: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RegisterForm {
    csrf_token: String,
    email: String,
    name: String,
    password: String,
    role: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct EmailForm {
    csrf_token: String,
    email: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TokenQuery {
    pub token: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SetPasswordForm {
    csrf_token: String,
    token: String,
    password: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsrfForm {
    csrf_token: String,
}

/// `/`: what fieldlab is; signed in, straight to `/app`.
pub async fn landing(v: Visitor) -> HttpResponse {
    if v.user.is_some() {
        return v.see_other("/app");
    }
    v.ok("landing.html", context! {})
}

pub async fn login_form(v: Visitor, query: web::Query<NextQuery>) -> HttpResponse {
    let next = safe_next(&query.next);
    if v.user.is_some() {
        return v.see_other(next);
    }
    v.ok("login.html", blank(context! { next }))
}

pub async fn login(
    v: Visitor,
    state: web::Data<AppState>,
    throttles: web::Data<Throttles>,
    client: ClientAddress,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    v.check_csrf(&form.csrf_token)?;
    let LoginForm {
        email,
        password,
        next,
        ..
    } = form.into_inner();
    let next = safe_next(&next).to_owned();
    match accounts::sign_in(&state, &throttles, client.ip, &email, password).await {
        Ok(session) => signed_in(&v, &state, &session, &next),
        Err(e) => refused(&v, e, "login.html", context! { email }, context! { next }),
    }
}

/// The 303 to `to` that opens the page session of `session`.
fn signed_in(
    v: &Visitor,
    state: &AppState,
    session: &accounts::SignedIn,
    to: &str,
) -> Result<HttpResponse, PageError> {
    let mut res = v.see_other(to);
    let cookie = v.session_cookie(&session.token.plain, state.settings.auth.token_hours);
    res.add_cookie(&cookie).map_err(|_| v.fail(bad_cookie()))?;
    Ok(res)
}

fn bad_cookie() -> crate::error::ApiError {
    crate::error::ApiError::internal(anyhow::anyhow!("session cookie not set"))
}

pub async fn logout(
    v: Visitor,
    state: web::Data<AppState>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    let Some(user) = v.user.clone() else {
        return Ok(v.see_other("/login"));
    };
    v.check_csrf(&form.csrf_token)?;
    state
        .db(move |conn| Ok(models::delete_session(conn, &user.token_hash)?))
        .await
        .map_err(|e| v.fail(e))?;
    let mut res = v.see_other("/login?done=signed_out");
    res.add_cookie(&v.end_session_cookie())
        .map_err(|_| v.fail(bad_cookie()))?;
    Ok(res)
}

pub async fn register_form(v: Visitor) -> HttpResponse {
    v.ok("register.html", blank(context! {}))
}

pub async fn register(
    v: Visitor,
    state: web::Data<AppState>,
    form: web::Form<RegisterForm>,
) -> Result<HttpResponse, PageError> {
    v.check_csrf(&form.csrf_token)?;
    let RegisterForm {
        email,
        name,
        password,
        role,
        ..
    } = form.into_inner();
    let kept = context! { email => &email, name => &name, role => &role };
    let created =
        match NewAccount::parse(&email, &name, &role, Some(&password), &Role::SELF_SERVICE) {
            Ok(account) => accounts::create_account(&state, account, None, |_, _| Ok(()))
                .await
                .map(|(user, ())| user),
            Err(errors) => Err(crate::error::ApiError::validation(errors)),
        };
    // Who just chose their password is signed in at once.
    let session = match created {
        Ok(user) => accounts::open_session(&state, user).await,
        Err(e) => Err(e),
    };
    match session {
        Ok(session) => signed_in(&v, &state, &session, "/app?done=registered"),
        Err(e) => refused(&v, e, "register.html", kept, context! {}),
    }
}

pub async fn forgot_form(v: Visitor) -> HttpResponse {
    v.ok("forgot_password.html", blank(context! {}))
}

/// The same answer whether the address has an account or not.
pub async fn forgot(
    v: Visitor,
    state: web::Data<AppState>,
    throttles: web::Data<Throttles>,
    client: ClientAddress,
    form: web::Form<EmailForm>,
) -> Result<HttpResponse, PageError> {
    v.check_csrf(&form.csrf_token)?;
    let email = form.into_inner().email;
    match accounts::request_password_reset(&state, &throttles, client.ip, &email).await {
        Ok(()) => Ok(v.see_other("/forgot-password?done=reset_sent")),
        Err(e) => refused(
            &v,
            e,
            "forgot_password.html",
            context! { email },
            context! {},
        ),
    }
}

/// The link of the welcome and reset e-mails. A link unknown, used or expired gets a page
/// that says so (410) and leads to `/forgot-password`.
pub async fn set_password_form(
    v: Visitor,
    state: web::Data<AppState>,
    query: web::Query<TokenQuery>,
) -> Result<HttpResponse, PageError> {
    let token = query.into_inner().token.trim().to_owned();
    let lookup = token_hash(&token);
    let live = state
        .db(move |conn| Ok(models::user_for_password_token(conn, &lookup)?.is_some()))
        .await
        .map_err(|e| v.fail(e))?;
    if !live {
        return Ok(invalid_link(&v));
    }
    Ok(v.ok(
        "set_password.html",
        blank(context! { token, invalid => false }),
    ))
}

fn invalid_link(v: &Visitor) -> HttpResponse {
    v.page(
        actix_web::http::StatusCode::GONE,
        "set_password.html",
        context! { invalid => true },
    )
}

pub async fn set_password(
    v: Visitor,
    state: web::Data<AppState>,
    form: web::Form<SetPasswordForm>,
) -> Result<HttpResponse, PageError> {
    v.check_csrf(&form.csrf_token)?;
    let SetPasswordForm {
        token, password, ..
    } = form.into_inner();
    let session = match accounts::set_password(&state, &token, &password).await {
        // The link proved who they are: signed in at once, as after registering.
        Ok(user) => accounts::open_session(&state, user).await,
        Err(e) => Err(e),
    };
    match session {
        Ok(session) => signed_in(&v, &state, &session, "/app?done=password_set"),
        Err(e) if e.code() == "invalid_token" => Ok(invalid_link(&v)),
        Err(e) => refused(
            &v,
            e,
            "set_password.html",
            context! {},
            context! { token, invalid => false },
        ),
    }
}

/// `/app`: the role's home.
pub async fn app_home(v: Visitor, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    let values = home::for_user(&state, v.lang, user)
        .await
        .map_err(|e| v.fail(e))?;
    Ok(v.ok("home.html", values))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NameForm {
    csrf_token: String,
    name: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordChangeForm {
    csrf_token: String,
    current_password: String,
    password: String,
}

fn profile_values(user: &crate::auth::CurrentUser) -> minijinja::Value {
    context! {
        values => context! { name => &user.name },
        field_errors => context! {},
        email => &user.email,
        role_label => user.role.as_str(),
    }
}

/// `/app/profile`: one's name, the language, and a new password.
pub async fn profile(v: Visitor) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?;
    Ok(v.ok("profile.html", profile_values(user)))
}

pub async fn rename(
    v: Visitor,
    state: web::Data<AppState>,
    form: web::Form<NameForm>,
) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    v.check_csrf(&form.csrf_token)?;
    let name = form.into_inner().name;
    match accounts::rename(&state, &user.id, &name).await {
        Ok(()) => Ok(v.see_other("/app/profile?done=profile_saved")),
        Err(e) => refused(
            &v,
            e,
            "profile.html",
            context! { name },
            context! { email => &user.email, role_label => user.role.as_str() },
        ),
    }
}

pub async fn change_password(
    v: Visitor,
    state: web::Data<AppState>,
    form: web::Form<PasswordChangeForm>,
) -> Result<HttpResponse, PageError> {
    let user = v.signed_in()?.clone();
    v.check_csrf(&form.csrf_token)?;
    let PasswordChangeForm {
        current_password,
        password,
        ..
    } = form.into_inner();
    match accounts::change_password(&state, &user, current_password, &password).await {
        Ok(()) => {
            // Every session ended with the old password, this one too.
            let mut res = v.see_other("/login?done=password_changed");
            res.add_cookie(&v.end_session_cookie())
                .map_err(|_| v.fail(bad_cookie()))?;
            Ok(res)
        }
        Err(e) => refused(
            &v,
            e,
            "profile.html",
            context! { name => &user.name },
            context! { email => &user.email, role_label => user.role.as_str() },
        ),
    }
}
