//! The outputs: a table on stdout with the published figures and the targets under it,
//! `results.csv` (a line per regime, then per regime and seed), `results.json` and
//! `latency-cdf.svg`, the CDF of latency per regime and operation on a log axis.

use super::cell::Setup;
use super::king;
use super::row::{Quantiles, Row, PUBLISHED};
use crate::experiment::table::markdown;
use crate::experiment::ExperimentError;
use plotters::prelude::*;
use serde_json::json;
use std::path::{Path, PathBuf};

/// The columns of the table and of `results.csv`.
const COLUMNS: [&str; 14] = [
    "regime",
    "op",
    "seed",
    "count",
    "median ms",
    "mean ms",
    "p90 ms",
    "p99 ms",
    "max ms",
    "failed",
    "wrong",
    "rpcs/op",
    "timeouts/op",
    "B/node/s",
];

fn pct(x: f64) -> String {
    format!("{:.2}%", 100.0 * x)
}

/// One line's cells, in [`COLUMNS`] order.
fn cells(r: &Row, seed: &str, q: Quantiles, rest: [f64; 5]) -> Vec<String> {
    let ms = |x: f64| format!("{x:.0}");
    vec![
        r.regime.name().to_owned(),
        r.op.name().to_owned(),
        seed.to_owned(),
        r.count.to_string(),
        ms(q.median_ms),
        ms(q.mean_ms),
        ms(q.p90_ms),
        ms(q.p99_ms),
        ms(q.max_ms),
        pct(rest[0]),
        pct(rest[1]),
        format!("{:.1}", rest[2]),
        format!("{:.2}", rest[3]),
        format!("{:.1}", rest[4]),
    ]
}

/// The pooled line of a regime.
fn row_cells(r: &Row) -> Vec<String> {
    let rest = [
        r.failed_rate,
        r.wrong_rate,
        r.rpcs_per_op,
        r.timeouts_per_op,
        r.bytes_per_node_s,
    ];
    cells(r, "all", r.latency, rest)
}

/// A regime's line for each seed.
fn seed_cells(r: &Row) -> Vec<Vec<String>> {
    let one = |c: &super::cell::Cell| {
        let mut line = row_cells(&Row::of(r.regime, r.op, std::slice::from_ref(c)));
        line[2] = c.seed.to_string();
        line
    };
    r.cells.iter().map(one).collect()
}

/// The table (seeds pooled), the published figures and every target as PASS or FAIL.
pub fn table(rows: &[Row]) -> String {
    let body: Vec<Vec<String>> = rows.iter().map(row_cells).collect();
    let mut out = vec![markdown(&COLUMNS, &body)];
    out.push(String::new());
    out.push(
        "bytes: sent by every node over the whole run (bootstrap included) per node-second".into(),
    );
    out.push("published:".into());
    out.extend(
        PUBLISHED
            .iter()
            .map(|(who, what)| format!("  {who}: {what}")),
    );
    for r in rows {
        for (what, ok) in r.targets() {
            out.push(format!("{} {what}", if ok { "PASS" } else { "FAIL" }));
        }
    }
    out.join("\n")
}

/// Write `results.csv`, `results.json` and `latency-cdf.svg` into `dir`.
pub fn write(rows: &[Row], setup: &Setup, dir: &Path) -> Result<Vec<PathBuf>, ExperimentError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ExperimentError::Output { path, source }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let csv_path = dir.join("results.csv");
    let mut csv = COLUMNS.join(",") + "\n";
    let lines = rows
        .iter()
        .map(row_cells)
        .chain(rows.iter().flat_map(seed_cells));
    for l in lines {
        csv.push_str(&l.join(","));
        csv.push('\n');
    }
    std::fs::write(&csv_path, csv).map_err(io(&csv_path))?;
    let json_path = dir.join("results.json");
    let rtt = king::one_way().map(|l| king::rtt_ms(&l, 200_000, 1)).ok();
    let published: Vec<_> = PUBLISHED
        .iter()
        .map(|(w, f)| json!({ "source": w, "figure": f }))
        .collect();
    let targets: Vec<_> = rows
        .iter()
        .flat_map(Row::targets)
        .map(|(t, ok)| json!({ "target": t, "met": ok }))
        .collect();
    let doc = json!({
        "setup": setup,
        "one_way_latency": king::ONE_WAY,
        "rtt_of_fit": rtt,
        "published": published,
        "regimes": rows,
        "targets": targets,
    });
    let json = serde_json::to_string_pretty(&doc).map_err(|e| std::io::Error::other(e.to_string()));
    std::fs::write(&json_path, json.map_err(io(&json_path))?).map_err(io(&json_path))?;
    let svg_path = dir.join("latency-cdf.svg");
    cdf(rows, &svg_path).map_err(|detail| ExperimentError::Plot {
        path: svg_path.clone(),
        detail,
    })?;
    Ok(vec![csv_path, json_path, svg_path])
}

/// The CDF of lookup latency per regime; x is log10 of milliseconds.
fn cdf(rows: &[Row], path: &Path) -> Result<(), String> {
    const COLOURS: [RGBColor; 4] = [
        RGBColor(214, 39, 40),
        RGBColor(255, 127, 14),
        RGBColor(31, 119, 180),
        RGBColor(44, 160, 44),
    ];
    let root = SVGBackend::new(path, (820, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Mainline DHT under churn: latency CDF (lookup of the k closest; get_peers to first peers)",
            ("sans-serif", 18),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d(1.0f64..6.0f64, 0.0f64..1.0f64)
        .map_err(|e| e.to_string())?;
    chart
        .configure_mesh()
        .x_desc("latency (ms, log scale)")
        .y_desc("fraction of completed operations")
        .x_labels(6)
        .x_label_formatter(&|x| format!("{:.0}", 10f64.powf(*x)))
        .draw()
        .map_err(|e| e.to_string())?;
    for (i, r) in rows.iter().enumerate() {
        let all = r.latencies_ms();
        let n = all.len().max(1) as f64;
        let step = (all.len() / 2000).max(1);
        let points = all
            .iter()
            .enumerate()
            .filter(|(j, _)| j % step == 0 || j + 1 == all.len());
        let points = points.map(|(j, ms)| (ms.max(10.0).log10(), (j + 1) as f64 / n));
        let colour = COLOURS[i % COLOURS.len()];
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(format!(
                "{} {} (median {:.0} ms)",
                r.regime.name(),
                r.op.name(),
                r.latency.median_ms
            ))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], colour));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(|e| e.to_string())?;
    root.present().map_err(|e| e.to_string())
}
