//! The host's SIRET (Système d'identification du répertoire des établissements, INSEE): 14
//! digits, the company's SIREN (9) then the establishment's NIC (5), the last digit a Luhn key
//! over all 14.
//!
//! The one exception INSEE applies (checked 2026-12-06 in the French Wikipedia article on the
//! SIRET, which cites INSEE and the CNRS's « Normalisation des codes SIREN – SIRET », 2001): La
//! Poste's establishments, all under SIREN 356 000 000 since it became a société anonyme, are
//! too many for Luhn keys; theirs are valid when the sum of the 14 digits is a multiple of 5.
//! Its head office, 356 000 000 00048, has an ordinary Luhn key.
//!
//! Parse, don't validate: a [`Siret`] exists only valid; code holding one never re-checks.

use std::fmt;

/// La Poste's SIREN, whose establishments follow the digit-sum rule.
const LA_POSTE_SIREN: &str = "356000000";

/// A valid SIRET: 14 ASCII digits with a valid key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Siret(String);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiretError {
    /// Not 14 digits once spaces are taken out (how many there were).
    Length(usize),
    /// Something else than digits and spaces.
    NotDigits,
    /// 14 digits whose key is wrong: a typo.
    Key,
}

impl fmt::Display for SiretError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SiretError::Length(n) => write!(f, "a SIRET has 14 digits, not {n}"),
            SiretError::NotDigits => f.write_str("a SIRET has digits only"),
            SiretError::Key => f.write_str("this SIRET's key is wrong (a digit mistyped?)"),
        }
    }
}

impl std::error::Error for SiretError {}

impl Siret {
    /// Reads a SIRET as people write it: spaces (also non-breaking ones) between groups are
    /// allowed, "732 829 320 00074".
    pub fn parse(input: &str) -> Result<Self, SiretError> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err(SiretError::NotDigits);
        }
        if digits.len() != 14 {
            return Err(SiretError::Length(digits.len()));
        }
        let valid = luhn_valid(&digits)
            || (digits.starts_with(LA_POSTE_SIREN) && digit_sum(&digits).is_multiple_of(5));
        if !valid {
            return Err(SiretError::Key);
        }
        Ok(Self(digits))
    }

    /// The 14 digits, as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The company (unité légale): the first 9 digits.
    pub fn siren(&self) -> &str {
        &self.0[..9]
    }

    /// The establishment within the company: the last 5 digits.
    pub fn nic(&self) -> &str {
        &self.0[9..]
    }
}

/// As printed: "732 829 320 00074".
impl fmt::Display for Siret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.0;
        write!(f, "{} {} {} {}", &s[..3], &s[3..6], &s[6..9], &s[9..])
    }
}

fn digit_values(digits: &str) -> impl DoubleEndedIterator<Item = u32> + '_ {
    digits.bytes().map(|b| u32::from(b - b'0'))
}

/// Luhn: from the right, every second digit doubled (less 9 when over 9); the sum is a multiple
/// of 10.
fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digit_values(digits)
        .rev()
        .enumerate()
        .map(|(i, d)| match (i % 2 == 1, d * 2) {
            (true, twice) if twice > 9 => twice - 9,
            (true, twice) => twice,
            (false, _) => d,
        })
        .sum();
    sum.is_multiple_of(10)
}

fn digit_sum(digits: &str) -> u32 {
    digit_values(digits).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real SIRETs: INSEE's own example (the 7th establishment of SIREN 732 829 320), La Poste's
    /// head office, an SARL's from its published invoice footer (753 805 035 00031), and the one
    /// a public validation library documents (332 433 952 00022).
    #[test]
    fn real_sirets_parse() {
        for input in [
            "73282932000074",
            "35600000000048",
            "753 805 035 00031",
            "33243395200022",
        ] {
            assert!(Siret::parse(input).is_ok(), "{input}");
        }
        let insee = Siret::parse("732 829 320 00074").expect("INSEE's example");
        assert_eq!(insee.as_str(), "73282932000074");
        assert_eq!(insee.siren(), "732829320");
        assert_eq!(insee.nic(), "00074");
        assert_eq!(insee.to_string(), "732 829 320 00074");
        // A non-breaking space, as a spreadsheet pastes it.
        assert!(Siret::parse("732\u{a0}829\u{a0}320\u{a0}00074").is_ok());
    }

    /// Luhn over 73282932000074: the key (last digit) is not doubled, so from the left the
    /// 1st, 3rd, … 13th digits are: 7→14→5, 2→4, 2→4, 3→6, 0, 0, 7→5 (sum 24); the others
    /// 3+8+9+2+0+0+4 = 26; 24 + 26 = 50, a multiple of 10.
    #[test]
    fn luhn_by_hand() {
        assert!(luhn_valid("73282932000074"));
        assert!(!luhn_valid("73282932000075"));
    }

    /// La Poste's establishments: 356 000 000 49837 (from a public validator's tests) has no
    /// Luhn key but its digits add up to 3+5+6+4+9+8+3+7 = 45, a multiple of 5.
    #[test]
    fn la_poste_establishments_follow_the_digit_sum() {
        assert!(!luhn_valid("35600000049837"));
        assert!(Siret::parse("35600000049837").is_ok());
        // 46: neither rule.
        assert_eq!(Siret::parse("35600000049838"), Err(SiretError::Key));
        // The digit-sum rule is La Poste's only: elsewhere a sum of 45 is no key.
        assert_eq!(digit_sum("73282932000077"), 50);
        assert!(!luhn_valid("73282932000077"));
        assert_eq!(Siret::parse("73282932000077"), Err(SiretError::Key));
    }

    #[test]
    fn mistakes_are_refused_with_their_reason() {
        assert_eq!(Siret::parse("73282932000075"), Err(SiretError::Key));
        // Two digits swapped.
        assert_eq!(Siret::parse("37282932000074"), Err(SiretError::Key));
        assert_eq!(Siret::parse("7328293200007"), Err(SiretError::Length(13)));
        assert_eq!(Siret::parse("732829320000740"), Err(SiretError::Length(15)));
        assert_eq!(Siret::parse(""), Err(SiretError::Length(0)));
        assert_eq!(Siret::parse("7328293200007A"), Err(SiretError::NotDigits));
        assert_eq!(
            Siret::parse("732-829-320-00074"),
            Err(SiretError::NotDigits)
        );
        assert_eq!(Siret::parse("٧٣٢٨٢٩٣٢٠٠٠٠٧٤"), Err(SiretError::NotDigits));
    }
}
