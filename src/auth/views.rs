//! Request and response bodies of the account endpoints.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::domain::Role;
use crate::auth::models::User;

/// A user as every endpoint shows one.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserView {
    #[schema(format = Uuid)]
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
}

/// `GET /me`: the user, and for a company contact the company's id.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeView {
    #[serde(flatten)]
    pub user: UserView,
    /// The company this account is the contact of (company accounts only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub company_id: Option<String>,
}

impl From<User> for UserView {
    fn from(user: User) -> Self {
        Self {
            role: user.role(),
            id: user.id,
            email: user.email,
            name: user.name,
        }
    }
}

/// Missing fields read as empty, so they are reported field by field (422), not as bad JSON.
// No Debug: it carries a password, which must never reach a log line.
#[derive(Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct RegisterBody {
    #[schema(example = "claire.dupont@example.fr")]
    pub email: String,
    /// At least 10 characters.
    pub password: String,
    #[schema(example = "Claire Dupont")]
    pub name: String,
    /// `founder` or `company`.
    #[schema(example = "founder")]
    pub role: String,
}

// No Debug: it carries a password, which must never reach a log line.
#[derive(Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct LoginBody {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginView {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: UserView,
}

// No Debug: it carries a password, which must never reach a log line.
#[derive(Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct CreateUserBody {
    pub email: String,
    pub name: String,
    /// Any of `staff`, `tutor`, `founder`, `student`, `company`.
    pub role: String,
    /// Optional: without one, the user chooses a password from the welcome e-mail.
    pub password: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// Only users with this role.
    pub role: Option<Role>,
}

#[derive(Debug, Serialize, ToSchema, PartialEq, Eq)]
pub struct ImportLineError {
    /// Line number in the file (the header is line 1).
    pub line: u64,
    pub message: String,
    /// What is wrong as a code and its values, for the console to say in its reader's
    /// language (the API gives `message`).
    #[serde(skip)]
    #[schema(ignore)]
    pub problem: crate::auth::import::LineProblem,
}

/// `POST /users/import` as a form upload: the CSV file in one file field (any name).
#[derive(ToSchema)]
pub struct CsvUpload {
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ImportReport {
    /// Accounts created.
    pub created: usize,
    /// Lines whose e-mail already had an account (left unchanged).
    pub skipped: usize,
    pub errors: Vec<ImportLineError>,
}

// No Debug: it carries a password, which must never reach a log line.
#[derive(Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct SetPasswordBody {
    /// The token from the e-mail's link.
    pub token: String,
    /// At least 10 characters.
    pub password: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ForgotPasswordBody {
    pub email: String,
}
