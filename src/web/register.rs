//! The staff's register of agreements (`/app/staff/agreements`): filters, paging, the order
//! chosen by a column's header, each campaign's progress, the CSV (the columns the reader
//! ticks, in the page's language) and the reader's saved views. Parsing and words live in
//! `agreements::register` (pure); the rows come from `agreements::models`, the CSV from
//! `agreements::flows`, the views from `agreements::saved_filters`.

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use diesel::prelude::*;
use minijinja::{context, Value};

use crate::agreements::domain::{Kind, Status};
use crate::agreements::models::{self, Details, Filter, Register};
use crate::agreements::register::{Column, Order, SortKey, Wording};
use crate::agreements::{flows, saved_filters};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::web::agreements::{agreement_value, waiting_left};
use crate::web::forms::{field, refused_over, show, Fields};
use crate::web::i18n::Lang;
use crate::web::session::{encode, PageError, Visitor};
use crate::web::staff::{posted, staff};

/// `(key, French, English)`: the words this page adds to the catalogue.
pub const TEXTS: &[(&str, &str, &str)] = &[
    (
        "register.sort_hint",
        "Cliquez sur l’en-tête d’une colonne pour trier par elle ; un second clic inverse l’ordre.",
        "Click a column’s header to sort by it; a second click reverses the order.",
    ),
    (
        "register.columns",
        "Colonnes du fichier CSV",
        "Columns of the CSV file",
    ),
    (
        "register.download_columns",
        "Télécharger ces colonnes (CSV)",
        "Download these columns (CSV)",
    ),
    ("register.saved", "Vues enregistrées", "Saved views"),
    (
        "register.none_saved",
        "Aucune vue enregistrée : enregistrez les filtres et le tri affichés sous un nom.",
        "No saved view: save the filters and order shown under a name.",
    ),
    (
        "register.save_name",
        "Nom de la vue (1 à 80 caractères)",
        "Name of the view (1 to 80 characters)",
    ),
    (
        "register.save",
        "Enregistrer ces filtres et ce tri",
        "Save these filters and this order",
    ),
    ("register.delete", "Supprimer", "Delete"),
    (
        "register.delete_named",
        "Supprimer la vue « {name} »",
        "Delete the view “{name}”",
    ),
    (
        "flash.filter_saved",
        "La vue est enregistrée : elle figure dans vos vues.",
        "The view is saved: it is listed among your views.",
    ),
    (
        "flash.filter_deleted",
        "La vue est supprimée.",
        "The view is deleted.",
    ),
    (
        "field_error.name_length",
        "Donnez un nom de 1 à 80 caractères.",
        "Give a name of 1 to 80 characters.",
    ),
];

/// The page's query: its filters, order, page, CSV columns (all as typed; parsed by
/// [`register_of`] and `agreements::register`).
#[derive(Default, Clone)]
pub struct RegisterQuery {
    kind: String,
    status: String,
    campaign_id: String,
    overdue: String,
    /// A part of the company's name.
    company: String,
    /// The academic year's first calendar year (`2026` for 2026-2027).
    academic_year: String,
    /// `school`, `company`, `student` or `tutor`: sent and waiting for them.
    awaiting: String,
    /// 1-based; anything unreadable is the first page.
    page: String,
    sort: String,
    dir: String,
    /// The CSV's columns (`columns` repeated); none: all.
    columns: Vec<String>,
    sent: Option<usize>,
    skipped: Option<usize>,
}

impl RegisterQuery {
    /// From the query's pairs, `columns` repeated; the last of any other name wins.
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut q = RegisterQuery::default();
        for (name, value) in pairs {
            let slot = match name.as_str() {
                "kind" => &mut q.kind,
                "status" => &mut q.status,
                "campaign_id" => &mut q.campaign_id,
                "overdue" => &mut q.overdue,
                "company" => &mut q.company,
                "academic_year" => &mut q.academic_year,
                "awaiting" => &mut q.awaiting,
                "page" => &mut q.page,
                "sort" => &mut q.sort,
                "dir" => &mut q.dir,
                "columns" => {
                    q.columns.push(value);
                    continue;
                }
                "sent" => {
                    q.sent = value.trim().parse().ok();
                    continue;
                }
                "skipped" => {
                    q.skipped = value.trim().parse().ok();
                    continue;
                }
                _ => continue,
            };
            *slot = value;
        }
        q
    }

    fn order(&self) -> Order {
        Order::parse(&self.sort, &self.dir)
    }

    fn columns(&self) -> Vec<Column> {
        Column::chosen(self.columns.iter().map(String::as_str))
    }

    /// The filters and order as a query string (no page, no columns): what the page links
    /// keep and what a saved view stores. The default order adds nothing.
    fn filters(&self) -> String {
        let mut query = format!(
            "kind={}&status={}&campaign_id={}",
            encode(&self.kind),
            encode(&self.status),
            encode(&self.campaign_id)
        );
        if !self.overdue.trim().is_empty() {
            query.push_str("&overdue=1");
        }
        for (name, value) in [
            ("company", &self.company),
            ("academic_year", &self.academic_year),
            ("awaiting", &self.awaiting),
        ] {
            if !value.trim().is_empty() {
                query.push_str(&format!("&{name}={}", encode(value.trim())));
            }
        }
        query.push_str(&self.order().query());
        query
    }

    /// `&columns=…` for each column chosen, nothing when all are.
    fn columns_query(&self) -> String {
        let columns = self.columns();
        if columns.len() == Column::ALL.len() {
            return String::new();
        }
        columns
            .iter()
            .map(|c| format!("&columns={}", c.key()))
            .collect()
    }
}

