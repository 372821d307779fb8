//! Request and response bodies of the incubator endpoints.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::utc;
use crate::incubator::domain::Status;
use crate::incubator::models::{Event, Followed, Person};
use crate::tutors::domain::{Domain, Suggestion};

/// An application as every endpoint shows one.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub founder_id: String,
    pub title: String,
    pub summary: String,
    pub domain: String,
    pub manufactured_product: bool,
    pub status: Status,
    #[schema(format = Uuid)]
    pub tutor_id: Option<String>,
    /// Who follows the project (null until staff choose).
    pub tutor: Option<PersonView>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    /// Staff's reason for the decision, as the founder sees it.
    pub decision_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Followed> for ApplicationView {
    fn from(
        Followed {
            application: a,
            tutor,
        }: Followed,
    ) -> Self {
        Self {
            status: a.status(),
            tutor: tutor.map(PersonView::from),
            id: a.id,
            founder_id: a.founder_id,
            title: a.title,
            summary: a.summary,
            domain: a.domain,
            manufactured_product: a.manufactured_product,
            tutor_id: a.tutor_id,
            starts_on: a.starts_on,
            ends_on: a.ends_on,
            decision_reason: a.decision_reason,
            created_at: utc(a.created_at),
            updated_at: utc(a.updated_at),
        }
    }
}

/// A person an application names, with what it takes to reach them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonView {
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
    pub email: String,
}

impl From<Person> for PersonView {
    fn from(p: Person) -> Self {
        Self {
            id: p.id,
            name: p.name,
            email: p.email,
        }
    }
}

/// Missing fields are reported field by field (422), not as bad JSON.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CreateApplicationBody {
    #[schema(example = "Béton de chanvre préfabriqué")]
    pub title: String,
    pub summary: String,
    /// One of the tutors' domains.
    #[schema(example = "building")]
    pub domain: String,
    pub manufactured_product: Option<bool>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct DecisionBody {
    /// `admit` or `reject`.
    #[schema(example = "admit")]
    pub decision: String,
    /// Shown to the founder (in the decision e-mail and on the application).
    pub reason: Option<String>,
    /// Admission only: `YYYY-MM-DD`, default today (Europe/Paris).
    #[schema(example = "2027-09-01")]
    pub starts_on: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CloseBody {
    /// `graduated` or `discontinued`.
    #[schema(example = "graduated")]
    pub outcome: String,
    /// Kept in the audit trail.
    pub reason: Option<String>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct TutorBody {
    #[schema(format = Uuid)]
    pub tutor_id: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationFilter {
    /// Only applications in this state.
    pub status: Option<Status>,
}

/// A tutor who could follow the project.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionView {
    #[schema(format = Uuid)]
    pub tutor_id: String,
    pub name: String,
    /// The tutor's expertise covers the project's domain.
    pub domain_match: bool,
    /// Incubating projects the tutor follows now.
    pub load: i64,
    pub max_projects: i32,
    pub domains: Vec<Domain>,
}

impl From<Suggestion> for SuggestionView {
    fn from(s: Suggestion) -> Self {
        Self {
            domains: s.candidate.domains.as_slice().to_vec(),
            tutor_id: s.candidate.tutor_id,
            name: s.candidate.name,
            domain_match: s.domain_match,
            load: s.candidate.load.projects,
            max_projects: s.candidate.max_projects,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionsView {
    pub items: Vec<SuggestionView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ActorView {
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
    pub email: String,
}

/// One line of an application's audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventView {
    #[schema(format = Uuid)]
    pub id: String,
    /// `submitted`, `admitted`, `rejected`, `withdrawn`, `graduated`, `discontinued`,
    /// `tutor_assigned`.
    pub action: String,
    /// Who did it.
    pub actor: ActorView,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub tutor_id: Option<String>,
    pub previous_tutor_id: Option<String>,
    pub reason: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<Event> for EventView {
    fn from(e: Event) -> Self {
        Self {
            id: e.id,
            action: e.action,
            actor: ActorView {
                id: e.actor_id,
                name: e.actor_name,
                email: e.actor_email,
            },
            from_status: e.from_status,
            to_status: e.to_status,
            tutor_id: e.tutor_id,
            previous_tutor_id: e.previous_tutor_id,
            reason: e.reason,
            created_at: utc(e.created_at),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventsView {
    pub items: Vec<EventView>,
}
