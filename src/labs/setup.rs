//! Staff setting the labs up: a lab with its opening hours, equipment, training
//! authorizations, and closures (what one would cancel, then the closure itself through
//! `bookings::close_lab`). Knows nothing of HTTP; the API and the console call it alike.

use chrono::NaiveDateTime;

use crate::auth::CurrentUser;
use crate::dates;
use crate::db::{new_id, now, DbConnection, WriteTx};
use crate::error::{ApiError, FieldError};
use crate::labs::domain::{self, Interval, NewEquipment, NewLab};
use crate::labs::models::{self, Authorization, Booking, Closure, Equipment, Lab, OpeningHourRow};
use crate::text::not_blank;

/// Create a lab with its weekly opening hours.
pub fn create_lab(
    tx: &mut WriteTx<'_>,
    new: NewLab,
) -> Result<(Lab, Vec<OpeningHourRow>), ApiError> {
    let (lab, hours) = models::new_lab_rows(new);
    models::insert_lab(tx, &lab, &hours)?;
    Ok((lab, hours))
}

/// Add equipment to a lab; an unknown lab is 404.
pub fn add_equipment(
    conn: &mut DbConnection,
    lab_id: &str,
    new: NewEquipment,
) -> Result<Equipment, ApiError> {
    models::find_lab(conn, lab_id)?.ok_or_else(ApiError::not_found)?;
    let row = models::new_equipment_row(lab_id.to_owned(), new);
    models::insert_equipment(conn, &row)?;
    Ok(row)
}

/// Record that `user_id` is trained on the equipment, until `expires_on` (a date) if given.
pub fn authorize(
    conn: &mut DbConnection,
    staff: &CurrentUser,
    equipment_id: &str,
    user_id: &str,
    expires_on: Option<&str>,
) -> Result<Authorization, ApiError> {
    let expires_on = match not_blank(expires_on) {
        None => None,
        Some(text) => Some(domain::parse_date(text).ok_or_else(|| {
            ApiError::validation(vec![FieldError::new("expires_on", dates::DATE_EXPECTED)])
        })?),
    };
    models::find_equipment(conn, equipment_id)?.ok_or_else(ApiError::not_found)?;
    if !models::user_exists(conn, user_id)? {
        return Err(ApiError::validation(vec![FieldError::new(
            "user_id",
            "no such user",
        )]));
    }
    let row = Authorization {
        id: new_id(),
        equipment_id: equipment_id.to_owned(),
        user_id: user_id.to_owned(),
        expires_on,
        granted_by: staff.id.clone(),
        created_at: now(),
    };
    models::insert_authorization(conn, &row)?;
    Ok(row)
}

/// A closure staff ask for, checked: a reason, and an end after its start.
pub fn new_closure(
    staff: &CurrentUser,
    lab_id: &str,
    starts_at: NaiveDateTime,
    ends_at: NaiveDateTime,
    reason: &str,
) -> Result<Closure, ApiError> {
    let reason = reason.trim().to_owned();
    if reason.is_empty() {
        return Err(ApiError::validation(vec![FieldError::new(
            "reason",
            "is required",
        )]));
    }
    if ends_at <= starts_at {
        return Err(domain::Refusal::InvalidInterval.into());
    }
    Ok(Closure {
        id: new_id(),
        lab_id: lab_id.to_owned(),
        starts_at,
        ends_at,
        reason,
        created_by: staff.id.clone(),
        created_at: now(),
    })
}

/// The confirmed bookings a closure of the lab over `span` would cancel, with their equipment:
/// what staff are told before they confirm it.
pub fn closure_impact(
    conn: &mut DbConnection,
    lab_id: &str,
    span: Interval,
) -> Result<Vec<(Booking, Equipment)>, ApiError> {
    models::find_lab(conn, lab_id)?.ok_or_else(ApiError::not_found)?;
    Ok(models::confirmed_in_lab(conn, lab_id, span)?)
}
