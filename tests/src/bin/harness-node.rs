//! The `harness` command line, built inside the `tests` package so that its integration
//! tests can start real node processes (`harness-node node chord …`) by the path cargo
//! gives them in `CARGO_BIN_EXE_harness-node`.

fn main() {
    std::process::exit(harness::cli::main());
}
