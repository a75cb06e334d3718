//! The `ton-table2` report: the table beside ToN Table II, the flat rows, the targets the
//! issue sets (path length within ±10%, no failed lookups, fewer timeouts than the paper at
//! p = 0.5 with probe-ahead) and the plot.

use super::plot::{Panel, Plot, Series};
use super::report::{Report, Row, Table, Target};
use super::stats::Summary;
use super::ton::{orders, Sample};
use super::Params;

/// Fractions of failed nodes in Table II.
pub const PAPER_FRACTIONS: [f64; 6] = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5];
/// Table II mean path length.
pub const PAPER_PATH: [f64; 6] = [3.84, 4.03, 4.22, 4.44, 4.69, 5.09];
/// Table II mean timeouts per lookup.
pub const PAPER_TIMEOUTS: [f64; 6] = [0.0, 0.60, 1.17, 2.02, 3.23, 5.10];

/// One fraction under one fallback order, summarised over seeds.
struct Point {
    path: Summary,
    hops: Summary,
    timeouts: Summary,
    rpc_timeouts: Summary,
    latency_ms: Summary,
    messages: Summary,
    failed: u64,
    wrong: u64,
    lookups: u64,
}

/// Summarise fraction `k` under order `o` over the seeds.
fn point(per_seed: &[Vec<Vec<Sample>>], k: usize, o: usize) -> Point {
    let s = |f: fn(&Sample) -> f64| {
        Summary::of(&per_seed.iter().map(|s| f(&s[k][o])).collect::<Vec<_>>())
    };
    let total = |f: fn(&Sample) -> u64| per_seed.iter().map(|s| f(&s[k][o])).sum::<u64>();
    Point {
        path: s(|x| x.path),
        hops: s(|x| x.hops),
        timeouts: s(|x| x.timeouts),
        rpc_timeouts: s(|x| x.rpc_timeouts),
        latency_ms: s(|x| x.latency_ms),
        messages: s(|x| x.messages),
        failed: total(|x| x.failed),
        wrong: total(|x| x.wrong),
        lookups: total(|x| x.lookups),
    }
}

/// Table II's value at fraction `p`, when the run has the paper's N = 1000 and r = 20.
fn paper(params: &Params, p: f64, column: &[f64; 6]) -> Option<f64> {
    if params.nodes != 1000 || params.successors != 20 {
        return None;
    }
    let row = PAPER_FRACTIONS.iter().position(|q| (q - p).abs() < 1e-9)?;
    Some(column[row])
}

/// Build the report from samples indexed `[seed][fraction][order]`.
pub fn report(params: &Params, per_seed: &[Vec<Vec<Sample>>]) -> Report {
    let mut table = Table::new(&[
        "p",
        "path h-1",
        "paper",
        "Δ%",
        "nodes answered",
        "timeouts",
        "paper",
        "failed",
        "| probe-ahead: timeouts",
        "path h-1",
        "failed",
        "| latency ms",
        "probe-ahead",
        "| msgs/lookup",
        "probe-ahead",
    ]);
    let (mut rows, mut targets) = (Vec::new(), Vec::new());
    let names = orders(params).map(|(name, _)| name);
    for (k, &p) in params.fractions.iter().enumerate() {
        let (a, b) = (point(per_seed, k, 0), point(per_seed, k, 1));
        let (paper_path, paper_timeouts) = (
            paper(params, p, &PAPER_PATH),
            paper(params, p, &PAPER_TIMEOUTS),
        );
        let show = |v: Option<f64>, f: &dyn Fn(f64) -> String| v.map_or("-".into(), f);
        let delta = paper_path.map(|q| 100.0 * (a.path.mean - q) / q);
        table.push(vec![
            format!("{p:.2}"),
            a.path.show(2),
            show(paper_path, &|v| format!("{v:.2}")),
            show(delta, &|d| format!("{d:+.1}")),
            a.hops.show(2),
            a.timeouts.show(2),
            show(paper_timeouts, &|v| format!("{v:.2}")),
            (a.failed + a.wrong).to_string(),
            b.timeouts.show(2),
            b.path.show(2),
            (b.failed + b.wrong).to_string(),
            a.latency_ms.show(0),
            b.latency_ms.show(0),
            a.messages.show(1),
            b.messages.show(1),
        ]);
        for (point, name) in [(&a, names[0]), (&b, names[1])] {
            rows.push(row(point, p, name, paper_path, paper_timeouts));
        }
        targets.extend(targets_at(p, &a, &b, paper_path, paper_timeouts));
    }
    let mut report = Report::new("ton-table2", params, table, rows, targets);
    report.notes = notes(params);
    report.plot = plot(params, per_seed);
    report
}

