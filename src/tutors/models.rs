//! Tutor profile rows, joined with their accounts, and the load query: what a tutor follows
//! is counted from the projects and missions themselves, never stored twice.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{applications, tutors, users};
use crate::db::{now, DbConnection, WriteTx};
use crate::paging::PageRequest;
use crate::tutors::domain::{Domain, Domains, Load};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tutors)]
pub struct Profile {
    pub user_id: String,
    pub domains: String,
    pub max_projects: i32,
    pub max_missions: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A tutor: the account's public fields with the profile.
#[derive(Debug, Clone)]
pub struct Tutor {
    pub id: String,
    pub email: String,
    pub name: String,
    pub profile: Profile,
}

type TutorRow = (String, String, String, Profile);

impl From<TutorRow> for Tutor {
    fn from((id, email, name, profile): TutorRow) -> Self {
        Self {
            id,
            email,
            name,
            profile,
        }
    }
}

impl Tutor {
    pub fn domains(&self) -> Domains {
        Domains::from_stored(&self.profile.domains)
    }
}

macro_rules! tutor_select {
    () => {
        (users::id, users::email, users::name, Profile::as_select())
    };
}

pub fn insert_profile(
    conn: &mut DbConnection,
    user_id: &str,
    domains: &Domains,
    max_projects: i32,
    max_missions: i32,
) -> QueryResult<()> {
    let at = now();
    diesel::insert_into(tutors::table)
        .values((
            tutors::user_id.eq(user_id),
            tutors::domains.eq(domains.to_stored()),
            tutors::max_projects.eq(max_projects),
            tutors::max_missions.eq(max_missions),
            tutors::created_at.eq(at),
            tutors::updated_at.eq(at),
        ))
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Tutor>> {
    tutors::table
        .inner_join(users::table)
        .filter(tutors::user_id.eq(id))
        .select(tutor_select!())
        .first::<TutorRow>(conn)
        .optional()
        .map(|row| row.map(Tutor::from))
}

/// Tutors in id order (creation order), optionally only those covering `domain`.
pub fn list(
    conn: &mut DbConnection,
    only: Option<&str>,
    domain: Option<Domain>,
    page: &PageRequest,
) -> QueryResult<Vec<Tutor>> {
    let mut query = tutors::table
        .inner_join(users::table)
        .select(tutor_select!())
        .order(tutors::user_id.asc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(id) = only {
        query = query.filter(tutors::user_id.eq(id.to_owned()));
    }
    if let Some(after) = &page.after {
        query = query.filter(tutors::user_id.gt(after.clone()));
    }
    if let Some(domain) = domain {
        // No domain's name is part of another's, so a substring match is exact.
        query = query.filter(tutors::domains.like(format!("%{}%", domain.as_str())));
    }
    query
        .load::<TutorRow>(conn)
        .map(|rows| rows.into_iter().map(Tutor::from).collect())
}

/// Every tutor, for suggestions (a school has tens of them, not thousands).
pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<Tutor>> {
    tutors::table
        .inner_join(users::table)
        .select(tutor_select!())
        .order(tutors::user_id.asc())
        .load::<TutorRow>(conn)
        .map(|rows| rows.into_iter().map(Tutor::from).collect())
}

#[derive(AsChangeset, Default)]
#[diesel(table_name = tutors)]
pub struct ProfileChanges {
    pub domains: Option<String>,
    pub max_projects: Option<i32>,
    pub max_missions: Option<i32>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn update_profile(
    conn: &mut DbConnection,
    id: &str,
    mut changes: ProfileChanges,
) -> QueryResult<usize> {
    changes.updated_at = Some(now());
    diesel::update(tutors::table.find(id))
        .set(&changes)
        .execute(conn)
}

/// The tutor's profile, locked until the end of the transaction on PostgreSQL so that checking
/// their load and giving them one more project happen one at a time (SQLite: the caller's
/// `write_transaction` already holds the write lock).
pub fn lock_tutor(conn: &mut WriteTx<'_>, id: &str) -> QueryResult<Option<Tutor>> {
    if let DbConnection::Postgresql(pg) = &mut **conn {
        let locked = tutors::table
            .find(id)
            .select(tutors::user_id)
            .for_update()
            .first::<String>(pg)
            .optional()?;
        if locked.is_none() {
            return Ok(None);
        }
    }
    find(conn, id)
}

/// Locks every tutor profile, in id order, until the end of the transaction on PostgreSQL
/// (one statement; SQLite: the caller's `write_transaction` holds the write lock).
pub fn lock_all_tutors(conn: &mut WriteTx<'_>) -> QueryResult<()> {
    if let DbConnection::Postgresql(pg) = &mut **conn {
        tutors::table
            .select(tutors::user_id)
            .order(tutors::user_id.asc())
            .for_update()
            .load::<String>(pg)?;
    }
    Ok(())
}

/// The load of each of `ids` (tutors following nothing get a zero load).
pub fn tutor_loads(conn: &mut DbConnection, ids: &[String]) -> QueryResult<HashMap<String, Load>> {
    let mut loads: HashMap<String, Load> =
        ids.iter().map(|id| (id.clone(), Load::default())).collect();
    let projects: Vec<(Option<String>, i64)> = applications::table
        .filter(applications::status.eq("incubating"))
        .filter(applications::tutor_id.eq_any(ids))
        .group_by(applications::tutor_id)
        .select((applications::tutor_id, diesel::dsl::count_star()))
        .load(conn)?;
    for (id, n) in projects {
        if let Some(load) = id.and_then(|id| loads.get_mut(&id)) {
            load.projects = n;
        }
    }
    let missions: Vec<(Option<String>, i64)> = crate::db::schema::missions::table
        .filter(crate::db::schema::missions::tutor_id.eq_any(ids))
        .group_by(crate::db::schema::missions::tutor_id)
        .select((
            crate::db::schema::missions::tutor_id,
            diesel::dsl::count_star(),
        ))
        .load(conn)?;
    for (id, n) in missions {
        if let Some(load) = id.and_then(|id| loads.get_mut(&id)) {
            load.missions = n;
        }
    }
    Ok(loads)
}

/// One tutor's load.
pub fn tutor_load(conn: &mut DbConnection, id: &str) -> QueryResult<Load> {
    let ids = [id.to_owned()];
    Ok(tutor_loads(conn, &ids)?.remove(id).unwrap_or_default())
}
