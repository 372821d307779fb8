//! Rows of labs, opening hours, equipment, closures, training authorizations and bookings,
//! their queries, and the per-backend locks that serialise quota checks.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::{AstPass, Query, QueryFragment, QueryId};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Bool, Text, Timestamp};

use crate::db::schema::{
    applications, bookings, equipment, equipment_authorizations, lab_closures, lab_opening_hours,
    labs, users,
};
use crate::db::{new_id, now, DbConnection, Lock};
use crate::error::FieldError;
use crate::labs::domain::{Interval, ListBound, NewEquipment, NewLab, OpeningPeriod, ProjectDates};
use crate::paging::PageRequest;
use crate::text::not_blank;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = labs)]
pub struct Lab {
    pub id: String,
    pub name: String,
    pub description: String,
    pub timezone: String,
    pub created_at: NaiveDateTime,
}

impl Lab {
    pub fn tz(&self) -> chrono_tz::Tz {
        crate::labs::domain::parse_timezone(&self.timezone)
            .unwrap_or(crate::clock::DEFAULT_TIMEZONE)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = lab_opening_hours)]
pub struct OpeningHourRow {
    pub id: String,
    pub lab_id: String,
    pub weekday: i32,
    pub opens_minute: i32,
    pub closes_minute: i32,
}

impl OpeningHourRow {
    pub fn period(&self) -> OpeningPeriod {
        OpeningPeriod {
            weekday: self.weekday.clamp(1, 7) as u8,
            opens: self.opens_minute.clamp(0, 1440) as u16,
            closes: self.closes_minute.clamp(0, 1440) as u16,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = equipment)]
pub struct Equipment {
    pub id: String,
    pub lab_id: String,
    pub name: String,
    pub description: String,
    pub min_minutes: i32,
    pub max_minutes: i32,
    pub requires_training: bool,
    pub weekly_hours_per_project: Option<i32>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = lab_closures)]
pub struct Closure {
    pub id: String,
    pub lab_id: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub reason: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = equipment_authorizations)]
pub struct Authorization {
    pub id: String,
    pub equipment_id: String,
    pub user_id: String,
    pub expires_on: Option<NaiveDate>,
    pub granted_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = bookings)]
pub struct Booking {
    pub id: String,
    pub equipment_id: String,
    pub user_id: String,
    pub starts_at: NaiveDateTime,
    pub ends_at: NaiveDateTime,
    pub status: String,
    pub purpose: Option<String>,
    pub application_id: Option<String>,
    pub mission_id: Option<String>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub cancelled_by: Option<String>,
    pub cancel_reason: Option<String>,
    pub created_at: NaiveDateTime,
}

pub const CONFIRMED: &str = "confirmed";
pub const CANCELLED: &str = "cancelled";

impl Booking {
    pub fn is_confirmed(&self) -> bool {
        self.status == CONFIRMED
    }
}

// ---- labs -------------------------------------------------------------------------------

/// The rows of a new lab: the lab and one row per opening period.
pub fn new_lab_rows(new: NewLab) -> (Lab, Vec<OpeningHourRow>) {
    let lab = Lab {
        id: new_id(),
        name: new.name,
        description: new.description,
        timezone: new.timezone.name().to_owned(),
        created_at: now(),
    };
    let hours = new
        .hours
        .iter()
        .map(|p| OpeningHourRow {
            id: new_id(),
            lab_id: lab.id.clone(),
            weekday: i32::from(p.weekday),
            opens_minute: i32::from(p.opens),
            closes_minute: i32::from(p.closes),
        })
        .collect();
    (lab, hours)
}

/// The row of new equipment in `lab_id`.
pub fn new_equipment_row(lab_id: String, new: NewEquipment) -> Equipment {
    Equipment {
        id: new_id(),
        lab_id,
        name: new.name,
        description: new.description,
        min_minutes: new.limits.min_minutes,
        max_minutes: new.limits.max_minutes,
        requires_training: new.requires_training,
        weekly_hours_per_project: new.weekly_hours_per_project,
        created_at: now(),
    }
}

