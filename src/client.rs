//! Who is calling: the client's address as the socket sees it or, when the peer is a reverse
//! proxy listed in `server.trusted_proxies`, as that proxy reports it (`X-Forwarded-For`, or
//! `Forwarded` of RFC 7239, per `server.client_address_header`). Throttling, signatures and
//! the request log all take this one answer, so a header that a client writes itself is never
//! believed: only what a trusted proxy appended counts.

use std::net::{IpAddr, Ipv4Addr};

use actix_web::{dev::Payload, web, FromRequest, HttpMessage, HttpRequest};
use ipnet::IpNet;

/// The header a trusted proxy reports the client's address in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProxyHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (nginx's `$proxy_add_x_forwarded_for`).
    #[default]
    XForwardedFor,
    /// `Forwarded: for=client, for=proxy1` (RFC 7239).
    Forwarded,
}

impl ProxyHeader {
    fn name(self) -> &'static str {
        match self {
            Self::XForwardedFor => "x-forwarded-for",
            Self::Forwarded => "forwarded",
        }
    }
}

/// The reverse proxies whose header is believed (`server.trusted_proxies`); none by default.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies {
    networks: Vec<IpNet>,
    header: ProxyHeader,
}

impl TrustedProxies {
    /// Addresses (`10.0.0.2`, `::1`) or networks (`10.0.0.0/24`), and the header's name
    /// (`X-Forwarded-For` or `Forwarded`, any case). A typo is an error at start-up, never a
    /// proxy silently untrusted (every client would then be the proxy) or a network trusted.
    pub fn parse(entries: &[String], header: &str) -> anyhow::Result<Self> {
        let networks = entries
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                entry
                    .parse::<IpNet>()
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        anyhow::anyhow!(
                            "server.trusted_proxies: `{entry}` is neither an address nor a network"
                        )
                    })
            })
            .collect::<anyhow::Result<_>>()?;
        let wanted = header.trim().to_ascii_lowercase();
        let Some(header) = [ProxyHeader::XForwardedFor, ProxyHeader::Forwarded]
            .into_iter()
            .find(|h| h.name() == wanted)
        else {
            anyhow::bail!(
                "server.client_address_header must be `X-Forwarded-For` or `Forwarded`, not `{wanted}`"
            );
        };
        Ok(Self { networks, header })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.networks.iter().any(|n| n.contains(&ip))
    }
}

/// The client of a request, and whether it came through a trusted proxy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress {
    pub ip: IpAddr,
    /// The socket's peer is a trusted proxy: the request was relayed, so it never counts as
    /// coming from this machine, whatever address the proxy reports.
    pub proxied: bool,
}

impl ClientAddress {
    /// The client given the socket's peer and the values of the proxy header, in order.
    /// From an untrusted peer, the peer itself (its headers are the client's own words).
    /// From a trusted one, the header's hops are read from the right, the last appended
    /// first, past every trusted proxy: the first address that is not one is the client. A
    /// hop that is not an address stops the walk at the proxy that reported it.
    pub fn resolve(peer: Option<IpAddr>, values: &[&str], trusted: &TrustedProxies) -> Self {
        let Some(peer) = peer.map(|ip| ip.to_canonical()) else {
            return Self {
                ip: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                proxied: false,
            };
        };
        if !trusted.contains(peer) {
            return Self {
                ip: peer,
                proxied: false,
            };
        }
        let mut client = peer;
        for hop in values.iter().rev().flat_map(|v| v.rsplit(',')) {
            let Some(ip) = hop_address(hop, trusted.header) else {
                break;
            };
            client = ip;
            if !trusted.contains(ip) {
                break;
            }
        }
        Self {
            ip: client,
            proxied: true,
        }
    }

    /// The request's client, worked out once per request.
    pub fn of(req: &HttpRequest) -> Self {
        if let Some(known) = req.extensions().get::<Self>() {
            return *known;
        }
        let none = TrustedProxies::default();
        let trusted = req.app_data::<web::Data<TrustedProxies>>();
        let trusted = trusted.map_or(&none, |t| t.get_ref());
        let peer = req.peer_addr().map(|a| a.ip());
        // From an untrusted peer (or with no proxy configured), no header is read.
        let values: Vec<&str> = if peer.is_some_and(|ip| trusted.contains(ip)) {
            req.headers()
                .get_all(trusted.header.name())
                .filter_map(|v| v.to_str().ok())
                .collect()
        } else {
            Vec::new()
        };
        let client = Self::resolve(peer, &values, trusted);
        req.extensions_mut().insert(client);
        client
    }
}

impl std::fmt::Display for ClientAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.ip.fmt(f)
    }
}

impl FromRequest for ClientAddress {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Self::of(req)))
    }
}

