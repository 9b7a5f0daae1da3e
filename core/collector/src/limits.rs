//! What one network may cost the service, per instance and in memory:
//! requests a minute, and connections open at once (issue 30, finding 6:
//! 600 half-sent requests from one network held the service). What it may
//! store is bounded in the database ([`crate::db::Quotas`]); how long a
//! request may take is the server's ([`crate::server::Config`]).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// Requests per network per minute.
pub struct RequestRate {
    per_minute: u32,
    minutes: Mutex<HashMap<String, (u64, u32)>>,
}

impl RequestRate {
    /// At most `per_minute` requests per network per minute.
    pub fn new(per_minute: u32) -> RequestRate {
        RequestRate { per_minute, minutes: Mutex::new(HashMap::new()) }
    }

    /// Counts a request of `network` in `minute`; false when over.
    pub fn admit(&self, network: &str, minute: u64) -> bool {
        let mut minutes = self.minutes.lock().unwrap_or_else(PoisonError::into_inner);
        // Bounded memory: past minutes go once the table is large.
        if minutes.len() > 100_000 {
            minutes.retain(|_, (m, _)| *m == minute);
        }
        let entry = minutes.entry(network.to_string()).or_insert((minute, 0));
        if entry.0 != minute {
            *entry = (minute, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= self.per_minute
    }
}

/// How many connections may be open at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// From one network (a /24 or /48): more is a client holding them.
    pub per_network: usize,
    /// In all: the file descriptors the service can spend.
    pub total: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits { per_network: 32, total: 4096 }
    }
}

/// The open connections, by the network of their peer.
pub struct Connections {
    limits: ConnectionLimits,
    open: Mutex<(usize, HashMap<Vec<u8>, usize>)>,
}

/// A connection's place; it is given back when dropped.
pub struct Slot {
    connections: Arc<Connections>,
    network: Option<Vec<u8>>,
}

/// The peer's network as the limits count it: its /24 or /48.
fn network_of(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(v4) => v4.octets()[..3].to_vec(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.octets()[..3].to_vec(),
            None => v6.octets()[..6].to_vec(),
        },
    }
}

impl Connections {
    /// Connections within `limits`.
    pub fn new(limits: ConnectionLimits) -> Arc<Connections> {
        Arc::new(Connections { limits, open: Mutex::new((0, HashMap::new())) })
    }

    /// A place for a connection from `peer`, or `None` when its network
    /// (unless it is one of the operator's proxies, which carry everyone)
    /// or the service is full.
    pub fn admit(self: &Arc<Self>, peer: IpAddr, proxy: bool) -> Option<Slot> {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if open.0 >= self.limits.total {
            return None;
        }
        let network = (!proxy).then(|| network_of(peer));
        if let Some(network) = &network {
            let n = open.1.entry(network.clone()).or_insert(0);
            if *n >= self.limits.per_network {
                return None;
            }
            *n += 1;
        }
        open.0 += 1;
        Some(Slot { connections: Arc::clone(self), network })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.connections.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.0 = open.0.saturating_sub(1);
        if let Some(network) = &self.network
            && let Some(n) = open.1.get_mut(network)
        {
            *n -= 1;
            if *n == 0 {
                open.1.remove(network);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_network_gets_its_share_of_connections_and_gives_them_back() {
        let c = Connections::new(ConnectionLimits { per_network: 2, total: 3 });
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let a = c.admit(ip("198.51.100.1"), false).unwrap();
        let _b = c.admit(ip("198.51.100.2"), false).unwrap();
        assert!(c.admit(ip("198.51.100.3"), false).is_none(), "one /24's share is full");
        let _other = c.admit(ip("203.0.113.1"), false).unwrap();
        assert!(c.admit(ip("192.0.2.1"), false).is_none(), "the service is full");
        drop(a);
        assert!(c.admit(ip("198.51.100.3"), false).is_some(), "a closed connection gives its place back");
        // The operator's proxy is not held to one network's share.
        let c = Connections::new(ConnectionLimits { per_network: 1, total: 10 });
        let proxied: Vec<_> = (0..5).map(|_| c.admit(ip("10.0.0.1"), true)).collect();
        assert!(proxied.iter().all(Option::is_some));
    }

    #[test]
    fn a_network_over_its_rate_is_refused_until_the_next_minute() {
        let rate = RequestRate::new(3);
        assert!((0..3).all(|_| rate.admit("net", 10)));
        assert!(!rate.admit("net", 10));
        assert!(rate.admit("other", 10));
        assert!(rate.admit("net", 11));
    }
}
