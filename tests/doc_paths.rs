//! Every path a comment, README or guide names exists: a moved file
//! leaves no pointer to where it used to be.
//!
//! Scanned: comment lines of the Rust sources (`src/`, `tests/`, `benches/`,
//! `testbed/`, `templates/` and the test servers), comment lines of `scripts/`, and
//! the Markdown under the repository root and `docs/` (CHANGELOG.md is
//! history and names removed files on purpose). A path is a word starting
//! with one of the repository's top folders; `res://` paths resolve in the
//! Godot project they belong to. Globs (`*`) and placeholders (`...`) are
//! skipped, and so are build outputs (what `.gitignore` lists from the
//! root, such as the addon's `bin` folder): they exist only after a build.
//! A GDScript suite named alone (`test_core.gd`) is looked for in
//! `godot-project/tests/`.

use std::fs;
use std::path::{Path, PathBuf};

const ROOTS: &[&str] = &[
    "src",
    "tests",
    "benches",
    "scripts",
    "testbed",
    "servers",
    "templates",
    "docs",
    "godot-project",
    ".ci",
];

/// The path-like words of `line` that start with one of [`ROOTS`], each
/// with whether it was written as a `res://` path.
fn named_paths(line: &str) -> Vec<(String, bool)> {
    let is_path_char = |c: char| c.is_ascii_alphanumeric() || "_./*-".contains(c);
    let mut found = Vec::new();
    for (start, _) in line.char_indices() {
        let rest = &line[start..];
        let before = line[..start].chars().next_back();
        let starts_word = !before.is_some_and(|c| is_path_char(c) || c == '/');
        // A GDScript suite named without its folder: `test_core.gd`.
        if starts_word && rest.starts_with("test_") {
            let end = rest.find(|c: char| !is_path_char(c)).unwrap_or(rest.len());
            let word = rest[..end].trim_end_matches(['.', '-']);
            if word.ends_with(".gd") && !word.contains('*') {
                found.push((format!("godot-project/tests/{word}"), false));
            }
            continue;
        }
        if !ROOTS
            .iter()
            .any(|root| rest.starts_with(&format!("{root}/")))
        {
            continue;
        }
        let res = line[..start].ends_with("res://");
        if !res && !starts_word {
            continue;
        }
        let end = rest.find(|c: char| !is_path_char(c)).unwrap_or(rest.len());
        let word = rest[..end].trim_end_matches(['.', '-', '/']);
        if word.contains('*') || word.contains("...") {
            continue;
        }
        found.push((word.to_string(), res));
    }
    found
}

/// Where a path named in `file` may live: the repository root, or the
/// Godot project (`godot-project/`, or a template's `godot/`) for
/// `res://` paths and project-relative ones.
fn candidates(root: &Path, file: &Path, word: &str, res: bool) -> Vec<PathBuf> {
    let project = match file.strip_prefix(root.join("templates/game")) {
        Ok(_) => root.join("templates/game/godot"),
        Err(_) => root.join("godot-project"),
    };
    if res {
        vec![project.join(word)]
    } else {
        vec![root.join(word), project.join(word)]
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// The lines of `file` that may name paths: comments of code, all of
/// Markdown.
fn prose_lines(file: &Path, text: &str) -> Vec<(usize, String)> {
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
    text.lines()
        .enumerate()
        .filter_map(|(i, line)| {
            let trimmed = line.trim_start();
            let keep = match ext {
                "rs" => trimmed.starts_with("//"),
                "sh" => trimmed.starts_with('#'),
                "md" => true,
                _ => false,
            };
            keep.then(|| (i + 1, line.to_string()))
        })
        .collect()
}

/// The root-anchored entries of `.gitignore` (`/target`, `/dist`...),
/// without their slashes: folders that builds make.
fn build_outputs(root: &Path) -> Vec<String> {
    let text = fs::read_to_string(root.join(".gitignore")).unwrap_or_default();
    text.lines()
        .filter_map(|line| line.trim().strip_prefix('/'))
        .map(|entry| entry.trim_end_matches('/').to_string())
        .filter(|entry| !entry.is_empty())
        .collect()
}

fn missing_paths(root: &Path) -> Vec<String> {
    let outputs = build_outputs(root);
    let is_output = |word: &str| {
        outputs.iter().any(|out| {
            word.strip_prefix(out.as_str())
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
    };
    let mut files = Vec::new();
    for dir in [
        "src",
        "tests",
        "benches",
        "testbed",
        "servers",
        "templates",
        "scripts",
        "docs",
    ] {
        walk(&root.join(dir), &mut files);
    }
    files.push(root.join("README.md"));
    let mut missing = Vec::new();
    for file in files {
        let Ok(text) = fs::read_to_string(&file) else {
            continue;
        };
        for (number, line) in prose_lines(&file, &text) {
            for (word, res) in named_paths(&line) {
                if is_output(&word) {
                    continue;
                }
                if !candidates(root, &file, &word, res)
                    .iter()
                    .any(|p| p.exists())
                {
                    // `/` on every system (Windows shows `\\`).
                    let shown = file
                        .strip_prefix(root)
                        .unwrap_or(&file)
                        .to_string_lossy()
                        .replace('\\', "/");
                    missing.push(format!("{shown}:{number}: `{word}` does not exist"));
                }
            }
        }
    }
    missing
}

#[test]
fn every_path_named_in_comments_and_docs_exists() {
    let missing = missing_paths(Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(missing.is_empty(), "stale paths:\n{}", missing.join("\n"));
}

#[test]
fn the_check_sees_a_stale_path() {
    let dir = std::env::temp_dir().join(format!("gdt-doc-paths-{}", std::process::id()));
    fs::create_dir_all(dir.join("src")).expect("scratch dir");
    fs::write(
        dir.join("src/here.rs"),
        "//! Moved to src/gone.rs; see src/here.rs; built into docs/out/x; test_gone.gd.\n",
    )
    .expect("scratch file");
    fs::write(dir.join(".gitignore"), "/docs/out/\n").expect("scratch file");
    let missing = missing_paths(&dir);
    fs::remove_dir_all(&dir).ok();
    assert_eq!(
        missing,
        [
            "src/here.rs:1: `src/gone.rs` does not exist",
            "src/here.rs:1: `godot-project/tests/test_gone.gd` does not exist"
        ]
    );
}

#[test]
fn res_paths_resolve_in_the_godot_project() {
    assert_eq!(
        named_paths("preload(\"res://tests/fuzz.gd\") and src/io/mod.rs."),
        [
            ("tests/fuzz.gd".to_string(), true),
            ("src/io/mod.rs".to_string(), false)
        ]
    );
    assert!(named_paths("see xsrc/a.rs and tests/background*.rs").is_empty());
}
