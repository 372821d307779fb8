//! The exact solvers: primal-dual min-cost flow on the sparse graph of ranked pairs.
//!
//! The network is source → team → problem → sink; a team takes one unit, a problem as many as
//! it has places. Successive shortest paths from the zero flow give, at every flow value, a
//! flow of least cost among flows of that value; running until no augmenting path remains
//! therefore gives the least cost among *maximum* matchings, which is "place as many teams as
//! possible, then optimise" for any cost. Each phase runs one Dijkstra on reduced costs, then
//! augments along every shortest path at once (Hopcroft–Karp rounds on the zero-reduced-cost
//! arcs), so a phase is one pass over the graph rather than one pass per team.
//!
//! This serves `rank_sum` and `fair` (costs are ranks, `i64`). The lexicographic objectives
//! live in `staged`, which solves them as a sequence of such problems with costs in {-1, 0, 1}.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ops::Range;

use super::domain::Objective;

pub(crate) const NONE: u32 = u32::MAX;
const INF: u32 = u32::MAX;

/// The part of an instance left to the solver: teams without a pin, their allowed choices,
/// and the places pins leave. Edges of a team are in preference order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Graph {
    /// `start[u]..start[u + 1]` are team `u`'s edges.
    pub start: Vec<u32>,
    pub problem: Vec<u32>,
    /// 1-based rank of the edge in the team's preferences.
    pub rank: Vec<u32>,
    /// Places per problem left to free teams.
    pub cap: Vec<u32>,
}

impl Graph {
    pub fn n_teams(&self) -> usize {
        self.start.len().saturating_sub(1)
    }

    pub fn n_problems(&self) -> usize {
        self.cap.len()
    }

    pub fn edges(&self, u: usize) -> Range<usize> {
        self.start[u] as usize..self.start[u + 1] as usize
    }

    pub fn max_rank(&self) -> u32 {
        self.rank.iter().copied().max().unwrap_or(0)
    }
}

/// A b-matching of the graph. Each problem's holders sit in a contiguous block of slots.
#[derive(Debug, Clone)]
pub(crate) struct Matching {
    /// Per team: the edge it is placed by, or `NONE`.
    pub mate: Vec<u32>,
    /// Per team: its index in `holders`, or `NONE`.
    slot: Vec<u32>,
    /// Per problem: the number of holders.
    load: Vec<u32>,
    /// Per problem (+1): where its slots start. A problem gets `min(places, in-degree)` slots.
    slot_start: Vec<u32>,
    holders: Vec<u32>,
    pub size: usize,
}

impl Matching {
    pub fn new(g: &Graph) -> Matching {
        let np = g.n_problems();
        let mut indegree = vec![0u32; np];
        for &p in &g.problem {
            indegree[p as usize] += 1;
        }
        let mut slot_start = Vec::with_capacity(np + 1);
        let mut total = 0u32;
        slot_start.push(0);
        for (&cap, &degree) in g.cap.iter().zip(&indegree) {
            total += cap.min(degree);
            slot_start.push(total);
        }
        Matching {
            mate: vec![NONE; g.n_teams()],
            slot: vec![NONE; g.n_teams()],
            load: vec![0; np],
            slot_start,
            holders: vec![NONE; total as usize],
            size: 0,
        }
    }

    /// The matching in which team `u` is placed by edge `mate[u]` (`NONE`: unplaced).
    pub fn from_mates(g: &Graph, mate: &[u32]) -> Matching {
        let mut m = Matching::new(g);
        for (u, &e) in mate.iter().enumerate() {
            if e != NONE {
                let p = g.problem[e as usize] as usize;
                let slot = m.slot_start[p] + m.load[p];
                m.holders[slot as usize] = u as u32;
                m.slot[u] = slot;
                m.load[p] += 1;
                m.mate[u] = e;
                m.size += 1;
            }
        }
        m
    }

    pub fn holders(&self, p: usize) -> &[u32] {
        let s = self.slot_start[p] as usize;
        &self.holders[s..s + self.load[p] as usize]
    }

    pub fn spare(&self, p: usize) -> bool {
        self.load[p] < self.slot_start[p + 1] - self.slot_start[p]
    }

