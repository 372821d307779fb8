//! Lays out and writes a PDF: A4 pages of headings and paragraphs in Noto Sans (embedded from
//! the `notosans` crate, subset by krilla, with a ToUnicode map so the text, accents included,
//! can be searched and copied). Words wrap at the measured width of the line (advances read
//! from the font); each page carries the footer with "page i / n". No system font, no program.

use std::sync::LazyLock;

use krilla::geom::Point;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::text::{Font, TextDirection};
use krilla::Document;

/// One block of the document, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Title(String),
    Heading(String),
    Paragraph(String),
    /// A label in bold followed by its value on the same line (wrapping under the value).
    Field(String, String),
    /// Starts a new page (the signature page).
    PageBreak,
}

const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const MARGIN_X: f32 = 64.0;
const MARGIN_TOP: f32 = 64.0;
const MARGIN_BOTTOM: f32 = 72.0;
const BODY_SIZE: f32 = 10.0;
const LEADING: f32 = 1.4;

struct Face {
    font: Font,
    metrics: rustybuzz::Face<'static>,
}

impl Face {
    fn load(bytes: &'static [u8]) -> Self {
        // The bytes are the crate's own, parsed by its tests: a failure is a broken build.
        Self {
            font: Font::new(bytes.into(), 0).expect("Noto Sans loads"),
            metrics: rustybuzz::Face::from_slice(bytes, 0).expect("Noto Sans parses"),
        }
    }

    /// The width of `text` at `size` points: the sum of the glyphs' advances (no kerning,
    /// which only makes lines a little shorter than measured).
    fn width(&self, text: &str, size: f32) -> f32 {
        let units: u32 = text
            .chars()
            .map(|c| {
                self.metrics
                    .glyph_index(c)
                    .and_then(|g| self.metrics.glyph_hor_advance(g))
                    .map_or(0, u32::from)
            })
            .sum();
        units as f32 * size / self.metrics.units_per_em() as f32
    }
}

struct Fonts {
    regular: Face,
    bold: Face,
}

static FONTS: LazyLock<Fonts> = LazyLock::new(|| Fonts {
    regular: Face::load(notosans::REGULAR_TTF),
    bold: Face::load(notosans::BOLD_TTF),
});

/// A line placed on a page: its text, font, size, left edge and baseline.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    runs: Vec<Run>,
    baseline: f32,
}

#[derive(Debug, Clone, PartialEq)]
struct Run {
    text: String,
    bold: bool,
    size: f32,
    x: f32,
}

