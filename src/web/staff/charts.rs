//! The console's pictures as plain SVG geometry, computed here and drawn by the templates:
//! no chart library, nothing fetched. Charts meant to be compared share one scale.

use serde::Serialize;

/// Drawing units: a bar's slot, the plot's height, and room for the labels under the bars.
const SLOT: u32 = 28;
const BAR: u32 = 20;
const PLOT: u32 = 100;
const LABELS: u32 = 16;
const TOP: u32 = 14;

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
    let bars = values
        .iter()
        .zip(0u32..)
        .map(|((label, value, tone), i)| {
            let scaled = value.saturating_mul(u64::from(PLOT)) / max;
            let height = u32::try_from(scaled.min(u64::from(PLOT))).unwrap_or(PLOT);
            let x = i * SLOT + (SLOT - BAR) / 2;
            Bar {
                x,
                y: base - height,
                width: BAR,
                height,
                middle: x + BAR / 2,
                label: label.clone(),
                value: format!("{value}{unit}"),
                tone,
            }
        })
        .collect();
    Chart {
        width: count.max(1) * SLOT,
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
}
