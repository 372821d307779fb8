//! Rows of field missions and the queries on them. Functions return diesel's `QueryResult`;
//! the one place SQL differs per backend is `lock_campaign`.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::{
    allocations, campaign_constraints, campaigns, companies, missions, preferences, problems,
    team_members, teams, users,
};
use crate::db::{new_id, now, DbConnection, WriteTx};
use crate::missions::domain::{
    CampaignStatus, ConstraintKind, NewCampaign, NewCompany, NewProblem, ProblemStatus,
};
use crate::paging::PageRequest;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = campaigns)]
pub struct Campaign {
    pub id: String,
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub weeks: i32,
    pub team_size: i32,
    pub max_problems: i32,
    pub max_choices: i32,
    pub status: String,
    pub created_at: NaiveDateTime,
}

impl Campaign {
    /// The stored status; the CHECK constraint keeps it one of the four.
    pub fn status(&self) -> CampaignStatus {
        self.status.parse().unwrap_or(CampaignStatus::Published)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = companies)]
pub struct Company {
    pub id: String,
    pub contact_id: Option<String>,
    pub name: String,
    pub city: String,
    pub local: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = problems)]
pub struct Problem {
    pub id: String,
    pub campaign_id: String,
    pub company_id: String,
    pub title: String,
    pub description: String,
    pub domain: String,
    pub status: String,
    pub reason: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = teams)]
pub struct Team {
    pub id: String,
    pub campaign_id: String,
    pub name: String,
    pub created_at: NaiveDateTime,
}

/// A team member as the API shows one.
#[derive(Debug, Clone, Queryable)]
pub struct Member {
    pub team_id: String,
    pub id: String,
    pub email: String,
    pub name: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = campaign_constraints)]
pub struct Constraint {
    pub id: String,
    pub campaign_id: String,
    pub team_id: String,
    pub problem_id: String,
    pub kind: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = missions)]
pub struct Mission {
    pub id: String,
    pub campaign_id: String,
    pub team_id: String,
    pub problem_id: String,
    pub company_id: String,
    pub tutor_id: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub created_at: NaiveDateTime,
}

// ---- campaigns ----

