//! `--junit FILE`: a run's verdicts as JUnit XML for CI systems. One `testsuite` per run
//! (named after the scenario, its world and seed), one `testcase` per check: a failed
//! check is a `failure` (its type the property: correctness or liveness), an inconclusive
//! one is `skipped`. The failure's text is the detail and the offending operations.

use checkers::Verdict;
use std::fmt::Write;

/// One run to report: what ran and its verdicts, with the explanation lines of each.
pub struct Suite<'a> {
    /// `<scenario>` name.
    pub name: &'a str,
    /// The world it ran in.
    pub world: &'a str,
    /// Its seed.
    pub seed: u64,
    /// Each verdict and the lines that explain it (empty unless it failed).
    pub verdicts: Vec<(&'a Verdict, Vec<String>)>,
}

/// Escape text for an XML attribute or element.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// The JUnit XML document for `suites`.
pub fn xml(suites: &[Suite]) -> String {
    let count = |f: fn(&Verdict) -> bool| -> usize {
        suites
            .iter()
            .map(|s| s.verdicts.iter().filter(|(v, _)| f(v)).count())
            .sum()
    };
    let failed = |v: &Verdict| !v.passed && !v.inconclusive;
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"harness\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\">",
        count(|_| true),
        count(failed),
        count(|v| v.inconclusive)
    );
    for s in suites {
        let name = escape(&format!("{} world={} seed={}", s.name, s.world, s.seed));
        let tests = s.verdicts.len();
        let failures = s.verdicts.iter().filter(|(v, _)| failed(v)).count();
        let skipped = s.verdicts.iter().filter(|(v, _)| v.inconclusive).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{name}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\">"
        );
        for (v, lines) in &s.verdicts {
            case(&mut out, s.name, v, lines);
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// One `testcase` element.
fn case(out: &mut String, class: &str, v: &Verdict, lines: &[String]) {
    let head = format!(
        "    <testcase classname=\"{}\" name=\"{}\"",
        escape(class),
        escape(&v.check)
    );
    let detail = escape(&v.detail);
    if v.passed {
        let _ = writeln!(out, "{head}/>");
    } else if v.inconclusive {
        let _ = writeln!(
            out,
            "{head}>\n      <skipped message=\"{detail}\"/>\n    </testcase>"
        );
    } else {
        let kind = serde_json::to_value(v.kind)
            .ok()
            .and_then(|k| k.as_str().map(str::to_owned))
            .unwrap_or_default();
        let body: Vec<String> = std::iter::once(v.detail.clone())
            .chain(lines.iter().cloned())
            .map(|l| escape(&l))
            .collect();
        let _ = writeln!(
            out,
            "{head}>\n      <failure message=\"{detail}\" type=\"{kind}\">{}</failure>\n    </testcase>",
            body.join("\n")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use checkers::Property;

    #[test]
    fn each_check_is_a_testcase_failed_ones_fail_and_inconclusive_ones_are_skipped() {
        let pass = Verdict::judged("converge", Property::Liveness, true, "healthy".into());
        let fail = Verdict::judged(
            "lookup_correct",
            Property::Correctness,
            false,
            "1 of 2 <wrong> & \"bad\"".into(),
        );
        let none = Verdict::inconclusive("path_length", Property::Correctness, "nothing".into());
        let lines = vec!["op 9 (lookup) at 4.50s on n3: key ab".to_string()];
        let suite = Suite {
            name: "chord-churn",
            world: "sim",
            seed: 7,
            verdicts: vec![(&pass, Vec::new()), (&fail, lines), (&none, Vec::new())],
        };
        let x = xml(&[suite]);
        assert!(x.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"harness\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\">"), "{x}");
        assert!(x.contains("<testsuite name=\"chord-churn world=sim seed=7\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\">"), "{x}");
        assert!(
            x.contains("<testcase classname=\"chord-churn\" name=\"converge\"/>"),
            "{x}"
        );
        assert!(x.contains("<failure message=\"1 of 2 &lt;wrong&gt; &amp; &quot;bad&quot;\" type=\"correctness\">1 of 2 &lt;wrong&gt; &amp; &quot;bad&quot;\nop 9 (lookup) at 4.50s on n3: key ab</failure>"), "{x}");
        assert!(x.contains("<skipped message=\"nothing\"/>"), "{x}");
        assert_eq!(x.matches("<testcase").count(), 3);
        assert_eq!(x.matches("</testcase>").count(), 2);
    }
}
