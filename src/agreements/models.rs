//! Agreement rows and their queries: agreements, their frozen documents, their signatures,
//! and the people and companies they name (read from the tables of other domains through the
//! schema, so this domain sits below missions, which creates field-mission agreements).

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::agreements::domain::Status;
use crate::agreements::register::{Direction, Order, SortKey};
use crate::db::schema::{
    agreement_counts, agreement_document_blobs, agreement_documents, agreement_final_documents,
    agreement_signatures, agreement_signed_copies, agreement_validations, agreements, companies,
    missions, problems, team_members, users,
};
use crate::db::{now, DbConnection, WriteTx};
use crate::paging::PageRequest;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = agreements)]
pub struct Agreement {
    pub id: String,
    pub kind: String,
    pub status: String,
    pub version: i32,
    pub locale: String,
    pub campaign_id: Option<String>,
    pub mission_id: Option<String>,
    pub company_id: String,
    pub student_id: Option<String>,
    pub tutor_id: Option<String>,
    pub subject: String,
    pub description: String,
    pub place: String,
    pub supervisor: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub sent_at: Option<NaiveDateTime>,
    pub signed_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub cancel_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = agreement_signatures)]
pub struct Signature {
    pub agreement_id: String,
    pub version: i32,
    pub party: String,
    pub user_id: String,
    pub signed_at: Option<NaiveDateTime>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub document_sha256: Option<String>,
    pub voided_at: Option<NaiveDateTime>,
    /// Who gave the signature when it is not `user_id` (a delegate).
    pub signed_by: Option<String>,
}

/// Someone an agreement names.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub email: String,
}

/// The company an agreement is with, and its contact (who signs for it).
#[derive(Debug, Clone)]
pub struct Company {
    pub id: String,
    pub name: String,
    pub city: String,
    pub contact: Option<Person>,
    /// What a convention de stage names of the host (SIRET, address, representative).
    pub host: crate::agreements::internship::models::HostRecord,
}

/// An agreement with everyone it names and the signatures of its current version.
#[derive(Debug, Clone)]
pub struct Details {
    pub agreement: Agreement,
    pub company: Company,
    pub student: Option<Person>,
    /// The research tutor, or a field mission's tutor (named, not a party).
    pub tutor: Option<Person>,
    pub campaign: Option<String>,
    /// The current version's signatories with their signatures (empty while `draft`).
    pub signatures: Vec<(Signature, Person)>,
    /// The SHA-256 of the current version's frozen PDF (from `sent` on).
    pub document_sha256: Option<String>,
    /// An internship's content (`None` for the other kinds).
    pub internship: Option<crate::agreements::internship::models::Internship>,
    /// An internship's certificate, once prepared.
    pub certificate: Option<crate::agreements::internship::models::Certificate>,
    /// Its validation history, oldest first, with who decided.
    pub validations: Vec<(Validation, Person)>,
    /// Signed outside fieldlab: the current version is the scan staff attested.
    pub signed_copy: Option<(SignedCopy, Person)>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = agreement_signed_copies)]
pub struct SignedCopy {
    pub agreement_id: String,
    pub version: i32,
    pub attested_by: String,
    pub attested_at: NaiveDateTime,
    pub note: String,
}

pub fn insert_signed_copy(conn: &mut DbConnection, row: &SignedCopy) -> QueryResult<usize> {
    diesel::insert_into(agreement_signed_copies::table)
        .values(row)
        .execute(conn)
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = agreement_validations)]
pub struct Validation {
    pub id: String,
    pub agreement_id: String,
    pub step: String,
    pub decision: String,
    pub reason: Option<String>,
    pub by_user: String,
    pub at: NaiveDateTime,
}

pub fn insert_validation(conn: &mut DbConnection, row: &Validation) -> QueryResult<usize> {
    diesel::insert_into(agreement_validations::table)
        .values(row)
        .execute(conn)
}

