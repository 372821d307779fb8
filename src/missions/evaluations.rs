//! The end of a mission: its company contact and its tutor each give marks out of 20 with
//! comments, for the whole team or per student. They are asked by a scheduled e-mail on the
//! mission's last day and reminded until they have answered; staff see every mark and the
//! missing ones; a student sees their own once both evaluations are in. Marks open when the
//! mission starts (`evaluation_not_open` before).

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::app::AppState;
use crate::auth::{CurrentUser, Role};
use crate::clock::morning_of;
use crate::db::schema::evaluations;
use crate::db::{self, DbConnection, WriteTx};
use crate::error::{ApiError, FieldError};
use crate::jobs::{self, Job};
use crate::mail::Email;
use crate::missions::domain::{self, Refusal};
use crate::missions::models::{self, Mission, MissionDetail};

pub const REQUEST_JOB: &str = "evaluation_request";

/// Reminders stop this many days after the mission's end.
const REMIND_FOR_DAYS: i64 = 30;

/// Who evaluates: the company (its contact) or the tutor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Evaluator {
    Company,
    Tutor,
}

impl Evaluator {
    pub const BOTH: [Evaluator; 2] = [Evaluator::Company, Evaluator::Tutor];

    pub fn as_str(self) -> &'static str {
        match self {
            Evaluator::Company => "company",
            Evaluator::Tutor => "tutor",
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = evaluations)]
pub struct EvaluationRow {
    pub mission_id: String,
    pub evaluator: String,
    /// A student's id, or "" for the whole team.
    pub student_id: String,
    pub evaluator_id: String,
    pub mark: f64,
    pub comments: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// One mark as given: for `student_id`, or the whole team when `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub student_id: Option<String>,
    pub mark: f64,
    pub comments: String,
}