pub fn insert_lab(conn: &mut DbConnection, lab: &Lab, hours: &[OpeningHourRow]) -> QueryResult<()> {
    diesel::insert_into(labs::table).values(lab).execute(conn)?;
    for row in hours {
        diesel::insert_into(lab_opening_hours::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn find_lab(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Lab>> {
    labs::table
        .find(id)
        .select(Lab::as_select())
        .first(conn)
        .optional()
}

pub fn list_labs(conn: &mut DbConnection, page: &PageRequest) -> QueryResult<Vec<Lab>> {
    let mut query = labs::table.select(Lab::as_select()).into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(labs::id.gt(after.clone()));
    }
    query
        .order(labs::id.asc())
        .limit(page.fetch_limit())
        .load(conn)
}

/// Opening hours of these labs, in weekday and time order.
pub fn opening_hours(
    conn: &mut DbConnection,
    lab_ids: &[String],
) -> QueryResult<Vec<OpeningHourRow>> {
    lab_opening_hours::table
        .filter(lab_opening_hours::lab_id.eq_any(lab_ids))
        .order((
            lab_opening_hours::weekday.asc(),
            lab_opening_hours::opens_minute.asc(),
        ))
        .select(OpeningHourRow::as_select())
        .load(conn)
}

/// An equipment with its lab and the lab's opening hours: what a booking is checked against.
#[derive(Debug, Clone)]
pub struct Bookable {
    pub equipment: Equipment,
    pub lab: Lab,
    pub hours: Vec<OpeningPeriod>,
}

/// The equipment, its lab and opening hours in one query (one row per opening period).
pub fn bookable(conn: &mut DbConnection, equipment_id: &str) -> QueryResult<Option<Bookable>> {
    let rows: Vec<(Equipment, Lab, Option<OpeningHourRow>)> = equipment::table
        .inner_join(labs::table)
        .left_join(lab_opening_hours::table.on(lab_opening_hours::lab_id.eq(labs::id)))
        .filter(equipment::id.eq(equipment_id))
        .order((
            lab_opening_hours::weekday.asc(),
            lab_opening_hours::opens_minute.asc(),
        ))
        .select((
            Equipment::as_select(),
            Lab::as_select(),
            Option::<OpeningHourRow>::as_select(),
        ))
        .load(conn)?;
    let hours = rows
        .iter()
        .filter_map(|(_, _, hour)| hour.as_ref().map(OpeningHourRow::period))
        .collect();
    Ok(rows.into_iter().next().map(|(equipment, lab, _)| Bookable {
        equipment,
        lab,
        hours,
    }))
}

// ---- equipment and training ---------------------------------------------------------------

pub fn insert_equipment(conn: &mut DbConnection, row: &Equipment) -> QueryResult<()> {
    diesel::insert_into(equipment::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn find_equipment(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Equipment>> {
    equipment::table
        .find(id)
        .select(Equipment::as_select())
        .first(conn)
        .optional()
}

pub fn list_equipment(
    conn: &mut DbConnection,
    lab_id: &str,
    page: &PageRequest,
) -> QueryResult<Vec<Equipment>> {
    let mut query = equipment::table
        .filter(equipment::lab_id.eq(lab_id))
        .select(Equipment::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(equipment::id.gt(after.clone()));
    }
    query
        .order(equipment::id.asc())
        .limit(page.fetch_limit())
        .load(conn)
}

pub fn insert_authorization(conn: &mut DbConnection, row: &Authorization) -> QueryResult<()> {
    diesel::insert_into(equipment_authorizations::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn list_authorizations(
    conn: &mut DbConnection,
    equipment_id: &str,
    page: &PageRequest,
) -> QueryResult<Vec<Authorization>> {
    let mut query = equipment_authorizations::table
        .filter(equipment_authorizations::equipment_id.eq(equipment_id))
        .select(Authorization::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(equipment_authorizations::id.gt(after.clone()));
    }
    query
        .order(equipment_authorizations::id.asc())
        .limit(page.fetch_limit())
        .load(conn)
}

/// Who is trained on this equipment, with their names and e-mails, by name.
pub fn authorized_people(
    conn: &mut DbConnection,
    equipment_id: &str,
) -> QueryResult<Vec<(Authorization, String, String)>> {
    equipment_authorizations::table
        .inner_join(users::table.on(users::id.eq(equipment_authorizations::user_id)))
        .filter(equipment_authorizations::equipment_id.eq(equipment_id))
        .order((users::name.asc(), equipment_authorizations::id.asc()))
        .select((Authorization::as_select(), users::name, users::email))
        .load(conn)
}

/// Whether `user_id` holds an authorization on this equipment valid on `today` (an expiry
/// date is the last valid day).
pub fn is_trained(
    conn: &mut DbConnection,
    equipment_id: &str,
    user_id: &str,
    today: NaiveDate,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        equipment_authorizations::table
            .filter(equipment_authorizations::equipment_id.eq(equipment_id))
            .filter(equipment_authorizations::user_id.eq(user_id))
            .filter(
                equipment_authorizations::expires_on
                    .is_null()
                    .or(equipment_authorizations::expires_on.ge(today)),
            ),
    ))
    .get_result(conn)
}

pub fn user_exists(conn: &mut DbConnection, id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.find(id))).get_result(conn)
}

/// `(id, email, name)` of these users.
pub fn contacts(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<Vec<(String, String, String)>> {
    users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::email, users::name))
        .load(conn)
}

// ---- closures -----------------------------------------------------------------------------

pub fn insert_closure(conn: &mut DbConnection, row: &Closure) -> QueryResult<()> {
    diesel::insert_into(lab_closures::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn closures_overlapping(
    conn: &mut DbConnection,
    lab_id: &str,
    span: Interval,
) -> QueryResult<Vec<Closure>> {
    lab_closures::table
        .filter(lab_closures::lab_id.eq(lab_id))
        .filter(lab_closures::starts_at.lt(span.end))
        .filter(lab_closures::ends_at.gt(span.start))
        .order(lab_closures::starts_at.asc())
        .select(Closure::as_select())
        .load(conn)
}

/// Confirmed bookings of the lab's equipment that overlap `span`, with their equipment.
/// A booking as the lab's planning shows it: its equipment and who booked it.
pub struct Planned {
    pub booking: Booking,
    pub equipment_name: String,
    pub booker_name: String,
}

/// The lab's bookings overlapping `span` (cancelled ones too if asked), by start, in one query.
pub fn lab_bookings(
    conn: &mut DbConnection,
    lab_id: &str,
    span: Interval,
    with_cancelled: bool,
) -> QueryResult<Vec<Planned>> {
    let mut query = bookings::table
        .inner_join(equipment::table)
        .inner_join(users::table.on(users::id.eq(bookings::user_id)))
        .filter(equipment::lab_id.eq(lab_id))
        .filter(bookings::starts_at.lt(span.end))
        .filter(bookings::ends_at.gt(span.start))
        .order((bookings::starts_at.asc(), bookings::id.asc()))
        .select((Booking::as_select(), equipment::name, users::name))
        .into_boxed();
    if !with_cancelled {
        query = query.filter(bookings::status.eq(CONFIRMED));
    }
    let rows: Vec<(Booking, String, String)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(booking, equipment_name, booker_name)| Planned {
            booking,
            equipment_name,
            booker_name,
        })
        .collect())
}

pub fn confirmed_in_lab(
    conn: &mut DbConnection,
    lab_id: &str,
    span: Interval,
) -> QueryResult<Vec<(Booking, Equipment)>> {
    bookings::table
        .inner_join(equipment::table)
        .filter(equipment::lab_id.eq(lab_id))
        .filter(bookings::status.eq(CONFIRMED))
        .filter(bookings::starts_at.lt(span.end))
        .filter(bookings::ends_at.gt(span.start))
        .order(bookings::starts_at.asc())
        .select((Booking::as_select(), Equipment::as_select()))
        .load(conn)
}

pub fn list_closures(
    conn: &mut DbConnection,
    lab_id: &str,
    page: &PageRequest,
) -> QueryResult<Vec<Closure>> {
    let mut query = lab_closures::table
        .filter(lab_closures::lab_id.eq(lab_id))
        .select(Closure::as_select())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(lab_closures::id.gt(after.clone()));
    }
    query
        .order(lab_closures::id.asc())
        .limit(page.fetch_limit())
        .load(conn)
}

// ---- bookings -----------------------------------------------------------------------------

// How each backend finds the confirmed bookings that overlap an interval, without walking an
// equipment's whole history:
// - PostgreSQL asks the exclusion constraint's GiST index with the constraint's own `&&`
//   (hand-written below: the query builder has no range operators). With both index
//   conditions, that index is the planner's choice even on the statistics of an empty table,
//   which a prepared statement's cached plan may keep for a while; a plain `starts_at <`
//   query was seen to be planned as a sort of every booking of the equipment.
// - SQLite uses the order of disjoint intervals: confirmed bookings of one equipment never
//   overlap (its triggers refuse it), so in start order they are in end order too, and of
//   those starting before an instant only the last can reach past it: one row from the
//   `bookings_confirmed` index, as its overlap trigger does.

/// Confirmed bookings of one equipment that overlap `span`, in time order.
pub fn confirmed_intervals(
    conn: &mut DbConnection,
    equipment_id: &str,
    span: Interval,
) -> QueryResult<Vec<Interval>> {
    let rows: Vec<(NaiveDateTime, NaiveDateTime)> = match conn {
        DbConnection::Postgresql(pg) => PgConfirmedOverlapping { equipment_id, span }.load(pg)?,
        DbConnection::Sqlite(lite) => {
            let confirmed = bookings::table
                .filter(bookings::equipment_id.eq(equipment_id))
                .filter(bookings::status.eq(CONFIRMED));
            let reaching_in: Option<(NaiveDateTime, NaiveDateTime)> = confirmed
                .filter(bookings::starts_at.lt(span.start))
                .filter(bookings::ends_at.gt(span.start))
                .order(bookings::starts_at.desc())
                .select((bookings::starts_at, bookings::ends_at))
                .first(lite)
                .optional()?;
            let inside: Vec<(NaiveDateTime, NaiveDateTime)> = confirmed
                .filter(bookings::starts_at.ge(span.start))
                .filter(bookings::starts_at.lt(span.end))
                .order(bookings::starts_at.asc())
                .select((bookings::starts_at, bookings::ends_at))
                .load(lite)?;
            reaching_in.into_iter().chain(inside).collect()
        }
    };
    Ok(rows
        .into_iter()
        .map(|(start, end)| Interval::new(start, end))
        .collect())
}

/// What stands in a slot's way, read in one round trip: whether a closure of the lab
/// overlaps it, and whether a confirmed booking of the equipment does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlotConflicts {
    pub closed: bool,
    pub booked: bool,
}

pub fn slot_conflicts(
    conn: &mut DbConnection,
    lab_id: &str,
    equipment_id: &str,
    slot: Interval,
) -> QueryResult<SlotConflicts> {
    let (closed, booked) = match conn {
        DbConnection::Postgresql(pg) => PgSlotConflicts {
            lab_id,
            equipment_id,
            slot,
        }
        .get_result(pg)?,
        DbConnection::Sqlite(lite) => {
            let closed = diesel::dsl::exists(
                lab_closures::table
                    .filter(lab_closures::lab_id.eq(lab_id))
                    .filter(lab_closures::starts_at.lt(slot.end))
                    .filter(lab_closures::ends_at.gt(slot.start)),
            );
            // The booking that starts last before the slot ends; it overlaps iff it ends
            // after the slot starts.
            let last_end = bookings::table
                .filter(bookings::equipment_id.eq(equipment_id))
                .filter(bookings::status.eq(CONFIRMED))
                .filter(bookings::starts_at.lt(slot.end))
                .order(bookings::starts_at.desc())
                .select(bookings::ends_at)
                .limit(1)
                .single_value();
            let (closed, last_end): (bool, Option<NaiveDateTime>) =
                diesel::select((closed, last_end)).get_result(lite)?;
            (closed, last_end.is_some_and(|end| end > slot.start))
        }
    };
    Ok(SlotConflicts { closed, booked })
}

/// The `&&` test of confirmed bookings of one equipment against `[start, end)`, as the
/// exclusion constraint reads them.
fn push_pg_overlap<'b>(
    out: &mut AstPass<'_, 'b, Pg>,
    equipment_id: &'b str,
    span: &'b Interval,
) -> QueryResult<()> {
    out.push_sql("FROM bookings WHERE equipment_id = ");
    out.push_bind_param::<Text, _>(equipment_id)?;
    out.push_sql(" AND status = 'confirmed' AND tsrange(starts_at, ends_at, '[)') && tsrange(");
    out.push_bind_param::<Timestamp, _>(&span.start)?;
    out.push_sql(", ");
    out.push_bind_param::<Timestamp, _>(&span.end)?;
    out.push_sql(", '[)')");
    Ok(())
}

