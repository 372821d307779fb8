//! The console's pictures as plain SVG geometry, computed here and drawn by the templates:
//! no chart library, nothing fetched. Charts meant to be compared share one scale.

use serde::Serialize;

// Charts are drawn one unit to one CSS pixel (the templates give the SVG its own size, never
// a share of the page's width): a viewBox squeezed into a narrow card shrank 7-unit text to
// 6 px. So text is sized in pixels (`TEXT_PX`, the stylesheet's `svg.chart text`) and the
// geometry makes room for it.

/// The text's size in pixels, as `app.css` sets it; and the widest a character of it is.
pub const TEXT_PX: u32 = 12;
const CHAR_PX: u32 = 7;

/// Drawing units: a bar's narrowest slot, the plot's height, and room for the labels under
/// the bars and the values over them.
const SLOT: u32 = 28;
const PLOT: u32 = 100;
const LABELS: u32 = TEXT_PX + 8;
const TOP: u32 = TEXT_PX + 6;

/// A bar chart ready to draw: `viewBox="0 0 {width} {height}"`.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Chart {
    pub width: u32,
    pub height: u32,
    /// The baseline's y.
    pub base: u32,
    pub bars: Vec<Bar>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    /// The x of the bar's middle, for its labels.
    pub middle: u32,
    /// Shown under the bar (a rank, a day).
    pub label: String,
    /// Shown above the bar (a count, a percentage).
    pub value: String,
    /// A class for its colour: `ok`, `warn`, `muted`.
    pub tone: &'static str,
}

