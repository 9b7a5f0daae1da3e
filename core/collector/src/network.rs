//! Which network a request comes from, and the keyed name it is stored
//! under.
//!
//! Every rule counts distinct networks, so a client must never choose its
//! own. The network is the connection's peer address, or — only when that
//! peer is a proxy the operator named (`--trusted-proxy CIDR`) — the
//! rightmost `X-Forwarded-For` entry that is not itself a trusted proxy:
//! proxies *append* the address that connected to them, so everything left
//! of that entry was written by the client (issue 30, finding 1).
//!
//! A network is an IPv4 /24 or an IPv6 /48; its group, the wider /16 or /32
//! (one provider's allocation, roughly), is what `--auto` asks to be
//! diverse. Both are stored only as a keyed hash whose key lives outside the
//! database (a file or an environment variable), so a copy of the database
//! does not give the addresses back (finding 9).

use hmac::{KeyInit, Mac};
use std::net::IpAddr;
use std::path::Path;

/// An address range: `10.0.0.0/8`, `2001:db8::/32`, or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    addr: IpAddr,
    prefix: u8,
}

/// Why a range or a forwarded address cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetworkError {
    /// Not `ADDRESS` or `ADDRESS/PREFIX`.
    #[error("{0:?} is not an address range (ADDRESS or ADDRESS/PREFIX, e.g. 10.0.0.0/8)")]
    BadRange(String),
    /// A trusted proxy forwarded an entry that is not an address.
    #[error("X-Forwarded-For holds {0:?} where a trusted proxy should have written an address")]
    BadForwarded(String),
    /// The key file or variable.
    #[error("network key: {0}")]
    Key(String),
}

/// An IPv4-mapped IPv6 address is the IPv4 address it carries.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl Cidr {
    /// Parses `ADDRESS` or `ADDRESS/PREFIX`.
    pub fn parse(text: &str) -> Result<Cidr, NetworkError> {
        let bad = || NetworkError::BadRange(text.to_string());
        let (addr, prefix) = match text.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix.parse::<u8>().map_err(|_| bad())?)),
            None => (text, None),
        };
        let addr = canonical(addr.parse::<IpAddr>().map_err(|_| bad())?);
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        if prefix > max {
            return Err(bad());
        }
        Ok(Cidr { addr, prefix })
    }

    /// Whether `ip` lies in the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let keep = |bits: u32, total: u32| if bits == 0 { 0u128 } else { u128::MAX << (total - bits) };
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(range), IpAddr::V4(ip)) => {
                let mask = keep(u32::from(self.prefix), 32) as u32;
                u32::from(range) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(range), IpAddr::V6(ip)) => {
                let mask = keep(u32::from(self.prefix), 128);
                u128::from(range) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// The proxies the operator runs in front of the collector.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<Cidr>);

/// One `X-Forwarded-For` entry: an address, perhaps with a port
/// (`1.2.3.4:5678`, `[2001:db8::1]:443`), as some balancers write it.
fn forwarded_entry(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(ip) = entry.parse() {
        return Some(ip);
    }
    if let Some(rest) = entry.strip_prefix('[') {
        return rest.split_once(']')?.0.parse().ok();
    }
    let (host, port) = entry.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

impl TrustedProxies {
    /// The ranges given.
    pub fn new(ranges: Vec<Cidr>) -> TrustedProxies {
        TrustedProxies(ranges)
    }

    /// Whether `ip` is one of the operator's proxies.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|range| range.contains(ip))
    }

    /// The client of a request that arrived from `peer` with these
    /// `X-Forwarded-For` header values (each line in order, as received).
    ///
    /// From the peer leftwards, each trusted proxy vouches for the entry it
    /// appended; the first address that is not a trusted proxy is the
    /// client. What stands left of it is the client's own writing and is
    /// never read. A request from a peer that is not trusted is that peer,
    /// whatever it sent.
    pub fn client<'a>(
        &self,
        peer: IpAddr,
        forwarded: impl IntoIterator<Item = &'a str>,
    ) -> Result<IpAddr, NetworkError> {
        let mut client = canonical(peer);
        if !self.trusts(client) {
            return Ok(client);
        }
        let lines: Vec<&str> = forwarded.into_iter().collect();
        for entry in lines.iter().rev().flat_map(|line| line.rsplit(',')) {
            if entry.trim().is_empty() {
                continue;
            }
            client = canonical(
                forwarded_entry(entry).ok_or_else(|| NetworkError::BadForwarded(entry.trim().to_string()))?,
            );
            if !self.trusts(client) {
                return Ok(client);
            }
        }
        // Every hop was a trusted proxy: the request began inside them.
        Ok(client)
    }
}

