//! The JSON format of `fieldlab allocate --input FILE`: parse an instance with errors that name
//! the team and the field, solve it, print the allocation.
//!
//! Input: `{"teams":[{"id":"t1","prefs":["p3","p1"]}], "problems":[{"id":"p1","capacity":1}],
//! "forbidden":[["t1","p3"]], "pinned":[["t2","p1"]]}`; `capacity` defaults to 1, `forbidden`
//! and `pinned` are optional. Output: `{"objective","assigned","total_rank","worst_rank",
//! "rank_profile","assignments":[{"team","problem","rank"}],"unassigned":[..],
//! "explanations":[..]}` (`worst_rank` is null when no team is placed; pinned assignments
//! carry `"pinned": true`).

use serde_json::{Map, Value};

use super::domain::{AllocationError, Instance, Objective, ProblemSpec, TeamPrefs};

/// Why `fieldlab allocate` could not produce an allocation; the command exits with status 2.
#[derive(Debug, thiserror::Error)]
pub enum OfflineError {
    /// Not JSON at all.
    #[error("input is not valid JSON: {0}")]
    Json(#[source] serde_json::Error),
    /// JSON, but not an instance: `field` is a path such as `teams[3].prefs[1]`.
    #[error("{field}: {message}")]
    Field { field: String, message: String },
    /// A well-formed instance whose pins cannot all hold.
    #[error(transparent)]
    Allocation(AllocationError),
}

impl From<AllocationError> for OfflineError {
    fn from(e: AllocationError) -> Self {
        match e {
            AllocationError::InvalidInput { field, message } => {
                OfflineError::Field { field, message }
            }
            other => OfflineError::Allocation(other),
        }
    }
}

fn field_error(field: impl Into<String>, message: impl Into<String>) -> OfflineError {
    OfflineError::Field {
        field: field.into(),
        message: message.into(),
    }
}

/// Parses, solves and renders: what the command prints.
pub fn run(input_json: &str, objective: Objective) -> Result<String, OfflineError> {
    let instance = parse(input_json)?;
    let allocation = super::solve(&instance, objective)?;
    Ok(render(&allocation))
}

/// The allocation as pretty JSON (the command's output, ending without a newline).
pub fn render(allocation: &super::Allocation) -> String {
    // Serialising plain structs of strings and integers into a String cannot fail.
    serde_json::to_string_pretty(allocation).unwrap_or_default()
}

/// Reads an instance, naming the exact field of the first problem found.
pub fn parse(input_json: &str) -> Result<Instance, OfflineError> {
    let root: Value = serde_json::from_str(input_json).map_err(OfflineError::Json)?;
    let root = object(&root, "input")?;
    only_keys(root, "input", &["teams", "problems", "forbidden", "pinned"])?;

    let teams = array(required(root, "input", "teams")?, "teams")?
        .iter()
        .enumerate()
        .map(|(i, v)| team(v, i))
        .collect::<Result<Vec<_>, _>>()?;
    let problems = array(required(root, "input", "problems")?, "problems")?
        .iter()
        .enumerate()
        .map(|(i, v)| problem(v, i))
        .collect::<Result<Vec<_>, _>>()?;
    let forbidden = pairs(root, "forbidden")?;
    let pinned = pairs(root, "pinned")?;
    Ok(Instance {
        teams,
        problems,
        forbidden,
        pinned,
    })
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn object<'a>(v: &'a Value, field: &str) -> Result<&'a Map<String, Value>, OfflineError> {
    v.as_object()
        .ok_or_else(|| field_error(field, format!("expected an object, found {}", type_name(v))))
}

fn array<'a>(v: &'a Value, field: &str) -> Result<&'a Vec<Value>, OfflineError> {
    v.as_array()
        .ok_or_else(|| field_error(field, format!("expected an array, found {}", type_name(v))))
}

fn string(v: &Value, field: &str) -> Result<String, OfflineError> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| field_error(field, format!("expected a string, found {}", type_name(v))))
}

