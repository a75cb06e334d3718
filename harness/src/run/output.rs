//! Results on disk: `scenario.yaml` (as run, seed fixed), `history.jsonl`, `summary.json`.

use super::{Outcome, RunError};
use crate::scenario::Scenario;
use checkers::converge::convergence;
use checkers::history;
use checkers::lookup::lookup_stats;
use checkers::Verdict;
use serde_json::json;
use std::path::{Path, PathBuf};

/// Where a run's results go: `DIR/<name>/<seed>/` under `--out`, the scenario's `output:`, or `results/`.
pub fn run_dir(s: &Scenario, out: Option<&Path>, seed: u64) -> PathBuf {
    match out {
        Some(dir) => dir.to_path_buf(),
        None => s
            .output
            .clone()
            .unwrap_or_else(|| PathBuf::from("results"))
            .join(&s.name)
            .join(seed.to_string()),
    }
}

/// The version of `summary.json`'s layout (docs/scenario.md, "summary.json"): fields are only
/// added within a version; a removal or a change of meaning makes a new one.
pub const SUMMARY_SCHEMA: u32 = 1;

/// The summary of a checked history, as written to `summary.json`.
pub fn summary(
    s: &Scenario,
    seed: u64,
    records: &[history::Record],
    verdicts: &[Verdict],
    code: i32,
) -> serde_json::Value {
    let c = convergence(records);
    json!({
        "schema": SUMMARY_SCHEMA,
        "name": s.name,
        "kind": s.cluster.kind().name(),
        "seed": seed,
        "nodes": s.cluster.nodes.get(),
        "exit_code": code,
        "verdicts": verdicts,
        "lookups": lookup_stats(records),
        "convergence": {
            "quiet_from_s": c.quiet_from_us as f64 / 1e6,
            "converged_after_s": c.took_us().map(|t| t as f64 / 1e6),
        },
        "population": population(records),
    })
}

/// The number of members over time: `[seconds, members]` at every change.
pub fn population(records: &[history::Record]) -> Vec<(f64, usize)> {
    let mut members = std::collections::BTreeSet::new();
    let mut out: Vec<(f64, usize)> = Vec::new();
    for r in records {
        if let history::Record::Member { t_us, node, up, .. } = r {
            let changed = match up {
                true => members.insert(*node),
                false => members.remove(node),
            };
            if changed {
                let t = *t_us as f64 / 1e6;
                match out.last_mut() {
                    Some(last) if last.0 == t => last.1 = members.len(),
                    _ => out.push((t, members.len())),
                }
            }
        }
    }
    out
}

/// Replace what `summary.json` in `dir` says about verdicts (re-checked from `records`),
/// keeping its traffic counters; written anew if it is missing or unreadable.
pub fn rewrite_summary(
    dir: &Path,
    s: &Scenario,
    records: &[history::Record],
    verdicts: &[Verdict],
    code: i32,
) -> Result<(), RunError> {
    let p = dir.join("summary.json");
    let old: Option<serde_json::Value> = std::fs::read_to_string(&p)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    let seed = old
        .as_ref()
        .and_then(|o| o["seed"].as_u64())
        .or(s.seed)
        .unwrap_or(0);
    let mut sum = summary(s, seed, records, verdicts, code);
    for key in ["network", "per_node"] {
        if let Some(v) = old.as_ref().and_then(|o| o.get(key)) {
            sum[key] = v.clone();
        }
    }
    let text = serde_json::to_string_pretty(&sum).unwrap_or_default();
    std::fs::write(&p, text + "\n").map_err(|source| RunError::Output { path: p, source })
}

/// What `summary.json` says of traffic in a world that does not count it (netns).
pub const NOT_MEASURED: &str = "not measured in this world";

/// Write everything about `outcome` into `dir`.
pub fn write(dir: &Path, s: &Scenario, seed: u64, outcome: &Outcome) -> Result<(), RunError> {
    let err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RunError::Output { path, source }
    };
    std::fs::create_dir_all(dir).map_err(err(dir))?;
    let mut as_run = s.clone();
    as_run.seed = Some(seed);
    let p = dir.join("scenario.yaml");
    std::fs::write(&p, as_run.to_yaml()).map_err(err(&p))?;
    let p = dir.join("history.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&p).map_err(err(&p))?);
    history::write(&mut f, &outcome.execution.records).map_err(err(&p))?;
    let e = &outcome.execution;
    let mut sum = summary(s, seed, &e.records, &outcome.verdicts, outcome.exit_code);
    if let Some((signal, t_us)) = e.interrupted {
        sum["incomplete"] = json!(true);
        sum["exit_code"] = json!(signal.exit_code());
        sum["interrupted_by"] = json!(signal.name());
        sum["interrupted_at_s"] = json!(t_us as f64 / 1e6);
    }
    sum["network"] = match &e.net {
        Some(net) => json!({
            "sent": net.sent, "delivered": net.delivered, "dropped_loss": net.dropped_loss,
            "dropped_cut": net.dropped_cut, "dropped_down": net.dropped_down,
            "malformed_dropped": e.malformed_dropped,
        }),
        None => json!(NOT_MEASURED),
    };
    sum["per_node"] = match e.net {
        None => json!(NOT_MEASURED),
        Some(_) => e.per_node.iter().enumerate().map(|(i, n)| json!({
        "node": format!("n{i}"), "messages_sent": n.messages_sent, "bytes_sent": n.bytes_sent,
        "messages_received": n.messages_received, "bytes_received": n.bytes_received,
    })).collect(),
    };
    let p = dir.join("summary.json");
    let text = serde_json::to_string_pretty(&sum).unwrap_or_default();
    std::fs::write(&p, text + "\n").map_err(err(&p))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::Execution;
    use crate::scenario::parse;

    #[test]
    fn a_summary_says_traffic_is_not_measured_rather_than_zero() {
        let s = parse(
            "name: t\nduration: 1s\ncluster: { kind: chord, nodes: 2 }\n",
            "t.yaml",
        )
        .expect("valid");
        let outcome = Outcome {
            execution: Execution {
                records: Vec::new(),
                net: None,
                per_node: Vec::new(),
                malformed_dropped: None,
                interrupted: None,
            },
            verdicts: Vec::new(),
            exit_code: 0,
        };
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), &s, 1, &outcome).expect("written");
        let text = std::fs::read_to_string(dir.path().join("summary.json")).expect("summary");
        let sum: serde_json::Value = serde_json::from_str(&text).expect("json");
        assert_eq!(sum["network"], NOT_MEASURED);
        assert_eq!(sum["per_node"], NOT_MEASURED);
        assert_eq!(
            (sum["schema"].as_u64(), sum["kind"].as_str()),
            (Some(1), Some("chord"))
        );
    }
}
