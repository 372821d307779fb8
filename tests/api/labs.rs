//! Labs and bookings, black-box: every booking rule with its code and in the contract's order,
//! touching intervals, daylight saving on both sides, closures and their e-mails, availability,
//! training expiry, quotas per ISO week, calendars, visibility, and races on the one slot.

use std::time::Duration;

use chrono::{Datelike, Months, NaiveDate, Utc, Weekday};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    eventually, expect_problem, expect_status, published_missions, spawn_app, TestApp,
};

/// The Monday `weeks` weeks after the coming one: always in the future, whatever today is.
fn monday_in(weeks: i64) -> NaiveDate {
    let mut day = Utc::now().date_naive() + chrono::Duration::days(1);
    while day.weekday() != Weekday::Mon {
        day += chrono::Duration::days(1);
    }
    day + chrono::Duration::weeks(weeks)
}

/// An instant as Paris wall-clock time on `day` (the offset chosen by the tz database).
pub(crate) fn paris(day: NaiveDate, hh_mm: &str) -> String {
    use chrono::TimeZone;
    let time = chrono::NaiveTime::parse_from_str(hh_mm, "%H:%M").expect("time");
    chrono_tz::Europe::Paris
        .from_local_datetime(&day.and_time(time))
        .earliest()
        .expect("exists")
        .to_rfc3339()
}

