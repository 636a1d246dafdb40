//! The library is a client: its default build pulls in no server, no certificate generation and
//! no test support (those live in `wechatpay-sandbox`).

use std::process::Command;

/// `cargo tree -p wechatpay -e normal` with default features: `name features` per line.
fn default_tree() -> String {
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "-p",
            "wechatpay",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p} [{f}]",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The feature list of each line naming `package`.
fn features_of<'a>(tree: &'a str, package: &str) -> Vec<&'a str> {
    tree.lines()
        .filter(|line| line.starts_with(&format!("{package} v")))
        .filter_map(|line| {
            line.split_once('[')
                .map(|(_, rest)| rest.trim_end_matches([']', ' ', '(', '*', ')']))
        })
        .collect()
}

#[test]
fn the_default_build_has_no_server_and_no_certificate_generation() {
    let tree = default_tree();
    assert!(
        tree.lines().any(|l| l.starts_with("hyper v")),
        "the tree is read: {tree}"
    );
    for package in [
        "rcgen",
        "wechatpay-sandbox",
        "serde_path_to_error",
        "axum",
        "rsa",
    ] {
        assert!(
            !tree.lines().any(|l| l.starts_with(&format!("{package} v"))),
            "the default build pulls `{package}`:\n{tree}"
        );
    }
    for package in ["hyper", "hyper-util"] {
        let features = features_of(&tree, package);
        assert!(!features.is_empty(), "{package} is in the tree");
        for list in features {
            assert!(
                !list.split(',').any(|f| f.starts_with("server")),
                "{package} is built with a server feature: [{list}]"
            );
        }
    }
}

#[test]
fn tls_is_the_client_side_of_rustls_only() {
    // tokio-rustls is the async TLS stream hyper-rustls's client connector is built on; the
    // library itself names no server-side TLS crate.
    let manifest =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    let dependencies = manifest
        .split("[dependencies]")
        .nth(1)
        .and_then(|rest| rest.split("\n[").next())
        .unwrap();
    for name in ["tokio-rustls", "rcgen", "axum-server", "hyper-server"] {
        assert!(
            !dependencies
                .lines()
                .any(|l| l.trim_start().starts_with(name)),
            "the library depends on `{name}` directly"
        );
    }
    let tree = default_tree();
    assert!(
        tree.lines().any(|l| l.starts_with("hyper-rustls v")),
        "{tree}"
    );
}