    /// Applies an augmenting path: `path[i].0` moves onto `path[i].1`, whose problem is held
    /// by `path[i + 1].0`; the last edge reaches a problem with a spare place; `path[0].0` is
    /// unplaced.
    fn augment(&mut self, g: &Graph, path: &[(u32, u32)]) {
        let Some(&(_, last_edge)) = path.last() else {
            return;
        };
        let p = g.problem[last_edge as usize] as usize;
        debug_assert!(self.spare(p));
        let mut free_slot = self.slot_start[p] + self.load[p];
        self.load[p] += 1;
        for &(u, e) in path.iter().rev() {
            let u = u as usize;
            let old = self.slot[u];
            self.holders[free_slot as usize] = u as u32;
            self.slot[u] = free_slot;
            self.mate[u] = e;
            free_slot = old;
        }
        debug_assert_eq!(free_slot, NONE);
        self.size += 1;
    }
}

/// Which arcs of the residual graph a round of augmentations may use.
trait Admissible {
    /// Unplaced team `u` may start a path.
    fn root(&self, _u: usize) -> bool {
        true
    }
    /// Team `u` may move onto its edge `e` (not its current one).
    fn edge(&self, u: usize, e: usize) -> bool;
    /// Team `w`, placed by edge `e`, may leave it.
    fn leave(&self, w: usize, e: usize) -> bool;
    /// A path may end at problem `p`, which has a spare place.
    fn end(&self, p: usize) -> bool;
}

#[derive(Clone, Copy)]
struct Frame {
    team: u32,
    /// The edge being explored, or `NONE` when choosing the next one.
    edge: u32,
    /// The next holder of that edge's problem to try.
    holder: u32,
}

/// Scratch space reused by every round, so rounds allocate nothing.
struct Rounds {
    layer: Vec<u32>,
    next_edge: Vec<u32>,
    queue: Vec<u32>,
    problem_seen: Vec<u32>,
    problem_dead: Vec<(u32, u32)>,
    stamp: u32,
    stack: Vec<Frame>,
    path: Vec<(u32, u32)>,
}

impl Rounds {
    fn new(g: &Graph) -> Rounds {
        Rounds {
            layer: vec![INF; g.n_teams()],
            next_edge: vec![0; g.n_teams()],
            queue: Vec::new(),
            problem_seen: vec![0; g.n_problems()],
            problem_dead: vec![(0, 0); g.n_problems()],
            stamp: 0,
            stack: Vec::new(),
            path: Vec::new(),
        }
    }

    /// Augments along admissible paths until none is left (Hopcroft–Karp rounds: layer the
    /// admissible graph from the unplaced teams, then find vertex-disjoint shortest paths).
    fn saturate(&mut self, g: &Graph, m: &mut Matching, adm: &impl Admissible) -> usize {
        let mut augmented = 0;
        loop {
            let found = self.layers(g, m, adm);
            if found == INF {
                return augmented;
            }
            augmented += self.paths(g, m, adm);
        }
    }

    /// Breadth-first layering; returns the layer of the shallowest team that reaches an end.
    fn layers(&mut self, g: &Graph, m: &Matching, adm: &impl Admissible) -> u32 {
        self.stamp += 1;
        self.layer.fill(INF);
        self.queue.clear();
        for u in 0..g.n_teams() {
            if m.mate[u] == NONE && g.start[u] < g.start[u + 1] && adm.root(u) {
                self.layer[u] = 0;
                self.queue.push(u as u32);
            }
        }
        let mut found = INF;
        let mut head = 0;
        while head < self.queue.len() {
            let u = self.queue[head] as usize;
            head += 1;
            if self.layer[u] > found {
                break;
            }
            for e in g.edges(u) {
                if e as u32 == m.mate[u] || !adm.edge(u, e) {
                    continue;
                }
                let p = g.problem[e] as usize;
                if m.spare(p) && adm.end(p) {
                    found = found.min(self.layer[u]);
                    continue;
                }
                if self.problem_seen[p] == self.stamp {
                    continue;
                }
                self.problem_seen[p] = self.stamp;
                for &w in m.holders(p) {
                    let w = w as usize;
                    if self.layer[w] == INF && adm.leave(w, m.mate[w] as usize) {
                        self.layer[w] = self.layer[u] + 1;
                        self.queue.push(w as u32);
                    }
                }
            }
        }
        if found != INF {
            for &u in &self.queue {
                self.next_edge[u as usize] = g.start[u as usize];
            }
        }
        found
    }

