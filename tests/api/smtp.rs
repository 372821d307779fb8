//! A real SMTP server on a loopback socket (mailin-embedded, in-process), recording what it
//! receives; optionally refusing recipients with a permanent 550.

use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use mailin_embedded::response::{NO_MAILBOX, OK};
use mailin_embedded::{Handler, Response, Server, SslConfig};
use mailparse::MailHeaderMap;

#[derive(Clone, Default)]
pub struct Inbox {
    messages: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl Inbox {
    pub fn raw(&self) -> Vec<Vec<u8>> {
        self.messages.lock().map(|m| m.clone()).unwrap_or_default()
    }

    pub fn len(&self) -> usize {
        self.messages.lock().map(|m| m.len()).unwrap_or(0)
    }

    /// The Message-ID header of every message received, in arrival order.
    pub fn message_ids(&self) -> Vec<String> {
        self.raw()
            .iter()
            .filter_map(|raw| {
                let parsed = mailparse::parse_mail(raw).ok()?;
                parsed.headers.get_first_value("Message-ID")
            })
            .collect()
    }
}

#[derive(Clone)]
struct Sink {
    inbox: Inbox,
    refuse: bool,
    current: Vec<u8>,
}

impl Handler for Sink {
    fn rcpt(&mut self, _to: &str) -> Response {
        if self.refuse {
            NO_MAILBOX
        } else {
            OK
        }
    }

    fn data_start(
        &mut self,
        _domain: &str,
        _from: &str,
        _is8bit: bool,
        _to: &[String],
    ) -> Response {
        self.current.clear();
        OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let Ok(mut messages) = self.inbox.messages.lock() {
            messages.push(std::mem::take(&mut self.current));
        }
        OK
    }
}

/// A free loopback port, not listened on yet (to play a relay that is down).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// Starts an SMTP server on `port`; it runs until the test process ends.
pub fn start_sink(port: u16, refuse: bool) -> Inbox {
    let inbox = Inbox::default();
    let listener = TcpListener::bind(("127.0.0.1", port)).expect("bind the SMTP port");
    let mut server = Server::new(Sink {
        inbox: inbox.clone(),
        refuse,
        current: Vec::new(),
    });
    server
        .with_name("sink.test")
        .with_num_threads(64)
        .with_tcp_listener(listener);
    server.with_ssl(SslConfig::None).expect("plain SMTP");
    std::thread::spawn(move || {
        let _ = server.serve();
    });
    inbox
}
