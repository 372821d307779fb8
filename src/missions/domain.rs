//! The rules of field missions, as pure functions: the campaign state machine, a campaign's
//! dates and limits, what makes a team and a preference list valid, review decisions and
//! allocation constraints.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, FieldError};
use crate::text::normalise_email;
use crate::tutors::domain::Domains;

/// Where a campaign is in its year: problems are collected, then teams sign up and rank
/// them, then an allocation is computed (and may be recomputed), then it is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CampaignStatus {
    ProblemsOpen,
    SignupOpen,
    Allocated,
    Published,
}

impl CampaignStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ProblemsOpen => "problems_open",
            Self::SignupOpen => "signup_open",
            Self::Allocated => "allocated",
            Self::Published => "published",
        }
    }
}

impl FromStr for CampaignStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        [
            Self::ProblemsOpen,
            Self::SignupOpen,
            Self::Allocated,
            Self::Published,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
        .ok_or_else(|| format!("unknown campaign status {s:?}"))
    }
}

impl fmt::Display for CampaignStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What can be done to a campaign; each is allowed in some states only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CampaignAction {
    SubmitProblem,
    ReviewProblem,
    OpenSignup,
    FormTeam,
    EditPreferences,
    SetConstraint,
    Allocate,
    Publish,
    AssignTutors,
}

impl CampaignAction {
    /// The states the action is allowed in.
    pub fn allowed_in(self) -> &'static [CampaignStatus] {
        use CampaignStatus::*;
        match self {
            Self::SubmitProblem => &[ProblemsOpen],
            Self::ReviewProblem => &[ProblemsOpen, SignupOpen],
            Self::OpenSignup => &[ProblemsOpen],
            Self::FormTeam | Self::EditPreferences => &[SignupOpen],
            Self::SetConstraint => &[ProblemsOpen, SignupOpen, Allocated],
            Self::Allocate => &[SignupOpen, Allocated],
            Self::Publish => &[Allocated],
            Self::AssignTutors => &[Published],
        }
    }

    /// The state the campaign is in after the action, or why it cannot be done now.
    pub fn apply(self, from: CampaignStatus) -> Result<CampaignStatus, Refusal> {
        if !self.allowed_in().contains(&from) {
            let allowed: Vec<&str> = self.allowed_in().iter().map(|s| s.as_str()).collect();
            return Err(Refusal::InvalidTransition(format!(
                "The campaign is `{from}`; this is only possible while it is {}.",
                allowed
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            )));
        }
        Ok(match self {
            Self::OpenSignup => CampaignStatus::SignupOpen,
            Self::Allocate => CampaignStatus::Allocated,
            Self::Publish => CampaignStatus::Published,
            _ => from,
        })
    }
}

/// Why a field-mission request is refused: the one error type of missions' use cases, turned
/// into the contract's status and `code` in one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The campaign (or problem) is not in a state that allows the call.
    InvalidTransition(String),
    /// Accepting one more problem would pass the campaign's `max_problems`.
    CapacityReached {
        max_problems: i32,
    },
    /// A company account that has not registered its company yet.
    NoCompany,
    /// The account already is a company's contact, or the pair already has a constraint.
    AlreadyExists(&'static str),
    InvalidTeam(String),
    /// These students are already in a team of the campaign.
    AlreadyInTeam(String),
    InvalidPreferences(String),
    /// Pins no allocation can honour, each naming its pairs.
    InfeasiblePins(String),
    /// Teams, preferences, constraints or accepted problems changed after the allocation.
    AllocationStale,
    /// The campaign has no allocation yet.
    NotAllocated,
    /// The tutor already follows `followed` missions of this campaign, their limit.
    TutorOverloaded {
        followed: i64,
    },
    /// Field errors of a body (422 `validation_failed`).
    Invalid(Vec<FieldError>),
    /// Marks cannot be given yet: they open on `opens_on`, the day the mission starts.
    EvaluationNotOpen {
        opens_on: NaiveDate,
    },
    /// Not there, or not visible to the caller: the same answer.
    NotFound,
}

impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        match refusal {
            Refusal::InvalidTransition(why) => ApiError::conflict("invalid_transition", why),
            Refusal::CapacityReached { max_problems } => ApiError::conflict(
                "capacity_reached",
                format!("The campaign already has its {max_problems} accepted problems."),
            ),
            Refusal::NoCompany => ApiError::conflict(
                "no_company",
                "Register your company (POST /api/v1/companies) before submitting problems.",
            ),
            Refusal::AlreadyExists(what) => ApiError::conflict("already_exists", what),
            Refusal::InvalidTeam(why) => ApiError::unprocessable("invalid_team", why),
            Refusal::AlreadyInTeam(who) => ApiError::conflict(
                "already_in_team",
                format!("Already in a team of this campaign: {who}."),
            ),
            Refusal::InvalidPreferences(why) => ApiError::unprocessable("invalid_preferences", why),
            Refusal::InfeasiblePins(why) => ApiError::unprocessable(
                "infeasible_pins",
                format!("These pins cannot all hold: {why}."),
            ),
            Refusal::AllocationStale => ApiError::conflict(
                "allocation_stale",
                "Teams, preferences, constraints or accepted problems changed after the \
                 latest allocation: allocate again before publishing.",
            ),
            Refusal::NotAllocated => ApiError::conflict(
                "invalid_transition",
                "This campaign has not been allocated yet.",
            ),
            Refusal::TutorOverloaded { followed } => ApiError::conflict(
                "tutor_overloaded",
                format!(
                    "This tutor already follows {followed} mission(s) of this campaign, their limit."
                ),
            ),
            Refusal::Invalid(errors) => ApiError::validation(errors),
            Refusal::EvaluationNotOpen { opens_on } => ApiError::conflict(
                "evaluation_not_open",
                format!("Marks open on {opens_on}, the day the mission starts."),
            )
            .with("opens_on", opens_on.to_string()),
            Refusal::NotFound => ApiError::not_found(),
        }
    }
}

/// Whether marks may be given on `today` for a mission starting on `starts_on` (pure).
///
/// They open on the mission's first day, not its last: a school expects no mark for work not
/// yet begun (a company marking three months ahead is a mistake), but the work is judged as it
/// is done. Companies hold the final presentation in the last week, tutors mark the report
/// when it comes, and the scheduled request at `ends_on` is a reminder to those who have not,
/// not the moment marks become possible; waiting for `ends_on` would refuse a company that
/// marks the team the day after the defence held on the penultimate day.
pub fn marks_open(starts_on: NaiveDate, today: NaiveDate) -> Result<(), Refusal> {
    if today < starts_on {
        Err(Refusal::EvaluationNotOpen {
            opens_on: starts_on,
        })
    } else {
        Ok(())
    }
}

/// Whether one more problem may be accepted: `accepted` already, at most `max_problems`.
pub fn may_accept(accepted: i64, max_problems: i32) -> Result<(), Refusal> {
    if accepted >= i64::from(max_problems) {
        Err(Refusal::CapacityReached { max_problems })
    } else {
        Ok(())
    }
}

/// A problem is reviewed once, while it is `submitted`.
pub fn may_review(status: ProblemStatus) -> Result<(), Refusal> {
    match status {
        ProblemStatus::Submitted => Ok(()),
        done => Err(Refusal::InvalidTransition(format!(
            "This problem was already {}.",
            done.as_str()
        ))),
    }
}

/// The last day of a campaign of `weeks` weeks starting on `starts_on` (inclusive).
pub fn ends_on(starts_on: NaiveDate, weeks: u32) -> Option<NaiveDate> {
    let days = u64::from(weeks).checked_mul(7)?.checked_sub(1)?;
    starts_on.checked_add_days(Days::new(days))
}

pub const DEFAULT_WEEKS: i64 = 5;
pub const DEFAULT_TEAM_SIZE: i64 = 3;
pub const DEFAULT_MAX_PROBLEMS: i64 = 80;
pub const DEFAULT_MAX_CHOICES: i64 = 10;

/// A campaign as staff describe it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCampaign {
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub weeks: i32,
    pub team_size: i32,
    pub max_problems: i32,
    pub max_choices: i32,
}

