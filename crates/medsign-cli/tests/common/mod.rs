//! Helpers shared by the CLI's integration tests.

#![allow(dead_code, clippy::expect_used)]

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

/// A process's standard output as text.
pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A process's standard error as text.
pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
