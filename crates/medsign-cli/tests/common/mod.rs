//! Helpers shared by the CLI's integration tests.

#![allow(dead_code, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use assert_cmd::Command;

/// `medsign` in an environment that does not leak the developer's own settings:
/// English messages, no locale override, no service URLs or operator tokens.
pub fn medsign() -> Command {
    let mut cmd = Command::cargo_bin("medsign").expect("the medsign binary");
    cmd.env("MEDSIGN_LANG", "en");
    for var in [
        "LC_ALL",
        "LC_MESSAGES",
        "MEDSIGN_PLATFORM",
        "MEDSIGN_PORTAL",
        "MEDSIGN_OPERATOR_TOKEN",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Writes the complete fictitious example form into `dir`.
pub fn example_form(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("form.json");
    medsign()
        .args(["apply", "template", "--example", "--out"])
        .arg(&path)
        .assert()
        .success();
    path
}

pub fn edit(path: &std::path::Path, f: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    f(&mut v);
    std::fs::write(path, serde_json::to_string(&v).unwrap()).unwrap();
}

/// `medsign sim` with the portal and the platform on free loopback ports.
pub const SIM_ON_FREE_PORTS: [&str; 5] = [
    "sim",
    "--portal",
    "127.0.0.1:0",
    "--platform",
    "127.0.0.1:0",
];

/// Fails the test unless `tool` can be started, naming the Debian/Ubuntu `package` that
/// installs it. For the checks by independent tools (openssl, xmlsec1): those tests are
/// `#[ignore]`d and `scripts/conformance` runs them; `script` (util-linux) is part of
/// every Linux base system.
pub fn require(tool: &str, package: &str) {
    let started = std::process::Command::new(tool)
        .arg("--version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    assert!(
        started.is_ok(),
        "this test needs `{tool}`: sudo apt-get install -y {package}"
    );
}

/// Asserts that the process exited 0, showing its standard error otherwise.
pub fn assert_success(out: &std::process::Output) {
    assert_eq!(out.status.code(), Some(0), "{}", stderr(out));
}

/// Asserts that the process exited 0 and returns its standard output as JSON.
pub fn json_success(out: &std::process::Output) -> serde_json::Value {
    assert_success(out);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(out)))
}

/// A process's standard output as text.
pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A process's standard error as text.
pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `medsign` on a pseudo-terminal (util-linux `script` provides it, so the tests run
/// where no terminal is attached, as on CI), driven prompt by prompt as a person types.
pub struct Pty {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    rx: std::sync::mpsc::Receiver<Vec<u8>>,
    reader: Option<std::thread::JoinHandle<()>>,
    seen: Vec<u8>,
    /// Where the output after the last answer starts.
    mark: usize,
    deadline: std::time::Instant,
}

impl Pty {
    /// Starts `medsign ARGS` (English messages) on a pseudo-terminal; fails the test when
    /// util-linux `script` is missing.
    pub fn spawn(args: &[&str]) -> Self {
        use std::io::Read as _;
        use std::process::{Command, Stdio};
        require("script", "bsdutils");
        let bin = env!("CARGO_BIN_EXE_medsign");
        let mut line = format!("'{bin}'");
        for a in args {
            assert!(!a.contains('\''), "{a}");
            line.push_str(&format!(" '{a}'"));
        }
        let mut child = Command::new("script")
            .args(["-q", "-e", "-c", &line, "/dev/null"])
            .env("MEDSIGN_LANG", "en")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Self {
            child,
            stdin,
            rx,
            reader: Some(reader),
            seen: Vec::new(),
            mark: 0,
            deadline: std::time::Instant::now() + std::time::Duration::from_secs(60),
        }
    }

    /// Everything the terminal showed so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.seen).into_owned()
    }

    /// Waits for the next prompt (output since the last answer whose last line ends in
    /// `": "`) and returns that line; `None` when the program ended instead.
    pub fn next_prompt(&mut self) -> Option<String> {
        loop {
            let since = String::from_utf8_lossy(&self.seen[self.mark..]).into_owned();
            let last = since
                .rsplit('\n')
                .next()
                .unwrap_or("")
                .trim_start_matches('\r');
            if last.ends_with(": ") {
                return Some(last.to_owned());
            }
            let left = self
                .deadline
                .saturating_duration_since(std::time::Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(chunk) => self.seen.extend(chunk),
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return None,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    panic!("no prompt within the time limit:\n{}", self.text());
                }
            }
        }
    }

    /// Types `answer` and Enter. `secret`: the prompt turns echo off just after printing
    /// itself, so wait a moment as a person would before typing.
    pub fn answer(&mut self, answer: &str, secret: bool) {
        use std::io::Write as _;
        if secret {
            std::thread::sleep(std::time::Duration::from_millis(500));
        }
        self.mark = self.seen.len();
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(format!("{answer}\n").as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// Waits for the program to end; returns whether it succeeded and all it showed.
    pub fn finish(mut self) -> (std::process::ExitStatus, String) {
        while let Ok(chunk) = self.rx.recv_timeout(
            self.deadline
                .saturating_duration_since(std::time::Instant::now()),
        ) {
            self.seen.extend(chunk);
        }
        drop(self.stdin.take());
        let status = self.child.wait().unwrap();
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        (status, self.text())
    }
}
