//! The report's charts, drawn as SVG by plotters.

use crate::ReportError;
use crate::mask::Shown;
use plotters::prelude::*;

const BAR: RGBColor = RGBColor(31, 95, 153);
const BAR_ALT: RGBColor = RGBColor(140, 180, 215);

/// One bar of a horizontal bar chart.
pub struct Bar {
    /// The category.
    pub label: String,
    /// Its value (a masked value draws no bar; its label says why).
    pub value: Shown,
    /// Draw in the lighter colour.
    pub muted: bool,
}

/// A drawing error of plotters as the report's error.
fn drawing(e: impl std::fmt::Display) -> ReportError {
    ReportError::Chart(e.to_string())
}

/// Adds an accessible name and a class to plotters' `<svg>` element.
fn tag(svg: String, title: &str) -> String {
    let title = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;");
    svg.replacen(
        "<svg ",
        &format!("<svg class=\"chart\" role=\"img\" aria-label=\"{title}\" "),
        1,
    )
}

/// A horizontal bar chart, one row per bar, the first on top, as SVG.
pub fn bars(title: &str, bars: &[Bar]) -> Result<String, ReportError> {
    let labels: Vec<String> = bars
        .iter()
        .map(|b| match b.value {
            Shown::Count(_) => b.label.clone(),
            other => format!("{} ({other})", b.label),
        })
        .collect();
    let max = bars
        .iter()
        .filter_map(|b| b.value.count())
        .max()
        .unwrap_or(0)
        .max(1);
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(4) as u32;
    let height = 60 + 24 * bars.len().max(1) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size((longest * 7 + 16).min(340))
            .build_cartesian_2d(0u64..max + max / 10 + 1, (0..bars.len()).into_segmented())
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(WHITE)
            .label_style(("sans-serif", 12))
            .y_labels(bars.len().max(1))
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) if *i < labels.len() => {
                    labels[labels.len() - 1 - i].clone()
                }
                _ => String::new(),
            })
            .x_label_formatter(&|v| v.to_string())
            .draw()
            .map_err(drawing)?;
        for (colour, muted) in [(BAR, false), (BAR_ALT, true)] {
            chart
                .draw_series(
                    Histogram::horizontal(&chart)
                        .style(colour.filled())
                        .margin(3)
                        .data(
                            bars.iter()
                                .enumerate()
                                .filter(|(_, b)| b.muted == muted)
                                .filter_map(|(i, b)| {
                                    b.value.count().map(|n| (bars.len() - 1 - i, n))
                                }),
                        ),
                )
                .map_err(drawing)?;
        }
        root.present().map_err(drawing)?;
    }
    Ok(tag(svg, title))
}

/// The label of the point at `x` (an index), none between points.
fn point_label<T>(points: &[(String, T)], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() < 1e-6 && i >= 0.0 {
        points
            .get(i as usize)
            .map(|p| p.0.clone())
            .unwrap_or_default()
    } else {
        String::new()
    }
}

/// A line chart of counts over labelled points (as-of dates), as SVG.
pub fn line(title: &str, points: &[(String, u64)]) -> Result<String, ReportError> {
    let max = points.iter().map(|p| p.1).max().unwrap_or(0).max(1);
    let n = points.len().max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 280)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0u64..max + max / 10 + 1)
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .label_style(("sans-serif", 12))
            .x_labels(n.min(12))
            .x_label_formatter(&|x| point_label(points, *x))
            .draw()
            .map_err(drawing)?;
        let series: Vec<(f64, u64)> = points
            .iter()
            .enumerate()
            .map(|(i, p)| (i as f64, p.1))
            .collect();
        chart
            .draw_series(LineSeries::new(series.clone(), BAR.stroke_width(2)))
            .map_err(drawing)?;
        chart
            .draw_series(series.iter().map(|&p| Circle::new(p, 4, BAR.filled())))
            .map_err(drawing)?;
        root.present().map_err(drawing)?;
    }
    Ok(tag(svg, title))
}

/// A share with the bounds of its interval: `(share, low, high)`, each 0..1.
pub type ShareBounds = (f64, f64, f64);

/// A line chart of shares in percent with their intervals as whiskers,
/// over labelled points (as-of dates), as SVG. A point without a share
/// (masked, or not known yet) is left out of the line.
pub fn shares(
    title: &str,
    points: &[(String, Option<ShareBounds>)],
) -> Result<String, ReportError> {
    let n = points.len().max(1);
    let top = points
        .iter()
        .filter_map(|p| p.1.map(|s| s.2))
        .fold(0.0f64, f64::max)
        .max(0.05)
        * 100.0;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (720, 280)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 16))
            .margin(12)
            .x_label_area_size(30)
            .y_label_area_size(50)
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..(top * 1.1).min(100.0))
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(WHITE)
            .label_style(("sans-serif", 12))
            .y_label_formatter(&|y| format!("{y:.0}%"))
            .x_labels(n.min(12))
            .x_label_formatter(&|x| point_label(points, *x))
            .draw()
            .map_err(drawing)?;
        let known: Vec<(f64, (f64, f64, f64))> = points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| {
                p.1.map(|(s, lo, hi)| (i as f64, (s * 100.0, lo * 100.0, hi * 100.0)))
            })
            .collect();
        chart
            .draw_series(known.iter().map(|&(x, (_, lo, hi))| {
                PathElement::new(vec![(x, lo), (x, hi)], BAR_ALT.stroke_width(3))
            }))
            .map_err(drawing)?;
        chart
            .draw_series(LineSeries::new(
                known.iter().map(|&(x, (s, _, _))| (x, s)),
                BAR.stroke_width(2),
            ))
            .map_err(drawing)?;
        chart
            .draw_series(
                known
                    .iter()
                    .map(|&(x, (s, _, _))| Circle::new((x, s), 4, BAR.filled())),
            )
            .map_err(drawing)?;
        root.present().map_err(drawing)?;
    }
    Ok(tag(svg, title))
}
