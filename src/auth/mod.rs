//! Accounts: users and their roles, password hashing, bearer sessions, the `CurrentUser`
//! extractor and role checks, and staff's user management (one by one or by CSV).

pub mod accounts;
pub mod domain;
pub mod extract;
pub mod handlers;
pub mod import;
pub mod models;
pub mod password;
pub mod views;

use actix_web::web;

pub use domain::Role;
pub use extract::{Bearer, CurrentUser, Staff};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/auth/register", web::post().to(handlers::register))
        .route("/auth/login", web::post().to(handlers::login))
        .route("/auth/logout", web::post().to(handlers::logout))
        .route("/auth/set-password", web::post().to(handlers::set_password))
        .route(
            "/auth/forgot-password",
            web::post().to(handlers::forgot_password),
        )
        .route("/me", web::get().to(handlers::me))
        .route("/users", web::post().to(handlers::create_user))
        .route("/users", web::get().to(handlers::list_users))
        .route("/users/import", web::post().to(handlers::import_users));
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    handlers::register,
    handlers::login,
    handlers::logout,
    handlers::set_password,
    handlers::forgot_password,
    handlers::me,
    handlers::create_user,
    handlers::list_users,
    handlers::import_users
))]
pub struct ApiDoc;