/// PostgreSQL: whether a closure of the lab overlaps the slot, and whether a confirmed
/// booking of the equipment does.
struct PgSlotConflicts<'a> {
    lab_id: &'a str,
    equipment_id: &'a str,
    slot: Interval,
}

impl QueryFragment<Pg> for PgSlotConflicts<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("SELECT EXISTS (SELECT 1 FROM lab_closures WHERE lab_id = ");
        out.push_bind_param::<Text, _>(self.lab_id)?;
        out.push_sql(" AND starts_at < ");
        out.push_bind_param::<Timestamp, _>(&self.slot.end)?;
        out.push_sql(" AND ends_at > ");
        out.push_bind_param::<Timestamp, _>(&self.slot.start)?;
        out.push_sql("), EXISTS (SELECT 1 ");
        push_pg_overlap(&mut out, self.equipment_id, &self.slot)?;
        out.push_sql(")");
        Ok(())
    }
}

// A static query id: prepared once per connection, like the query builder's statements.
impl QueryId for PgSlotConflicts<'_> {
    type QueryId = PgSlotConflicts<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for PgSlotConflicts<'_> {
    type SqlType = (Bool, Bool);
}

impl<Conn> RunQueryDsl<Conn> for PgSlotConflicts<'_> {}

/// PostgreSQL: confirmed bookings of one equipment overlapping `span`, in start order.
struct PgConfirmedOverlapping<'a> {
    equipment_id: &'a str,
    span: Interval,
}