    /// Depth-first search for paths along increasing layers from every unplaced team.
    fn paths(&mut self, g: &Graph, m: &mut Matching, adm: &impl Admissible) -> usize {
        let mut augmented = 0;
        let roots = self
            .queue
            .iter()
            .take_while(|&&u| self.layer[u as usize] == 0)
            .count();
        for r in 0..roots {
            let root = self.queue[r];
            if self.layer[root as usize] != 0 || m.mate[root as usize] != NONE {
                continue;
            }
            self.stack.clear();
            self.stack.push(Frame {
                team: root,
                edge: NONE,
                holder: 0,
            });
            while let Some(frame) = self.stack.last_mut() {
                let u = frame.team as usize;
                let depth = self.layer[u];
                if frame.edge != NONE {
                    let p = g.problem[frame.edge as usize] as usize;
                    let holders = m.holders(p);
                    let mut child = NONE;
                    while (frame.holder as usize) < holders.len() {
                        let w = holders[frame.holder as usize] as usize;
                        frame.holder += 1;
                        if self.layer[w] == depth + 1 && adm.leave(w, m.mate[w] as usize) {
                            child = w as u32;
                            break;
                        }
                    }
                    if child != NONE {
                        self.stack.push(Frame {
                            team: child,
                            edge: NONE,
                            holder: 0,
                        });
                        continue;
                    }
                    self.problem_dead[p] = (self.stamp, depth);
                    frame.edge = NONE;
                }
                let end = g.start[u + 1];
                let mut reached_end = false;
                while self.next_edge[u] < end {
                    let e = self.next_edge[u] as usize;
                    self.next_edge[u] += 1;
                    if e as u32 == m.mate[u] || !adm.edge(u, e) {
                        continue;
                    }
                    let p = g.problem[e] as usize;
                    if m.spare(p) && adm.end(p) {
                        frame.edge = e as u32;
                        reached_end = true;
                        break;
                    }
                    if self.problem_dead[p] == (self.stamp, depth) {
                        continue;
                    }
                    frame.edge = e as u32;
                    frame.holder = 0;
                    break;
                }
                if reached_end {
                    self.path.clear();
                    self.path
                        .extend(self.stack.iter().map(|f| (f.team, f.edge)));
                    m.augment(g, &self.path);
                    for &(t, _) in &self.path {
                        self.layer[t as usize] = INF;
                    }
                    augmented += 1;
                    break;
                }
                if frame.edge == NONE {
                    self.layer[u] = INF;
                    self.stack.pop();
                }
            }
        }
        augmented
    }
}

/// Any maximum matching using edges of rank at most `max_rank`, grown from `m`.
fn grow_by_rank(g: &Graph, m: &mut Matching, rounds: &mut Rounds, max_rank: u32) {
    struct ByRank<'a> {
        g: &'a Graph,
        max_rank: u32,
    }
    impl Admissible for ByRank<'_> {
        fn edge(&self, _u: usize, e: usize) -> bool {
            self.g.rank[e] <= self.max_rank
        }
        fn leave(&self, _w: usize, _e: usize) -> bool {
            true
        }
        fn end(&self, _p: usize) -> bool {
            true
        }
    }
    rounds.saturate(g, m, &ByRank { g, max_rank });
}

/// Any maximum matching (Hopcroft–Karp).
pub(crate) fn maximum_matching(g: &Graph) -> Matching {
    let mut m = Matching::new(g);
    grow_by_rank(g, &mut m, &mut Rounds::new(g), u32::MAX);
    m
}

/// Whether some matching as large as `m` uses only ranks up to `max_rank` (grown from the part
/// of `m` that already does).
fn fits_below(g: &Graph, m: &Matching, max_rank: u32) -> bool {
    let kept: Vec<u32> = m
        .mate
        .iter()
        .map(|&e| {
            if e != NONE && g.rank[e as usize] <= max_rank {
                e
            } else {
                NONE
            }
        })
        .collect();
    let mut below = Matching::from_mates(g, &kept);
    grow_by_rank(g, &mut below, &mut Rounds::new(g), max_rank);
    below.size == m.size
}

