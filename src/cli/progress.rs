//! Rendering of the executor's progress events, on stderr, as docker compose does:
//! `--progress tty` redraws one line per network, volume and container (`✔ Container p-web-1
//! Started  0.4s`) under a `[+] Running 3/4` header; `plain` prints one line per step
//! (` Container p-web-1  Started 0.4s`); `json` one object per line (`{"id":"Container
//! p-web-1","status":"Started","duration":0.4}`); `quiet` nothing. `auto` is `tty` on a terminal,
//! else `plain`. The time on a finished line is how long its object took, from its first event
//! to its last: it shows where the time went.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use clap::ValueEnum;

use crate::execute::{EventStatus, Progress, ProgressEvent};

/// `--progress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ProgressMode {
    /// `tty` on a terminal, else `plain`
    #[default]
    Auto,
    Tty,
    Plain,
    Json,
    Quiet,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Tty { color: bool },
    Plain,
    Json,
    Quiet,
}

/// How a line stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Working,
    Done,
    Warning,
    Failed,
}

struct Line {
    /// `Container p-web-1`.
    id: String,
    status: String,
    detail: Option<String>,
    mark: Mark,
    began: Instant,
    ended: Option<Instant>,
}

impl Line {
    fn elapsed(&self) -> Duration {
        self.ended
            .unwrap_or_else(Instant::now)
            .saturating_duration_since(self.began)
    }
}

#[derive(Default)]
struct Board {
    lines: Vec<Line>,
    /// How many lines the last tty frame took.
    drawn: usize,
    finished: bool,
}

/// The progress renderer of one command. It is a [`Progress`] sink for the executor, and
/// commands that make calls of their own (`kill`) report through [`Reporter::update`].
pub struct Reporter {
    style: Style,
    title: String,
    board: Arc<Mutex<Board>>,
    stop: Arc<AtomicBool>,
    ticker: Mutex<Option<JoinHandle<()>>>,
}

impl Reporter {
    /// A renderer in `mode`; `title` heads the tty frame (`Running`).
    pub fn new(mode: ProgressMode, title: &str) -> Reporter {
        let terminal = std::io::stderr().is_terminal();
        let color = terminal && std::env::var_os("NO_COLOR").is_none();
        let style = match mode {
            ProgressMode::Auto if terminal => Style::Tty { color },
            ProgressMode::Auto | ProgressMode::Plain => Style::Plain,
            ProgressMode::Tty => Style::Tty { color },
            ProgressMode::Json => Style::Json,
            ProgressMode::Quiet => Style::Quiet,
        };
        let reporter = Reporter {
            style,
            title: title.to_string(),
            board: Arc::new(Mutex::new(Board::default())),
            stop: Arc::new(AtomicBool::new(false)),
            ticker: Mutex::new(None),
        };
        if let Style::Tty { color } = style {
            // Timers and spinners move between events too.
            let board = Arc::clone(&reporter.board);
            let stop = Arc::clone(&reporter.stop);
            let title = reporter.title.clone();
            let handle = std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(100));
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let mut board = board.lock().unwrap_or_else(PoisonError::into_inner);
                    if !board.lines.is_empty() && !board.finished {
                        draw(&mut board, &title, color, false);
                    }
                }
            });
            *reporter
                .ticker
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(handle);
        }
        reporter
    }

    /// One step of one object: `kind` `Container`, `name` `p-web-1`, `status` `Killed`.
    pub fn update(&self, kind: &str, name: &str, status: &str, mark: Mark, detail: Option<String>) {
        if self.style == Style::Quiet {
            return;
        }
        let id = format!("{kind} {name}");
        let mut board = self.board.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let index = match board.lines.iter().position(|line| line.id == id) {
            Some(index) => index,
            None => {
                board.lines.push(Line {
                    id: id.clone(),
                    status: String::new(),
                    detail: None,
                    mark: Mark::Working,
                    began: now,
                    ended: None,
                });
                board.lines.len() - 1
            }
        };
        {
            let line = &mut board.lines[index];
            // A failed line stays failed: later events of the same object do not hide it.
            if line.mark != Mark::Failed || mark == Mark::Failed {
                line.status = status.to_string();
                line.detail = detail.clone();
                line.mark = mark;
            }
            line.ended = (mark != Mark::Working).then_some(now);
        }
        let elapsed = board.lines[index].elapsed();
        match self.style {
            Style::Plain => {
                let mut text = format!(" {id}  {status}");
                if let Some(detail) = &detail {
                    text.push(' ');
                    text.push_str(detail);
                }
                if mark != Mark::Working {
                    text.push_str(&format!(" {:.1}s", elapsed.as_secs_f64()));
                }
                let _ = writeln!(std::io::stderr().lock(), "{text}");
            }
            Style::Json => {
                let mut object = serde_json::json!({ "id": id, "status": status });
                if let Some(detail) = &detail {
                    object["text"] = serde_json::Value::String(detail.clone());
                }
                if mark == Mark::Failed {
                    object["error"] = serde_json::Value::Bool(true);
                }
                if mark != Mark::Working {
                    object["duration"] =
                        serde_json::json!((elapsed.as_secs_f64() * 1000.0).round() / 1000.0);
                }
                let _ = writeln!(std::io::stderr().lock(), "{object}");
            }
            Style::Tty { color } => draw(&mut board, &self.title, color, false),
            Style::Quiet => {}
        }
    }

    /// The last frame; stops the tty timer. Call before printing anything else to stderr.
    pub fn finish(&self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self
            .ticker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        {
            let _ = handle.join();
        }
        if let Style::Tty { color } = self.style {
            let mut board = self.board.lock().unwrap_or_else(PoisonError::into_inner);
            if !board.finished && !board.lines.is_empty() {
                draw(&mut board, &self.title, color, true);
            }
            board.finished = true;
        }
    }
}

