//! The demo's agreements (`fieldlab seed-demo`): a past campaign's field-mission agreements in
//! every state (signed, sent and partly signed, draft, cancelled), with their frozen PDFs.

use crate::agreements::domain::{Party, Status};
use crate::agreements::flows;
use crate::agreements::models::{self, Filter};
use crate::config::Settings;
use crate::db::{self, WriteTx};
use crate::error::ApiError;

/// Moves the campaign's draft agreements through their lifecycle, one state per few.
pub fn advance(
    tx: &mut WriteTx<'_>,
    settings: &Settings,
    campaign_id: &str,
) -> Result<(), ApiError> {
    let filter = Filter {
        campaign_id: Some(campaign_id.to_owned()),
        status: Some(Status::Draft.as_str().to_owned()),
        ..Filter::default()
    };
    let rows = models::list(tx, &filter, &crate::paging::PageRequest::EVERY)?;
    let drafts = models::details(tx, rows)?;
    let school = flows::school_signatory(tx, settings)?;
    let edited = crate::agreements::templates::Edited::load(tx)?;
    for (i, details) in drafts.iter().enumerate() {
        match i % 6 {
            // Two in six stay as they are (one draft, one cancelled).
            4 => continue,
            5 => {
                flows::mark_cancelled(
                    tx,
                    &details.agreement.id,
                    Some("Mission déplacée".to_owned()),
                )?;
                continue;
            }
            _ => {}
        }
        let prepared = flows::prepare(details, settings, school.as_ref(), &edited)?;
        let sha = prepared.sha256().to_owned();
        let mut agreement = flows::freeze(tx, prepared, false)?;
        // The first three in six are signed by everyone, the fourth by its student only.
        let parties: &[Party] = if i % 6 < 3 {
            &[Party::School, Party::Company, Party::Student]
        } else {
            &[Party::Student]
        };
        for party in parties {
            models::sign(
                tx,
                &agreement.id,
                agreement.version,
                party.as_str(),
                &models::Stamp {
                    at: crate::db::now(),
                    ip: Some("127.0.0.1"),
                    user_agent: Some("fieldlab seed-demo"),
                    sha256: &sha,
                    by: None,
                },
            )?;
        }
        if parties.len() == 3 {
            let at = db::now();
            agreement.status = Status::Signed.as_str().to_owned();
            agreement.signed_at = Some(at);
            agreement.updated_at = at;
            models::update(tx, &agreement)?;
        }
    }
    Ok(())
}
