//! Generates the wire types from `proto/` with a pure-Rust protobuf compiler, so that building
//! Hearth needs no system `protoc`.

use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|x| x == "proto") {
            out.push(path);
        }
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../proto");
    let mut files = Vec::new();
    collect(&root, &mut files);
    // Relative to the package (cargo resolves them against the package being built): worktrees that
    // share one target dir would otherwise watch whichever checkout ran this script last.
    println!("cargo:rerun-if-changed=../proto");
    for f in &files {
        let rel = f.strip_prefix(&root).unwrap_or(f);
        println!("cargo:rerun-if-changed=../proto/{}", rel.display());
    }
    let fds = protox::compile(&files, [&root]).unwrap_or_else(|e| panic!("proto/: {e:?}"));
    prost_build::Config::new()
        .include_file("protos.rs")
        .compile_fds(fds)
        .expect("prost code generation");
}