fn count(
    errors: &mut Vec<FieldError>,
    field: &str,
    value: Option<i64>,
    default: i64,
    min: i64,
    max: i64,
) -> i32 {
    let value = value.unwrap_or(default);
    if value < min || value > max {
        errors.push(FieldError::new(
            field,
            format!("must be an integer from {min} to {max}"),
        ));
        return 0;
    }
    i32::try_from(value).unwrap_or(0)
}

impl NewCampaign {
    pub fn parse(
        name: &str,
        starts_on: Option<&str>,
        weeks: Option<i64>,
        team_size: Option<i64>,
        max_problems: Option<i64>,
        max_choices: Option<i64>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = required_text(&mut errors, "name", name, 200);
        let starts = match starts_on.map(str::trim) {
            None | Some("") => {
                errors.push(FieldError::new("starts_on", "is required (YYYY-MM-DD)"));
                None
            }
            Some(s) => match crate::dates::parse_date(s) {
                Some(d) => Some(d),
                None => {
                    errors.push(FieldError::new("starts_on", crate::dates::DATE_EXPECTED));
                    None
                }
            },
        };
        let weeks = count(&mut errors, "weeks", weeks, DEFAULT_WEEKS, 1, 52);
        let team_size = count(
            &mut errors,
            "team_size",
            team_size,
            DEFAULT_TEAM_SIZE,
            1,
            20,
        );
        let max_problems = count(
            &mut errors,
            "max_problems",
            max_problems,
            DEFAULT_MAX_PROBLEMS,
            0,
            100_000,
        );
        let max_choices = count(
            &mut errors,
            "max_choices",
            max_choices,
            DEFAULT_MAX_CHOICES,
            1,
            1_000,
        );
        let ends = match starts {
            Some(s) if weeks > 0 => ends_on(s, weeks.unsigned_abs()),
            _ => None,
        };
        if starts.is_some() && weeks > 0 && ends.is_none() {
            errors.push(FieldError::new("starts_on", "is too far in the future"));
        }
        match (starts, ends) {
            (Some(starts_on), Some(ends_on)) if errors.is_empty() => Ok(Self {
                name,
                starts_on,
                ends_on,
                weeks,
                team_size,
                max_problems,
                max_choices,
            }),
            _ => Err(errors),
        }
    }
}

/// The expertise domains of problems and tutors (the contract's list).
pub const DOMAINS: [&str; 10] = [
    "civil_engineering",
    "building",
    "materials",
    "mineral_resources",
    "land_planning",
    "environment",
    "digital",
    "mechatronics",
    "industrial_engineering",
    "agrifood",
];

/// Trimmed text of 1..=max characters, else a field error.
pub fn required_text(errors: &mut Vec<FieldError>, field: &str, value: &str, max: usize) -> String {
    let value = value.trim();
    // An empty field is said to be required, as every other form says, not "invalid".
    if value.is_empty() {
        errors.push(FieldError::new(field, "is required"));
    } else if value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("must be 1 to {max} characters"),
        ));
    }
    value.to_owned()
}

/// A company as its contact (or staff) describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCompany {
    pub name: String,
    pub city: String,
    pub local: bool,
}

impl NewCompany {
    pub fn parse(name: &str, city: &str, local: Option<bool>) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let name = required_text(&mut errors, "name", name, 200);
        let city = required_text(&mut errors, "city", city, 200);
        if local.is_none() {
            errors.push(FieldError::new(
                "local",
                "is required: true when the company is inside the school's territory",
            ));
        }
        match local {
            Some(local) if errors.is_empty() => Ok(Self { name, city, local }),
            _ => Err(errors),
        }
    }
}

/// A problem a company submits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProblem {
    pub title: String,
    pub description: String,
    pub domain: String,
}

impl NewProblem {
    pub fn parse(title: &str, description: &str, domain: &str) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let title = required_text(&mut errors, "title", title, 300);
        let description = required_text(&mut errors, "description", description, 20_000);
        let domain = domain.trim().to_owned();
        if domain.is_empty() {
            errors.push(FieldError::new("domain", "is required"));
        } else if !DOMAINS.contains(&domain.as_str()) {
            errors.push(FieldError::new(
                "domain",
                format!("must be one of {}", DOMAINS.join(", ")),
            ));
        }
        if errors.is_empty() {
            Ok(Self {
                title,
                description,
                domain,
            })
        } else {
            Err(errors)
        }
    }
}

