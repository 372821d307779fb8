//! Browser tests that look at the page, not only its text (issue 20): where a week view's
//! cells fall against their day's header, how big the planning's and charts' text is drawn at
//! a desk, whether a legend shows the colours drawn; and that cancelling asks first and that
//! untrained people are not offered a form the server would refuse. Screenshots of the week
//! view (desk and phone) and of the planning at a desk go under `target/screenshots/`.

use chrono::{Datelike, Duration, NaiveDate, Utc};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::browser::{check_page, sign_in};
use crate::helpers::{expect_problem, expect_status, published_missions, TestApp, STAFF_EMAIL};
use crate::helpers::{lab_open_every_day, spawn_app, PASSWORD};
use crate::labs::paris;
use crate::webdriver::{browser, Browser};

/// The Monday of the week `weeks` from now.
fn monday_in(weeks: i64) -> NaiveDate {
    let day = Utc::now().date_naive() + Duration::weeks(weeks);
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

/// A lab open every day 08:00–18:00 with `equipment` (name, needs training); the lab's id and
/// the equipment's ids, in order.
async fn lab(app: &TestApp, equipment: &[(&str, bool)]) -> (String, Vec<String>) {
    let bodies: Vec<Value> = equipment
        .iter()
        .map(|(name, requires_training)| {
            json!({"name": name, "min_minutes": 30, "max_minutes": 240,
                   "requires_training": requires_training})
        })
        .collect();
    lab_open_every_day(app, "Atelier Mécanique", &bodies).await
}

/// Books `equipment` on `day` from `from` to `to` (Paris) with `token`; the booking's id.
async fn book(
    app: &TestApp,
    token: &str,
    equipment: &str,
    day: NaiveDate,
    (from, to): (&str, &str),
    project: Value,
) -> String {
    let mut body = json!({"equipment_id": equipment, "starts_at": paris(day, from),
                          "ends_at": paris(day, to)});
    if let (Some(b), Some(p)) = (body.as_object_mut(), project.as_object()) {
        b.extend(p.clone());
    }
    let res = app.post("/api/v1/bookings", Some(token), &body).await;
    expect_status(res, StatusCode::CREATED).await["id"]
        .as_str()
        .expect("id")
        .to_owned()
}

/// The status of `token`'s first booking of `equipment`, read through the API.
async fn booking_status(app: &TestApp, token: &str, equipment: &str) -> Value {
    let res = app
        .get(
            &format!("/api/v1/bookings?equipment_id={equipment}"),
            Some(token),
        )
        .await;
    expect_status(res, StatusCode::OK).await["items"][0]["status"].clone()
}

/// Each day's cells of the week grid against that day's header: the cells lying outside their
/// header's x-range, and the day (header) under which each booked cell's middle falls.
async fn week_layout(b: &Browser) -> Value {
    b.script(
        "const heads = [...document.querySelectorAll('table.week thead th')].slice(1)
             .map(h => h.getBoundingClientRect());
         const stray = [];
         const busyDays = new Set();
         document.querySelectorAll('table.week tbody tr').forEach((tr, row) => {
           [...tr.querySelectorAll('td')].forEach((td, day) => {
             const r = td.getBoundingClientRect(), h = heads[day];
             if (!h || r.left < h.left - 0.5 || r.right > h.right + 0.5) {
               stray.push([row, day, Math.round(r.left), Math.round(r.right)]);
             }
             if (td.classList.contains('busy')) {
               const middle = (r.left + r.right) / 2;
               heads.forEach((h, i) => { if (middle >= h.left && middle <= h.right) busyDays.add(i); });
             }
           });
         });
         return {heads: heads.length, stray: stray.slice(0, 5), strays: stray.length,
                 busy_days: [...busyDays].sort()};",
        json!([]),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_students_week_puts_each_days_cells_under_its_header_at_a_desk_and_on_a_phone() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    let (mission, student) = published_missions(&app, 1).await.remove(0);
    let (_, equipment) = lab(&app, &[("Tour à commande numérique", false)]).await;
    let press = &equipment[0];
    // Inside the mission's weeks: Monday, Wednesday and Saturday.
    let monday = monday_in(5);
    let project = json!({"mission_id": mission});
    for (day, hours) in [
        (0, ("09:00", "10:00")),
        (2, ("14:00", "15:30")),
        (5, ("10:00", "11:00")),
    ] {
        let date = monday + Duration::days(day);
        book(&app, &student, press, date, hours, project.clone()).await;
    }

    sign_in(&b, &app, "etudiant0@etu.fr", PASSWORD).await;
    let week = monday.format("%G-W%V").to_string();
    b.goto(&app.url(&format!("/app/equipment/{press}?week={week}")))
        .await;
    for (width, name) in [(1280, "week-desk"), (360, "week-phone")] {
        b.resize(width, 900).await;
        let layout = week_layout(&b).await;
        assert_eq!(layout["heads"], 7, "{layout}");
        assert_eq!(
            layout["strays"], 0,
            "every cell under its day's header at {width} px: {layout}"
        );
        assert_eq!(
            layout["busy_days"],
            json!([0, 2, 5]),
            "the bookings under Monday, Wednesday and Saturday at {width} px: {layout}"
        );
        b.script(
            "document.querySelector('table.week').scrollIntoView({block: 'start'});",
            json!([]),
        )
        .await;
        b.screenshot(name).await;
    }
    // On a phone the page itself fits; the grid scrolls in a region the keyboard reaches.
    check_page(&b).await;
    assert_eq!(
        b.count(".scroll[tabindex='0'][role=region] table.week")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn cancelling_asks_first_and_untrained_equipment_offers_no_booking_form() {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    let (mission, student) = published_missions(&app, 1).await.remove(0);
    let (_, equipment) = lab(&app, &[("Fraiseuse", false), ("Découpe laser", true)]).await;
    let (mill, laser) = (&equipment[0], &equipment[1]);
    let monday = monday_in(5);
    let project = json!({"mission_id": mission});
    let booking = book(&app, &student, mill, monday, ("09:00", "10:00"), project).await;
    // Someone else is trained on the laser by staff: staff are whom to ask.
    let (someone, _) = app.user_with_role("student", "formee@etu.fr").await;
    let res = app
        .post(
            &format!("/api/v1/equipment/{laser}/authorizations"),
            Some(&app.staff_token),
            &json!({"user_id": someone["id"]}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;
    sign_in(&b, &app, "etudiant0@etu.fr", PASSWORD).await;

    // The list offers no one-click cancel: its link opens a confirmation page.
    b.goto(&app.url("/app/bookings")).await;
    assert_eq!(
        b.count("form[method=post][action$='/cancel']").await,
        0,
        "no one-click cancel on the list"
    );
    b.click(&format!("a[href='/app/bookings/{booking}/cancel']"))
        .await;
    check_page(&b).await;
    let page = b.text("main").await;
    assert!(page.contains("Annuler cette réservation"), "{page}");
    assert!(page.contains("Fraiseuse"), "the booking's details: {page}");
    assert_eq!(
        booking_status(&app, &student, mill).await,
        "confirmed",
        "nothing cancelled yet"
    );
    b.click("form[method=post][action$='/cancel'] button[type=submit]")
        .await;
    assert!(b.text("[role=status]").await.contains("annulée"));
    assert_eq!(booking_status(&app, &student, mill).await, "cancelled");

    // Untrained: no form, but why and whom to ask; the server still refuses.
    b.goto(&app.url(&format!("/app/equipment/{laser}"))).await;
    check_page(&b).await;
    assert_eq!(b.count("form[action$='/bookings']").await, 0, "no form");
    let page = b.text("main").await;
    assert!(page.contains("formation"), "why: {page}");
    assert!(page.contains(STAFF_EMAIL), "whom to ask: {page}");
    let res = app
        .post(
            "/api/v1/bookings",
            Some(&student),
            &json!({"equipment_id": laser, "starts_at": paris(monday, "11:00"),
                    "ends_at": paris(monday, "12:00"), "mission_id": mission}),
        )
        .await;
    expect_problem(res, StatusCode::FORBIDDEN, "training_required").await;
    // The equipment anyone may use still has its form.
    b.goto(&app.url(&format!("/app/equipment/{mill}"))).await;
    assert_eq!(b.count("form[action$='/bookings']").await, 1);
}

/// Every SVG text in `css` drawn smaller than 12 px (computed font size times the SVG's scale
/// on screen), as `[text, px]`, and how many texts were measured.
async fn small_texts(b: &Browser, css: &str) -> Value {
    b.script(
        "const texts = [...document.querySelectorAll(arguments[0] + ' text')];
         const small = texts.map(t => {
           const m = t.getScreenCTM();
           const scale = Math.hypot(m.a, m.b);
           return [t.textContent.trim(), parseFloat(getComputedStyle(t).fontSize) * scale];
         }).filter(([, px]) => px < 12);
         return {count: texts.length, small: small.slice(0, 8)};",
        json!([css]),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_planning_and_the_allocation_charts_read_at_a_desk_and_the_legend_shows_the_colours_drawn(
) {
    let Some(b) = browser().await else { return };
    let app = spawn_app().await;
    published_missions(&app, 2).await;
    let (lab_id, equipment) = lab(&app, &[("Presse", false), ("Four à céramique", false)]).await;
    let monday = monday_in(1);
    let staff = app.staff_token.clone();
    book(
        &app,
        &staff,
        &equipment[0],
        monday,
        ("09:00", "11:00"),
        json!({}),
    )
    .await;
    let gone = book(
        &app,
        &staff,
        &equipment[1],
        monday,
        ("10:00", "12:00"),
        json!({}),
    )
    .await;
    let res = app
        .post(
            &format!("/api/v1/bookings/{gone}/cancel"),
            Some(&staff),
            &json!({}),
        )
        .await;
    expect_status(res, StatusCode::OK).await;
    let thursday = monday + Duration::days(3);
    let res = app
        .post(
            &format!("/api/v1/labs/{lab_id}/closures"),
            Some(&staff),
            &json!({"starts_at": paris(thursday, "00:00"),
                    "ends_at": paris(thursday + Duration::days(1), "00:00"), "reason": "Inventaire"}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;

    sign_in(&b, &app, STAFF_EMAIL, PASSWORD).await;
    b.resize(1440, 900).await;
    let week = monday.format("%G-W%V").to_string();
    b.goto(&app.url(&format!("/app/staff/labs/{lab_id}?week={week}&cancelled=1")))
        .await;
    let texts = small_texts(&b, "svg.planning").await;
    assert!(texts["count"].as_u64().unwrap_or(0) >= 9, "{texts}");
    assert_eq!(texts["small"], json!([]), "planning text ≥ 12 px: {texts}");
    let booked = b
        .script(
            "return document.querySelector('svg.planning rect.busy').getBoundingClientRect().height;",
            json!([]),
        )
        .await;
    assert!(
        booked.as_f64().unwrap_or(0.0) >= 20.0,
        "a booking's row is tall enough to point at: {booked}"
    );

    // Each legend swatch has the colour of a block of its kind.
    let legend = b
        .script(
            "const tones = ['open', 'busy', 'closure', 'closed', 'cancelled'];
             const colour = e => {
               const s = getComputedStyle(e);
               if (e instanceof SVGElement) return s.fill !== 'none' ? s.fill : s.stroke;
               return s.backgroundColor !== 'rgba(0, 0, 0, 0)' ? s.backgroundColor : s.borderTopColor;
             };
             const swatches = [...document.querySelectorAll('main :is(.legend, .plan-legend) *')]
               .filter(e => !e.closest('svg.planning') && tones.some(t => e.classList.contains(t)));
             return swatches.map(s => {
               const tone = tones.find(t => s.classList.contains(t));
               const block = document.querySelector('svg.planning rect.' + tone);
               return [tone, colour(s), block ? colour(block) : null];
             });",
            json!([]),
        )
        .await;
    let pairs = legend.as_array().cloned().unwrap_or_default();
    for tone in ["busy", "closure", "cancelled"] {
        assert!(
            pairs.iter().any(|p| p[0] == tone && !p[2].is_null()),
            "a `{tone}` swatch and block: {legend}"
        );
    }
    for p in &pairs {
        if !p[2].is_null() {
            assert_eq!(p[1], p[2], "the legend's colour is the block's: {legend}");
        }
    }
    b.script(
        "document.querySelector('svg.planning').scrollIntoView({block: 'center'});",
        json!([]),
    )
    .await;
    b.screenshot("planning-desk").await;

    // Staff cancelling from the planning are asked first too, then come back to it.
    b.click("td a[href$='/cancel']").await;
    assert!(b.text("h1").await.contains("Annuler cette réservation"));
    assert_eq!(
        booking_status(&app, &staff, &equipment[0]).await,
        "confirmed",
        "nothing cancelled yet"
    );
    b.click("form[method=post][action$='/cancel'] button[type=submit]")
        .await;
    assert!(b
        .current_url()
        .await
        .contains(&format!("/app/staff/labs/{lab_id}")));
    assert_eq!(b.count("svg.planning rect.busy").await, 0);
    assert_eq!(
        booking_status(&app, &staff, &equipment[0]).await,
        "cancelled"
    );

    // The allocation's chart, at a desk too.
    let res = app.get("/api/v1/campaigns", Some(&staff)).await;
    let campaigns = expect_status(res, StatusCode::OK).await;
    let campaign = campaigns["items"][0]["id"].as_str().expect("a campaign");
    b.goto(&app.url(&format!("/app/staff/campaigns/{campaign}/allocation")))
        .await;
    let texts = small_texts(&b, "svg.chart").await;
    assert!(texts["count"].as_u64().unwrap_or(0) >= 4, "{texts}");
    assert_eq!(texts["small"], json!([]), "chart text ≥ 12 px: {texts}");
    b.resize(360, 800).await;
    check_page(&b).await;
}