/// The smallest rank `r` such that edges of rank at most `r` still give a maximum matching
/// (0 when the maximum matching is empty).
pub(crate) fn bottleneck_rank(g: &Graph) -> u32 {
    let mut m = Matching::new(g);
    let mut rounds = Rounds::new(g);
    let teams_with_choices = (0..g.n_teams()).filter(|&u| !g.edges(u).is_empty()).count();
    let upper = teams_with_choices.min(m.holders.len());
    let mut sizes = Vec::new();
    for r in 1..=g.max_rank() {
        grow_by_rank(g, &mut m, &mut rounds, r);
        sizes.push(m.size);
        if m.size == upper {
            break;
        }
    }
    let best = m.size;
    if best == 0 {
        return 0;
    }
    sizes
        .iter()
        .position(|&s| s == best)
        .map_or(0, |i| i as u32 + 1)
}

/// A priority queue for Dijkstra with non-negative integer keys popped in non-decreasing order:
/// buckets for small keys (reduced distances of rank costs are small), a heap for the rest.
#[derive(Default)]
pub(crate) struct MonotoneQueue {
    buckets: Vec<Vec<u32>>,
    cursor: usize,
    in_buckets: usize,
    far: BinaryHeap<Reverse<(i64, u32)>>,
}

impl MonotoneQueue {
    const BUCKETS: i64 = 1 << 12;

    pub fn clear(&mut self) {
        for bucket in &mut self.buckets {
            bucket.clear();
        }
        self.cursor = 0;
        self.in_buckets = 0;
        self.far.clear();
    }

    pub fn push(&mut self, key: i64, item: u32) {
        debug_assert!(key >= self.cursor as i64, "keys must not decrease");
        if key < Self::BUCKETS {
            let k = key as usize;
            if k >= self.buckets.len() {
                self.buckets.resize_with(k + 1, Vec::new);
            }
            self.buckets[k].push(item);
            self.in_buckets += 1;
        } else {
            self.far.push(Reverse((key, item)));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.in_buckets == 0 && self.far.is_empty()
    }

    pub fn pop(&mut self) -> Option<(i64, u32)> {
        if self.in_buckets == 0 {
            return self.far.pop().map(|Reverse(entry)| entry);
        }
        while self.buckets[self.cursor].is_empty() {
            self.cursor += 1;
        }
        self.in_buckets -= 1;
        self.buckets[self.cursor]
            .pop()
            .map(|item| (self.cursor as i64, item))
    }
}

/// Node potentials of the primal-dual method; the sink's potential is fixed at zero (see
/// [`MinCost::phase`]). Also which nodes are still alive: able to reach a spare place.
struct Potentials<'a> {
    g: &'a Graph,
    cost: &'a [i64],
    max_rank: u32,
    team: Vec<i64>,
    problem: Vec<i64>,
    alive_team: Vec<bool>,
    alive_problem: Vec<bool>,
}

impl Potentials<'_> {
    /// Reduced cost of moving team `u` onto edge `e`.
    fn forward(&self, u: usize, e: usize) -> i64 {
        let p = self.g.problem[e] as usize;
        self.cost[self.g.rank[e] as usize] + self.team[u] - self.problem[p]
    }

    /// Reduced cost of taking team `w` off its edge `e` (back to the problem's side).
    fn backward(&self, w: usize, e: usize) -> i64 {
        let p = self.g.problem[e] as usize;
        self.problem[p] - self.cost[self.g.rank[e] as usize] - self.team[w]
    }
}

impl Admissible for Potentials<'_> {
    fn root(&self, u: usize) -> bool {
        self.alive_team[u]
    }
    fn edge(&self, u: usize, e: usize) -> bool {
        let p = self.g.problem[e] as usize;
        self.g.rank[e] <= self.max_rank
            && self.alive_problem[p]
            && self.cost[self.g.rank[e] as usize] + self.team[u] == self.problem[p]
    }
    fn leave(&self, w: usize, e: usize) -> bool {
        let p = self.g.problem[e] as usize;
        self.alive_team[w] && self.problem[p] - self.cost[self.g.rank[e] as usize] == self.team[w]
    }
    fn end(&self, p: usize) -> bool {
        self.problem[p] == 0
    }
}

/// The primal-dual min-cost maximum b-matching.
struct MinCost<'a> {
    pot: Potentials<'a>,
    m: Matching,
    rounds: Rounds,
    dist_team: Vec<i64>,
    dist_problem: Vec<i64>,
    /// Per node: the phase in which it was last reached (`seen`) and settled (`done`).
    seen_team: Vec<u32>,
    seen_problem: Vec<u32>,
    done_team: Vec<u32>,
    done_problem: Vec<u32>,
    phase: u32,
    heap: MonotoneQueue,
    settled: Vec<u32>,
    /// Edges grouped by problem (`in_start[p]..in_start[p + 1]`), and each edge's team.
    in_start: Vec<u32>,
    in_edge: Vec<u32>,
    edge_team: Vec<u32>,
    queue: Vec<u32>,
}

