//! [`Topology`]: one namespace per node, each with `eth0` joined by a veth pair to the bridge
//! `br0` in the run's hub namespace. Dropping it kills the processes it launched and deletes
//! every namespace (which takes the veths, the bridge and the nftables tables with them).

use crate::cmd::{ip, ip_in, tc_in, NetnsError};
use crate::firewall::Firewall;
use crate::names::{node_ip, RunId, PREFIX_LEN, RUN_ENV};
use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::net::Ipv4Addr;
use std::process::{Child, Command};

/// A run's namespaces, links, firewall and launched processes.
pub struct Topology {
    run: RunId,
    nodes: u32,
    children: Vec<Option<Child>>,
    /// The nftables state of every node.
    pub firewall: Firewall,
}

impl Topology {
    /// Create the hub with its bridge and `nodes` node namespaces, addressed and up.
    pub fn create(run: RunId, nodes: u32) -> Result<Topology, NetnsError> {
        let mut t = Topology {
            firewall: Firewall::new(run.clone(), nodes),
            run,
            nodes: 0,
            children: Vec::new(),
        };
        neighbour_room(nodes);
        let hub = t.run.hub();
        ip(&["netns", "add", &hub])?;
        ip_in(&hub, &["link", "add", "br0", "type", "bridge"])?;
        ip_in(&hub, &["link", "set", "br0", "up"])?;
        for i in 0..nodes {
            t.add_node(i)?;
        }
        t.firewall.install_all()?;
        Ok(t)
    }

    fn add_node(&mut self, i: u32) -> Result<(), NetnsError> {
        let (hub, ns) = (self.run.hub(), self.run.node(i));
        ip(&["netns", "add", &ns])?;
        self.nodes = i + 1;
        self.children.push(None);
        let peer = format!("v{i}");
        ip_in(
            &ns,
            &[
                "link", "add", "eth0", "type", "veth", "peer", "name", &peer, "netns", &hub,
            ],
        )?;
        ip_in(&hub, &["link", "set", &peer, "master", "br0", "up"])?;
        let addr = format!("{}/{PREFIX_LEN}", node_ip(i));
        ip_in(&ns, &["addr", "add", &addr, "dev", "eth0"])?;
        ip_in(&ns, &["link", "set", "eth0", "up"])?;
        ip_in(&ns, &["link", "set", "lo", "up"])?;
        Ok(())
    }

    /// The run's id.
    pub fn run(&self) -> &RunId {
        &self.run
    }

    /// Number of nodes.
    pub fn nodes(&self) -> u32 {
        self.nodes
    }

    /// The address of node `i`.
    pub fn ip(&self, i: u32) -> Ipv4Addr {
        node_ip(i)
    }

    /// A command that runs `program` inside node `i`'s namespace (keeps its pid: `ip netns exec` execs).
    pub fn command_in(&self, i: u32, program: &str) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.run.node(i), program]);
        c
    }

    /// Remember `child` as node `i`'s process (killed on drop); an earlier one is killed first.
    pub fn adopt(&mut self, i: u32, child: Child) {
        self.kill(i);
        if let Some(slot) = self.children.get_mut(i as usize) {
            *slot = Some(child);
        }
    }

    /// The running process of node `i`, if any.
    pub fn child_mut(&mut self, i: u32) -> Option<&mut Child> {
        self.children.get_mut(i as usize).and_then(Option::as_mut)
    }

    /// Send `signal` to node `i`'s process (SIGSTOP pauses, SIGCONT resumes).
    pub fn signal(&self, i: u32, signal: Signal) {
        if let Some(Some(c)) = self.children.get(i as usize) {
            let _ = kill(Pid::from_raw(c.id() as i32), signal);
        }
    }

    /// A command for node `i`'s process: `program` inside the node's namespace, marked with
    /// the run's id in its environment (so that `cleanup` finds it even without a namespace).
    pub fn node_command(&self, i: u32, program: &std::path::Path) -> Command {
        let mut c = Command::new("ip");
        c.args(["netns", "exec", &self.run.node(i)])
            .arg(program)
            .env(RUN_ENV, self.run.prefix());
        c
    }

    /// SIGKILL node `i`'s process and reap it.
    pub fn kill(&mut self, i: u32) {
        if let Some(mut c) = self.children.get_mut(i as usize).and_then(Option::take) {
            let _ = kill(Pid::from_raw(c.id() as i32), Signal::SIGCONT);
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Limit node `i`'s egress to `bytes_per_s` with a token bucket (`None` removes it).
    pub fn shape(&self, i: u32, bytes_per_s: Option<u64>) -> Result<(), NetnsError> {
        let ns = self.run.node(i);
        let _ = tc_in(&ns, &["qdisc", "del", "dev", "eth0", "root"]);
        if let Some(rate) = bytes_per_s {
            let rate = format!("{}bit", rate.saturating_mul(8).max(8));
            tc_in(
                &ns,
                &[
                    "qdisc", "add", "dev", "eth0", "root", "tbf", "rate", &rate, "burst", "32kbit",
                    "latency", "400ms",
                ],
            )?;
        }
        Ok(())
    }
}

impl Drop for Topology {
    fn drop(&mut self) {
        for i in 0..self.nodes {
            self.kill(i);
        }
        for i in 0..self.nodes {
            let _ = ip(&["netns", "del", &self.run.node(i)]);
        }
        let _ = ip(&["netns", "del", &self.run.hub()]);
    }
}

/// The kernel's ARP table is shared by every namespace; its hard limit (`gc_thresh3`,
/// 1024 by default) is below what a full mesh of 50 nodes needs (each namespace resolves
/// every peer), and past it sends fail with ENOBUFS. Raise the limits (never lower them)
/// to room for two such runs, and say so on stderr.
fn neighbour_room(nodes: u32) {
    let need = u64::from(nodes).pow(2).saturating_mul(2).max(1024);
    for knob in ["gc_thresh3", "gc_thresh2"] {
        let path = format!("/proc/sys/net/ipv4/neigh/default/{knob}");
        let now: u64 = std::fs::read_to_string(&path)
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        if now < need && std::fs::write(&path, need.to_string()).is_ok() {
            eprintln!("netns: raised net.ipv4.neigh.default.{knob} from {now} to {need} (the ARP table is shared by all namespaces)");
        }
    }
}

/// Stop (`true`: SIGSTOP) or continue (SIGCONT) the process `pid`.
pub fn set_stopped(pid: u32, stopped: bool) {
    let sig = if stopped {
        Signal::SIGSTOP
    } else {
        Signal::SIGCONT
    };
    if let Ok(pid) = i32::try_from(pid) {
        let _ = kill(Pid::from_raw(pid), sig);
    }
}
