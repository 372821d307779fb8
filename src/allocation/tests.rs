//! Properties of `solve` against the oracles of `brute`, edge cases, pins and determinism.

use std::collections::HashMap;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{subsequence, Index};

use super::brute::{allocation_key, best_keys, reference_key};
use super::*;

fn instance(teams: &[(&str, &[&str])], problems: &[(&str, u32)]) -> Instance {
    Instance {
        teams: teams
            .iter()
            .map(|(id, prefs)| TeamPrefs {
                id: (*id).to_owned(),
                prefs: prefs.iter().map(|p| (*p).to_owned()).collect(),
            })
            .collect(),
        problems: problems
            .iter()
            .map(|(id, capacity)| ProblemSpec {
                id: (*id).to_owned(),
                capacity: *capacity,
            })
            .collect(),
        forbidden: Vec::new(),
        pinned: Vec::new(),
    }
}

fn pair(t: &str, p: &str) -> (String, String) {
    (t.to_owned(), p.to_owned())
}

/// Everything an allocation promises, checked against the instance alone.
fn check_valid(inst: &Instance, a: &Allocation) {
    let team_pos: HashMap<&str, usize> = inst
        .teams
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .collect();
    let capacity: HashMap<&str, u32> = inst
        .problems
        .iter()
        .map(|p| (p.id.as_str(), p.capacity))
        .collect();
    let forbidden: Vec<(&str, &str)> = inst
        .forbidden
        .iter()
        .map(|(t, p)| (t.as_str(), p.as_str()))
        .collect();
    let mut load: HashMap<&str, u32> = HashMap::new();
    let mut profile = vec![0usize; inst.teams.iter().map(|t| t.prefs.len()).max().unwrap_or(0)];
    let mut placed = vec![false; inst.teams.len()];
    let mut last = None;
    for asg in &a.assignments {
        let t = team_pos[asg.team.as_str()];
        assert!(last.is_none_or(|l| l < t), "assignments out of input order");
        last = Some(t);
        placed[t] = true;
        let rank = inst.teams[t]
            .prefs
            .iter()
            .position(|p| *p == asg.problem)
            .expect("placed on a problem it did not rank")
            + 1;
        assert_eq!(asg.rank as usize, rank);
        assert!(!forbidden.contains(&(asg.team.as_str(), asg.problem.as_str())));
        let pinned = inst
            .pinned
            .iter()
            .any(|(pt, pp)| *pt == asg.team && *pp == asg.problem);
        assert_eq!(asg.pinned, pinned);
        *load.entry(asg.problem.as_str()).or_default() += 1;
        profile[rank - 1] += 1;
    }
    for (p, l) in &load {
        assert!(*l <= capacity[p], "problem {p} over capacity");
    }
    for (t, _) in &inst.pinned {
        assert!(placed[team_pos[t.as_str()]], "pin not honoured");
    }
    let unassigned: Vec<String> = inst
        .teams
        .iter()
        .zip(&placed)
        .filter(|(_, &p)| !p)
        .map(|(t, _)| t.id.clone())
        .collect();
    assert_eq!(a.unassigned, unassigned);
    assert_eq!(a.assigned, a.assignments.len());
    assert_eq!(a.rank_profile, profile);
    assert_eq!(
        a.total_rank,
        a.assignments.iter().map(|x| u64::from(x.rank)).sum::<u64>()
    );
    assert_eq!(a.worst_rank, a.assignments.iter().map(|x| x.rank).max());

    assert_eq!(a.explanations.len(), a.unassigned.len());
    for (why, id) in a.explanations.iter().zip(&a.unassigned) {
        assert_eq!(&why.team, id);
        let team = &inst.teams[team_pos[id.as_str()]];
        assert_eq!(why.choices.len(), team.prefs.len());
        for (k, choice) in why.choices.iter().enumerate() {
            assert_eq!(choice.problem, team.prefs[k]);
            assert_eq!(choice.rank as usize, k + 1);
            let is_forbidden = forbidden.contains(&(id.as_str(), choice.problem.as_str()));
            match &choice.status {
                ChoiceStatus::Forbidden => assert!(is_forbidden),
                ChoiceStatus::Full { holders } => {
                    assert!(!is_forbidden);
                    // Full indeed: maximality means no allowed choice has room.
                    assert_eq!(holders.len() as u32, capacity[choice.problem.as_str()]);
                }
            }
        }
        assert_eq!(
            why.contenders,
            why.places + why.left_out,
            "Hall certificate: {why:?}"
        );
        assert!(why.left_out >= 1);
        assert!(!why.message.is_empty());
    }
}