impl QueryFragment<Pg> for PgConfirmedOverlapping<'_> {
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, Pg>) -> QueryResult<()> {
        out.push_sql("SELECT starts_at, ends_at ");
        push_pg_overlap(&mut out, self.equipment_id, &self.span)?;
        out.push_sql(" ORDER BY starts_at");
        Ok(())
    }
}

impl QueryId for PgConfirmedOverlapping<'_> {
    type QueryId = PgConfirmedOverlapping<'static>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl Query for PgConfirmedOverlapping<'_> {
    type SqlType = (Timestamp, Timestamp);
}

impl<Conn> RunQueryDsl<Conn> for PgConfirmedOverlapping<'_> {}

/// The project a booking counts against: an application or a mission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Project {
    Application(String),
    Mission(String),
}

impl Project {
    /// The project a booking request names: an application or a mission, never both, or none.
    pub fn from_ids(
        application_id: Option<&str>,
        mission_id: Option<&str>,
    ) -> Result<Option<Self>, FieldError> {
        match (not_blank(application_id), not_blank(mission_id)) {
            (Some(_), Some(_)) => Err(FieldError::new(
                "mission_id",
                "give either `application_id` or `mission_id`, not both",
            )),
            (Some(id), None) => Ok(Some(Self::Application(id.to_owned()))),
            (None, Some(id)) => Ok(Some(Self::Mission(id.to_owned()))),
            (None, None) => Ok(None),
        }
    }

