//! [`NetPair`]: two network namespaces joined by one veth pair, for interop tests that need
//! non-loopback addresses (transmission ignores 127.0.0.0/8). Dropping it kills every
//! process left in either namespace and deletes both, also when the test panics.

use std::process::Command;

/// Namespaces `a` (address `ip_a`) and `b` (`ip_b`) on one /30.
pub struct NetPair {
    /// The first namespace's name.
    pub a: String,
    /// The second namespace's name.
    pub b: String,
    /// The first namespace's address.
    pub ip_a: String,
    /// The second namespace's address.
    pub ip_b: String,
}

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Run `nft -f -` with `script` inside namespace `ns`.
fn nft(ns: &str, script: &str) {
    use std::io::Write;
    let mut child = Command::new("ip")
        .args(["netns", "exec", ns, "nft", "-f", "-"])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("run nft");
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(script.as_bytes())
            .expect("write the nft script");
    }
    assert!(
        child.wait().expect("nft exits").success(),
        "nft failed: {script}"
    );
}

impl NetPair {
    /// Make the pair; `tag` (one letter) and `subnet` (0–255) keep concurrent tests apart.
    pub fn new(tag: char, subnet: u8) -> NetPair {
        let pid = std::process::id() % 100_000;
        let name = |end: char| format!("it{pid}{tag}{end}");
        let base = format!("10.231.{subnet}");
        let pair = NetPair {
            a: name('a'),
            b: name('b'),
            ip_a: format!("{base}.1"),
            ip_b: format!("{base}.2"),
        };
        pair.delete();
        for ns in [&pair.a, &pair.b] {
            ip(&["netns", "add", ns]);
            ip(&["-n", ns, "link", "set", "lo", "up"]);
        }
        ip(&[
            "link", "add", &pair.a, "netns", &pair.a, "type", "veth", "peer", "name", &pair.b,
            "netns", &pair.b,
        ]);
        for (ns, addr) in [(&pair.a, &pair.ip_a), (&pair.b, &pair.ip_b)] {
            ip(&["-n", ns, "addr", "add", &format!("{addr}/30"), "dev", ns]);
            ip(&["-n", ns, "link", "set", ns, "up"]);
        }
        pair
    }

    /// The command prefix that runs a program in namespace `ns`.
    pub fn exec(ns: &str) -> [&str; 4] {
        ["ip", "netns", "exec", ns]
    }

    /// Drop every packet between the two namespaces (a partition), in `a`'s firewall.
    pub fn partition(&self) {
        let peer = &self.ip_b;
        nft(
            &self.a,
            &format!(
                "table inet partition {{\n chain input {{ type filter hook input priority 0; \
                 ip saddr {peer} drop; }}\n chain output {{ type filter hook output priority \
                 0; ip daddr {peer} drop; }}\n}}\n"
            ),
        );
    }

    /// Remove the partition.
    pub fn heal(&self) {
        nft(&self.a, "delete table inet partition\n");
    }

    fn delete(&self) {
        for ns in [&self.a, &self.b] {
            if let Ok(out) = Command::new("ip").args(["netns", "pids", ns]).output() {
                for pid in String::from_utf8_lossy(&out.stdout).split_whitespace() {
                    let _ = Command::new("kill").args(["-9", pid]).status();
                }
            }
            let _ = Command::new("ip")
                .args(["netns", "del", ns])
                .stderr(std::process::Stdio::null())
                .status();
        }
    }
}

impl Drop for NetPair {
    fn drop(&mut self) {
        self.delete();
    }
}