impl<'a> MinCost<'a> {
    fn new(g: &'a Graph, cost: &'a [i64], max_rank: u32) -> Self {
        let nt = g.n_teams();
        let np = g.n_problems();
        let mut edge_team = vec![0u32; g.problem.len()];
        for u in 0..nt {
            for e in g.edges(u) {
                edge_team[e] = u as u32;
            }
        }
        let mut in_start = vec![0u32; np + 1];
        for &p in &g.problem {
            in_start[p as usize + 1] += 1;
        }
        for p in 0..np {
            in_start[p + 1] += in_start[p];
        }
        let mut fill = in_start.clone();
        let mut in_edge = vec![0u32; g.problem.len()];
        for (e, &p) in g.problem.iter().enumerate() {
            in_edge[fill[p as usize] as usize] = e as u32;
            fill[p as usize] += 1;
        }
        MinCost {
            pot: Potentials {
                g,
                cost,
                max_rank,
                team: vec![0; nt],
                problem: vec![0; np],
                alive_team: vec![false; nt],
                alive_problem: vec![false; np],
            },
            m: Matching::new(g),
            rounds: Rounds::new(g),
            dist_team: vec![0; nt],
            dist_problem: vec![0; np],
            seen_team: vec![0; nt],
            seen_problem: vec![0; np],
            done_team: vec![0; nt],
            done_problem: vec![0; np],
            phase: 0,
            heap: MonotoneQueue::default(),
            settled: Vec::new(),
            in_start,
            in_edge,
            edge_team,
            queue: Vec::new(),
        }
    }

    /// Marks the nodes that can still reach a spare place along residual arcs (the source
    /// excluded). A node that cannot never will again: augmenting along a path adds only
    /// arcs between nodes that reach the sink, so nothing new leads from the dead to the
    /// living. Dead nodes are skipped for good, so their potentials may go stale harmlessly.
    fn liveness(&mut self) -> bool {
        let g = self.pot.g;
        let m = &self.m;
        let pot = &mut self.pot;
        pot.alive_team.fill(false);
        pot.alive_problem.fill(false);
        self.queue.clear();
        for p in 0..g.n_problems() {
            if m.spare(p) {
                pot.alive_problem[p] = true;
                self.queue.push(p as u32);
            }
        }
        while let Some(p) = self.queue.pop() {
            let p = p as usize;
            for &e in &self.in_edge[self.in_start[p] as usize..self.in_start[p + 1] as usize] {
                let u = self.edge_team[e as usize] as usize;
                if pot.alive_team[u] || m.mate[u] == e || g.rank[e as usize] > pot.max_rank {
                    continue;
                }
                pot.alive_team[u] = true;
                if m.mate[u] != NONE {
                    let q = g.problem[m.mate[u] as usize] as usize;
                    if !pot.alive_problem[q] {
                        pot.alive_problem[q] = true;
                        self.queue.push(q as u32);
                    }
                }
            }
        }
        (0..g.n_teams()).any(|u| m.mate[u] == NONE && pot.alive_team[u])
    }

    fn run(mut self) -> Matching {
        while self.phase() {
            self.rounds.saturate(self.pot.g, &mut self.m, &self.pot);
        }
        self.m
    }