/// Greedy word wrap of `text` into lines no wider than `width`; words only break at ASCII
/// spaces, so a no-break space keeps « guillemets » and "5 %" together.
fn wrap(face: &Face, text: &str, size: f32, first_width: f32, width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let limit = if lines.is_empty() { first_width } else { width };
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if face.width(&candidate, size) <= limit || line.is_empty() {
            line = candidate;
        } else {
            lines.push(std::mem::replace(&mut line, word.to_owned()));
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The blocks placed on pages.
fn layout(blocks: &[Block]) -> Vec<Vec<Line>> {
    let fonts = &*FONTS;
    let width = PAGE_WIDTH - 2.0 * MARGIN_X;
    let mut pages: Vec<Vec<Line>> = vec![Vec::new()];
    let mut y = MARGIN_TOP;
    let place = |pages: &mut Vec<Vec<Line>>, y: &mut f32, runs: Vec<Run>, size: f32| {
        let height = size * LEADING;
        if *y + height > PAGE_HEIGHT - MARGIN_BOTTOM {
            pages.push(Vec::new());
            *y = MARGIN_TOP;
        }
        *y += height;
        if let Some(page) = pages.last_mut() {
            page.push(Line {
                runs,
                baseline: *y - size * 0.3,
            });
        }
    };
    for block in blocks {
        match block {
            Block::Title(text) | Block::Heading(text) => {
                let size = if matches!(block, Block::Title(_)) {
                    16.0
                } else {
                    11.5
                };
                y += size * 0.6;
                for line in wrap(&fonts.bold, text, size, width, width) {
                    let run = Run {
                        text: line,
                        bold: true,
                        size,
                        x: MARGIN_X,
                    };
                    place(&mut pages, &mut y, vec![run], size);
                }
                y += 2.0;
            }
            Block::Paragraph(text) => {
                for line in wrap(&fonts.regular, text, BODY_SIZE, width, width) {
                    let run = Run {
                        text: line,
                        bold: false,
                        size: BODY_SIZE,
                        x: MARGIN_X,
                    };
                    place(&mut pages, &mut y, vec![run], BODY_SIZE);
                }
                y += BODY_SIZE * 0.6;
            }
            Block::Field(label, value) => {
                let label_width = fonts.bold.width(label, BODY_SIZE) + 4.0;
                let lines = wrap(&fonts.regular, value, BODY_SIZE, width - label_width, width);
                for (i, line) in lines.into_iter().enumerate() {
                    let mut runs = Vec::new();
                    if i == 0 {
                        runs.push(Run {
                            text: label.clone(),
                            bold: true,
                            size: BODY_SIZE,
                            x: MARGIN_X,
                        });
                    }
                    runs.push(Run {
                        text: line,
                        bold: false,
                        size: BODY_SIZE,
                        x: MARGIN_X + if i == 0 { label_width } else { 0.0 },
                    });
                    place(&mut pages, &mut y, runs, BODY_SIZE);
                }
                y += 2.0;
            }
            Block::PageBreak => {
                if pages.last().is_some_and(|p| !p.is_empty()) {
                    pages.push(Vec::new());
                    y = MARGIN_TOP;
                }
            }
        }
    }
    pages
}

/// Writes the PDF. `footer` is printed at the bottom of each page before "page i / n"
/// (`page_word`: "page" in the document's language).
pub fn render(
    blocks: &[Block],
    title: &str,
    language: &str,
    footer: &str,
    page_word: &str,
) -> Result<Vec<u8>, String> {
    let fonts = &*FONTS;
    let pages = layout(blocks);
    let total = pages.len();
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .language(language.to_owned())
            .creator("fieldlab".to_owned()),
    );
    let settings =
        PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT).ok_or_else(|| "bad page size".to_owned())?;
    for (i, lines) in pages.iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for line in lines {
            for run in &line.runs {
                let face = if run.bold {
                    &fonts.bold
                } else {
                    &fonts.regular
                };
                surface.draw_text(
                    Point::from_xy(run.x, line.baseline),
                    face.font.clone(),
                    run.size,
                    &run.text,
                    false,
                    TextDirection::Auto,
                );
            }
        }
        let footer_line = format!("{footer} — {page_word} {} / {total}", i + 1);
        surface.draw_text(
            Point::from_xy(MARGIN_X, PAGE_HEIGHT - MARGIN_BOTTOM / 2.0),
            fonts.regular.font.clone(),
            8.0,
            &footer_line,
            false,
            TextDirection::Auto,
        );
        surface.finish();
        page.finish();
    }
    document.finish().map_err(|e| format!("{e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_never_run_past_the_margin() {
        let text = "La présente convention a pour objet la réalisation, par l’étudiant, d’une mission de terrain de cinq semaines au sein de l’entreprise. ".repeat(6);
        let width = PAGE_WIDTH - 2.0 * MARGIN_X;
        let lines = wrap(&FONTS.regular, &text, BODY_SIZE, width, width);
        assert!(lines.len() > 3, "{lines:?}");
        for line in &lines {
            assert!(FONTS.regular.width(line, BODY_SIZE) <= width, "{line}");
        }
        // Nothing lost: the words come back in order.
        assert_eq!(
            lines.join(" ").split_whitespace().collect::<Vec<_>>(),
            text.split_whitespace().collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_no_break_space_keeps_its_words_together() {
        let lines = wrap(&FONTS.regular, "aaaa bbbb\u{a0}cccc", BODY_SIZE, 60.0, 60.0);
        assert_eq!(lines, ["aaaa", "bbbb\u{a0}cccc"]);
    }

    #[test]
    fn long_documents_flow_onto_more_pages_and_breaks_start_one() {
        let mut blocks = vec![Block::Title("Convention".into())];
        blocks.extend((0..120).map(|i| Block::Paragraph(format!("Paragraphe {i}"))));
        blocks.push(Block::PageBreak);
        blocks.push(Block::Heading("Signatures".into()));
        let pages = layout(&blocks);
        assert!(pages.len() >= 3, "{}", pages.len());
        let last = pages.last().expect("a page");
        assert_eq!(last.len(), 1);
        assert_eq!(last[0].runs[0].text, "Signatures");
        for page in &pages {
            for line in page {
                assert!(line.baseline > MARGIN_TOP && line.baseline < PAGE_HEIGHT - MARGIN_BOTTOM);
            }
        }
    }

    #[test]
    fn the_text_of_the_pdf_can_be_read_back_with_its_accents() {
        let blocks = [
            Block::Title("Convention de mission de terrain".into()),
            Block::Field("Entreprise :".into(), "Découpes Cévenoles, Alès".into()),
            Block::Paragraph("Du 1er mars 2027 au 2 avril 2027 — « confidentialité »".into()),
        ];
        let pdf = render(&blocks, "Convention", "fr", "Réf. 42", "page").expect("pdf");
        assert!(pdf.starts_with(b"%PDF"));
        let text = pdf_extract::extract_text_from_mem(&pdf).expect("text");
        let flat: String = text.split_whitespace().collect();
        for expected in [
            "Conventiondemissiondeterrain",
            "DécoupesCévenoles,Alès",
            "Du1ermars2027au2avril2027",
            "«confidentialité»",
            "page1/1",
        ] {
            assert!(flat.contains(expected), "{expected} not in {text}");
        }
    }
}
