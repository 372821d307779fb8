//! Internships under French law (conventions de stage): the legal rules alone, pure and
//! unit-tested — no database, no HTTP. The API, pages and PDF call these; they never re-derive
//! a figure.
//!
//! - [`holidays`]: French public holidays of a year (Easter computed), Alsace-Moselle's two
//!   more, none abroad.
//! - [`hours`]: hours of presence computed from dates, weekly hours, worked days, holidays and
//!   interruptions, and their legal expression in months, days and hours (D124-6).
//! - [`rules`]: the limits: 6 months per host and academic year, gratification above 2 months
//!   and its yearly minimum, 3 interns per supervisor, the host's quota, no overlap; each a
//!   function returning `Ok` or a [`rules::Refusal`] carrying its figures.
//! - [`siret`]: the host's SIRET, parsed with its Luhn key (and La Poste's exception).
//!
//! # Law and figures
//! Every figure the law sets is below, once, with its article and the date it was checked
//! (2026-12-06); the yearly minimum gratification lives in `config/default.toml`
//! (`[internship] minimum_gratification`), since it changes every January.
//!
//! - Code de l'éducation **D124-6**
//!   (<https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI000029814160>, its text read as
//!   quoted in ESUP-Stage's issue #340 and on urssaf.fr, « Le recours encadré aux stages »; the
//!   search tools here reach no Légifrance page of it): the duration is « calculée en fonction
//!   du temps de présence effective »; « chaque période au moins égale à sept heures de
//!   présence, consécutives ou non, est considérée comme équivalente à un jour » and 22 days of
//!   presence, consecutive or not, to one month. Leave and absences the agreement allows count
//!   as presence (urssaf.fr, same page).
//! - **L124-5** (quoted by legisocial.fr, « Durée maximale des stages », and urssaf.fr): « La
//!   durée du ou des stages … effectués par un même stagiaire dans un même organisme d'accueil
//!   ne peut excéder six mois par année d'enseignement »: 6 × 22 × 7 h = 924 h.
//! - **L124-6** (quoted by alexia.fr with the article's text): a gratification is due « lorsque la
//!   durée du stage … au sein d'un même organisme d'accueil est supérieure à deux mois
//!   consécutifs ou, au cours d'une même année scolaire ou universitaire, à deux mois
//!   consécutifs ou non », at least « 15 % du plafond horaire de la sécurité sociale défini en
//!   application de l'article L. 241-3 du code de la sécurité sociale »: 2 × 22 × 7 h = 308 h,
//!   so it is due from the 309th hour.
//! - **D124-8** (lexbase.fr, the article's text): the duration is counted in presence as in
//!   D124-6; the gratification is due for each hour of presence from the first day; a host may
//!   pay one below the threshold.
//! - **R124-10** (decree 2015-1359, summarised by legoux-associes.com): interns whose agreement
//!   runs during one calendar week at one host: at most 15 % of the headcount, rounded up, for
//!   hosts of 20 or more; at most 3 below 20. R124-12: the headcount is the larger of the last
//!   day of the previous month's and the previous 12 months' average (the caller's figure).
//! - **R124-13** (decree 2015-1359 of 26 October 2015, L124-10; paraphrased by the CCI Paris
//!   Île-de-France, <http://www.cci-paris-idf.fr/lorganisme-daccueil-dfcta>, not read at
//!   Légifrance): « le tuteur ne peut être désigné en cette qualité lorsqu'il l'est déjà dans
//!   trois conventions de stage en cours d'exécution à la date à laquelle la désignation devrait
//!   prendre effet ». So the count is taken on the new internship's first day.
//! - Academic year (« année d'enseignement », L124-5; « année scolaire ou universitaire »,
//!   L124-6): neither article dates it. fieldlab takes 1 September to 31 August, since French
//!   schools and universities start their year in September and an internship then counts in
//!   the year its days fall in; a school whose year differs changes
//!   [`ACADEMIC_YEAR_FIRST_MONTH`]. This is a choice, not a figure read in the law.

pub mod assess;
pub mod document;
pub mod evaluating;
pub mod evaluation;
pub mod flows;
pub mod handlers;
pub mod holidays;
pub mod hours;
pub mod models;
pub mod rules;
pub mod siret;
pub mod views;

/// D124-6: 7 hours of presence, consecutive or not, make one day.
pub const MINUTES_PER_LEGAL_DAY: u32 = 7 * 60;
/// D124-6: 22 days of presence, consecutive or not, make one month.
pub const DAYS_PER_LEGAL_MONTH: u32 = 22;
/// L124-5: at most 6 months per intern and host per academic year (924 hours).
pub const MAX_MONTHS_PER_HOST_AND_YEAR: u32 = 6;
/// L124-6: a gratification is due above 2 months (308 hours), consecutive or not.
pub const GRATIFICATION_ABOVE_MONTHS: u32 = 2;
/// L124-6: the minimum hourly gratification is this share of the social-security hourly
/// ceiling (plafond horaire, CSS L241-3).
pub const GRATIFICATION_PERCENT_OF_CEILING: u32 = 15;
/// R124-13: agreements in progress beyond which a company supervisor cannot be designated.
pub const MAX_INTERNS_PER_SUPERVISOR: u32 = 3;
/// R124-10: hosts with at least this headcount take at most `HOST_QUOTA_PERCENT` of it.
pub const HOST_QUOTA_HEADCOUNT: u32 = 20;
/// R124-10: the share of the headcount (rounded up) for hosts of 20 or more.
pub const HOST_QUOTA_PERCENT: u32 = 15;
/// R124-10: the interns at once of hosts under 20.
pub const HOST_QUOTA_SMALL: u32 = 3;
/// The academic year starts on the 1st of this month (September) and ends the day before a
/// year later: the law does not date it (see above).
pub const ACADEMIC_YEAR_FIRST_MONTH: u32 = 9;
