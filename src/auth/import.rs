//! Reading a CSV of accounts (`email,name,role`): every line parsed on its own, a bad line
//! reported with its line number without stopping the good ones. Files come as spreadsheets
//! save them: `,` or `;` between fields (French Excel writes `;`), a UTF-8 byte-order mark,
//! CRLF line ends. Pure: no database here.

use std::collections::HashMap;

use crate::auth::domain::{NewAccount, Role};
use crate::auth::views::ImportLineError;

const REQUIRED: [&str; 3] = ["email", "name", "role"];

/// What is wrong with one line of the file, as a code and its values: the API words it in
/// English (`message`), the console in its reader's language.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum LineProblem {
    /// The CSV reader could not read the line (quotes, …).
    #[default]
    Unreadable,
    /// The address already appears on an earlier line.
    Duplicate { email: String, first_line: u64 },
    /// One or more fields are wrong.
    Fields(Vec<FieldProblem>),
    /// The account could not be created (taken meanwhile, …).
    NotCreated,
}

/// One wrong field of a line: its column, why, and the value as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: String,
    pub code: FieldCode,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldCode {
    Required,
    InvalidEmail,
    InvalidName,
    UnknownRole,
}

impl FieldCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::InvalidEmail => "invalid_email",
            Self::InvalidName => "invalid_name",
            Self::UnknownRole => "unknown_role",
        }
    }
}

/// Why a field of a line was refused, told by its column and what was typed in it: empty is
/// always "required"; otherwise each column has one way to be wrong.
fn field_problem(field: &str, value: &str) -> FieldProblem {
    let value = value.trim();
    let code = match field {
        _ if value.is_empty() => FieldCode::Required,
        "email" => FieldCode::InvalidEmail,
        "role" => FieldCode::UnknownRole,
        _ => FieldCode::InvalidName,
    };
    FieldProblem {
        field: field.to_owned(),
        code,
        value: value.to_owned(),
    }
}

/// The accounts to create, each with its line number, and the lines that could not be read.
#[derive(Debug, Default)]
pub struct ParsedImport {
    pub accounts: Vec<(u64, NewAccount)>,
    pub errors: Vec<ImportLineError>,
}

/// The uploaded bytes as text, without the byte-order mark spreadsheets add. Anything but
/// UTF-8 (Excel's plain "CSV" is Windows-1252 in France, its "Unicode text" UTF-16) is
/// refused with what to do instead: guessing an encoding would garble names silently.
pub fn decode(bytes: &[u8]) -> Result<&str, String> {
    const SAVE_AS: &str = "Save it as UTF-8 (in Excel: Save As, then the type \"CSV UTF-8\") \
                           and send it again.";
    if bytes.starts_with(&[0xff, 0xfe]) || bytes.starts_with(&[0xfe, 0xff]) {
        return Err(format!("The file is UTF-16 text, not UTF-8. {SAVE_AS}"));
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        format!("The file is not UTF-8 text (line {line}). {SAVE_AS}")
    })
}

/// The field separator, read from the header line: `;` when it has more of them than `,`.
pub fn separator(text: &str) -> u8 {
    let header = text.lines().next().unwrap_or("");
    let count = |c: char| header.matches(c).count();
    if count(';') > count(',') {
        b';'
    } else {
        b','
    }
}

/// Fails as a whole only when the header itself is wrong.
pub fn parse_accounts_csv(text: &str) -> Result<ParsedImport, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text); // spreadsheets add a BOM
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(separator(text))
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| format!("cannot read the CSV header: {e}"))?
        .clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                format!("the CSV header must name the columns email,name,role (missing `{name}`)")
            })
    };
    let (email_col, name_col, role_col) = (
        column(REQUIRED[0])?,
        column(REQUIRED[1])?,
        column(REQUIRED[2])?,
    );

    let mut parsed = ParsedImport::default();
    let mut first_line_of: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| line_at(text, p.byte()));
                parsed.errors.push(ImportLineError {
                    line,
                    message: format!("unreadable line: {e}"),
                    problem: LineProblem::Unreadable,
                });
                continue;
            }
        };
        let line = record.position().map_or(0, |p| line_at(text, p.byte()));
        if record.iter().all(str::is_empty) {
            continue; // a blank line, often the last one
        }
        let field = |i: usize| record.get(i).unwrap_or("");
        match NewAccount::parse(
            field(email_col),
            field(name_col),
            field(role_col),
            None,
            &Role::ALL,
        ) {
            Ok(account) => {
                let email = account.email.as_str().to_owned();
                if let Some(first) = first_line_of.get(&email) {
                    parsed.errors.push(ImportLineError {
                        line,
                        message: format!("{email} already appears on line {first}"),
                        problem: LineProblem::Duplicate {
                            email: email.clone(),
                            first_line: *first,
                        },
                    });
                } else {
                    first_line_of.insert(email, line);
                    parsed.accounts.push((line, account));
                }
            }
            Err(fields) => parsed.errors.push(ImportLineError {
                line,
                message: fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect::<Vec<_>>()
                    .join("; "),
                problem: LineProblem::Fields(
                    fields
                        .iter()
                        .map(|f| {
                            let typed = match f.field.as_str() {
                                "email" => field(email_col),
                                "role" => field(role_col),
                                _ => field(name_col),
                            };
                            field_problem(&f.field, typed)
                        })
                        .collect(),
                ),
            }),
        }
    }
    Ok(parsed)
}

