//! The e-mails of field missions (review decisions, published missions, tutors), their
//! values, and the mission's dates as an `.ics` all-day event.

use chrono::{Days, NaiveDate};
use icalendar::{Calendar, Component, EventLike};
use serde::Serialize;

use crate::db::WriteTx;
use crate::error::ApiError;
use crate::mail::{Attachment, Email, Outbox};

#[derive(Debug, Clone, Serialize)]
pub struct Person {
    pub name: String,
    pub email: String,
}

/// `problem_reviewed`: the company hears staff's decision on its problem.
#[derive(Serialize)]
pub struct ProblemReviewed<'a> {
    pub name: &'a str,
    pub company: &'a str,
    pub campaign: &'a str,
    pub problem: &'a str,
    pub accepted: bool,
    pub reason: Option<&'a str>,
}

/// What every mission e-mail says about the mission.
#[derive(Debug, Clone, Serialize)]
pub struct MissionFacts {
    pub mission_id: String,
    pub campaign: String,
    pub problem: String,
    pub domain: String,
    pub company: String,
    pub city: String,
    pub team: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub members: Vec<Person>,
    /// The company's contact, who is e-mailed about the mission (not a template value).
    #[serde(skip)]
    pub contact: Option<Person>,
}

/// `mission_published_student`: one per team member.
#[derive(Serialize)]
pub struct StudentMission<'a> {
    pub name: &'a str,
    pub mission: &'a MissionFacts,
    pub teammates: Vec<&'a Person>,
}

/// `mission_published_company`: one per company contact.
#[derive(Serialize)]
pub struct CompanyMission<'a> {
    pub name: &'a str,
    pub mission: &'a MissionFacts,
}

/// `missions_tutored`: one per tutor, listing every mission newly given to them.
#[derive(Serialize)]
pub struct TutorMissions<'a> {
    pub name: &'a str,
    pub campaign: &'a str,
    pub missions: Vec<&'a MissionFacts>,
}

/// The mission as an all-day event from its first to its last day (DTEND is exclusive).
pub fn mission_event(facts: &MissionFacts) -> Attachment {
    let end = facts
        .ends_on
        .checked_add_days(Days::new(1))
        .unwrap_or(facts.ends_on);
    let event = icalendar::Event::new()
        .uid(&format!("mission-{}@fieldlab", facts.mission_id))
        .summary(&format!(
            "Mission terrain : {} — {}",
            facts.problem, facts.company
        ))
        .description(&format!(
            "{} ({}) — équipe {}",
            facts.company, facts.city, facts.team
        ))
        .location(&facts.city)
        .starts(facts.starts_on)
        .ends(end)
        .done();
    let calendar = Calendar::new()
        .name("fieldlab")
        .push(event)
        .done()
        .to_string();
    Attachment {
        filename: "mission.ics".into(),
        content_type: "text/calendar; charset=utf-8; method=PUBLISH".into(),
        content: calendar,
        base64: false,
    }
}

pub fn send_student(
    conn: &mut WriteTx<'_>,
    outbox: &Outbox,
    facts: &MissionFacts,
    student: &Person,
    event: &Attachment,
) -> Result<(), ApiError> {
    let values = StudentMission {
        name: &student.name,
        mission: facts,
        teammates: facts
            .members
            .iter()
            .filter(|m| m.email != student.email)
            .collect(),
    };
    outbox.enqueue(
        conn,
        Email::new(&student.email, "mission_published_student", values).attach(event.clone()),
    )?;
    Ok(())
}

pub fn send_company(
    conn: &mut WriteTx<'_>,
    outbox: &Outbox,
    facts: &MissionFacts,
    contact: &Person,
    event: &Attachment,
) -> Result<(), ApiError> {
    let values = CompanyMission {
        name: &contact.name,
        mission: facts,
    };
    outbox.enqueue(
        conn,
        Email::new(&contact.email, "mission_published_company", values).attach(event.clone()),
    )?;
    Ok(())
}

/// `mission_unplaced`: each member of a team the published allocation left out, with why.
#[derive(Serialize)]
struct Unplaced<'a> {
    name: &'a str,
    campaign: &'a str,
    team: &'a str,
    /// English, for allocations stored before `why`.
    reason: &'a str,
    /// The code and figures the template words in the reader's language.
    why: Option<crate::allocation::UnplacedWhy>,
}

pub fn send_unplaced(
    conn: &mut WriteTx<'_>,
    outbox: &Outbox,
    campaign: &str,
    team: &str,
    members: &[Person],
    unplaced: &crate::missions::models::StoredUnplaced,
) -> Result<(), ApiError> {
    for member in members {
        let values = Unplaced {
            name: &member.name,
            campaign,
            team,
            reason: &unplaced.reason,
            why: unplaced.why,
        };
        outbox.enqueue(conn, Email::new(&member.email, "mission_unplaced", values))?;
    }
    Ok(())
}

/// `team_created`: every member of a new team hears who formed it, with whom, and where to
/// rank the problems.
#[derive(Serialize)]
struct TeamCreated<'a> {
    name: &'a str,
    creator: &'a str,
    team: &'a str,
    campaign: &'a str,
    teammates: Vec<&'a Person>,
    link: &'a str,
}

pub fn send_team_created(
    conn: &mut WriteTx<'_>,
    outbox: &Outbox,
    (team_id, team, campaign): (&str, &str, &str),
    creator: &str,
    members: &[Person],
    link: &str,
) -> Result<(), ApiError> {
    for member in members {
        let values = TeamCreated {
            name: &member.name,
            creator,
            team,
            campaign,
            teammates: members.iter().filter(|m| m.email != member.email).collect(),
            link,
        };
        outbox.enqueue(
            conn,
            Email::new(&member.email, "team_created", values)
                .dedupe(format!("team_created:{team_id}:{}", member.email)),
        )?;
    }
    Ok(())
}

/// `problem_submitted`: a notice to staff of each new problem.
#[derive(Serialize)]
pub struct ProblemSubmitted<'a> {
    pub name: &'a str,
    pub company: &'a str,
    pub city: &'a str,
    pub campaign: &'a str,
    pub problem: &'a str,
}