pub fn insert(conn: &mut DbConnection, agreement: &Agreement) -> QueryResult<usize> {
    diesel::insert_into(agreements::table)
        .values(agreement)
        .execute(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Agreement> {
    agreements::table
        .find(id)
        .select(Agreement::as_select())
        .first(conn)
}

/// The agreement, locked for the rest of the write transaction (PostgreSQL: `FOR UPDATE`;
/// SQLite: the transaction already holds the write lock).
pub fn lock(conn: &mut WriteTx<'_>, id: &str) -> QueryResult<Agreement> {
    match &mut **conn {
        DbConnection::Postgresql(pg) => agreements::table
            .find(id)
            .select(Agreement::as_select())
            .for_update()
            .first(pg),
        DbConnection::Sqlite(lite) => agreements::table
            .find(id)
            .select(Agreement::as_select())
            .first(lite),
    }
}

/// What a list of agreements is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub kind: Option<String>,
    pub status: Option<String>,
    pub campaign_id: Option<String>,
    /// Only the agreements this user is a party to (as student, tutor, company contact or
    /// signatory).
    pub party: Option<String>,
}

/// The backend a boxed query is built for (either of the MultiConnection's).
type Backend = <DbConnection as diesel::Connection>::Backend;

/// Every agreement `filter` lets through, in no order yet: the one place its conditions are
/// written, for the API's list and the staff's register alike.
fn filtered<'a>(
    conn: &mut DbConnection,
    filter: &Filter,
) -> QueryResult<agreements::BoxedQuery<'a, Backend>> {
    let mut query = agreements::table.into_boxed();
    if let Some(kind) = &filter.kind {
        query = query.filter(agreements::kind.eq(kind.clone()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(agreements::status.eq(status.clone()));
    }
    if let Some(campaign) = &filter.campaign_id {
        query = query.filter(agreements::campaign_id.eq(campaign.clone()));
    }
    if let Some(user) = &filter.party {
        query = query.filter(agreements::id.eq_any(party_to(conn, user)?));
    }
    Ok(query)
}

/// The ids of the agreements `user` is a party to, each way read through its own index. One
/// `student_id = u OR tutor_id = u OR company_id IN (…) OR id IN (…)` made PostgreSQL read
/// every agreement and test each against the four.
fn party_to(conn: &mut DbConnection, user: &str) -> QueryResult<Vec<String>> {
    let mut ids: Vec<String> = agreements::table
        .filter(agreements::student_id.eq(user))
        .select(agreements::id)
        .load(conn)?;
    ids.extend(
        agreements::table
            .filter(agreements::tutor_id.eq(user))
            .select(agreements::id)
            .load::<String>(conn)?,
    );
    let contact_of: Vec<String> = companies::table
        .filter(companies::contact_id.eq(user))
        .select(companies::id)
        .load(conn)?;
    if !contact_of.is_empty() {
        ids.extend(
            agreements::table
                .filter(agreements::company_id.eq_any(&contact_of))
                .select(agreements::id)
                .load::<String>(conn)?,
        );
    }
    ids.extend(
        agreement_signatures::table
            .filter(agreement_signatures::user_id.eq(user))
            .select(agreement_signatures::agreement_id)
            .load::<String>(conn)?,
    );
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// Agreements in creation order, one page (or all with `PageRequest::all`).
pub fn list(
    conn: &mut DbConnection,
    filter: &Filter,
    page: &PageRequest,
) -> QueryResult<Vec<Agreement>> {
    let mut query = filtered(conn, filter)?
        .select(Agreement::as_select())
        .order(agreements::id.asc())
        .limit(page.fetch_limit());
    if let Some(after) = &page.after {
        query = query.filter(agreements::id.gt(after.clone()));
    }
    query.load(conn)
}

/// What the staff's register shows: the filter, and only the overdue ones when
/// `overdue_until` is set (not signed, starting on or before that day).
#[derive(Debug, Clone, Default)]
pub struct Register {
    pub filter: Filter,
    pub overdue_until: Option<NaiveDate>,
    /// Companies whose name contains this (any case).
    pub company: Option<String>,
    /// The academic year (its first calendar year) the agreement starts in.
    pub academic_year: Option<i32>,
    /// Sent and waiting for this party's signature (`school`, `company`, `student`, `tutor`).
    pub awaiting: Option<String>,
    /// The rows' order (newest first unless the reader sorts by a column).
    pub order: Order,
}

impl Register {
    /// Filters that the kept totals (`agreement_counts`) cannot answer.
    fn counted_by_rows(&self) -> bool {
        self.overdue_until.is_some()
            || self.filter.party.is_some()
            || self.company.is_some()
            || self.academic_year.is_some()
            || self.awaiting.is_some()
    }
}

fn register_query<'a>(
    conn: &mut DbConnection,
    register: &Register,
) -> QueryResult<agreements::BoxedQuery<'a, Backend>> {
    let mut query = filtered(conn, &register.filter)?;
    if let Some(day) = register.overdue_until {
        query = query
            .filter(agreements::status.eq_any(Status::UNSIGNED))
            .filter(agreements::starts_on.le(day));
    }
    if let Some(text) = &register.company {
        // Matched here, not in SQL: LIKE folds case on SQLite only; a school has a few
        // thousand companies at most.
        let text = text.to_lowercase();
        let ids: Vec<String> = companies::table
            .select((companies::id, companies::name))
            .load::<(String, String)>(conn)?
            .into_iter()
            .filter(|(_, name)| name.to_lowercase().contains(&text))
            .map(|(id, _)| id)
            .collect();
        query = query.filter(agreements::company_id.eq_any(ids));
    }
    if let Some(year) = register.academic_year {
        let period = crate::agreements::internship::rules::AcademicYear::starting(year).period();
        if let Some(period) = period {
            query = query
                .filter(agreements::starts_on.ge(period.start()))
                .filter(agreements::starts_on.le(period.end()));
        }
    }
    if let Some(party) = &register.awaiting {
        let waiting: Vec<String> = agreement_signatures::table
            .filter(agreement_signatures::party.eq(party))
            .filter(agreement_signatures::signed_at.is_null())
            .filter(agreement_signatures::voided_at.is_null())
            .select(agreement_signatures::agreement_id)
            .load(conn)?;
        query = query
            .filter(agreements::status.eq(Status::Sent.as_str()))
            .filter(agreements::id.eq_any(waiting));
    }
    Ok(query)
}