/// Checks the marks against the team: each out of 20 (quarter points at most), each student a
/// member, no one marked twice (pure).
pub fn check_marks(marks: &[Mark], members: &HashSet<String>) -> Result<(), Vec<FieldError>> {
    let mut errors = Vec::new();
    if marks.is_empty() {
        errors.push(FieldError::new("marks", "give at least one mark"));
    }
    let mut seen = HashSet::new();
    for (i, m) in marks.iter().enumerate() {
        let field = |name: &str| format!("marks[{i}].{name}");
        if !m.mark.is_finite() || !(0.0..=20.0).contains(&m.mark) {
            errors.push(FieldError::new(field("mark"), "must be between 0 and 20"));
        } else if (m.mark * 4.0).fract() != 0.0 {
            errors.push(FieldError::new(
                field("mark"),
                "must be in quarter points (e.g. 14.5)",
            ));
        }
        if m.comments.chars().count() > 5000 {
            errors.push(FieldError::new(
                field("comments"),
                "must be at most 5000 characters",
            ));
        }
        if let Some(student) = &m.student_id {
            if !members.contains(student) {
                errors.push(FieldError::new(
                    field("student_id"),
                    "is not a member of the team",
                ));
            }
        }
        if !seen.insert(m.student_id.clone()) {
            errors.push(FieldError::new(field("student_id"), "is marked twice"));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Asks for the evaluations on the mission's last day (scheduled when it is published).
pub fn schedule_request(conn: &mut DbConnection, mission: &Mission) -> Result<(), ApiError> {
    jobs::schedule(conn, REQUEST_JOB, &mission.id, morning_of(mission.ends_on))?;
    Ok(())
}

/// How `user` evaluates this mission, if they do.
fn evaluator_of(detail: &MissionDetail, user: &CurrentUser) -> Option<Evaluator> {
    if detail.company.contact_id.as_deref() == Some(user.id.as_str()) {
        Some(Evaluator::Company)
    } else if detail.mission.tutor_id.as_deref() == Some(user.id.as_str()) {
        Some(Evaluator::Tutor)
    } else {
        None
    }
}

fn detail(conn: &mut DbConnection, mission_id: &str) -> Result<MissionDetail, ApiError> {
    let mission = models::find_mission(conn, mission_id).map_err(|_| Refusal::NotFound)?;
    models::mission_details(conn, vec![mission])?
        .pop()
        .ok_or_else(|| Refusal::NotFound.into())
}

/// Records the caller's marks (the mission's company contact or tutor); marks given again
/// replace the earlier ones for the same student (or the team).
pub fn submit(
    tx: &mut WriteTx<'_>,
    user: &CurrentUser,
    mission_id: &str,
    marks: Vec<Mark>,
) -> Result<Evaluations, ApiError> {
    let detail = detail(tx, mission_id)?;
    let Some(evaluator) = evaluator_of(&detail, user) else {
        return Err(if user.is(Role::Staff) || is_student(&detail, user) {
            ApiError::forbidden()
        } else {
            Refusal::NotFound.into()
        });
    };
    domain::marks_open(detail.mission.starts_on, crate::clock::today())?;
    let members: HashSet<String> = detail.team.members.iter().map(|m| m.id.clone()).collect();
    check_marks(&marks, &members).map_err(ApiError::validation)?;
    let at = db::now();
    for m in marks {
        let student = m.student_id.unwrap_or_default();
        diesel::delete(
            evaluations::table
                .filter(evaluations::mission_id.eq(mission_id))
                .filter(evaluations::evaluator.eq(evaluator.as_str()))
                .filter(evaluations::student_id.eq(&student)),
        )
        .execute(&mut **tx)?;
        diesel::insert_into(evaluations::table)
            .values(EvaluationRow {
                mission_id: mission_id.to_owned(),
                evaluator: evaluator.as_str().to_owned(),
                student_id: student,
                evaluator_id: user.id.clone(),
                mark: m.mark,
                comments: m.comments.trim().to_owned(),
                created_at: at,
                updated_at: at,
            })
            .execute(&mut **tx)?;
    }
    read(tx, detail, Scope::All)
}

fn is_student(detail: &MissionDetail, user: &CurrentUser) -> bool {
    detail.team.members.iter().any(|m| m.id == user.id)
}

/// A mission's evaluations as a reader may see them.
#[derive(Debug, Clone)]
pub struct Evaluations {
    pub mission_id: String,
    /// Both the company and the tutor have given their marks.
    pub complete: bool,
    /// Who has not evaluated yet (`company`, `tutor`).
    pub missing: Vec<&'static str>,
    pub items: Vec<EvaluationRow>,
    /// Names by user id (students and evaluators), for views.
    pub names: HashMap<String, String>,
}

enum Scope {
    All,
    /// A student: their own marks and the team's.
    Student(String),
}

fn read(
    conn: &mut DbConnection,
    detail: MissionDetail,
    scope: Scope,
) -> Result<Evaluations, ApiError> {
    let rows: Vec<EvaluationRow> = evaluations::table
        .filter(evaluations::mission_id.eq(&detail.mission.id))
        .order((evaluations::evaluator.asc(), evaluations::student_id.asc()))
        .select(EvaluationRow::as_select())
        .load(conn)?;
    let given: HashSet<&str> = rows.iter().map(|r| r.evaluator.as_str()).collect();
    let missing: Vec<&'static str> = Evaluator::BOTH
        .into_iter()
        .map(Evaluator::as_str)
        .filter(|e| !given.contains(e))
        .collect();
    let complete = missing.is_empty();
    let items = match scope {
        Scope::All => rows,
        Scope::Student(_) if !complete => Vec::new(),
        Scope::Student(me) => rows
            .into_iter()
            .filter(|r| r.student_id.is_empty() || r.student_id == me)
            .collect(),
    };
    let mut names: HashMap<String, String> = detail
        .team
        .members
        .iter()
        .map(|m| (m.id.clone(), m.name.clone()))
        .collect();
    if let Some((id, name, _)) = &detail.tutor {
        names.insert(id.clone(), name.clone());
    }
    if let (Some(id), Some((_, name))) = (&detail.company.contact_id, &detail.contact) {
        names.insert(id.clone(), name.clone());
    }
    Ok(Evaluations {
        mission_id: detail.mission.id,
        complete,
        missing,
        items,
        names,
    })
}

/// Staff and the mission's evaluators see every mark; its students theirs and the team's,
/// once both evaluations are in; anyone else: 404.
pub fn visible(
    conn: &mut DbConnection,
    user: &CurrentUser,
    mission_id: &str,
) -> Result<Evaluations, ApiError> {
    let detail = detail(conn, mission_id)?;
    if user.is(Role::Staff) || evaluator_of(&detail, user).is_some() {
        read(conn, detail, Scope::All)
    } else if is_student(&detail, user) {
        read(conn, detail, Scope::Student(user.id.clone()))
    } else {
        Err(Refusal::NotFound.into())
    }
}

#[derive(Serialize)]
struct RequestMail<'a> {
    name: &'a str,
    team: &'a str,
    problem: &'a str,
    company: &'a str,
    members: Vec<&'a str>,
    ends_on: NaiveDate,
    link: String,
    reminder: bool,
}

/// The scheduled request (and its reminders): the evaluators who have not answered are asked,
/// and asked again every `agreements.reminder_days` for a month.
pub fn request(tx: &mut WriteTx<'_>, state: &AppState, job: &Job) -> Result<(), ApiError> {
    let Ok(detail) = detail(tx, &job.subject_id) else {
        return Ok(());
    };
    let given: HashSet<String> = evaluations::table
        .filter(evaluations::mission_id.eq(&detail.mission.id))
        .select(evaluations::evaluator)
        .load::<String>(&mut **tx)?
        .into_iter()
        .collect();
    let reminder = crate::clock::today() > detail.mission.ends_on;
    let link = format!(
        "{}/app/missions/{}/evaluations",
        state.settings.server.public_url.trim_end_matches('/'),
        detail.mission.id
    );
    let mut waiting = 0;
    let tutor = detail
        .tutor
        .as_ref()
        .map(|(_, name, email)| (name.clone(), email.clone()));
    let contact = detail
        .contact
        .as_ref()
        .map(|(email, name)| (name.clone(), email.clone()));
    for (evaluator, who) in [(Evaluator::Company, contact), (Evaluator::Tutor, tutor)] {
        if given.contains(evaluator.as_str()) {
            continue;
        }
        waiting += 1;
        let Some((name, email)) = who else { continue };
        let values = RequestMail {
            name: &name,
            team: &detail.team.team.name,
            problem: &detail.problem_title,
            company: &detail.company.name,
            members: detail
                .team
                .members
                .iter()
                .map(|m| m.name.as_str())
                .collect(),
            ends_on: detail.mission.ends_on,
            link: link.clone(),
            reminder,
        };
        let key = format!(
            "evaluation_request:{}:{}:{}",
            detail.mission.id,
            evaluator.as_str(),
            crate::clock::today()
        );
        state.outbox.enqueue(
            tx,
            Email::new(&email, "evaluation_requested", values).dedupe(key),
        )?;
    }
    let next = crate::clock::today()
        + chrono::Duration::days(i64::from(state.settings.agreements.reminder_days.max(1)));
    if waiting > 0 && next <= detail.mission.ends_on + chrono::Duration::days(REMIND_FOR_DAYS) {
        jobs::schedule(tx, REQUEST_JOB, &detail.mission.id, morning_of(next))?;
    }
    Ok(())
}

/// A campaign's marks as a CSV for a French spreadsheet (staff): one line per student, with the
/// team's and the student's mark from each evaluator, their comments, and who is missing.
pub fn campaign_csv(
    conn: &mut DbConnection,
    campaign_id: &str,
) -> Result<(String, String), ApiError> {
    let campaign = models::find_campaign(conn, campaign_id)?;
    let missions = models::list_missions(
        conn,
        &campaign.id,
        models::MissionScope::All,
        &crate::paging::PageRequest::EVERY,
    )?;
    let ids: Vec<String> = missions.iter().map(|m| m.id.clone()).collect();
    let details = models::mission_details(conn, missions)?;
    let rows: Vec<EvaluationRow> = evaluations::table
        .filter(evaluations::mission_id.eq_any(&ids))
        .select(EvaluationRow::as_select())
        .load(conn)?;
    let mark = |mission: &str, evaluator: Evaluator, student: &str| {
        rows.iter().find(|r| {
            r.mission_id == mission && r.evaluator == evaluator.as_str() && r.student_id == student
        })
    };
    let fmt = |r: Option<&EvaluationRow>| {
        r.map(|r| r.mark.to_string().replace('.', ","))
            .unwrap_or_default()
    };
    let comments = |r: Option<&EvaluationRow>| r.map(|r| r.comments.clone()).unwrap_or_default();
    let mut lines = Vec::new();
    for d in &details {
        let id = d.mission.id.as_str();
        let missing: Vec<&str> = Evaluator::BOTH
            .into_iter()
            .filter(|e| {
                !rows
                    .iter()
                    .any(|r| r.mission_id == id && r.evaluator == e.as_str())
            })
            .map(Evaluator::as_str)
            .collect();
        for member in &d.team.members {
            let (ct, cs) = (
                mark(id, Evaluator::Company, ""),
                mark(id, Evaluator::Company, &member.id),
            );
            let (tt, ts) = (
                mark(id, Evaluator::Tutor, ""),
                mark(id, Evaluator::Tutor, &member.id),
            );
            lines.push(vec![
                d.team.team.name.clone(),
                member.name.clone(),
                member.email.clone(),
                d.company.name.clone(),
                d.problem_title.clone(),
                fmt(ct),
                fmt(cs),
                fmt(tt),
                fmt(ts),
                [comments(ct), comments(cs)]
                    .into_iter()
                    .filter(|c| !c.is_empty())
                    .collect::<Vec<_>>()
                    .join(" / "),
                [comments(tt), comments(ts)]
                    .into_iter()
                    .filter(|c| !c.is_empty())
                    .collect::<Vec<_>>()
                    .join(" / "),
                missing.join(", "),
            ]);
        }
    }
    let text = crate::spreadsheet::french_csv(
        &[
            "team",
            "student",
            "email",
            "company",
            "problem",
            "company_team_mark",
            "company_student_mark",
            "tutor_team_mark",
            "tutor_student_mark",
            "company_comments",
            "tutor_comments",
            "missing",
        ],
        lines,
    )?;
    Ok((
        crate::spreadsheet::file_name(&campaign.name, "evaluations.csv"),
        text,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(student: Option<&str>, mark: f64) -> Mark {
        Mark {
            student_id: student.map(str::to_owned),
            mark,
            comments: String::new(),
        }
    }

    #[test]
    fn marks_are_out_of_twenty_for_members_once_each() {
        let members: HashSet<String> = ["s1".to_owned(), "s2".to_owned()].into();
        assert!(check_marks(&[mark(None, 15.5), mark(Some("s1"), 16.0)], &members).is_ok());
        let errors = check_marks(
            &[
                mark(None, 21.0),
                mark(Some("s9"), 12.0),
                mark(Some("s1"), 12.3),
                mark(Some("s1"), f64::NAN),
            ],
            &members,
        )
        .expect_err("refused");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "marks[0].mark",
                "marks[1].student_id",
                "marks[2].mark",
                "marks[3].mark",
                "marks[3].student_id"
            ]
        );
        assert!(check_marks(&[], &members).is_err());
    }
}
