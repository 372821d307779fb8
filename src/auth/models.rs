//! Account rows and the queries on them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::auth::domain::{NewAccount, Role};
use crate::db::schema::{password_tokens, sessions, users};
use crate::db::{new_id, now, DbConnection};
use crate::paging::PageRequest;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: Option<String>,
    pub created_by: Option<String>,
    pub created_at: NaiveDateTime,
}

impl User {
    /// The stored role; the CHECK constraint keeps it one of the five.
    pub fn role(&self) -> Role {
        self.role.parse().unwrap_or(Role::Student)
    }
}

#[derive(Insertable)]
#[diesel(table_name = users)]
struct NewUserRow<'a> {
    id: &'a str,
    email: &'a str,
    name: &'a str,
    role: &'a str,
    password_hash: Option<&'a str>,
    created_by: Option<&'a str>,
    created_at: NaiveDateTime,
}

/// Inserts an account. `password_hash` is computed by the caller, off the database thread.
pub fn insert_user(
    conn: &mut DbConnection,
    account: &NewAccount,
    password_hash: Option<&str>,
    created_by: Option<&str>,
) -> QueryResult<User> {
    let id = new_id();
    let row = NewUserRow {
        id: &id,
        email: account.email.as_str(),
        name: account.name.as_str(),
        role: account.role.as_str(),
        password_hash,
        created_by,
        created_at: now(),
    };
    diesel::insert_into(users::table)
        .values(&row)
        .execute(conn)?;
    find_user(conn, &id)
}

pub fn find_user(conn: &mut DbConnection, id: &str) -> QueryResult<User> {
    users::table.find(id).select(User::as_select()).first(conn)
}

pub fn find_user_by_email(conn: &mut DbConnection, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn email_exists(conn: &mut DbConnection, email: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        users::table.filter(users::email.eq(email)),
    ))
    .get_result(conn)
}

/// Users in e-mail order, optionally of one role, one page at a time.
pub fn list_users(
    conn: &mut DbConnection,
    role: Option<Role>,
    page: &PageRequest,
) -> QueryResult<Vec<User>> {
    let mut query = users::table
        .select(User::as_select())
        .order(users::email.asc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(role) = role {
        query = query.filter(users::role.eq(role.as_str()));
    }
    if let Some(after) = &page.after {
        query = query.filter(users::email.gt(after.clone()));
    }
    query.load(conn)
}

pub fn insert_session(
    conn: &mut DbConnection,
    token_hash: &str,
    user_id: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(token_hash),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(now()),
            sessions::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .map(drop)
}

/// The user behind a live (unexpired) session token.
pub fn user_for_session(conn: &mut DbConnection, token_hash: &str) -> QueryResult<Option<User>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::expires_at.gt(now()))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn delete_session(conn: &mut DbConnection, token_hash: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::token_hash.eq(token_hash))).execute(conn)
}

/// Expired sessions are useless; dropping them at each login keeps the table small.
pub fn purge_expired_sessions(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::expires_at.le(now()))).execute(conn)
}

pub fn insert_password_token(
    conn: &mut DbConnection,
    token_hash: &str,
    user_id: &str,
    expires_at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(password_tokens::table)
        .values((
            password_tokens::token_hash.eq(token_hash),
            password_tokens::user_id.eq(user_id),
            password_tokens::expires_at.eq(expires_at),
            password_tokens::created_at.eq(now()),
        ))
        .execute(conn)
        .map(drop)
}

/// The user a live password token belongs to.
pub fn user_for_password_token(
    conn: &mut DbConnection,
    token_hash: &str,
) -> QueryResult<Option<User>> {
    password_tokens::table
        .inner_join(users::table)
        .filter(password_tokens::token_hash.eq(token_hash))
        .filter(password_tokens::expires_at.gt(now()))
        .select(User::as_select())
        .first(conn)
        .optional()
}

/// Uses up a live password token: how many rows it removed (0: unknown, expired or used).
pub fn take_password_token(conn: &mut DbConnection, token_hash: &str) -> QueryResult<usize> {
    diesel::delete(
        password_tokens::table
            .filter(password_tokens::token_hash.eq(token_hash))
            .filter(password_tokens::expires_at.gt(now())),
    )
    .execute(conn)
}

/// Sets a new password; every password token and session of the user stops working.
pub fn rename(conn: &mut DbConnection, user_id: &str, name: &str) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::name.eq(name))
        .execute(conn)?;
    Ok(())
}

pub fn replace_password(conn: &mut DbConnection, user_id: &str, hash: &str) -> QueryResult<()> {
    diesel::update(users::table.find(user_id))
        .set(users::password_hash.eq(Some(hash)))
        .execute(conn)?;
    diesel::delete(password_tokens::table.filter(password_tokens::user_id.eq(user_id)))
        .execute(conn)?;
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)?;
    Ok(())
}

/// The id of the company this account is the contact of, if any (missions own companies;
/// this one query keeps `/me` from importing them).
pub fn company_of_contact(conn: &mut DbConnection, user_id: &str) -> QueryResult<Option<String>> {
    use crate::db::schema::companies;
    companies::table
        .filter(companies::contact_id.eq(user_id))
        .select(companies::id)
        .first(conn)
        .optional()
}
