//! Account endpoints: register, login, logout, me, and staff's user management.

use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};

use crate::app::AppState;
use crate::auth::domain::{NewAccount, Role};
use crate::auth::extract::{CurrentUser, Staff};
use crate::auth::throttle::Throttles;
use crate::auth::views::{
    CreateUserBody, CsvUpload, ImportReport, LoginBody, LoginView, MeView, RegisterBody,
    UserFilter, UserView,
};
use crate::auth::views::{ForgotPasswordBody, SetPasswordBody};
use crate::auth::{accounts, import, models};
use crate::client::ClientAddress;
use crate::db::{self, DbConnection};
use crate::error::{ApiError, Problem};
use crate::paging::{Page, PageParams, PageRequest};

/// Create a founder or company account.
#[utoipa::path(tag = "accounts", request_body = RegisterBody,
    responses((status = 201, body = UserView), (status = 409, description = "`email_taken`", body = Problem),
              (status = 422, description = "`validation_failed`, `weak_password`", body = Problem)))]
#[post("/auth/register")]
pub async fn register(
    state: web::Data<AppState>,
    body: web::Json<RegisterBody>,
) -> Result<HttpResponse, ApiError> {
    let account = NewAccount::parse(
        &body.email,
        &body.name,
        &body.role,
        Some(&body.password),
        &Role::SELF_SERVICE,
    )
    .map_err(ApiError::validation)?;
    let (user, ()) = accounts::create_account(&state, account, None, |_, _| Ok(())).await?;
    Ok(HttpResponse::Created().json(UserView::from(user)))
}

/// Exchange an e-mail and password for a bearer token.
#[utoipa::path(tag = "accounts", request_body = LoginBody,
    responses((status = 200, body = LoginView),
              (status = 401, description = "`invalid_credentials`, whether the e-mail or the password is wrong", body = Problem),
              (status = 429, description = "`too_many_requests`: too many failures for this account from this address (a delay that grows with each failure), or from this address; see `Retry-After`", body = Problem),
              (status = 503, description = "`unavailable`: too many sign-ins at once; see `Retry-After`", body = Problem)))]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    throttles: web::Data<Throttles>,
    client: ClientAddress,
    body: web::Json<LoginBody>,
) -> Result<web::Json<LoginView>, ApiError> {
    let LoginBody { email, password } = body.into_inner();
    let session = accounts::sign_in(&state, &throttles, client.ip, &email, password).await?;
    Ok(web::Json(LoginView {
        token: session.token.plain,
        expires_at: db::utc(session.expires_at),
        user: session.user.into(),
    }))
}

/// Revoke the token this request carries.
#[utoipa::path(tag = "accounts", security(("bearer" = [])),
    responses((status = 204, description = "The token no longer works"), (status = 401, body = Problem)))]
#[post("/auth/logout")]
pub async fn logout(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<HttpResponse, ApiError> {
    state
        .db(move |conn| Ok(models::delete_session(conn, &user.token_hash)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The signed-in user.
#[utoipa::path(tag = "accounts", security(("bearer" = [])),
    responses((status = 200, body = MeView), (status = 401, body = Problem)))]
#[get("/me")]
pub async fn me(
    state: web::Data<AppState>,
    user: CurrentUser,
) -> Result<web::Json<MeView>, ApiError> {
    let company_id = match user.role {
        Role::Company => {
            let id = user.id.clone();
            state
                .db(move |conn| Ok(models::company_of_contact(conn, &id)?))
                .await?
        }
        _ => None,
    };
    let user = UserView {
        id: user.id,
        email: user.email,
        name: user.name,
        role: user.role,
    };
    Ok(web::Json(MeView { user, company_id }))
}

/// Create an account with any role (staff only).
#[utoipa::path(tag = "accounts", security(("bearer" = [])), request_body = CreateUserBody,
    responses((status = 201, body = UserView), (status = 403, body = Problem), (status = 409, body = Problem),
              (status = 422, body = Problem)))]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    Staff(staff): Staff,
    body: web::Json<CreateUserBody>,
) -> Result<HttpResponse, ApiError> {
    let account = NewAccount::parse(
        &body.email,
        &body.name,
        &body.role,
        body.password.as_deref(),
        &Role::ALL,
    )
    .map_err(ApiError::validation)?;
    let (user, ()) = accounts::create_account(&state, account, Some(staff), |_, _| Ok(())).await?;
    Ok(HttpResponse::Created().json(UserView::from(user)))
}

