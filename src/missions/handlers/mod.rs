//! Field-mission endpoints: parse the request, call the use case (`review`, `teams`,
//! `publication`, `tutoring`), answer the view. One file per part of a campaign's life.

mod allocation;
mod campaigns;
mod evaluations;
mod missions;
mod problems;
mod teams;

pub use allocation::*;
pub use campaigns::*;
pub use evaluations::*;
pub use missions::*;
pub use problems::*;
pub use teams::*;
