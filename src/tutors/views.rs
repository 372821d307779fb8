//! Request and response bodies of the tutor endpoints.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::tutors::domain::{Domain, Load};
use crate::tutors::models::Tutor;

/// A tutor as every endpoint shows one; `id` is the user's id.
#[derive(Debug, Serialize, ToSchema)]
pub struct TutorView {
    #[schema(format = Uuid)]
    pub id: String,
    pub email: String,
    pub name: String,
    pub domains: Vec<Domain>,
    pub max_projects: i32,
    pub max_missions: i32,
    /// What the tutor follows now (incubating projects, missions).
    pub load: Load,
}

impl TutorView {
    pub fn new(tutor: Tutor, load: Load) -> Self {
        Self {
            domains: tutor.domains().as_slice().to_vec(),
            max_projects: tutor.profile.max_projects,
            max_missions: tutor.profile.max_missions,
            id: tutor.id,
            email: tutor.email,
            name: tutor.name,
            load,
        }
    }
}

/// Missing fields are reported field by field (422), not as bad JSON.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CreateTutorBody {
    #[schema(example = "helene.fabre@mines-ales.fr")]
    pub email: String,
    #[schema(example = "Hélène Fabre")]
    pub name: String,
    /// Optional: without one, the tutor chooses a password from the welcome e-mail.
    pub password: Option<String>,
    #[schema(example = json!(["materials", "civil_engineering"]))]
    pub domains: Option<Vec<String>>,
    /// Incubating projects this tutor may follow at once (≥ 0).
    pub max_projects: Option<i64>,
    /// Field missions this tutor may follow in one campaign (≥ 0).
    pub max_missions: Option<i64>,
}

/// Any of the three; the others stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct UpdateTutorBody {
    pub domains: Option<Vec<String>>,
    pub max_projects: Option<i64>,
    pub max_missions: Option<i64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TutorFilter {
    /// Only tutors with this expertise.
    pub domain: Option<Domain>,
}