/// One hop's address: `192.0.2.1`, `192.0.2.1:4711`, `2001:db8::1`, `[2001:db8::1]:4711`,
/// or in `Forwarded`, the `for=` parameter of one element (quoted or not). `unknown` and
/// obfuscated identifiers (`_hidden`) are not addresses.
fn hop_address(hop: &str, header: ProxyHeader) -> Option<IpAddr> {
    let text = match header {
        ProxyHeader::XForwardedFor => hop.trim(),
        ProxyHeader::Forwarded => hop
            .split(';')
            .filter_map(|pair| pair.split_once('='))
            .find(|(key, _)| key.trim().eq_ignore_ascii_case("for"))
            .map(|(_, value)| value.trim().trim_matches('"'))?,
    };
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    let host = match text.strip_prefix('[') {
        Some(bracketed) => bracketed.split_once(']')?.0,
        None => text.rsplit_once(':')?.0,
    };
    host.parse::<IpAddr>().ok().map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(entries: &[&str], header: &str) -> TrustedProxies {
        let entries: Vec<String> = entries.iter().map(|e| e.to_string()).collect();
        TrustedProxies::parse(&entries, header).expect("valid")
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    fn client(peer: &str, values: &[&str], trusted: &TrustedProxies) -> ClientAddress {
        ClientAddress::resolve(Some(ip(peer)), values, trusted)
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let none = TrustedProxies::default();
        let got = client("198.51.100.7", &["10.0.0.1"], &none);
        assert_eq!((got.ip, got.proxied), (ip("198.51.100.7"), false));
        let trusted = proxies(&["127.0.0.1"], "X-Forwarded-For");
        let got = client("198.51.100.7", &["127.0.0.1, 10.0.0.1"], &trusted);
        assert_eq!(got.ip, ip("198.51.100.7"));
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let trusted = proxies(&["127.0.0.1", "10.1.0.0/16"], "X-Forwarded-For");
        // The client wrote the first value itself; nginx appended its peer.
        let got = client("127.0.0.1", &["6.6.6.6, 203.0.113.9"], &trusted);
        assert_eq!((got.ip, got.proxied), (ip("203.0.113.9"), true));
        // Two proxies in a row, the header split over two lines.
        let got = client("127.0.0.1", &["6.6.6.6, 203.0.113.9", "10.1.2.3"], &trusted);
        assert_eq!(got.ip, ip("203.0.113.9"));
        // Nothing reported: the proxy itself (a request it made).
        assert_eq!(client("127.0.0.1", &[], &trusted).ip, ip("127.0.0.1"));
        // Only trusted hops: the leftmost.
        let got = client("127.0.0.1", &["10.1.0.8, 127.0.0.1"], &trusted);
        assert_eq!(got.ip, ip("10.1.0.8"));
        // Garbage where a proxy's report should be: the proxy that relayed it.
        let got = client("127.0.0.1", &["6.6.6.6, not-an-ip, 10.1.0.5"], &trusted);
        assert_eq!(got.ip, ip("10.1.0.5"));
    }

    #[test]
    fn hops_may_carry_ports_and_brackets_and_ipv6_maps_to_ipv4() {
        let trusted = proxies(&["::1"], "x-forwarded-for");
        assert_eq!(
            client("::1", &["203.0.113.9:4711"], &trusted).ip,
            ip("203.0.113.9")
        );
        assert_eq!(
            client("::1", &["[2001:db8::7]:443"], &trusted).ip,
            ip("2001:db8::7")
        );
        assert_eq!(
            client("::1", &["::ffff:203.0.113.9"], &trusted).ip,
            ip("203.0.113.9")
        );
        let v4 = proxies(&["127.0.0.1"], "X-Forwarded-For");
        assert!(client("::ffff:127.0.0.1", &["203.0.113.9"], &v4).proxied);
    }

    #[test]
    fn forwarded_reads_the_for_parameter() {
        let trusted = proxies(&["127.0.0.1"], "Forwarded");
        let got = client(
            "127.0.0.1",
            &[r#"for=6.6.6.6, for="[2001:db8:cafe::17]:4711";proto=https;by=127.0.0.1"#],
            &trusted,
        );
        assert_eq!(got.ip, ip("2001:db8:cafe::17"));
        assert_eq!(
            client("127.0.0.1", &["for=unknown"], &trusted).ip,
            ip("127.0.0.1")
        );
    }

    #[test]
    fn a_requests_client_uses_the_servers_trusted_proxies_and_is_kept() {
        use actix_web::test::TestRequest;
        let trusted = web::Data::new(proxies(&["127.0.0.1"], "X-Forwarded-For"));
        let relayed = TestRequest::default()
            .peer_addr("127.0.0.1:50000".parse().expect("socket"))
            .insert_header(("X-Forwarded-For", "6.6.6.6, 203.0.113.9"))
            .app_data(trusted.clone())
            .to_http_request();
        let got = ClientAddress::of(&relayed);
        assert_eq!((got.ip, got.proxied), (ip("203.0.113.9"), true));
        assert_eq!(relayed.extensions().get::<ClientAddress>(), Some(&got));
        let direct = TestRequest::default()
            .peer_addr("198.51.100.7:50000".parse().expect("socket"))
            .insert_header(("X-Forwarded-For", "203.0.113.9"))
            .app_data(trusted)
            .to_http_request();
        assert_eq!(ClientAddress::of(&direct).ip, ip("198.51.100.7"));
        // No proxies configured at all: the peer.
        let bare = TestRequest::default()
            .peer_addr("127.0.0.1:50000".parse().expect("socket"))
            .insert_header(("X-Forwarded-For", "203.0.113.9"))
            .to_http_request();
        assert_eq!(ClientAddress::of(&bare).ip, ip("127.0.0.1"));
    }

    #[test]
    fn bad_settings_are_refused() {
        assert!(TrustedProxies::parse(&["10.0.0.0/33".into()], "X-Forwarded-For").is_err());
        assert!(TrustedProxies::parse(&["proxy.local".into()], "X-Forwarded-For").is_err());
        assert!(TrustedProxies::parse(&[], "X-Real-IP").is_err());
        assert!(TrustedProxies::parse(&[" 10.0.0.0/8 ".into()], "Forwarded").is_ok());
    }
}
