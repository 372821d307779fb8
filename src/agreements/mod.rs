//! Agreements (conventions): a field mission's (one per student, drafted when the campaign is
//! published), an internship's and a research partnership's; their French (or English) PDF,
//! sending, electronic signature, versions, reminders and the register.
//! Below `missions` (publishing drafts the field-mission agreements): this domain reads the
//! missions' tables through the schema, never their module.

pub mod amendment;
pub mod delegations;
pub mod demo;
pub mod document;
pub mod domain;
pub mod flows;
pub mod handlers;
pub mod internship;
pub mod models;
pub mod pdf;
pub mod register;
pub mod saved_filters;
pub mod statistics;
pub mod templates;
pub mod validating;
pub mod validation;
pub mod views;

use utoipa_actix_web::service_config::ServiceConfig;

use crate::jobs::Handlers;

/// Literal suffixes (`.pdf`, `.csv`) are registered before `/agreements/{id}`, which would
/// otherwise take them as ids.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(handlers::register_csv)
        .service(handlers::agreement_statistics)
        .service(handlers::agreement_pdf)
        .service(handlers::list_agreements)
        .service(handlers::create_agreement)
        .service(handlers::get_agreement)
        .service(handlers::change_agreement)
        .service(handlers::send_agreement)
        .service(handlers::send_campaign_agreements)
        .service(handlers::sign_agreement)
        .service(handlers::cancel_agreement)
        .service(handlers::withdraw_agreement)
        .service(handlers::create_delegation)
        .service(handlers::list_delegations)
        .service(handlers::revoke_delegation)
        .service(handlers::send_ready_internships)
        .service(handlers::validate_agreement)
        .service(handlers::signed_copy)
        .service(handlers::resubmit_agreement)
        .service(amendment::handlers::list_amendments)
        .service(amendment::handlers::request_amendment)
        .service(amendment::handlers::amendment_pdf)
        .service(amendment::handlers::get_amendment)
        .service(amendment::handlers::correct_amendment)
        .service(amendment::handlers::validate_amendment)
        .service(amendment::handlers::send_amendment)
        .service(amendment::handlers::sign_amendment)
        .service(amendment::handlers::cancel_amendment)
        .service(handlers::clause_templates)
        .service(handlers::save_clause_template)
        .service(handlers::reset_clause_template)
        .service(handlers::preview_clause_template)
        .service(internship::handlers::certificate_pdf)
        .service(internship::handlers::request_internship)
        .service(internship::handlers::get_internship)
        .service(internship::handlers::change_internship)
        .service(internship::handlers::prepare_certificate)
        .service(internship::handlers::supervisor_form)
        .service(internship::handlers::complete_internship)
        .service(internship::handlers::certificate_form)
        .service(internship::handlers::confirm_certificate)
        .service(internship::handlers::evaluation_form)
        .service(internship::handlers::submit_evaluation);
}

/// The scheduled work of agreements: reminders to signatories, warnings to staff; an
/// internship's certificate and its supervisor's evaluation (asked, reminded, staff warned).
pub fn jobs(handlers: Handlers) -> Handlers {
    handlers
        .with(flows::REMINDER_JOB, flows::remind)
        .with(flows::WARNING_JOB, flows::warn_unsigned)
        .with(
            internship::flows::CERTIFICATE_JOB,
            internship::flows::certificate_job,
        )
        .with(
            internship::evaluating::REQUEST_JOB,
            internship::evaluating::request_job,
        )
        .with(
            internship::evaluating::REMINDER_JOB,
            internship::evaluating::reminder_job,
        )
        .with(
            internship::evaluating::WARNING_JOB,
            internship::evaluating::warning_job,
        )
}
