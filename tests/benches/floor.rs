//! The floor under a cached check: an HTTP/1.1 server that does only the
//! work no implementation of a cached `POST /v1/checks` can skip, so that
//! `wrk` can measure what this machine allows (docs/performance.md,
//! "The floor under the cached goal").
//!
//! ```sh
//! cargo bench -p plancheck-e2e --bench floor -- DATA_DIR &   # prints "floor: listening on URL"
//! # or: scripts/bench-server.sh, step 4c (it runs each path below at 1 connection)
//! wrk -t1 -c1 -d10s --latency -s tests/benches/post.lua 'URL'
//! ```
//!
//! No async runtime, no routing, no JSON: one thread per connection reads
//! the request head and its `Content-Length` body, then, by path:
//!
//! - `/echo`: answers with a body of `RESPONSE_BYTES`;
//! - `/hash`: first takes the SHA-256 of the body (as the server must, to
//!   find the cached result);
//! - `/sync`: writes a 1,200-byte record into a pre-zeroed file in
//!   DATA_DIR and `fdatasync`s it, without hashing (a lower bound for any
//!   digest cheaper than SHA-256);
//! - `/hash-sync`: hashes, then also writes a 1,200-byte record into a pre-zeroed
//!   file in DATA_DIR and `fdatasync`s it (as the server must before a
//!   2xx: the validation is durable when acknowledged).
//!
//! Anything else gets 404. It is a measuring tool, not a server: it trusts
//! its client.

use std::fs::OpenOptions;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::Arc;

use sha2::{Digest, Sha256};

/// The size of the 1,000-element model's report (tests/fixtures/models/bench-1k-ifc4-mm.ifc, the two US packs).
const RESPONSE_BYTES: usize = 351_266;
/// About the size of a validation's journal entry.
const RECORD_BYTES: usize = 1_200;
/// The pre-zeroed file the records are written into, in turn.
const FILE_BYTES: u64 = 8 << 20;

fn main() {
    let dir: PathBuf = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let path = dir.join("floor.journal");
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .expect("the floor's file opens");
    let zeros = vec![0u8; 1 << 20];
    for k in 0..FILE_BYTES / zeros.len() as u64 {
        file.write_all_at(&zeros, k * zeros.len() as u64)
            .expect("the floor's file is zero-filled");
    }
    file.sync_all().expect("the floor's file syncs");
    let file = Arc::new(file);
    let body: Arc<Vec<u8>> = Arc::new(vec![b'x'; RESPONSE_BYTES]);
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    println!(
        "floor: listening on http://{}",
        listener.local_addr().expect("an address")
    );
    for conn in listener.incoming() {
        let Ok(conn) = conn else { continue };
        let (file, body) = (file.clone(), body.clone());
        std::thread::spawn(move || {
            let _ = serve(conn, &file, &body);
        });
    }
}

fn serve(conn: TcpStream, file: &std::fs::File, body: &[u8]) -> std::io::Result<()> {
    conn.set_nodelay(true)?;
    let mut out = conn.try_clone()?;
    let mut input = BufReader::with_capacity(64 << 10, conn);
    let mut request = Vec::with_capacity(1 << 20);
    let mut offset = 0u64;
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    loop {
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let path = line.split(' ').nth(1).unwrap_or("").to_owned();
        let mut length = 0usize;
        loop {
            line.clear();
            input.read_line(&mut line)?;
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        request.resize(length, 0);
        input.read_exact(&mut request)?;
        let path = path.split('?').next().unwrap_or("");
        match path {
            "/echo" => {}
            "/hash" => {
                std::hint::black_box(Sha256::digest(&request));
            }
            "/sync" | "/hash-sync" => {
                let mut record = vec![0u8; RECORD_BYTES];
                if path == "/hash-sync" {
                    record[..32].copy_from_slice(&Sha256::digest(&request));
                } else {
                    record[..8].copy_from_slice(&offset.to_le_bytes());
                }
                file.write_all_at(&record, offset)?;
                file.sync_data()?;
                offset = (offset + 4096) % FILE_BYTES;
            }
            _ => {
                out.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n")?;
                continue;
            }
        }
        out.write_all(head.as_bytes())?;
        out.write_all(body)?;
    }
}