/// The prefix bytes of the network (/24, /48) and of its group (/16, /32).
fn prefixes(ip: IpAddr) -> (Vec<u8>, Vec<u8>) {
    match canonical(ip) {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            (vec![4, o[0], o[1], o[2]], vec![4, o[0], o[1]])
        }
        IpAddr::V6(v6) => {
            let o = v6.octets();
            let mut network = vec![6];
            network.extend_from_slice(&o[..6]);
            let mut group = vec![6];
            group.extend_from_slice(&o[..4]);
            (network, group)
        }
    }
}

/// A network as it is stored: keyed hashes of its /24 or /48 and of its
/// group, each prefixed by the key's generation (`gen:hash`), so networks
/// named under different keys are never taken for one another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The network.
    pub network: String,
    /// Its group.
    pub group: String,
}

/// The secret that names networks. Rotate it with the pseudonyms
/// (docs/OPERATIONS.md): once an old key is destroyed, nobody — the
/// operator included — can tell which network an old row came from.
#[derive(Clone)]
pub struct NetworkKey {
    key: [u8; 32],
    generation: String,
}

impl std::fmt::Debug for NetworkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NetworkKey(generation {})", self.generation)
    }
}

impl NetworkKey {
    /// A key from its 32 bytes.
    pub fn new(key: [u8; 32]) -> NetworkKey {
        use sha2::Digest;
        let id = sha2::Sha256::new().chain_update(b"genuine/collector/key-id\0").chain_update(key).finalize();
        NetworkKey { key, generation: hex(&id[..4]) }
    }

    /// A key from 64 hex characters (surrounding white space ignored).
    pub fn from_hex(text: &str) -> Result<NetworkKey, NetworkError> {
        let text = text.trim();
        let bad = || NetworkError::Key("expected 64 hex characters (32 bytes)".into());
        if text.len() != 64 || !text.is_ascii() {
            return Err(bad());
        }
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(NetworkKey::new(key))
    }

    /// Reads the key file at `path`, or creates it with `fresh` (readable by
    /// its owner only) if there is none.
    pub fn load_or_create(path: &Path, fresh: [u8; 32]) -> Result<NetworkKey, NetworkError> {
        let shown = |e: std::io::Error| NetworkError::Key(format!("{}: {e}", path.display()));
        match std::fs::read_to_string(path) {
            Ok(text) => NetworkKey::from_hex(&text)
                .map_err(|e| NetworkError::Key(format!("{}: {}", path.display(), e_text(&e)))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut options = std::fs::OpenOptions::new();
                options.write(true).create_new(true);
                #[cfg(unix)]
                std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
                let mut file = options.open(path).map_err(shown)?;
                std::io::Write::write_all(&mut file, format!("{}\n", hex(&fresh)).as_bytes())
                    .map_err(shown)?;
                file.sync_all().map_err(shown)?;
                Ok(NetworkKey::new(fresh))
            }
            Err(e) => Err(shown(e)),
        }
    }

    /// The key's generation: a short public id of it.
    pub fn generation(&self) -> &str {
        &self.generation
    }

    fn name(&self, label: &[u8], prefix: &[u8]) -> String {
        let mut mac =
            hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(label);
        mac.update(prefix);
        format!("{}:{}", self.generation, hex(&mac.finalize().into_bytes()[..8]))
    }

    /// The stored names of `ip`'s network and group.
    pub fn origin(&self, ip: IpAddr) -> Origin {
        let (network, group) = prefixes(ip);
        Origin { network: self.name(b"network\0", &network), group: self.name(b"group\0", &group) }
    }
}