/// A company's edit of its submitted problem: any of title, description, domain.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProblemEdit {
    pub title: Option<String>,
    pub description: Option<String>,
    pub domain: Option<String>,
}

impl ProblemEdit {
    pub fn parse(
        title: Option<&str>,
        description: Option<&str>,
        domain: Option<&str>,
    ) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let edit = Self {
            title: title.map(|t| required_text(&mut errors, "title", t, 300)),
            description: description.map(|d| required_text(&mut errors, "description", d, 20_000)),
            domain: domain.map(|d| d.trim().to_owned()),
        };
        if edit
            .domain
            .as_deref()
            .is_some_and(|d| !DOMAINS.contains(&d))
        {
            errors.push(FieldError::new(
                "domain",
                format!("must be one of {}", DOMAINS.join(", ")),
            ));
        }
        if errors.is_empty() {
            Ok(edit)
        } else {
            Err(errors)
        }
    }

    pub fn apply_to(&self, title: &mut String, description: &mut String, domain: &mut String) {
        for (new, old) in [
            (&self.title, title),
            (&self.description, description),
            (&self.domain, domain),
        ] {
            if let Some(new) = new {
                old.clone_from(new);
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProblemStatus {
    Submitted,
    Accepted,
    Rejected,
}

impl ProblemStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Submitted => "submitted",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Self {
        match s {
            "accepted" => Self::Accepted,
            "rejected" => Self::Rejected,
            _ => Self::Submitted,
        }
    }
}

/// Staff's decision on a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Reject,
}

impl Decision {
    pub fn parse(s: &str) -> Result<Self, Vec<FieldError>> {
        match s.trim() {
            "accept" => Ok(Self::Accept),
            "reject" => Ok(Self::Reject),
            _ => Err(vec![FieldError::new(
                "decision",
                "must be `accept` or `reject`",
            )]),
        }
    }

    pub fn outcome(self) -> ProblemStatus {
        match self {
            Self::Accept => ProblemStatus::Accepted,
            Self::Reject => ProblemStatus::Rejected,
        }
    }
}

/// Checks a team's name and members' e-mails: the creator's own address included, exactly
/// `team_size` distinct addresses. Returns the trimmed name and the normalised addresses,
/// the creator's first. Whether each address is a student is checked against the database.
pub fn team_members(
    name: &str,
    member_emails: &[String],
    own_email: &str,
    team_size: usize,
) -> Result<(String, Vec<String>), Refusal> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(Refusal::InvalidTeam(
            "A team needs a name of 1 to 200 characters.".into(),
        ));
    }
    let own = normalise_email(own_email);
    let mut seen = HashSet::new();
    let mut emails = vec![own.clone()];
    for email in member_emails {
        let email = normalise_email(email);
        if !seen.insert(email.clone()) {
            return Err(Refusal::InvalidTeam(format!("{email} is listed twice.")));
        }
        if email != own {
            emails.push(email);
        }
    }
    if !seen.contains(&own) {
        return Err(Refusal::InvalidTeam(format!(
            "Include your own address ({own}) in `member_emails`."
        )));
    }
    if seen.len() != team_size {
        return Err(Refusal::InvalidTeam(format!(
            "A team has exactly {team_size} students; {} were given.",
            seen.len()
        )));
    }
    Ok((name.to_owned(), emails))
}

/// The first two positions (1-based) of a ranking that name the same problem, blanks (choices
/// left empty) ignored but counted, so a form's "choices 2 and 5" are the ones it showed.
pub fn first_clash(problem_ids: &[String]) -> Option<(usize, usize)> {
    let mut seen = std::collections::HashMap::new();
    for (i, id) in problem_ids.iter().enumerate() {
        let id = id.trim();
        if id.is_empty() {
            continue;
        }
        if let Some(first) = seen.insert(id, i + 1) {
            return Some((first, i + 1));
        }
    }
    None
}

