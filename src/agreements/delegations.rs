//! Delegated signatures: a staff signatory who will be absent (the school's, say) lets another
//! staff account sign in their place from one day to another; the delegate is told by e-mail,
//! sees what awaits on their to-sign page, and each signature they give records them as
//! `signed_by`. Revoked early, a delegation stops. The rule of a period is pure
//! ([`covers`]); the rest reads and writes `signature_delegations`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::agreements::models::{self, Person};
use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::db::schema::signature_delegations;
use crate::db::{self, DbConnection, WriteTx};
use crate::error::{ApiError, FieldError};
use crate::mail::Email;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = signature_delegations)]
pub struct Delegation {
    pub id: String,
    pub from_user: String,
    pub to_user: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
}

/// Whether a delegation lets its delegate sign on `day` (pure).
pub fn covers(d: &Delegation, day: NaiveDate) -> bool {
    d.revoked_at.is_none() && d.starts_on <= day && day <= d.ends_on
}

/// Longest period one delegation may cover: an absence, not a standing proxy.
pub const MAX_DAYS: i64 = 366;

/// Checks a period (pure): from today or later, ending on or after it starts, at most a year.
pub fn check_period(
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(NaiveDate, NaiveDate), Vec<FieldError>> {
    let mut errors = Vec::new();
    if starts_on.is_none() {
        errors.push(FieldError::new("starts_on", "is required (YYYY-MM-DD)"));
    }
    if ends_on.is_none() {
        errors.push(FieldError::new("ends_on", "is required (YYYY-MM-DD)"));
    }
    let (Some(s), Some(e)) = (starts_on, ends_on) else {
        return Err(errors);
    };
    if e < today {
        errors.push(FieldError::new("ends_on", "must not be in the past"));
    }
    if e < s {
        errors.push(FieldError::new("ends_on", "must not be before starts_on"));
    } else if (e - s).num_days() >= MAX_DAYS {
        errors.push(FieldError::new(
            "ends_on",
            "a delegation covers at most a year",
        ));
    }
    if errors.is_empty() {
        Ok((s, e))
    } else {
        Err(errors)
    }
}

/// The users whose signature `user_id` holds on `day` (themselves not included).
pub fn held_by(conn: &mut DbConnection, user_id: &str, day: NaiveDate) -> QueryResult<Vec<String>> {
    signature_delegations::table
        .filter(signature_delegations::to_user.eq(user_id))
        .filter(signature_delegations::ends_on.ge(day))
        .filter(signature_delegations::starts_on.le(day))
        .filter(signature_delegations::revoked_at.is_null())
        .select(signature_delegations::from_user)
        .distinct()
        .load(conn)
}

/// The user ids `user_id` signs for today: themselves first, then whoever delegated to them.
pub fn signing_for(conn: &mut DbConnection, user_id: &str) -> Result<Vec<String>, ApiError> {
    let mut ids = vec![user_id.to_owned()];
    ids.extend(held_by(conn, user_id, crate::clock::today())?);
    Ok(ids)
}

/// A delegation with both people named.
pub struct Named {
    pub delegation: Delegation,
    pub from: Person,
    pub to: Person,
}

/// The delegations `user_id` gave or received, the latest first (revoked ones included).
pub fn of(conn: &mut DbConnection, user_id: &str) -> Result<Vec<Named>, ApiError> {
    let rows: Vec<Delegation> = signature_delegations::table
        .filter(
            signature_delegations::from_user
                .eq(user_id)
                .or(signature_delegations::to_user.eq(user_id)),
        )
        .order((
            signature_delegations::starts_on.desc(),
            signature_delegations::id.asc(),
        ))
        .select(Delegation::as_select())
        .load(conn)?;
    let mut ids: Vec<String> = rows
        .iter()
        .flat_map(|d| [d.from_user.clone(), d.to_user.clone()])
        .collect();
    ids.sort();
    ids.dedup();
    let people = models::people(conn, &ids)?;
    let person = |id: &str| {
        people.get(id).cloned().unwrap_or_else(|| Person {
            id: id.to_owned(),
            name: String::new(),
            email: String::new(),
        })
    };
    Ok(rows
        .into_iter()
        .map(|d| Named {
            from: person(&d.from_user),
            to: person(&d.to_user),
            delegation: d,
        })
        .collect())
}

#[derive(Serialize)]
struct DelegatedMail<'a> {
    name: &'a str,
    from: &'a str,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    to_sign_link: String,
}

