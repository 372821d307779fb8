//! Delegated signatures in the console (`/app/staff/delegations`): a staff signatory who will
//! be absent names another staff account and the period; the list shows what they gave and
//! received, each revocable. Through `agreements::delegations`, like the API.

use actix_web::{web, HttpResponse};
use minijinja::{context, Value};

use crate::agreements::delegations;
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::web::forms::{field, kept, refused_over, show, Fields};
use crate::web::i18n::Lang;
use crate::web::session::{PageError, Visitor};
use crate::web::staff::{posted, staff};

/// `(key, French, English)`.
pub const TEXTS: &[(&str, &str, &str)] = &[
    ("delegations.title", "Délégations de signature", "Delegated signatures"),
    ("delegations.intro", "Absent pour une période ? Un autre membre du personnel signe à votre place les conventions qui vous attendent ; chaque signature donnée par délégation porte son nom.", "Away for a while? Another staff member signs in your place the agreements waiting for you; each signature given by delegation carries their name."),
    ("delegations.new", "Déléguer ma signature", "Delegate my signature"),
    ("delegations.to_email", "E-mail du membre du personnel qui signera", "E-mail of the staff member who will sign"),
    ("delegations.starts_on", "Du", "From"),
    ("delegations.ends_on", "Au (inclus)", "To (included)"),
    ("delegations.submit", "Déléguer", "Delegate"),
    ("delegations.none", "Aucune délégation.", "No delegation."),
    ("delegations.line", "{from} → {to}, du {starts} au {ends}", "{from} → {to}, from {starts} to {ends}"),
    ("delegations.active", "en cours", "active"),
    ("delegations.revoked", "révoquée", "revoked"),
    ("delegations.revoke", "Révoquer", "Revoke"),
    ("flash.delegation_created", "Délégation enregistrée ; la personne désignée est prévenue par e-mail.", "Delegation saved; the person named is told by e-mail."),
    ("flash.delegation_revoked", "Délégation révoquée.", "Delegation revoked."),
];

fn page(conn: &mut DbConnection, lang: Lang, user: &CurrentUser) -> Result<Value, ApiError> {
    let today = crate::clock::today();
    let items: Vec<Value> = delegations::of(conn, &user.id)?
        .into_iter()
        .map(|n| {
            let d = &n.delegation;
            context! {
                id => d.id.clone(),
                text => lang.fill("delegations.line", &[
                    ("from", &n.from.name), ("to", &n.to.name),
                    ("starts", &lang.date(d.starts_on)), ("ends", &lang.date(d.ends_on)),
                ]),
                active => delegations::covers(d, today),
                revoked => d.revoked_at.is_some(),
            }
        })
        .collect();
    Ok(context! { items })
}

pub async fn list(v: Visitor, state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let user = staff(&v)?;
    let lang = v.lang;
    show(&v, &state, "staff_delegations.html", move |conn| {
        page(conn, lang, &user)
    })
    .await
}

pub async fn create(
    v: Visitor,
    state: web::Data<AppState>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, fields) = posted(&v, form)?;
    let to = field(&fields, "to_email").to_owned();
    let starts_on = crate::dates::parse_date(field(&fields, "starts_on"));
    let ends_on = crate::dates::parse_date(field(&fields, "ends_on"));
    let by = user.clone();
    let outcome = state
        .write(move |tx, state| {
            delegations::create(tx, state, &by, &to, starts_on, ends_on).map(|_| ())
        })
        .await;
    match outcome {
        Ok(()) => Ok(v.see_other("/app/staff/delegations?done=delegation_created")),
        Err(e) => {
            let lang = v.lang;
            refused_over(
                &v,
                &state,
                e,
                "staff_delegations.html",
                kept(&fields),
                move |conn| page(conn, lang, &user),
            )
            .await
        }
    }
}

pub async fn revoke(
    v: Visitor,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: Fields,
) -> Result<HttpResponse, PageError> {
    let (user, _) = posted(&v, form)?;
    let id = id.into_inner();
    state
        .write(move |tx, _| delegations::revoke(tx, &user, &id))
        .await
        .map_err(|e| v.fail(e))?;
    Ok(v.see_other("/app/staff/delegations?done=delegation_revoked"))
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/app/staff/delegations", web::get().to(list))
        .route("/app/staff/delegations", web::post().to(create))
        .route("/app/staff/delegations/{id}/revoke", web::post().to(revoke));
}
