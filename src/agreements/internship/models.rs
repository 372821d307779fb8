//! The internship's rows: its content beside its agreement (`internships`, one row each) and
//! what the limits count (that student's, that supervisor's and that host's other
//! internships). Cancelled agreements never count.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::agreements::domain::Kind;
use crate::db::schema::{
    agreements, companies, internship_certificates, internship_evaluations, internships,
};
use crate::db::DbConnection;

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = internships, treat_none_as_null = true)]
pub struct Internship {
    pub agreement_id: String,
    pub requested_by: String,
    pub student_number: String,
    pub programme: String,
    pub programme_hours: String,
    pub internship_type: String,
    pub department: String,
    pub supervisor_name: String,
    pub supervisor_role: String,
    pub supervisor_email: String,
    pub supervisor_phone: String,
    pub activities: String,
    pub skills: String,
    pub weekly_minutes: i32,
    pub work_days: String,
    pub night_work: bool,
    pub sunday_work: bool,
    pub holiday_work: bool,
    pub interruptions: String,
    pub leave: String,
    pub gratification_cents: Option<i32>,
    pub gratification_terms: String,
    pub benefits: String,
    pub confidential: bool,
    pub internal_rules: String,
    pub overlap_allowed: bool,
    pub presence_minutes: i32,
    /// L124-6 as judged at the last write (the student's year at this host counted).
    pub gratification_due: bool,
    pub supervisor_token_hash: Option<String>,
    pub supervisor_completed_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The certificate (attestation de stage) of an internship, once prepared.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = internship_certificates, treat_none_as_null = true)]
pub struct Certificate {
    pub agreement_id: String,
    pub token_hash: String,
    pub prepared_at: NaiveDateTime,
    /// The effective presence, as prepared then as confirmed.
    pub presence_minutes: i32,
    /// The total gratification paid, in cents; `None`: none.
    pub gratification_cents: Option<i64>,
    pub confirmed_at: Option<NaiveDateTime>,
}

/// The company supervisor's evaluation of the intern: asked (a link, reminders counted), then
/// given once (`submitted_at` with the mark and the appreciation).
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = internship_evaluations, treat_none_as_null = true)]
pub struct EvaluationRow {
    pub agreement_id: String,
    pub token_hash: String,
    /// Out of 20 in quarter points, as quarters (0 to 80).
    pub mark_quarters: Option<i32>,
    pub appreciation: String,
    pub skills: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub reminders_sent: i32,
    pub created_at: NaiveDateTime,
}

/// What a convention de stage names of its host, beside the company's name and city.
#[derive(Debug, Clone, Default, PartialEq, Queryable, Selectable, AsChangeset)]
#[diesel(table_name = companies, treat_none_as_null = true)]
pub struct HostRecord {
    pub siret: Option<String>,
    pub address: String,
    pub representative_name: String,
    pub representative_role: String,
    pub headcount: Option<i32>,
}

pub fn insert(conn: &mut DbConnection, row: &Internship) -> QueryResult<usize> {
    diesel::insert_into(internships::table)
        .values(row)
        .execute(conn)
}

pub fn update(conn: &mut DbConnection, row: &Internship) -> QueryResult<usize> {
    diesel::update(internships::table.find(&row.agreement_id))
        .set(row)
        .execute(conn)
}

pub fn find(conn: &mut DbConnection, agreement_id: &str) -> QueryResult<Option<Internship>> {
    internships::table
        .find(agreement_id)
        .select(Internship::as_select())
        .first(conn)
        .optional()
}

/// The internships of these agreements (those that are internships), by agreement id.
pub fn of(conn: &mut DbConnection, agreement_ids: &[&str]) -> QueryResult<Vec<Internship>> {
    internships::table
        .filter(internships::agreement_id.eq_any(agreement_ids))
        .select(Internship::as_select())
        .load(conn)
}

pub fn by_supervisor_token(conn: &mut DbConnection, hash: &str) -> QueryResult<Option<Internship>> {
    internships::table
        .filter(internships::supervisor_token_hash.eq(hash))
        .select(Internship::as_select())
        .first(conn)
        .optional()
}

pub fn certificate(
    conn: &mut DbConnection,
    agreement_id: &str,
) -> QueryResult<Option<Certificate>> {
    internship_certificates::table
        .find(agreement_id)
        .select(Certificate::as_select())
        .first(conn)
        .optional()
}

pub fn certificates(
    conn: &mut DbConnection,
    agreement_ids: &[&str],
) -> QueryResult<Vec<Certificate>> {
    internship_certificates::table
        .filter(internship_certificates::agreement_id.eq_any(agreement_ids))
        .select(Certificate::as_select())
        .load(conn)
}

pub fn certificate_by_token(
    conn: &mut DbConnection,
    hash: &str,
) -> QueryResult<Option<Certificate>> {
    internship_certificates::table
        .filter(internship_certificates::token_hash.eq(hash))
        .select(Certificate::as_select())
        .first(conn)
        .optional()
}

/// Writes a certificate prepared (again): the new figures and link replace the old ones.
pub fn save_certificate(conn: &mut DbConnection, row: &Certificate) -> QueryResult<usize> {
    diesel::delete(internship_certificates::table.find(&row.agreement_id)).execute(conn)?;
    diesel::insert_into(internship_certificates::table)
        .values(row)
        .execute(conn)
}

pub fn update_certificate(conn: &mut DbConnection, row: &Certificate) -> QueryResult<usize> {
    diesel::update(internship_certificates::table.find(&row.agreement_id))
        .set(row)
        .execute(conn)
}