/// One CSV/JSON row.
fn row(x: &Point, p: f64, order: &str, paper_path: Option<f64>, paper_to: Option<f64>) -> Row {
    Row::new()
        .num("fraction_failed", p)
        .text("lookup_order", order)
        .summary("path_len_hops_minus_1", x.path)
        .opt("paper_path_len", paper_path)
        .summary("nodes_answered", x.hops)
        .summary("timeouts_per_lookup", x.timeouts)
        .opt("paper_timeouts", paper_to)
        .summary("rpc_timeouts_incl_probes_per_lookup", x.rpc_timeouts)
        .summary("latency_ms", x.latency_ms)
        .summary("messages_per_lookup", x.messages)
        .int("failed_lookups", x.failed)
        .int("wrong_lookups", x.wrong)
        .int("lookups", x.lookups)
}

/// The targets at fraction `p` (`a`: paper order, `b`: probe-ahead); the paper's
/// numbers, when given, set the path length and (at p = 0.5) the timeouts to beat.
fn targets_at(
    p: f64,
    a: &Point,
    b: &Point,
    paper_path: Option<f64>,
    paper_timeouts: Option<f64>,
) -> Vec<Target> {
    let mut out = Vec::new();
    if let Some(q) = paper_path {
        let ok = (a.path.mean - q).abs() <= 0.1 * q;
        let detail = format!("hops-1 {:.3} vs paper {q} (±10%)", a.path.mean);
        out.push(Target::new(format!("path length p={p:.1}"), ok, detail));
    }
    let bad = a.failed + a.wrong + b.failed + b.wrong;
    let detail = format!("{bad} failed or wrong of {} lookups", a.lookups + b.lookups);
    out.push(Target::new(
        format!("no failed lookups p={p:.1}"),
        bad == 0,
        detail,
    ));
    if let Some(q) = paper_timeouts.filter(|_| (p - 0.5).abs() < 1e-9) {
        let t = b.timeouts.mean;
        let detail = format!(
            "probe-ahead {t:.2} vs paper {q} (closest-first {:.2})",
            a.timeouts.mean
        );
        out.push(Target::new(
            "timeouts below paper at p=0.5".into(),
            t < q,
            detail,
        ));
    }
    out
}

/// How to read the table.
fn notes(params: &Params) -> Vec<String> {
    vec![
        format!(
            "N = {}, r = {}, {} lookups per fraction and seed over {} seeds; ± is the 95% CI over seeds",
            params.nodes, params.successors, params.lookups, params.seeds.len()
        ),
        "path h-1 = nodes that answered minus the final contact with the key's successor, i.e. routing hops to the key's predecessor (the paper's measure at p = 0); nodes answered counts that contact too".into(),
        "timeouts = requests a lookup waited for in vain; probe-ahead also pings the next fallbacks in parallel and skips those that time out (its lost pings are in results.json as rpc_timeouts_incl_probes_per_lookup)".into(),
        "every reply carries the replier's whole preceding routing table (lookup_candidates = r + 40): with the default 8 a lookup whose 8 first candidates are dead fails".into(),
    ]
}

/// Path length, timeouts and failed lookups against the fraction failed.
fn plot(params: &Params, per_seed: &[Vec<Vec<Sample>>]) -> Plot {
    let names = orders(params).map(|(name, _)| name);
    let curve = |o: usize, f: fn(&Point) -> (f64, Option<f64>)| -> Vec<(f64, f64, Option<f64>)> {
        let at = |(k, &p): (usize, &f64)| {
            let (y, ci) = f(&point(per_seed, k, o));
            (p, y, ci)
        };
        params.fractions.iter().enumerate().map(at).collect()
    };
    let paper_curve = |column: &[f64; 6]| -> Vec<(f64, f64, Option<f64>)> {
        let at = |&p: &f64| paper(params, p, column).map(|y| (p, y, None));
        params.fractions.iter().filter_map(at).collect()
    };
    let panel = |title: &str, f: fn(&Point) -> (f64, Option<f64>), column: Option<&[f64; 6]>| {
        let mut series = vec![
            Series::new(names[0], curve(0, f)),
            Series::new(names[1], curve(1, f)),
        ];
        if let Some(c) = column.map(paper_curve).filter(|c| !c.is_empty()) {
            series.push(Series::new("ToN Table II", c));
        }
        Panel {
            title: title.into(),
            series,
        }
    };
    Plot {
        x_label: "fraction of nodes failed".into(),
        panels: vec![
            panel(
                "path length (hops - 1)",
                |x| (x.path.mean, x.path.ci95),
                Some(&PAPER_PATH),
            ),
            panel(
                "timeouts per lookup",
                |x| (x.timeouts.mean, x.timeouts.ci95),
                Some(&PAPER_TIMEOUTS),
            ),
            panel(
                "failed lookups (%)",
                |x| {
                    (
                        100.0 * (x.failed + x.wrong) as f64 / x.lookups.max(1) as f64,
                        None,
                    )
                },
                None,
            ),
        ],
    }
}
