//! A file sent by staff: the body itself (`text/csv`, `text/plain`), or the one file of a
//! `multipart/form-data` form, whose other fields are kept (a page's form carries its CSRF
//! token there). The body was read whole within `server.max_body_bytes`, so the form is parsed
//! from memory. Shared by the API's import and the console's upload.

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{web, HttpRequest};
use futures_util::TryStreamExt;

use crate::error::ApiError;

/// A form upload: its text fields in order, and its files.
#[derive(Default)]
pub struct Upload {
    pub fields: Vec<(String, String)>,
    pub files: Vec<web::Bytes>,
}

impl Upload {
    /// The one file of the upload; none or several is a 400 saying what to send.
    pub fn one_file(self) -> Result<web::Bytes, ApiError> {
        match <[_; 1]>::try_from(self.files) {
            Ok([file]) => Ok(file),
            Err(files) if files.is_empty() => Err(ApiError::bad_request(
                "The upload has no file: attach the CSV file to the form.",
            )),
            Err(files) => Err(ApiError::bad_request(format!(
                "The upload has {} files: send one CSV file at a time.",
                files.len()
            ))),
        }
    }
}

fn content_type(req: &HttpRequest) -> String {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase()
}

/// The CSV file of a request: the body, or the one file of its form.
pub async fn csv_file(req: &HttpRequest, body: web::Bytes) -> Result<web::Bytes, ApiError> {
    let kind = content_type(req);
    if kind.starts_with("text/csv") || kind.starts_with("text/plain") {
        return Ok(body);
    }
    form(req, body).await?.one_file()
}

/// A `multipart/form-data` body, parsed.
pub async fn form(req: &HttpRequest, body: web::Bytes) -> Result<Upload, ApiError> {
    if !content_type(req).starts_with("multipart/form-data") {
        return Err(ApiError::bad_request(
            "Send the file as `text/csv`, or as one file of a `multipart/form-data` upload.",
        ));
    }
    let malformed = |e: actix_multipart::MultipartError| {
        ApiError::bad_request(format!("The multipart/form-data upload is malformed: {e}."))
    };
    let stream = futures_util::stream::once(async move { Ok(body) });
    let mut form = actix_multipart::Multipart::new(req.headers(), stream);
    let mut upload = Upload::default();
    while let Some(mut field) = form.try_next().await.map_err(malformed)? {
        let (name, is_file) = field
            .content_disposition()
            .map_or((String::new(), false), |d| {
                (
                    d.get_name().unwrap_or("").to_owned(),
                    d.get_filename().is_some(),
                )
            });
        let mut content = web::BytesMut::new();
        while let Some(chunk) = field.try_next().await.map_err(malformed)? {
            content.extend_from_slice(&chunk);
        }
        if is_file {
            upload.files.push(content.freeze());
        } else {
            upload
                .fields
                .push((name, String::from_utf8_lossy(&content).into_owned()));
        }
    }
    Ok(upload)
}
