//! Text as it arrives from JSON bodies, forms and query strings.

/// The trimmed text, or `None` when it is absent or only blanks: an optional field sent as `""`
/// (as every empty form field is) means "not given".
pub fn not_blank(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// The one form an e-mail address is stored, compared and looked up in: trimmed and
/// lower-cased, so that one mailbox is one account whatever case it is typed in.
pub fn normalise_email(raw: &str) -> String {
    raw.trim().to_lowercase()
}

/// A team as a heading names it: "Équipe Les Gardons" / "Team Les Gardons", but a team that
/// already calls itself "Équipe 19" or "Team 19" (the demo's, many students') is not prefixed
/// again ("Équipe Équipe 19").
pub fn team_title(name: &str, french: bool) -> String {
    let name = name.trim();
    if names_itself_a_team(name) {
        name.to_owned()
    } else if french {
        format!("Équipe {name}")
    } else {
        format!("Team {name}")
    }
}

/// The same inside a sentence ("votre équipe Les Gardons", "votre équipe 19"): the leading
/// word in lower case.
pub fn team_in_text(name: &str, french: bool) -> String {
    let title = team_title(name, french);
    for word in ["Équipe", "Equipe", "Team"] {
        if let Some(rest) = title.strip_prefix(word) {
            if rest.starts_with(' ') {
                return format!("{}{rest}", word.to_lowercase());
            }
        }
    }
    title
}

fn names_itself_a_team(name: &str) -> bool {
    let first = name.split_whitespace().next().unwrap_or("").to_lowercase();
    matches!(first.as_str(), "équipe" | "equipe" | "team")
}

#[cfg(test)]
mod tests {
    use super::{normalise_email, not_blank, team_in_text, team_title};

    #[test]
    fn a_team_is_named_with_its_word_once() {
        assert_eq!(team_title("Les Gardons", true), "Équipe Les Gardons");
        assert_eq!(team_title("Les Gardons", false), "Team Les Gardons");
        assert_eq!(team_title("Équipe 19", true), "Équipe 19");
        assert_eq!(team_title("équipe 19", true), "équipe 19");
        assert_eq!(team_title("Team Rocket", true), "Team Rocket");
        assert_eq!(
            team_title("Équipement lourd", true),
            "Équipe Équipement lourd"
        );
        assert_eq!(team_in_text("Équipe 57", true), "équipe 57");
        assert_eq!(team_in_text("Les Gardons", true), "équipe Les Gardons");
        assert_eq!(team_in_text("Team 4", false), "team 4");
    }

    #[test]
    fn an_address_is_compared_trimmed_and_lower_cased() {
        assert_eq!(normalise_email("  Zoé.Martin@Etu.FR "), "zoé.martin@etu.fr");
    }

    #[test]
    fn blank_text_is_not_given() {
        assert_eq!(not_blank(None), None);
        assert_eq!(not_blank(Some("")), None);
        assert_eq!(not_blank(Some(" \t ")), None);
        assert_eq!(not_blank(Some(" Zoé ")), Some("Zoé"));
    }
}
