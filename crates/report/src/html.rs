//! `report.html`: the template filled with the report's tables and charts.

use crate::ReportError;
use crate::charts::{Bar, bars, line};
use crate::data::ReportData;
use crate::mask::Shown;
use minijinja::value::Serde;
use minijinja::{Environment, Value, context};
use std::collections::BTreeMap;

const TEMPLATE: &str = include_str!("../templates/report.html");

/// The report's charts as SVG, by name.
pub fn charts(d: &ReportData) -> Result<BTreeMap<&'static str, String>, ReportError> {
    let mut c = BTreeMap::new();
    c.insert(
        "funnel",
        bars(
            "From signals to the list (households)",
            &d.funnel
                .iter()
                .map(|s| Bar {
                    label: s.label.clone(),
                    value: Shown::Count(s.households),
                    muted: !matches!(s.step, "households_with_rule" | "eligible" | "listed"),
                })
                .collect::<Vec<_>>(),
        )?,
    );
    c.insert(
        "districts",
        bars(
            "Listed households per district",
            &d.districts
                .iter()
                .map(|r| Bar {
                    label: r.district.clone(),
                    value: r.listed,
                    muted: false,
                })
                .collect::<Vec<_>>(),
        )?,
    );
    c.insert(
        "rules",
        bars(
            "Households per rule: fired (dark), listed (light)",
            &d.rules
                .iter()
                .flat_map(|r| {
                    [
                        Bar {
                            label: format!("{} fired", r.id),
                            value: r.fired,
                            muted: false,
                        },
                        Bar {
                            label: format!("{} listed", r.id),
                            value: r.listed,
                            muted: true,
                        },
                    ]
                })
                .collect::<Vec<_>>(),
        )?,
    );
    c.insert(
        "scores",
        bars(
            &format!(
                "Households per score (light: below {})",
                d.eligible_min_score
            ),
            &d.scores
                .iter()
                .map(|s| Bar {
                    label: format!("score {}", s.score),
                    value: s.households,
                    muted: !s.eligible,
                })
                .collect::<Vec<_>>(),
        )?,
    );
    c.insert(
        "history",
        line(
            "Listed households per as-of date",
            &d.history
                .iter()
                .map(|h| (h.as_of.clone(), h.listed))
                .collect::<Vec<_>>(),
        )?,
    );
    Ok(c)
}

/// Renders `report.html` with the charts of [`charts`].
pub fn render_html(
    d: &ReportData,
    charts: &BTreeMap<&'static str, String>,
) -> Result<String, ReportError> {
    let mut env = Environment::new();
    env.add_template("report.html", TEMPLATE)?;
    let households = d.changes.as_ref().and_then(|c| c.households.clone());
    let html = env.get_template("report.html")?.render(context! {
        d => Value::from(Serde(d)),
        charts => charts,
        show_keys => households.is_some(),
        households => Value::from(Serde(households.unwrap_or_default())),
    })?;
    Ok(html)
}
