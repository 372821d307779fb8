//! The office's figures as charts (`/app/staff/statistics`) and as CSV: agreements per month,
//! days from request to signature, who is slowest to sign, the companies with the most
//! agreements, internship hours and gratification per academic year (through
//! `agreements::statistics`, like the API).

use actix_web::{web, HttpResponse};
use minijinja::{context, Value};

use crate::agreements::internship::document::euros;
use crate::agreements::statistics::{self, Figures};
use crate::app::AppState;
use crate::mail::domain::Locale;
use crate::web::i18n::Lang;
use crate::web::session::{PageError, Visitor};
use crate::web::staff::charts::bars;
use crate::web::staff::staff;

/// `(key, French, English)`.
pub const TEXTS: &[(&str, &str, &str)] = &[
    (
        "statistics.title",
        "Chiffres des conventions",
        "Agreement figures",
    ),
    (
        "statistics.per_month",
        "Conventions par mois de demande",
        "Agreements per month of request",
    ),
    ("statistics.month", "Mois", "Month"),
    ("statistics.total", "Total", "Total"),
    (
        "statistics.delay",
        "De la demande à la signature",
        "From request to signature",
    ),
    (
        "statistics.delay_text",
        "Médiane {median} jours, 90 % en {p90} jours ou moins ({n} conventions signées).",
        "Median {median} days, 90 % within {p90} days ({n} agreements signed).",
    ),
    ("statistics.none", "Aucune encore.", "None yet."),
    (
        "statistics.slowest",
        "Délai médian de signature après l’envoi, par signataire (jours)",
        "Median days to sign after sending, per signatory",
    ),
    (
        "statistics.companies",
        "Entreprises qui ont le plus de conventions",
        "Companies with the most agreements",
    ),
    (
        "statistics.hours",
        "Stages : heures et gratification prévues par année universitaire",
        "Internships: hours and planned gratification per academic year",
    ),
    ("statistics.year", "Année", "Year"),
    ("statistics.internships", "Stages", "Internships"),
    ("statistics.hours_col", "Heures", "Hours"),
    (
        "statistics.gratification",
        "Gratification prévue",
        "Planned gratification",
    ),
    (
        "statistics.csv",
        "Télécharger les chiffres (CSV)",
        "Download the figures (CSV)",
    ),
    ("statistics.link", "Chiffres", "Figures"),
];

fn load(
    state: &AppState,
) -> impl std::future::Future<Output = Result<Figures, crate::error::ApiError>> + '_ {
    state.db(|conn| {
        let (rows, signed, hours) = crate::agreements::models::statistics_rows(conn)?;
        Ok(statistics::figures(&rows, &signed, &hours))
    })
}

fn page(lang: Lang, f: &Figures) -> Value {
    let locale = if lang.is_french() {
        Locale::Fr
    } else {
        Locale::En
    };
    let per_month: Vec<(String, u64, &'static str)> = f
        .per_month
        .iter()
        .map(|m| {
            (
                m.month.clone(),
                m.field_mission + m.internship + m.research,
                "ok",
            )
        })
        .collect();
    let max = per_month.iter().map(|b| b.1).max().unwrap_or(1);
    let slowest: Vec<(String, u64, &'static str)> = f
        .slowest
        .iter()
        .map(|p| {
            (
                lang.text(&format!("agreement.party.{}", p.party))
                    .to_owned(),
                p.delay.median_days.round() as u64,
                "warn",
            )
        })
        .collect();
    let slowest_max = slowest.iter().map(|b| b.1).max().unwrap_or(1);
    context! {
        total => f.total,
        months => f.per_month.iter().map(|m| context! {
            month => &m.month, field_mission => m.field_mission, internship => m.internship,
            research => m.research, total => m.field_mission + m.internship + m.research,
        }).collect::<Vec<_>>(),
        per_month_chart => Value::from_serialize(bars(&per_month, max, "")),
        delay => f.request_to_signature.as_ref().map(|d| lang.fill("statistics.delay_text", &[
            ("median", &d.median_days.to_string()),
            ("p90", &d.p90_days.to_string()),
            ("n", &d.count.to_string()),
        ])),
        slowest_chart => (!slowest.is_empty()).then(|| Value::from_serialize(bars(&slowest, slowest_max, " j"))),
        companies => f.companies.iter().map(|c| context! { name => &c.company, n => c.agreements }).collect::<Vec<_>>(),
        years => f.internship_years.iter().map(|y| context! {
            year => &y.academic_year, n => y.internships,
            hours => format!("{:.0}", y.hours),
            gratification => euros(y.gratification_cents, locale),
        }).collect::<Vec<_>>(),
    }
}

pub async fn statistics(v: Visitor, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    staff(&v)?;
    let figures = load(&state).await.map_err(|e| v.fail(e))?;
    Ok(v.ok("staff_statistics.html", page(v.lang, &figures)))
}

/// The figures for a French spreadsheet: one section per figure.
pub async fn statistics_csv(
    v: Visitor,
    state: web::Data<AppState>,
) -> Result<HttpResponse, PageError> {
    staff(&v)?;
    let f = load(&state).await.map_err(|e| v.fail(e))?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    for m in &f.per_month {
        rows.push(vec![
            "mois".into(),
            m.month.clone(),
            m.field_mission.to_string(),
            m.internship.to_string(),
            m.research.to_string(),
        ]);
    }
    if let Some(d) = &f.request_to_signature {
        rows.push(vec![
            "demande_signature_jours".into(),
            String::new(),
            d.median_days.to_string().replace('.', ","),
            d.p90_days.to_string().replace('.', ","),
            d.count.to_string(),
        ]);
    }
    for p in &f.slowest {
        rows.push(vec![
            "signataire_jours".into(),
            p.party.clone(),
            p.delay.median_days.to_string().replace('.', ","),
            p.delay.p90_days.to_string().replace('.', ","),
            p.delay.count.to_string(),
        ]);
    }
    for c in &f.companies {
        rows.push(vec![
            "entreprise".into(),
            c.company.clone(),
            c.agreements.to_string(),
            String::new(),
            String::new(),
        ]);
    }
    for y in &f.internship_years {
        rows.push(vec![
            "stages_annee".into(),
            y.academic_year.clone(),
            y.internships.to_string(),
            format!("{:.2}", y.hours).replace('.', ","),
            format!(
                "{},{:02}",
                y.gratification_cents / 100,
                y.gratification_cents % 100
            ),
        ]);
    }
    let csv = crate::spreadsheet::french_csv(&["figure", "sujet", "a", "b", "c"], rows)
        .map_err(|e| v.fail(e))?;
    Ok(crate::spreadsheet::download(
        "chiffres-conventions.csv",
        csv,
    ))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/app/staff/statistics", web::get().to(statistics))
        .route("/app/staff/statistics.csv", web::get().to(statistics_csv));
}
