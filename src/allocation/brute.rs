//! Test oracles, independent of the solver: exhaustive enumeration for tiny instances, and a
//! Bellman–Ford min-cost flow with `i128` weights for medium ones.

use super::domain::{Allocation, Compiled, Instance, Objective};

/// How good an allocation is for an objective: smaller is better, compared lexicographically.
/// Every key starts with minus the number of placed teams.
pub(crate) fn key(objective: Objective, profile: &[usize]) -> Vec<i64> {
    let assigned: usize = profile.iter().sum();
    let total: usize = profile.iter().enumerate().map(|(k, c)| (k + 1) * c).sum();
    let worst = profile.iter().rposition(|&c| c > 0).map_or(0, |k| k + 1);
    let mut key = vec![-(assigned as i64)];
    match objective {
        Objective::Fair => key.extend([worst as i64, total as i64]),
        Objective::RankSum => key.push(total as i64),
        Objective::RankMaximal => key.extend(profile.iter().map(|&c| -(c as i64))),
        Objective::Generous => key.extend(profile.iter().rev().map(|&c| c as i64)),
    }
    key
}

pub(crate) fn allocation_key(a: &Allocation) -> Vec<i64> {
    key(a.objective, &a.rank_profile)
}

/// The best key of each objective (in `Objective::ALL` order) over every feasible allocation,
/// or `None` when the pins cannot all hold.
pub(crate) fn best_keys(instance: &Instance) -> Option<[Vec<i64>; 4]> {
    let c = Compiled::new(instance).ok()?;
    let mut load = vec![0u32; c.n_problems()];
    let mut profile = vec![0usize; c.max_prefs];
    let mut best: [Option<Vec<i64>>; 4] = Default::default();
    enumerate(&c, 0, &mut load, &mut profile, &mut best);
    let [a, b, d, e] = best;
    Some([a?, b?, d?, e?])
}

fn enumerate(
    c: &Compiled,
    t: usize,
    load: &mut [u32],
    profile: &mut [usize],
    best: &mut [Option<Vec<i64>>; 4],
) {
    if t == c.n_teams() {
        for (slot, objective) in best.iter_mut().zip(Objective::ALL) {
            let k = key(objective, profile);
            if slot.as_ref().is_none_or(|b| k < *b) {
                *slot = Some(k);
            }
        }
        return;
    }
    let range = c.prefs(t);
    let choices: Vec<usize> = match c.pin[t] {
        Some(k) => vec![k],
        None => range.clone().filter(|&k| !c.pref_forbidden[k]).collect(),
    };
    for k in choices {
        let p = c.pref_problem[k] as usize;
        if load[p] < c.capacity[p] {
            load[p] += 1;
            profile[k - range.start] += 1;
            enumerate(c, t + 1, load, profile, best);
            profile[k - range.start] -= 1;
            load[p] -= 1;
        }
    }
    if c.pin[t].is_none() {
        enumerate(c, t + 1, load, profile, best);
    }
}

/// The rank profile of a least-cost maximum matching, `cost[rank]` per placed team, found by
/// successive shortest paths with Bellman–Ford (no potentials, no shortcuts). Pins count in
/// the profile; only ranks up to `max_rank` are used for free teams.
pub(crate) fn reference_profile(instance: &Instance, cost: &[i128], max_rank: usize) -> Vec<usize> {
    let Ok(c) = Compiled::new(instance) else {
        return Vec::new();
    };
    let nt = c.n_teams();
    let np = c.n_problems();
    let (s, sink) = (nt + np, nt + np + 1);
    // Arcs in pairs: 2i forward, 2i + 1 its reverse.
    let mut to = Vec::new();
    let mut residual: Vec<i64> = Vec::new();
    let mut weight: Vec<i128> = Vec::new();
    let mut rank_of_arc = Vec::new();
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); nt + np + 2];
    let mut add = |from: usize, dest: usize, cap: i64, w: i128, rank: usize| {
        out[from].push(to.len());
        to.push(dest);
        residual.push(cap);
        weight.push(w);
        rank_of_arc.push(rank);
        out[dest].push(to.len());
        to.push(from);
        residual.push(0);
        weight.push(-w);
        rank_of_arc.push(rank);
    };
    let mut profile = vec![0usize; c.max_prefs];
    let mut cap: Vec<i64> = c.capacity.iter().map(|&x| i64::from(x)).collect();
    for t in 0..nt {
        let range = c.prefs(t);
        if let Some(k) = c.pin[t] {
            profile[k - range.start] += 1;
            cap[c.pref_problem[k] as usize] -= 1;
            continue;
        }
        add(s, t, 1, 0, 0);
        for k in range.clone() {
            let rank = k - range.start + 1;
            if !c.pref_forbidden[k] && rank <= max_rank {
                add(t, nt + c.pref_problem[k] as usize, 1, cost[rank], rank);
            }
        }
    }
    for (p, &room) in cap.iter().enumerate() {
        add(nt + p, sink, room, 0, 0);
    }
    let n = nt + np + 2;
    loop {
        let mut dist: Vec<Option<i128>> = vec![None; n];
        let mut via = vec![usize::MAX; n];
        dist[s] = Some(0);
        for _ in 0..n {
            let mut changed = false;
            for x in 0..n {
                let Some(dx) = dist[x] else { continue };
                for &a in &out[x] {
                    if residual[a] > 0 {
                        let nd = dx + weight[a];
                        if dist[to[a]].is_none_or(|d| nd < d) {
                            dist[to[a]] = Some(nd);
                            via[to[a]] = a;
                            changed = true;
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
        if dist[sink].is_none() {
            break;
        }
        let mut x = sink;
        while x != s {
            let a = via[x];
            residual[a] -= 1;
            residual[a ^ 1] += 1;
            x = to[a ^ 1];
        }
    }
    for arcs in &out[..nt] {
        for &a in arcs {
            if a % 2 == 0 && to[a] >= nt && to[a] < nt + np && residual[a] == 0 {
                profile[rank_of_arc[a] - 1] += 1;
            }
        }
    }
    profile
}

/// The optimal key of `objective` by [`reference_profile`] with exponential weights.
pub(crate) fn reference_key(instance: &Instance, objective: Objective) -> Vec<i64> {
    let max_prefs = instance
        .teams
        .iter()
        .map(|t| t.prefs.len())
        .max()
        .unwrap_or(0);
    let base = instance.teams.len() as i128 + 1;
    let power = |e: usize| base.pow(e as u32);
    let unbounded = usize::MAX;
    let costs = |f: &dyn Fn(usize) -> i128| (0..=max_prefs).map(f).collect::<Vec<i128>>();
    let profile = match objective {
        Objective::RankSum => reference_profile(instance, &costs(&|r| r as i128), unbounded),
        Objective::RankMaximal => reference_profile(
            instance,
            &costs(&|r| power(max_prefs) - power(max_prefs - r.min(max_prefs))),
            unbounded,
        ),
        Objective::Generous => {
            reference_profile(instance, &costs(&|r| power(r.max(1) - 1)), unbounded)
        }
        Objective::Fair => {
            // The least worst rank is the generous allocation's; then the least total below it.
            let generous = reference_profile(instance, &costs(&|r| power(r.max(1) - 1)), unbounded);
            let worst = generous.iter().rposition(|&c| c > 0).map_or(0, |k| k + 1);
            reference_profile(instance, &costs(&|r| r as i128), worst)
        }
    };
    key(objective, &profile)
}