/// How many agreements the register lists (all of them, not a page). By kind, status and
/// campaign: the sum of the few `agreement_counts` rows the database keeps by trigger, not a
/// count of every agreement; overdue and party filters count their rows through an index.
pub fn register_count(conn: &mut DbConnection, register: &Register) -> QueryResult<i64> {
    let filter = &register.filter;
    if register.counted_by_rows() {
        return register_query(conn, register)?.count().get_result(conn);
    }
    let mut counts = agreement_counts::table
        .select(agreement_counts::n)
        .into_boxed();
    if let Some(kind) = &filter.kind {
        counts = counts.filter(agreement_counts::kind.eq(kind.clone()));
    }
    if let Some(status) = &filter.status {
        counts = counts.filter(agreement_counts::status.eq(status.clone()));
    }
    if let Some(campaign) = &filter.campaign_id {
        counts = counts.filter(agreement_counts::campaign_id.eq(campaign.clone()));
    }
    Ok(counts.load::<i32>(conn)?.into_iter().map(i64::from).sum())
}

/// The register's rows in its order, the id (same direction) breaking ties so that OFFSET
/// paging is stable; `window` = (offset, limit), `None` for all (the CSV).
///
/// Each order is shaped for a plan that needs no statistics: creation and start date walk an
/// index (`agreements_created`, `agreements_starts`); the others sort the filtered rows by a
/// key read per row through a primary key (the company's or party's name), or computed
/// (status in its life); signatures count only the `sent` and `cancelled` rows' current
/// version through its primary key (drafts ask none, signed ones have all).
pub fn register_rows(
    conn: &mut DbConnection,
    register: &Register,
    window: Option<(i64, i64)>,
) -> QueryResult<Vec<Agreement>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{BigInt, Text};
    let asc = register.order.dir == Direction::Asc;
    let query = register_query(conn, register)?.select(Agreement::as_select());
    let mut query = match (register.order.key, asc) {
        (SortKey::StartsOn, true) => {
            query.order((agreements::starts_on.asc(), agreements::id.asc()))
        }
        (SortKey::StartsOn, false) => {
            query.order((agreements::starts_on.desc(), agreements::id.desc()))
        }
        (SortKey::Kind, true) => query.order((agreements::kind.asc(), agreements::id.asc())),
        (SortKey::Kind, false) => query.order((agreements::kind.desc(), agreements::id.desc())),
        (SortKey::Status, true) => {
            query.order((sql::<BigInt>(STATUS_RANK).asc(), agreements::id.asc()))
        }
        (SortKey::Status, false) => {
            query.order((sql::<BigInt>(STATUS_RANK).desc(), agreements::id.desc()))
        }
        (SortKey::Company, true) => {
            query.order((sql::<Text>(COMPANY_NAME).asc(), agreements::id.asc()))
        }
        (SortKey::Company, false) => {
            query.order((sql::<Text>(COMPANY_NAME).desc(), agreements::id.desc()))
        }
        (SortKey::Party, true) => {
            query.order((sql::<Text>(PARTY_NAME).asc(), agreements::id.asc()))
        }
        (SortKey::Party, false) => {
            query.order((sql::<Text>(PARTY_NAME).desc(), agreements::id.desc()))
        }
        (SortKey::Signatures, true) => {
            query.order((sql::<BigInt>(SIGNATURES_RANK).asc(), agreements::id.asc()))
        }
        (SortKey::Signatures, false) => {
            query.order((sql::<BigInt>(SIGNATURES_RANK).desc(), agreements::id.desc()))
        }
        (_, true) => query.order((agreements::created_at.asc(), agreements::id.asc())),
        (_, false) => query.order((agreements::created_at.desc(), agreements::id.desc())),
    };
    if let Some((offset, limit)) = window {
        query = query.offset(offset).limit(limit);
    }
    query.load(conn)
}

/// The company's name, through its primary key.
const COMPANY_NAME: &str =
    "(SELECT companies.name FROM companies WHERE companies.id = agreements.company_id)";

/// The student's name, else the research tutor's, through the primary key; none sorts as an
/// empty name (first), the same on both backends (they place NULLs differently).
const PARTY_NAME: &str = "COALESCE((SELECT users.name FROM users \
     WHERE users.id = COALESCE(agreements.student_id, agreements.tutor_id)), '')";

/// Statuses in an agreement's life.
const STATUS_RANK: &str = "CASE agreements.status WHEN 'draft' THEN 0 WHEN 'sent' THEN 1 \
     WHEN 'signed' THEN 2 ELSE 3 END";

/// The share of the current version's signatures given, in percent: -1 when none is asked.
const SIGNATURES_RANK: &str = "CASE agreements.status WHEN 'draft' THEN -1 WHEN 'signed' THEN 100 \
     ELSE COALESCE((SELECT SUM(CASE WHEN s.signed_at IS NULL THEN 0 ELSE 1 END) * 100 \
     / NULLIF(COUNT(*), 0) FROM agreement_signatures s \
     WHERE s.agreement_id = agreements.id AND s.version = agreements.version), -1) END";

/// Who signs: an account and those whose signature it holds today (delegations), and each
/// kind's stages (a party not on its turn yet is not waiting for them).
pub struct Signer<'a> {
    pub user_ids: &'a [String],
    pub signers: &'a crate::agreements::domain::Signers,
}