/// Checks a ranked list: 1..=`max_choices` distinct problems, each one of `accepted`.
pub fn preferences(
    problem_ids: &[String],
    accepted: &HashSet<String>,
    max_choices: usize,
) -> Result<Vec<String>, Refusal> {
    if problem_ids.is_empty() || problem_ids.len() > max_choices {
        return Err(Refusal::InvalidPreferences(format!(
            "Rank from 1 to {max_choices} problems; {} were given.",
            problem_ids.len()
        )));
    }
    if let Some((first, second)) = first_clash(problem_ids) {
        return Err(Refusal::InvalidPreferences(format!(
            "Choices {first} and {second} are the same problem ({}): rank each problem once.",
            problem_ids[first - 1]
        )));
    }
    for id in problem_ids {
        if !accepted.contains(id) {
            return Err(Refusal::InvalidPreferences(format!(
                "Problem {id} is not an accepted problem of this campaign."
            )));
        }
    }
    Ok(problem_ids.to_vec())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConstraintKind {
    Forbid,
    Pin,
}

impl ConstraintKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Forbid => "forbid",
            Self::Pin => "pin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "forbid" => Some(Self::Forbid),
            "pin" => Some(Self::Pin),
            _ => None,
        }
    }
}

/// Whether a new `pin` of `team` on `problem` can hold, given the team's `ranked` problems,
/// the campaign's `forbids` and its other `pins` (a problem takes one team): refused with the
/// pairs named otherwise.
pub fn check_pin(
    team: &str,
    problem: &str,
    ranked: &[String],
    forbids: &[(String, String)],
    pins: &[(String, String)],
) -> Result<(), Refusal> {
    let pair = format!("({team}, {problem})");
    if !ranked.iter().any(|p| p == problem) {
        return Err(Refusal::InfeasiblePins(format!(
            "pin {pair}: the team did not rank this problem"
        )));
    }
    if forbids.iter().any(|(t, p)| t == team && p == problem) {
        return Err(Refusal::InfeasiblePins(format!(
            "pin {pair}: the pair is forbidden"
        )));
    }
    let clash = |(t, p): &(String, String)| format!("({t}, {p})");
    if let Some(other) = pins.iter().find(|(t, p)| p == problem && t != team) {
        return Err(Refusal::InfeasiblePins(format!(
            "pins {}, {pair}: the problem has only 1 place",
            clash(other)
        )));
    }
    if let Some(other) = pins.iter().find(|(t, p)| t == team && p != problem) {
        return Err(Refusal::InfeasiblePins(format!(
            "pins {}, {pair}: a team is placed on one problem only",
            clash(other)
        )));
    }
    Ok(())
}

