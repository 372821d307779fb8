//! Files for French spreadsheets: `;` between fields (`,` is the decimal separator there),
//! CRLF, a UTF-8 byte-order mark so accents show, and no cell that a spreadsheet would run as a
//! formula. Used by every CSV download (allocation, agreements register, evaluations).

use actix_web::HttpResponse;

use crate::error::ApiError;

/// A cell as a spreadsheet will read it as text: one starting with `=`, `+`, `-`, `@`, a tab
/// or a carriage return would be run as a formula (CSV injection, OWASP), so it gets a leading
/// `'`, which spreadsheets show as text and do not display.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// The CSV text: BOM, the header, then the rows, `;`-separated, quoted where needed, every
/// cell neutralised.
pub fn french_csv(
    header: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Result<String, ApiError> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(b';')
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    writer.write_record(header).map_err(ApiError::internal)?;
    for row in rows {
        writer
            .write_record(row.iter().map(|c| neutralise(c)).map(|c| c.into_owned()))
            .map_err(ApiError::internal)?;
    }
    let bytes = writer.into_inner().map_err(ApiError::internal)?;
    let text = String::from_utf8(bytes).map_err(ApiError::internal)?;
    Ok(format!("\u{feff}{text}"))
}

/// A download name from the campaign's name: transliterated to ASCII (`Alès` → `ales`), letters
/// and digits kept, the rest as `-`.
pub fn file_name(campaign: &str, suffix: &str) -> String {
    let stem: String = deunicode::deunicode(campaign)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let stem = stem
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if stem.is_empty() {
        suffix.to_owned()
    } else {
        format!("{stem}-{suffix}")
    }
}

/// The CSV as a download named `file` (every CSV of the API and the console).
pub fn download(file: &str, csv: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{file}\""),
        ))
        .body(csv)
}
