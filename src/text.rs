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

#[cfg(test)]
mod tests {
    use super::{normalise_email, not_blank};

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
