//! Application rows, their audit trail, and the locks that serialise admissions and tutor
//! assignments on PostgreSQL (SQLite: the caller's `write_transaction` holds the write lock).

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{application_events, applications, incubator_lock, users};
use crate::db::{new_id, now, DbConnection, WriteTx};
use crate::incubator::domain::{NewApplication, Status};
use crate::paging::PageRequest;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = applications)]
pub struct Application {
    pub id: String,
    pub founder_id: String,
    pub title: String,
    pub summary: String,
    pub domain: String,
    pub manufactured_product: bool,
    pub status: String,
    pub tutor_id: Option<String>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub decision_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Application {
    /// The stored status; the CHECK constraint keeps it one of the six.
    pub fn status(&self) -> Status {
        self.status.parse().unwrap_or(Status::Submitted)
    }
}

/// Someone an application names: its tutor.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub email: String,
}

/// An application with its tutor's name and address, read in one query (a left join).
#[derive(Debug, Clone)]
pub struct Followed {
    pub application: Application,
    pub tutor: Option<Person>,
}

type FollowedRow = (Application, Option<Person>);

impl From<FollowedRow> for Followed {
    fn from((application, tutor): FollowedRow) -> Self {
        Self { application, tutor }
    }
}

macro_rules! with_tutor {
    () => {
        applications::table
            .left_join(users::table.on(applications::tutor_id.eq(users::id.nullable())))
            .select((
                Application::as_select(),
                (users::id, users::name, users::email).nullable(),
            ))
    };
}

/// The application with its tutor.
pub fn find_followed(conn: &mut DbConnection, id: &str) -> QueryResult<Followed> {
    with_tutor!()
        .filter(applications::id.eq(id))
        .first::<FollowedRow>(conn)
        .map(Followed::from)
}