/// The `sent` agreements whose current version awaits `signer`'s signature, the soonest start
/// first: what a signatory has to sign, one after the other.
pub fn awaiting(conn: &mut DbConnection, signer: &Signer<'_>) -> QueryResult<Vec<Agreement>> {
    let waiting = unsigned_versions(conn, signer)?;
    let ids: Vec<&str> = waiting.iter().map(|(id, _)| id.as_str()).collect();
    // By id alone (the primary key): with `status = 'sent'` too, PostgreSQL walked every sent
    // agreement's entry in `agreements_status_created`. Status and order are checked here.
    let mut rows: Vec<Agreement> = agreements::table
        .filter(agreements::id.eq_any(&ids))
        .select(Agreement::as_select())
        .load(conn)?;
    keep_awaiting(&mut rows, &waiting, |a| {
        (&a.id, &a.status, a.version, a.starts_on)
    });
    Ok(rows)
}

/// The ids of [`awaiting`], in its order, without reading whole agreements: for a count or
/// the first.
pub fn awaiting_ids(conn: &mut DbConnection, signer: &Signer<'_>) -> QueryResult<Vec<String>> {
    let waiting = unsigned_versions(conn, signer)?;
    let ids: Vec<&str> = waiting.iter().map(|(id, _)| id.as_str()).collect();
    let mut rows: Vec<(String, String, i32, NaiveDate)> = agreements::table
        .filter(agreements::id.eq_any(&ids))
        .select((
            agreements::id,
            agreements::status,
            agreements::version,
            agreements::starts_on,
        ))
        .load(conn)?;
    keep_awaiting(&mut rows, &waiting, |(id, status, version, starts_on)| {
        (id, status, *version, *starts_on)
    });
    Ok(rows.into_iter().map(|(id, ..)| id).collect())
}

/// The (agreement, version) pairs `signer` has yet to sign and may sign now, in no order.
fn unsigned_versions(
    conn: &mut DbConnection,
    signer: &Signer<'_>,
) -> QueryResult<Vec<(String, i32)>> {
    use crate::agreements::domain::{Kind, Party};
    let mine: Vec<(String, i32, String)> = agreement_signatures::table
        .filter(agreement_signatures::user_id.eq_any(signer.user_ids))
        .filter(agreement_signatures::signed_at.is_null())
        .filter(agreement_signatures::voided_at.is_null())
        .select((
            agreement_signatures::agreement_id,
            agreement_signatures::version,
            agreement_signatures::party,
        ))
        .load(conn)?;
    if signer.signers.all_together() {
        let mut pairs: Vec<(String, i32)> = mine.into_iter().map(|(a, v, _)| (a, v)).collect();
        pairs.sort();
        pairs.dedup();
        return Ok(pairs);
    }
    // Stages: who else has signed each version, and its kind, decide whose turn it is.
    let ids: Vec<&str> = mine.iter().map(|(id, ..)| id.as_str()).collect();
    let kinds: HashMap<String, String> = agreements::table
        .filter(agreements::id.eq_any(&ids))
        .select((agreements::id, agreements::kind))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let mut signed: HashMap<(String, i32), Vec<Party>> = HashMap::new();
    for (id, version, party) in agreement_signatures::table
        .filter(agreement_signatures::agreement_id.eq_any(&ids))
        .filter(agreement_signatures::signed_at.is_not_null())
        .filter(agreement_signatures::voided_at.is_null())
        .select((
            agreement_signatures::agreement_id,
            agreement_signatures::version,
            agreement_signatures::party,
        ))
        .load::<(String, i32, String)>(conn)?
    {
        signed
            .entry((id, version))
            .or_default()
            .extend(Party::parse(&party));
    }
    let mut pairs: Vec<(String, i32)> = mine
        .into_iter()
        .filter(|(id, version, party)| {
            let kind = kinds.get(id).and_then(|k| Kind::parse(k));
            match (kind, Party::parse(party)) {
                (Some(kind), Some(party)) => signer.signers.awaits(
                    kind,
                    signed
                        .get(&(id.clone(), *version))
                        .map_or(&[][..], Vec::as_slice),
                    party,
                ),
                _ => true,
            }
        })
        .map(|(a, v, _)| (a, v))
        .collect();
    pairs.sort();
    pairs.dedup();
    Ok(pairs)
}

/// Keeps the `sent` rows whose current version is in `waiting`, the soonest start first.
/// `key`: a row's (id, status, version, starts_on).
fn keep_awaiting<T>(
    rows: &mut Vec<T>,
    waiting: &[(String, i32)],
    key: impl Fn(&T) -> (&str, &str, i32, NaiveDate),
) {
    // A set, not a scan of `waiting` per row: the school's signatory may have thousands waiting.
    let current: std::collections::HashSet<(&str, i32)> =
        waiting.iter().map(|(id, v)| (id.as_str(), *v)).collect();
    rows.retain(|r| {
        let (id, status, version, _) = key(r);
        status == "sent" && current.contains(&(id, version))
    });
    rows.sort_by(|a, b| {
        let (a_id, _, _, a_start) = key(a);
        let (b_id, _, _, b_start) = key(b);
        (a_start, a_id).cmp(&(b_start, b_id))
    });
}