fn e_text(e: &NetworkError) -> String {
    match e {
        NetworkError::Key(why) => why.clone(),
        other => other.to_string(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The generation a stored network name was made under (`""` for names
/// from before generations: the salted hashes of the first schema).
pub fn generation_of(name: &str) -> &str {
    name.split_once(':').map_or("", |(generation, _)| generation)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn proxies(ranges: &[&str]) -> TrustedProxies {
        TrustedProxies::new(ranges.iter().map(|r| Cidr::parse(r).unwrap()).collect())
    }

    #[test]
    fn ranges_contain_what_they_say() {
        let r = Cidr::parse("10.1.0.0/16").unwrap();
        assert!(r.contains(ip("10.1.200.3")) && !r.contains(ip("10.2.0.1")));
        assert!(r.contains(ip("::ffff:10.1.2.3")), "an IPv4-mapped address is its IPv4 address");
        assert!(!r.contains(ip("2001:db8::1")));
        let one = Cidr::parse("192.0.2.7").unwrap();
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        assert!(Cidr::parse("0.0.0.0/0").unwrap().contains(ip("203.0.113.9")));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")) && !v6.contains(ip("2001:db9::1")));
        for bad in ["10.0.0.0/33", "::/129", "10.0.0/8", "x", "10.0.0.0/-1", ""] {
            assert!(Cidr::parse(bad).is_err(), "{bad}");
        }
    }

    /// Finding 1: a client behind a proxy that appends (nginx's
    /// `$proxy_add_x_forwarded_for`, cloud balancers) chose its network by
    /// writing the first entry itself.
    #[test]
    fn the_client_is_the_rightmost_untrusted_entry_never_what_it_wrote() {
        let lb = proxies(&["10.0.0.0/8"]);
        let peer = ip("10.0.0.5");
        // The client at 198.51.100.7 claims 203.0.113.1 and 192.0.2.1.
        let header = "203.0.113.1, 192.0.2.1, 198.51.100.7";
        assert_eq!(lb.client(peer, [header]).unwrap(), ip("198.51.100.7"));
        // Two proxies of ours in a row: both skipped.
        let chain = "203.0.113.1, 198.51.100.7, 10.0.0.9";
        assert_eq!(lb.client(peer, [chain]).unwrap(), ip("198.51.100.7"));
        // A header split over several lines reads as one list, in order.
        assert_eq!(lb.client(peer, ["203.0.113.1", "198.51.100.7, 10.0.0.9"]).unwrap(), ip("198.51.100.7"));
        // Ports and brackets, as some balancers write them.
        assert_eq!(lb.client(peer, ["1.1.1.1, 198.51.100.7:5123"]).unwrap(), ip("198.51.100.7"));
        assert_eq!(lb.client(peer, ["[2001:db8::7]:443"]).unwrap(), ip("2001:db8::7"));
        // Garbage where our proxy writes is refused, not guessed around...
        assert!(lb.client(peer, ["198.51.100.7, nonsense"]).is_err());
        // ...but garbage left of the client is the client's, and never read.
        assert_eq!(lb.client(peer, ["nonsense, 198.51.100.7"]).unwrap(), ip("198.51.100.7"));
        // A peer that is not a trusted proxy is the client, whatever it sent.
        assert_eq!(lb.client(ip("198.51.100.7"), ["203.0.113.1"]).unwrap(), ip("198.51.100.7"));
        assert_eq!(TrustedProxies::default().client(peer, ["203.0.113.1"]).unwrap(), peer);
        // No header from our proxy: the request is the proxy's own.
        assert_eq!(lb.client(peer, []).unwrap(), peer);
    }

    #[test]
    fn networks_are_a_24_or_a_48_named_by_a_key_outside_the_database() {
        let key = NetworkKey::new([7; 32]);
        let a = key.origin(ip("198.51.100.7"));
        assert_eq!(a, key.origin(ip("198.51.100.200")), "one /24");
        assert_eq!(a, key.origin(ip("::ffff:198.51.100.9")), "IPv4-mapped");
        let b = key.origin(ip("198.51.101.7"));
        assert_ne!(a.network, b.network);
        assert_eq!(a.group, b.group, "one /16");
        let v6 = key.origin(ip("2001:db8:1:2::1"));
        assert_eq!(v6, key.origin(ip("2001:db8:1:ffff::9")), "one /48");
        assert_ne!(v6.network, key.origin(ip("2001:db8:2::1")).network);
        assert_eq!(v6.group, key.origin(ip("2001:db8:2::1")).group, "one /32");
        // Another key names the same network differently, under its own generation.
        let other = NetworkKey::new([8; 32]);
        assert_ne!(other.origin(ip("198.51.100.7")).network, a.network);
        assert_eq!(generation_of(&a.network), key.generation());
        assert_ne!(key.generation(), other.generation());
        assert_eq!(generation_of("0123456789abcdef"), "");
    }

    #[test]
    fn the_key_file_is_made_once_private_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("network.key");
        let made = NetworkKey::load_or_create(&path, [3; 32]).unwrap();
        let read = NetworkKey::load_or_create(&path, [4; 32]).unwrap();
        assert_eq!(made.generation(), read.generation(), "an existing key is never replaced");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        std::fs::write(&path, "not a key").unwrap();
        assert!(NetworkKey::load_or_create(&path, [4; 32]).is_err());
        assert!(NetworkKey::from_hex(&"ab".repeat(32)).is_ok());
        assert!(NetworkKey::from_hex(&"é".repeat(32)).is_err());
    }
}
