//! The one route table. Endpoints are registered once, through utoipa-actix-web, which
//! collects each handler's OpenAPI operation from its own `#[utoipa::path]` as it registers
//! it: the server and its document cannot disagree (`openapi::document`).

use actix_web::web;
use utoipa_actix_web::{scope, service_config::ServiceConfig};

/// Every route the server answers, for `App::configure`.
pub fn all(cfg: &mut web::ServiceConfig) {
    {
        let mut api = ServiceConfig::new(cfg);
        register(&mut api);
    }
    // The HTML pages: plain routes, not in the OpenAPI document.
    cfg.configure(crate::web::pages);
}

/// The routes with their OpenAPI operations: the service's own, then the API under `/api/v1`.
pub fn register(cfg: &mut ServiceConfig) {
    cfg.configure(crate::service::routes)
        .service(scope::scope("/api/v1").configure(api));
}

/// The API under `/api/v1`: each domain adds its own.
fn api(cfg: &mut ServiceConfig) {
    cfg.configure(crate::auth::routes)
        .configure(crate::notifications::routes)
        .configure(crate::tutors::routes)
        .configure(crate::incubator::routes)
        .configure(crate::labs::routes)
        .configure(crate::agreements::routes)
        .configure(crate::missions::routes);
}