fn required<'a>(
    obj: &'a Map<String, Value>,
    at: &str,
    key: &str,
) -> Result<&'a Value, OfflineError> {
    obj.get(key)
        .ok_or_else(|| field_error(at, format!("missing field {key:?}")))
}

fn only_keys(obj: &Map<String, Value>, at: &str, allowed: &[&str]) -> Result<(), OfflineError> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        None => Ok(()),
        Some(k) => Err(field_error(
            at,
            format!("unknown field {k:?} (expected {})", allowed.join(", ")),
        )),
    }
}

/// `teams[i]`, with the team's id once known so messages say which team.
fn team(v: &Value, i: usize) -> Result<TeamPrefs, OfflineError> {
    let at = format!("teams[{i}]");
    let obj = object(v, &at)?;
    let id = string(required(obj, &at, "id")?, &format!("{at}.id"))?;
    let named = format!("team {id:?}");
    let with_team = |e: OfflineError| match e {
        OfflineError::Field { field, message } => OfflineError::Field {
            field,
            message: format!("{named}: {message}"),
        },
        other => other,
    };
    only_keys(obj, &at, &["id", "prefs"]).map_err(with_team)?;
    let prefs_at = format!("{at}.prefs");
    let prefs = array(required(obj, &at, "prefs").map_err(with_team)?, &prefs_at)
        .map_err(with_team)?
        .iter()
        .enumerate()
        .map(|(j, p)| string(p, &format!("{prefs_at}[{j}]")).map_err(with_team))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TeamPrefs { id, prefs })
}

fn problem(v: &Value, i: usize) -> Result<ProblemSpec, OfflineError> {
    let at = format!("problems[{i}]");
    let obj = object(v, &at)?;
    only_keys(obj, &at, &["id", "capacity"])?;
    let id = string(required(obj, &at, "id")?, &format!("{at}.id"))?;
    let capacity = match obj.get("capacity") {
        None => 1,
        Some(c) => c
            .as_u64()
            .and_then(|c| u32::try_from(c).ok())
            .ok_or_else(|| {
                field_error(
                    format!("{at}.capacity"),
                    format!(
                        "problem {id:?}: expected an integer from 0 to {}, found {c}",
                        u32::MAX
                    ),
                )
            })?,
    };
    Ok(ProblemSpec { id, capacity })
}

/// `forbidden` or `pinned`: an optional array of `[team, problem]` pairs.
fn pairs(root: &Map<String, Value>, key: &str) -> Result<Vec<(String, String)>, OfflineError> {
    let Some(v) = root.get(key) else {
        return Ok(Vec::new());
    };
    if v.is_null() {
        return Ok(Vec::new());
    }
    array(v, key)?
        .iter()
        .enumerate()
        .map(|(i, pair)| {
            let at = format!("{key}[{i}]");
            match pair.as_array().map(Vec::as_slice) {
                Some([team, problem]) => Ok((
                    string(team, &format!("{at}[0]"))?,
                    string(problem, &format!("{at}[1]"))?,
                )),
                _ => Err(field_error(
                    at,
                    format!(
                        "expected a [team id, problem id] pair, found {}",
                        compact(pair)
                    ),
                )),
            }
        })
        .collect()
}

