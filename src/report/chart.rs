//! The owners' weekly chart: meetings per week as bars, the average session rating per
//! week as a line, drawn with plotters into an in-memory RGB buffer and encoded as PNG.
//!
//! The chart carries **no text**. plotters renders text through system fonts (its
//! `ttf` feature, via font-kit) or an embedded font (`ab_glyph`), and a fresh server or
//! CI machine may have no fonts at all; a chart that fails to render there is worse
//! than one without labels. So the scales are drawn as gridlines instead: the plot's
//! height is cut into four bands, which are ratings 1 to 5 on the line's scale and
//! 0 to the largest weekly count (rounded up to a multiple of four) on the bars'
//! scale. The figures themselves are in the text of the App Home beside the image.
//!
//! The same points always give the same bytes (no clock, no randomness, a fixed PNG
//! encoder setting), so a re-published home with unchanged figures uploads an
//! identical file.

use chrono::NaiveDate;
use plotters::prelude::*;
use thiserror::Error;

/// The image's size in pixels: wide enough for a year of weekly bars in App Home.
pub const WIDTH: u32 = 800;
pub const HEIGHT: u32 = 360;

/// Bands the plot is cut into: four, so that ratings 1..=5 sit on the gridlines.
const BANDS: u32 = 4;
const MARGIN: u32 = 24;
const BACKGROUND: RGBColor = RGBColor(255, 255, 255);
const GRID: RGBColor = RGBColor(226, 230, 234);
const AXIS: RGBColor = RGBColor(120, 130, 140);
/// The manifest's background colour, so the chart looks like the app's.
const BARS: RGBColor = RGBColor(47, 72, 88);
const RATING: RGBColor = RGBColor(242, 142, 43);

/// A fingerprint of the figures a chart draws (FNV-1a over their text): equal figures,
/// equal hash, so a chart Slack already holds is shown again rather than re-uploaded.
pub fn figures_hash(points: &[WeekPoint]) -> String {
    let text = format!("{points:?}");
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!("{hash:016x}")
}

/// One week of the program, as the owners' view shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeekPoint {
    /// The week's first day; points are drawn in date order whatever order they come in.
    pub week: NaiveDate,
    /// Sessions held that week.
    pub meetings: u32,
    /// The mean of that week's session ratings (1 to 5), when anyone rated one.
    pub average_rating: Option<f64>,
}

#[derive(Debug, Error)]
pub enum ChartError {
    /// plotters could not draw into the buffer; its error type borrows the backend, so
    /// it is kept as text.
    #[error("could not draw the chart: {0}")]
    Draw(String),
    #[error("could not encode the chart as PNG: {0}")]
    Encode(#[from] png::EncodingError),
}

/// Draws `points` as a WIDTH×HEIGHT PNG. An empty slice gives the empty frame and its
/// gridlines: the "no data yet" picture a new program's owners see.
pub fn weekly_png(points: &[WeekPoint]) -> Result<Vec<u8>, ChartError> {
    let mut rgb = vec![0u8; WIDTH as usize * HEIGHT as usize * 3];
    draw(points, &mut rgb).map_err(|e| ChartError::Draw(e.to_string()))?;
    let mut png_bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut png_bytes, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Default);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&rgb)?;
    writer.finish()?;
    Ok(png_bytes)
}

/// Where a rating sits on the plot's 0..1 height: 1 at the bottom, 5 at the top.
fn rating_height(rating: f64) -> f64 {
    ((rating.clamp(1.0, 5.0) - 1.0) / 4.0).clamp(0.0, 1.0)
}

/// The top of the bars' scale: the largest count rounded up to a multiple of the
/// bands, so every gridline is a whole number of meetings.
fn meetings_top(points: &[WeekPoint]) -> f64 {
    let most = points.iter().map(|p| p.meetings).max().unwrap_or(0).max(1);
    f64::from(most.div_ceil(BANDS) * BANDS)
}

type DrawResult = Result<(), DrawingAreaErrorKind<<BitMapBackend<'static> as DrawingBackend>::ErrorType>>;