/// The academic years a register filters by: three back, and the next one.
fn academic_years(today: chrono::NaiveDate) -> Vec<Value> {
    let current = crate::agreements::internship::rules::AcademicYear::of(today).first_year();
    (current - 3..=current + 1)
        .rev()
        .map(|y| context! { value => y.to_string(), label => format!("{y}-{}", y + 1) })
        .collect()
}

/// Rows per page of the register.
const REGISTER_PAGE: i64 = 50;

/// Whether a not-signed agreement starts within the warning's working days (or has started).
fn overdue(d: &Details, today: chrono::NaiveDate) -> bool {
    crate::agreements::domain::is_overdue(&d.agreement.status, d.agreement.starts_on, today)
}

/// The register's query from the page's filters and order (the same for the page and its
/// CSV).
fn register_of(q: &RegisterQuery, today: chrono::NaiveDate) -> Register {
    let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    Register {
        filter: Filter {
            kind: some(&q.kind).filter(|k| Kind::parse(k).is_some()),
            status: some(&q.status).filter(|s| Status::parse(s).is_some()),
            campaign_id: some(&q.campaign_id),
            party: None,
        },
        overdue_until: (!q.overdue.trim().is_empty())
            .then(|| crate::agreements::domain::overdue_until(today)),
        company: some(&q.company),
        academic_year: q
            .academic_year
            .trim()
            .parse()
            .ok()
            .filter(|y| (2000..=2100).contains(y)),
        awaiting: some(&q.awaiting)
            .filter(|p| crate::agreements::domain::Party::parse(p).is_some()),
        order: q.order(),
    }
}