/// A staff member delegates their signature to another staff account (`to`: an e-mail) for a
/// period; the delegate is told by e-mail.
pub fn create(
    tx: &mut WriteTx<'_>,
    state: &AppState,
    user: &CurrentUser,
    to: &str,
    starts_on: Option<NaiveDate>,
    ends_on: Option<NaiveDate>,
) -> Result<Named, ApiError> {
    if !user.is(Role::Staff) {
        return Err(ApiError::forbidden());
    }
    let mut errors = match check_period(starts_on, ends_on, crate::clock::today()) {
        Ok(_) => Vec::new(),
        Err(errors) => errors,
    };
    let delegate = models::user_by_email(tx, &crate::text::normalise_email(to))?
        .filter(|(_, role)| role == Role::Staff.as_str())
        .map(|(p, _)| p);
    match &delegate {
        None => errors.push(FieldError::new("to_email", "is not a staff account")),
        Some(p) if p.id == user.id => errors.push(FieldError::new(
            "to_email",
            "is you: delegate to someone else",
        )),
        Some(_) => {}
    }
    let (Some(delegate), Some(starts_on), Some(ends_on), true) =
        (delegate, starts_on, ends_on, errors.is_empty())
    else {
        return Err(ApiError::validation(errors));
    };
    let row = Delegation {
        id: db::new_id(),
        from_user: user.id.clone(),
        to_user: delegate.id.clone(),
        starts_on,
        ends_on,
        created_at: db::now(),
        revoked_at: None,
    };
    diesel::insert_into(signature_delegations::table)
        .values(&row)
        .execute(&mut **tx)?;
    let values = DelegatedMail {
        name: &delegate.name,
        from: &user.name,
        starts_on,
        ends_on,
        to_sign_link: crate::agreements::flows::to_sign_link(state),
    };
    state.outbox.enqueue(
        tx,
        Email::new(&delegate.email, "signature_delegated", values)
            .dedupe(format!("signature_delegated:{}", row.id)),
    )?;
    let from = Person {
        id: user.id.clone(),
        name: user.name.clone(),
        email: user.email.clone(),
    };
    Ok(Named {
        delegation: row,
        from,
        to: delegate,
    })
}

/// Its author (or any staff member) revokes a delegation: it stops now.
pub fn revoke(tx: &mut WriteTx<'_>, user: &CurrentUser, id: &str) -> Result<(), ApiError> {
    if !user.is(Role::Staff) {
        return Err(ApiError::forbidden());
    }
    let n = diesel::update(
        signature_delegations::table
            .find(id)
            .filter(signature_delegations::revoked_at.is_null()),
    )
    .set(signature_delegations::revoked_at.eq(db::now()))
    .execute(&mut **tx)?;
    if n == 0 {
        return Err(ApiError::not_found());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a day")
    }

    #[test]
    fn a_delegation_covers_its_first_and_last_day_until_revoked() {
        let mut d = Delegation {
            id: "d".into(),
            from_user: "a".into(),
            to_user: "b".into(),
            starts_on: day("2027-07-01"),
            ends_on: day("2027-07-31"),
            created_at: day("2027-06-30").and_hms_opt(9, 0, 0).expect("time"),
            revoked_at: None,
        };
        assert!(!covers(&d, day("2027-06-30")));
        assert!(covers(&d, day("2027-07-01")));
        assert!(covers(&d, day("2027-07-31")));
        assert!(!covers(&d, day("2027-08-01")));
        d.revoked_at = Some(d.created_at);
        assert!(!covers(&d, day("2027-07-15")));
    }

    #[test]
    fn a_period_ends_after_it_starts_not_in_the_past_and_within_a_year() {
        let today = day("2027-06-30");
        assert!(check_period(Some(today), Some(today), today).is_ok());
        assert!(check_period(Some(day("2027-07-01")), Some(day("2027-06-30")), today).is_err());
        assert!(check_period(Some(day("2027-06-01")), Some(day("2027-06-29")), today).is_err());
        assert!(check_period(Some(day("2027-07-01")), Some(day("2028-06-30")), today).is_ok());
        assert!(check_period(Some(day("2027-07-01")), Some(day("2028-07-01")), today).is_err());
        assert_eq!(
            check_period(None, None, today).expect_err("missing").len(),
            2
        );
    }
}