pub fn evaluation(
    conn: &mut DbConnection,
    agreement_id: &str,
) -> QueryResult<Option<EvaluationRow>> {
    internship_evaluations::table
        .find(agreement_id)
        .select(EvaluationRow::as_select())
        .first(conn)
        .optional()
}

pub fn evaluation_by_token(
    conn: &mut DbConnection,
    hash: &str,
) -> QueryResult<Option<EvaluationRow>> {
    internship_evaluations::table
        .filter(internship_evaluations::token_hash.eq(hash))
        .select(EvaluationRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert_evaluation(conn: &mut DbConnection, row: &EvaluationRow) -> QueryResult<usize> {
    diesel::insert_into(internship_evaluations::table)
        .values(row)
        .execute(conn)
}

pub fn update_evaluation(conn: &mut DbConnection, row: &EvaluationRow) -> QueryResult<usize> {
    diesel::update(internship_evaluations::table.find(&row.agreement_id))
        .set(row)
        .execute(conn)
}

pub fn host(conn: &mut DbConnection, company_id: &str) -> QueryResult<HostRecord> {
    companies::table
        .find(company_id)
        .select(HostRecord::as_select())
        .first(conn)
}

pub fn hosts(
    conn: &mut DbConnection,
    company_ids: &[&str],
) -> QueryResult<Vec<(String, HostRecord)>> {
    companies::table
        .filter(companies::id.eq_any(company_ids))
        .select((companies::id, HostRecord::as_select()))
        .load(conn)
}

pub fn update_host(
    conn: &mut DbConnection,
    company_id: &str,
    host: &HostRecord,
) -> QueryResult<usize> {
    diesel::update(companies::table.find(company_id))
        .set(host)
        .execute(conn)
}

/// A host new to fieldlab, with its signatory's account.
pub fn insert_company(
    conn: &mut DbConnection,
    id: &str,
    contact_id: Option<&str>,
    name: &str,
    city: &str,
    host: &HostRecord,
) -> QueryResult<usize> {
    diesel::insert_into(companies::table)
        .values((
            companies::id.eq(id),
            companies::contact_id.eq(contact_id),
            companies::name.eq(name),
            companies::city.eq(city),
            companies::local.eq(false),
            companies::created_at.eq(crate::db::now()),
            companies::siret.eq(&host.siret),
            companies::address.eq(&host.address),
            companies::representative_name.eq(&host.representative_name),
            companies::representative_role.eq(&host.representative_role),
            companies::headcount.eq(host.headcount),
        ))
        .execute(conn)
}

/// The company with this SIRET, if fieldlab knows it.
pub fn company_by_siret(conn: &mut DbConnection, siret: &str) -> QueryResult<Option<String>> {
    companies::table
        .filter(companies::siret.eq(siret))
        .select(companies::id)
        .first(conn)
        .optional()
}

/// A company's contact account (who signs for it), if it has one.
pub fn company_contact(conn: &mut DbConnection, company_id: &str) -> QueryResult<Option<String>> {
    Ok(companies::table
        .find(company_id)
        .select(companies::contact_id)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// An other internship the limits weigh: its agreement, dates, host and content.
#[derive(Debug, Clone)]
pub struct Other {
    pub agreement_id: String,
    pub company_id: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub internship: Internship,
}

fn others(conn: &mut DbConnection, ids: &[String], except: &str) -> QueryResult<Vec<Other>> {
    let rows: Vec<(String, String, NaiveDate, NaiveDate, Internship)> = agreements::table
        .inner_join(internships::table)
        .filter(agreements::id.eq_any(ids))
        .filter(agreements::id.ne(except))
        .filter(agreements::kind.eq(Kind::Internship.as_str()))
        .filter(agreements::status.ne("cancelled"))
        .select((
            agreements::id,
            agreements::company_id,
            agreements::starts_on,
            agreements::ends_on,
            Internship::as_select(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(agreement_id, company_id, starts_on, ends_on, internship)| Other {
                agreement_id,
                company_id,
                starts_on,
                ends_on,
                internship,
            },
        )
        .collect())
}

/// That student's other internships (any host), not cancelled.
pub fn of_student(
    conn: &mut DbConnection,
    student_id: &str,
    except: &str,
) -> QueryResult<Vec<Other>> {
    let ids: Vec<String> = agreements::table
        .filter(agreements::student_id.eq(student_id))
        .filter(agreements::kind.eq(Kind::Internship.as_str()))
        .select(agreements::id)
        .load(conn)?;
    others(conn, &ids, except)
}

/// The internships this company supervisor follows (by e-mail), not cancelled.
pub fn of_supervisor(
    conn: &mut DbConnection,
    email: &str,
    except: &str,
) -> QueryResult<Vec<Other>> {
    let ids: Vec<String> = internships::table
        .filter(internships::supervisor_email.eq(email))
        .select(internships::agreement_id)
        .load(conn)?;
    others(conn, &ids, except)
}

/// The internships at this host overlapping these dates, not cancelled.
pub fn at_host(
    conn: &mut DbConnection,
    company_id: &str,
    from: NaiveDate,
    to: NaiveDate,
    except: &str,
) -> QueryResult<Vec<Other>> {
    let ids: Vec<String> = agreements::table
        .filter(agreements::company_id.eq(company_id))
        .filter(agreements::kind.eq(Kind::Internship.as_str()))
        .filter(agreements::starts_on.le(to))
        .filter(agreements::ends_on.ge(from))
        .select(agreements::id)
        .load(conn)?;
    others(conn, &ids, except)
}
