//! Lexicographic objectives (`rank_maximal`, `generous`) as a sequence of small exact stages.
//!
//! A lexicographic cost could be one min-cost flow with vector (or huge) weights, but its
//! shortest augmenting paths then almost all differ in cost, so each needs its own Dijkstra.
//! Instead each criterion is optimised in turn with costs in {-1, 0, 1}, and then *frozen*:
//! with the stage's optimal node potentials π, the flows that are optimal for the stage are
//! exactly those that keep every arc of non-zero reduced cost at its current flow
//! (complementary slackness). Freezing those arcs restricts later stages to the optimal face,
//! so after the last stage the flow is optimal for the whole lexicographic order. Among the
//! arcs left, an optimal flow differs from the current one only by circulations of zero
//! reduced cost, which stay inside strongly connected components of the residual arcs: the
//! arcs between components are frozen too. Frozen arcs are dropped from the adjacency, so
//! each stage searches only what can still move, and the network shrinks quickly.
//!
//! Every stage is a min-cost circulation on the unfrozen arcs, started from the current flow:
//! arcs of negative cost are saturated, which leaves excesses and deficits with all residual
//! costs non-negative, and the primal-dual method routes the excesses back along shortest
//! paths. Stage 0 maximises the number of placed teams: a return arc from sink to source costs
//! -1 per unit, and its optimal potentials come straight from a maximum matching's minimum cut,
//! so the later stages keep that number.

use super::solver::{maximum_matching, Graph, Matching, MonotoneQueue, NONE};

/// One direction of an arc pair. Pair 0 is the return arc sink → source; pair `1 + u` is
/// source → team `u`; pair `1 + nt + e` is graph edge `e`; then problem → sink.
#[derive(Debug, Clone, Copy)]
struct Arc {
    head: u32,
    /// Index of the reverse arc in `Network::arcs`.
    rev: u32,
    /// `2 * pair` for the forward direction, `2 * pair + 1` for the reverse one.
    id: u32,
    /// Rank of the graph edge the pair stands for, 0 for the other pairs.
    rank: u32,
    /// Residual capacity (the two directions of a pair add up to its capacity, a `u32`).
    residual: u32,
    /// The current stage's cost, in {-1, 0, 1}, or `FROZEN` once the pair is to be dropped.
    cost: i32,
}

/// Marks both arcs of a frozen pair until the adjacency drops them.
const FROZEN: i32 = i32::MIN;

impl Arc {
    fn is_forward(&self) -> bool {
        self.id.is_multiple_of(2)
    }

    fn pair(&self) -> usize {
        (self.id / 2) as usize
    }

    /// This direction's cost for per-rank `costs` (of the forward direction).
    fn cost_for(&self, costs: &[i32]) -> i32 {
        let c = costs[self.rank as usize];
        if self.is_forward() {
            c
        } else {
            -c
        }
    }
}

/// Source → team → problem → sink, plus a return arc sink → source, with residual
/// capacities. Only unfrozen pairs are kept in the adjacency: a frozen pair's flow never
/// changes again, so it is recorded in `flow` and the pair dropped (arcs of a node are
/// contiguous, so searches read them in order).
struct Network {
    /// `start[v]..start[v + 1]` are node `v`'s arcs in `arcs`.
    start: Vec<u32>,
    arcs: Vec<Arc>,
    /// Per pair: its flow (final once the pair is frozen).
    flow: Vec<u32>,
    excess: Vec<i64>,
    pot: Vec<i64>,
    /// Scratch for the searches, reused by every stage.
    dist: Vec<i64>,
    seen: Vec<u32>,
    done: Vec<u32>,
    next_arc: Vec<u32>,
    stamp: u32,
    settled: Vec<u32>,
    heap: MonotoneQueue,
    queue: Vec<u32>,
    stack: Vec<u32>,
    remap: Vec<u32>,
    order: Vec<u32>,
    low: Vec<u32>,
    comp: Vec<u32>,
}

