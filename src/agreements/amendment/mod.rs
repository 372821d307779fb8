//! Amendments (avenants) of signed agreements: what changes and why, or an early termination;
//! validated like the agreement, rendered as their own PDF referring to it, signed by the same
//! parties, then applied to the agreement's record (its signed PDF kept as signed).

pub mod document;
pub mod domain;
pub mod flows;
pub mod handlers;
pub mod models;
pub mod views;