    /// A key naming the project across both kinds, for locks.
    pub fn key(&self) -> String {
        match self {
            Self::Application(id) => format!("application:{id}"),
            Self::Mission(id) => format!("mission:{id}"),
        }
    }
}

/// Seconds of confirmed bookings of `project` on this equipment starting within `week`.
pub fn project_seconds(
    conn: &mut DbConnection,
    equipment_id: &str,
    project: &Project,
    week: Interval,
) -> QueryResult<i64> {
    let mut query = bookings::table
        .filter(bookings::equipment_id.eq(equipment_id))
        .filter(bookings::status.eq(CONFIRMED))
        .filter(bookings::starts_at.ge(week.start))
        .filter(bookings::starts_at.lt(week.end))
        .select((bookings::starts_at, bookings::ends_at))
        .into_boxed();
    query = match project {
        Project::Application(id) => query.filter(bookings::application_id.eq(id.clone())),
        Project::Mission(id) => query.filter(bookings::mission_id.eq(id.clone())),
    };
    let rows: Vec<(NaiveDateTime, NaiveDateTime)> = query.load(conn)?;
    Ok(rows.iter().map(|(s, e)| (*e - *s).num_seconds()).sum())
}

/// The lock that serialises quota checks of one project: the transaction that checks a
/// project's hours and writes its booking holds it, so parallel requests cannot exceed the
/// quota together (applications and missions alike, with no lock row to create). SQLite: the
/// write lock does it.
pub fn project_lock(project: &Project) -> Lock {
    Lock::exclusive(&project.key())
}