impl Network {
    /// The network carrying matching `m` (maximum), with stage 0 solved and frozen: as many
    /// teams as possible (as if the return arc paid -1 per unit).
    ///
    /// With the return arc paying -1, optimal potentials are 0 on the source's side of the
    /// minimum cut (what the source reaches in the residual network) and 1 on the sink's, so
    /// the arcs across the cut are the ones with non-zero reduced cost.
    fn new(g: &Graph, m: &Matching) -> Network {
        let (nt, np) = (g.n_teams(), g.n_problems());
        let (source, sink) = (nt + np, nt + np + 1);
        let nodes = nt + np + 2;
        // (tail, head, rank, capacity, flow) per pair.
        let mut pairs: Vec<(u32, u32, u32, u32, u32)> =
            Vec::with_capacity(1 + nt + g.problem.len() + np);
        let placed = m.size as u32;
        pairs.push((sink as u32, source as u32, 0, nt as u32, placed));
        for u in 0..nt {
            pairs.push((source as u32, u as u32, 0, 1, u32::from(m.mate[u] != NONE)));
        }
        for u in 0..nt {
            for e in g.edges(u) {
                let p = nt + g.problem[e] as usize;
                let used = u32::from(m.mate[u] == e as u32);
                pairs.push((u as u32, p as u32, g.rank[e], 1, used));
            }
        }
        for p in 0..np {
            let load = m.holders(p).len() as u32;
            pairs.push(((nt + p) as u32, sink as u32, 0, g.cap[p], load));
        }
        let mut start = vec![0u32; nodes + 1];
        for &(t, h, ..) in &pairs {
            start[t as usize + 1] += 1;
            start[h as usize + 1] += 1;
        }
        for v in 0..nodes {
            start[v + 1] += start[v];
        }
        let mut fill = start.clone();
        let blank = Arc {
            head: 0,
            rev: 0,
            id: 0,
            rank: 0,
            residual: 0,
            cost: 0,
        };
        let mut arcs = vec![blank; 2 * pairs.len()];
        for (pair, &(t, h, rank, cap, flow)) in pairs.iter().enumerate() {
            let f = fill[t as usize];
            fill[t as usize] += 1;
            let b = fill[h as usize];
            fill[h as usize] += 1;
            arcs[f as usize] = Arc {
                head: h,
                rev: b,
                id: 2 * pair as u32,
                rank,
                residual: cap - flow,
                cost: 0,
            };
            arcs[b as usize] = Arc {
                head: t,
                rev: f,
                id: 2 * pair as u32 + 1,
                rank,
                residual: flow,
                cost: 0,
            };
        }
        let mut net = Network {
            start,
            arcs,
            flow: vec![0; pairs.len()],
            excess: vec![0; nodes],
            pot: vec![1; nodes],
            dist: vec![0; nodes],
            seen: vec![0; nodes],
            done: vec![0; nodes],
            next_arc: vec![0; nodes],
            stamp: 0,
            settled: Vec::new(),
            heap: MonotoneQueue::default(),
            queue: Vec::new(),
            stack: Vec::new(),
            remap: Vec::new(),
            order: vec![NONE; nodes],
            low: vec![0; nodes],
            comp: vec![NONE; nodes],
        };
        // The source's side, without the return arc.
        net.pot[source] = 0;
        net.stack.push(source as u32);
        while let Some(x) = net.stack.pop() {
            let x = x as usize;
            for a in net.start[x]..net.start[x + 1] {
                let arc = net.arcs[a as usize];
                let y = arc.head as usize;
                if arc.pair() != 0 && arc.residual > 0 && net.pot[y] == 1 {
                    debug_assert_ne!(y, sink, "the matching is maximum");
                    net.pot[y] = 0;
                    net.stack.push(y as u32);
                }
            }
        }
        for v in 0..nodes {
            for a in net.start[v] as usize..net.start[v + 1] as usize {
                let arc = &mut net.arcs[a];
                if arc.pair() != 0 && net.pot[v] != net.pot[arc.head as usize] {
                    arc.cost = FROZEN;
                }
            }
        }
        net.freeze_rigid();
        net
    }