pub fn insert_campaign(conn: &mut DbConnection, new: &NewCampaign) -> QueryResult<Campaign> {
    let row = Campaign {
        id: new_id(),
        name: new.name.clone(),
        starts_on: new.starts_on,
        ends_on: new.ends_on,
        weeks: new.weeks,
        team_size: new.team_size,
        max_problems: new.max_problems,
        max_choices: new.max_choices,
        status: CampaignStatus::ProblemsOpen.as_str().to_owned(),
        created_at: now(),
    };
    diesel::insert_into(campaigns::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

pub fn find_campaign(conn: &mut DbConnection, id: &str) -> QueryResult<Campaign> {
    campaigns::table
        .find(id)
        .select(Campaign::as_select())
        .first(conn)
}

/// Reads the campaign and, on PostgreSQL, locks its row until the transaction ends, so that
/// checks against its limits (problems accepted, tutors' loads) and state moves serialise.
/// SQLite needs no row lock: the caller runs in `write_transaction` (BEGIN IMMEDIATE).
pub fn lock_campaign(conn: &mut WriteTx<'_>, id: &str) -> QueryResult<Campaign> {
    match &mut **conn {
        DbConnection::Postgresql(pg) => campaigns::table
            .find(id)
            .select(Campaign::as_select())
            .for_update()
            .first(pg),
        DbConnection::Sqlite(lite) => campaigns::table
            .find(id)
            .select(Campaign::as_select())
            .first(lite),
    }
}

pub fn list_campaigns(conn: &mut DbConnection, page: &PageRequest) -> QueryResult<Vec<Campaign>> {
    let mut query = campaigns::table
        .select(Campaign::as_select())
        .order(campaigns::id.asc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(campaigns::id.gt(after.clone()));
    }
    query.load(conn)
}

pub fn set_campaign_status(
    conn: &mut DbConnection,
    id: &str,
    status: CampaignStatus,
) -> QueryResult<()> {
    diesel::update(campaigns::table.find(id))
        .set(campaigns::status.eq(status.as_str()))
        .execute(conn)
        .map(drop)
}

// ---- companies ----

pub fn insert_company(
    conn: &mut DbConnection,
    new: &NewCompany,
    contact_id: Option<&str>,
) -> QueryResult<Company> {
    let row = Company {
        id: new_id(),
        contact_id: contact_id.map(str::to_owned),
        name: new.name.clone(),
        city: new.city.clone(),
        local: new.local,
        created_at: now(),
    };
    diesel::insert_into(companies::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

pub fn company_of_contact(conn: &mut DbConnection, user_id: &str) -> QueryResult<Option<Company>> {
    companies::table
        .filter(companies::contact_id.eq(user_id))
        .select(Company::as_select())
        .first(conn)
        .optional()
}

pub fn find_company(conn: &mut DbConnection, id: &str) -> QueryResult<Company> {
    companies::table
        .find(id)
        .select(Company::as_select())
        .first(conn)
}

pub fn list_companies(conn: &mut DbConnection, page: &PageRequest) -> QueryResult<Vec<Company>> {
    let mut query = companies::table
        .select(Company::as_select())
        .order(companies::id.asc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(after) = &page.after {
        query = query.filter(companies::id.gt(after.clone()));
    }
    query.load(conn)
}

/// The contact's e-mail and name of a company, if it has one.
/// A company by id, with its contact's `(email, name)` when it has one.
pub type CompaniesById = std::collections::HashMap<String, (Company, Option<(String, String)>)>;

/// The companies with a problem in this campaign, with their contacts: one query for what
/// publishing, the mission e-mails and the export need.
pub fn campaign_companies(
    conn: &mut DbConnection,
    campaign_id: &str,
) -> QueryResult<CompaniesById> {
    let in_campaign = problems::table
        .filter(problems::campaign_id.eq(campaign_id))
        .select(problems::company_id);
    let rows: Vec<(Company, Option<(String, String)>)> = companies::table
        .left_join(users::table.on(companies::contact_id.eq(users::id.nullable())))
        .filter(companies::id.eq_any(in_campaign))
        .select((Company::as_select(), (users::email, users::name).nullable()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(company, contact)| (company.id.clone(), (company, contact)))
        .collect())
}

pub fn company_contact(
    conn: &mut DbConnection,
    company_id: &str,
) -> QueryResult<Option<(String, String)>> {
    companies::table
        .inner_join(users::table.on(companies::contact_id.eq(users::id.nullable())))
        .filter(companies::id.eq(company_id))
        .select((users::email, users::name))
        .first(conn)
        .optional()
}

// ---- problems ----

pub fn insert_problem(
    conn: &mut DbConnection,
    campaign_id: &str,
    company_id: &str,
    new: &NewProblem,
) -> QueryResult<Problem> {
    let row = Problem {
        id: new_id(),
        campaign_id: campaign_id.to_owned(),
        company_id: company_id.to_owned(),
        title: new.title.clone(),
        description: new.description.clone(),
        domain: new.domain.clone(),
        status: ProblemStatus::Submitted.as_str().to_owned(),
        reason: None,
        created_at: now(),
    };
    diesel::insert_into(problems::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

pub fn find_problem(conn: &mut DbConnection, id: &str) -> QueryResult<Problem> {
    problems::table
        .find(id)
        .select(Problem::as_select())
        .first(conn)
}

/// A problem with its company, as every problem answer shows it.
#[derive(Debug, Clone)]
pub struct ProblemRow {
    pub problem: Problem,
    pub company: Company,
}

pub fn problem_with_company(conn: &mut DbConnection, id: &str) -> QueryResult<ProblemRow> {
    problems::table
        .inner_join(companies::table)
        .filter(problems::id.eq(id))
        .select((Problem::as_select(), Company::as_select()))
        .first(conn)
        .map(|(problem, company)| ProblemRow { problem, company })
}

/// Writes a problem's title, description and domain.
pub fn update_problem(conn: &mut DbConnection, problem: &Problem) -> QueryResult<()> {
    diesel::update(problems::table.find(&problem.id))
        .set((
            problems::title.eq(&problem.title),
            problems::description.eq(&problem.description),
            problems::domain.eq(&problem.domain),
        ))
        .execute(conn)
        .map(drop)
}

/// Every staff account's `(email, name)`, for notices.
pub fn staff_recipients(conn: &mut DbConnection) -> QueryResult<Vec<(String, String)>> {
    users::table
        .filter(users::role.eq("staff"))
        .order(users::email.asc())
        .select((users::email, users::name))
        .load(conn)
}

pub fn count_accepted(conn: &mut DbConnection, campaign_id: &str) -> QueryResult<i64> {
    count_problems(conn, campaign_id, ProblemStatus::Accepted)
}

pub fn count_problems(
    conn: &mut DbConnection,
    campaign_id: &str,
    status: ProblemStatus,
) -> QueryResult<i64> {
    problems::table
        .filter(problems::campaign_id.eq(campaign_id))
        .filter(problems::status.eq(status.as_str()))
        .count()
        .get_result(conn)
}

pub fn decide_problem(
    conn: &mut DbConnection,
    id: &str,
    status: ProblemStatus,
    reason: Option<&str>,
) -> QueryResult<()> {
    diesel::update(problems::table.find(id))
        .set((
            problems::status.eq(status.as_str()),
            problems::reason.eq(reason),
        ))
        .execute(conn)
        .map(drop)
}

/// Which of a campaign's problems a list shows.
pub enum ProblemScope<'a> {
    All,
    OfCompany(&'a str),
    Accepted,
}

/// Optional filters of a problem list.
#[derive(Debug, Clone, Default)]
pub struct ProblemFilter {
    pub domain: Option<String>,
    pub local: Option<bool>,
}

/// One page of a campaign's problems with their companies, in one query.
pub fn list_problems(
    conn: &mut DbConnection,
    campaign_id: &str,
    scope: ProblemScope<'_>,
    filter: &ProblemFilter,
    page: &PageRequest,
) -> QueryResult<Vec<ProblemRow>> {
    let mut query = problems::table
        .inner_join(companies::table)
        .filter(problems::campaign_id.eq(campaign_id))
        .select((Problem::as_select(), Company::as_select()))
        .order(problems::id.asc())
        .limit(page.fetch_limit())
        .into_boxed();
    match scope {
        ProblemScope::All => {}
        ProblemScope::OfCompany(company) => {
            query = query.filter(problems::company_id.eq(company.to_owned()));
        }
        ProblemScope::Accepted => {
            query = query.filter(problems::status.eq(ProblemStatus::Accepted.as_str()));
        }
    }
    if let Some(domain) = &filter.domain {
        query = query.filter(problems::domain.eq(domain.clone()));
    }
    if let Some(local) = filter.local {
        query = query.filter(companies::local.eq(local));
    }
    if let Some(after) = &page.after {
        query = query.filter(problems::id.gt(after.clone()));
    }
    let rows: Vec<(Problem, Company)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(problem, company)| ProblemRow { problem, company })
        .collect())
}

pub fn accepted_problems(conn: &mut DbConnection, campaign_id: &str) -> QueryResult<Vec<Problem>> {
    problems::table
        .filter(problems::campaign_id.eq(campaign_id))
        .filter(problems::status.eq(ProblemStatus::Accepted.as_str()))
        .select(Problem::as_select())
        .order(problems::id.asc())
        .load(conn)
}

// ---- teams ----

/// Students among these addresses: `(id, email)`.
pub fn students_by_email(
    conn: &mut DbConnection,
    emails: &[String],
) -> QueryResult<Vec<(String, String)>> {
    users::table
        .filter(users::email.eq_any(emails))
        .filter(users::role.eq("student"))
        .select((users::id, users::email))
        .load(conn)
}

/// The e-mails of those of `student_ids` already in a team of the campaign.
pub fn already_in_team(
    conn: &mut DbConnection,
    campaign_id: &str,
    student_ids: &[String],
) -> QueryResult<Vec<String>> {
    team_members::table
        .inner_join(users::table)
        .filter(team_members::campaign_id.eq(campaign_id))
        .filter(team_members::student_id.eq_any(student_ids))
        .select(users::email)
        .load(conn)
}

/// Inserts the team and its members (in the given order).
pub fn insert_team(
    conn: &mut DbConnection,
    campaign_id: &str,
    name: &str,
    student_ids: &[String],
) -> QueryResult<Team> {
    let team = Team {
        id: new_id(),
        campaign_id: campaign_id.to_owned(),
        name: name.to_owned(),
        created_at: now(),
    };
    diesel::insert_into(teams::table)
        .values(&team)
        .execute(conn)?;
    // One row per statement: the MultiConnection has no batch insert.
    for (i, id) in student_ids.iter().enumerate() {
        diesel::insert_into(team_members::table)
            .values((
                team_members::team_id.eq(&team.id),
                team_members::campaign_id.eq(campaign_id),
                team_members::student_id.eq(id),
                team_members::position.eq(i32::try_from(i).unwrap_or(i32::MAX)),
            ))
            .execute(conn)?;
    }
    Ok(team)
}

pub fn find_team(conn: &mut DbConnection, id: &str) -> QueryResult<Team> {
    teams::table.find(id).select(Team::as_select()).first(conn)
}

/// A team with its members, in the team's order.
#[derive(Debug, Clone)]
pub struct TeamWithMembers {
    pub team: Team,
    pub members: Vec<Member>,
}

/// The members of `teams` (one query), each team with its own.
pub fn with_members(
    conn: &mut DbConnection,
    teams: Vec<Team>,
) -> QueryResult<Vec<TeamWithMembers>> {
    let ids: Vec<String> = teams.iter().map(|t| t.id.clone()).collect();
    let mut by_team: std::collections::HashMap<String, Vec<Member>> =
        std::collections::HashMap::new();
    for m in members_of(conn, &ids)? {
        by_team.entry(m.team_id.clone()).or_default().push(m);
    }
    Ok(teams
        .into_iter()
        .map(|team| TeamWithMembers {
            members: by_team.remove(&team.id).unwrap_or_default(),
            team,
        })
        .collect())
}

/// The teams a student belongs to, every campaign.
pub fn student_teams(conn: &mut DbConnection, student_id: &str) -> QueryResult<Vec<Team>> {
    teams::table
        .inner_join(team_members::table)
        .filter(team_members::student_id.eq(student_id))
        .select(Team::as_select())
        .order(teams::created_at.asc())
        .load(conn)
}

/// One page of a campaign's teams; `member`: only the team of this student.
pub fn list_teams(
    conn: &mut DbConnection,
    campaign_id: &str,
    member: Option<&str>,
    page: &PageRequest,
) -> QueryResult<Vec<Team>> {
    let mut query = teams::table
        .filter(teams::campaign_id.eq(campaign_id))
        .select(Team::as_select())
        .order(teams::id.asc())
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(student) = member {
        let own = team_members::table
            .filter(team_members::student_id.eq(student.to_owned()))
            .select(team_members::team_id);
        query = query.filter(teams::id.eq_any(own));
    }
    if let Some(after) = &page.after {
        query = query.filter(teams::id.gt(after.clone()));
    }
    query.load(conn)
}

pub fn all_teams(conn: &mut DbConnection, campaign_id: &str) -> QueryResult<Vec<Team>> {
    teams::table
        .filter(teams::campaign_id.eq(campaign_id))
        .select(Team::as_select())
        .order(teams::id.asc())
        .load(conn)
}

/// Members of the given teams, in each team's order.
pub fn members_of(conn: &mut DbConnection, team_ids: &[String]) -> QueryResult<Vec<Member>> {
    team_members::table
        .inner_join(users::table)
        .filter(team_members::team_id.eq_any(team_ids))
        .order((team_members::team_id.asc(), team_members::position.asc()))
        .select((team_members::team_id, users::id, users::email, users::name))
        .load(conn)
}

/// Every member of every team of a campaign (one query, for exports and e-mails).
pub fn campaign_members(conn: &mut DbConnection, campaign_id: &str) -> QueryResult<Vec<Member>> {
    team_members::table
        .inner_join(users::table)
        .filter(team_members::campaign_id.eq(campaign_id))
        .order((team_members::team_id.asc(), team_members::position.asc()))
        .select((team_members::team_id, users::id, users::email, users::name))
        .load(conn)
}

pub fn is_member(conn: &mut DbConnection, team_id: &str, user_id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        team_members::table
            .filter(team_members::team_id.eq(team_id))
            .filter(team_members::student_id.eq(user_id)),
    ))
    .get_result(conn)
}

// ---- preferences ----

pub fn replace_preferences(
    conn: &mut DbConnection,
    team_id: &str,
    problem_ids: &[String],
) -> QueryResult<()> {
    diesel::delete(preferences::table.filter(preferences::team_id.eq(team_id))).execute(conn)?;
    for (i, p) in problem_ids.iter().enumerate() {
        diesel::insert_into(preferences::table)
            .values((
                preferences::team_id.eq(team_id),
                preferences::rank.eq(i32::try_from(i + 1).unwrap_or(i32::MAX)),
                preferences::problem_id.eq(p),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn team_preferences(conn: &mut DbConnection, team_id: &str) -> QueryResult<Vec<String>> {
    preferences::table
        .filter(preferences::team_id.eq(team_id))
        .order(preferences::rank.asc())
        .select(preferences::problem_id)
        .load(conn)
}

/// `(team_id, problem_id)` of every preference of a campaign, in rank order per team.
pub fn campaign_preferences(
    conn: &mut DbConnection,
    campaign_id: &str,
) -> QueryResult<Vec<(String, String)>> {
    preferences::table
        .inner_join(teams::table)
        .filter(teams::campaign_id.eq(campaign_id))
        .order((preferences::team_id.asc(), preferences::rank.asc()))
        .select((preferences::team_id, preferences::problem_id))
        .load(conn)
}

// ---- constraints ----

pub fn insert_constraint(
    conn: &mut DbConnection,
    campaign_id: &str,
    team_id: &str,
    problem_id: &str,
    kind: ConstraintKind,
) -> QueryResult<Constraint> {
    let row = Constraint {
        id: new_id(),
        campaign_id: campaign_id.to_owned(),
        team_id: team_id.to_owned(),
        problem_id: problem_id.to_owned(),
        kind: kind.as_str().to_owned(),
        created_at: now(),
    };
    diesel::insert_into(campaign_constraints::table)
        .values(&row)
        .execute(conn)?;
    Ok(row)
}

pub fn campaign_constraints(
    conn: &mut DbConnection,
    campaign_id: &str,
) -> QueryResult<Vec<Constraint>> {
    campaign_constraints::table
        .filter(campaign_constraints::campaign_id.eq(campaign_id))
        .order(campaign_constraints::id.asc())
        .select(Constraint::as_select())
        .load(conn)
}

/// Deletes a constraint of the campaign; the number of rows gone (0 or 1).
pub fn delete_constraint(
    conn: &mut DbConnection,
    campaign_id: &str,
    constraint_id: &str,
) -> QueryResult<usize> {
    diesel::delete(
        campaign_constraints::table
            .filter(campaign_constraints::campaign_id.eq(campaign_id))
            .filter(campaign_constraints::id.eq(constraint_id)),
    )
    .execute(conn)
}

// ---- allocations ----

/// An allocation as stored in `allocations.result` (JSON). Its own type, apart from the
/// response view, so a change to the API never changes what is stored; fields added later
/// default, so rows written by earlier versions still read.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StoredAllocation {
    pub campaign_id: String,
    pub objective: String,
    pub assigned: usize,
    pub total_rank: u64,
    pub worst_rank: Option<u32>,
    pub rank_profile: Vec<usize>,
    pub assignments: Vec<StoredAssignment>,
    pub unassigned_team_ids: Vec<String>,
    /// Why each unplaced team is unplaced, in plain words (absent from older rows).
    #[serde(default)]
    pub unplaced: Vec<StoredUnplaced>,
    /// A digest of the input (teams, preferences, accepted problems, constraints) it was
    /// computed from; absent from older rows, which are then taken as current.
    #[serde(default)]
    pub input_digest: Option<String>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StoredAssignment {
    pub team_id: String,
    pub problem_id: String,
    pub rank: u32,
    #[serde(default)]
    pub pinned: bool,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StoredUnplaced {
    pub team_id: String,
    /// In English, as the API gives it.
    pub reason: String,
    /// The reason as a code and figures, for pages and e-mails in their reader's language
    /// (absent from older rows, which show `reason`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub why: Option<crate::allocation::UnplacedWhy>,
}

pub fn store_allocation(conn: &mut DbConnection, stored: &StoredAllocation) -> QueryResult<()> {
    let campaign_id = stored.campaign_id.as_str();
    let objective = stored.objective.as_str();
    let result = serde_json::to_string(stored)
        .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    diesel::delete(allocations::table.find(campaign_id)).execute(conn)?;
    diesel::insert_into(allocations::table)
        .values((
            allocations::campaign_id.eq(campaign_id),
            allocations::objective.eq(objective),
            allocations::result.eq(result),
            allocations::created_at.eq(now()),
        ))
        .execute(conn)
        .map(drop)
}

/// The campaign's latest allocation, if it has one.
pub fn latest_allocation(
    conn: &mut DbConnection,
    campaign_id: &str,
) -> QueryResult<Option<StoredAllocation>> {
    let json: Option<String> = allocations::table
        .find(campaign_id)
        .select(allocations::result)
        .first(conn)
        .optional()?;
    json.map(|json| {
        serde_json::from_str(&json)
            .map_err(|e| diesel::result::Error::DeserializationError(Box::new(e)))
    })
    .transpose()
}

// ---- missions ----

pub fn insert_missions(conn: &mut DbConnection, rows: &[Mission]) -> QueryResult<()> {
    for row in rows {
        diesel::insert_into(missions::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

pub fn find_mission(conn: &mut DbConnection, id: &str) -> QueryResult<Mission> {
    missions::table
        .find(id)
        .select(Mission::as_select())
        .first(conn)
}

/// A mission with what a reader needs: its company and contact, problem, team and tutor.
#[derive(Debug, Clone)]
pub struct MissionDetail {
    pub mission: Mission,
    pub company: Company,
    /// The company's contact `(email, name)`, if it has one.
    pub contact: Option<(String, String)>,
    pub problem_title: String,
    pub team: TeamWithMembers,
    /// The tutor's `(id, name, email)`.
    pub tutor: Option<(String, String, String)>,
}

/// The details of `missions`, in a fixed number of queries whatever their count.
pub fn mission_details(
    conn: &mut DbConnection,
    missions: Vec<Mission>,
) -> QueryResult<Vec<MissionDetail>> {
    use std::collections::HashMap;
    let company_ids: Vec<&str> = missions.iter().map(|m| m.company_id.as_str()).collect();
    let companies: HashMap<String, (Company, Option<(String, String)>)> = companies::table
        .left_join(users::table.on(companies::contact_id.eq(users::id.nullable())))
        .filter(companies::id.eq_any(company_ids))
        .select((Company::as_select(), (users::email, users::name).nullable()))
        .load::<(Company, Option<(String, String)>)>(conn)?
        .into_iter()
        .map(|(c, contact)| (c.id.clone(), (c, contact)))
        .collect();
    let problem_ids: Vec<&str> = missions.iter().map(|m| m.problem_id.as_str()).collect();
    let titles: HashMap<String, String> = problems::table
        .filter(problems::id.eq_any(problem_ids))
        .select((problems::id, problems::title))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect();
    let team_ids: Vec<&str> = missions.iter().map(|m| m.team_id.as_str()).collect();
    let found: Vec<Team> = teams::table
        .filter(teams::id.eq_any(team_ids))
        .select(Team::as_select())
        .load(conn)?;
    let teams: HashMap<String, TeamWithMembers> = with_members(conn, found)?
        .into_iter()
        .map(|t| (t.team.id.clone(), t))
        .collect();
    let tutor_ids: Vec<&str> = missions
        .iter()
        .filter_map(|m| m.tutor_id.as_deref())
        .collect();
    let tutors: HashMap<String, (String, String, String)> = users::table
        .filter(users::id.eq_any(tutor_ids))
        .select((users::id, users::name, users::email))
        .load::<(String, String, String)>(conn)?
        .into_iter()
        .map(|t| (t.0.clone(), t))
        .collect();
    missions
        .into_iter()
        .map(|mission| {
            let (company, contact) = companies
                .get(&mission.company_id)
                .cloned()
                .ok_or(diesel::result::Error::NotFound)?;
            let team = teams
                .get(&mission.team_id)
                .cloned()
                .ok_or(diesel::result::Error::NotFound)?;
            Ok(MissionDetail {
                problem_title: titles.get(&mission.problem_id).cloned().unwrap_or_default(),
                tutor: mission
                    .tutor_id
                    .as_ref()
                    .and_then(|id| tutors.get(id).cloned()),
                company,
                contact,
                team,
                mission,
            })
        })
        .collect()
}

/// Whose missions a list shows.
pub enum MissionScope<'a> {
    All,
    Company(&'a str),
    Student(&'a str),
    Tutor(&'a str),
}

pub fn list_missions(
    conn: &mut DbConnection,
    campaign_id: &str,
    scope: MissionScope<'_>,
    page: &PageRequest,
) -> QueryResult<Vec<Mission>> {
    let mut query = missions::table
        .filter(missions::campaign_id.eq(campaign_id))
        .select(Mission::as_select())
        .order(missions::id.asc())
        .limit(page.fetch_limit())
        .into_boxed();
    match scope {
        MissionScope::All => {}
        MissionScope::Company(user_id) => {
            let own = companies::table
                .filter(companies::contact_id.eq(user_id.to_owned()))
                .select(companies::id);
            query = query.filter(missions::company_id.eq_any(own));
        }
        MissionScope::Student(user_id) => {
            let own = team_members::table
                .filter(team_members::student_id.eq(user_id.to_owned()))
                .select(team_members::team_id);
            query = query.filter(missions::team_id.eq_any(own));
        }
        MissionScope::Tutor(user_id) => {
            query = query.filter(missions::tutor_id.eq(user_id.to_owned()));
        }
    }
    if let Some(after) = &page.after {
        query = query.filter(missions::id.gt(after.clone()));
    }
    query.load(conn)
}

pub fn campaign_missions(conn: &mut DbConnection, campaign_id: &str) -> QueryResult<Vec<Mission>> {
    missions::table
        .filter(missions::campaign_id.eq(campaign_id))
        .select(Mission::as_select())
        .order(missions::id.asc())
        .load(conn)
}

pub fn set_mission_tutor(
    conn: &mut DbConnection,
    mission_id: &str,
    tutor_id: &str,
) -> QueryResult<()> {
    diesel::update(missions::table.find(mission_id))
        .set(missions::tutor_id.eq(Some(tutor_id)))
        .execute(conn)
        .map(drop)
}

/// How many missions of a campaign each tutor follows (tutors following none are absent).
pub fn tutor_counts_in_campaign(
    conn: &mut DbConnection,
    campaign_id: &str,
) -> QueryResult<std::collections::HashMap<String, i64>> {
    let rows: Vec<(Option<String>, i64)> = missions::table
        .filter(missions::campaign_id.eq(campaign_id))
        .filter(missions::tutor_id.is_not_null())
        .group_by(missions::tutor_id)
        .select((missions::tutor_id, diesel::dsl::count_star()))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, n)| id.map(|id| (id, n)))
        .collect())
}

/// Missions a tutor follows in a campaign.
pub fn tutor_missions_in_campaign(
    conn: &mut DbConnection,
    campaign_id: &str,
    tutor_id: &str,
) -> QueryResult<i64> {
    missions::table
        .filter(missions::campaign_id.eq(campaign_id))
        .filter(missions::tutor_id.eq(tutor_id))
        .count()
        .get_result(conn)
}
