//! The staff's register as the agreement office asked for it: sorted by any column it shows
//! (both directions, stable across a page boundary, the sorted header marked), the CSV in the
//! page's language with the columns ticked, and saved views (saved, listed, applied, deleted).

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use reqwest::StatusCode;

use crate::console::Browser;
use crate::helpers::{spawn_app, TestApp};

/// An attribute's value as the browser reads it (templates escape `&` and `/`).
fn unescaped(attribute: &str) -> String {
    attribute
        .replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// The `href` of the element with `id`.
fn href_of(page: &str, id: &str) -> String {
    page.split(&format!("id=\"{id}\""))
        .next()
        .and_then(|before| before.rsplit("href=\"").next())
        .and_then(|rest| rest.split('"').next())
        .map(unescaped)
        .unwrap_or_else(|| panic!("no link #{id}: {page}"))
}

/// The agreements a page lists, in its order (ids among `known`).
fn listed(page: &str, known: &HashMap<String, Row>) -> Vec<String> {
    page.split("href=\"/app/agreements/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|id| known.contains_key(*id))
        .map(str::to_owned)
        .collect()
}

/// What the test knows of each agreement, to compute each order independently.
#[derive(Debug, Clone)]
struct Row {
    id: String,
    created: String,
    party: String,
    company: String,
    kind: String,
    status: String,
    starts_on: NaiveDate,
    /// -1 when no signature is asked, else the percentage given (100 once signed).
    signatures: i64,
}

impl Row {
    fn key(&self, sort: &str) -> String {
        match sort {
            "party" => self.party.clone(),
            "company" => self.company.clone(),
            "kind" => self.kind.clone(),
            "status" => match self.status.as_str() {
                "draft" => "0",
                "sent" => "1",
                "signed" => "2",
                _ => "3",
            }
            .to_owned(),
            "starts_on" => self.starts_on.to_string(),
            "signatures" => format!("{:04}", self.signatures + 10),
            _ => self.created.clone(),
        }
    }
}

/// 60 agreements (50 a page: two pages) with repeated names, companies, kinds, statuses and
/// start dates, so that every order needs its tiebreaker; signatures on the sent, signed and
/// cancelled ones.
async fn sixty_agreements(app: &TestApp) -> HashMap<String, Row> {
    let mut companies = Vec::new();
    for (n, name) in ["Charlie SA", "Alpha SA", "Bravo SA"].iter().enumerate() {
        let (company, contact) = app
            .company(&format!("contact{n}@registre.fr"), name, "Alès")
            .await;
        let me = crate::helpers::expect_status(
            app.get("/api/v1/me", Some(&contact)).await,
            StatusCode::OK,
        )
        .await;
        companies.push((company, crate::helpers::id(&me), name.to_string()));
    }
    let school = crate::helpers::id(
        &crate::helpers::expect_status(
            app.get("/api/v1/me", Some(&app.staff_token)).await,
            StatusCode::OK,
        )
        .await,
    );
    let pool = fieldlab::startup::open_database(&app.settings).expect("database");
    let mut conn = pool.get().expect("connection");
    let mut person = |email: String, name: String, role: &str| {
        let r: fieldlab::auth::domain::Role = role.parse().expect("role");
        let account = fieldlab::auth::domain::NewAccount::parse(&email, &name, role, None, &[r])
            .expect("account");
        let user =
            fieldlab::auth::models::insert_user(&mut conn, &account, None, None).expect("user");
        (user.id, name)
    };
    let students: Vec<(String, String)> = (0..12)
        .map(|s| {
            person(
                format!("etudiant{s}@etu.fr"),
                format!("Student {s:02}"),
                "student",
            )
        })
        .collect();
    let tutors: Vec<(String, String)> = ["Tutor B", "Tutor A"]
        .iter()
        .enumerate()
        .map(|(t, name)| person(format!("tuteur{t}@mines.fr"), name.to_string(), "tutor"))
        .collect();
    let today = chrono::Utc::now().date_naive();
    let base = fieldlab::db::now() - chrono::Duration::days(1);
    let mut rows = Vec::new();
    let mut signatures = Vec::new();
    let mut known = HashMap::new();
    for i in 0..60usize {
        let research = i % 3 == 0;
        let kind = if research {
            fieldlab::agreements::domain::Kind::Research
        } else {
            fieldlab::agreements::domain::Kind::Internship
        };
        let status = ["draft", "sent", "signed", "cancelled", "sent"][i % 5];
        let student = (!research).then(|| students[i % 12].clone());
        let tutor = Some(tutors[i % 2].clone());
        let (company_id, contact, company_name) = companies[i % 3].clone();
        let starts_on = today + chrono::Duration::days(((i * 7) % 13) as i64 + 10);
        let created = base + chrono::Duration::seconds(i as i64);
        let row = fieldlab::agreements::models::Agreement {
            id: fieldlab::db::new_id(),
            kind: kind.as_str().into(),
            status: status.into(),
            version: 1,
            locale: "fr".into(),
            campaign_id: None,
            mission_id: None,
            company_id,
            student_id: student.as_ref().map(|s| s.0.clone()),
            tutor_id: tutor.as_ref().map(|t| t.0.clone()),
            subject: format!("Sujet n° {i}"),
            description: "Une convention".into(),
            place: "Alès".into(),
            supervisor: None,
            starts_on,
            ends_on: starts_on + chrono::Duration::days(30),
            sent_at: (status != "draft").then_some(created),
            signed_at: (status == "signed").then_some(created),
            cancelled_at: (status == "cancelled").then_some(created),
            cancel_reason: (status == "cancelled").then(|| "Stage annulé".to_owned()),
            created_at: created,
            updated_at: created,
        };
        let mut asked = 0;
        let mut given = 0;
        if status != "draft" {
            let parties = kind.parties();
            for (n, party) in parties.iter().enumerate() {
                use fieldlab::agreements::domain::Party;
                let user_id = match party {
                    Party::School => school.clone(),
                    Party::Company => contact.clone(),
                    Party::Student => student.clone().expect("student").0,
                    Party::Tutor => tutor.clone().expect("tutor").0,
                };
                let signed = status == "signed" || (status == "sent" && n < i % parties.len());
                asked += 1;
                given += i64::from(signed);
                signatures.push(fieldlab::agreements::models::Signature {
                    agreement_id: row.id.clone(),
                    version: 1,
                    party: party.as_str().into(),
                    user_id,
                    signed_at: signed.then_some(created),
                    ip: signed.then(|| "127.0.0.1".to_owned()),
                    user_agent: None,
                    document_sha256: signed.then(|| "0".repeat(64)),
                    voided_at: None,
                    signed_by: None,
                });
            }
        }
        let signatures_rank = match status {
            "draft" => -1,
            "signed" => 100,
            _ if asked == 0 => -1,
            _ => given * 100 / asked,
        };
        known.insert(
            row.id.clone(),
            Row {
                id: row.id.clone(),
                created: created.to_string(),
                party: student.or(tutor).map(|(_, name)| name).unwrap_or_default(),
                company: company_name,
                kind: kind.as_str().into(),
                status: status.into(),
                starts_on,
                signatures: signatures_rank,
            },
        );
        rows.push(row);
    }
    conn.transaction(|conn| {
        fieldlab::agreements::models::insert_many(conn, &rows)?;
        fieldlab::agreements::models::insert_signatories(conn, &signatures)
    })
    .expect("inserted");
    known
}

/// The order the register must show for `sort` and `dir`, the id breaking ties the same way.
fn expected(known: &HashMap<String, Row>, sort: &str, dir: &str) -> Vec<String> {
    let mut rows: Vec<&Row> = known.values().collect();
    rows.sort_by(|a, b| (a.key(sort), &a.id).cmp(&(b.key(sort), &b.id)));
    if dir == "desc" {
        rows.reverse();
    }
    rows.into_iter().map(|r| r.id.clone()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_register_sorts_by_each_column_both_ways_across_its_pages() {
    let app = spawn_app().await;
    let known = sixty_agreements(&app).await;
    let browser = Browser::new(&app, &app.staff_token);

    // The default: newest first, marked on the reference's header, which flips it.
    let (status, page) = browser.get("/app/staff/agreements").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("60 conventions, page 1 sur 2"), "{page}");
    assert_eq!(
        listed(&page, &known),
        expected(&known, "created", "desc")[..50]
    );
    assert!(
        page.contains("<th scope=\"col\" aria-sort=\"descending\"><a href=")
            && page.matches("aria-sort=").count() == 1,
        "{page}"
    );
    assert!(href_of(&page, "sort-created").ends_with("&sort=created&dir=asc"));
    // An unknown order is the default one.
    let (_, bogus) = browser
        .get("/app/staff/agreements?sort=salary&dir=up")
        .await;
    assert_eq!(listed(&bogus, &known), listed(&page, &known));

    for sort in [
        "created",
        "party",
        "company",
        "kind",
        "status",
        "starts_on",
        "signatures",
    ] {
        for dir in ["asc", "desc"] {
            let path = format!("/app/staff/agreements?kind=&sort={sort}&dir={dir}");
            let (status, first) = browser.get(&path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            let th = first
                .split(&format!("id=\"sort-{sort}\""))
                .next()
                .and_then(|before| before.rsplit("<th").next())
                .expect("the header");
            let aria = if dir == "asc" {
                "ascending"
            } else {
                "descending"
            };
            assert!(
                th.contains(&format!("aria-sort=\"{aria}\"")),
                "{sort} {dir}: {th}"
            );
            let flipped = if dir == "asc" { "desc" } else { "asc" };
            assert!(
                href_of(&first, &format!("sort-{sort}")).ends_with(&format!("&dir={flipped}")),
                "{sort} {dir}"
            );
            // The next page keeps the order; together they list each agreement once.
            let next = href_of(&first, "register-next");
            if (sort, dir) != ("created", "desc") {
                assert!(next.contains(&format!("sort={sort}&dir={dir}")), "{next}");
            }
            let (_, second) = browser.get(&next).await;
            let mut shown = listed(&first, &known);
            assert_eq!(shown.len(), 50, "{sort} {dir}");
            shown.extend(listed(&second, &known));
            assert_eq!(shown, expected(&known, sort, dir), "{sort} {dir}");
        }
    }

    // A header keeps the filters: sorted by company among the signed ones.
    let (_, signed) = browser.get("/app/staff/agreements?status=signed").await;
    let by_company = href_of(&signed, "sort-company");
    assert!(by_company.contains("status=signed"), "{by_company}");
    let (_, page) = browser.get(&by_company).await;
    let mut only_signed: HashMap<String, Row> = known.clone();
    only_signed.retain(|_, r| r.status == "signed");
    assert_eq!(
        listed(&page, &known),
        expected(&only_signed, "company", "asc")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_office_downloads_the_register_in_french_with_the_columns_it_ticks() {
    let app = spawn_app().await;
    let known = sixty_agreements(&app).await;
    let browser = Browser::new(&app, &app.staff_token);
    let signed = known.values().filter(|r| r.status == "signed").count();

    // The page offers every column, ticked, and the CSV keeps the filters and the order.
    let (_, page) = browser
        .get("/app/staff/agreements?status=signed&sort=starts_on&dir=desc")
        .await;
    assert!(
        page.contains("name=\"columns\" value=\"student_email\" checked"),
        "{page}"
    );
    assert!(
        page.contains("<legend>Colonnes du fichier CSV</legend>"),
        "{page}"
    );
    let link = href_of(&page, "register-csv");
    assert!(
        link.starts_with("/app/staff/agreements.csv?")
            && link.contains("status=signed")
            && link.contains("sort=starts_on&dir=desc"),
        "{link}"
    );

    let (status, csv) = browser.get(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv.starts_with('\u{feff}'), "a BOM");
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(
        lines[0],
        "Référence;Type;État;Étudiant ou étudiante;Numéro d’étudiant;\
         E-mail de l’étudiant ou de l’étudiante;Entreprise;SIRET de l’entreprise;Sujet;Début;\
         Fin;Heures de stage;Gratification horaire (€);Tuteur académique;\
         Signature de l’établissement;Signature de l’entreprise;\
         Signature de l’étudiant ou de l’étudiante;Signature du tuteur;Envoyée le;Signée le;\
         Annulée le;Motif de l’annulation;Version;Campagne;Contact de l’entreprise;Identifiant"
    );
    assert_eq!(lines.len(), 1 + signed + 1, "header, rows, the last CRLF");
    let first: Vec<&str> = lines[1].split(';').collect();
    assert_eq!(first[2], "Signée", "{}", lines[1]);
    assert!(["Stage", "Recherche"].contains(&first[1]), "{}", lines[1]);
    // In the page's order: the latest start first, as dd/mm/yyyy.
    let latest = expected(
        &known
            .iter()
            .filter(|(_, r)| r.status == "signed")
            .map(|(k, r)| (k.clone(), r.clone()))
            .collect(),
        "starts_on",
        "desc",
    )[0]
    .clone();
    assert_eq!(first[first.len() - 1], latest);
    assert_eq!(
        first[9],
        known[&latest].starts_on.format("%d/%m/%Y").to_string()
    );

    // Only the columns ticked, in the register's order; an unknown one is ignored.
    let (_, csv) = browser
        .get("/app/staff/agreements.csv?status=cancelled&columns=cancel_reason&columns=status&columns=reference&columns=salary")
        .await;
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "Référence;État;Motif de l’annulation");
    assert!(lines[1].ends_with(";Annulée;Stage annulé"), "{}", lines[1]);

    // An English page gets English words and ISO dates.
    let (_, csv) = browser
        .get("/app/staff/agreements.csv?lang=en&status=signed&columns=kind&columns=status&columns=starts_on")
        .await;
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "Kind;Status;Start");
    let cells: Vec<&str> = lines[1].split(';').collect();
    assert!(
        ["Internship", "Research"].contains(&cells[0]),
        "{}",
        lines[1]
    );
    assert_eq!(cells[1], "Signed");
    assert!(
        NaiveDate::parse_from_str(cells[2], "%Y-%m-%d").is_ok(),
        "{}",
        lines[1]
    );

    // The API's CSV keeps its codes and historical columns.
    let res = app
        .get(
            "/api/v1/agreements.csv?status=signed",
            Some(&app.staff_token),
        )
        .await;
    let csv = res.text().await.expect("csv");
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    assert!(lines
        .next()
        .expect("header")
        .starts_with("reference;kind;status;version;campaign;company;company_contact;student"));
    assert!(lines.next().expect("a row").contains(";signed;1;"));
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_save_a_view_find_it_apply_it_and_delete_it() {
    let app = spawn_app().await;
    let known = sixty_agreements(&app).await;
    let browser = Browser::new(&app, &app.staff_token);
    let (_, page) = browser.get("/app/staff/agreements").await;
    assert!(page.contains("Aucune vue enregistrée"), "{page}");

    // Saved from the page's hidden query: filters and order, never the page number.
    let (status, to) = browser
        .post(
            "/app/staff/agreements/filters",
            &[
                ("name", "  Signées, par entreprise "),
                ("query", "status=signed&sort=company&dir=asc&page=2&junk=1"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        to,
        "/app/staff/agreements?kind=&status=signed&campaign_id=&sort=company&dir=asc&done=filter_saved"
    );
    let (_, page) = browser.get(&to).await;
    assert!(page.contains("role=\"status\""), "{page}");
    assert!(page.contains(">Signées, par entreprise</a>"), "{page}");
    // The link applies it.
    let saved = page
        .split("class=\"saved-filter\"")
        .next()
        .and_then(|before| before.rsplit("href=\"").next())
        .and_then(|rest| rest.split('"').next())
        .map(unescaped)
        .expect("the saved view's link");
    let (_, applied) = browser.get(&saved).await;
    let mut only_signed = known.clone();
    only_signed.retain(|_, r| r.status == "signed");
    assert_eq!(
        listed(&applied, &known),
        expected(&only_signed, "company", "asc")
    );
    assert!(
        applied.contains("aria-current=\"true\""),
        "the view shown is marked"
    );

    // Saved again under the same name: replaced, not doubled.
    let (status, _) = browser
        .post(
            "/app/staff/agreements/filters",
            &[
                ("name", "Signées, par entreprise"),
                ("query", "status=sent"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = browser.get("/app/staff/agreements").await;
    assert_eq!(page.matches("class=\"saved-filter\"").count(), 1, "{page}");
    assert!(
        page.contains("status=sent&amp;campaign_id=\" class=\"saved-filter\""),
        "{page}"
    );

    // A name of 0 or 81 characters is refused at its field, the register shown again.
    for name in ["   ".to_owned(), "x".repeat(81)] {
        let (status, page) = browser
            .post(
                "/app/staff/agreements/filters",
                &[("name", &name), ("query", "status=draft")],
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(page.contains("role=\"alert\""), "{page}");
        assert!(
            page.contains("Donnez un nom de 1 à 80 caractères."),
            "{page}"
        );
        assert!(page.contains("aria-invalid=\"true\""), "{page}");
    }

    // Someone else's view cannot be deleted; its owner can.
    let action = page_action(&browser).await;
    let (_, other) = app.user_with_role("staff", "autre@mines-ales.fr").await;
    let other = Browser::new(&app, &other);
    let (status, _) = other.post(&action, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, page) = other.get("/app/staff/agreements").await;
    assert!(page.contains("Aucune vue enregistrée"), "each their own");
    let (status, to) = browser.post(&action, &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page) = browser.get(&to).await;
    assert!(page.contains("La vue est supprimée."), "{page}");
    assert!(page.contains("Aucune vue enregistrée"), "{page}");
}

/// The delete form's action of the first saved view on the register.
async fn page_action(browser: &Browser<'_>) -> String {
    let (_, page) = browser.get("/app/staff/agreements").await;
    page.split("action=\"")
        .filter_map(|rest| rest.split('"').next())
        .map(unescaped)
        .find(|a| a.starts_with("/app/staff/agreements/filters/") && a.ends_with("/delete"))
        .expect("a delete form")
}
