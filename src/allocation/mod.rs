//! The allocation engine: exact, deterministic placement of teams on the problems they ranked
//! (pure code, no I/O). See `solve` and, for the command line's JSON format, `offline`.

mod domain;
pub mod offline;
mod outcome;
mod solver;
mod staged;

#[cfg(test)]
mod brute;
#[cfg(test)]
mod tests;

pub use domain::{
    Allocation, AllocationError, Assignment, ChoiceOutcome, ChoiceStatus, Instance, Objective,
    PinConflict, ProblemSpec, TeamPrefs, UnknownObjective, UnplacedReason, UnplacedWhy,
};

/// Places as many teams as possible, each on a problem it ranked and did not have forbidden,
/// with every pin honoured, then optimises `objective` exactly.
///
/// The result depends only on the instance: the same input gives the same allocation, ties
/// included. Ids are opaque strings; ranks are 1-based.
pub fn solve(instance: &Instance, objective: Objective) -> Result<Allocation, AllocationError> {
    let compiled = domain::Compiled::new(instance)?;
    let free = outcome::FreePart::new(&compiled);
    let matching = solver::solve(&free.graph, objective, free.pinned_worst);
    Ok(outcome::allocation(
        instance, &compiled, &free, &matching, objective,
    ))
}
