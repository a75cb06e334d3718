//! Every latency form parses, round-trips and becomes the right model; malformed ones are
//! rejected with a reason, located in the file.

use super::*;
use crate::scenario::parse;
use std::time::Duration;

fn ms(n: u64) -> Dur {
    Dur(Duration::from_millis(n))
}

fn us(n: u64) -> Dur {
    Dur(Duration::from_micros(n))
}

fn read(text: &str) -> Latency {
    serde_yaml::from_str(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn err(text: &str) -> String {
    serde_yaml::from_str::<Latency>(text)
        .expect_err(text)
        .to_string()
}

/// `text` parsed, written back and parsed again gives the same value.
#[track_caller]
fn assert_round_trips(text: &str) -> Latency {
    let got = read(text);
    let again = serde_yaml::to_string(&got).expect("serialize");
    assert_eq!(read(&again), got, "{again}");
    got
}

fn pareto(scale: Dur, shape: f64) -> Latency {
    Latency::Pareto(faults::Pareto::new(scale.get(), shape).expect("valid"))
}

#[test]
fn the_range_shapes_parse_and_round_trip() {
    let cases = [
        ("20ms", Latency::Fixed(ms(20))),
        (
            "{ min: 10ms, max: 50ms }",
            Latency::Uniform {
                min: ms(10),
                max: ms(50),
            },
        ),
        (
            "{ mean: 40ms, jitter: 10ms }",
            Latency::Jitter {
                mean: ms(40),
                jitter: ms(10),
            },
        ),
    ];
    for (text, want) in cases {
        assert_eq!(assert_round_trips(text), want);
        assert!(!want.is_distribution());
    }
}

#[test]
fn exponential_reads_a_mean_or_a_rate() {
    let by_mean = assert_round_trips("{ exponential: { mean: 2ms } }");
    assert_eq!(by_mean, Latency::Exponential { mean: ms(2) });
    let by_rate = assert_round_trips("{ exponential: { rate: 1.66/ms } }");
    // 1 ms / 1.66 = 602.409638... µs, kept to the nanosecond.
    assert_eq!(
        by_rate,
        Latency::Exponential {
            mean: Dur(Duration::from_nanos(602_410))
        }
    );
    assert_eq!(
        read("{ exponential: { rate: 500/s } }"),
        Latency::Exponential { mean: ms(2) }
    );
    assert!(by_rate.is_distribution());
    assert_eq!(
        by_mean.model(),
        faults::Latency::Exponential {
            mean: Duration::from_millis(2)
        }
    );
}

#[test]
fn pareto_reads_scale_and_shape() {
    let got = assert_round_trips("{ pareto: { scale: 0.235ms, shape: 10 } }");
    assert_eq!(got, pareto(us(235), 10.0));
    assert_eq!(got.model(), pareto(us(235), 10.0).model());
}

#[test]
fn a_mix_of_the_lnkd_ssd_fit_parses_and_round_trips() {
    let text = "{ mix: [ { weight: 0.9122, pareto: { scale: 0.235ms, shape: 10 } }, \
                { weight: 0.0878, exponential: { rate: 1.66/ms } }, \
                { weight: 0.5, fixed: 3ms } ] }";
    let Latency::Mix(mix) = assert_round_trips(text) else {
        panic!("a mix");
    };
    let weights: Vec<f64> = mix.parts().iter().map(|p| p.weight).collect();
    assert_eq!(weights, vec![0.9122, 0.0878, 0.5]);
    assert_eq!(mix.parts()[0].latency, pareto(us(235), 10.0));
    assert_eq!(mix.parts()[2].latency, Latency::Fixed(ms(3)));
    let faults::Latency::Mix(model) = Latency::Mix(mix).model() else {
        panic!("a mix model");
    };
    let shares: Vec<f64> = model.parts().map(|(w, _)| w).collect();
    assert!(
        (shares.iter().sum::<f64>() - 1.0).abs() < 1e-12,
        "{shares:?}"
    );
}

#[test]
fn mixed_or_partial_shapes_are_rejected_with_a_reason() {
    assert!(err("{ min: 10ms, mean: 5ms }").contains("`mean` cannot be combined with `min`"));
    assert!(err("{ min: 10ms }").contains("needs both `min` and `max`"));
    assert!(err("{ min: 50ms, max: 10ms }").contains("must not exceed"));
    assert!(err("{ mean: 5ms }").contains("needs both `mean` and `jitter`"));
    assert!(err("{ avg: 5ms }").contains("unknown field `avg`"));
    assert!(err("fast").contains("expected a latency"));
    assert!(err("20").contains("add a unit"));
}

#[test]
fn malformed_distributions_are_rejected_with_a_reason() {
    let cases = [
        (
            "{ pareto: { scale: 1ms, shape: 0 } }",
            "expected a Pareto shape (a number above 0), found 0",
        ),
        (
            "{ pareto: { scale: 0ms, shape: 2 } }",
            "a Pareto scale must be at least 1us",
        ),
        ("{ pareto: { scale: 1ms } }", "missing field `shape`"),
        (
            "{ exponential: { mean: 1ms, rate: 1/ms } }",
            "one of `mean` or `rate`",
        ),
        ("{ exponential: {} }", "needs a `mean` or a `rate`"),
        ("{ exponential: { rate: 1.66 } }", "a rate per time like"),
        ("{ exponential: { rate: 0/ms } }", "a rate per time like"),
        (
            "{ exponential: { mean: 1ms }, pareto: { scale: 1ms, shape: 2 } }",
            "`pareto` cannot be combined with `exponential`",
        ),
        ("{ mix: [] }", "at least one component"),
        ("{ mix: [ 20ms ] }", "expected a mix component"),
        (
            "{ mix: [ { exponential: { mean: 1ms } } ] }",
            "needs a `weight`",
        ),
        (
            "{ mix: [ { weight: 0, fixed: 1ms } ] }",
            "expected a weight (a number above 0), found 0",
        ),
        (
            "{ mix: [ { weight: 1, mix: [] } ] }",
            "cannot itself be a `mix`",
        ),
        ("{ weight: 1, fixed: 1ms }", "only allowed inside a `mix`"),
    ];
    for (text, needle) in cases {
        let shown = err(text);
        assert!(
            shown.contains(needle),
            "{text}: {shown}\n  wanted: {needle}"
        );
    }
}

/// A minimal scenario with `network` as given.
fn scenario(network: &str) -> String {
    format!("name: m\nduration: 1s\ncluster: {{ kind: chord, nodes: 1 }}\nnetwork:\n{network}")
}

#[test]
fn network_latency_by_type_parses_and_round_trips() {
    let text = scenario(
        "  latency: { exponential: { mean: 1ms } }\n  latency_by_type:\n    \
         write: { pareto: { scale: 1.05ms, shape: 1.51 } }\n    ack: 2ms\n",
    );
    let s = parse(&text, "t.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.network.latency, Latency::Exponential { mean: ms(1) });
    assert_eq!(s.network.latency_by_type["ack"], Latency::Fixed(ms(2)));
    assert_eq!(s.network.latency_by_type["write"], pareto(us(1050), 1.51));
    let again = parse(&s.to_yaml(), "again.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again, s);
}

#[test]
fn a_malformed_distribution_is_located_in_the_file() {
    let text = scenario(
        "  latency_by_type:\n    write:\n      mix:\n        \
         - { weight: 0.9, pareto: { scale: 1ms, shape: -2 } }\n",
    );
    let e = parse(&text, "t.yaml").expect_err("negative shape");
    let shown = e.to_string();
    assert_eq!(e.location(), Some((8, 55)), "{shown}");
    assert!(
        shown.contains("expected a Pareto shape (a number above 0), found -2"),
        "{shown}"
    );
    assert_eq!(e.exit_code(), 64);
}

#[test]
fn the_ymmr_example_of_the_docs_parses() {
    let text = scenario(
        "  latency:
    mix:
      - { weight: 0.982, pareto: { scale: 1.5ms, shape: 3.8 } }
      - { weight: 0.018, exponential: { rate: 0.0217/ms } }
  latency_by_type:
    write:
      mix:
        - { weight: 0.939, pareto: { scale: 3ms, shape: 3.35 } }
        - { weight: 0.061, exponential: { rate: 0.0028/ms } }
",
    );
    let s = parse(&text, "ymmr.yaml").unwrap_or_else(|e| panic!("{e}"));
    assert!(s.network.latency.is_distribution());
    assert!(s.network.latency_by_type["write"].is_distribution());
}