/// A booking holds its lab's lock shared and a closure holds it exclusively, so that on
/// PostgreSQL no booking commits into a closure created at the same moment (SQLite: the
/// write lock).
pub fn lab_lock(lab_id: &str, closing: bool) -> Lock {
    let name = format!("lab:{lab_id}");
    if closing {
        Lock::exclusive(&name)
    } else {
        Lock::shared(&name)
    }
}

/// Whether a database error is the overlap guard refusing a write: PostgreSQL's exclusion
/// constraint or SQLite's trigger.
pub fn is_overlap_violation(error: &DieselError) -> bool {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::ExclusionViolation, _) => true,
        DieselError::DatabaseError(_, info) => info.message().contains("booking_overlap"),
        _ => false,
    }
}

pub fn insert_booking(conn: &mut DbConnection, row: &Booking) -> QueryResult<()> {
    diesel::insert_into(bookings::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// A booking with its equipment and lab, in one query (for its e-mails and calendar).
pub fn booking_context(
    conn: &mut DbConnection,
    id: &str,
) -> QueryResult<Option<(Booking, Equipment, Lab)>> {
    bookings::table
        .inner_join(equipment::table.inner_join(labs::table))
        .filter(bookings::id.eq(id))
        .select((
            Booking::as_select(),
            Equipment::as_select(),
            Lab::as_select(),
        ))
        .first(conn)
        .optional()
}

pub fn find_booking(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Booking>> {
    bookings::table
        .find(id)
        .select(Booking::as_select())
        .first(conn)
        .optional()
}

/// Marks confirmed bookings cancelled; returns how many changed.
pub fn cancel_bookings(
    conn: &mut DbConnection,
    ids: &[String],
    by: &str,
    reason: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        bookings::table
            .filter(bookings::id.eq_any(ids))
            .filter(bookings::status.eq(CONFIRMED)),
    )
    .set((
        bookings::status.eq(CANCELLED),
        bookings::cancelled_at.eq(at),
        bookings::cancelled_by.eq(by),
        bookings::cancel_reason.eq(reason),
    ))
    .execute(conn)
}

/// What `GET /bookings` filters on.
#[derive(Debug, Clone, Default)]
pub struct BookingFilter {
    pub user_id: Option<String>,
    pub equipment_id: Option<String>,
    pub from: Option<ListBound>,
    pub to: Option<ListBound>,
}

/// Open ends of a list's window: before and after any instant the API accepts.
fn open_ends() -> (NaiveDateTime, NaiveDateTime) {
    let day = |y| NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or_default();
    (
        day(1900).and_time(chrono::NaiveTime::MIN),
        day(9999).and_time(chrono::NaiveTime::MIN),
    )
}

/// Bookings overlapping the filter's window. Dates are read in each booking's lab zone: one
/// window per time zone in use (a school has one or two), `OR`ed.
pub fn list_bookings(
    conn: &mut DbConnection,
    filter: &BookingFilter,
    page: &PageRequest,
) -> QueryResult<Vec<Booking>> {
    let mut query = bookings::table
        .inner_join(equipment::table.inner_join(labs::table))
        .select(Booking::as_select())
        .into_boxed();
    let (from, to) = (filter.from, filter.to);
    if from.is_some_and(|b| b.is_date()) || to.is_some_and(|b| b.is_date()) {
        let zones: Vec<String> = labs::table.select(labs::timezone).distinct().load(conn)?;
        let (earliest, latest) = open_ends();
        for (i, zone) in zones.iter().enumerate() {
            let tz =
                crate::labs::domain::parse_timezone(zone).unwrap_or(crate::clock::DEFAULT_TIMEZONE);
            let window = labs::timezone
                .eq(zone.clone())
                .and(bookings::ends_at.gt(from.map_or(earliest, |b| b.instant(tz, false))))
                .and(bookings::starts_at.lt(to.map_or(latest, |b| b.instant(tz, true))));
            query = if i == 0 {
                query.filter(window)
            } else {
                query.or_filter(window)
            };
        }
    } else {
        let utc = crate::clock::DEFAULT_TIMEZONE; // instants only: no zone is read
        if let Some(from) = from {
            query = query.filter(bookings::ends_at.gt(from.instant(utc, false)));
        }
        if let Some(to) = to {
            query = query.filter(bookings::starts_at.lt(to.instant(utc, true)));
        }
    }
    if let Some(user) = &filter.user_id {
        query = query.filter(bookings::user_id.eq(user.clone()));
    }
    if let Some(equipment) = &filter.equipment_id {
        query = query.filter(bookings::equipment_id.eq(equipment.clone()));
    }
    if let Some(after) = &page.after {
        query = query.filter(bookings::id.gt(after.clone()));
    }
    query
        .order(bookings::id.asc())
        .limit(page.fetch_limit())
        .load(conn)
}

/// An incubator application as a booking sees it: whose, in which state, and its dates.
#[derive(Debug, Clone, Queryable)]
pub struct BookedApplication {
    pub founder_id: String,
    pub status: String,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
}

impl BookedApplication {
    pub fn dates(&self) -> ProjectDates {
        ProjectDates {
            starts_on: self.starts_on,
            ends_on: self.ends_on,
        }
    }
}

pub fn application_of(conn: &mut DbConnection, id: &str) -> QueryResult<Option<BookedApplication>> {
    applications::table
        .find(id)
        .select((
            applications::founder_id,
            applications::status,
            applications::starts_on,
            applications::ends_on,
        ))
        .first(conn)
        .optional()
}