    /// Freezes, besides the pairs already marked, every pair whose flow is the same in all
    /// optimal flows of the stage just solved, then drops them all from the adjacency.
    ///
    /// With optimal potentials, an optimal flow differs from the current one by a circulation
    /// on residual arcs of zero reduced cost (every unfrozen arc has it), and a circulation
    /// stays inside the strongly connected components of those arcs: a pair between two
    /// components never moves again. (Tarjan's algorithm, without recursion.)
    fn freeze_rigid(&mut self) {
        let nodes = self.start.len() - 1;
        self.order.fill(NONE);
        self.comp.fill(NONE);
        let mut counter = 0u32;
        let mut components = 0u32;
        // `stack`: the depth-first path; `queue`: the nodes not yet in a component.
        self.stack.clear();
        self.queue.clear();
        for s in 0..nodes {
            if self.order[s] != NONE {
                continue;
            }
            self.order[s] = counter;
            self.low[s] = counter;
            counter += 1;
            self.next_arc[s] = self.start[s];
            self.stack.push(s as u32);
            self.queue.push(s as u32);
            while let Some(&x) = self.stack.last() {
                let x = x as usize;
                if self.next_arc[x] < self.start[x + 1] {
                    let arc = self.arcs[self.next_arc[x] as usize];
                    self.next_arc[x] += 1;
                    if arc.residual == 0 || arc.cost == FROZEN {
                        continue;
                    }
                    let y = arc.head as usize;
                    if self.order[y] == NONE {
                        self.order[y] = counter;
                        self.low[y] = counter;
                        counter += 1;
                        self.next_arc[y] = self.start[y];
                        self.stack.push(y as u32);
                        self.queue.push(y as u32);
                    } else if self.comp[y] == NONE {
                        self.low[x] = self.low[x].min(self.order[y]);
                    }
                    continue;
                }
                self.stack.pop();
                if let Some(&parent) = self.stack.last() {
                    let parent = parent as usize;
                    self.low[parent] = self.low[parent].min(self.low[x]);
                }
                if self.low[x] == self.order[x] {
                    while let Some(y) = self.queue.pop() {
                        self.comp[y as usize] = components;
                        if y as usize == x {
                            break;
                        }
                    }
                    components += 1;
                }
            }
        }
        for v in 0..nodes {
            for a in self.start[v] as usize..self.start[v + 1] as usize {
                let arc = &mut self.arcs[a];
                if self.comp[v] != self.comp[arc.head as usize] {
                    arc.cost = FROZEN;
                }
            }
        }
        self.compact();
    }

    /// Records the flow of frozen pairs and drops them from the adjacency (both arcs of a pair
    /// are marked alike: the tests that mark them are symmetric).
    fn compact(&mut self) {
        let nodes = self.start.len() - 1;
        self.remap.clear();
        self.remap.resize(self.arcs.len(), NONE);
        let mut kept = 0u32;
        let mut begin = 0;
        for v in 0..nodes {
            let end = self.start[v + 1] as usize;
            self.start[v] = kept;
            for a in begin..end {
                let arc = self.arcs[a];
                if arc.cost != FROZEN {
                    self.remap[a] = kept;
                    kept += 1;
                } else if arc.is_forward() {
                    self.flow[arc.pair()] = self.arcs[arc.rev as usize].residual;
                }
            }
            begin = end;
        }
        self.start[nodes] = kept;
        let mut w = 0;
        for a in 0..self.arcs.len() {
            if self.remap[a] != NONE {
                let mut arc = self.arcs[a];
                arc.rev = self.remap[arc.rev as usize];
                self.arcs[w] = arc;
                w += 1;
            }
        }
        self.arcs.truncate(w);
    }

    /// Each pair's current flow (in `flow`), frozen or not.
    fn record_flows(&mut self) {
        for arc in &self.arcs {
            if arc.is_forward() {
                self.flow[arc.pair()] = self.arcs[arc.rev as usize].residual;
            }
        }
    }

    /// How many units a stage with per-rank `costs` would saturate at its start.
    fn saturated_by(&self, costs: &[i32]) -> u64 {
        self.arcs
            .iter()
            .filter(|arc| arc.residual > 0 && arc.cost_for(costs) < 0)
            .map(|arc| u64::from(arc.residual))
            .sum()
    }

