//! The CAP sweep's outputs: a table on stdout, `cap.csv`, `cap.json`, and `cap.svg`, the
//! map of availability (minority side of `halves`) against consistency (reads that return
//! the newest committed write), one point per configuration.

use super::row::Row;
use crate::experiment::table::markdown;
use crate::experiment::ExperimentError;
use checkers::availability::Tally;
use plotters::prelude::*;
use std::path::{Path, PathBuf};

/// The columns of the table and of `cap.csv`.
const COLUMNS: [&str; 11] = [
    "config",
    "halves majority",
    "halves minority",
    "isolated n0 majority",
    "isolated n0 minority",
    "majority ring",
    "linearizable",
    "lost acked writes",
    "stale reads",
    "sibling reads",
    "converge s",
];

fn pct(t: Tally) -> String {
    t.fraction()
        .map_or("-".into(), |f| format!("{:.1}%", 100.0 * f))
}

fn opt_pct(x: Option<f64>) -> String {
    x.map_or("-".into(), |f| format!("{:.2}%", 100.0 * f))
}

/// One row's cells, in [`COLUMNS`] order.
fn cells(r: &Row) -> [String; 11] {
    [
        r.label.clone(),
        pct(r.halves.0),
        pct(r.halves.1),
        pct(r.isolated.0),
        pct(r.isolated.1),
        pct(r.ring),
        r.linearizable(),
        format!("{}/{}", r.lost(), r.acknowledged()),
        opt_pct(r.stale()),
        opt_pct(r.siblings()),
        r.converge_s()
            .map_or("not converged".into(), |s| format!("{s:.1}")),
    ]
}

/// The table, one line per configuration, columns padded.
pub fn table(rows: &[Row]) -> String {
    let body: Vec<Vec<String>> = rows.iter().map(|r| cells(r).to_vec()).collect();
    markdown(&COLUMNS, &body)
}

/// Write `cap.csv`, `cap.json` and `cap.svg` into `dir`.
pub fn write(rows: &[Row], dir: &Path) -> Result<Vec<PathBuf>, ExperimentError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExperimentError::Output { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let csv_path = dir.join("cap.csv");
    let mut csv = COLUMNS.join(",") + "\n";
    for r in rows {
        csv.push_str(&cells(r).join(","));
        csv.push('\n');
    }
    std::fs::write(&csv_path, csv).map_err(io(&csv_path))?;
    let json_path = dir.join("cap.json");
    let json = serde_json::to_string_pretty(rows).map_err(|e| std::io::Error::other(e.to_string()));
    std::fs::write(&json_path, json.map_err(io(&json_path))?).map_err(io(&json_path))?;
    let svg_path = dir.join("cap.svg");
    map(rows, &svg_path).map_err(|detail| ExperimentError::Plot {
        path: svg_path.clone(),
        detail,
    })?;
    Ok(vec![csv_path, json_path, svg_path])
}

/// The CAP map: x = fresh reads, y = minority-side availability under `halves`.
fn map(rows: &[Row], path: &Path) -> Result<(), String> {
    let root = SVGBackend::new(path, (820, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(&root)
        .caption("CAP map: quorum store under partitions", ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(0.0..105.0, 0.0..105.0)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("consistency: reads returning the newest committed write (%)")
        .y_desc("availability: minority side of halves (%)")
        .draw()
        .map_err(|e| e.to_string())?;
    for r in rows {
        let x = 100.0 * (1.0 - r.stale().unwrap_or(0.0));
        let y = 100.0 * r.halves.1.fraction().unwrap_or(0.0);
        let colour = match (r.lost(), r.linearizable().as_str()) {
            (0, "yes") => RGBColor(44, 160, 44),
            (0, _) => RGBColor(31, 119, 180),
            _ => RGBColor(214, 39, 40),
        };
        chart
            .draw_series([Circle::new((x, y), 5, colour.filled())])
            .map_err(|e| e.to_string())?;
        let label = Text::new(r.label.clone(), (x, y), ("sans-serif", 11).into_font());
        chart.draw_series([label]).map_err(|e| e.to_string())?;
    }
    root.present().map_err(|e| e.to_string())
}