fn compact(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(input: &str) -> String {
        run(input, Objective::Fair)
            .expect_err("refused")
            .to_string()
    }

    #[test]
    fn solves_the_contract_example() {
        let input = r#"{"teams":[{"id":"t1","prefs":["p3","p1"]},{"id":"t2","prefs":["p1"]}],
            "problems":[{"id":"p1","capacity":1},{"id":"p3"}],
            "forbidden":[["t1","p3"]], "pinned":[["t2","p1"]]}"#;
        let out: Value =
            serde_json::from_str(&run(input, Objective::RankSum).expect("solves")).expect("json");
        assert_eq!(
            out,
            serde_json::json!({
                "objective": "rank_sum",
                "assigned": 1,
                "total_rank": 1,
                "worst_rank": 1,
                "rank_profile": [1, 0],
                "assignments": [{"team": "t2", "problem": "p1", "rank": 1, "pinned": true}],
                "unassigned": ["t1"],
                "explanations": [{
                    "team": "t1",
                    "choices": [
                        {"problem": "p3", "rank": 1, "status": {"kind": "forbidden"}},
                        {"problem": "p1", "rank": 2, "status": {"kind": "full", "holders": ["t2"]}}
                    ],
                    "contenders": 1,
                    "places": 0,
                    "left_out": 1,
                    "message": "1 of its 2 choices are forbidden and the others are full, \
                                with no place a move could free (pinned teams or no capacity)"
                }]
            })
        );
    }

    #[test]
    fn empty_output_has_null_worst_rank() {
        let out: Value = serde_json::from_str(
            &run(r#"{"teams":[],"problems":[]}"#, Objective::Generous).expect("solves"),
        )
        .expect("json");
        assert_eq!(out["worst_rank"], Value::Null);
        assert_eq!(out["objective"], "generous");
    }

    #[test]
    fn malformed_input_names_team_and_field() {
        let cases = [
            ("[1]", "input: expected an object, found an array"),
            ("{\"teams\":[]}", "input: missing field \"problems\""),
            (
                r#"{"teams":[],"problems":[],"pins":[]}"#,
                "input: unknown field \"pins\" (expected teams, problems, forbidden, pinned)",
            ),
            (r#"{"teams":{},"problems":[]}"#, "teams: expected an array, found an object"),
            (r#"{"teams":[{"prefs":[]}],"problems":[]}"#, "teams[0]: missing field \"id\""),
            (
                r#"{"teams":[{"id":"a","prefs":[]},{"id":"b","prefs":["x",3]}],"problems":[]}"#,
                "teams[1].prefs[1]: team \"b\": expected a string, found a number",
            ),
            (
                r#"{"teams":[{"id":"a"}],"problems":[]}"#,
                "teams[0]: team \"a\": missing field \"prefs\"",
            ),
            (
                r#"{"teams":[{"id":"a","prefs":["x"]}],"problems":[]}"#,
                "teams[0].prefs[0]: team \"a\" ranks unknown problem \"x\"",
            ),
            (
                r#"{"teams":[],"problems":[{"id":"x","capacity":-1}]}"#,
                "problems[0].capacity: problem \"x\": expected an integer from 0 to 4294967295, found -1",
            ),
            (
                r#"{"teams":[],"problems":[{"id":"x","capcity":2}]}"#,
                "problems[0]: unknown field \"capcity\" (expected id, capacity)",
            ),
            (
                r#"{"teams":[],"problems":[],"pinned":[["a"]]}"#,
                "pinned[0]: expected a [team id, problem id] pair, found [\"a\"]",
            ),
            (
                r#"{"teams":[{"id":"a","prefs":["x"]}],"problems":[{"id":"x"}],"pinned":[["b","x"]]}"#,
                "pinned[0][0]: unknown team \"b\"",
            ),
        ];
        for (input, message) in cases {
            assert_eq!(error(input), message, "{input}");
        }
        assert!(error("{\"teams\": [").starts_with("input is not valid JSON: EOF"));
    }

    #[test]
    fn infeasible_pins_are_errors() {
        let input = r#"{"teams":[{"id":"a","prefs":["x"]},{"id":"b","prefs":["x"]}],
            "problems":[{"id":"x"}], "pinned":[["a","x"],["b","x"]]}"#;
        let err = run(input, Objective::Fair).expect_err("refused");
        assert!(matches!(err, OfflineError::Allocation(_)));
        assert_eq!(
            err.to_string(),
            "infeasible pins: pins (a, x), (b, x): x has only 1 place(s)"
        );
    }
}
