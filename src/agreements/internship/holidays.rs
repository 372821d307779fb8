//! French public holidays (jours fériés) of a year, computed: none is typed in.
//!
//! - Code du travail, article L3133-1 (checked 2026-12-06 at
//!   <https://www.legifrance.gouv.fr/codes/id/LEGISCTA000033008129/>): « Les fêtes légales
//!   ci-après désignées sont des jours fériés : 1° Le 1er janvier ; 2° Le lundi de Pâques ;
//!   3° Le 1er mai ; 4° Le 8 mai ; 5° L'Ascension ; 6° Le lundi de Pentecôte ; 7° Le 14 juillet ;
//!   8° L'Assomption ; 9° La Toussaint ; 10° Le 11 novembre ; 11° Le jour de Noël. »
//! - Code du travail, article L3134-13 (local law of Moselle, Bas-Rhin and Haut-Rhin, from the
//!   ordonnance of 16 August 1892; checked 2026-12-06 through its quotations, not at Légifrance
//!   itself): adds the second day of Christmas (26 December) and Good Friday (Vendredi saint),
//!   the latter only « dans les communes ayant un temple protestant ou une église mixte ».
//!   [`Region::AlsaceMoselle`] counts both; a host in a commune without such a church should be
//!   given [`Region::Metropolitan`] plus the 26th as an interruption, or a region of its own
//!   when one is needed.
//! - Overseas departments add the commemoration of the abolition of slavery (a different date
//!   in each) and are not covered here.
//!
//! Easter Sunday is computed by the anonymous Gregorian algorithm (Meeus/Jones/Butcher); the
//! movable feasts follow it: Easter Monday +1, Ascension +39, Whit Monday +50, Good Friday −2.

use chrono::{Datelike, Duration, NaiveDate};

/// Where the host is: metropolitan France, or the three departments of Alsace-Moselle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Region {
    #[default]
    Metropolitan,
    /// Moselle, Bas-Rhin, Haut-Rhin: two more days (Code du travail L3134-13).
    AlsaceMoselle,
    /// A host abroad: French holidays do not apply (ESUP-Stage's issue #321 asks for this);
    /// the host's own days off are given as interruptions.
    Abroad,
}

/// A public holiday, named as the law names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holiday {
    NewYear,
    GoodFriday,
    EasterMonday,
    LabourDay,
    VictoryInEurope,
    Ascension,
    WhitMonday,
    BastilleDay,
    Assumption,
    AllSaints,
    Armistice,
    Christmas,
    SaintStephen,
}

impl Holiday {
    /// The French name, as printed in an agreement.
    pub fn name_fr(self) -> &'static str {
        match self {
            Holiday::NewYear => "1er janvier",
            Holiday::GoodFriday => "Vendredi saint",
            Holiday::EasterMonday => "lundi de Pâques",
            Holiday::LabourDay => "1er mai",
            Holiday::VictoryInEurope => "8 mai",
            Holiday::Ascension => "Ascension",
            Holiday::WhitMonday => "lundi de Pentecôte",
            Holiday::BastilleDay => "14 juillet",
            Holiday::Assumption => "Assomption",
            Holiday::AllSaints => "Toussaint",
            Holiday::Armistice => "11 novembre",
            Holiday::Christmas => "Noël",
            Holiday::SaintStephen => "26 décembre",
        }
    }
}

/// Easter Sunday of a Gregorian year (anonymous algorithm, Meeus/Jones/Butcher). Defined for
/// every year chrono represents; `None` only outside its range.
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

