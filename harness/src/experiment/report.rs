//! What an experiment hands back: a printable table (next to the published numbers), flat
//! rows written as `results.csv` and `results.json`, pass/fail targets, notes, and the
//! series the SVG plot draws.

use super::plot::Plot;
use super::stats::Summary;
use super::{ExperimentError, Params};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::Value;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// A text table: a header and rows of already formatted cells.
#[derive(Clone, Debug, Default)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// An empty table with these column titles.
    pub fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Append a row (one cell per column).
    pub fn push(&mut self, row: Vec<String>) {
        self.rows.push(row);
    }

    /// The table with right-aligned columns separated by two spaces.
    pub fn render(&self) -> String {
        let cols = self.header.len();
        let width = |c: usize| {
            let cells = self.rows.iter().filter_map(|r| r.get(c));
            let w = cells.map(|s| s.chars().count()).max().unwrap_or(0);
            w.max(self.header[c].chars().count())
        };
        let widths: Vec<usize> = (0..cols).map(width).collect();
        let line = |cells: &[String]| {
            let padded = cells.iter().zip(&widths).map(|(c, w)| format!("{c:>w$}"));
            padded.collect::<Vec<_>>().join("  ")
        };
        let mut out = line(&self.header);
        for r in &self.rows {
            out.push('\n');
            out.push_str(&line(r));
        }
        out
    }
}

/// One flat record: named values in column order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row(Vec<(String, Value)>);

impl Row {
    /// An empty row.
    pub fn new() -> Self {
        Row(Vec::new())
    }

    /// Add a number (non-finite numbers become null).
    pub fn num(mut self, name: &str, v: f64) -> Self {
        let value = serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number);
        self.0.push((name.to_owned(), value));
        self
    }

    /// Add a number or null.
    pub fn opt(self, name: &str, v: Option<f64>) -> Self {
        self.num(name, v.unwrap_or(f64::NAN))
    }

    /// Add an integer.
    pub fn int(mut self, name: &str, v: u64) -> Self {
        self.0.push((name.to_owned(), Value::from(v)));
        self
    }

    /// Add a string.
    pub fn text(mut self, name: &str, v: &str) -> Self {
        self.0.push((name.to_owned(), Value::from(v)));
        self
    }

    /// Add `name` (the mean) and `name_ci95` (the interval's half-width, or null).
    pub fn summary(self, name: &str, s: Summary) -> Self {
        self.num(name, s.mean).opt(&format!("{name}_ci95"), s.ci95)
    }

    /// Column names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(n, _)| n.as_str())
    }

    /// The row as CSV cells (null as empty).
    fn csv(&self) -> String {
        let cell = |v: &Value| match v {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        self.0
            .iter()
            .map(|(_, v)| cell(v))
            .collect::<Vec<_>>()
            .join(",")
    }
}

impl Serialize for Row {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// A target the issue sets ("must reach"), and whether this run reached it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Target {
    /// What is demanded.
    pub name: String,
    /// Reached.
    pub passed: bool,
    /// Measured against demanded.
    pub detail: String,
}

impl Target {
    /// A target with its verdict.
    pub fn new(name: String, passed: bool, detail: String) -> Self {
        Target {
            name,
            passed,
            detail,
        }
    }
}

/// Everything one preset produced.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The preset's name.
    pub preset: String,
    /// The parameters it ran with.
    pub parameters: Params,
    /// The flat results.
    pub rows: Vec<Row>,
    /// Targets and verdicts.
    pub targets: Vec<Target>,
    /// How to read the numbers (definitions, what was sampled).
    pub notes: Vec<String>,
    /// The printable table.
    #[serde(skip)]
    pub table: Table,
    /// The plot.
    #[serde(skip)]
    pub plot: Plot,
}

impl Report {
    /// A report without notes or plot series yet.
    pub fn new(
        preset: &str,
        params: &Params,
        table: Table,
        rows: Vec<Row>,
        targets: Vec<Target>,
    ) -> Self {
        Report {
            preset: preset.to_owned(),
            parameters: params.clone(),
            rows,
            targets,
            notes: Vec::new(),
            table,
            plot: Plot::default(),
        }
    }

    /// Every target reached.
    pub fn passed(&self) -> bool {
        self.targets.iter().all(|t| t.passed)
    }

    /// The table, notes and target verdicts as printed.
    pub fn render(&self) -> String {
        let mut out = self.table.render();
        for n in &self.notes {
            let _ = write!(out, "\nnote: {n}");
        }
        for t in &self.targets {
            let verdict = if t.passed { "PASS" } else { "FAIL" };
            let _ = write!(out, "\n{verdict} {}: {}", t.name, t.detail);
        }
        out
    }

    /// Write `results.csv`, `results.json` and `plot.svg` into `dir` (created if missing);
    /// returns the paths written.
    pub fn write(&self, dir: &Path) -> Result<Vec<PathBuf>, ExperimentError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| ExperimentError::Output { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let csv_path = dir.join("results.csv");
        let mut csv: String = self.rows.first().map_or(String::new(), |r| {
            r.names().collect::<Vec<_>>().join(",") + "\n"
        });
        for r in &self.rows {
            csv.push_str(&r.csv());
            csv.push('\n');
        }
        std::fs::write(&csv_path, csv).map_err(io(&csv_path))?;
        let json_path = dir.join("results.json");
        let json = serde_json::to_string_pretty(self).map_err(|e| ExperimentError::Output {
            path: json_path.clone(),
            source: std::io::Error::other(e),
        })?;
        std::fs::write(&json_path, json + "\n").map_err(io(&json_path))?;
        let svg_path = dir.join("plot.svg");
        self.plot.write_svg(&svg_path)?;
        Ok(vec![csv_path, json_path, svg_path])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_column_order_in_csv_and_json() {
        let s = Summary {
            mean: 1.5,
            ci95: None,
        };
        let r = Row::new()
            .num("p", 0.1)
            .text("order", "a")
            .summary("x", s)
            .int("n", 3);
        assert_eq!(
            r.names().collect::<Vec<_>>(),
            ["p", "order", "x", "x_ci95", "n"]
        );
        assert_eq!(r.csv(), "0.1,a,1.5,,3");
        let json = serde_json::to_string(&r).expect("serialisable");
        assert_eq!(json, r#"{"p":0.1,"order":"a","x":1.5,"x_ci95":null,"n":3}"#);
    }

    #[test]
    fn table_columns_are_right_aligned() {
        let mut t = Table::new(&["p", "value"]);
        t.push(vec!["0.10".into(), "3".into()]);
        assert_eq!(t.render(), "   p  value\n0.10      3");
    }
}
