//! Agreement PDFs print every character they accept, inside the page: a word or a URL longer
//! than a line, Hebrew, Arabic and emoji in the subject and the place, the signed document's
//! fingerprint; text no embedded font can print is refused with 422 naming its field. Read
//! back with poppler's `pdftotext -bbox` (word boxes) and `pdffonts` (the faces embedded).

use std::process::Command;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{
    expect_problem, expect_status, id, internship_request, pdf, ready_internship, siret, spawn_app,
    supervisor_part, TestApp,
};

const PAGE_MARGIN: f64 = 64.0;

/// A company with its contact (and the contact's token) and a student (and token).
async fn parties(app: &TestApp) -> (String, String, String, String) {
    let (company, contact) = app
        .company("contact@ateliers-gard.fr", "Ateliers du Gard", "Alès")
        .await;
    let (student, student_token) = app.user_with_role("student", "noa@etu.fr").await;
    (company, contact, id(&student), student_token)
}

/// What staff add to Ateliers du Gard's record before its internships can be sent.
fn host_record() -> Value {
    json!({"siret": siret(7), "address": "3 rue d'Avéjan",
           "representative_name": "Inès Roux", "representative_role": "directrice"})
}

/// The text of `pdf` as poppler reads it, without whitespace (for the other tests' checks).
pub fn pdf_text(pdf: &[u8]) -> String {
    flat(&read_back(pdf).1)
}

/// A word of a PDF page as `pdftotext -bbox` reads it, with its box.
#[derive(Debug)]
struct Word {
    text: String,
    x_min: f64,
    y_min: f64,
    x_max: f64,
    y_max: f64,
}

/// The pages' sizes and words of `pdf`, and the names of its embedded fonts.
fn read_back(pdf: &[u8]) -> (Vec<(f64, f64)>, Vec<Word>, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("agreement.pdf");
    std::fs::write(&path, pdf).expect("pdf written");
    // `PDF_TEXT_KEEP=dir` keeps the PDFs read, to look at them (`pdftoppm -png`).
    if let Ok(keep) = std::env::var("PDF_TEXT_KEEP") {
        let name = format!("agreement-{}.pdf", uuid::Uuid::new_v4().simple());
        std::fs::write(std::path::Path::new(&keep).join(name), pdf).expect("pdf kept");
    }
    let out = Command::new("pdftotext")
        .arg("-bbox")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) runs");
    assert!(out.status.success(), "{out:?}");
    let html = String::from_utf8(out.stdout).expect("utf-8");
    let attr = |tag: &str, name: &str| -> f64 {
        let at = tag.find(&format!("{name}=\"")).expect(name) + name.len() + 2;
        tag[at..]
            .split('"')
            .next()
            .expect("value")
            .parse()
            .expect("number")
    };
    let mut pages = Vec::new();
    let mut words = Vec::new();
    for line in html.lines().map(str::trim) {
        if line.starts_with("<page ") {
            pages.push((attr(line, "width"), attr(line, "height")));
        } else if let Some(rest) = line.strip_prefix("<word ") {
            let (tag, text) = rest.split_once('>').expect("word tag");
            let text = text.trim_end_matches("</word>");
            words.push(Word {
                text: text
                    .replace("&amp;", "&")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'"),
                x_min: attr(tag, "xMin"),
                y_min: attr(tag, "yMin"),
                x_max: attr(tag, "xMax"),
                y_max: attr(tag, "yMax"),
            });
        }
    }
    let fonts = Command::new("pdffonts")
        .arg(&path)
        .output()
        .expect("pdffonts runs");
    (
        pages,
        words,
        String::from_utf8_lossy(&fonts.stdout).into_owned(),
    )
}