/// How well a tutor fits a mission: a domain match costs nothing, a mismatch costs more than
/// any difference of load can, so the assignment prefers matches first, then balances load.
pub fn tutor_cost(domain_match: bool, load_after: u32, tutors: usize) -> i64 {
    let mismatch = if domain_match { 0 } else { 1 };
    let tutors = i64::try_from(tutors).unwrap_or(i64::MAX / 4).max(1);
    // Load costs are convex (the k-th mission of a tutor costs k), which balances loads; a
    // mismatch outweighs the whole load term.
    mismatch * 1_000_000 * tutors + i64::from(load_after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn marks_open_on_the_first_day_of_the_mission() {
        let starts = NaiveDate::from_ymd_opt(2027, 3, 1).expect("day");
        let eve = NaiveDate::from_ymd_opt(2027, 2, 28).expect("day");
        assert_eq!(
            marks_open(starts, eve),
            Err(Refusal::EvaluationNotOpen { opens_on: starts })
        );
        assert_eq!(marks_open(starts, starts), Ok(()));
        assert_eq!(
            marks_open(starts, starts + chrono::Duration::days(40)),
            Ok(())
        );
        let problem = ApiError::from(Refusal::EvaluationNotOpen { opens_on: starts }).problem();
        assert_eq!(problem.status, 409);
        assert_eq!(problem.code, "evaluation_not_open");
    }

    #[test]
    fn a_campaign_ends_on_the_sunday_of_its_last_week() {
        assert_eq!(ends_on(date("2027-03-01"), 5), Some(date("2027-04-04")));
        assert_eq!(ends_on(date("2027-03-01"), 1), Some(date("2027-03-07")));
        assert_eq!(ends_on(date("2027-12-27"), 2), Some(date("2028-01-09")));
        assert_eq!(ends_on(date("2027-03-01"), 0), None);
    }

    #[test]
    fn campaign_defaults_and_errors() {
        let c = NewCampaign::parse("Printemps 2027", Some("2027-03-01"), None, None, None, None)
            .expect("valid");
        assert_eq!(
            (c.weeks, c.team_size, c.max_problems, c.max_choices),
            (5, 3, 80, 10)
        );
        assert_eq!(c.ends_on, date("2027-04-04"));
        let errors = NewCampaign::parse(" ", Some("01/03/2027"), Some(0), Some(-1), None, None)
            .expect_err("invalid");
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "starts_on", "weeks", "team_size"]);
        assert!(NewCampaign::parse("x", None, None, None, None, None).is_err());
    }

    #[test]
    fn the_state_machine_moves_forward_only() {
        use CampaignAction::*;
        use CampaignStatus::*;
        assert_eq!(OpenSignup.apply(ProblemsOpen), Ok(SignupOpen));
        assert!(OpenSignup.apply(SignupOpen).is_err());
        assert_eq!(Allocate.apply(SignupOpen), Ok(Allocated));
        assert_eq!(Allocate.apply(Allocated), Ok(Allocated));
        assert!(Allocate.apply(ProblemsOpen).is_err());
        assert!(Allocate.apply(Published).is_err());
        assert_eq!(Publish.apply(Allocated), Ok(Published));
        assert!(Publish.apply(SignupOpen).is_err());
        assert!(SubmitProblem.apply(SignupOpen).is_err());
        assert!(FormTeam.apply(ProblemsOpen).is_err());
        assert!(EditPreferences.apply(Allocated).is_err());
        assert_eq!(AssignTutors.apply(Published), Ok(Published));
        assert!(AssignTutors.apply(Allocated).is_err());
        for s in ["problems_open", "signup_open", "allocated", "published"] {
            assert_eq!(s.parse::<CampaignStatus>().map(|c| c.as_str()), Ok(s));
        }
    }

    #[test]
    fn teams_have_exactly_team_size_distinct_members_including_the_creator() {
        let emails = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (name, members) = team_members(
            " Les Cévennes ",
            &emails(&["B@x.fr", "a@x.fr", "c@x.fr"]),
            "a@x.fr",
            3,
        )
        .expect("valid");
        assert_eq!(name, "Les Cévennes");
        assert_eq!(members, ["a@x.fr", "b@x.fr", "c@x.fr"]);
        assert!(team_members("t", &emails(&["b@x.fr", "c@x.fr", "d@x.fr"]), "a@x.fr", 3).is_err());
        assert!(team_members("t", &emails(&["a@x.fr", "b@x.fr"]), "a@x.fr", 3).is_err());
        assert!(team_members("t", &emails(&["a@x.fr", "b@x.fr", "B@x.fr"]), "a@x.fr", 3).is_err());
        assert!(team_members("", &emails(&["a@x.fr", "b@x.fr", "c@x.fr"]), "a@x.fr", 3).is_err());
    }

    #[test]
    fn preferences_are_distinct_accepted_and_bounded() {
        let accepted: HashSet<String> = ["p1", "p2", "p3"].iter().map(|s| s.to_string()).collect();
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(preferences(&ids(&["p2", "p1"]), &accepted, 2).is_ok());
        assert!(preferences(&ids(&[]), &accepted, 2).is_err());
        assert!(preferences(&ids(&["p1", "p2", "p3"]), &accepted, 2).is_err());
        assert!(preferences(&ids(&["p1", "p1"]), &accepted, 2).is_err());
        assert!(preferences(&ids(&["p9"]), &accepted, 2).is_err());
    }

    #[test]
    fn a_clash_names_the_two_choices_as_the_form_numbered_them() {
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(first_clash(&ids(&["p1", "p2", "p3"])), None);
        assert_eq!(first_clash(&ids(&["p1", "p2", "", "", "p2"])), Some((2, 5)));
        assert_eq!(first_clash(&ids(&["", "", "p1", " p1 "])), Some((3, 4)));
        assert_eq!(first_clash(&ids(&["", ""])), None);
    }

    #[test]
    fn an_empty_field_is_required_not_invalid() {
        let errors = NewProblem::parse("", "", "").expect_err("empty");
        assert!(
            errors.iter().all(|e| e.message == "is required"),
            "{errors:?}"
        );
        let errors = NewProblem::parse(&"x".repeat(301), "d", "materials").expect_err("long");
        assert_eq!(errors[0].message, "must be 1 to 300 characters");
    }

    #[test]
    fn inputs_parse() {
        assert!(NewProblem::parse("Chutes", "Réduire les chutes", "materials").is_ok());
        assert!(NewProblem::parse("Chutes", "x", "cooking").is_err());
        assert!(NewCompany::parse("Découpes Cévenoles", "Alès", None).is_err());
        assert!(NewCompany::parse("Découpes Cévenoles", "Alès", Some(true)).is_ok());
        assert_eq!(Decision::parse("accept"), Ok(Decision::Accept));
        assert!(Decision::parse("maybe").is_err());
        assert_eq!(ConstraintKind::parse("pin"), Some(ConstraintKind::Pin));
        assert_eq!(ConstraintKind::parse("prefer"), None);
        let edit = ProblemEdit::parse(Some(" Chutes "), None, Some("digital")).expect("valid");
        let (mut t, mut d, mut o) = ("a".to_owned(), "b".to_owned(), "materials".to_owned());
        edit.apply_to(&mut t, &mut d, &mut o);
        assert_eq!(
            (t.as_str(), d.as_str(), o.as_str()),
            ("Chutes", "b", "digital")
        );
        assert!(ProblemEdit::parse(Some(""), None, None).is_err());
        assert!(ProblemEdit::parse(None, None, Some("cooking")).is_err());
    }

    #[test]
    fn pins_must_be_ranked_unforbidden_and_within_capacity() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        let pair = |t: &str, p: &str| (t.to_owned(), p.to_owned());
        let ranked = s(&["p1", "p2"]);
        assert_eq!(check_pin("t1", "p1", &ranked, &[], &[]), Ok(()));
        let named = |r: Result<(), Refusal>| match r {
            Err(Refusal::InfeasiblePins(why)) => why,
            other => panic!("{other:?}"),
        };
        assert!(named(check_pin("t1", "p3", &ranked, &[], &[])).contains("(t1, p3)"));
        assert!(
            named(check_pin("t1", "p1", &ranked, &[pair("t1", "p1")], &[])).contains("forbidden")
        );
        let full = named(check_pin("t1", "p1", &ranked, &[], &[pair("t2", "p1")]));
        assert!(full.contains("(t2, p1)") && full.contains("(t1, p1)"));
        assert!(check_pin("t1", "p1", &ranked, &[], &[pair("t1", "p2")]).is_err());
    }

    #[test]
    fn accepting_stops_at_max_problems_and_reviews_happen_once() {
        assert_eq!(may_accept(79, 80), Ok(()));
        assert_eq!(
            may_accept(80, 80),
            Err(Refusal::CapacityReached { max_problems: 80 })
        );
        assert!(may_accept(0, 0).is_err());
        assert_eq!(may_review(ProblemStatus::Submitted), Ok(()));
        assert!(may_review(ProblemStatus::Accepted).is_err());
    }

    #[test]
    fn a_domain_match_outweighs_any_load() {
        assert!(tutor_cost(true, 20, 20) < tutor_cost(false, 1, 20));
        assert!(tutor_cost(true, 1, 20) < tutor_cost(true, 2, 20));
    }
}