fn draw(points: &[WeekPoint], rgb: &mut [u8]) -> DrawResult {
    let mut points = points.to_vec();
    points.sort_by_key(|p| p.week);
    let root = BitMapBackend::with_buffer(rgb, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&BACKGROUND)?;
    let slots = points.len().max(1) as f64;
    let chart = ChartBuilder::on(&root).margin(MARGIN).build_cartesian_2d(0.0..slots, 0.0..1.0)?;
    let plot = chart.plotting_area();

    for band in 1..=BANDS {
        let y = f64::from(band) / f64::from(BANDS);
        plot.draw(&PathElement::new(vec![(0.0, y), (slots, y)], GRID.stroke_width(1)))?;
    }
    // Both scales' zero lines and the frame's sides: left for meetings, right for ratings.
    plot.draw(&PathElement::new(vec![(0.0, 1.0), (0.0, 0.0), (slots, 0.0), (slots, 1.0)], AXIS.stroke_width(2)))?;

    let top = meetings_top(&points);
    for (i, point) in points.iter().enumerate() {
        let x = i as f64;
        let height = f64::from(point.meetings) / top;
        if height > 0.0 {
            plot.draw(&Rectangle::new([(x + 0.2, 0.0), (x + 0.8, height)], BARS.filled()))?;
        }
    }

    // The rating line breaks over weeks nobody rated rather than inventing a value.
    let rated: Vec<Option<(f64, f64)>> =
        points.iter().enumerate().map(|(i, p)| p.average_rating.map(|r| (i as f64 + 0.5, rating_height(r)))).collect();
    for run in rated.split(Option::is_none) {
        let run: Vec<(f64, f64)> = run.iter().flatten().copied().collect();
        if run.len() > 1 {
            plot.draw(&PathElement::new(run.clone(), RATING.stroke_width(3)))?;
        }
        for dot in run {
            plot.draw(&Circle::new(dot, 5, RATING.filled()))?;
        }
    }
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

    /// Width and height from the IHDR chunk, which a PNG must start with.
    fn dimensions(png: &[u8]) -> (u32, u32) {
        assert_eq!(&png[..8], SIGNATURE, "the PNG signature");
        assert_eq!(&png[12..16], b"IHDR", "the first chunk is IHDR");
        let word = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().expect("four bytes"));
        (word(16), word(20))
    }

    fn week(n: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 5).expect("a date") + chrono::Days::new(7 * u64::from(n))
    }

    fn points() -> Vec<WeekPoint> {
        vec![
            WeekPoint { week: week(0), meetings: 3, average_rating: Some(4.0) },
            WeekPoint { week: week(1), meetings: 7, average_rating: Some(4.5) },
            WeekPoint { week: week(2), meetings: 0, average_rating: None },
            WeekPoint { week: week(3), meetings: 5, average_rating: Some(3.2) },
        ]
    }

    #[test]
    fn the_chart_is_a_png_of_the_promised_size() {
        let png = weekly_png(&points()).unwrap();
        assert_eq!(dimensions(&png), (WIDTH, HEIGHT));
    }

    #[test]
    fn no_data_yet_is_still_a_valid_png() {
        let png = weekly_png(&[]).unwrap();
        assert_eq!(dimensions(&png), (WIDTH, HEIGHT));
        assert_ne!(png, weekly_png(&points()).unwrap());
    }

    #[test]
    fn same_figures_same_bytes_other_figures_other_bytes() {
        assert_eq!(weekly_png(&points()).unwrap(), weekly_png(&points()).unwrap());
        let mut reversed = points();
        reversed.reverse();
        assert_eq!(weekly_png(&reversed).unwrap(), weekly_png(&points()).unwrap(), "drawn in date order");
        let mut fewer = points();
        fewer[1].meetings = 6;
        assert_ne!(weekly_png(&fewer).unwrap(), weekly_png(&points()).unwrap(), "a bar changed");
        let mut rated = points();
        rated[2].average_rating = Some(1.0);
        assert_ne!(weekly_png(&rated).unwrap(), weekly_png(&points()).unwrap(), "a rating appeared");
    }

    #[test]
    fn ratings_sit_on_the_gridlines_and_counts_round_up_to_whole_bands() {
        assert_eq!(rating_height(1.0), 0.0);
        assert_eq!(rating_height(3.0), 0.5);
        assert_eq!(rating_height(5.0), 1.0);
        assert_eq!(rating_height(9.0), 1.0, "out of range is clamped");
        assert_eq!(meetings_top(&points()), 8.0);
        assert_eq!(meetings_top(&[]), 4.0);
    }
}
