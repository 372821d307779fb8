//! Accounts: users and their roles, password hashing, bearer sessions, the `CurrentUser`
//! extractor and role checks, and staff's user management (one by one or by CSV).

pub mod accounts;
pub mod domain;
pub mod extract;
pub mod handlers;
pub mod import;
pub mod models;
pub mod password;
pub mod throttle;
pub mod views;

use utoipa_actix_web::service_config::ServiceConfig;

pub use domain::Role;
pub use extract::{Bearer, CurrentUser, Staff};

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::register)
        .service(handlers::login)
        .service(handlers::logout)
        .service(handlers::set_password)
        .service(handlers::forgot_password)
        .service(handlers::me)
        .service(handlers::create_user)
        .service(handlers::list_users)
        .service(handlers::import_users);
}
