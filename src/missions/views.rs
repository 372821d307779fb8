//! Request and response bodies of the field-mission endpoints.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use utoipa::IntoParams;

use crate::missions::domain::{CampaignStatus, ProblemStatus};
use crate::missions::models::{
    Campaign, Company, Constraint, Member, MissionDetail, ProblemFilter, ProblemRow,
    StoredAllocation, TeamWithMembers,
};

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CampaignBody {
    #[schema(example = "Missions terrain printemps 2027")]
    pub name: String,
    #[schema(example = "2027-03-01")]
    pub starts_on: Option<String>,
    /// Default 5.
    pub weeks: Option<i64>,
    /// Default 3.
    pub team_size: Option<i64>,
    /// Default 80.
    pub max_problems: Option<i64>,
    /// Default 10.
    pub max_choices: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CampaignView {
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
    pub starts_on: NaiveDate,
    /// `starts_on` + 7 × weeks − 1 day (the last day of the missions).
    pub ends_on: NaiveDate,
    pub weeks: i32,
    pub team_size: i32,
    pub max_problems: i32,
    pub max_choices: i32,
    pub status: CampaignStatus,
}

impl From<Campaign> for CampaignView {
    fn from(c: Campaign) -> Self {
        Self {
            status: c.status(),
            id: c.id,
            name: c.name,
            starts_on: c.starts_on,
            ends_on: c.ends_on,
            weeks: c.weeks,
            team_size: c.team_size,
            max_problems: c.max_problems,
            max_choices: c.max_choices,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CompanyBody {
    pub name: String,
    pub city: String,
    /// Inside the school's territory.
    pub local: Option<bool>,
    /// Staff only: the id of a `company` account to make its contact.
    pub contact_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CompanyView {
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
    pub city: String,
    pub local: bool,
    pub contact_id: Option<String>,
}

impl From<Company> for CompanyView {
    fn from(c: Company) -> Self {
        Self {
            id: c.id,
            name: c.name,
            city: c.city,
            local: c.local,
            contact_id: c.contact_id,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ProblemBody {
    pub title: String,
    pub description: String,
    /// One of the tutors' domains, e.g. `materials`.
    pub domain: String,
}

/// `PATCH /problems/{id}`: any of the three.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ProblemPatchBody {
    pub title: Option<String>,
    pub description: Option<String>,
    pub domain: Option<String>,
}

/// `?domain=&local=` on a problem list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProblemQuery {
    /// Only problems of this domain.
    pub domain: Option<String>,
    /// `true`: only companies inside the school's territory; `false`: only those outside.
    pub local: Option<bool>,
}

impl From<ProblemQuery> for ProblemFilter {
    fn from(q: ProblemQuery) -> Self {
        Self {
            domain: q
                .domain
                .map(|d| d.trim().to_owned())
                .filter(|d| !d.is_empty()),
            local: q.local,
        }
    }
}

/// The company a problem comes from.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemCompanyView {
    pub id: String,
    pub name: String,
    pub city: String,
    pub local: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemView {
    #[schema(format = Uuid)]
    pub id: String,
    pub campaign_id: String,
    pub company_id: String,
    pub company: ProblemCompanyView,
    pub title: String,
    pub description: String,
    pub domain: String,
    pub status: ProblemStatus,
    /// The reason staff gave with their decision, if any.
    pub reason: Option<String>,
}

impl From<ProblemRow> for ProblemView {
    fn from(
        ProblemRow {
            problem: p,
            company: c,
        }: ProblemRow,
    ) -> Self {
        Self {
            status: ProblemStatus::parse(&p.status),
            id: p.id,
            campaign_id: p.campaign_id,
            company_id: p.company_id,
            company: ProblemCompanyView {
                id: c.id,
                name: c.name,
                city: c.city,
                local: c.local,
            },
            title: p.title,
            description: p.description,
            domain: p.domain,
            reason: p.reason,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ReviewBody {
    /// `accept` or `reject`.
    pub decision: String,
    pub reason: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct TeamBody {
    pub name: String,
    /// Every member's e-mail, the creator's included.
    pub member_emails: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MemberView {
    pub id: String,
    pub email: String,
    pub name: String,
}

impl From<Member> for MemberView {
    fn from(m: Member) -> Self {
        Self {
            id: m.id,
            email: m.email,
            name: m.name,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamView {
    #[schema(format = Uuid)]
    pub id: String,
    pub campaign_id: String,
    pub name: String,
    pub members: Vec<MemberView>,
}

impl From<TeamWithMembers> for TeamView {
    fn from(TeamWithMembers { team, members }: TeamWithMembers) -> Self {
        Self {
            id: team.id,
            campaign_id: team.campaign_id,
            name: team.name,
            members: members.into_iter().map(MemberView::from).collect(),
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize, ToSchema)]
#[serde(default)]
pub struct PreferencesBody {
    /// Accepted problems of the campaign, best first.
    pub problem_ids: Vec<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ConstraintBody {
    pub team_id: String,
    pub problem_id: String,
    /// `forbid` or `pin`.
    pub kind: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConstraintView {
    pub id: String,
    pub campaign_id: String,
    pub team_id: String,
    pub problem_id: String,
    pub kind: String,
}

impl From<Constraint> for ConstraintView {
    fn from(c: Constraint) -> Self {
        Self {
            id: c.id,
            campaign_id: c.campaign_id,
            team_id: c.team_id,
            problem_id: c.problem_id,
            kind: c.kind,
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct AllocateBody {
    /// `fair` (default), `rank_sum`, `rank_maximal` or `generous`.
    pub objective: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssignmentView {
    pub team_id: String,
    pub problem_id: String,
    /// 1 = the team's first choice.
    pub rank: u32,
    /// Placed by a `pin` constraint.
    pub pinned: bool,
}

/// A team the allocation leaves out, and why, in plain words.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnplacedView {
    pub team_id: String,
    pub reason: String,
}

/// The allocation as shown (stored apart, as `StoredAllocation`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AllocationView {
    pub campaign_id: String,
    pub objective: String,
    pub assigned: usize,
    pub total_rank: u64,
    /// The largest rank of a placed team; `null` when no team is placed.
    pub worst_rank: Option<u32>,
    /// `rank_profile[k]` counts teams placed on their (k+1)-th choice.
    pub rank_profile: Vec<usize>,
    pub assignments: Vec<AssignmentView>,
    pub unassigned_team_ids: Vec<String>,
    pub unplaced: Vec<UnplacedView>,
}

impl From<StoredAllocation> for AllocationView {
    fn from(a: StoredAllocation) -> Self {
        Self {
            campaign_id: a.campaign_id,
            objective: a.objective,
            assigned: a.assigned,
            total_rank: a.total_rank,
            worst_rank: a.worst_rank,
            rank_profile: a.rank_profile,
            assignments: a
                .assignments
                .into_iter()
                .map(|x| AssignmentView {
                    team_id: x.team_id,
                    problem_id: x.problem_id,
                    rank: x.rank,
                    pinned: x.pinned,
                })
                .collect(),
            unassigned_team_ids: a.unassigned_team_ids,
            unplaced: a
                .unplaced
                .into_iter()
                .map(|u| UnplacedView {
                    team_id: u.team_id,
                    reason: u.reason,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MissionCompanyView {
    pub id: String,
    pub name: String,
    pub city: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContactView {
    pub name: String,
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MissionProblemView {
    pub id: String,
    pub title: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonView {
    pub id: String,
    pub name: String,
    pub email: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MissionTeamView {
    pub id: String,
    pub name: String,
    pub members: Vec<PersonView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MissionView {
    #[schema(format = Uuid)]
    pub id: String,
    pub campaign_id: String,
    pub team_id: String,
    pub problem_id: String,
    pub company_id: String,
    pub tutor_id: Option<String>,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub company: MissionCompanyView,
    /// The company's contact; `null` when it has none.
    pub contact: Option<ContactView>,
    pub problem: MissionProblemView,
    pub team: MissionTeamView,
    pub tutor: Option<PersonView>,
}

impl From<MissionDetail> for MissionView {
    fn from(d: MissionDetail) -> Self {
        let m = d.mission;
        Self {
            company: MissionCompanyView {
                id: d.company.id,
                name: d.company.name,
                city: d.company.city,
            },
            contact: d.contact.map(|(email, name)| ContactView { name, email }),
            problem: MissionProblemView {
                id: m.problem_id.clone(),
                title: d.problem_title,
            },
            team: MissionTeamView {
                id: d.team.team.id,
                name: d.team.team.name,
                members: d
                    .team
                    .members
                    .into_iter()
                    .map(|p| PersonView {
                        id: p.id,
                        name: p.name,
                        email: p.email,
                    })
                    .collect(),
            },
            tutor: d
                .tutor
                .map(|(id, name, email)| PersonView { id, name, email }),
            id: m.id,
            campaign_id: m.campaign_id,
            team_id: m.team_id,
            problem_id: m.problem_id,
            company_id: m.company_id,
            tutor_id: m.tutor_id,
            starts_on: m.starts_on,
            ends_on: m.ends_on,
        }
    }
}

/// `{tutor_id}` for `PUT /missions/{id}/tutor`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct MissionTutorBody {
    pub tutor_id: String,
}

/// One mission and the tutor `assign-tutors` gave it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TutorAssignmentView {
    pub mission_id: String,
    pub tutor_id: String,
}

/// What `assign-tutors` did: `{items, next_cursor: null, unassigned_mission_ids}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TutorAssignmentsView {
    pub items: Vec<TutorAssignmentView>,
    pub next_cursor: Option<String>,
    /// Missions no tutor had room for.
    pub unassigned_mission_ids: Vec<String>,
}