/// Every word box lies inside the page's side margins and on the page.
fn assert_inside(pages: &[(f64, f64)], words: &[Word]) {
    let (width, height) = pages[0];
    assert!(!words.is_empty());
    for w in words {
        assert!(
            w.x_min >= PAGE_MARGIN - 1.0 && w.x_max <= width - PAGE_MARGIN + 1.0,
            "{w:?} runs past the side margins of a {width} pt page"
        );
        assert!(w.y_min >= 0.0 && w.y_max <= height, "{w:?} is off the page");
    }
}

/// The words read back in order, without the spaces and line breaks between them.
fn flat(words: &[Word]) -> String {
    words
        .iter()
        .flat_map(|w| w.text.chars())
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// Whether a right-to-left word was read back, in logical or (some readers) visual order.
fn has_rtl(text: &str, word: &str) -> bool {
    text.contains(word) || text.contains(&word.chars().rev().collect::<String>())
}

#[tokio::test]
async fn long_words_right_to_left_text_and_emoji_print_inside_the_page_and_the_fingerprint_too() {
    let app = spawn_app().await;
    let staff = app.staff_token.clone();
    let (company_id, company, student_id, student) = parties(&app).await;
    let long_word: String = "Thermodynamique".chars().cycle().take(120).collect();
    let url = format!(
        "https://example.org/ateliers/{}/plan?format=pdf&version=2027",
        "documentation-technique".repeat(3)
    );
    let subject = format!("Étude {long_word} שלום עולם مرحبا بكم 😀 fin");
    let place = format!("Atelier 🏭 תל אביב, {url}");
    let ready = ready_internship(
        &app,
        &staff,
        &internship_request(
            &company_id,
            json!({"student_id": student_id, "subject": subject, "place": place}),
        ),
        &supervisor_part(json!({})),
        &host_record(),
    )
    .await;
    let id = ready.id.clone();
    assert_eq!(ready.view["subject"], subject.as_str());

    let (pages, words, fonts) = read_back(&pdf(&app, &id, &staff).await);
    assert_inside(&pages, &words);
    let text = flat(&words);
    for expected in [long_word.as_str(), url.as_str(), "Étude", "fin", "Atelier"] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }
    for rtl in ["שלום", "עולם", "مرحبا", "بكم", "תל", "אביב"] {
        assert!(has_rtl(&text, rtl), "{rtl} not in {text}");
    }
    for emoji in ["😀", "🏭"] {
        assert!(text.contains(emoji), "{emoji} not in {text}");
    }
    // Printed with faces that have them, not as empty boxes of Noto Sans.
    for face in ["NotoSansArabic", "DejaVuSans", "NotoEmoji"] {
        assert!(fonts.contains(face), "{face} not embedded: {fonts}");
    }
    // French typography: agreement with « la société », « » around the subject (the elision
    // the shared clauses make is read in the research agreement's test below).
    for expected in [
        "lasociétéAteliersduGard",
        "représentéepar",
        "Sujetdustage:«Étude",
    ] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }
    assert!(!text.contains("deAteliers"), "{text}");

    // Sent, signed by all four (the academic tutor too): the final PDF's signature page shows
    // each fingerprint whole, inside the page.
    let sent = expect_status(
        app.post(
            &format!("/api/v1/agreements/{id}/send"),
            Some(&staff),
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let sha = sent["document_sha256"].as_str().expect("sha").to_owned();
    for token in [&student, &company, &ready.tutor, &staff] {
        expect_status(
            app.post(
                &format!("/api/v1/agreements/{id}/sign"),
                Some(token),
                &json!({"consent": true, "version": 1}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }
    let (pages, words, _) = read_back(&pdf(&app, &id, &staff).await);
    assert_inside(&pages, &words);
    let text = flat(&words);
    assert!(text.contains("Signatures"), "{text}");
    assert_eq!(text.matches(&sha).count(), 4, "{sha} four times in {text}");
    assert!(text.contains("Tuteuracadémique"), "{text}");
}

#[tokio::test]
async fn the_shared_clauses_elide_de_before_a_vowel_and_quote_the_subject() {
    let app = spawn_app().await;
    let staff = app.staff_token.clone();
    let (company_id, _, _, _) = parties(&app).await;
    let (tutor, _) = app.user_with_role("tutor", "ref@mines-ales.fr").await;
    // A research agreement: its clauses are the school's template, which names the company
    // after « de » (internships have clauses of their own, without).
    let created = expect_status(
        app.post(
            "/api/v1/agreements",
            Some(&staff),
            &json!({"kind": "research", "company_id": company_id, "tutor_id": id(&tutor),
                    "subject": "Étude des chutes", "starts_on": "2027-04-05",
                    "ends_on": "2027-08-27"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let text = pdf_text(&pdf(&app, &id(&created), &staff).await);
    for expected in [
        "locauxd’AteliersduGard",
        "lademanded’AteliersduGard",
        "lasociétéAteliersduGard",
        "représentéepar",
        "«Étudedeschutes»",
    ] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }
    assert!(!text.contains("deAteliers"), "{text}");
}

#[tokio::test]
async fn english_agreements_quote_the_subject_with_english_marks() {
    let app = spawn_app().await;
    let staff = app.staff_token.clone();
    let (company_id, _, student_id, _) = parties(&app).await;
    let created = expect_status(
        app.post(
            "/api/v1/internships",
            Some(&staff),
            &internship_request(
                &company_id,
                json!({"student_id": student_id, "subject": "Digital twin", "locale": "en",
                       "programme": "Engineering, 2nd year"}),
            ),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["id"].as_str().expect("id");
    let (_, words, _) = read_back(&pdf(&app, id, &staff).await);
    let text = flat(&words);
    for expected in [
        "Subjectoftheinternship:“Digitaltwin”.",
        "programme“Engineering,2ndyear”",
    ] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }
    assert!(!text.contains('"'), "{text}");
    assert!(!text.contains('«'), "{text}");
}

#[tokio::test]
async fn text_the_pdf_cannot_print_is_refused_naming_its_field() {
    let app = spawn_app().await;
    let staff = app.staff_token.clone();
    let (company_id, _, student_id, _) = parties(&app).await;
    let refused = expect_problem(
        app.post(
            "/api/v1/internships",
            Some(&staff),
            &internship_request(
                &company_id,
                json!({"student_id": student_id, "subject": "Mission \u{e000}", "place": "Alès"}),
            ),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unprintable_text",
    )
    .await;
    let fields: Vec<&str> = refused["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect();
    assert_eq!(fields, ["subject"], "{refused}");

    // Accepted, then a change brings text in a script no embedded font has: refused too, and
    // the agreement keeps its place.
    let created = expect_status(
        app.post(
            "/api/v1/internships",
            Some(&staff),
            &internship_request(&company_id, json!({"student_id": student_id})),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = created["id"].as_str().expect("id");
    let refused: Value = expect_problem(
        app.patch(
            &format!("/api/v1/agreements/{id}"),
            Some(&staff),
            &json!({"place": "北京 \u{e000}"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unprintable_text",
    )
    .await;
    assert_eq!(refused["errors"][0]["field"], "place", "{refused}");
    // The internship's own fields too, through its own endpoint.
    let refused: Value = expect_problem(
        app.patch(
            &format!("/api/v1/internships/{id}"),
            Some(&staff),
            &json!({"activities": "Essais \u{e000}", "skills": "Mesure"}),
        )
        .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unprintable_text",
    )
    .await;
    assert_eq!(refused["errors"][0]["field"], "activities", "{refused}");
    let res = app
        .get(&format!("/api/v1/internships/{id}"), Some(&staff))
        .await;
    let kept = expect_status(res, StatusCode::OK).await;
    assert_eq!(kept["place"], "Alès");
    assert_eq!(
        kept["internship"]["skills"], "",
        "nothing of the refused change is kept"
    );
}