/// A tutor as the assignment sees them: their domains, and how many more missions of this
/// campaign they may take (`taken` already, `max` at most).
#[derive(Debug, Clone)]
pub struct TutorRoom {
    pub domains: Domains,
    pub taken: u32,
    pub max: u32,
}

/// Gives missions (by their problem's domain) tutors, exactly: as many missions as the tutors'
/// room allows, then the least total [`tutor_cost`] — domain matches first, then balanced loads
/// (the k-th mission of a tutor costs k, a convex cost, so loads even out). A min-cost flow by
/// successive shortest paths (Bellman–Ford: the graph is a few thousand arcs). Deterministic:
/// ties go to the earlier tutor in input order. Returns `(mission index, tutor index)` pairs.
pub fn assign_tutors(mission_domains: &[String], tutors: &[TutorRoom]) -> Vec<(usize, usize)> {
    struct Arc {
        to: usize,
        cap: i32,
        cost: i64,
    }
    let (m, t) = (mission_domains.len(), tutors.len());
    let (source, sink) = (0, m + t + 1);
    let mut arcs: Vec<Arc> = Vec::new();
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); m + t + 2];
    let mut add = |from: usize, to: usize, cost: i64| {
        out[from].push(arcs.len());
        arcs.push(Arc { to, cap: 1, cost });
        out[to].push(arcs.len());
        arcs.push(Arc {
            to: from,
            cap: 0,
            cost: -cost,
        });
    };
    for (i, domain) in mission_domains.iter().enumerate() {
        add(source, 1 + i, 0);
        for (j, tutor) in tutors.iter().enumerate() {
            if tutor.taken < tutor.max {
                let matches = tutor
                    .domains
                    .as_slice()
                    .iter()
                    .any(|d| d.as_str() == domain);
                add(1 + i, 1 + m + j, tutor_cost(matches, 0, t));
            }
        }
    }
    for (j, tutor) in tutors.iter().enumerate() {
        for load_after in tutor.taken + 1..=tutor.max {
            add(1 + m + j, sink, tutor_cost(true, load_after, t));
        }
    }
    let n = m + t + 2;
    loop {
        // Bellman–Ford from the source on the residual graph (costs may be negative).
        let mut dist = vec![i64::MAX; n];
        let mut via: Vec<Option<usize>> = vec![None; n];
        dist[source] = 0;
        for _ in 0..n {
            let mut changed = false;
            for u in 0..n {
                if dist[u] == i64::MAX {
                    continue;
                }
                for &a in &out[u] {
                    let arc = &arcs[a];
                    if arc.cap > 0 && dist[u] + arc.cost < dist[arc.to] {
                        dist[arc.to] = dist[u] + arc.cost;
                        via[arc.to] = Some(a);
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        if dist[sink] == i64::MAX {
            break;
        }
        let mut node = sink;
        while let Some(a) = via[node] {
            arcs[a].cap -= 1;
            arcs[a ^ 1].cap += 1;
            node = arcs[a ^ 1].to;
        }
    }
    (0..m)
        .filter_map(|i| {
            out[1 + i]
                .iter()
                .map(|&a| &arcs[a])
                .find(|arc| arc.to > m && arc.to <= m + t && arc.cap == 0 && arc.cost >= 0)
                .map(|arc| (i, arc.to - 1 - m))
        })
        .collect()
}

#[cfg(test)]
mod assignment_tests {
    use super::*;

    fn room(domains: &[&str], taken: u32, max: u32) -> TutorRoom {
        TutorRoom {
            domains: Domains::from_stored(&domains.join(",")),
            taken,
            max,
        }
    }

    #[test]
    fn domain_matches_come_first_then_loads_balance() {
        let missions: Vec<String> = ["materials", "materials", "digital", "materials"]
            .iter()
            .map(|d| (*d).to_owned())
            .collect();
        let tutors = [
            room(&["materials"], 0, 2),
            room(&["digital"], 0, 3),
            room(&["materials"], 1, 3),
        ];
        let pairs = assign_tutors(&missions, &tutors);
        assert_eq!(pairs.len(), 4);
        let load = |j: usize| pairs.iter().filter(|(_, t)| *t == j).count();
        // The digital mission goes to the digital tutor; the three materials missions share the
        // two materials tutors, the one already following a mission taking fewer.
        assert!(pairs.contains(&(2, 1)));
        assert_eq!(load(1), 1);
        assert_eq!(load(0), 2);
        assert_eq!(load(2), 1);
    }

    #[test]
    fn no_tutor_takes_more_than_their_room_and_as_many_missions_as_possible_are_placed() {
        let missions: Vec<String> = vec!["agrifood".into(); 5];
        let tutors = [room(&["digital"], 1, 2), room(&["materials"], 0, 1)];
        let pairs = assign_tutors(&missions, &tutors);
        assert_eq!(
            pairs.len(),
            2,
            "both tutors' room is used even without a domain match"
        );
        assert!(assign_tutors(&missions, &[room(&["agrifood"], 3, 3)]).is_empty());
    }
}