    /// Optimises the circulation for per-rank `costs` (of graph edges, forward direction; the
    /// other pairs cost 0) over the unfrozen arcs, then freezes what can no longer move.
    fn stage(&mut self, costs: &[i32]) {
        let nodes = self.start.len() - 1;
        let mut saturated = false;
        for v in 0..nodes {
            for a in self.start[v] as usize..self.start[v + 1] as usize {
                let arc = &mut self.arcs[a];
                arc.cost = arc.cost_for(costs);
                if arc.cost < 0 && arc.residual > 0 {
                    saturated = true;
                    let x = arc.residual;
                    arc.residual = 0;
                    let (rev, head) = (arc.rev as usize, arc.head as usize);
                    self.arcs[rev].residual += x;
                    self.excess[v] -= i64::from(x);
                    self.excess[head] += i64::from(x);
                }
            }
        }
        self.pot.fill(0);
        if saturated {
            while self.phase() {
                self.augment_all();
            }
        }
        debug_assert!(
            self.excess.iter().all(|&x| x == 0),
            "a circulation is feasible"
        );
        for v in 0..nodes {
            for a in self.start[v] as usize..self.start[v + 1] as usize {
                let arc = &mut self.arcs[a];
                if i64::from(arc.cost) + self.pot[v] != self.pot[arc.head as usize] {
                    arc.cost = FROZEN;
                }
            }
        }
        self.freeze_rigid();
    }

    /// Dijkstra from every node with excess on reduced costs, stopped at the first node with a
    /// deficit; then the potential update that makes shortest paths zero-cost (only nodes
    /// settled below the distance `D` of that deficit change, by `d - D`). False when no
    /// excess is left.
    fn phase(&mut self) -> bool {
        self.stamp += 1;
        let stamp = self.stamp;
        self.heap.clear();
        self.settled.clear();
        let target = self.excess.len() as u32;
        for v in 0..self.excess.len() {
            if self.excess[v] > 0 {
                self.dist[v] = 0;
                self.seen[v] = stamp;
                self.heap.push(0, v as u32);
            }
        }
        if self.heap.is_empty() {
            return false;
        }
        let mut best_target: Option<i64> = None;
        let mut limit = None;
        while let Some((d, x)) = self.heap.pop() {
            if x == target {
                limit = Some(d);
                break;
            }
            let x = x as usize;
            if self.done[x] == stamp {
                continue;
            }
            self.done[x] = stamp;
            self.settled.push(x as u32);
            if self.excess[x] < 0 {
                debug_assert!(self.pot[x] >= 0);
                let nd = d + self.pot[x];
                if best_target.is_none_or(|b| nd < b) {
                    best_target = Some(nd);
                    self.heap.push(nd, target);
                }
            }
            let px = self.pot[x];
            for arc in &self.arcs[self.start[x] as usize..self.start[x + 1] as usize] {
                if arc.residual == 0 {
                    continue;
                }
                let y = arc.head as usize;
                if self.done[y] == stamp {
                    continue;
                }
                let reduced = i64::from(arc.cost) + px - self.pot[y];
                debug_assert!(reduced >= 0, "negative reduced cost");
                let nd = d + reduced;
                if self.seen[y] != stamp || nd < self.dist[y] {
                    self.seen[y] = stamp;
                    self.dist[y] = nd;
                    self.heap.push(nd, y as u32);
                }
            }
        }
        // Excess can always flow back the way the saturated arcs came.
        let Some(limit) = limit else {
            debug_assert!(false, "excess with no way back");
            return false;
        };
        for &v in &self.settled {
            let v = v as usize;
            if self.dist[v] < limit {
                self.pot[v] += self.dist[v] - limit;
            }
        }
        true
    }

    /// Moves excess to deficits along zero-reduced-cost arcs until no such path is left:
    /// passes of depth-first searches from every node with excess, where a node that leads
    /// nowhere stays dead for the rest of the pass. A pass that moves nothing has searched
    /// everything reachable, so it proves no path is left.
    fn augment_all(&mut self) {
        loop {
            self.stamp += 1;
            let pass = self.stamp;
            self.queue.clear();
            for v in 0..self.excess.len() {
                self.next_arc[v] = self.start[v];
                if self.excess[v] > 0 {
                    self.queue.push(v as u32);
                }
            }
            let mut moved = false;
            for r in 0..self.queue.len() {
                let root = self.queue[r] as usize;
                while self.excess[root] > 0 && self.search_from(root, pass) {
                    moved = true;
                }
            }
            if !moved {
                return;
            }
        }
    }