/// Everyone the agreements name, read in a few queries whatever their number.
pub fn details(conn: &mut DbConnection, list: Vec<Agreement>) -> QueryResult<Vec<Details>> {
    let ids: Vec<&str> = list.iter().map(|a| a.id.as_str()).collect();
    let company_ids: Vec<&str> = list.iter().map(|a| a.company_id.as_str()).collect();
    use crate::agreements::internship::models::{self as internships, HostRecord};
    let companies: Vec<(String, String, String, Option<String>, HostRecord)> = companies::table
        .filter(companies::id.eq_any(&company_ids))
        .select((
            companies::id,
            companies::name,
            companies::city,
            companies::contact_id,
            HostRecord::as_select(),
        ))
        .load(conn)?;
    let internship_ids: Vec<&str> = list
        .iter()
        .filter(|a| a.kind == crate::agreements::domain::Kind::Internship.as_str())
        .map(|a| a.id.as_str())
        .collect();
    let (mut internships, mut certificates) = if internship_ids.is_empty() {
        (HashMap::new(), HashMap::new())
    } else {
        (
            internships::of(conn, &internship_ids)?
                .into_iter()
                .map(|i| (i.agreement_id.clone(), i))
                .collect::<HashMap<_, _>>(),
            internships::certificates(conn, &internship_ids)?
                .into_iter()
                .map(|c| (c.agreement_id.clone(), c))
                .collect::<HashMap<_, _>>(),
        )
    };
    let mission_ids: Vec<&str> = list
        .iter()
        .filter_map(|a| a.mission_id.as_deref())
        .collect();
    let mission_tutors: HashMap<String, Option<String>> = missions::table
        .filter(missions::id.eq_any(&mission_ids))
        .select((missions::id, missions::tutor_id))
        .load::<(String, Option<String>)>(conn)?
        .into_iter()
        .collect();
    let campaign_ids: Vec<&str> = list
        .iter()
        .filter_map(|a| a.campaign_id.as_deref())
        .collect();
    let campaigns: HashMap<String, String> = crate::db::schema::campaigns::table
        .filter(crate::db::schema::campaigns::id.eq_any(&campaign_ids))
        .select((
            crate::db::schema::campaigns::id,
            crate::db::schema::campaigns::name,
        ))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    // Voided rows are dropped here, not in SQL: with `voided_at IS NULL` in the query,
    // PostgreSQL walked the whole `agreement_signatures_user_waiting` index for that one
    // condition instead of looking the ids up in the primary key.
    let mut signatures: Vec<Signature> = agreement_signatures::table
        .filter(agreement_signatures::agreement_id.eq_any(&ids))
        .select(Signature::as_select())
        .load(conn)?;
    signatures.retain(|s| s.voided_at.is_none());
    let documents: HashMap<(String, i32), String> = agreement_documents::table
        .filter(agreement_documents::agreement_id.eq_any(&ids))
        .select((
            agreement_documents::agreement_id,
            agreement_documents::version,
            agreement_documents::sha256,
        ))
        .load::<(String, i32, String)>(conn)?
        .into_iter()
        .map(|(id, version, sha)| ((id, version), sha))
        .collect();
    let validations: Vec<Validation> = agreement_validations::table
        .filter(agreement_validations::agreement_id.eq_any(&ids))
        .order((
            agreement_validations::at.asc(),
            agreement_validations::id.asc(),
        ))
        .select(Validation::as_select())
        .load(conn)?;
    let copies: Vec<SignedCopy> = agreement_signed_copies::table
        .filter(agreement_signed_copies::agreement_id.eq_any(&ids))
        .select(SignedCopy::as_select())
        .load(conn)?;
    let mut people_ids: Vec<String> = signatures.iter().map(|s| s.user_id.clone()).collect();
    people_ids.extend(validations.iter().map(|v| v.by_user.clone()));
    people_ids.extend(copies.iter().map(|c| c.attested_by.clone()));
    people_ids.extend(companies.iter().filter_map(|c| c.3.clone()));
    people_ids.extend(list.iter().filter_map(|a| a.student_id.clone()));
    people_ids.extend(list.iter().filter_map(|a| a.tutor_id.clone()));
    people_ids.extend(mission_tutors.values().flatten().cloned());
    people_ids.sort();
    people_ids.dedup();
    let people = people(conn, &people_ids)?;
    let companies: HashMap<String, Company> = companies
        .into_iter()
        .map(|(id, name, city, contact, host)| {
            let contact = contact.and_then(|c| people.get(&c).cloned());
            (
                id.clone(),
                Company {
                    id,
                    name,
                    city,
                    contact,
                    host,
                },
            )
        })
        .collect();
    let mut by_agreement: HashMap<String, Vec<(Signature, Person)>> = HashMap::new();
    for s in signatures {
        if let Some(person) = people.get(&s.user_id).cloned() {
            by_agreement
                .entry(s.agreement_id.clone())
                .or_default()
                .push((s, person));
        }
    }
    let mut validations_of: HashMap<String, Vec<(Validation, Person)>> = HashMap::new();
    for v in validations {
        if let Some(person) = people.get(&v.by_user).cloned() {
            validations_of
                .entry(v.agreement_id.clone())
                .or_default()
                .push((v, person));
        }
    }
    let mut copy_of: HashMap<(String, i32), (SignedCopy, Person)> = HashMap::new();
    for c in copies {
        if let Some(person) = people.get(&c.attested_by).cloned() {
            copy_of.insert((c.agreement_id.clone(), c.version), (c, person));
        }
    }
    let person = |id: &Option<String>| id.as_ref().and_then(|id| people.get(id).cloned());
    Ok(list
        .into_iter()
        .filter_map(|agreement| {
            let company = companies.get(&agreement.company_id)?.clone();
            let mut signatures: Vec<(Signature, Person)> = by_agreement
                .remove(&agreement.id)
                .unwrap_or_default()
                .into_iter()
                .filter(|(s, _)| s.version == agreement.version)
                .collect();
            signatures.sort_by_key(|(s, _)| crate::agreements::domain::Party::parse(&s.party));
            let tutor = person(&agreement.tutor_id).or_else(|| {
                let mission = agreement.mission_id.as_ref()?;
                person(mission_tutors.get(mission)?)
            });
            Some(Details {
                internship: internships.remove(&agreement.id),
                certificate: certificates.remove(&agreement.id),
                validations: validations_of.remove(&agreement.id).unwrap_or_default(),
                signed_copy: copy_of.remove(&(agreement.id.clone(), agreement.version)),
                document_sha256: documents
                    .get(&(agreement.id.clone(), agreement.version))
                    .cloned(),
                student: person(&agreement.student_id),
                tutor,
                campaign: agreement
                    .campaign_id
                    .as_ref()
                    .and_then(|c| campaigns.get(c).cloned()),
                company,
                signatures,
                agreement,
            })
        })
        .collect())
}