fn utc_z(text: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(text)
        .expect("instant")
        .with_timezone(&Utc)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

struct Lab {
    id: String,
    press: String,
}

/// A lab open Monday–Friday 08:00–12:00 and 13:00–18:00 (Paris) with an equipment of `extra`.
async fn lab_with_equipment(app: &TestApp, extra: Value) -> Lab {
    let hours: Vec<Value> = (1..=5)
        .flat_map(|d| {
            [
                json!({"weekday": d, "opens": "08:00", "closes": "12:00"}),
                json!({"weekday": d, "opens": "13:00", "closes": "18:00"}),
            ]
        })
        .collect();
    let res = app
        .post(
            "/api/v1/labs",
            Some(&app.staff_token),
            &json!({"name": "Hall d'essais", "opening_hours": hours}),
        )
        .await;
    let lab = expect_status(res, StatusCode::CREATED).await;
    assert_eq!(lab["timezone"], "Europe/Paris");
    let id = lab["id"].as_str().expect("id").to_owned();
    let mut body = json!({"name": "Presse 3 000 kN"});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let res = app
        .post(
            &format!("/api/v1/labs/{id}/equipment"),
            Some(&app.staff_token),
            &body,
        )
        .await;
    let equipment = expect_status(res, StatusCode::CREATED).await;
    assert_eq!(equipment["lab_id"], id.as_str());
    Lab {
        id,
        press: equipment["id"].as_str().expect("id").to_owned(),
    }
}

async fn book(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.post("/api/v1/bookings", Some(token), &body).await
}

fn slot(equipment: &str, day: NaiveDate, from: &str, to: &str) -> Value {
    json!({"equipment_id": equipment, "starts_at": paris(day, from), "ends_at": paris(day, to)})
}

#[tokio::test(flavor = "multi_thread")]
async fn staff_create_labs_and_equipment_with_defaults() {
    let app = spawn_app().await;
    let lab = lab_with_equipment(&app, json!({})).await;
    let (_, student) = app.user_with_role("student", "s@etu.fr").await;
    let res = app
        .get(
            &format!("/api/v1/labs/{}/equipment", lab.id),
            Some(&student),
        )
        .await;
    let list = expect_status(res, StatusCode::OK).await;
    let e = &list["items"][0];
    assert_eq!(e["min_minutes"], 30);
    assert_eq!(e["max_minutes"], 480);
    assert_eq!(e["requires_training"], false);
    assert_eq!(e["weekly_hours_per_project"], Value::Null);
    let res = app
        .get(&format!("/api/v1/labs/{}", lab.id), Some(&student))
        .await;
    let got = expect_status(res, StatusCode::OK).await;
    assert_eq!(got["opening_hours"].as_array().map(Vec::len), Some(10));
    assert_eq!(got["opening_hours"][0]["opens"], "08:00");

    let res = app
        .post("/api/v1/labs", Some(&student), &json!({"name": "x"}))
        .await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app
        .post(
            "/api/v1/labs",
            Some(&app.staff_token),
            &json!({"name": "x", "timezone": "Mars/Olympus",
                    "opening_hours": [{"weekday": 8, "opens": "9:00", "closes": "08:00"}]}),
        )
        .await;
    let problem = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(
        problem["errors"].as_array().map_or(0, Vec::len) >= 3,
        "{problem}"
    );
    let res = app
        .post(
            &format!("/api/v1/labs/{}/equipment", lab.id),
            Some(&app.staff_token),
            &json!({"name": "x", "min_minutes": 60, "max_minutes": 30}),
        )
        .await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn every_rule_answers_its_code_in_the_contracts_order() {
    let app = spawn_app().await;
    let lab = lab_with_equipment(&app, json!({"min_minutes": 60, "max_minutes": 120})).await;
    let staff = app.staff_token.clone();
    let day = monday_in(1);
    let e = lab.press.as_str();

    // Reversed, in the past and too long at once: the interval rule comes first.
    let res = book(
        &app,
        &staff,
        json!({"equipment_id": e, "starts_at": "2020-01-06T15:00:00Z", "ends_at": "2020-01-06T09:00:00Z"}),
    )
    .await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_interval").await;
    let res = book(&app, &staff, slot(e, day, "10:00", "10:00")).await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_interval").await;
    // In the past and too short: the past.
    let res = book(
        &app,
        &staff,
        json!({"equipment_id": e, "starts_at": "2020-01-06T09:00:00Z", "ends_at": "2020-01-06T09:10:00Z"}),
    )
    .await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "in_past").await;
    // Too short, and at night: duration first.
    let res = book(&app, &staff, slot(e, day, "02:00", "02:30")).await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_duration").await;
    let res = book(&app, &staff, slot(e, day, "08:00", "11:00")).await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_duration").await;
    // Across the lunch break, or before opening: outside the hours.
    let res = book(&app, &staff, slot(e, day, "11:30", "13:30")).await;
    expect_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "outside_opening_hours",
    )
    .await;
    let res = book(&app, &staff, slot(e, day, "07:30", "08:30")).await;
    expect_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "outside_opening_hours",
    )
    .await;
    let saturday = day + chrono::Duration::days(5);
    let res = book(&app, &staff, slot(e, saturday, "09:00", "10:00")).await;
    expect_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "outside_opening_hours",
    )
    .await;

    // A booking, in another offset: answered in UTC.
    let first = book(&app, &staff, slot(e, day, "08:00", "10:00")).await;
    let first = expect_status(first, StatusCode::CREATED).await;
    assert_eq!(first["status"], "confirmed");
    assert_eq!(first["starts_at"], utc_z(&paris(day, "08:00")).as_str());
    assert_eq!(first["purpose"], Value::Null);
    // Overlapping: 409; touching on either side: fine.
    let res = book(&app, &staff, slot(e, day, "09:00", "10:30")).await;
    expect_problem(res, StatusCode::CONFLICT, "booking_overlap").await;
    let res = book(&app, &staff, slot(e, day, "10:00", "11:00")).await;
    expect_status(res, StatusCode::CREATED).await;

    // A closure beats the overlap.
    let res = app
        .post(
            &format!("/api/v1/labs/{}/closures", lab.id),
            Some(&staff),
            &json!({"starts_at": paris(day + chrono::Duration::days(1), "00:00"),
                    "ends_at": paris(day + chrono::Duration::days(2), "00:00"), "reason": "Maintenance"}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;
    let res = book(
        &app,
        &staff,
        slot(e, day + chrono::Duration::days(1), "08:00", "09:00"),
    )
    .await;
    expect_problem(res, StatusCode::CONFLICT, "lab_closed").await;

    // Malformed bodies never reach the rules.
    let res = book(
        &app,
        &staff,
        json!({"equipment_id": e, "starts_at": "tomorrow"}),
    )
    .await;
    let problem = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"].as_array().map(Vec::len), Some(2));
    let res = book(&app, &staff, slot("no-such-id", day, "08:00", "09:00")).await;
    expect_problem(res, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn opening_hours_follow_the_labs_clock_across_daylight_saving() {
    let app = spawn_app().await;
    let lab = lab_with_equipment(&app, json!({})).await;
    // The Monday after the last Sunday of March, and the Monday a week earlier, in a future year.
    let year = Utc::now().year() + 1;
    let last_sunday = (25..=31)
        .rev()
        .map(|d| NaiveDate::from_ymd_opt(year, 3, d).expect("date"))
        .find(|d| d.weekday() == Weekday::Sun)
        .expect("a Sunday");
    let summer = last_sunday + chrono::Duration::days(1);
    let winter = summer - chrono::Duration::weeks(1);
    let from = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    for (day, opens_utc) in [(winter, "07:00:00Z"), (summer, "06:00:00Z")] {
        let res = app
            .get(
                &format!(
                    "/api/v1/equipment/{}/availability?from={}&to={}",
                    lab.press,
                    from(day),
                    from(day)
                ),
                Some(&app.staff_token),
            )
            .await;
        let body = expect_status(res, StatusCode::OK).await;
        assert_eq!(
            body["items"][0]["starts_at"],
            format!("{}T{opens_utc}", from(day)).as_str(),
            "{body}"
        );
        // 08:00 local is bookable; 07:00 local (the other side's 08:00 UTC+1) is not.
        let ok = book(
            &app,
            &app.staff_token,
            slot(&lab.press, day, "08:00", "09:00"),
        )
        .await;
        expect_status(ok, StatusCode::CREATED).await;
        let early = book(
            &app,
            &app.staff_token,
            slot(&lab.press, day, "07:00", "08:00"),
        )
        .await;
        expect_problem(
            early,
            StatusCode::UNPROCESSABLE_ENTITY,
            "outside_opening_hours",
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn availability_is_hours_minus_closures_minus_bookings() {
    let app = spawn_app().await;
    let lab = lab_with_equipment(&app, json!({})).await;
    let monday = monday_in(2);
    let tuesday = monday + chrono::Duration::days(1);
    let staff = app.staff_token.clone();
    let b = book(&app, &staff, slot(&lab.press, monday, "09:00", "10:00")).await;
    expect_status(b, StatusCode::CREATED).await;
    let b = book(&app, &staff, slot(&lab.press, monday, "10:00", "11:00")).await;
    expect_status(b, StatusCode::CREATED).await;
    let res = app
        .post(
            &format!("/api/v1/labs/{}/closures", lab.id),
            Some(&staff),
            &json!({"starts_at": paris(tuesday, "15:00"), "ends_at": paris(tuesday, "20:00"), "reason": "Inventaire"}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;
    let res = app
        .get(
            &format!(
                "/api/v1/equipment/{}/availability?from={monday}&to={tuesday}",
                lab.press
            ),
            Some(&staff),
        )
        .await;
    let body = expect_status(res, StatusCode::OK).await;
    let got: Vec<(String, String)> = body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["starts_at"].as_str().unwrap_or("").to_owned(),
                i["ends_at"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        (monday, "08:00", "09:00"),
        (monday, "11:00", "12:00"),
        (monday, "13:00", "18:00"),
        (tuesday, "08:00", "12:00"),
        (tuesday, "13:00", "15:00"),
    ]
    .iter()
    .map(|(d, a, b)| (utc_z(&paris(*d, a)), utc_z(&paris(*d, b))))
    .collect();
    assert_eq!(got, want);

    let res = app
        .get(
            &format!(
                "/api/v1/equipment/{}/availability?from={tuesday}&to={monday}",
                lab.press
            ),
            Some(&staff),
        )
        .await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let res = app
        .get(
            &format!("/api/v1/equipment/{}/availability", lab.press),
            Some(&staff),
        )
        .await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn closure_cancels_overlapping_bookings_and_writes_one_email_per_booker() {
    let app = spawn_app().await;
    let lab = lab_with_equipment(&app, json!({})).await;
    let day = monday_in(1);
    let staff = app.staff_token.clone();
    let (other_staff, other_token) = app.user_with_role("staff", "tech@imt.fr").await;
    let mut mine = Vec::new();
    for (from, to) in [("08:00", "09:00"), ("13:00", "14:00")] {
        let b = book(&app, &staff, slot(&lab.press, day, from, to)).await;
        mine.push(expect_status(b, StatusCode::CREATED).await);
    }
    let theirs = book(&app, &other_token, slot(&lab.press, day, "15:00", "16:00")).await;
    let theirs = expect_status(theirs, StatusCode::CREATED).await;
    // Outside the closure: kept.
    let kept = book(
        &app,
        &staff,
        slot(
            &lab.press,
            day + chrono::Duration::days(1),
            "08:00",
            "09:00",
        ),
    )
    .await;
    let kept = expect_status(kept, StatusCode::CREATED).await;

    let res = app
        .post(
            &format!("/api/v1/labs/{}/closures", lab.id),
            Some(&staff),
            &json!({"starts_at": paris(day, "00:00"), "ends_at": paris(day, "23:59"), "reason": "Coupure électrique"}),
        )
        .await;
    let closure = expect_status(res, StatusCode::CREATED).await;
    assert_eq!(
        closure["cancelled_booking_ids"].as_array().map(Vec::len),
        Some(3)
    );

    let res = app.get("/api/v1/bookings", Some(&staff)).await;
    let all = expect_status(res, StatusCode::OK).await;
    let status_of = |id: &Value| {
        all["items"]
            .as_array()
            .and_then(|items| items.iter().find(|b| b["id"] == *id))
            .map(|b| b["status"].clone())
    };
    assert_eq!(status_of(&mine[0]["id"]), Some(json!("cancelled")));
    assert_eq!(status_of(&theirs["id"]), Some(json!("cancelled")));
    assert_eq!(status_of(&kept["id"]), Some(json!("confirmed")));

    let admin = app.mails_to(crate::helpers::STAFF_EMAIL).await;
    let closures: Vec<_> = admin
        .iter()
        .filter(|m| m["subject"].as_str().is_some_and(|s| s.contains("fermé")))
        .collect();
    assert_eq!(closures.len(), 1, "{admin:?}");
    assert!(closures[0]["subject"]
        .as_str()
        .is_some_and(|s| s.contains("vos 2 réservations")));
    let tech = app
        .mails_to(other_staff["email"].as_str().expect("email"))
        .await;
    assert_eq!(
        tech.iter()
            .filter(|m| m["subject"].as_str().is_some_and(|s| s.contains("fermé")))
            .count(),
        1
    );
    let res = app
        .get(
            &format!("/api/v1/labs/{}/closures", lab.id),
            Some(&other_token),
        )
        .await;
    let listed = expect_status(res, StatusCode::OK).await;
    assert_eq!(listed["items"][0]["reason"], "Coupure électrique");
    // The slot stays closed.
    let again = book(&app, &staff, slot(&lab.press, day, "08:00", "09:00")).await;
    expect_problem(again, StatusCode::CONFLICT, "lab_closed").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn training_is_required_and_expires() {
    let app = spawn_app().await;
    let lab = lab_with_equipment(&app, json!({"requires_training": true})).await;
    let (_, student) = app.user_with_role("student", "stu@etu.fr").await;
    let (tutor, tutor_token) = app.user_with_role("tutor", "tutor@imt.fr").await;
    let day = monday_in(1);
    // Staff need no training.
    let res = book(
        &app,
        &app.staff_token,
        slot(&lab.press, day, "08:00", "09:00"),
    )
    .await;
    expect_status(res, StatusCode::CREATED).await;
    // Others may not book at all (forbidden comes before training).
    let res = book(&app, &tutor_token, slot(&lab.press, day, "09:00", "10:00")).await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = book(&app, &student, slot(&lab.press, day, "09:00", "10:00")).await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;

    // Authorizations: staff only; listed; an unknown user is refused.
    let path = format!("/api/v1/equipment/{}/authorizations", lab.press);
    let res = app
        .post(
            &path,
            Some(&app.staff_token),
            &json!({"user_id": tutor["id"], "expires_on": "2020-01-01"}),
        )
        .await;
    let auth = expect_status(res, StatusCode::CREATED).await;
    assert_eq!(auth["expires_on"], "2020-01-01");
    let res = app
        .post(&path, Some(&app.staff_token), &json!({"user_id": "nobody"}))
        .await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let res = app
        .post(&path, Some(&student), &json!({"user_id": tutor["id"]}))
        .await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let res = app.get(&path, Some(&app.staff_token)).await;
    let list = expect_status(res, StatusCode::OK).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test(flavor = "multi_thread")]
async fn bookers_see_cancel_and_download_their_own_bookings_only() {
    let app = spawn_app().await;
    let lab = lab_with_equipment(&app, json!({})).await;
    let (_, tech) = app.user_with_role("staff", "tech2@imt.fr").await;
    let (_, student) = app.user_with_role("student", "nosy@etu.fr").await;
    let day = monday_in(1);
    let res = book(
        &app,
        &tech,
        json!({"equipment_id": lab.press, "starts_at": paris(day, "14:00"),
               "ends_at": paris(day, "16:00"), "purpose": "Essai de fluage"}),
    )
    .await;
    let booking = expect_status(res, StatusCode::CREATED).await;
    let id = booking["id"].as_str().expect("id");
    assert_eq!(booking["purpose"], "Essai de fluage");

    // The student sees none of it.
    let res = app.get("/api/v1/bookings", Some(&student)).await;
    let list = expect_status(res, StatusCode::OK).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0));
    for path in [
        format!("/api/v1/bookings/{id}"),
        format!("/api/v1/bookings/{id}/calendar.ics"),
    ] {
        let res = app.get(&path, Some(&student)).await;
        expect_problem(res, StatusCode::NOT_FOUND, "not_found").await;
    }
    let res = app
        .post(
            &format!("/api/v1/bookings/{id}/cancel"),
            Some(&student),
            &json!({}),
        )
        .await;
    expect_problem(res, StatusCode::NOT_FOUND, "not_found").await;

    // The booker's calendar: the lab's wall clock, a stable UID.
    let res = app
        .get(&format!("/api/v1/bookings/{id}/calendar.ics"), Some(&tech))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/calendar")));
    let ics = res.text().await.expect("body");
    let local = day.format("%Y%m%d").to_string();
    assert!(
        ics.contains(&format!("DTSTART;TZID=Europe/Paris:{local}T140000")),
        "{ics}"
    );
    assert!(ics.contains(&format!("UID:booking-{id}@fieldlab")));
    assert!(ics.contains("BEGIN:VTIMEZONE"));

    // Confirmation e-mail with the .ics attached.
    assert!(
        eventually(Duration::from_secs(10), || async {
            app.mails_to("tech2@imt.fr").await.iter().any(|m| {
                m["subject"]
                    .as_str()
                    .is_some_and(|s| s.starts_with("Réservation confirmée"))
            })
        })
        .await
    );

    // Cancel: 200, then the slot is free again, then a second cancel is refused.
    let res = app
        .post(
            &format!("/api/v1/bookings/{id}/cancel"),
            Some(&tech),
            &json!({}),
        )
        .await;
    let cancelled = expect_status(res, StatusCode::OK).await;
    assert_eq!(cancelled["status"], "cancelled");
    let res = app
        .post(
            &format!("/api/v1/bookings/{id}/cancel"),
            Some(&app.staff_token),
            &json!({}),
        )
        .await;
    expect_problem(res, StatusCode::CONFLICT, "invalid_transition").await;
    let res = book(
        &app,
        &app.staff_token,
        slot(&lab.press, day, "14:00", "16:00"),
    )
    .await;
    expect_status(res, StatusCode::CREATED).await;
    let res = app
        .get(&format!("/api/v1/bookings/{id}/calendar.ics"), Some(&tech))
        .await;
    let ics = res.text().await.expect("body");
    assert!(ics.contains("METHOD:CANCEL") && ics.contains("STATUS:CANCELLED"));
    assert!(app
        .mails_to("tech2@imt.fr")
        .await
        .iter()
        .any(|m| m["subject"]
            .as_str()
            .is_some_and(|s| s.starts_with("Réservation annulée"))));

    // The list shows cancelled bookings with their status, and filters.
    let res = app
        .get(
            &format!(
                "/api/v1/bookings?equipment_id={}&from={day}&to={day}",
                lab.press
            ),
            Some(&app.staff_token),
        )
        .await;
    let list = expect_status(res, StatusCode::OK).await;
    let statuses: Vec<_> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|b| b["status"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(statuses, ["cancelled", "confirmed"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_confirmation_carries_the_event() {
    let app = spawn_app().await;
    let lab = lab_with_equipment(&app, json!({})).await;
    let day = monday_in(1);
    let res = book(
        &app,
        &app.staff_token,
        slot(&lab.press, day, "08:00", "09:00"),
    )
    .await;
    let booking = expect_status(res, StatusCode::CREATED).await;
    let uid = format!(
        "UID:booking-{}@fieldlab",
        booking["id"].as_str().expect("id")
    );
    let found = eventually(Duration::from_secs(10), || async {
        std::fs::read_dir(&app.mail_dir)
            .map(|dir| {
                dir.filter_map(Result::ok).any(|f| {
                    let raw = std::fs::read(f.path()).unwrap_or_default();
                    mailparse::parse_mail(&raw).is_ok_and(|mail| {
                        mail.parts().any(|p| {
                            p.ctype.mimetype == "text/calendar"
                                && p.get_body().is_ok_and(|b| b.contains(&uid))
                        })
                    })
                })
            })
            .unwrap_or(false)
    })
    .await;
    assert!(found, "no e-mail with the booking's .ics");
}

#[tokio::test(flavor = "multi_thread")]
async fn forty_simultaneous_requests_for_one_slot_give_one_booking() {
    let app = spawn_app().await;
    let lab = lab_with_equipment(&app, json!({})).await;
    let day = monday_in(3);
    let body = slot(&lab.press, day, "09:00", "11:00");
    let requests = (0..40).map(|_| {
        let req = app
            .client
            .post(app.url("/api/v1/bookings"))
            .bearer_auth(&app.staff_token)
            .json(&body);
        async move {
            let res = req.send().await.expect("sent");
            let status = res.status();
            let body: Value = res.json().await.unwrap_or(Value::Null);
            (status, body)
        }
    });
    let answers = futures_util::future::join_all(requests).await;
    let created = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    let overlaps = answers
        .iter()
        .filter(|(s, b)| *s == StatusCode::CONFLICT && b["code"] == "booking_overlap")
        .count();
    assert_eq!((created, overlaps), (1, 39), "{answers:?}");
    let res = app
        .get(
            &format!("/api/v1/bookings?equipment_id={}", lab.press),
            Some(&app.staff_token),
        )
        .await;
    let list = expect_status(res, StatusCode::OK).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
}

/// An application of `founder_id` in `status`, written straight to the database (the
/// incubator's endpoints live on another branch).
fn insert_application(app: &TestApp, founder_id: &str, status: &str) -> String {
    use diesel::prelude::*;
    use fieldlab::db::schema::applications;
    let pool = fieldlab::startup::open_database(&app.settings).expect("database");
    let mut conn = pool.get().expect("connection");
    let id = fieldlab::db::new_id();
    let today = Utc::now().date_naive();
    diesel::insert_into(applications::table)
        .values((
            applications::id.eq(&id),
            applications::founder_id.eq(founder_id),
            applications::title.eq("Béton de chanvre"),
            applications::summary.eq("Blocs isolants"),
            applications::domain.eq("materials"),
            applications::manufactured_product.eq(true),
            applications::status.eq(status),
            // An incubating project has its dates, as an admission gives them.
            applications::starts_on.eq((status == "incubating").then_some(today)),
            applications::ends_on.eq((status == "incubating").then(|| today + Months::new(24))),
            applications::created_at.eq(fieldlab::db::now()),
            applications::updated_at.eq(fieldlab::db::now()),
        ))
        .execute(&mut conn)
        .expect("application inserted");
    id
}

fn with_project(mut body: Value, key: &str, id: &str) -> Value {
    body[key] = json!(id);
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn a_trained_founder_books_for_their_incubating_project() {
    let app = spawn_app().await;
    let lab = lab_with_equipment(&app, json!({"requires_training": true})).await;
    let (founder, token) = app.user_with_role("founder", "claire@startup.fr").await;
    let (other, _) = app.user_with_role("founder", "paul@startup.fr").await;
    let (_, student) = app.user_with_role("student", "zoe@etu.fr").await;
    let founder_id = founder["id"].as_str().expect("id");
    let own = insert_application(&app, founder_id, "incubating");
    let submitted = insert_application(&app, founder_id, "submitted");
    let others = insert_application(&app, other["id"].as_str().expect("id"), "incubating");
    let day = monday_in(1);
    let base = slot(&lab.press, day, "08:00", "09:00");

    for body in [
        base.clone(),
        with_project(base.clone(), "application_id", &submitted),
        with_project(base.clone(), "application_id", &others),
        with_project(base.clone(), "application_id", "no-such-application"),
        with_project(base.clone(), "mission_id", "some-mission"),
    ] {
        let res = book(&app, &token, body).await;
        expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    }
    // Students: a mission their team does not hold (here, none at all) is forbidden.
    let res = book(
        &app,
        &student,
        with_project(base.clone(), "mission_id", "m1"),
    )
    .await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;

    // Own incubating project, not trained yet, or trained with an expired authorization.
    let mine = with_project(base.clone(), "application_id", &own);
    let res = book(&app, &token, mine.clone()).await;
    expect_problem(res, StatusCode::FORBIDDEN, "training_required").await;
    let path = format!("/api/v1/equipment/{}/authorizations", lab.press);
    let yesterday = (Utc::now().date_naive() - chrono::Duration::days(1)).to_string();
    let res = app
        .post(
            &path,
            Some(&app.staff_token),
            &json!({"user_id": founder_id, "expires_on": yesterday}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;
    let res = book(&app, &token, mine.clone()).await;
    expect_problem(res, StatusCode::FORBIDDEN, "training_required").await;
    // Trained until the day of the booking: enough.
    let res = app
        .post(
            &path,
            Some(&app.staff_token),
            &json!({"user_id": founder_id, "expires_on": day.to_string()}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;
    let res = book(&app, &token, mine.clone()).await;
    let booking = expect_status(res, StatusCode::CREATED).await;
    assert_eq!(booking["application_id"], own.as_str());
    assert_eq!(booking["user_id"], founder_id);
    assert_eq!(booking["mission_id"], Value::Null);
    // Not trained for the week after the expiry.
    let later = with_project(
        slot(
            &lab.press,
            day + chrono::Duration::weeks(1),
            "08:00",
            "09:00",
        ),
        "application_id",
        &own,
    );
    let res = book(&app, &token, later).await;
    expect_problem(res, StatusCode::FORBIDDEN, "training_required").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_weekly_quota_counts_confirmed_hours_per_project_and_iso_week() {
    let app = spawn_app().await;
    let lab = lab_with_equipment(&app, json!({"weekly_hours_per_project": 3})).await;
    let (founder, token) = app.user_with_role("founder", "quota@startup.fr").await;
    let project = insert_application(&app, founder["id"].as_str().expect("id"), "incubating");
    let monday = monday_in(1);
    let friday = monday + chrono::Duration::days(4);
    let at = |d: NaiveDate, a: &str, b: &str| {
        with_project(slot(&lab.press, d, a, b), "application_id", &project)
    };
    let res = book(&app, &token, at(monday, "08:00", "10:00")).await;
    let first = expect_status(res, StatusCode::CREATED).await;
    // 2 h + 1 h reaches the quota exactly: allowed.
    let res = book(&app, &token, at(friday, "08:00", "09:00")).await;
    expect_status(res, StatusCode::CREATED).await;
    // Any more in that week: refused, even overlapping (the quota comes first).
    let res = book(&app, &token, at(friday, "13:00", "13:30")).await;
    expect_problem(res, StatusCode::CONFLICT, "quota_exceeded").await;
    let res = book(&app, &token, at(monday, "08:00", "09:00")).await;
    expect_problem(res, StatusCode::CONFLICT, "quota_exceeded").await;
    // The next ISO week is a new week.
    let res = book(
        &app,
        &token,
        at(monday + chrono::Duration::weeks(1), "08:00", "11:00"),
    )
    .await;
    expect_status(res, StatusCode::CREATED).await;
    // Staff booking without a project: no quota.
    let res = book(
        &app,
        &app.staff_token,
        slot(&lab.press, friday, "13:00", "18:00"),
    )
    .await;
    expect_status(res, StatusCode::CREATED).await;
    // Cancelled hours no longer count.
    let id = first["id"].as_str().expect("id");
    let res = app
        .post(
            &format!("/api/v1/bookings/{id}/cancel"),
            Some(&token),
            &json!({}),
        )
        .await;
    expect_status(res, StatusCode::OK).await;
    let res = book(&app, &token, at(monday, "13:00", "15:00")).await;
    expect_status(res, StatusCode::CREATED).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn parallel_requests_cannot_pass_the_quota() {
    let app = spawn_app().await;
    let lab = lab_with_equipment(&app, json!({"weekly_hours_per_project": 3})).await;
    let project = {
        let me = expect_status(
            app.get("/api/v1/me", Some(&app.staff_token)).await,
            StatusCode::OK,
        )
        .await;
        insert_application(&app, me["id"].as_str().expect("id"), "incubating")
    };
    let monday = monday_in(2);
    // Ten one-hour bookings that do not overlap, all in one week, for one project.
    let bodies: Vec<Value> = (0..10)
        .map(|i| {
            let day = monday + chrono::Duration::days(i / 2);
            let (a, b) = if i % 2 == 0 {
                ("08:00", "09:00")
            } else {
                ("14:00", "15:00")
            };
            with_project(slot(&lab.press, day, a, b), "application_id", &project)
        })
        .collect();
    let requests = bodies.iter().map(|body| {
        let req = app
            .client
            .post(app.url("/api/v1/bookings"))
            .bearer_auth(&app.staff_token)
            .json(body);
        async move {
            let res = req.send().await.expect("sent");
            let status = res.status();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    });
    let answers = futures_util::future::join_all(requests).await;
    let created = answers
        .iter()
        .filter(|(s, _)| *s == StatusCode::CREATED)
        .count();
    let refused = answers
        .iter()
        .filter(|(s, b)| *s == StatusCode::CONFLICT && b["code"] == "quota_exceeded")
        .count();
    assert_eq!((created, refused), (3, 7), "{answers:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_database_itself_refuses_overlapping_confirmed_bookings() {
    use diesel::prelude::*;
    use fieldlab::db::schema::bookings;
    let app = spawn_app().await;
    let lab = lab_with_equipment(&app, json!({})).await;
    let day = monday_in(1);
    let res = book(
        &app,
        &app.staff_token,
        slot(&lab.press, day, "08:00", "10:00"),
    )
    .await;
    let first = expect_status(res, StatusCode::CREATED).await;
    let me = expect_status(
        app.get("/api/v1/me", Some(&app.staff_token)).await,
        StatusCode::OK,
    )
    .await;
    let pool = fieldlab::startup::open_database(&app.settings).expect("database");
    let mut conn = pool.get().expect("connection");
    let instant = |t: &str| fieldlab::labs::domain::parse_instant(&paris(day, t)).expect("instant");
    let mut insert = |from: &str, to: &str, status: &str| {
        diesel::insert_into(bookings::table)
            .values((
                bookings::id.eq(fieldlab::db::new_id()),
                bookings::equipment_id.eq(&lab.press),
                bookings::user_id.eq(me["id"].as_str().expect("id")),
                bookings::starts_at.eq(instant(from)),
                bookings::ends_at.eq(instant(to)),
                bookings::status.eq(status),
                bookings::created_at.eq(fieldlab::db::now()),
            ))
            .execute(&mut conn)
    };
    // Bypassing every check in the code: the database says no.
    let err = insert("09:00", "11:00", "confirmed").expect_err("overlap refused");
    assert!(
        fieldlab::labs::models::is_overlap_violation(&err),
        "{err:?}"
    );
    // Touching is fine; a cancelled overlapping row is fine.
    insert("10:00", "11:00", "confirmed").expect("touching accepted");
    insert("08:30", "09:30", "cancelled").expect("cancelled rows do not count");
    // Re-confirming a cancelled booking over a confirmed one is refused too.
    let id = first["id"].as_str().expect("id");
    let res = app
        .post(
            &format!("/api/v1/bookings/{id}/cancel"),
            Some(&app.staff_token),
            &json!({}),
        )
        .await;
    expect_status(res, StatusCode::OK).await;
    insert("08:00", "09:00", "confirmed").expect("the slot is free again");
    let err = diesel::update(bookings::table.find(id))
        .set(bookings::status.eq("confirmed"))
        .execute(&mut conn)
        .expect_err("re-confirming refused");
    assert!(
        fieldlab::labs::models::is_overlap_violation(&err),
        "{err:?}"
    );
}

/// The overlap lookups read one neighbouring row, not a whole history: a slot inside a longer
/// booking, or covering several, is refused; a window starting inside a booking still sees it.
#[tokio::test(flavor = "multi_thread")]
async fn overlaps_are_found_inside_longer_bookings_and_across_several() {
    use fieldlab::labs::domain::{parse_instant, Interval};
    let app = spawn_app().await;
    let lab = lab_with_equipment(&app, json!({})).await;
    let day = monday_in(1);
    let staff = app.staff_token.clone();
    for (from, to) in [("13:00", "18:00"), ("08:30", "09:00"), ("10:00", "10:30")] {
        let res = book(&app, &staff, slot(&lab.press, day, from, to)).await;
        expect_status(res, StatusCode::CREATED).await;
    }
    for (from, to) in [("14:00", "14:30"), ("08:00", "11:00"), ("09:30", "12:00")] {
        let res = book(&app, &staff, slot(&lab.press, day, from, to)).await;
        expect_problem(res, StatusCode::CONFLICT, "booking_overlap").await;
    }
    let res = book(&app, &staff, slot(&lab.press, day, "09:00", "10:00")).await;
    expect_status(res, StatusCode::CREATED).await;

    let pool = fieldlab::startup::open_database(&app.settings).expect("database");
    let mut conn = pool.get().expect("connection");
    let at = |t: &str| parse_instant(&paris(day, t)).expect("instant");
    let window = Interval::new(at("15:00"), at("17:00"));
    let seen =
        fieldlab::labs::models::confirmed_intervals(&mut conn, &lab.press, window).expect("lookup");
    assert_eq!(seen, vec![Interval::new(at("13:00"), at("18:00"))]);
    let morning = Interval::new(at("08:45"), at("10:15"));
    let seen = fieldlab::labs::models::confirmed_intervals(&mut conn, &lab.press, morning)
        .expect("lookup");
    assert_eq!(
        seen,
        vec![
            Interval::new(at("08:30"), at("09:00")),
            Interval::new(at("09:00"), at("10:00")),
            Interval::new(at("10:00"), at("10:30")),
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_student_books_for_the_mission_their_team_holds_within_its_quota() {
    let app = spawn_app().await;
    let missions = published_missions(&app, 1).await;
    let (mission_id, student) = missions[0].clone();
    let lab = lab_with_equipment(&app, json!({"weekly_hours_per_project": 2})).await;
    // Within the mission's dates (it starts in four weeks and lasts five).
    let day = monday_in(5);
    let for_mission = |from: &str, to: &str| {
        let mut body = slot(&lab.press, day, from, to);
        body["mission_id"] = json!(mission_id);
        body
    };
    let res = book(&app, &student, for_mission("09:00", "10:00")).await;
    let booking = expect_status(res, StatusCode::CREATED).await;
    assert_eq!(booking["mission_id"], mission_id.as_str());
    assert_eq!(booking["status"], "confirmed");
    // Staff booking for the mission counts against the same weekly quota.
    let res = book(&app, &app.staff_token, for_mission("10:00", "11:00")).await;
    expect_status(res, StatusCode::CREATED).await;
    let res = book(&app, &student, for_mission("13:00", "13:30")).await;
    expect_problem(res, StatusCode::CONFLICT, "quota_exceeded").await;
    // The next ISO week starts a new quota.
    let mut next_week = for_mission("13:00", "14:00");
    next_week["starts_at"] = json!(paris(day + chrono::Duration::weeks(1), "13:00"));
    next_week["ends_at"] = json!(paris(day + chrono::Duration::weeks(1), "14:00"));
    expect_status(book(&app, &student, next_week).await, StatusCode::CREATED).await;
    // Without the mission, or for a mission another team holds, a student may not book.
    let res = book(&app, &student, slot(&lab.press, day, "15:00", "16:00")).await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    let (_, outsider) = app.user_with_role("student", "paul@etu.fr").await;
    let res = book(&app, &outsider, for_mission("15:00", "16:00")).await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
    // Staff naming a mission that does not exist: 422, as for an unknown application.
    let mut unknown = slot(&lab.press, day, "15:00", "16:00");
    unknown["mission_id"] = json!("no-such-mission");
    let res = book(&app, &app.staff_token, unknown).await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_projects_bookings_stay_within_its_dates() {
    let app = spawn_app().await;
    let lab = lab_with_equipment(&app, json!({})).await;
    // An application admitted to start in two weeks.
    let (_, founder) = app.user_with_role("founder", "dates@startup.fr").await;
    let res = app
        .post(
            "/api/v1/applications",
            Some(&founder),
            &json!({"title": "Béton", "summary": "Blocs", "domain": "materials", "manufactured_product": true}),
        )
        .await;
    let application = expect_status(res, StatusCode::CREATED).await;
    let application_id = application["id"].as_str().expect("id").to_owned();
    let starts_on = monday_in(2);
    let res = app
        .post(
            &format!("/api/v1/applications/{application_id}/decision"),
            Some(&app.staff_token),
            &json!({"decision": "admit", "starts_on": starts_on.to_string()}),
        )
        .await;
    expect_status(res, StatusCode::OK).await;
    let for_application = |day: NaiveDate| {
        with_project(
            slot(&lab.press, day, "08:00", "09:00"),
            "application_id",
            &application_id,
        )
    };
    let res = book(&app, &founder, for_application(monday_in(1))).await;
    let body = expect_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "outside_project_dates",
    )
    .await;
    assert_eq!(body["starts_on"], starts_on.to_string());
    // Staff booking for the project are bound by its dates too; the first day is in.
    let res = book(&app, &app.staff_token, for_application(monday_in(1))).await;
    expect_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "outside_project_dates",
    )
    .await;
    let res = book(&app, &founder, for_application(starts_on)).await;
    expect_status(res, StatusCode::CREATED).await;

    // A mission: it starts in four weeks and lasts five.
    let missions = published_missions(&app, 1).await;
    let (mission_id, student) = missions[0].clone();
    let for_mission = |day: NaiveDate| {
        with_project(
            slot(&lab.press, day, "10:00", "11:00"),
            "mission_id",
            &mission_id,
        )
    };
    for day in [monday_in(1), monday_in(9)] {
        let res = book(&app, &student, for_mission(day)).await;
        expect_problem(
            res,
            StatusCode::UNPROCESSABLE_ENTITY,
            "outside_project_dates",
        )
        .await;
    }
    let res = book(&app, &student, for_mission(monday_in(5))).await;
    expect_status(res, StatusCode::CREATED).await;
    // Permissions come first: someone else's project is forbidden, whatever its dates.
    let (_, outsider) = app.user_with_role("student", "other@etu.fr").await;
    let res = book(&app, &outsider, for_mission(monday_in(1))).await;
    expect_problem(res, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn refusals_say_the_numbers_behind_them() {
    let app = spawn_app().await;
    let lab = lab_with_equipment(
        &app,
        json!({"min_minutes": 30, "max_minutes": 120, "weekly_hours_per_project": 2}),
    )
    .await;
    let (founder, token) = app.user_with_role("founder", "numbers@startup.fr").await;
    let project = insert_application(&app, founder["id"].as_str().expect("id"), "incubating");
    let day = monday_in(1);
    let at = |d: NaiveDate, a: &str, b: &str| {
        with_project(slot(&lab.press, d, a, b), "application_id", &project)
    };

    let res = book(&app, &token, at(day, "08:00", "08:10")).await;
    let body = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid_duration").await;
    assert_eq!(
        (body["min_minutes"].clone(), body["max_minutes"].clone()),
        (json!(30), json!(120))
    );

    let res = book(&app, &token, at(day, "11:30", "12:30")).await;
    let body = expect_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "outside_opening_hours",
    )
    .await;
    assert_eq!(
        body["opening_hours"],
        json!([{"opens": "08:00", "closes": "12:00"}, {"opens": "13:00", "closes": "18:00"}])
    );
    let saturday = day + chrono::Duration::days(5);
    let res = book(&app, &token, at(saturday, "09:00", "10:00")).await;
    let body = expect_problem(
        res,
        StatusCode::UNPROCESSABLE_ENTITY,
        "outside_opening_hours",
    )
    .await;
    assert_eq!(body["opening_hours"], json!([]));

    let res = book(&app, &token, at(day, "08:00", "09:30")).await;
    expect_status(res, StatusCode::CREATED).await;
    let res = book(&app, &token, at(day, "13:00", "14:00")).await;
    let body = expect_problem(res, StatusCode::CONFLICT, "quota_exceeded").await;
    assert_eq!(body["limit_minutes"], 120);
    assert_eq!(body["used_minutes"], 90);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bookings_list_reads_dates_in_the_labs_zone() {
    let app = spawn_app().await;
    let every_day: Vec<Value> = (1..=7)
        .map(|d| json!({"weekday": d, "opens": "00:00", "closes": "24:00"}))
        .collect();
    let res = app
        .post(
            "/api/v1/labs",
            Some(&app.staff_token),
            &json!({"name": "Antenne de Toronto", "timezone": "America/Toronto", "opening_hours": every_day}),
        )
        .await;
    let lab = expect_status(res, StatusCode::CREATED).await;
    let lab_id = lab["id"].as_str().expect("id");
    let res = app
        .post(
            &format!("/api/v1/labs/{lab_id}/equipment"),
            Some(&app.staff_token),
            &json!({"name": "Imprimante 3D"}),
        )
        .await;
    let equipment = expect_status(res, StatusCode::CREATED).await;
    let equipment_id = equipment["id"].as_str().expect("id");
    // 20:00–21:00 in Toronto on `day` is already the next day in UTC.
    use chrono::TimeZone;
    let day = monday_in(1);
    let starts = chrono_tz::America::Toronto
        .from_local_datetime(&day.and_hms_opt(20, 0, 0).expect("time"))
        .earliest()
        .expect("exists");
    let ends = starts + chrono::Duration::hours(1);
    let res = book(
        &app,
        &app.staff_token,
        json!({"equipment_id": equipment_id, "starts_at": starts.to_rfc3339(), "ends_at": ends.to_rfc3339()}),
    )
    .await;
    let booking = expect_status(res, StatusCode::CREATED).await;
    assert_eq!(
        booking["starts_at"].as_str().map(|s| s[..10].to_owned()),
        Some((day + chrono::Duration::days(1)).to_string())
    );
    let app_ref = &app;
    let listed = |from: NaiveDate, to: NaiveDate| {
        let path = format!("/api/v1/bookings?from={from}&to={to}");
        async move {
            let body = expect_status(
                app_ref.get(&path, Some(&app_ref.staff_token)).await,
                StatusCode::OK,
            )
            .await;
            body["items"].as_array().map_or(0, Vec::len)
        }
    };
    let next = day + chrono::Duration::days(1);
    assert_eq!(listed(day, day).await, 1, "the lab's day holds the booking");
    assert_eq!(listed(next, next).await, 0, "the UTC day does not");
    assert_eq!(listed(day - chrono::Duration::days(3), day).await, 1);
    let path = format!("/api/v1/bookings?equipment_id={equipment_id}&from={day}&to={day}");
    let body = expect_status(app.get(&path, Some(&app.staff_token)).await, StatusCode::OK).await;
    assert_eq!(body["items"][0]["id"], booking["id"]);
    let res = app
        .get("/api/v1/bookings?from=someday", Some(&app.staff_token))
        .await;
    expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn overlapping_opening_periods_of_one_weekday_are_refused() {
    let app = spawn_app().await;
    let res = app
        .post(
            "/api/v1/labs",
            Some(&app.staff_token),
            &json!({"name": "Atelier", "opening_hours": [
                {"weekday": 1, "opens": "08:00", "closes": "12:00"},
                {"weekday": 2, "opens": "10:00", "closes": "16:00"},
                {"weekday": 1, "opens": "11:30", "closes": "14:00"}]}),
        )
        .await;
    let body = expect_problem(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(body["errors"][0]["field"], "opening_hours[2].opens");
    // Touching periods are one longer period, not an overlap.
    let res = app
        .post(
            "/api/v1/labs",
            Some(&app.staff_token),
            &json!({"name": "Atelier", "opening_hours": [
                {"weekday": 1, "opens": "08:00", "closes": "12:00"},
                {"weekday": 1, "opens": "12:00", "closes": "14:00"}]}),
        )
        .await;
    expect_status(res, StatusCode::CREATED).await;
}
