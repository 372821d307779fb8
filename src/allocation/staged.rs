//! Lexicographic objectives (`rank_maximal`, `generous`) as a sequence of small exact stages.
//!
//! A lexicographic cost could be one min-cost flow with vector (or huge) weights, but its
//! shortest augmenting paths then almost all differ in cost, so each needs its own Dijkstra.
//! Instead each criterion is optimised in turn with costs in {-1, 0, 1}, and then *frozen*:
//! with the stage's optimal node potentials π, the flows that are optimal for the stage are
//! exactly those that keep every arc of non-zero reduced cost at its current flow
//! (complementary slackness). Freezing those arcs restricts later stages to the optimal face,
//! so after the last stage the flow is optimal for the whole lexicographic order.
//!
//! Every stage is a min-cost circulation on the unfrozen arcs, started from the current flow:
//! arcs of negative cost are saturated, which leaves excesses and deficits with all residual
//! costs non-negative, and the primal-dual method routes the excesses back along shortest
//! paths. Stage 0 maximises the number of placed teams: a return arc from sink to source costs
//! -1 per unit, and its optimal potentials come straight from a maximum matching's minimum cut,
//! so the later stages keep that number.

use super::solver::{maximum_matching, Graph, Matching, MonotoneQueue, NONE};

const INF: u32 = u32::MAX;

/// Source → team → problem → sink, plus a return arc sink → source. Arcs come in pairs:
/// `2i` forward, `2i + 1` its reverse, with residual capacities.
struct Network {
    head: Vec<u32>,
    residual: Vec<i64>,
    cost: Vec<i64>,
    frozen: Vec<bool>,
    /// Outgoing arcs of each node (`out_start[v]..out_start[v + 1]` in `out`).
    out_start: Vec<u32>,
    out: Vec<u32>,
    excess: Vec<i64>,
    pot: Vec<i64>,
    /// Scratch for the searches.
    dist: Vec<i64>,
    seen: Vec<u32>,
    done: Vec<u32>,
    level: Vec<u32>,
    next_arc: Vec<u32>,
    stamp: u32,
    settled: Vec<u32>,
    heap: MonotoneQueue,
    queue: Vec<u32>,
    stack: Vec<u32>,
}

impl Network {
    fn new(g: &Graph) -> (Network, usize) {
        let (nt, np) = (g.n_teams(), g.n_problems());
        let (source, sink) = (nt + np, nt + np + 1);
        let nodes = nt + np + 2;
        let mut tail = Vec::new();
        let mut head = Vec::new();
        let mut residual = Vec::new();
        let mut add = |from: usize, to: usize, cap: i64| {
            tail.extend([from as u32, to as u32]);
            head.extend([to as u32, from as u32]);
            residual.extend([cap, 0]);
        };
        add(sink, source, nt as i64);
        for u in 0..nt {
            add(source, u, 1);
        }
        for u in 0..nt {
            for e in g.edges(u) {
                add(u, nt + g.problem[e] as usize, 1);
            }
        }
        for p in 0..np {
            add(nt + p, sink, i64::from(g.cap[p]));
        }
        let arcs = head.len();
        let mut out_start = vec![0u32; nodes + 1];
        for &t in &tail {
            out_start[t as usize + 1] += 1;
        }
        for v in 0..nodes {
            out_start[v + 1] += out_start[v];
        }
        let mut fill = out_start.clone();
        let mut out = vec![0u32; arcs];
        for (a, &t) in tail.iter().enumerate() {
            out[fill[t as usize] as usize] = a as u32;
            fill[t as usize] += 1;
        }
        let network = Network {
            head,
            residual,
            cost: vec![0; arcs],
            frozen: vec![false; arcs / 2],
            out_start,
            out,
            excess: vec![0; nodes],
            pot: vec![0; nodes],
            dist: vec![0; nodes],
            seen: vec![0; nodes],
            done: vec![0; nodes],
            level: vec![INF; nodes],
            next_arc: vec![0; nodes],
            stamp: 0,
            settled: Vec::new(),
            heap: MonotoneQueue::default(),
            queue: Vec::new(),
            stack: Vec::new(),
        };
        // Edge e of the graph is arc pair 1 + nt + e.
        (network, 1 + nt)
    }

