//! `medsign cms verify` on hostile files (issue 16): refused by name, never read past
//! the limit, never a crash or a hang.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use std::time::Duration;

use common::medsign;

/// Appends a DER header.
fn header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

fn header_len(len: usize) -> usize {
    let mut v = Vec::new();
    header(&mut v, 0, len);
    v.len()
}

fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    header(&mut v, tag, value.len());
    v.extend_from_slice(value);
    v
}

/// A SignedData whose one SignerInfo carries counter-signatures nested `depth` deep
/// (structure only: nothing in it verifies), written front to back.
fn nested_counter_signatures(depth: usize) -> Vec<u8> {
    // version 3, subjectKeyIdentifier [0] 00, sha256, rsaEncryption, signature 00.
    let body: Vec<u8> = [
        &[0x02, 1, 3, 0x80, 1, 0][..],
        &[
            0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
        ],
        &[
            0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05,
            0x00,
        ],
        &[0x04, 1, 0],
    ]
    .concat();
    let oid = tlv(
        0x06,
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x06],
    );
    let mut plan = vec![(body.len(), None)];
    let mut total = header_len(body.len()) + body.len();
    for _ in 0..depth {
        let set = total;
        let attribute = oid.len() + header_len(set) + set;
        let unsigned = header_len(attribute) + attribute;
        let si = body.len() + header_len(unsigned) + unsigned;
        plan.push((si, Some((set, attribute, unsigned))));
        total = header_len(si) + si;
    }
    plan.reverse();
    let mut si = Vec::with_capacity(total);
    for (len, nested) in plan {
        header(&mut si, 0x30, len);
        si.extend_from_slice(&body);
        if let Some((set, attribute, unsigned)) = nested {
            header(&mut si, 0xa1, unsigned);
            header(&mut si, 0x30, attribute);
            si.extend_from_slice(&oid);
            header(&mut si, 0x31, set);
        }
    }
    let data = tlv(
        0x06,
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01],
    );
    let eci = tlv(0x30, &[data, tlv(0xa0, &tlv(0x04, b"x"))].concat());
    let sd = tlv(
        0x30,
        &[vec![0x02, 1, 1], tlv(0x31, &[]), eci, tlv(0x31, &si)].concat(),
    );
    let signed_data = tlv(
        0x06,
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02],
    );
    tlv(0x30, &[signed_data, tlv(0xa0, &sd)].concat())
}

#[test]
fn thirty_thousand_nested_counter_signatures_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let p7s = dir.path().join("nested.p7s");
    std::fs::write(&p7s, nested_counter_signatures(30_000)).unwrap();
    let out = medsign()
        .args(["cms", "verify", "--json"])
        .arg(&p7s)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["indication"], "INVALID");
    assert_eq!(report["limit"]["limit"], "der_depth");
    assert_eq!(report["signers"].as_array().map(Vec::len), Some(0));

    let out = medsign()
        .args(["cms", "verify"])
        .arg(&p7s)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Limits::der_depth"), "{text}");
}

#[test]
fn a_file_over_the_size_limit_is_refused_by_its_size_without_being_read() {
    let dir = tempfile::tempdir().unwrap();
    let p7s = dir.path().join("huge.p7s");
    // Sparse: 65 MiB by its metadata, no data written.
    std::fs::File::create(&p7s)
        .unwrap()
        .set_len(65 << 20)
        .unwrap();
    let out = medsign()
        .args(["cms", "verify", "--json"])
        .arg(&p7s)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["limit"]["limit"], "input_bytes");
    assert_eq!(report["limit"]["found"], 65 << 20);
    assert_eq!(report["limit"]["max"], 64 << 20);
}

#[cfg(unix)]
#[test]
fn a_fifo_and_a_link_to_dev_zero_are_refused_unopened() {
    let dir = tempfile::tempdir().unwrap();
    let zero = dir.path().join("zero.p7s");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let fifo = dir.path().join("fifo.p7s");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo (coreutils)");
    assert!(made.success());
    for (path, kind) in [(&zero, "character device"), (&fifo, "FIFO")] {
        let out = medsign()
            .args(["cms", "verify"])
            .arg(path)
            .timeout(Duration::from_secs(30))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(3), "{}", path.display());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(kind) && err.contains("--follow-special"),
            "{err}"
        );
    }
    // Followed on request, /dev/zero is read only up to one byte past the limit, and
    // that is refused by name.
    let out = medsign()
        .args(["cms", "verify", "--json", "--follow-special"])
        .arg(&zero)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["limit"]["limit"], "input_bytes");
    assert_eq!(report["limit"]["found"], (64 << 20) + 1);
}