pub fn insert(
    conn: &mut DbConnection,
    founder_id: &str,
    new: &NewApplication,
) -> QueryResult<Application> {
    let (id, at) = (new_id(), now());
    diesel::insert_into(applications::table)
        .values((
            applications::id.eq(&id),
            applications::founder_id.eq(founder_id),
            applications::title.eq(&new.title),
            applications::summary.eq(&new.summary),
            applications::domain.eq(new.domain.as_str()),
            applications::manufactured_product.eq(new.manufactured_product),
            applications::status.eq(Status::Submitted.as_str()),
            applications::created_at.eq(at),
            applications::updated_at.eq(at),
        ))
        .execute(conn)?;
    find(conn, &id)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Application> {
    applications::table
        .find(id)
        .select(Application::as_select())
        .first(conn)
}

/// Whose applications a list shows.
pub enum Scope<'a> {
    All,
    Founder(&'a str),
    Tutor(&'a str),
}

pub fn list(
    conn: &mut DbConnection,
    scope: Scope<'_>,
    status: Option<Status>,
    page: &PageRequest,
) -> QueryResult<Vec<Followed>> {
    let mut query = with_tutor!()
        .order(applications::id.asc())
        .limit(page.fetch_limit())
        .into_boxed();
    match scope {
        Scope::All => {}
        Scope::Founder(id) => query = query.filter(applications::founder_id.eq(id.to_owned())),
        Scope::Tutor(id) => query = query.filter(applications::tutor_id.eq(id.to_owned())),
    }
    if let Some(status) = status {
        query = query.filter(applications::status.eq(status.as_str()));
    }
    if let Some(after) = &page.after {
        query = query.filter(applications::id.gt(after.clone()));
    }
    let rows: Vec<FollowedRow> = query.load(conn)?;
    Ok(rows.into_iter().map(Followed::from).collect())
}

diesel::define_sql_function! {
    /// SQL's `lower`, the same on SQLite and PostgreSQL: searches ignore case on both.
    fn lower(text: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// An application with its founder's name and e-mail, as staff's list shows it.
pub struct WithFounder {
    pub application: Application,
    pub founder_name: String,
    pub founder_email: String,
}

/// Staff's list: newest first, in one state if given, whose title or founder (name or e-mail)
/// contains `text`, ignoring case; at most `limit`.
pub fn search(
    conn: &mut DbConnection,
    status: Option<Status>,
    text: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<WithFounder>> {
    let mut query = applications::table
        .inner_join(users::table.on(applications::founder_id.eq(users::id)))
        .select((Application::as_select(), users::name, users::email))
        .order((applications::created_at.desc(), applications::id.asc()))
        .limit(limit)
        .into_boxed();
    if let Some(status) = status {
        query = query.filter(applications::status.eq(status.as_str()));
    }
    if let Some(text) = text {
        let pattern = format!("%{}%", text.to_lowercase());
        query = query.filter(
            lower(applications::title)
                .like(pattern.clone())
                .or(lower(users::name).like(pattern.clone()))
                .or(lower(users::email).like(pattern)),
        );
    }
    let rows: Vec<(Application, String, String)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(application, founder_name, founder_email)| WithFounder {
            application,
            founder_name,
            founder_email,
        })
        .collect())
}

/// `(email, name)` of every staff account: who gets staff notices.
pub fn staff_contacts(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
    users::table
        .filter(users::role.eq("staff"))
        .order(users::id.asc())
        .select((users::email, users::name))
        .load(conn)
}

pub fn count_incubating(conn: &mut DbConnection) -> QueryResult<i64> {
    count_in(conn, Status::Incubating)
}

/// How many applications are in `status`.
pub fn count_in(conn: &mut DbConnection, status: Status) -> QueryResult<i64> {
    applications::table
        .filter(applications::status.eq(status.as_str()))
        .count()
        .get_result(conn)
}

/// Takes the incubator's one lock row on PostgreSQL: admissions then count and admit one at
/// a time. Take it before any application row, always in that order.
pub fn lock_incubator(conn: &mut WriteTx<'_>) -> QueryResult<()> {
    if let DbConnection::Postgresql(pg) = &mut **conn {
        incubator_lock::table
            .select(incubator_lock::id)
            .for_update()
            .load::<i32>(pg)?;
    }
    Ok(())
}

/// The application, locked until the end of the transaction on PostgreSQL, so that two moves
/// on it (two decisions, a reassignment and a close) happen one after the other.
pub fn lock_application(conn: &mut WriteTx<'_>, id: &str) -> QueryResult<Application> {
    if let DbConnection::Postgresql(pg) = &mut **conn {
        applications::table
            .find(id)
            .select(applications::id)
            .for_update()
            .first::<String>(pg)?;
    }
    find(conn, id)
}

/// What a decision, a close or a withdrawal changes.
#[derive(AsChangeset)]
#[diesel(table_name = applications)]
pub struct StatusChange<'a> {
    pub status: &'a str,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub decision_reason: Option<&'a str>,
    pub updated_at: NaiveDateTime,
}

/// Writes the change; returns the application as it now is, with its tutor.
pub fn change_status(
    conn: &mut DbConnection,
    id: &str,
    change: &StatusChange<'_>,
) -> QueryResult<Followed> {
    diesel::update(applications::table.find(id))
        .set(change)
        .execute(conn)?;
    find_followed(conn, id)
}

/// Gives the project its tutor; returns it as it now is, with its tutor.
pub fn set_tutor(conn: &mut DbConnection, id: &str, tutor_id: &str) -> QueryResult<Followed> {
    diesel::update(applications::table.find(id))
        .set((
            applications::tutor_id.eq(tutor_id),
            applications::updated_at.eq(now()),
        ))
        .execute(conn)?;
    find_followed(conn, id)
}

/// One line of the audit trail.
#[derive(Debug, Default)]
pub struct NewEvent<'a> {
    pub application_id: &'a str,
    pub actor_id: &'a str,
    pub action: &'a str,
    pub from_status: Option<&'a str>,
    pub to_status: Option<&'a str>,
    pub tutor_id: Option<&'a str>,
    pub previous_tutor_id: Option<&'a str>,
    pub reason: Option<&'a str>,
}

/// Records a move; returns the event's id.
pub fn record(conn: &mut DbConnection, event: NewEvent<'_>) -> QueryResult<String> {
    let id = new_id();
    diesel::insert_into(application_events::table)
        .values((
            application_events::id.eq(&id),
            application_events::application_id.eq(event.application_id),
            application_events::actor_id.eq(event.actor_id),
            application_events::action.eq(event.action),
            application_events::from_status.eq(event.from_status),
            application_events::to_status.eq(event.to_status),
            application_events::tutor_id.eq(event.tutor_id),
            application_events::previous_tutor_id.eq(event.previous_tutor_id),
            application_events::reason.eq(event.reason),
            application_events::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(id)
}

#[derive(Debug, Clone, Queryable)]
pub struct Event {
    pub id: String,
    pub action: String,
    pub actor_id: String,
    pub actor_name: String,
    pub actor_email: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub tutor_id: Option<String>,
    pub previous_tutor_id: Option<String>,
    pub reason: Option<String>,
    pub created_at: NaiveDateTime,
}

/// The audit trail of one application, oldest first.
pub fn events(conn: &mut DbConnection, application_id: &str) -> QueryResult<Vec<Event>> {
    application_events::table
        .inner_join(users::table.on(users::id.eq(application_events::actor_id)))
        .filter(application_events::application_id.eq(application_id))
        .order(application_events::id.asc())
        .select((
            application_events::id,
            application_events::action,
            application_events::actor_id,
            users::name,
            users::email,
            application_events::from_status,
            application_events::to_status,
            application_events::tutor_id,
            application_events::previous_tutor_id,
            application_events::reason,
            application_events::created_at,
        ))
        .load(conn)
}