    /// One Dijkstra from every unplaced team on reduced costs, stopped at the sink; then the
    /// potential update that makes every shortest augmenting path's arcs zero-cost. Returns
    /// false when no augmenting path is left.
    ///
    /// The textbook update adds `min(d(v), D)` to every node's potential, `D` the sink's
    /// distance. Adding the constant `-D` to all of them changes no reduced cost, so only the
    /// nodes settled below `D` change (by `d(v) - D`), and the sink's potential stays zero.
    fn phase(&mut self) -> bool {
        let g = self.pot.g;
        let nt = g.n_teams() as u32;
        let sink = nt + g.n_problems() as u32;
        self.phase += 1;
        let phase = self.phase;
        self.heap.clear();
        self.settled.clear();
        if !self.liveness() {
            return false;
        }
        for u in 0..g.n_teams() {
            if self.m.mate[u] == NONE && self.pot.alive_team[u] {
                self.dist_team[u] = 0;
                self.seen_team[u] = phase;
                self.heap.push(0, u as u32);
            }
        }
        let mut sink_best: Option<i64> = None;
        let mut limit: Option<i64> = None;
        while let Some((d, x)) = self.heap.pop() {
            if x == sink {
                limit = Some(d);
                break;
            }
            if x < nt {
                let u = x as usize;
                if self.done_team[u] == phase {
                    continue;
                }
                self.done_team[u] = phase;
                self.settled.push(x);
                for e in g.edges(u) {
                    if e as u32 == self.m.mate[u] || g.rank[e] > self.pot.max_rank {
                        continue;
                    }
                    let p = g.problem[e] as usize;
                    if self.done_problem[p] == phase || !self.pot.alive_problem[p] {
                        continue;
                    }
                    let reduced = self.pot.forward(u, e);
                    debug_assert!(reduced >= 0, "negative reduced cost");
                    let nd = d + reduced;
                    if self.seen_problem[p] != phase || nd < self.dist_problem[p] {
                        self.seen_problem[p] = phase;
                        self.dist_problem[p] = nd;
                        self.heap.push(nd, nt + p as u32);
                    }
                }
            } else {
                let p = (x - nt) as usize;
                if self.done_problem[p] == phase {
                    continue;
                }
                self.done_problem[p] = phase;
                self.settled.push(x);
                if self.m.spare(p) {
                    debug_assert!(self.pot.problem[p] >= 0, "negative reduced cost");
                    let nd = d + self.pot.problem[p];
                    if sink_best.as_ref().is_none_or(|s| nd < *s) {
                        sink_best = Some(nd);
                        self.heap.push(nd, sink);
                    }
                }
                for &w in self.m.holders(p) {
                    let w = w as usize;
                    if self.done_team[w] == phase || !self.pot.alive_team[w] {
                        continue;
                    }
                    let reduced = self.pot.backward(w, self.m.mate[w] as usize);
                    debug_assert!(reduced >= 0, "negative reduced cost");
                    let nd = d + reduced;
                    if self.seen_team[w] != phase || nd < self.dist_team[w] {
                        self.seen_team[w] = phase;
                        self.dist_team[w] = nd;
                        self.heap.push(nd, w as u32);
                    }
                }
            }
        }
        let Some(limit) = limit else {
            return false;
        };
        for &x in &self.settled {
            if x < nt {
                let u = x as usize;
                if self.dist_team[u] < limit {
                    let delta = self.dist_team[u] - limit;
                    self.pot.team[u] += delta;
                }
            } else {
                let p = (x - nt) as usize;
                if self.dist_problem[p] < limit {
                    let delta = self.dist_problem[p] - limit;
                    self.pot.problem[p] += delta;
                }
            }
        }
        true
    }
}

/// Least total cost (per rank, `cost[rank]`) among maximum matchings using ranks ≤ `max_rank`.
pub(crate) fn min_cost(g: &Graph, cost: &[i64], max_rank: u32) -> Matching {
    MinCost::new(g, cost, max_rank).run()
}

/// The optimal matching of the free part for `objective`. `pinned_worst` is the worst rank
/// among pinned teams (0 if none), which `fair` may use for free without raising the worst.
pub(crate) fn solve(g: &Graph, objective: Objective, pinned_worst: u32) -> Matching {
    let rank_cost: Vec<i64> = (0..=g.max_rank()).map(i64::from).collect();
    match objective {
        Objective::RankSum => min_cost(g, &rank_cost, u32::MAX),
        Objective::Fair => {
            // The least-total maximum matching has some worst rank w; no maximum matching has a
            // smaller one unless one fits below w. When none does (the usual case), that
            // matching is also the fair one; so is it when pins already reach rank w.
            let least_total = min_cost(g, &rank_cost, u32::MAX);
            let worst = least_total
                .mate
                .iter()
                .filter(|&&e| e != NONE)
                .map(|&e| g.rank[e as usize])
                .max()
                .unwrap_or(0);
            if worst <= pinned_worst.max(1) || !fits_below(g, &least_total, worst - 1) {
                return least_total;
            }
            let threshold = bottleneck_rank(g).max(pinned_worst);
            min_cost(g, &rank_cost, threshold)
        }
        Objective::RankMaximal => super::staged::rank_maximal(g),
        Objective::Generous => super::staged::generous(g),
    }
}
