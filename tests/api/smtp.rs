//! Real SMTP servers on loopback sockets, in-process, recording what they receive: a sink
//! (mailin-embedded) that may refuse recipients with a permanent 550, and a relay (tokio)
//! that goes quiet on demand at the greeting, after MAIL FROM or in the middle of DATA.

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

/// Where a [`StallingRelay`] goes quiet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stall {
    /// Accepts the connection and never greets.
    Greeting,
    /// Greets, answers EHLO, then never answers MAIL FROM.
    MailFrom,
    /// Answers DATA with 354, then never answers the message.
    Data,
}

/// A real SMTP server on a loopback socket (tokio, in this process) that can be told to go
/// quiet at the greeting, after MAIL FROM or in the middle of DATA, for the next few sessions:
/// it then keeps the connection open, answering nothing, until the client gives up.
#[derive(Clone)]
pub struct StallingRelay {
    pub port: u16,
    state: Arc<RelayState>,
}

#[derive(Default)]
struct RelayState {
    inbox: Inbox,
    /// How many more times to go quiet at each step.
    stalls: Mutex<std::collections::HashMap<Stall, usize>>,
    /// Connections held quiet right now.
    hanging: std::sync::atomic::AtomicUsize,
    /// Wait before answering a message's final dot (the message is received before it).
    answer_delay: Mutex<std::time::Duration>,
}

impl StallingRelay {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the relay");
        let port = listener.local_addr().expect("addr").port();
        let state = Arc::new(RelayState::default());
        let relay = Self {
            port,
            state: state.clone(),
        };
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(session(state.clone(), stream));
            }
        });
        relay
    }

    /// Goes quiet at `step` for the next `times` sessions (`usize::MAX`: until healed).
    pub fn stall(&self, step: Stall, times: usize) {
        if let Ok(mut stalls) = self.state.stalls.lock() {
            stalls.insert(step, times);
        }
    }

    /// Answers everything again (connections already held quiet stay so).
    pub fn heal(&self) {
        if let Ok(mut stalls) = self.state.stalls.lock() {
            stalls.clear();
        }
    }

    /// Waits this long before accepting each message.
    pub fn answer_after(&self, delay: std::time::Duration) {
        if let Ok(mut d) = self.state.answer_delay.lock() {
            *d = delay;
        }
    }

    /// Connections held quiet right now.
    pub fn hanging(&self) -> usize {
        self.state.hanging.load(std::sync::atomic::Ordering::SeqCst)
    }

    pub fn inbox(&self) -> &Inbox {
        &self.state.inbox
    }
}

impl RelayState {
    fn take_stall(&self, step: Stall) -> bool {
        let Ok(mut stalls) = self.stalls.lock() else {
            return false;
        };
        match stalls.get_mut(&step) {
            Some(n) if *n > 0 => {
                if *n != usize::MAX {
                    *n -= 1;
                }
                true
            }
            _ => false,
        }
    }

    /// Holds the connection, reading and discarding whatever comes, until the client closes it.
    async fn hang(&self, mut reader: impl tokio::io::AsyncRead + Unpin) {
        use std::sync::atomic::Ordering;
        self.hanging.fetch_add(1, Ordering::SeqCst);
        let _ = tokio::io::copy(&mut reader, &mut tokio::io::sink()).await;
        self.hanging.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn session(state: Arc<RelayState>, stream: tokio::net::TcpStream) {
    use tokio::io::{AsyncBufReadExt, BufReader};
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    if state.take_stall(Stall::Greeting) {
        return state.hang(reader).await;
    }
    if !say(&mut writer, "220 relay.test ESMTP\r\n").await {
        return;
    }
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await.unwrap_or(0) == 0 {
            return;
        }
        let verb = String::from_utf8_lossy(&line[..line.len().min(4)]).to_ascii_uppercase();
        let answer = match verb.as_str() {
            "EHLO" => "250-relay.test\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
            "HELO" => "250 relay.test\r\n",
            "MAIL" if state.take_stall(Stall::MailFrom) => return state.hang(reader).await,
            "MAIL" | "RCPT" | "RSET" | "NOOP" => "250 OK\r\n",
            "DATA" => {
                if !say(&mut writer, "354 go ahead\r\n").await {
                    return;
                }
                if state.take_stall(Stall::Data) {
                    return state.hang(reader).await;
                }
                let Some(message) = read_message(&mut reader).await else {
                    return;
                };
                if let Ok(mut messages) = state.inbox.messages.lock() {
                    messages.push(message);
                }
                let delay = state.answer_delay.lock().map(|d| *d).unwrap_or_default();
                tokio::time::sleep(delay).await;
                "250 queued\r\n"
            }
            "QUIT" => {
                say(&mut writer, "221 bye\r\n").await;
                return;
            }
            _ => "500 unknown command\r\n",
        };
        if !say(&mut writer, answer).await {
            return;
        }
    }
}

async fn say(writer: &mut tokio::net::tcp::OwnedWriteHalf, text: &str) -> bool {
    use tokio::io::AsyncWriteExt;
    writer.write_all(text.as_bytes()).await.is_ok()
}

/// The message up to the lone dot, dot-unstuffed; None when the connection ends first.
async fn read_message(reader: &mut (impl tokio::io::AsyncBufRead + Unpin)) -> Option<Vec<u8>> {
    use tokio::io::AsyncBufReadExt;
    let mut message = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await.ok()? == 0 {
            return None;
        }
        if line == b".\r\n" || line == b".\n" {
            return Some(message);
        }
        let unstuffed = if line.starts_with(b"..") {
            &line[1..]
        } else {
            &line[..]
        };
        message.extend_from_slice(unstuffed);
    }
}
