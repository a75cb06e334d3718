//! The swarm experiment's outputs: a table on stdout (each row beside its Kumar–Ross
//! bound), `swarm.csv`, `swarm.json`, `swarm.svg` (completion time against N with the
//! bound, x is log10 N), and distributed copies over time: `copies.csv` and
//! `swarm-copies.svg`.

use super::cell::{Cell, Part};
use super::row::Row;
use crate::experiment::plot::{Panel, Plot, Series};
use crate::experiment::stats::ci95_half_width;
use crate::experiment::table::markdown;
use crate::experiment::ExperimentError;
use crate::kinds::swarm::Pick;
use std::path::{Path, PathBuf};

/// The columns of the table and of `swarm.csv`.
const COLUMNS: [&str; 11] = [
    "row",
    "case",
    "seeds",
    "completed",
    "wrong sha1",
    "p50 s",
    "max s",
    "bound s",
    "max/bound",
    "2 copies s",
    "cost vs row 1",
];

/// One row's cells, in [`COLUMNS`] order; times are `mean [range]` over seeds.
fn cells(r: &Row) -> [String; 11] {
    let checks = match r.case.part {
        Part::Corrupt => format!(" (check {}/{})", r.passed(), r.cells.len()),
        _ => String::new(),
    };
    [
        r.case.part.name().into(),
        r.case.label(),
        r.cells.len().to_string(),
        format!("{}/{}", r.right(), r.invoked()),
        format!("{}{checks}", r.wrong()),
        r.p50_s.show(),
        r.max_s.show(),
        format!("{:.2}", r.bound_s),
        r.ratio.show(),
        r.two_copies_s.show(),
        r.cost
            .filter(|c| c.is_finite())
            .map_or("-".into(), |c| format!("{c:.2}x")),
    ]
}

/// The table, one line per row, columns padded.
pub fn table(rows: &[Row]) -> String {
    let body: Vec<Vec<String>> = rows.iter().map(|r| cells(r).to_vec()).collect();
    markdown(&COLUMNS, &body)
}

/// Write `text` to `dir/name`, returning its path.
fn save(dir: &Path, name: &str, text: &str) -> Result<PathBuf, ExperimentError> {
    let path = dir.join(name);
    match std::fs::write(&path, text) {
        Ok(()) => Ok(path),
        Err(source) => Err(ExperimentError::Output { path, source }),
    }
}

/// Write `swarm.csv`, `swarm.json` and `swarm.svg` into `dir`.
pub fn write(rows: &[Row], dir: &Path) -> Result<Vec<PathBuf>, ExperimentError> {
    if let Err(source) = std::fs::create_dir_all(dir) {
        let path = dir.to_path_buf();
        return Err(ExperimentError::Output { path, source });
    }
    let lines = rows.iter().map(|r| cells(r).join(","));
    let csv: Vec<String> = std::iter::once(COLUMNS.join(",")).chain(lines).collect();
    let csv = save(dir, "swarm.csv", &(csv.join("\n") + "\n"))?;
    let json = serde_json::to_string_pretty(rows).unwrap_or_else(|e| format!("{e}"));
    let json = save(dir, "swarm.json", &json)?;
    let svg = dir.join("swarm.svg");
    plot(rows).write_svg(&svg)?;
    let copies = save(dir, "copies.csv", &copies_csv(rows))?;
    let copies_svg = dir.join("swarm-copies.svg");
    copies_plot(rows).write_svg(&copies_svg)?;
    Ok(vec![csv, json, svg, copies, copies_svg])
}

/// `row,case,seed,t_s,copies`: every cell's distributed copies over time.
fn copies_csv(rows: &[Row]) -> String {
    let mut out = String::from("row,case,seed,t_s,copies\n");
    for r in rows {
        for c in &r.cells {
            for (t, k) in &c.copies {
                let (row, case, seed) = (r.case.part.name(), r.case.label(), c.seed);
                out.push_str(&format!("{row},{case},{seed},{t:.1},{k:.4}\n"));
            }
        }
    }
    out
}

/// Distributed copies over the swarm's size (N leechers and the seed) against seconds
/// after the arrival: the first seed of each scale row and of the random row.
fn copies_plot(rows: &[Row]) -> Plot {
    let shown = rows.iter().filter(|r| {
        r.case.part == Part::Scale
            || (r.case.part == Part::Strategy && r.case.strategy == Pick::Random)
    });
    let series = shown
        .filter_map(|r| {
            let cell = r.cells.first()?;
            let size = f64::from(r.case.leechers + 1);
            let points = cell.copies.iter().map(|&(t, k)| (t, k / size, None));
            Some(Series::new(&r.case.label(), points.collect()))
        })
        .collect();
    Plot {
        x_label: "seconds after the leechers arrive".into(),
        panels: vec![Panel {
            title: "distributed copies / (N + 1)".into(),
            series,
        }],
    }
}

/// The 95% half-width over seeds of `f` of `r`'s cells that completed a download.
fn ci(f: fn(&Cell) -> f64, r: &Row) -> Option<f64> {
    let v: Vec<f64> = r.cells.iter().filter(|c| c.right > 0).map(f).collect();
    ci95_half_width(&v)
}

/// Completion time (slowest and median leecher, mean over seeds with 95% intervals) and
/// the bound against log10 N, from the scale rows.
fn plot(rows: &[Row]) -> Plot {
    let scale: Vec<&Row> = rows.iter().filter(|r| r.case.part == Part::Scale).collect();
    let x = |r: &Row| f64::from(r.case.leechers).log10();
    let series = |name: &str, y: fn(&Row) -> (f64, Option<f64>)| {
        let points = scale.iter().map(|r| (x(r), y(r).0, y(r).1)).collect();
        Series::new(name, points)
    };
    Plot {
        x_label: "log10 N (leechers arriving at once)".into(),
        panels: vec![Panel {
            title: "completion time (s)".into(),
            series: vec![
                series("slowest leecher", |r| (r.max_s.mean, ci(|c| c.max_s, r))),
                series("median leecher", |r| (r.p50_s.mean, ci(|c| c.p50_s, r))),
                series("Kumar-Ross bound", |r| (r.bound_s, None)),
            ],
        }],
    }
}