fn solve_ok(inst: &Instance, objective: Objective) -> Allocation {
    let a = solve(inst, objective).expect("feasible instance");
    assert_eq!(a.objective, objective);
    check_valid(inst, &a);
    a
}

/// Independent check of the pin rules, for instances the solver refuses.
fn pins_feasible(inst: &Instance) -> bool {
    let mut pins = inst.pinned.clone();
    pins.sort();
    pins.dedup();
    let ranked = |t: &str, p: &str| {
        inst.teams
            .iter()
            .any(|x| x.id == t && x.prefs.iter().any(|q| q == p))
    };
    pins.iter()
        .all(|(t, p)| ranked(t, p) && !inst.forbidden.contains(&(t.clone(), p.clone())))
        && pins
            .iter()
            .all(|(t, _)| pins.iter().filter(|(u, _)| u == t).count() == 1)
        && inst
            .problems
            .iter()
            .all(|p| pins.iter().filter(|(_, q)| *q == p.id).count() <= p.capacity as usize)
}

prop_compose! {
    fn random_instance(max_teams: usize, max_problems: usize, max_prefs: usize, max_cap: u32)
        (nt in 0..=max_teams, np in 0..=max_problems)
        (caps in vec(prop_oneof![1 => Just(0u32), 6 => 1..=max_cap], np),
         prefs in vec(subsequence((0..np).collect::<Vec<_>>(), 0..=np.min(max_prefs))
             .prop_shuffle(), nt),
         forbid in vec((any::<Index>(), any::<Index>()), 0..=3),
         pins in vec((any::<Index>(), any::<Index>(), prop::bool::weighted(0.9)), 0..=3))
        -> Instance
    {
        let (nt, np) = (prefs.len(), caps.len());
        let team = |t: usize| format!("t{t}");
        let problem = |p: usize| format!("p{p}");
        let mut inst = Instance {
            teams: prefs.iter().enumerate().map(|(t, ps)| TeamPrefs {
                id: team(t),
                prefs: ps.iter().map(|&p| problem(p)).collect(),
            }).collect(),
            problems: caps.iter().enumerate().map(|(p, &capacity)| ProblemSpec {
                id: problem(p),
                capacity,
            }).collect(),
            ..Instance::default()
        };
        if nt > 0 && np > 0 {
            // Mostly on ranked pairs, where a forbid or a pin matters.
            let pick = |t: &Index, p: &Index, ranked: bool| {
                let t = t.index(nt);
                if ranked && !prefs[t].is_empty() {
                    (team(t), problem(prefs[t][p.index(prefs[t].len())]))
                } else {
                    (team(t), problem(p.index(np)))
                }
            };
            inst.forbidden = forbid.iter().map(|(t, p)| pick(t, p, true)).collect();
            inst.pinned = pins.iter().map(|(t, p, ranked)| pick(t, p, *ranked)).collect();
        }
        inst
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    /// Every objective reaches the exhaustive optimum on tiny instances.
    #[test]
    fn optimal_against_brute_force(inst in random_instance(6, 5, 4, 2)) {
        let best = best_keys(&inst);
        prop_assert_eq!(best.is_some(), pins_feasible(&inst));
        match best {
            None => {
                let refused = matches!(
                    solve(&inst, Objective::Fair),
                    Err(AllocationError::InfeasiblePins { .. })
                );
                prop_assert!(refused);
            }
            Some(best) => {
                for (objective, best) in Objective::ALL.into_iter().zip(best) {
                    let a = solve_ok(&inst, objective);
                    prop_assert_eq!(allocation_key(&a), best, "{}", objective);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Medium instances (long chains of moves, capacities up to 3) against Bellman–Ford with
    /// exponential `i128` weights.
    #[test]
    fn optimal_against_reference(inst in random_instance(28, 16, 6, 3)) {
        prop_assume!(pins_feasible(&inst));
        for objective in Objective::ALL {
            let a = solve_ok(&inst, objective);
            prop_assert_eq!(allocation_key(&a), reference_key(&inst, objective), "{}", objective);
        }
    }

    /// Forbids and pins are sets: their order changes nothing, nor does solving again.
    #[test]
    fn deterministic(inst in random_instance(20, 12, 5, 2)) {
        prop_assume!(pins_feasible(&inst));
        let mut shuffled = inst.clone();
        shuffled.forbidden.reverse();
        shuffled.pinned.reverse();
        for objective in Objective::ALL {
            let a = solve_ok(&inst, objective);
            prop_assert_eq!(&a, &solve_ok(&inst, objective));
            prop_assert_eq!(&a, &solve_ok(&shuffled, objective));
        }
    }
}

#[test]
fn same_allocation_from_every_thread() {
    let teams: Vec<(String, Vec<String>)> = (0..60)
        .map(|t| {
            let prefs = (0..5)
                .map(|k| format!("p{}", (t * 7 + k * k * 3) % 40))
                .collect();
            (format!("t{t}"), prefs)
        })
        .collect();
    let mut inst = Instance {
        teams: teams
            .into_iter()
            .map(|(id, mut prefs)| {
                prefs.dedup();
                let mut seen = Vec::new();
                prefs.retain(|p| {
                    let fresh = !seen.contains(p);
                    seen.push(p.clone());
                    fresh
                });
                TeamPrefs { id, prefs }
            })
            .collect(),
        problems: (0..40)
            .map(|p| ProblemSpec {
                id: format!("p{p}"),
                capacity: 1,
            })
            .collect(),
        ..Instance::default()
    };
    inst.forbidden.push(pair("t3", "p21"));
    for objective in Objective::ALL {
        let expected = solve_ok(&inst, objective);
        let results: Vec<Allocation> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|_| s.spawn(|| solve(&inst, objective).expect("solves")))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        for r in results {
            assert_eq!(r, expected);
        }
    }
}

#[test]
fn empty_instances() {
    for objective in Objective::ALL {
        let a = solve_ok(&Instance::default(), objective);
        assert_eq!(a.assigned, 0);
        assert_eq!(a.worst_rank, None);
        assert!(a.rank_profile.is_empty());

        let no_problems = instance(&[("a", &[]), ("b", &[])], &[]);
        let a = solve_ok(&no_problems, objective);
        assert_eq!(a.unassigned, ["a", "b"]);
        assert_eq!(a.explanations[0].message, "ranked no problem");

        let no_teams = instance(&[], &[("x", 1)]);
        assert_eq!(solve_ok(&no_teams, objective).assigned, 0);
    }
}

#[test]
fn team_with_no_choices_and_all_forbidden() {
    let mut inst = instance(
        &[("a", &[]), ("b", &["x"]), ("c", &["x", "y"])],
        &[("x", 1), ("y", 1)],
    );
    inst.forbidden = vec![pair("b", "x")];
    let a = solve_ok(&inst, Objective::Fair);
    assert_eq!(a.unassigned, ["a", "b"]);
    assert_eq!(a.explanations[1].message, "every choice is forbidden");
    assert_eq!(a.explanations[1].choices[0].status, ChoiceStatus::Forbidden);
    assert_eq!(a.assignments[0].problem, "x");
}

#[test]
fn everyone_wants_the_same_problem() {
    let names: Vec<String> = (0..8).map(|i| format!("t{i}")).collect();
    let teams: Vec<(&str, &[&str])> = names.iter().map(|n| (n.as_str(), &["x"][..])).collect();
    for objective in Objective::ALL {
        let a = solve_ok(&instance(&teams, &[("x", 3)]), objective);
        assert_eq!(a.assigned, 3);
        // Ties go to teams in input order.
        assert_eq!(a.unassigned, ["t3", "t4", "t5", "t6", "t7"]);
        let why = &a.explanations[0];
        assert_eq!(
            why.choices[0].status,
            ChoiceStatus::Full {
                holders: vec!["t0".into(), "t1".into(), "t2".into()]
            }
        );
        assert_eq!((why.contenders, why.places, why.left_out), (8, 3, 5));
    }
}

#[test]
fn objectives_differ_as_documented() {
    // Three teams, three problems: first choices collide on x.
    let inst = instance(
        &[
            ("a", &["x", "y", "z"]),
            ("b", &["x", "z", "y"]),
            ("c", &["x", "y", "z"]),
        ],
        &[("x", 1), ("y", 1), ("z", 1)],
    );
    let profile = |o| solve_ok(&inst, o).rank_profile;
    // Either one first, one second, one third (total 6) or one first and two seconds is
    // impossible here (y and z both have one place): every objective places all three.
    for o in Objective::ALL {
        assert_eq!(profile(o).iter().sum::<usize>(), 3);
    }
    // 2 teams on x, y, z: {a: x, b: z, c: y} = [1, 2, 0]; rank-maximal and rank-sum agree.
    assert_eq!(profile(Objective::RankMaximal), [1, 2, 0]);
    assert_eq!(profile(Objective::RankSum), [1, 2, 0]);

    // Here rank-maximal and generous disagree: rank-maximal keeps two first choices at the
    // price of a third choice; generous avoids any third choice.
    let inst = instance(
        &[
            ("a", &["x", "y"]),
            ("b", &["y", "z", "w"]),
            ("c", &["z", "w", "y"]),
            ("d", &["w", "v", "u"]),
        ],
        &[("x", 1), ("y", 1), ("z", 1), ("w", 1), ("v", 1), ("u", 1)],
    );
    let best = best_keys(&inst).expect("no pins");
    for (o, best) in Objective::ALL.into_iter().zip(best) {
        assert_eq!(allocation_key(&solve_ok(&inst, o)), best, "{o}");
    }
}

#[test]
fn maximum_cardinality_comes_first() {
    // Giving a its first choice would leave b out.
    let inst = instance(&[("a", &["x", "y"]), ("b", &["x"])], &[("x", 1), ("y", 1)]);
    for objective in Objective::ALL {
        let a = solve_ok(&inst, objective);
        assert_eq!(a.assigned, 2, "{objective}");
        assert_eq!(a.rank_profile, [1, 1]);
    }
}

#[test]
fn fair_uses_the_pinned_worst_rank_for_free() {
    // Without p, the least worst rank is 2 (c: w, a: x, b: u, d: y; total 7), while c on its
    // third choice would give a and b their first ones (total 6). Pinned on its third choice,
    // p makes the worst rank 3 anyway, so the total may drop to 6.
    let mut inst = instance(
        &[
            ("p", &["u1", "u2", "pz"]),
            ("a", &["w", "x"]),
            ("b", &["x", "u"]),
            ("c", &["y", "w", "z"]),
            ("d", &["y"]),
        ],
        &[
            ("u1", 1),
            ("u2", 1),
            ("pz", 1),
            ("w", 1),
            ("x", 1),
            ("u", 1),
            ("y", 1),
            ("z", 1),
        ],
    );
    let free = solve_ok(&inst, Objective::Fair);
    assert_eq!((free.worst_rank, free.total_rank), (Some(2), 1 + 7));
    inst.pinned = vec![pair("p", "pz")];
    let pinned = solve_ok(&inst, Objective::Fair);
    assert_eq!((pinned.worst_rank, pinned.total_rank), (Some(3), 3 + 6));
    assert_eq!(
        allocation_key(&pinned),
        best_keys(&inst).expect("feasible")[0]
    );
}

#[test]
fn pins_fill_a_place_and_leave_the_others_open() {
    let mut inst = instance(&[("a", &["x"]), ("b", &["x"]), ("c", &["x"])], &[("x", 2)]);
    inst.pinned = vec![pair("c", "x")];
    let a = solve_ok(&inst, Objective::Fair);
    assert_eq!(a.assigned, 2);
    assert_eq!(a.unassigned, ["b"]);
    assert!(a.assignments.iter().any(|x| x.team == "c" && x.pinned));
    let why = &a.explanations[0];
    assert_eq!(
        why.choices[0].status,
        ChoiceStatus::Full {
            holders: vec!["a".into(), "c".into()]
        }
    );
    assert_eq!((why.contenders, why.places, why.left_out), (2, 1, 1));
}

#[test]
fn infeasible_pins_name_their_pairs() {
    let mut inst = instance(
        &[("a", &["x", "y"]), ("b", &["x"]), ("c", &["x", "y"])],
        &[("x", 1), ("y", 1)],
    );
    inst.forbidden = vec![pair("c", "y")];
    inst.pinned = vec![
        pair("a", "x"),
        pair("b", "x"),
        pair("b", "y"),
        pair("c", "y"),
        pair("a", "x"),
    ];
    let Err(AllocationError::InfeasiblePins { conflicts }) = solve(&inst, Objective::Fair) else {
        panic!("pins accepted");
    };
    assert_eq!(
        conflicts,
        vec![
            PinConflict::NotRanked {
                team: "b".into(),
                problem: "y".into()
            },
            PinConflict::Forbidden {
                team: "c".into(),
                problem: "y".into()
            },
            PinConflict::TeamPinnedTwice {
                team: "b".into(),
                problems: vec!["x".into(), "y".into()]
            },
            PinConflict::OverCapacity {
                problem: "x".into(),
                capacity: 1,
                teams: vec!["a".into(), "b".into()]
            },
        ]
    );
    let text = AllocationError::InfeasiblePins { conflicts }.to_string();
    assert_eq!(
        text,
        "infeasible pins: pin (b, y): b did not rank y; pin (c, y): the pair is also forbidden; \
         pins (b, x), (b, y): b can be placed on one problem only; \
         pins (a, x), (b, x): x has only 1 place(s)"
    );
}

#[test]
fn invalid_instances_name_the_field() {
    let cases: Vec<(Instance, &str)> = vec![
        (
            instance(&[("a", &[]), ("a", &[])], &[]),
            "teams[1].id: duplicate team id \"a\" (also teams[0])",
        ),
        (
            instance(&[], &[("x", 1), ("x", 2)]),
            "problems[1].id: duplicate problem id \"x\" (also problems[0])",
        ),
        (
            instance(&[("a", &["x", "q"])], &[("x", 1)]),
            "teams[0].prefs[1]: team \"a\" ranks unknown problem \"q\"",
        ),
        (
            instance(&[("a", &["x", "x"])], &[("x", 1)]),
            "teams[0].prefs[1]: team \"a\" ranks problem \"x\" twice",
        ),
        (
            Instance {
                forbidden: vec![pair("z", "x")],
                ..instance(&[("a", &["x"])], &[("x", 1)])
            },
            "forbidden[0][0]: unknown team \"z\"",
        ),
        (
            Instance {
                pinned: vec![pair("a", "q")],
                ..instance(&[("a", &["x"])], &[("x", 1)])
            },
            "pinned[0][1]: unknown problem \"q\"",
        ),
    ];
    for (inst, message) in cases {
        let err = solve(&inst, Objective::Fair).expect_err("invalid");
        assert!(matches!(err, AllocationError::InvalidInput { .. }));
        assert_eq!(err.to_string(), message);
    }
}

#[test]
fn objective_names() {
    for o in Objective::ALL {
        assert_eq!(o.as_str().parse::<Objective>(), Ok(o));
        assert_eq!(serde_json::to_string(&o).ok(), Some(format!("\"{o}\"")));
    }
    assert_eq!(Objective::default(), Objective::Fair);
    assert_eq!(
        "greedy".parse::<Objective>().map_err(|e| e.to_string()),
        Err(
            "unknown objective \"greedy\": expected fair, rank_sum, rank_maximal or generous"
                .into()
        )
    );
}

#[test]
fn many_ranks() {
    // 40 choices each: exponential weights 31^40 would overflow any machine integer.
    let problems: Vec<String> = (0..40).map(|p| format!("p{p}")).collect();
    let teams: Vec<TeamPrefs> = (0..30)
        .map(|t| TeamPrefs {
            id: format!("t{t}"),
            prefs: (0..40)
                .map(|k| problems[(t * 3 + k * 7) % 40].clone())
                .collect(),
        })
        .collect();
    let inst = Instance {
        teams,
        problems: problems
            .iter()
            .map(|id| ProblemSpec {
                id: id.clone(),
                capacity: 1,
            })
            .collect(),
        ..Instance::default()
    };
    for objective in Objective::ALL {
        let a = solve_ok(&inst, objective);
        assert_eq!(a.assigned, 30);
        assert_eq!(a.rank_profile.len(), 40);
    }
    // First choices 3t mod 40 are all different.
    assert_eq!(solve_ok(&inst, Objective::RankMaximal).rank_profile[0], 30);
}