pub fn people(conn: &mut DbConnection, ids: &[String]) -> QueryResult<HashMap<String, Person>> {
    Ok(users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::name, users::email))
        .load::<Person>(conn)?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect())
}

pub fn person(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Person>> {
    users::table
        .find(id)
        .select((users::id, users::name, users::email))
        .first(conn)
        .optional()
}

/// A user by e-mail with their role.
pub fn user_by_email(
    conn: &mut DbConnection,
    email: &str,
) -> QueryResult<Option<(Person, String)>> {
    users::table
        .filter(users::email.eq(email))
        .select(((users::id, users::name, users::email), users::role))
        .first(conn)
        .optional()
}

/// The first staff account (the school's signatory when none is configured).
pub fn first_staff(conn: &mut DbConnection) -> QueryResult<Option<Person>> {
    users::table
        .filter(users::role.eq("staff"))
        .order(users::created_at.asc())
        .select((users::id, users::name, users::email))
        .first(conn)
        .optional()
}

/// Every staff account (warnings go to them all).
pub fn staff(conn: &mut DbConnection) -> QueryResult<Vec<Person>> {
    users::table
        .filter(users::role.eq("staff"))
        .order(users::created_at.asc())
        .select((users::id, users::name, users::email))
        .load(conn)
}

pub fn role_of(conn: &mut DbConnection, id: &str) -> QueryResult<Option<String>> {
    users::table
        .find(id)
        .select(users::role)
        .first(conn)
        .optional()
}

pub fn company_exists(conn: &mut DbConnection, id: &str) -> QueryResult<Option<String>> {
    companies::table
        .find(id)
        .select(companies::city)
        .first(conn)
        .optional()
}

/// One field-mission agreement to draft: a student of a published mission.
#[derive(Debug, Clone, Queryable)]
pub struct MissionStudent {
    pub mission_id: String,
    pub campaign_id: String,
    pub company_id: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub subject: String,
    pub description: String,
    pub city: String,
    pub student_id: String,
}

/// The students of a campaign's missions, with what their agreements say.
pub fn mission_students(
    conn: &mut DbConnection,
    campaign_id: &str,
) -> QueryResult<Vec<MissionStudent>> {
    missions::table
        .inner_join(problems::table)
        .inner_join(companies::table)
        .inner_join(team_members::table.on(team_members::team_id.eq(missions::team_id)))
        .filter(missions::campaign_id.eq(campaign_id))
        .order((missions::id.asc(), team_members::position.asc()))
        .select((
            missions::id,
            missions::campaign_id,
            missions::company_id,
            missions::starts_on,
            missions::ends_on,
            problems::title,
            problems::description,
            companies::city,
            team_members::student_id,
        ))
        .load(conn)
}

/// Inserts agreements one statement each (MultiConnection has no multi-row insert).
pub fn insert_many(conn: &mut DbConnection, rows: &[Agreement]) -> QueryResult<usize> {
    let mut n = 0;
    for row in rows {
        n += insert(conn, row)?;
    }
    Ok(n)
}

/// A version's frozen document: its SHA-256 with the hot rows, its bytes in a table of their
/// own that only the download and the e-mails' attachments read.
pub fn insert_document(
    conn: &mut DbConnection,
    agreement_id: &str,
    version: i32,
    sha256: &str,
    pdf: &[u8],
    clauses: &str,
) -> QueryResult<usize> {
    diesel::insert_into(agreement_documents::table)
        .values((
            agreement_documents::agreement_id.eq(agreement_id),
            agreement_documents::version.eq(version),
            agreement_documents::sha256.eq(sha256),
            agreement_documents::created_at.eq(now()),
            agreement_documents::clauses.eq(clauses),
        ))
        .execute(conn)?;
    diesel::insert_into(agreement_document_blobs::table)
        .values((
            agreement_document_blobs::agreement_id.eq(agreement_id),
            agreement_document_blobs::version.eq(version),
            agreement_document_blobs::pdf.eq(pdf),
        ))
        .execute(conn)
}

/// The clauses' template a version was frozen with (`None` before it was kept).
/// Records why a sent version was withdrawn (its signatures voided by the caller).
pub fn set_withdrawn_reason(
    conn: &mut DbConnection,
    agreement_id: &str,
    version: i32,
    reason: &str,
) -> QueryResult<usize> {
    diesel::update(agreement_documents::table.find((agreement_id, version)))
        .set(agreement_documents::withdrawn_reason.eq(reason))
        .execute(conn)
}

/// The versions withdrawn for correction, with why, oldest first.
pub fn withdrawals(conn: &mut DbConnection, agreement_id: &str) -> QueryResult<Vec<(i32, String)>> {
    agreement_documents::table
        .filter(agreement_documents::agreement_id.eq(agreement_id))
        .filter(agreement_documents::withdrawn_reason.is_not_null())
        .order(agreement_documents::version.asc())
        .select((
            agreement_documents::version,
            agreement_documents::withdrawn_reason.assume_not_null(),
        ))
        .load(conn)
}

/// A signed agreement's PDF as kept when its first amendment applied.
pub fn final_document(conn: &mut DbConnection, agreement_id: &str) -> QueryResult<Option<Vec<u8>>> {
    agreement_final_documents::table
        .find(agreement_id)
        .select(agreement_final_documents::pdf)
        .first(conn)
        .optional()
}

pub fn insert_final_document(
    conn: &mut DbConnection,
    agreement_id: &str,
    pdf: &[u8],
) -> QueryResult<usize> {
    diesel::insert_into(agreement_final_documents::table)
        .values((
            agreement_final_documents::agreement_id.eq(agreement_id),
            agreement_final_documents::pdf.eq(pdf),
        ))
        .execute(conn)
}

pub fn document_clauses(
    conn: &mut DbConnection,
    agreement_id: &str,
    version: i32,
) -> QueryResult<Option<String>> {
    Ok(agreement_documents::table
        .find((agreement_id, version))
        .select(agreement_documents::clauses)
        .first::<Option<String>>(conn)
        .optional()?
        .flatten())
}

/// The frozen PDF of a version.
pub fn document(
    conn: &mut DbConnection,
    agreement_id: &str,
    version: i32,
) -> QueryResult<Option<Vec<u8>>> {
    agreement_document_blobs::table
        .find((agreement_id, version))
        .select(agreement_document_blobs::pdf)
        .first(conn)
        .optional()
}

pub fn insert_signatories(conn: &mut DbConnection, rows: &[Signature]) -> QueryResult<usize> {
    let mut n = 0;
    for row in rows {
        n += diesel::insert_into(agreement_signatures::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(n)
}

/// What a signature records besides its instant: where from, with what, the document's
/// fingerprint, and who gave it when not the signatory (a delegate).
pub struct Stamp<'a> {
    /// When it was given (a signature that completes the agreement has its final PDF rendered
    /// with this instant before the transaction that records it).
    pub at: NaiveDateTime,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
    pub sha256: &'a str,
    pub by: Option<&'a str>,
}

/// Records a signature of the current version, once: an already signed row is left as it is.
pub fn sign(
    conn: &mut DbConnection,
    agreement_id: &str,
    version: i32,
    party: &str,
    stamp: &Stamp<'_>,
) -> QueryResult<usize> {
    diesel::update(
        agreement_signatures::table
            .filter(agreement_signatures::agreement_id.eq(agreement_id))
            .filter(agreement_signatures::version.eq(version))
            .filter(agreement_signatures::party.eq(party))
            .filter(agreement_signatures::signed_at.is_null())
            .filter(agreement_signatures::voided_at.is_null()),
    )
    .set((
        agreement_signatures::signed_at.eq(stamp.at),
        agreement_signatures::ip.eq(stamp.ip),
        agreement_signatures::user_agent.eq(stamp.user_agent),
        agreement_signatures::document_sha256.eq(stamp.sha256),
        agreement_signatures::signed_by.eq(stamp.by),
    ))
    .execute(conn)
}

/// Voids the signatures of a version that a change replaces.
pub fn void_version(
    conn: &mut DbConnection,
    agreement_id: &str,
    version: i32,
) -> QueryResult<usize> {
    diesel::update(
        agreement_signatures::table
            .filter(agreement_signatures::agreement_id.eq(agreement_id))
            .filter(agreement_signatures::version.eq(version)),
    )
    .set(agreement_signatures::voided_at.eq(now()))
    .execute(conn)
}

/// The agreement's signature rows of every version (the record, voided ones included).
pub fn all_signatures(conn: &mut DbConnection, agreement_id: &str) -> QueryResult<Vec<Signature>> {
    agreement_signatures::table
        .filter(agreement_signatures::agreement_id.eq(agreement_id))
        .order((
            agreement_signatures::version.asc(),
            agreement_signatures::party.asc(),
        ))
        .select(Signature::as_select())
        .load(conn)
}

pub fn update(conn: &mut DbConnection, agreement: &Agreement) -> QueryResult<usize> {
    diesel::update(agreements::table.find(&agreement.id))
        .set((
            agreements::status.eq(&agreement.status),
            agreements::version.eq(agreement.version),
            agreements::locale.eq(&agreement.locale),
            agreements::subject.eq(&agreement.subject),
            agreements::description.eq(&agreement.description),
            agreements::place.eq(&agreement.place),
            agreements::supervisor.eq(&agreement.supervisor),
            // An internship's academic tutor is named (or replaced) by staff after the request.
            agreements::tutor_id.eq(&agreement.tutor_id),
            agreements::starts_on.eq(agreement.starts_on),
            agreements::ends_on.eq(agreement.ends_on),
            agreements::sent_at.eq(agreement.sent_at),
            agreements::signed_at.eq(agreement.signed_at),
            agreements::cancelled_at.eq(agreement.cancelled_at),
            agreements::cancel_reason.eq(&agreement.cancel_reason),
            agreements::updated_at.eq(agreement.updated_at),
        ))
        .execute(conn)
}

/// Agreements that start on `day` and are not signed (nor cancelled).
pub fn unsigned_starting(conn: &mut DbConnection, day: NaiveDate) -> QueryResult<Vec<Agreement>> {
    agreements::table
        .filter(agreements::starts_on.eq(day))
        .filter(agreements::status.eq_any(Status::UNSIGNED))
        .order(agreements::id.asc())
        .select(Agreement::as_select())
        .load(conn)
}

/// Per campaign and kind: (campaign id, status, count), for the register's progress (a campaign
/// may appear once per kind). Read from `agreement_counts`, not by counting every agreement.
pub fn campaign_counts(conn: &mut DbConnection) -> QueryResult<Vec<(Option<String>, String, i64)>> {
    Ok(agreement_counts::table
        .filter(agreement_counts::n.gt(0))
        .select((
            agreement_counts::campaign_id,
            agreement_counts::status,
            agreement_counts::n,
        ))
        .load::<(String, String, i32)>(conn)?
        .into_iter()
        .map(|(campaign, status, n)| {
            let campaign = (!campaign.is_empty()).then_some(campaign);
            (campaign, status, i64::from(n))
        })
        .collect())
}

/// The SHA-256 of a version's frozen PDF.
pub fn document_sha(
    conn: &mut DbConnection,
    agreement_id: &str,
    version: i32,
) -> QueryResult<Option<String>> {
    agreement_documents::table
        .find((agreement_id, version))
        .select(agreement_documents::sha256)
        .first(conn)
        .optional()
}

/// What the office's figures read: every agreement's kind, status, company and dates, the
/// current versions' signatures with when they were sent, and the internships' hours.
pub fn statistics_rows(
    conn: &mut DbConnection,
) -> QueryResult<(
    Vec<crate::agreements::statistics::Row>,
    Vec<crate::agreements::statistics::Signed>,
    Vec<crate::agreements::statistics::Hours>,
)> {
    use crate::agreements::statistics::{Hours, Row, Signed};
    use crate::db::schema::internships;
    let rows = agreements::table
        .inner_join(companies::table)
        .select((
            agreements::kind,
            agreements::status,
            companies::name,
            agreements::created_at,
            agreements::sent_at,
            agreements::signed_at,
        ))
        .load::<(
            String,
            String,
            String,
            NaiveDateTime,
            Option<NaiveDateTime>,
            Option<NaiveDateTime>,
        )>(conn)?
        .into_iter()
        .map(
            |(kind, status, company, created_at, sent_at, signed_at)| Row {
                kind,
                status,
                company,
                created_at,
                sent_at,
                signed_at,
            },
        )
        .collect();
    let signed = agreement_signatures::table
        .inner_join(agreements::table)
        .filter(agreement_signatures::version.eq(agreements::version))
        .filter(agreement_signatures::voided_at.is_null())
        .select((
            agreement_signatures::party,
            agreements::sent_at,
            agreement_signatures::signed_at,
        ))
        .load::<(String, Option<NaiveDateTime>, Option<NaiveDateTime>)>(conn)?
        .into_iter()
        .filter_map(|(party, sent_at, signed_at)| {
            Some(Signed {
                party,
                sent_at: sent_at?,
                signed_at: signed_at?,
            })
        })
        .collect();
    let hours = internships::table
        .inner_join(agreements::table)
        .filter(agreements::status.ne(Status::Cancelled.as_str()))
        .select((
            agreements::starts_on,
            internships::presence_minutes,
            internships::gratification_cents,
        ))
        .load::<(NaiveDate, i32, Option<i32>)>(conn)?
        .into_iter()
        .map(|(starts_on, presence_minutes, gratification_cents)| Hours {
            starts_on,
            presence_minutes,
            gratification_cents,
        })
        .collect();
    Ok((rows, signed, hours))
}
