//! Request and response bodies of labs, equipment, closures, authorizations and bookings.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::utc;
use crate::labs::domain::{format_wall_clock, Interval};
use crate::labs::models::{Authorization, Booking, Closure, Equipment, Lab, OpeningHourRow};

/// One weekly opening period, wall-clock times in the lab's zone.
#[derive(Debug, Default, Clone, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct OpeningHoursBody {
    /// 1 = Monday … 7 = Sunday.
    #[schema(example = 1)]
    pub weekday: i64,
    #[schema(example = "08:00")]
    pub opens: String,
    /// `24:00` for midnight at the end of the day.
    #[schema(example = "18:00")]
    pub closes: String,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct LabBody {
    #[schema(example = "Hall d'essais génie civil")]
    pub name: String,
    pub description: Option<String>,
    /// IANA time zone, default `Europe/Paris`.
    pub timezone: Option<String>,
    pub opening_hours: Vec<OpeningHoursBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LabView {
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
    pub description: String,
    pub timezone: String,
    pub opening_hours: Vec<OpeningHoursBody>,
    pub created_at: DateTime<Utc>,
}

impl LabView {
    pub fn new(lab: Lab, hours: &[OpeningHourRow]) -> Self {
        let opening_hours = hours
            .iter()
            .filter(|h| h.lab_id == lab.id)
            .map(|h| {
                let p = h.period();
                OpeningHoursBody {
                    weekday: i64::from(p.weekday),
                    opens: format_wall_clock(p.opens),
                    closes: format_wall_clock(p.closes),
                }
            })
            .collect();
        Self {
            id: lab.id,
            name: lab.name,
            description: lab.description,
            timezone: lab.timezone,
            opening_hours,
            created_at: utc(lab.created_at),
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct EquipmentBody {
    #[schema(example = "Presse 3 000 kN")]
    pub name: String,
    pub description: Option<String>,
    /// Shortest booking, in minutes (default 30).
    pub min_minutes: Option<i64>,
    /// Longest booking, in minutes (default 480).
    pub max_minutes: Option<i64>,
    /// Default false.
    pub requires_training: Option<bool>,
    /// Confirmed hours per project (application or mission) and ISO week; null = no quota.
    pub weekly_hours_per_project: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EquipmentView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub lab_id: String,
    pub name: String,
    pub description: String,
    pub min_minutes: i32,
    pub max_minutes: i32,
    pub requires_training: bool,
    pub weekly_hours_per_project: Option<i32>,
    pub created_at: DateTime<Utc>,
}

impl From<Equipment> for EquipmentView {
    fn from(e: Equipment) -> Self {
        Self {
            id: e.id,
            lab_id: e.lab_id,
            name: e.name,
            description: e.description,
            min_minutes: e.min_minutes,
            max_minutes: e.max_minutes,
            requires_training: e.requires_training,
            weekly_hours_per_project: e.weekly_hours_per_project,
            created_at: utc(e.created_at),
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct AuthorizationBody {
    #[schema(format = Uuid)]
    pub user_id: String,
    /// Last day the training is valid (none: no expiry).
    pub expires_on: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorizationView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub equipment_id: String,
    #[schema(format = Uuid)]
    pub user_id: String,
    pub expires_on: Option<NaiveDate>,
    #[schema(format = Uuid)]
    pub granted_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<Authorization> for AuthorizationView {
    fn from(a: Authorization) -> Self {
        Self {
            id: a.id,
            equipment_id: a.equipment_id,
            user_id: a.user_id,
            expires_on: a.expires_on,
            granted_by: a.granted_by,
            created_at: utc(a.created_at),
        }
    }
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct ClosureBody {
    /// RFC 3339, any offset.
    pub starts_at: String,
    pub ends_at: String,
    #[schema(example = "Maintenance annuelle de la presse")]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClosureView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub lab_id: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: String,
    pub created_at: DateTime<Utc>,
    /// The confirmed bookings this closure cancelled (in the answer to its creation).
    pub cancelled_booking_ids: Vec<String>,
}

impl ClosureView {
    pub fn new(c: Closure, cancelled_booking_ids: Vec<String>) -> Self {
        Self {
            id: c.id,
            lab_id: c.lab_id,
            starts_at: utc(c.starts_at),
            ends_at: utc(c.ends_at),
            reason: c.reason,
            created_at: utc(c.created_at),
            cancelled_booking_ids,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AvailabilityQuery {
    /// First date (`YYYY-MM-DD`, in the lab's zone), included. Required (422 without it);
    /// an `Option` only so that its absence is a 422 with the field named, not a bare 400.
    #[param(required = true)]
    pub from: Option<String>,
    /// Last date, included. Required, like `from`.
    #[param(required = true)]
    pub to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FreeInterval {
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl From<Interval> for FreeInterval {
    fn from(i: Interval) -> Self {
        Self {
            starts_at: utc(i.start),
            ends_at: utc(i.end),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AvailabilityView {
    pub items: Vec<FreeInterval>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default)]
pub struct BookingBody {
    #[schema(format = Uuid)]
    pub equipment_id: String,
    /// RFC 3339, any offset; stored in UTC to the second.
    #[schema(example = "2027-03-29T08:00:00+02:00")]
    pub starts_at: String,
    #[schema(example = "2027-03-29T10:00:00+02:00")]
    pub ends_at: String,
    pub purpose: Option<String>,
    /// The incubated project this booking is for (founders: required, their own).
    pub application_id: Option<String>,
    /// The mission this booking is for (students: required, their team's).
    pub mission_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BookingView {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = Uuid)]
    pub equipment_id: String,
    #[schema(format = Uuid)]
    pub user_id: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// `confirmed` or `cancelled`.
    pub status: String,
    pub purpose: Option<String>,
    pub application_id: Option<String>,
    pub mission_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
}

impl From<Booking> for BookingView {
    fn from(b: Booking) -> Self {
        Self {
            id: b.id,
            equipment_id: b.equipment_id,
            user_id: b.user_id,
            starts_at: utc(b.starts_at),
            ends_at: utc(b.ends_at),
            status: b.status,
            purpose: b.purpose,
            application_id: b.application_id,
            mission_id: b.mission_id,
            created_at: utc(b.created_at),
            cancelled_at: b.cancelled_at.map(utc),
            cancel_reason: b.cancel_reason,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BookingQuery {
    pub equipment_id: Option<String>,
    /// Bookings ending after this instant (RFC 3339) or date (`YYYY-MM-DD`, from its start, UTC).
    pub from: Option<String>,
    /// Bookings starting before this instant, or before the end of this date (UTC).
    pub to: Option<String>,
}