    /// Stage 0 from a maximum matching: the flow it stands for, and the arcs to freeze.
    ///
    /// With the return arc paying -1, optimal potentials are 0 on the source's side of the
    /// minimum cut (what the source reaches in the residual network) and 1 on the sink's, so
    /// the arcs across the cut are the ones with non-zero reduced cost.
    fn start_from(&mut self, g: &Graph, m: &Matching, first_edge_pair: usize) {
        let (nt, np) = (g.n_teams(), g.n_problems());
        let (source, sink) = (nt + np, nt + np + 1);
        let set = |net: &mut Network, pair: usize, flow: i64| {
            let total = net.residual[2 * pair] + net.residual[2 * pair + 1];
            net.residual[2 * pair] = total - flow;
            net.residual[2 * pair + 1] = flow;
        };
        set(self, 0, m.size as i64);
        for u in 0..nt {
            let placed = m.mate[u] != NONE;
            set(self, 1 + u, i64::from(placed));
            for e in g.edges(u) {
                set(self, first_edge_pair + e, i64::from(m.mate[u] == e as u32));
            }
        }
        for p in 0..np {
            set(
                self,
                first_edge_pair + g.problem.len() + p,
                m.holders(p).len() as i64,
            );
        }
        // The source's side, without the return arc.
        self.pot.fill(1);
        self.pot[source] = 0;
        self.stack.clear();
        self.stack.push(source as u32);
        while let Some(x) = self.stack.pop() {
            for i in self.out_start[x as usize]..self.out_start[x as usize + 1] {
                let a = self.out[i as usize] as usize;
                let y = self.head[a] as usize;
                if a / 2 != 0 && self.residual[a] > 0 && self.pot[y] == 1 {
                    debug_assert_ne!(y, sink, "the matching is maximum");
                    self.pot[y] = 0;
                    self.stack.push(y as u32);
                }
            }
        }
        for pair in 1..self.frozen.len() {
            self.frozen[pair] = self.pot[self.head[2 * pair] as usize]
                != self.pot[self.head[2 * pair + 1] as usize];
        }
    }

    fn tail(&self, a: usize) -> usize {
        self.head[a ^ 1] as usize
    }

    fn usable(&self, a: usize) -> bool {
        self.residual[a] > 0 && !self.frozen[a / 2]
    }

    fn reduced(&self, a: usize) -> i64 {
        self.cost[a] + self.pot[self.tail(a)] - self.pot[self.head[a] as usize]
    }

    /// How many units a stage with `pair_cost` would saturate at its start.
    fn saturated_by(&self, pair_cost: impl Fn(usize) -> i64) -> i64 {
        (0..self.frozen.len())
            .filter(|&pair| !self.frozen[pair])
            .map(|pair| match pair_cost(pair) {
                c if c < 0 => self.residual[2 * pair],
                c if c > 0 => self.residual[2 * pair + 1],
                _ => 0,
            })
            .sum()
    }