impl Drop for Reporter {
    fn drop(&mut self) {
        self.finish();
    }
}

impl Progress for Reporter {
    fn event(&self, event: ProgressEvent) {
        // A call refused after Ctrl-C did not fail: it was not made.
        if event.status == EventStatus::Error
            && event
                .detail
                .as_deref()
                .is_some_and(|d| d.ends_with(super::engine_session::INTERRUPTED_MESSAGE))
        {
            self.update(
                event.kind.as_str(),
                &event.name,
                "Interrupted",
                Mark::Warning,
                None,
            );
            return;
        }
        let mark = match event.status {
            EventStatus::Error => Mark::Failed,
            EventStatus::Warning => Mark::Warning,
            status if status.is_done() => Mark::Done,
            _ => Mark::Working,
        };
        // Connecting/Connected name the network; errors and warnings carry their message.
        self.update(
            event.kind.as_str(),
            &event.name,
            event.status.as_str(),
            mark,
            event.detail,
        );
    }
}

/// The terminal's width, when stderr is one.
fn terminal_width() -> usize {
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: TIOCGWINSZ fills the winsize it is given; the descriptor is stderr's.
        let mut size: libc::winsize = unsafe { std::mem::zeroed() };
        let ok = unsafe { libc::ioctl(std::io::stderr().as_raw_fd(), libc::TIOCGWINSZ, &mut size) };
        if ok == 0 && size.ws_col > 0 {
            return usize::from(size.ws_col);
        }
    }
    80
}

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

fn paint(color: bool, code: &str, text: &str) -> String {
    if color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// Redraws the frame in place: back up over the last one, then every line, each cut to the
/// terminal's width so that the count of lines to back up over stays right.
fn draw(board: &mut Board, title: &str, color: bool, last: bool) {
    let width = terminal_width().saturating_sub(1).max(20);
    let done = board
        .lines
        .iter()
        .filter(|line| line.mark != Mark::Working)
        .count();
    let id_width = board
        .lines
        .iter()
        .map(|line| line.id.chars().count())
        .max()
        .unwrap_or(0);
    let status_width = board
        .lines
        .iter()
        .map(|line| line.status.chars().count())
        .max()
        .unwrap_or(0);
    let mut frame = String::new();
    if board.drawn > 0 {
        frame.push_str(&format!("\x1b[{}A", board.drawn));
    }
    frame.push_str("\x1b[?25l");
    let header = format!("[+] {title} {done}/{}", board.lines.len());
    frame.push_str(&format!(
        "\r\x1b[2K{}\n",
        paint(color && done == board.lines.len(), "34", &header)
    ));
    let tick = Instant::now();
    for line in &board.lines {
        let seconds = line.elapsed().as_secs_f64();
        let (icon, code) = match line.mark {
            Mark::Working => {
                let frame_index =
                    (tick.saturating_duration_since(line.began).as_millis() / 100) as usize;
                (SPINNER[frame_index % SPINNER.len()], "33")
            }
            Mark::Done => ("✔", "32"),
            Mark::Warning => ("!", "33"),
            Mark::Failed => ("✘", "31"),
        };
        let mut text = format!("{:<id_width$}  {:<status_width$}", line.id, line.status);
        if let Some(detail) = &line.detail {
            text.push(' ');
            text.push_str(detail);
        }
        let time = format!("{seconds:.1}s");
        // Icon, spaces and time take 6 + time.len() columns.
        let room = width.saturating_sub(6 + time.len());
        let text: String = if text.chars().count() > room {
            text.chars()
                .take(room.saturating_sub(1))
                .chain(['…'])
                .collect()
        } else {
            text
        };
        let status_colored = if line.mark == Mark::Working {
            text.clone()
        } else {
            paint(color, code, &text)
        };
        frame.push_str(&format!(
            "\r\x1b[2K {} {status_colored} {}\n",
            paint(color, code, icon),
            paint(color, "34", &time)
        ));
    }
    if last {
        frame.push_str("\x1b[?25h");
    }
    board.drawn = board.lines.len() + 1;
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(frame.as_bytes());
    let _ = stderr.flush();
}
