//! A staff member's named views of the register (`saved_filters`): the filters and order as
//! the register page's query string, listed as links on that page, saved again under the same
//! name to replace, deleted by their owner only.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::agreements::register::ViewName;
use crate::db::schema::saved_filters;
use crate::db::{new_id, now, DbConnection, WriteTx};
use crate::error::{ApiError, FieldError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = saved_filters)]
pub struct SavedFilter {
    pub id: String,
    pub user_id: String,
    pub name: String,
    /// The register's query string (filters and order; no page), made by the page itself.
    pub query: String,
    pub created_at: NaiveDateTime,
}

/// `user_id`'s saved views, by name.
pub fn of(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<SavedFilter>> {
    saved_filters::table
        .filter(saved_filters::user_id.eq(user_id))
        .order((saved_filters::name.asc(), saved_filters::id.asc()))
        .select(SavedFilter::as_select())
        .load(conn)
}

/// The name checked: 422 naming the `name` field otherwise.
pub fn name_of(name: &str) -> Result<ViewName, ApiError> {
    ViewName::parse(name).map_err(|message| {
        ApiError::validation(vec![FieldError {
            field: "name".into(),
            message: message.into(),
            code: None,
        }])
    })
}

/// Saves `query` as `user_id`'s view `name`, replacing the one of that name (one write
/// transaction: the unique index `(user_id, name)` never sees two).
pub fn save(
    tx: &mut WriteTx<'_>,
    user_id: &str,
    name: &ViewName,
    query: &str,
) -> Result<SavedFilter, ApiError> {
    diesel::delete(
        saved_filters::table
            .filter(saved_filters::user_id.eq(user_id))
            .filter(saved_filters::name.eq(name.as_str())),
    )
    .execute(&mut **tx)?;
    let row = SavedFilter {
        id: new_id(),
        user_id: user_id.to_owned(),
        name: name.as_str().to_owned(),
        query: query.to_owned(),
        created_at: now(),
    };
    diesel::insert_into(saved_filters::table)
        .values(&row)
        .execute(&mut **tx)?;
    Ok(row)
}

/// Deletes `user_id`'s view `id`; someone else's, or none: 404.
pub fn delete(tx: &mut WriteTx<'_>, user_id: &str, id: &str) -> Result<(), ApiError> {
    let deleted = diesel::delete(
        saved_filters::table
            .filter(saved_filters::id.eq(id))
            .filter(saved_filters::user_id.eq(user_id)),
    )
    .execute(&mut **tx)?;
    if deleted == 0 {
        return Err(ApiError::not_found());
    }
    Ok(())
}
