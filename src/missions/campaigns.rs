//! A campaign's own steps: its creation and the opening of team signup. Knows nothing of HTTP.

use crate::db::{DbConnection, WriteTx};
use crate::error::ApiError;
use crate::missions::domain::{CampaignAction, NewCampaign};
use crate::missions::models::{self, Campaign};

/// Create a campaign (staff), in `problems_open`.
pub fn create(conn: &mut DbConnection, new: &NewCampaign) -> Result<Campaign, ApiError> {
    Ok(models::insert_campaign(conn, new)?)
}

/// Open team signup: `problems_open` → `signup_open` (staff).
pub fn open_signup(tx: &mut WriteTx<'_>, id: &str) -> Result<Campaign, ApiError> {
    let mut campaign = models::lock_campaign(tx, id)?;
    let next = CampaignAction::OpenSignup.apply(campaign.status())?;
    models::set_campaign_status(tx, id, next)?;
    campaign.status = next.as_str().to_owned();
    Ok(campaign)
}
