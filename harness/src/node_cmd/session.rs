//! The control loop of one node process: [`Request`] lines from stdin become commands, the
//! node's events become [`Line`]s on stdout (the protocol is in the parent module's doc).
//! With a data directory it also saves the node's durable state there when it changed.

use super::durable::Saver;
use crate::kind::{Cmd, Kind};
use crate::run::proc::{Line, Meta, Request};
use runtime::{Control, Input, Shared};
use serde::Serialize;
use std::io::BufRead;
use std::time::Duration;
use tokio::sync::mpsc::{self, UnboundedReceiver};
use tokio::time::MissedTickBehavior;

/// How often the durable state is checked for changes and saved.
const SAVE_EVERY: Duration = Duration::from_millis(100);

/// Stdin, line by line, read on a thread of its own.
pub(super) fn stdin_lines() -> UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// Print one output line.
pub(super) fn emit<V: Serialize>(line: &Line<V>) {
    if let Ok(text) = serde_json::to_string(line) {
        println!("{text}");
    }
}

/// Print an `error` line.
fn error(e: impl Into<String>) {
    emit::<()>(&Line::Meta(Meta::Error { error: e.into() }));
}

/// One node's session: its control, its core and its saver.
pub(super) struct Session<K: Kind> {
    cfg: K::Config,
    ctl: Control<K::Node>,
    core: Shared<K::Node>,
    saver: Option<Saver>,
    save_failing: bool,
}

impl<K: Kind> Session<K> {
    /// A session over a running driver.
    pub(super) fn new(
        cfg: K::Config,
        ctl: Control<K::Node>,
        core: Shared<K::Node>,
        saver: Option<Saver>,
    ) -> Self {
        Session {
            cfg,
            ctl,
            core,
            saver,
            save_failing: false,
        }
    }

    /// Serve requests until `stop` or the end of input; returns the saver for a last save.
    pub(super) async fn serve(mut self, mut lines: UnboundedReceiver<String>) -> Option<Saver> {
        let mut tick = tokio::time::interval(SAVE_EVERY);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                _ = tick.tick(), if self.saver.is_some() => self.save().await,
                ev = self.ctl.event() => match ev {
                    Some(e) => {
                        if let Some(r) = K::report(e.event) {
                            emit::<()>(&Line::Report(r));
                        }
                    }
                    None => return self.saver,
                },
                line = lines.recv() => {
                    let stop = line.as_deref().is_none_or(|l| self.request(l));
                    if stop {
                        self.ctl.send(Input::Stop);
                        return self.saver;
                    }
                }
            }
        }
    }

    async fn save(&mut self) {
        let Some(saver) = self.saver.as_mut() else {
            return;
        };
        let state = K::durable(&self.core.borrow());
        match saver.save_if_changed(&state).await {
            Ok(()) => self.save_failing = false,
            Err(e) if !self.save_failing => {
                self.save_failing = true;
                eprintln!("{e}");
                error(e.to_string());
            }
            Err(_) => {}
        }
    }

    /// Serve one request line; true when it asks to stop.
    fn request(&mut self, line: &str) -> bool {
        if line.trim().is_empty() {
            return false;
        }
        let req: Request = match serde_json::from_str(line) {
            Ok(r) => r,
            Err(e) => {
                error(format!("bad request: {e}"));
                return false;
            }
        };
        let cmd: Cmd<K> = match req {
            Request::Stop => return true,
            Request::State => {
                let view = K::view(&self.core.borrow());
                emit(&Line::Meta(Meta::State { view }));
                return false;
            }
            Request::Start { via } => K::start(via),
            Request::Leave => match K::leave() {
                Some(c) => c,
                None => {
                    error(format!("a `{}` node cannot leave gracefully", K::NAME));
                    return false;
                }
            },
            Request::Call { req, call } => match K::command(&self.cfg, req, &call) {
                Some(c) => c,
                None => {
                    error(format!(
                        "request {req}: a `{}` node cannot run {call:?}",
                        K::NAME
                    ));
                    return false;
                }
            },
        };
        self.ctl.command(cmd);
        false
    }
}