    /// One path of zero reduced cost from `root` to a deficit node with zero potential,
    /// pushed by its bottleneck; false when none is found. The nodes of the path may be
    /// visited again in this pass; the others seen stay dead.
    fn search_from(&mut self, root: usize, pass: u32) -> bool {
        if self.seen[root] == pass {
            return false;
        }
        self.seen[root] = pass;
        self.stack.clear();
        let mut x = root;
        loop {
            if self.excess[x] < 0 && self.pot[x] == 0 && x != root {
                break;
            }
            let end = self.start[x + 1];
            let px = self.pot[x];
            let mut i = self.next_arc[x];
            let mut next = NONE;
            while i < end {
                let arc = &self.arcs[i as usize];
                let y = arc.head as usize;
                if arc.residual > 0
                    && self.seen[y] != pass
                    && i64::from(arc.cost) + px == self.pot[y]
                {
                    next = y as u32;
                    break;
                }
                i += 1;
            }
            self.next_arc[x] = i;
            if next != NONE {
                self.stack.push(i);
                self.seen[next as usize] = pass;
                x = next as usize;
                continue;
            }
            // Dead end: retreat and skip the arc that led here.
            match self.stack.pop() {
                None => return false,
                Some(a) => {
                    let rev = self.arcs[a as usize].rev as usize;
                    x = self.arcs[rev].head as usize;
                    self.next_arc[x] += 1;
                }
            }
        }
        let mut amount = self.excess[root].min(-self.excess[x]);
        for &a in &self.stack {
            amount = amount.min(i64::from(self.arcs[a as usize].residual));
        }
        // `amount` is positive and at most a residual capacity, so it fits.
        let units = amount as u32;
        self.seen[root] = 0;
        for &a in &self.stack {
            let a = a as usize;
            let (rev, head) = (self.arcs[a].rev as usize, self.arcs[a].head as usize);
            self.arcs[a].residual -= units;
            self.arcs[rev].residual += units;
            self.seen[head] = 0;
        }
        self.excess[root] -= amount;
        self.excess[x] += amount;
        true
    }
}

/// The lexicographically best maximum matching. Each criterion, most important first, gives
/// two equivalent per-rank costs for one stage (-1 to reward a rank, 1 to penalise it, 0 to
/// ignore it): equivalent because the number of placed teams and the counts settled by earlier
/// stages no longer change. The stage uses whichever saturates fewer arcs at its start.
fn lexicographic(g: &Graph, criteria: &[[Vec<i32>; 2]]) -> Matching {
    let mut net = Network::new(g, &maximum_matching(g));
    for [a, b] in criteria {
        if net.arcs.is_empty() {
            // Everything is frozen: no later stage can change anything.
            break;
        }
        let costs = if net.saturated_by(a) <= net.saturated_by(b) {
            a
        } else {
            b
        };
        net.stage(costs);
    }
    net.record_flows();
    let first_edge_pair = 1 + g.n_teams();
    let mate: Vec<u32> = (0..g.n_teams())
        .map(|u| {
            g.edges(u)
                .find(|&e| net.flow[first_edge_pair + e] > 0)
                .map_or(NONE, |e| e as u32)
        })
        .collect();
    Matching::from_mates(g, &mate)
}

/// Most first choices, then most second choices, …, among maximum matchings.
pub(crate) fn rank_maximal(g: &Graph) -> Matching {
    let max_rank = g.max_rank() as usize;
    // Reward rank k, or penalise every rank after it. The count at the last rank follows from
    // the others once the size is fixed.
    let criteria: Vec<[Vec<i32>; 2]> = (1..max_rank)
        .map(|k| {
            [
                (0..=max_rank).map(|r| -i32::from(r == k)).collect(),
                (0..=max_rank).map(|r| i32::from(r > k)).collect(),
            ]
        })
        .collect();
    lexicographic(g, &criteria)
}

/// Fewest teams at the worst rank, then at the next worst, …, among maximum matchings.
pub(crate) fn generous(g: &Graph) -> Matching {
    let max_rank = g.max_rank() as usize;
    // Penalise rank k, or reward every rank before it (rank 1 follows from the others).
    let criteria: Vec<[Vec<i32>; 2]> = (2..=max_rank)
        .rev()
        .map(|k| {
            [
                (0..=max_rank).map(|r| i32::from(r == k)).collect(),
                (0..=max_rank)
                    .map(|r| -i32::from(r >= 1 && r < k))
                    .collect(),
            ]
        })
        .collect();
    lexicographic(g, &criteria)
}
