//! Criterion benchmarks of the allocation engine on skewed instances: N teams × N problems of
//! capacity 1, 5–10 choices per team drawn by Zipf(0.8) popularity, fixed seeds.
//!
//! `cargo bench --bench allocation` runs the criterion groups (80, 3,500 and 10,000 teams, each
//! objective). With `FIELDLAB_ALLOC_EXPORT=DIR` set it instead writes the same instances as
//! `DIR/zipf-N.json` (the `fieldlab allocate` input format) and prints one JSON line per
//! (size, objective) with timings and peak memory, for `benches/scipy_compare.py`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, BenchmarkId, Criterion};
use fieldlab::allocation::{solve, Instance, Objective, ProblemSpec, TeamPrefs};
use rand::distributions::{Distribution, WeightedIndex};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

const SIZES: [usize; 3] = [80, 3_500, 10_000];
const ZIPF_EXPONENT: f64 = 0.8;

/// `n` teams and `n` problems of capacity 1; each team ranks 5 to 10 distinct problems, drawn
/// with probability proportional to 1 / popularity_rank^0.8.
fn zipf_instance(n: usize, seed: u64) -> Instance {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut by_popularity: Vec<usize> = (0..n).collect();
    by_popularity.shuffle(&mut rng);
    let weights: Vec<f64> = (1..=n).map(|k| (k as f64).powf(-ZIPF_EXPONENT)).collect();
    let popularity = WeightedIndex::new(&weights).expect("positive weights");
    let teams = (0..n)
        .map(|t| {
            let want = rng.gen_range(5..=10).min(n);
            let mut prefs: Vec<usize> = Vec::with_capacity(want);
            while prefs.len() < want {
                let p = by_popularity[popularity.sample(&mut rng)];
                if !prefs.contains(&p) {
                    prefs.push(p);
                }
            }
            TeamPrefs {
                id: format!("t{t}"),
                prefs: prefs.into_iter().map(|p| format!("p{p}")).collect(),
            }
        })
        .collect();
    Instance {
        teams,
        problems: (0..n)
            .map(|p| ProblemSpec {
                id: format!("p{p}"),
                capacity: 1,
            })
            .collect(),
        ..Instance::default()
    }
}

fn seed(n: usize) -> u64 {
    0xF1E1_D1AB ^ n as u64
}

fn bench_solve(c: &mut Criterion) {
    for n in SIZES {
        let instance = zipf_instance(n, seed(n));
        let mut group = c.benchmark_group(format!("allocation/{n}"));
        if n >= 1_000 {
            group.sample_size(10);
            group.measurement_time(Duration::from_secs(if n >= 10_000 { 8 } else { 4 }));
        }
        for objective in Objective::ALL {
            group.bench_with_input(
                BenchmarkId::from_parameter(objective),
                &instance,
                |b, instance| b.iter(|| solve(black_box(instance), objective).expect("solves")),
            );
        }
        group.finish();
    }
}

criterion_group!(benches, bench_solve);

/// Resident set size and its peak, in KiB (Linux only; 0 elsewhere).
fn memory_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn export(dir: &str) {
    std::fs::create_dir_all(dir).expect("export directory");
    for n in SIZES {
        let instance = zipf_instance(n, seed(n));
        let json = serde_json::json!({
            "teams": instance.teams,
            "problems": instance.problems,
        });
        let path = format!("{dir}/zipf-{n}.json");
        std::fs::write(&path, json.to_string()).expect("write instance");
        drop(json);
        for objective in Objective::ALL {
            // Peak memory of one solve: reset the high-water mark (Linux ≥ 4.0), solve once.
            let _ = std::fs::write("/proc/self/clear_refs", "5");
            let (rss_before, _) = memory_kib();
            let first = solve(&instance, objective).expect("solves");
            let (_, peak) = memory_kib();
            drop(first);
            let repeats = if n >= 10_000 { 10 } else { 30 };
            let mut times = Vec::with_capacity(repeats);
            let mut result = None;
            for _ in 0..repeats {
                let start = Instant::now();
                let a = solve(black_box(&instance), objective).expect("solves");
                times.push(start.elapsed().as_secs_f64());
                result = Some(a);
            }
            times.sort_by(f64::total_cmp);
            let a = result.expect("at least one run");
            println!(
                "{}",
                serde_json::json!({
                    "n": n,
                    "file": path,
                    "objective": objective,
                    "seconds_min": times[0],
                    "seconds_median": times[times.len() / 2],
                    "rss_kib_before": rss_before,
                    "rss_kib_peak": peak,
                    "assigned": a.assigned,
                    "total_rank": a.total_rank,
                    "worst_rank": a.worst_rank,
                    "rank_profile": a.rank_profile,
                })
            );
        }
    }
}

fn main() {
    if let Ok(dir) = std::env::var("FIELDLAB_ALLOC_EXPORT") {
        export(&dir);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
