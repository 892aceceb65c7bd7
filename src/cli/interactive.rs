//! The terminal side of `exec` and `run`: standard input forwarded to the process, its output
//! copied to stdout and stderr byte for byte, and, with a TTY, the local terminal in raw mode
//! (restored on drop) and its size passed on.

use std::io::{IsTerminal, Read, Write};

use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::sync::mpsc;

use crate::engine::exec::{InputSink, OutputStream};
use crate::engine::LogSource;

/// Whether a TTY is the default: stdin is a terminal (docker compose's rule; `-T` disables it).
pub fn stdin_is_terminal() -> bool {
    std::io::stdin().is_terminal()
}

/// The size of the terminal on stdout (else stdin), as (rows, columns).
pub fn terminal_size() -> Option<(u16, u16)> {
    for fd in [libc::STDOUT_FILENO, libc::STDIN_FILENO] {
        // SAFETY: TIOCGWINSZ fills the winsize struct we own; the descriptor may be anything.
        let mut size: libc::winsize = unsafe { std::mem::zeroed() };
        let result = unsafe { libc::ioctl(fd, libc::TIOCGWINSZ, &mut size) };
        if result == 0 && size.ws_row > 0 && size.ws_col > 0 {
            return Some((size.ws_row, size.ws_col));
        }
    }
    None
}

/// The local terminal in raw mode while it lives: keys go to the process as they are typed
/// (Ctrl-C included, to the process's TTY).
pub struct RawTerminal {
    saved: Option<libc::termios>,
}

impl RawTerminal {
    /// Raw mode on stdin when it is a terminal; does nothing otherwise.
    pub fn enable() -> RawTerminal {
        if !std::io::stdin().is_terminal() {
            return RawTerminal { saved: None };
        }
        // SAFETY: tcgetattr/tcsetattr on stdin with termios structs we own.
        unsafe {
            let mut saved: libc::termios = std::mem::zeroed();
            if libc::tcgetattr(libc::STDIN_FILENO, &mut saved) != 0 {
                return RawTerminal { saved: None };
            }
            let mut raw = saved;
            libc::cfmakeraw(&mut raw);
            if libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, &raw) != 0 {
                return RawTerminal { saved: None };
            }
            RawTerminal { saved: Some(saved) }
        }
    }
}

impl Drop for RawTerminal {
    fn drop(&mut self) {
        if let Some(saved) = &self.saved {
            // SAFETY: restores the attributes read in `enable`.
            unsafe {
                libc::tcsetattr(libc::STDIN_FILENO, libc::TCSANOW, saved);
            }
        }
    }
}

/// Forwards this process's stdin to `input` until stdin ends, then closes the process's stdin.
/// The reading thread is detached: a terminal that is never closed does not hold up the exit.
pub fn forward_stdin(mut input: InputSink) -> tokio::task::JoinHandle<()> {
    let (sender, mut chunks) = mpsc::channel::<Vec<u8>>(16);
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buffer = vec![0u8; 8192];
        loop {
            match stdin.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if sender.blocking_send(buffer[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
        }
    });
    tokio::spawn(async move {
        while let Some(chunk) = chunks.recv().await {
            if input.write_all(&chunk).await.is_err() || input.flush().await.is_err() {
                return;
            }
        }
        let _ = input.shutdown().await;
    })
}

/// Copies the process's output until it ends: stdout (or the TTY's one stream) to stdout,
/// stderr to stderr.
pub async fn copy_output(mut output: OutputStream) {
    while let Some(Ok(chunk)) = output.next().await {
        if chunk.source == LogSource::Stderr {
            let mut stderr = std::io::stderr().lock();
            let _ = stderr.write_all(&chunk.bytes);
            let _ = stderr.flush();
        } else {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(&chunk.bytes);
            let _ = stdout.flush();
        }
    }
}

/// `-e KEY=VAL` as given; `-e KEY` takes `KEY` from this process's environment (left out when
/// it is not set), as docker does.
pub fn environment(items: &[String]) -> Vec<String> {
    items
        .iter()
        .filter_map(|item| {
            if item.contains('=') {
                Some(item.clone())
            } else {
                std::env::var(item)
                    .ok()
                    .map(|value| format!("{item}={value}"))
            }
        })
        .collect()
}

/// An exit code as a process exit status (0–255).
pub fn exit_status(code: i64) -> u8 {
    u8::try_from(code.rem_euclid(256)).unwrap_or(1)
}