/// The 1-based line where the record starting at `byte` begins. The reader's own line count
/// and offsets include blank lines skipped before a record, which would point staff at the
/// wrong line of their file.
fn line_at(text: &str, byte: u64) -> u64 {
    let bytes = text.as_bytes();
    let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
    while start < bytes.len() && matches!(bytes[start], b'\n' | b'\r') {
        start += 1;
    }
    bytes[..start].iter().filter(|b| **b == b'\n').count() as u64 + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_and_bad_lines_are_separated_with_line_numbers() {
        let csv = "email,name,role\n\
                   ana@ales.fr,Ana Lopez,student\n\
                   not-an-email,Bob,student\n\
                   carl@ales.fr,Carl,wizard\n\
                   \n\
                   dina@ales.fr,Dina,tutor\n\
                   ANA@ales.fr,Ana again,student\n";
        let parsed = parse_accounts_csv(csv).expect("header ok");
        let lines: Vec<u64> = parsed.accounts.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [2, 6]);
        let bad: Vec<u64> = parsed.errors.iter().map(|e| e.line).collect();
        assert_eq!(bad, [3, 4, 7]);
        assert!(parsed.errors[0].message.starts_with("email:"));
        assert!(parsed.errors[2].message.contains("line 2"));
        // The same as codes, for the console's languages.
        assert!(matches!(
            &parsed.errors[2].problem,
            LineProblem::Duplicate { first_line: 2, .. }
        ));
        let codes = |i: usize| match &parsed.errors[i].problem {
            LineProblem::Fields(fields) => fields
                .iter()
                .map(|f| (f.field.clone(), f.code, f.value.clone()))
                .collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            codes(0),
            [(
                "email".to_owned(),
                FieldCode::InvalidEmail,
                "not-an-email".to_owned()
            )]
        );
        assert_eq!(
            codes(1),
            [(
                "role".to_owned(),
                FieldCode::UnknownRole,
                "wizard".to_owned()
            )]
        );
        let empty = parse_accounts_csv(
            "email,name,role
,,student
",
        )
        .expect("header ok");
        assert!(matches!(&empty.errors[0].problem, LineProblem::Fields(f)
            if f.iter().all(|f| f.code == FieldCode::Required) && f.len() == 2));
    }

    #[test]
    fn columns_may_come_in_any_order_with_a_bom() {
        let parsed =
            parse_accounts_csv("\u{feff}Role,Email,Name\nstaff,x@ales.fr,X\n").expect("ok");
        assert_eq!(parsed.accounts.len(), 1);
        assert_eq!(parsed.accounts[0].1.role, Role::Staff);
    }

    #[test]
    fn french_excel_files_use_semicolons_crlf_and_a_bom() {
        let bytes = "\u{feff}email;name;role\r\n\
                     zoe@ales.fr;Zoé Martin;student\r\n\
                     bad;Léo, le second;student\r\n\
                     \r\n\
                     luc@ales.fr;\"Roux; Luc\";founder\r\n"
            .as_bytes();
        let parsed = parse_accounts_csv(decode(bytes).expect("utf-8")).expect("header ok");
        let names: Vec<(u64, &str)> = parsed
            .accounts
            .iter()
            .map(|(l, a)| (*l, a.name.as_str()))
            .collect();
        assert_eq!(names, [(2, "Zoé Martin"), (5, "Roux; Luc")]);
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].line, 3);
        assert!(parsed.errors[0].message.starts_with("email:"));
    }

    #[test]
    fn the_separator_comes_from_the_header_line() {
        assert_eq!(separator("email;name;role\nx@y.fr;A, B;student"), b';');
        assert_eq!(
            separator("email,name,role\nx@y.fr,\"A; B; C\",student"),
            b','
        );
        assert_eq!(separator("email\r\n"), b',');
        assert_eq!(separator(""), b',');
    }

    #[test]
    fn files_that_are_not_utf8_are_refused_with_what_to_do() {
        // "Zoé" in Latin-1 / Windows-1252, as Excel's plain "CSV" saves it, on line 2.
        let latin1 = b"email;name;role\r\nzoe@ales.fr;Zo\xe9;student\r\n";
        let message = decode(latin1).expect_err("not utf-8");
        assert!(message.contains("line 2"), "{message}");
        assert!(message.contains("CSV UTF-8"), "{message}");
        let utf16 = b"\xff\xfee\0m\0";
        assert!(decode(utf16).expect_err("utf-16").contains("UTF-16"));
        assert_eq!(decode(b"\xef\xbb\xbfemail").expect("utf-8"), "email");
    }

    #[test]
    fn a_wrong_header_is_refused_whole() {
        assert!(parse_accounts_csv("mail,nom\nx@y.fr,X\n").is_err());
    }

    #[test]
    fn short_lines_are_errors_not_panics() {
        let parsed = parse_accounts_csv("email,name,role\nx@ales.fr\n").expect("ok");
        assert_eq!(parsed.errors.len(), 1);
        assert_eq!(parsed.errors[0].line, 2);
    }
}
