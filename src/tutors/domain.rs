//! Tutor rules: the expertise domains, the load limits, and how suggestions are ranked. Pure:
//! nothing here touches the database.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::FieldError;

/// The fields the school's incubator and missions cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Domain {
    CivilEngineering,
    Building,
    Materials,
    MineralResources,
    LandPlanning,
    Environment,
    Digital,
    Mechatronics,
    IndustrialEngineering,
    Agrifood,
}

impl Domain {
    pub const ALL: [Domain; 10] = [
        Domain::CivilEngineering,
        Domain::Building,
        Domain::Materials,
        Domain::MineralResources,
        Domain::LandPlanning,
        Domain::Environment,
        Domain::Digital,
        Domain::Mechatronics,
        Domain::IndustrialEngineering,
        Domain::Agrifood,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Domain::CivilEngineering => "civil_engineering",
            Domain::Building => "building",
            Domain::Materials => "materials",
            Domain::MineralResources => "mineral_resources",
            Domain::LandPlanning => "land_planning",
            Domain::Environment => "environment",
            Domain::Digital => "digital",
            Domain::Mechatronics => "mechatronics",
            Domain::IndustrialEngineering => "industrial_engineering",
            Domain::Agrifood => "agrifood",
        }
    }

    /// How e-mails name the domain.
    pub fn label(self, french: bool) -> &'static str {
        match (self, french) {
            (Domain::CivilEngineering, true) => "génie civil",
            (Domain::CivilEngineering, false) => "civil engineering",
            (Domain::Building, true) => "bâtiment",
            (Domain::Building, false) => "building",
            (Domain::Materials, true) => "matériaux",
            (Domain::Materials, false) => "materials",
            (Domain::MineralResources, true) => "ressources minérales",
            (Domain::MineralResources, false) => "mineral resources",
            (Domain::LandPlanning, true) => "aménagement du territoire",
            (Domain::LandPlanning, false) => "land planning",
            (Domain::Environment, true) => "environnement",
            (Domain::Environment, false) => "environment",
            (Domain::Digital, true) => "numérique",
            (Domain::Digital, false) => "digital",
            (Domain::Mechatronics, true) => "mécatronique",
            (Domain::Mechatronics, false) => "mechatronics",
            (Domain::IndustrialEngineering, true) => "génie industriel",
            (Domain::IndustrialEngineering, false) => "industrial engineering",
            (Domain::Agrifood, true) => "agroalimentaire",
            (Domain::Agrifood, false) => "agrifood",
        }
    }
}

impl fmt::Display for Domain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Domain {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Domain::ALL
            .into_iter()
            .find(|d| d.as_str() == s.trim())
            .ok_or_else(|| {
                let list: Vec<&str> = Domain::ALL.iter().map(|d| d.as_str()).collect();
                format!("`{s}` is not a domain: use {}", list.join(", "))
            })
    }
}

/// A tutor's expertise: one or more distinct domains, in the order given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domains(Vec<Domain>);

impl Domains {
    pub fn parse(raw: &[String]) -> Result<Self, String> {
        let mut domains = Vec::new();
        for item in raw {
            let domain: Domain = item.parse()?;
            if !domains.contains(&domain) {
                domains.push(domain);
            }
        }
        if domains.is_empty() {
            return Err("give at least one domain".into());
        }
        Ok(Self(domains))
    }

    /// The stored form (comma-separated); unknown words, which the CHECK-free column could
    /// only hold if written by hand, are dropped.
    pub fn from_stored(stored: &str) -> Self {
        Self(stored.split(',').filter_map(|d| d.parse().ok()).collect())
    }

    pub fn to_stored(&self) -> String {
        let words: Vec<&str> = self.0.iter().map(|d| d.as_str()).collect();
        words.join(",")
    }

    pub fn contains(&self, domain: Domain) -> bool {
        self.0.contains(&domain)
    }

    pub fn as_slice(&self) -> &[Domain] {
        &self.0
    }
}

/// A load limit (`max_projects`, `max_missions`): an integer ≥ 0.
pub fn parse_limit(field: &str, raw: Option<i64>) -> Result<i32, FieldError> {
    match raw {
        None => Err(FieldError::new(field, "is required")),
        Some(n) if n < 0 => Err(FieldError::new(field, "must be 0 or more")),
        Some(n) => i32::try_from(n)
            .ok()
            .filter(|n| *n <= 10_000)
            .ok_or_else(|| FieldError::new(field, "must be at most 10000")),
    }
}

/// What a tutor follows now, derived from the projects and missions themselves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Load {
    /// Incubating projects this tutor follows.
    pub projects: i64,
    /// Field missions this tutor follows.
    pub missions: i64,
}