/// `2 000` in French (a no-break space between thousands), `2,000` in English.
fn grouped(lang: Lang, n: i64) -> String {
    let digits = n.to_string();
    let separator = if lang.is_french() { '\u{a0}' } else { ',' };
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// How the CSV words itself on a page in `lang`.
fn wording(lang: Lang) -> Wording {
    if lang.is_french() {
        Wording::French
    } else {
        Wording::English
    }
}

/// The table's headers, each a link sorting by its column (keeping the filters), the sorted
/// one with its `aria-sort`.
fn headers(lang: Lang, q: &RegisterQuery) -> Vec<Value> {
    let order = q.order();
    let mut unsorted = q.clone();
    unsorted.sort.clear();
    unsorted.dir.clear();
    let base = unsorted.filters();
    [
        (SortKey::Created, "agreement.reference"),
        (SortKey::Kind, "agreement_register.kind"),
        (SortKey::Party, "agreement_register.party"),
        (SortKey::Company, "agreement.company"),
        (SortKey::StartsOn, "agreement_register.starts"),
        (SortKey::Status, "agreement.status"),
        (SortKey::Signatures, "agreement_register.signatures"),
    ]
    .into_iter()
    .map(|(key, label)| {
        let next = order.toggled(key);
        // The default order is written out here: a link never sorts by omission.
        let href = format!(
            "/app/staff/agreements?{base}&sort={}&dir={}",
            next.key.as_str(),
            next.dir.as_str()
        );
        context! {
            key => key.as_str(),
            label => lang.text(label),
            href,
            aria_sort => (order.key == key).then(|| order.dir.aria()),
        }
    })
    .collect()
}

fn register_page(
    conn: &mut DbConnection,
    settings: &crate::config::Settings,
    lang: Lang,
    user: &CurrentUser,
    q: RegisterQuery,
) -> Result<Value, ApiError> {
    let today = crate::clock::today();
    // Staff who sign for the school land here, not on "my agreements": what awaits them.
    let waiting = flows::to_sign_ids(conn, settings, &user.id)?.len();
    let register = register_of(&q, today);
    // Counted and paged by the database, over every agreement the filters let through.
    let total = models::register_count(conn, &register)?;
    let pages = ((total + REGISTER_PAGE - 1) / REGISTER_PAGE).max(1);
    let page = q.page.trim().parse::<i64>().unwrap_or(1).clamp(1, pages);
    let listed = models::register_rows(
        conn,
        &register,
        Some(((page - 1) * REGISTER_PAGE, REGISTER_PAGE)),
    )?;
    let shown = models::details(conn, listed)?;
    let rows: Vec<Value> = shown
        .iter()
        .map(|d| context! { overdue => overdue(d, today), ..agreement_value(lang, d) })
        .collect();
    // Progress per campaign, over every agreement (not only the filtered ones).
    let names: BTreeMap<String, String> = crate::db::schema::campaigns::table
        .select((
            crate::db::schema::campaigns::id,
            crate::db::schema::campaigns::name,
        ))
        .load::<(String, String)>(conn)
        .map(|v| v.into_iter().collect())
        .unwrap_or_default();
    let mut progress: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    for (campaign, status, n) in models::campaign_counts(conn)? {
        let Some(campaign) = campaign else { continue };
        let entry = progress.entry(campaign).or_default();
        if status != Status::Cancelled.as_str() {
            entry.1 += n;
        }
        if status == Status::Signed.as_str() {
            entry.0 += n;
        }
        if status == Status::Draft.as_str() {
            entry.2 += n;
        }
    }
    let progress: Vec<Value> = progress
        .into_iter()
        .map(|(id, (signed, total, drafts))| {
            context! {
                name => names.get(&id).cloned().unwrap_or_default(),
                id,
                signed,
                total,
                drafts,
                percent => if total > 0 { signed * 100 / total } else { 0 },
            }
        })
        .collect();
    let campaigns: Vec<Value> = names
        .iter()
        .map(|(id, name)| context! { id, name })
        .collect();
    let query = q.filters();
    let at_page = |n: i64| format!("/app/staff/agreements?{query}&page={n}");
    let total_text = lang.fill(
        if total == 1 {
            "agreement_register.total_one"
        } else {
            "agreement_register.total_many"
        },
        &[
            ("total", &grouped(lang, total)),
            ("page", &page.to_string()),
            ("pages", &pages.to_string()),
        ],
    );
    let order = q.order();
    let chosen = q.columns();
    let saved: Vec<Value> = saved_filters::of(conn, &user.id)?
        .into_iter()
        .map(|s| {
            context! {
                delete_label => lang.fill("register.delete_named", &[("name", &s.name)]),
                href => format!("/app/staff/agreements?{}", s.query),
                current => s.query == query,
                id => s.id,
                name => s.name,
            }
        })
        .collect();
    Ok(context! {
        waiting,
        waiting_left => waiting_left(lang, waiting),
        rows,
        total,
        total_text,
        page,
        pages,
        previous => (page > 1).then(|| at_page(page - 1)),
        next => (page < pages).then(|| at_page(page + 1)),
        progress,
        campaigns,
        kinds => Kind::ALL.iter().map(|k| context! { value => k.as_str(), label => lang.text(&format!("agreement.kind.{}", k.as_str())) }).collect::<Vec<_>>(),
        statuses => Status::ALL.iter().map(|s| context! { value => s.as_str(), label => lang.text(&format!("agreement.status.{}", s.as_str())) }).collect::<Vec<_>>(),
        filter => context! { kind => q.kind, status => q.status, campaign_id => q.campaign_id, overdue => register.overdue_until.is_some(), company => q.company, academic_year => q.academic_year, awaiting => q.awaiting },
        years => academic_years(today),
        parties => ["school", "company", "student", "tutor"].iter().map(|p| context! { value => *p, label => lang.text(&format!("agreement.party.{p}")) }).collect::<Vec<_>>(),
        csv => format!("/app/staff/agreements.csv?{query}{}", q.columns_query()),
        headers => headers(lang, &q),
        // What the filter form and the CSV form carry along, as hidden fields.
        order => (!order.is_default()).then(|| context! { sort => order.key.as_str(), dir => order.dir.as_str() }),
        columns => Column::ALL.iter().map(|c| context! { key => c.key(), label => c.header(wording(lang)), checked => chosen.contains(c) }).collect::<Vec<_>>(),
        saved,
        save_query => query,
        outcome => q.sent.map(|sent| context! { sent, skipped => q.skipped.unwrap_or(0) }),
    })
}

pub async fn register(
    v: Visitor,
    state: web::Data<AppState>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    let user = staff(&v)?;
    let lang = v.lang;
    let q = RegisterQuery::from_pairs(query.into_inner());
    let settings = state.settings.clone();
    show(&v, &state, "staff_agreements.html", move |conn| {
        register_page(conn, &settings, lang, &user, q)
    })
    .await
}

/// Every agreement the filters let through (not one page), in the page's order, the chosen
/// columns in the page's language.
pub async fn register_csv(
    v: Visitor,
    state: web::Data<AppState>,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    staff(&v)?;
    let q = RegisterQuery::from_pairs(query.into_inner());
    let register = register_of(&q, crate::clock::today());
    let (columns, wording) = (q.columns(), wording(v.lang));
    let csv = state
        .db(move |conn| flows::register_sheet(conn, &register, &columns, wording))
        .await
        .map_err(|e| v.fail(e))?;
    let file = if v.lang.is_french() {
        "conventions.csv"
    } else {
        "agreements.csv"
    };
    Ok(crate::spreadsheet::download(file, csv))
}

/// Saves the filters and order shown (the form's `query`, read again as the page reads it)
/// under `name`; a name already used is replaced.
pub async fn save_filter(
    v: Visitor,
    state: web::Data<AppState>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, fields) = posted(&v, form)?;
    let q = RegisterQuery::from_pairs(
        web::Query::<Vec<(String, String)>>::from_query(field(&fields, "query"))
            .map(|q| q.into_inner())
            .unwrap_or_default(),
    );
    let query = q.filters();
    let name = field(&fields, "name").to_owned();
    let lang = v.lang;
    let settings = state.settings.clone();
    let parsed = saved_filters::name_of(&name);
    let name = match parsed {
        Ok(name) => name,
        Err(error) => {
            return refused_over(
                &v,
                &state,
                error,
                "staff_agreements.html",
                context! { name },
                move |conn| register_page(conn, &settings, lang, &user, q),
            )
            .await
        }
    };
    let saving = query.clone();
    state
        .write(move |tx, _| saved_filters::save(tx, &user.id, &name, &saving))
        .await
        .map_err(|e| v.fail(e))?;
    Ok(v.see_other(&format!("/app/staff/agreements?{query}&done=filter_saved")))
}

