//! Amendment rows and their queries: the amendment, its frozen PDF (apart, so lists never read
//! the bytes), its signatories and its validation history.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{
    agreement_amendments, amendment_documents, amendment_signatures, amendment_validations,
};
use crate::db::{now, DbConnection};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = agreement_amendments, treat_none_as_null = true)]
pub struct Amendment {
    pub id: String,
    pub agreement_id: String,
    pub number: i32,
    pub status: String,
    pub reason: String,
    /// The changes as JSON (`domain::Change`s).
    pub changes: String,
    pub terminates_on: Option<NaiveDate>,
    pub termination_reason: Option<String>,
    pub requested_by: String,
    pub sha256: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub signed_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = amendment_signatures)]
pub struct Signature {
    pub amendment_id: String,
    pub party: String,
    pub user_id: String,
    pub signed_at: Option<NaiveDateTime>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub document_sha256: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = amendment_validations)]
pub struct Validation {
    pub id: String,
    pub amendment_id: String,
    pub step: String,
    pub decision: String,
    pub reason: Option<String>,
    pub by_user: String,
    pub at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, row: &Amendment) -> QueryResult<usize> {
    diesel::insert_into(agreement_amendments::table)
        .values(row)
        .execute(conn)
}

pub fn update(conn: &mut DbConnection, row: &Amendment) -> QueryResult<usize> {
    diesel::update(agreement_amendments::table.find(&row.id))
        .set(row)
        .execute(conn)
}

/// An agreement's amendments, in their order.
pub fn of_agreement(conn: &mut DbConnection, agreement_id: &str) -> QueryResult<Vec<Amendment>> {
    agreement_amendments::table
        .filter(agreement_amendments::agreement_id.eq(agreement_id))
        .order(agreement_amendments::number.asc())
        .select(Amendment::as_select())
        .load(conn)
}

pub fn find(conn: &mut DbConnection, agreement_id: &str, number: i32) -> QueryResult<Amendment> {
    agreement_amendments::table
        .filter(agreement_amendments::agreement_id.eq(agreement_id))
        .filter(agreement_amendments::number.eq(number))
        .select(Amendment::as_select())
        .first(conn)
}

/// The next amendment's number (1 for the first).
pub fn next_number(conn: &mut DbConnection, agreement_id: &str) -> QueryResult<i32> {
    let max: Option<i32> = agreement_amendments::table
        .filter(agreement_amendments::agreement_id.eq(agreement_id))
        .select(diesel::dsl::max(agreement_amendments::number))
        .first(conn)?;
    Ok(max.unwrap_or(0) + 1)
}

pub fn insert_document(
    conn: &mut DbConnection,
    amendment_id: &str,
    pdf: &[u8],
) -> QueryResult<usize> {
    diesel::insert_into(amendment_documents::table)
        .values((
            amendment_documents::amendment_id.eq(amendment_id),
            amendment_documents::pdf.eq(pdf),
        ))
        .execute(conn)
}

pub fn document(conn: &mut DbConnection, amendment_id: &str) -> QueryResult<Option<Vec<u8>>> {
    amendment_documents::table
        .find(amendment_id)
        .select(amendment_documents::pdf)
        .first(conn)
        .optional()
}

pub fn insert_signatory(conn: &mut DbConnection, row: &Signature) -> QueryResult<usize> {
    diesel::insert_into(amendment_signatures::table)
        .values(row)
        .execute(conn)
}

pub fn signatures(conn: &mut DbConnection, ids: &[&str]) -> QueryResult<Vec<Signature>> {
    amendment_signatures::table
        .filter(amendment_signatures::amendment_id.eq_any(ids))
        .order((
            amendment_signatures::amendment_id.asc(),
            amendment_signatures::party.asc(),
        ))
        .select(Signature::as_select())
        .load(conn)
}

/// Records `party`'s signature once: an already signed row is left as it is.
pub fn sign(
    conn: &mut DbConnection,
    amendment_id: &str,
    party: &str,
    ip: Option<&str>,
    user_agent: Option<&str>,
    sha256: &str,
) -> QueryResult<usize> {
    diesel::update(
        amendment_signatures::table
            .filter(amendment_signatures::amendment_id.eq(amendment_id))
            .filter(amendment_signatures::party.eq(party))
            .filter(amendment_signatures::signed_at.is_null()),
    )
    .set((
        amendment_signatures::signed_at.eq(now()),
        amendment_signatures::ip.eq(ip),
        amendment_signatures::user_agent.eq(user_agent),
        amendment_signatures::document_sha256.eq(sha256),
    ))
    .execute(conn)
}

/// The amendments `user_id` has still to sign, as (agreement, number).
pub fn awaiting(conn: &mut DbConnection, user_id: &str) -> QueryResult<Vec<(String, i32)>> {
    amendment_signatures::table
        .inner_join(agreement_amendments::table)
        .filter(amendment_signatures::user_id.eq(user_id))
        .filter(amendment_signatures::signed_at.is_null())
        .filter(agreement_amendments::status.eq("sent"))
        .select((
            agreement_amendments::agreement_id,
            agreement_amendments::number,
        ))
        .load(conn)
}

pub fn insert_validation(conn: &mut DbConnection, row: &Validation) -> QueryResult<usize> {
    diesel::insert_into(amendment_validations::table)
        .values(row)
        .execute(conn)
}

pub fn validations(conn: &mut DbConnection, ids: &[&str]) -> QueryResult<Vec<Validation>> {
    amendment_validations::table
        .filter(amendment_validations::amendment_id.eq_any(ids))
        .order((
            amendment_validations::at.asc(),
            amendment_validations::id.asc(),
        ))
        .select(Validation::as_select())
        .load(conn)
}