/// One bar per `(label, value, tone)`, heights on the scale `0..=max` (at least 1), so charts
/// drawn with the same `max` compare at a glance.
pub fn bars(values: &[(String, u64, &'static str)], max: u64, unit: &str) -> Chart {
    let max = max.max(1);
    let count = u32::try_from(values.len()).unwrap_or(u32::MAX);
    let base = TOP + PLOT;
    // A slot wide enough for its widest text (`100 %`, `mer.`), so labels never overlap.
    let widest = values
        .iter()
        .map(|(label, value, _)| {
            label
                .chars()
                .count()
                .max(format!("{value}{unit}").chars().count())
        })
        .max()
        .unwrap_or(0);
    let slot = SLOT.max(u32::try_from(widest).unwrap_or(0) * CHAR_PX + 6);
    let bar = slot * 5 / 7;
    let bars = values
        .iter()
        .zip(0u32..)
        .map(|((label, value, tone), i)| {
            let scaled = value.saturating_mul(u64::from(PLOT)) / max;
            let height = u32::try_from(scaled.min(u64::from(PLOT))).unwrap_or(PLOT);
            let x = i * slot + (slot - bar) / 2;
            Bar {
                x,
                y: base - height,
                width: bar,
                height,
                middle: x + bar / 2,
                label: label.clone(),
                value: format!("{value}{unit}"),
                tone,
            }
        })
        .collect();
    Chart {
        width: count.max(1) * slot,
        height: base + LABELS,
        base,
        bars,
    }
}

/// An allocation's rank profile: teams placed on their 1st, 2nd, … choice, then the unplaced
/// ones (`–`), on a scale shared by every profile compared (`max`).
pub fn rank_profile(profile: &[usize], unplaced: usize, max: u64) -> Chart {
    let mut values: Vec<(String, u64, &'static str)> = profile
        .iter()
        .zip(1..)
        .map(|(n, rank)| (rank.to_string(), *n as u64, "ok"))
        .collect();
    values.push(("–".to_owned(), unplaced as u64, "warn"));
    bars(&values, max, "")
}

/// A lab's week as a picture: equipment as rows, the seven days side by side, each day from
/// the earliest opening to the latest closing; open time light, bookings and closures as blocks.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Planning {
    pub width: u32,
    pub height: u32,
    /// A day's width, for the lines between days.
    pub day_width: u32,
    pub days: Vec<Head>,
    pub rows: Vec<Head>,
    pub ticks: Vec<Head>,
    pub blocks: Vec<Block>,
}

/// A day's or a row's heading, or an hour tick, at `(x, y)`; `title` is the whole text where
/// `label` had to be shortened to fit.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Head {
    pub x: u32,
    pub y: u32,
    pub label: String,
    pub title: String,
}

impl Head {
    fn new(x: u32, y: u32, label: String) -> Self {
        Head {
            x,
            y,
            title: label.clone(),
            label,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Block {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub tone: &'static str,
    pub title: String,
}

/// Something to draw in the week: on one row (`None`: across every row, as a closure), on
/// day `day` (0 = Monday), from `from` to `to` minutes past the lab's local midnight.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub row: Option<usize>,
    pub day: usize,
    pub from: u16,
    pub to: u16,
    pub tone: &'static str,
    pub title: String,
}

// The planning fills a desk's page column (about 930 px) at one unit per pixel, with text of
// 12–13 px (`svg.planning text` in `app.css`): a name column, seven days, rows a finger tall,
// and a heading of two lines (days, then hour ticks).
const LABEL_W: u32 = 128;
const DAY_W: u32 = 114;
const ROW_H: u32 = 30;
const HEAD_H: u32 = 44;
/// The characters of an equipment's name that fit the name column.
const LABEL_CHARS: usize = 16;
/// The narrowest gap between two hour ticks, so their labels (`14h`) never touch.
const TICK_GAP: u32 = 34;

/// The week's geometry; spans are clipped to `first..last` (minutes) of their day.
pub fn planning(
    rows: &[String],
    days: &[String],
    first: u16,
    last: u16,
    spans: &[Span],
) -> Planning {
    let last = last.max(first + 60);
    let length = u32::from(last - first);
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let x_of = |day: usize, minute: u16| {
        let m = u32::from(minute.clamp(first, last) - first);
        LABEL_W + count(day) * DAY_W + m * DAY_W / length
    };
    let height = HEAD_H + count(rows.len().max(1)) * ROW_H;
    let blocks = spans
        .iter()
        .filter(|s| s.day < days.len() && s.to > first && s.from < last && s.to > s.from)
        .map(|s| {
            let (x, end) = (x_of(s.day, s.from), x_of(s.day, s.to));
            let (y, h) = match s.row {
                Some(r) => (HEAD_H + count(r) * ROW_H + 2, ROW_H - 4),
                None => (HEAD_H, height - HEAD_H),
            };
            Block {
                x,
                y,
                width: (end - x).max(1),
                height: h,
                tone: s.tone,
                title: s.title.clone(),
            }
        })
        .collect();
    // An hour mark every few hours, as many as fit without touching, none so close to the
    // day's end that it runs into the next day's first.
    let step = [60u16, 120, 180, 240, 360, 720]
        .into_iter()
        .find(|step| u32::from(*step) * DAY_W / length >= TICK_GAP)
        .unwrap_or(720);
    let mut ticks = Vec::new();
    for day in 0..days.len() {
        let day_end = LABEL_W + (count(day) + 1) * DAY_W;
        let mut minute = first.div_ceil(60) * 60;
        while minute < last {
            let x = x_of(day, minute);
            if x + TICK_GAP - 6 <= day_end {
                ticks.push(Head::new(x + 2, HEAD_H - 8, format!("{}h", minute / 60)));
            }
            minute += step;
        }
    }
    Planning {
        width: LABEL_W + count(days.len()) * DAY_W,
        height,
        day_width: DAY_W,
        days: days
            .iter()
            .enumerate()
            .map(|(i, d)| Head::new(LABEL_W + count(i) * DAY_W + DAY_W / 2, 18, d.clone()))
            .collect(),
        rows: rows
            .iter()
            .enumerate()
            .map(|(i, r)| Head {
                label: shortened(r, LABEL_CHARS),
                ..Head::new(6, HEAD_H + count(i) * ROW_H + ROW_H / 2 + 5, r.clone())
            })
            .collect(),
        ticks,
        blocks,
    }
}

/// `text` cut to `chars` characters, the cut marked `…`.
fn shortened(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        return text.to_owned();
    }
    let kept: String = text.chars().take(chars.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_share_a_scale_and_stand_on_one_baseline() {
        let chart = bars(
            &[
                ("1".into(), 40, "ok"),
                ("2".into(), 20, "ok"),
                ("3".into(), 0, "ok"),
            ],
            80,
            "",
        );
        assert_eq!(chart.bars[0].height, 50);
        assert_eq!(chart.bars[1].height, 25);
        assert_eq!(chart.bars[2].height, 0);
        for bar in &chart.bars {
            assert_eq!(bar.y + bar.height, chart.base);
        }
        assert!(chart.bars[1].x > chart.bars[0].x + chart.bars[0].width);
        assert_eq!(chart.width, 3 * SLOT);
    }

    #[test]
    fn a_value_over_the_scale_is_capped_and_an_empty_scale_draws_nothing_high() {
        let chart = bars(&[("a".into(), 9, "ok")], 0, " %");
        assert_eq!(chart.bars[0].height, PLOT);
        assert_eq!(chart.bars[0].value, "9 %");
    }

    #[test]
    fn a_rank_profile_ends_with_the_unplaced_teams() {
        let chart = rank_profile(&[50, 20, 8], 2, 80);
        let labels: Vec<&str> = chart.bars.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["1", "2", "3", "–"]);
        assert_eq!(chart.bars[3].tone, "warn");
        assert_eq!(chart.bars[3].value, "2");
    }

    #[test]
    fn a_booking_sits_on_its_row_and_day_and_a_closure_spans_every_row() {
        let days: Vec<String> = (1..=7).map(|d| d.to_string()).collect();
        let rows = vec!["Presse".to_owned(), "Four".to_owned()];
        let spans = [
            Span {
                row: Some(1),
                day: 2,
                from: 10 * 60,
                to: 12 * 60,
                tone: "busy",
                title: "Ana".into(),
            },
            Span {
                row: None,
                day: 4,
                from: 0,
                to: 24 * 60,
                tone: "closure",
                title: "Travaux".into(),
            },
            Span {
                row: Some(0),
                day: 9,
                from: 600,
                to: 700,
                tone: "busy",
                title: "out of the week".into(),
            },
        ];
        let p = planning(&rows, &days, 8 * 60, 18 * 60, &spans);
        assert_eq!(p.blocks.len(), 2);
        let booking = &p.blocks[0];
        assert_eq!(booking.x, LABEL_W + 2 * DAY_W + 2 * 60 * DAY_W / 600);
        assert_eq!(
            booking.x + booking.width,
            LABEL_W + 2 * DAY_W + 4 * 60 * DAY_W / 600
        );
        assert_eq!(booking.y, HEAD_H + ROW_H + 2);
        let closure = &p.blocks[1];
        assert_eq!((closure.x, closure.width), (LABEL_W + 4 * DAY_W, DAY_W));
        assert_eq!(closure.height, 2 * ROW_H);
        assert_eq!(p.width, LABEL_W + 7 * DAY_W);
    }

    #[test]
    fn the_planning_fits_a_desk_column_with_rows_tall_enough_for_its_text() {
        let days: Vec<String> = (1..=7).map(|d| format!("lun. {d} mars")).collect();
        let rows = vec!["Presse hydraulique 3 000 kN".to_owned()];
        let p = planning(&rows, &days, 8 * 60, 18 * 60, &[]);
        // The page column at a desk is about 930 px: drawn 1:1, text keeps its pixel size.
        assert!(p.width <= 930, "{}", p.width);
        // Rows twice as tall as their text; the heading holds two lines of it.
        assert!(p.height >= HEAD_H + 2 * TEXT_PX && p.days[0].y + 2 * TEXT_PX <= HEAD_H);
        assert_eq!(p.rows[0].label, "Presse hydrauli…");
        assert_eq!(p.rows[0].title, "Presse hydraulique 3 000 kN");
        // Ticks of one day stay apart and clear of the next day.
        for pair in p.ticks.windows(2) {
            assert!(pair[1].x >= pair[0].x + TICK_GAP, "{pair:?}");
        }
        assert!(p.ticks.iter().any(|t| t.label == "8h"));
    }

    #[test]
    fn a_bar_slot_is_wide_enough_for_its_widest_text() {
        let narrow = bars(&[("1".into(), 5, "ok")], 10, "");
        assert_eq!(narrow.width, SLOT);
        let wide = bars(&[("mer.".into(), 100, "ok")], 100, "\u{a0}%");
        assert!(wide.width >= 5 * CHAR_PX, "{}", wide.width);
        assert!(wide.bars[0].width < wide.width);
    }
}