/// The one "tutor has room" rule, for projects (`max_projects`) and missions (`max_missions`
/// of a campaign) alike: one more fits while the tutor follows fewer than their limit (a
/// limit of 0 takes none).
pub fn has_room(followed: i64, limit: i32) -> bool {
    followed < i64::from(limit)
}

impl Load {
    /// Whether one more incubating project fits under `max_projects`.
    pub fn has_room_for_project(self, max_projects: i32) -> bool {
        has_room(self.projects, max_projects)
    }
}

/// A tutor who might follow a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub tutor_id: String,
    pub name: String,
    pub domains: Domains,
    pub load: Load,
    pub max_projects: i32,
}

/// A ranked candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub candidate: Candidate,
    pub domain_match: bool,
}

/// Tutors with room for one more project, those whose expertise covers `domain` first, then
/// the lightest relative load (projects / max_projects), then the fewest projects, then by name.
pub fn rank_suggestions(candidates: Vec<Candidate>, domain: Domain) -> Vec<Suggestion> {
    let mut ranked: Vec<Suggestion> = candidates
        .into_iter()
        .filter(|c| c.load.has_room_for_project(c.max_projects))
        .map(|c| Suggestion {
            domain_match: c.domains.contains(domain),
            candidate: c,
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.domain_match
            .cmp(&a.domain_match)
            .then_with(|| relative_load(&a.candidate, &b.candidate))
            .then_with(|| a.candidate.load.projects.cmp(&b.candidate.load.projects))
            .then_with(|| a.candidate.name.cmp(&b.candidate.name))
            .then_with(|| a.candidate.tutor_id.cmp(&b.candidate.tutor_id))
    });
    ranked
}

/// a.projects / a.max against b.projects / b.max, exactly (cross-multiplied; both max > 0
/// since a tutor without room is left out before).
fn relative_load(a: &Candidate, b: &Candidate) -> Ordering {
    let left = a.load.projects * i64::from(b.max_projects);
    let right = b.load.projects * i64::from(a.max_projects);
    left.cmp(&right)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: &str, domains: &[Domain], projects: i64, max: i32) -> Candidate {
        Candidate {
            tutor_id: id.into(),
            name: id.into(),
            domains: Domains(domains.to_vec()),
            load: Load {
                projects,
                missions: 0,
            },
            max_projects: max,
        }
    }

    #[test]
    fn domains_parse_from_the_contract_list_only() {
        let ok = Domains::parse(&["digital".into(), "building".into(), "digital".into()]);
        assert_eq!(
            ok.as_ref().map(Domains::to_stored).ok().as_deref(),
            Some("digital,building")
        );
        assert!(Domains::parse(&["astrology".into()]).is_err());
        assert!(Domains::parse(&[]).is_err());
        assert_eq!(
            Domains::from_stored("materials,agrifood").as_slice(),
            &[Domain::Materials, Domain::Agrifood]
        );
    }

    #[test]
    fn no_domain_name_is_part_of_another() {
        // The tutor list's `?domain=` filter relies on it (a substring match on the stored list).
        for a in Domain::ALL {
            for b in Domain::ALL {
                assert!(
                    a == b || !a.as_str().contains(b.as_str()),
                    "{a} contains {b}"
                );
            }
        }
    }

    #[test]
    fn limits_are_integers_of_zero_or_more() {
        assert_eq!(parse_limit("max_projects", Some(3)).ok(), Some(3));
        assert_eq!(parse_limit("max_projects", Some(0)).ok(), Some(0));
        assert!(parse_limit("max_projects", Some(-1)).is_err());
        assert!(parse_limit("max_projects", None).is_err());
        assert!(parse_limit("max_projects", Some(i64::MAX)).is_err());
    }

    #[test]
    fn a_tutor_has_room_below_the_limit_only() {
        assert!(has_room(0, 1));
        assert!(has_room(2, 3));
        assert!(!has_room(3, 3));
        assert!(!has_room(0, 0));
        let load = Load {
            projects: 2,
            missions: 9,
        };
        assert!(load.has_room_for_project(3));
        assert!(!load.has_room_for_project(2));
    }

    #[test]
    fn suggestions_put_domain_matches_first_then_the_lightest_relative_load() {
        let ranked = rank_suggestions(
            vec![
                candidate("full", &[Domain::Digital], 2, 2),
                candidate("zero-limit", &[Domain::Digital], 0, 0),
                candidate("other-light", &[Domain::Building], 0, 3),
                candidate("match-half", &[Domain::Digital], 2, 4),
                candidate("match-third", &[Domain::Digital, Domain::Materials], 1, 3),
            ],
            Domain::Digital,
        );
        let order: Vec<&str> = ranked
            .iter()
            .map(|s| s.candidate.tutor_id.as_str())
            .collect();
        assert_eq!(order, ["match-third", "match-half", "other-light"]);
        assert!(ranked[0].domain_match && !ranked[2].domain_match);
    }
}
