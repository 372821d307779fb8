//! A tutor's profile changed by staff: domains and limits, each optional. Knows nothing of
//! HTTP; the API's PATCH and the console's form call it alike.

use crate::db::DbConnection;
use crate::error::{ApiError, FieldError};
use crate::tutors::domain::{parse_limit, Domains};
use crate::tutors::models::{self, ProfileChanges};

/// The fields given, checked; absent ones stay as they are.
pub fn changes(
    domains: Option<&[String]>,
    max_projects: Option<i64>,
    max_missions: Option<i64>,
) -> Result<ProfileChanges, ApiError> {
    let mut errors = Vec::new();
    let mut changes = ProfileChanges::default();
    if let Some(list) = domains {
        match parse_domains(Some(list)) {
            Ok(d) => changes.domains = Some(d.to_stored()),
            Err(e) => errors.push(e),
        }
    }
    for (field, raw, slot) in [
        ("max_projects", max_projects, &mut changes.max_projects),
        ("max_missions", max_missions, &mut changes.max_missions),
    ] {
        if raw.is_some() {
            match parse_limit(field, raw) {
                Ok(n) => *slot = Some(n),
                Err(e) => errors.push(e),
            }
        }
    }
    if errors.is_empty() {
        Ok(changes)
    } else {
        Err(ApiError::validation(errors))
    }
}

/// Writes the changes; an unknown tutor is 404.
pub fn update(conn: &mut DbConnection, id: &str, changes: ProfileChanges) -> Result<(), ApiError> {
    if models::update_profile(conn, id, changes)? == 0 {
        return Err(ApiError::not_found());
    }
    Ok(())
}

pub fn parse_domains(raw: Option<&[String]>) -> Result<Domains, FieldError> {
    let raw = raw.ok_or_else(|| FieldError::new("domains", "is required"))?;
    Domains::parse(raw).map_err(|m| FieldError::new("domains", m))
}