    /// Optimises the circulation for `pair_cost` (per arc pair, forward direction) over the
    /// unfrozen arcs, then freezes the arcs whose reduced cost is not zero.
    fn stage(&mut self, pair_cost: impl Fn(usize) -> i64) {
        for pair in 0..self.frozen.len() {
            let c = if self.frozen[pair] {
                0
            } else {
                pair_cost(pair)
            };
            self.cost[2 * pair] = c;
            self.cost[2 * pair + 1] = -c;
        }
        for a in 0..self.head.len() {
            if self.cost[a] < 0 && self.usable(a) {
                let x = self.residual[a];
                self.residual[a] = 0;
                self.residual[a ^ 1] += x;
                let from = self.tail(a);
                self.excess[from] -= x;
                self.excess[self.head[a] as usize] += x;
            }
        }
        self.pot.fill(0);
        while self.phase() {
            self.blocking_flow();
        }
        debug_assert!(
            self.excess.iter().all(|&x| x == 0),
            "a circulation is feasible"
        );
        for pair in 0..self.frozen.len() {
            if !self.frozen[pair] && self.reduced(2 * pair) != 0 {
                self.frozen[pair] = true;
            }
        }
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
            for i in self.out_start[x]..self.out_start[x + 1] {
                let a = self.out[i as usize] as usize;
                if !self.usable(a) {
                    continue;
                }
                let y = self.head[a] as usize;
                if self.done[y] == stamp {
                    continue;
                }
                let reduced = self.reduced(a);
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

    fn admissible(&self, a: usize) -> bool {
        self.usable(a) && self.reduced(a) == 0
    }

    /// Moves excess to deficits along zero-reduced-cost arcs until no such path is left
    /// (Dinic: breadth-first levels, then depth-first paths along increasing levels).
    fn blocking_flow(&mut self) {
        loop {
            self.level.fill(INF);
            self.queue.clear();
            for v in 0..self.excess.len() {
                if self.excess[v] > 0 {
                    self.level[v] = 0;
                    self.queue.push(v as u32);
                }
            }
            // Levels past the first deficit reached are of no use to this round.
            let mut found = INF;
            let mut head = 0;
            while head < self.queue.len() {
                let x = self.queue[head] as usize;
                head += 1;
                if self.level[x] >= found {
                    break;
                }
                for i in self.out_start[x]..self.out_start[x + 1] {
                    let a = self.out[i as usize] as usize;
                    let y = self.head[a] as usize;
                    if self.level[y] == INF && self.admissible(a) {
                        self.level[y] = self.level[x] + 1;
                        self.queue.push(y as u32);
                        if self.excess[y] < 0 && self.pot[y] == 0 {
                            found = found.min(self.level[y]);
                        }
                    }
                }
            }
            if found == INF {
                return;
            }
            for &v in &self.queue {
                self.next_arc[v as usize] = self.out_start[v as usize];
            }
            let roots: Vec<u32> = self
                .queue
                .iter()
                .copied()
                .take_while(|&v| self.level[v as usize] == 0)
                .collect();
            for root in roots {
                while self.excess[root as usize] > 0 && self.path_from(root as usize) {}
            }
        }
    }

    /// One augmenting path from `root` along increasing levels to a deficit node with zero
    /// potential, pushed by its bottleneck. False when none is left.
    fn path_from(&mut self, root: usize) -> bool {
        self.stack.clear();
        let mut x = root;
        loop {
            if self.excess[x] < 0 && self.pot[x] == 0 && x != root {
                break;
            }
            let mut advanced = false;
            while self.next_arc[x] < self.out_start[x + 1] {
                let a = self.out[self.next_arc[x] as usize] as usize;
                let y = self.head[a] as usize;
                if self.level[y] == self.level[x] + 1 && self.admissible(a) {
                    self.stack.push(a as u32);
                    x = y;
                    advanced = true;
                    break;
                }
                self.next_arc[x] += 1;
            }
            if !advanced {
                // Dead end: retreat and skip the arc that led here.
                self.level[x] = INF;
                match self.stack.pop() {
                    None => return false,
                    Some(a) => {
                        x = self.tail(a as usize);
                        self.next_arc[x] += 1;
                    }
                }
            }
        }
        let mut amount = self.excess[root].min(-self.excess[x]);
        for &a in &self.stack {
            amount = amount.min(self.residual[a as usize]);
        }
        for &a in &self.stack {
            let a = a as usize;
            self.residual[a] -= amount;
            self.residual[a ^ 1] += amount;
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
fn lexicographic(g: &Graph, criteria: &[[Vec<i64>; 2]]) -> Matching {
    let (mut net, first_edge_pair) = Network::new(g);
    let edge_pairs = first_edge_pair..first_edge_pair + g.problem.len();
    // Stage 0: as many teams as possible (as if the return arc paid -1 per unit).
    net.start_from(g, &maximum_matching(g), first_edge_pair);
    for alternatives in criteria {
        let cost = |costs: &[i64], pair: usize| {
            if edge_pairs.contains(&pair) {
                costs[g.rank[pair - first_edge_pair] as usize]
            } else {
                0
            }
        };
        let [a, b] = alternatives;
        let costs =
            if net.saturated_by(|pair| cost(a, pair)) <= net.saturated_by(|pair| cost(b, pair)) {
                a
            } else {
                b
            };
        net.stage(|pair| cost(costs, pair));
    }
    let mate: Vec<u32> = (0..g.n_teams())
        .map(|u| {
            g.edges(u)
                .find(|&e| net.residual[2 * (first_edge_pair + e)] == 0)
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
    let criteria: Vec<[Vec<i64>; 2]> = (1..max_rank)
        .map(|k| {
            [
                (0..=max_rank).map(|r| -i64::from(r == k)).collect(),
                (0..=max_rank).map(|r| i64::from(r > k)).collect(),
            ]
        })
        .collect();
    lexicographic(g, &criteria)
}

/// Fewest teams at the worst rank, then at the next worst, …, among maximum matchings.
pub(crate) fn generous(g: &Graph) -> Matching {
    let max_rank = g.max_rank() as usize;
    // Penalise rank k, or reward every rank before it (rank 1 follows from the others).
    let criteria: Vec<[Vec<i64>; 2]> = (2..=max_rank)
        .rev()
        .map(|k| {
            [
                (0..=max_rank).map(|r| i64::from(r == k)).collect(),
                (0..=max_rank)
                    .map(|r| -i64::from(r >= 1 && r < k))
                    .collect(),
            ]
        })
        .collect();
    lexicographic(g, &criteria)
}