/// List users in e-mail order, optionally of one role (staff only).
#[utoipa::path(tag = "accounts", security(("bearer" = [])),
    params(UserFilter, PageParams),
    responses((status = 200, body = Page<UserView>), (status = 403, body = Problem)))]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    _staff: Staff,
    filter: web::Query<UserFilter>,
    page: web::Query<PageParams>,
) -> Result<web::Json<Page<UserView>>, ApiError> {
    let role = filter.role;
    let load = move |conn: &mut DbConnection, page: &PageRequest| {
        Ok(models::list_users(conn, role, page)?)
    };
    state.page(&page, load, |u| &u.email, UserView::from).await
}

/// Import accounts from a CSV file with the header `email,name,role` (staff only), sent as the
/// body (`text/csv`) or as the one file of a `multipart/form-data` upload; `,` or `;` between
/// fields, UTF-8 with or without a byte-order mark. Each line is created whole or not at all;
/// bad lines are reported with their number; e-mails that already have an account are skipped.
#[utoipa::path(tag = "accounts", security(("bearer" = [])),
    request_body(description = "The CSV as the body, or one file in a form upload", content(
        (String = "text/csv", example = "email;name;role\nana.lopez@etu.imt-mines-ales.fr;Ana Lopez;student\n"),
        (CsvUpload = "multipart/form-data"))),
    responses((status = 200, body = ImportReport),
              (status = 400, description = "`bad_request`: not CSV, not UTF-8, no file or several, a wrong header", body = Problem),
              (status = 403, body = Problem)))]
#[post("/users/import")]
pub async fn import_users(
    state: web::Data<AppState>,
    Staff(staff): Staff,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<web::Json<ImportReport>, ApiError> {
    let file = crate::upload::csv_file(&req, body).await?;
    let text = import::decode(&file).map_err(ApiError::bad_request)?;
    let parsed = import::parse_accounts_csv(text).map_err(ApiError::bad_request)?;
    let outbox = state.outbox.clone();
    let public_url = state.settings.server.public_url.clone();
    let report = state
        .db(move |conn| accounts::import(conn, &outbox, &public_url, parsed, &staff))
        .await?;
    tracing::info!(
        created = report.created,
        skipped = report.skipped,
        errors = report.errors.len(),
        "users imported"
    );
    Ok(web::Json(report))
}

/// Choose a password with the one-time token from a welcome or reset e-mail. Signs out every
/// session of the account.
#[utoipa::path(tag = "accounts", request_body = SetPasswordBody,
    responses((status = 200, body = UserView),
              (status = 422, description = "`invalid_token` (unknown, used or expired), `weak_password` or `validation_failed`", body = Problem)))]
#[post("/auth/set-password")]
pub async fn set_password(
    state: web::Data<AppState>,
    body: web::Json<SetPasswordBody>,
) -> Result<web::Json<UserView>, ApiError> {
    let SetPasswordBody {
        token,
        password: plain,
    } = body.into_inner();
    let user = accounts::set_password(&state, &token, &plain).await?;
    Ok(web::Json(user.into()))
}

/// Ask for a link to choose a new password. Always 202, whether or not the address has an
/// account, so that the answer reveals nothing.
#[utoipa::path(tag = "accounts", request_body = ForgotPasswordBody,
    responses((status = 202, description = "If the address has an account, an e-mail is on its way"),
              (status = 429, description = "`too_many_requests` for this address, whether or not it has an account, or from this client; see `Retry-After`", body = Problem)))]
#[post("/auth/forgot-password")]
pub async fn forgot_password(
    state: web::Data<AppState>,
    throttles: web::Data<Throttles>,
    client: ClientAddress,
    body: web::Json<ForgotPasswordBody>,
) -> Result<HttpResponse, ApiError> {
    let email = body.into_inner().email;
    accounts::request_password_reset(&state, &throttles, client.ip, &email).await?;
    Ok(HttpResponse::Accepted().finish())
}
