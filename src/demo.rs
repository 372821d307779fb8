//! `fieldlab seed-demo`: a realistic data set to show the service. Each domain seeds its own
//! part (`labs::demo`, `missions::demo`, `incubator::demo`), each idempotent on its own, so a
//! demo seeded before a part existed gains it.

use crate::db::DbConnection;
use crate::mail::Outbox;

pub use crate::auth::domain::DEMO_PASSWORD;

/// Seeds the demo. `outbox`: when given, the demo's accounts get their welcome e-mails; the
/// command line passes none (demo addresses do not exist).
pub fn seed_demo(
    conn: &mut DbConnection,
    settings: &crate::config::Settings,
    outbox: Option<&Outbox>,
) -> anyhow::Result<()> {
    crate::labs::demo::seed_demo(conn)?;
    // The campaign seeding is not idempotent itself: its first company contact marks it done.
    if !crate::auth::models::email_exists(conn, "contact01@entreprise01.example.fr")? {
        crate::missions::demo::seed_demo(conn)?;
    }
    crate::missions::demo::seed_call_for_problems(conn)?;
    crate::incubator::demo::seed_demo(conn, outbox)?;
    // After the incubator's: its staff account signs for the school, its tutors follow missions.
    crate::missions::demo::seed_past_campaign(conn, settings)
}