/// The public holidays of `year` in `region`, in date order.
pub fn public_holidays(year: i32, region: Region) -> Vec<(NaiveDate, Holiday)> {
    let Some(easter) = easter_sunday(year) else {
        return Vec::new();
    };
    if region == Region::Abroad {
        return Vec::new();
    }
    let fixed =
        |month, day, holiday| NaiveDate::from_ymd_opt(year, month, day).map(|d| (d, holiday));
    let mut days: Vec<(NaiveDate, Holiday)> = [
        fixed(1, 1, Holiday::NewYear),
        Some((easter + Duration::days(1), Holiday::EasterMonday)),
        fixed(5, 1, Holiday::LabourDay),
        fixed(5, 8, Holiday::VictoryInEurope),
        Some((easter + Duration::days(39), Holiday::Ascension)),
        Some((easter + Duration::days(50), Holiday::WhitMonday)),
        fixed(7, 14, Holiday::BastilleDay),
        fixed(8, 15, Holiday::Assumption),
        fixed(11, 1, Holiday::AllSaints),
        fixed(11, 11, Holiday::Armistice),
        fixed(12, 25, Holiday::Christmas),
    ]
    .into_iter()
    .flatten()
    .collect();
    if region == Region::AlsaceMoselle {
        days.push((easter - Duration::days(2), Holiday::GoodFriday));
        days.extend(fixed(12, 26, Holiday::SaintStephen));
    }
    // Ascension may fall on 1 or 8 May (it did on 1 May 2008): one date, two feasts, and the
    // day is still counted once by `holiday_on`.
    days.sort_by_key(|(date, _)| *date);
    days
}

/// The holiday falling on `date`, if any.
pub fn holiday_on(date: NaiveDate, region: Region) -> Option<Holiday> {
    public_holidays(date.year(), region)
        .into_iter()
        .find(|(day, _)| *day == date)
        .map(|(_, holiday)| holiday)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a date")
    }

    /// Easter Sundays from the published tables (e.g. the Paris observatory's): the algorithm's
    /// extreme dates (22 March 1818, 25 April 1943) and the years the tests below use.
    #[test]
    fn easter_matches_the_published_dates() {
        for (y, m, d) in [
            (1818, 3, 22),
            (1943, 4, 25),
            (2008, 3, 23),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2028, 4, 16),
            (2038, 4, 25),
        ] {
            assert_eq!(easter_sunday(y), Some(date(y, m, d)), "Easter {y}");
        }
    }

    #[test]
    fn eleven_holidays_in_2026_with_easter_on_5_april() {
        let days: Vec<NaiveDate> = public_holidays(2026, Region::Metropolitan)
            .into_iter()
            .map(|(d, _)| d)
            .collect();
        assert_eq!(
            days,
            [
                date(2026, 1, 1),
                date(2026, 4, 6),  // lundi de Pâques: Easter 5 April + 1
                date(2026, 5, 1),  // a Friday
                date(2026, 5, 8),  // a Friday
                date(2026, 5, 14), // Ascension: Easter + 39, a Thursday
                date(2026, 5, 25), // lundi de Pentecôte: Easter + 50
                date(2026, 7, 14),
                date(2026, 8, 15),
                date(2026, 11, 1),
                date(2026, 11, 11),
                date(2026, 12, 25),
            ]
        );
    }

    #[test]
    fn alsace_moselle_adds_good_friday_and_26_december() {
        let local = public_holidays(2026, Region::AlsaceMoselle);
        assert_eq!(local.len(), 13);
        assert_eq!(
            holiday_on(date(2026, 4, 3), Region::AlsaceMoselle),
            Some(Holiday::GoodFriday)
        );
        assert_eq!(holiday_on(date(2026, 4, 3), Region::Metropolitan), None);
        assert_eq!(
            holiday_on(date(2026, 12, 26), Region::AlsaceMoselle),
            Some(Holiday::SaintStephen)
        );
        assert_eq!(holiday_on(date(2026, 12, 26), Region::Metropolitan), None);
        assert!(public_holidays(2026, Region::Abroad).is_empty());
    }

    #[test]
    fn ascension_on_labour_day_is_one_day_off() {
        // 2008: Easter 23 March, Ascension = 23 March + 39 days = 1 May.
        let may_first = public_holidays(2008, Region::Metropolitan)
            .into_iter()
            .filter(|(d, _)| *d == date(2008, 5, 1))
            .count();
        assert_eq!(may_first, 2);
        assert!(holiday_on(date(2008, 5, 1), Region::Metropolitan).is_some());
    }
}