/// Deletes one of the reader's saved views (someone else's: the 404 page).
pub async fn delete_filter(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, _) = posted(&v, form)?;
    let id = id.into_inner();
    state
        .write(move |tx, _| saved_filters::delete(tx, &user.id, &id))
        .await
        .map_err(|e| v.fail(e))?;
    Ok(v.see_other("/app/staff/agreements?done=filter_deleted"))
}

/// The register's routes.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/app/staff/agreements", web::get().to(register))
        .route("/app/staff/agreements.csv", web::get().to(register_csv))
        .route("/app/staff/agreements/filters", web::post().to(save_filter))
        .route(
            "/app/staff/agreements/filters/{id}/delete",
            web::post().to(delete_filter),
        );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_group_thousands_as_each_language_writes_them() {
        assert_eq!(grouped(Lang::Fr, 2000), "2\u{a0}000");
        assert_eq!(grouped(Lang::En, 1234567), "1,234,567");
        assert_eq!(grouped(Lang::Fr, 520), "520");
        assert_eq!(grouped(Lang::Fr, 0), "0");
    }

    fn query(pairs: &[(&str, &str)]) -> RegisterQuery {
        RegisterQuery::from_pairs(
            pairs
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn links_keep_the_filters_and_add_the_order_only_when_chosen() {
        let q = query(&[("status", "cancelled"), ("page", "2")]);
        assert_eq!(q.filters(), "kind=&status=cancelled&campaign_id=");
        let q = query(&[
            ("company", "Forges d'Alès"),
            ("sort", "company"),
            ("dir", "desc"),
            ("columns", "status"),
            ("columns", "reference"),
        ]);
        assert_eq!(
            q.filters(),
            "kind=&status=&campaign_id=&company=Forges%20d%27Al%C3%A8s&sort=company&dir=desc"
        );
        assert_eq!(q.columns_query(), "&columns=reference&columns=status");
        assert_eq!(query(&[("sort", "nonsense")]).order(), Order::default());
    }

    #[test]
    fn the_sorted_header_says_so_and_links_to_the_other_direction() {
        let q = query(&[
            ("sort", "starts_on"),
            ("dir", "asc"),
            ("kind", "internship"),
        ]);
        let headers = headers(Lang::En, &q);
        let starts = headers
            .iter()
            .find(|h| {
                h.get_attr("key")
                    .ok()
                    .and_then(|k| k.as_str().map(str::to_owned))
                    == Some("starts_on".into())
            })
            .expect("starts header");
        assert_eq!(
            starts.get_attr("aria_sort").expect("aria").as_str(),
            Some("ascending")
        );
        let href = starts.get_attr("href").expect("href").to_string();
        assert!(href.contains("kind=internship"), "{href}");
        assert!(href.ends_with("&sort=starts_on&dir=desc"), "{href}");
        let sorted = headers
            .iter()
            .filter(|h| !h.get_attr("aria_sort").expect("attr").is_none())
            .count();
        assert_eq!(sorted, 1);
    }
}
