//! The allocation as a CSV file that opens cleanly in a French spreadsheet: `;` between
//! fields (`,` is the decimal separator there) and a UTF-8 byte-order mark so accents show.
//! Names typed by users are written so that no spreadsheet runs them as formulas.

use std::collections::HashMap;

use crate::db::DbConnection;
use crate::error::ApiError;
use crate::missions::models;
use crate::missions::views::AllocationView;
use crate::spreadsheet::{self, file_name};

/// The campaign's latest allocation as a CSV download: its file name and its text.
pub fn allocation_csv(
    conn: &mut DbConnection,
    campaign_id: &str,
) -> Result<(String, String), ApiError> {
    let (campaign, stored) = crate::missions::publication::latest(conn, campaign_id)?;
    let lines = lines(conn, &campaign.id, &AllocationView::from(stored))?;
    Ok((file_name(&campaign.name, "allocation.csv"), to_csv(&lines)?))
}

/// One line of the export: a team and where it was placed (empty when unplaced).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub team: String,
    pub members: String,
    pub problem: String,
    pub company: String,
    pub rank: Option<u32>,
}

/// The lines of an allocation, placed teams first (in allocation order), then unplaced ones.
pub fn lines(
    conn: &mut DbConnection,
    campaign_id: &str,
    view: &AllocationView,
) -> Result<Vec<Line>, ApiError> {
    let teams: HashMap<String, String> = models::all_teams(conn, campaign_id)?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let mut members: HashMap<String, Vec<String>> = HashMap::new();
    for m in models::campaign_members(conn, campaign_id)? {
        members
            .entry(m.team_id)
            .or_default()
            .push(format!("{} <{}>", m.name, m.email));
    }
    let problems: HashMap<String, models::Problem> = models::accepted_problems(conn, campaign_id)?
        .into_iter()
        .map(|p| (p.id.clone(), p))
        .collect();
    let companies = models::campaign_companies(conn, campaign_id)?;
    let mut out = Vec::new();
    let team_line = |team_id: &str, members: &HashMap<String, Vec<String>>| Line {
        team: teams.get(team_id).cloned().unwrap_or_default(),
        members: members
            .get(team_id)
            .map(|m| m.join(", "))
            .unwrap_or_default(),
        problem: String::new(),
        company: String::new(),
        rank: None,
    };
    for a in &view.assignments {
        let mut line = team_line(&a.team_id, &members);
        if let Some(problem) = problems.get(&a.problem_id) {
            line.problem = problem.title.clone();
            line.company = companies
                .get(&problem.company_id)
                .map(|(c, _)| c.name.clone())
                .unwrap_or_default();
        }
        line.rank = Some(a.rank);
        out.push(line);
    }
    for team in &view.unassigned_team_ids {
        out.push(team_line(team, &members));
    }
    Ok(out)
}

/// The CSV text: BOM, a header, `;`-separated, quoted where needed, every cell neutralised.
pub fn to_csv(lines: &[Line]) -> Result<String, ApiError> {
    let rows = lines.iter().map(|l| {
        let rank = l.rank.map(|r| r.to_string()).unwrap_or_default();
        vec![
            l.team.clone(),
            l.members.clone(),
            l.problem.clone(),
            l.company.clone(),
            rank,
        ]
    });
    spreadsheet::french_csv(&["team", "members", "problem", "company", "rank"], rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spreadsheet::neutralise;

    #[test]
    fn french_spreadsheets_get_semicolons_a_bom_and_quotes() {
        let csv = to_csv(&[
            Line {
                team: "Les Gardons".into(),
                members: "Zoé Martin <zoe@x.fr>, Léo Roux <leo@x.fr>".into(),
                problem: "Réduire les chutes; vite".into(),
                company: "Découpes Cévenoles".into(),
                rank: Some(2),
            },
            Line {
                team: "Seuls".into(),
                members: String::new(),
                problem: String::new(),
                company: String::new(),
                rank: None,
            },
        ])
        .expect("csv");
        assert!(csv.starts_with('\u{feff}'));
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines[0], "team;members;problem;company;rank");
        assert_eq!(
            lines[1],
            "Les Gardons;Zoé Martin <zoe@x.fr>, Léo Roux <leo@x.fr>;\"Réduire les chutes; vite\";Découpes Cévenoles;2"
        );
        assert_eq!(lines[2], "Seuls;;;;");
    }

    #[test]
    fn file_names_are_plain() {
        assert_eq!(
            file_name("Missions terrain — printemps 2027", "allocation.csv"),
            "missions-terrain-printemps-2027-allocation.csv"
        );
        assert_eq!(
            file_name("Automne 2027 — Alès", "allocation.csv"),
            "automne-2027-ales-allocation.csv"
        );
        assert_eq!(
            file_name("Cévennes : œuvres & ÉTÉ", "allocation.csv"),
            "cevennes-oeuvres-ete-allocation.csv"
        );
        assert_eq!(file_name("—", "allocation.csv"), "allocation.csv");
    }

    #[test]
    fn cells_that_a_spreadsheet_would_run_are_neutralised() {
        for formula in [
            "=HYPERLINK(\"x\")",
            "+33 4 66",
            "-2+3",
            "@SUM(A1)",
            "\tx",
            "\rx",
        ] {
            assert_eq!(neutralise(formula), format!("'{formula}"));
        }
        for plain in ["Les Gardons", "", "2", "a=b", " =x", "'quoted"] {
            assert_eq!(neutralise(plain), plain);
        }
        let csv = to_csv(&[Line {
            team: "=HYPERLINK(\"http://x\")".into(),
            members: "@Zoé".into(),
            problem: "-1".into(),
            company: "+Corp".into(),
            rank: Some(1),
        }])
        .expect("csv");
        let line = csv.lines().nth(1).expect("a line");
        assert_eq!(line, "\"'=HYPERLINK(\"\"http://x\"\")\";'@Zoé;'-1;'+Corp;1");
    }
}
