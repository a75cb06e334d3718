//! Node addresses. Cores use real socket addresses so they run unchanged on real sockets;
//! the simulated worlds give node `i` the address `10.x.y.z:7000` derived from `i`.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The address a core sends to and receives from.
pub type Addr = SocketAddr;

const SIM_PORT: u16 = 7000;

/// The simulated address of node slot `i` (`10.0.0.0/8`, port 7000).
pub fn sim_addr(i: u32) -> Addr {
    let [_, b, c, d] = i.to_be_bytes();
    SocketAddr::new(IpAddr::V4(Ipv4Addr::new(10, b, c, d)), SIM_PORT)
}

/// The slot of a simulated address, or `None` if `addr` is not one [`sim_addr`] made.
pub fn sim_index(addr: Addr) -> Option<u32> {
    match addr {
        SocketAddr::V4(v4) if v4.port() == SIM_PORT && v4.ip().octets()[0] == 10 => {
            let [_, b, c, d] = v4.ip().octets();
            Some(u32::from_be_bytes([0, b, c, d]))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sim_addresses_round_trip() {
        for i in [0, 1, 255, 256, 9_999, 0x00ff_ffff] {
            assert_eq!(sim_index(sim_addr(i)), Some(i));
        }
        assert_eq!(sim_index("127.0.0.1:7000".parse().expect("literal")), None);
    }
}
