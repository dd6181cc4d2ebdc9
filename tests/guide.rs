//! The guide (`docs/guide`, an mdBook) holds together: its table of
//! contents lists every chapter and only existing ones, every relative link
//! of the guide, the README and the other `docs/` pages reaches a file (and a heading, for
//! `#anchor`s), and every chapter with ```` ```rust ```` blocks is compiled
//! as a doctest by `src/lib.rs`. `scripts/guide.sh` builds the book itself.

use std::fs;
use std::path::{Path, PathBuf};

const GUIDE_SRC: &str = "docs/guide/src";

/// The chapters under the guide's `src/`, relative to it, sorted.
fn chapters(root: &Path) -> Vec<String> {
    let dir = root.join(GUIDE_SRC);
    let mut found: Vec<String> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".md") && n != "SUMMARY.md")
        .collect();
    found.sort();
    found
}

/// The targets of the inline links `[text](target)` of `markdown`
/// (outside code blocks and code spans), with their line numbers.
fn links(markdown: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut in_code = false;
    for (i, line) in markdown.lines().enumerate() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            continue;
        }
        // Code spans hold no links.
        let prose: String = line
            .split('`')
            .enumerate()
            .map(|(k, part)| if k % 2 == 0 { part } else { "" })
            .collect();
        let mut rest = prose.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let Some(end) = after.find(')') else { break };
            found.push((i + 1, after[..end].to_string()));
            rest = &after[end..];
        }
    }
    found
}

/// The anchor mdBook gives a heading: lower case, spaces to dashes, only
/// letters, digits, `-` and `_` kept.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn anchors(markdown: &str) -> Vec<String> {
    markdown
        .lines()
        .filter_map(|l| l.strip_prefix('#'))
        .map(|l| slug(l.trim_start_matches('#')))
        .collect()
}

/// The relative links of `file` that reach no file or no heading.
fn broken_links(file: &Path) -> Vec<String> {
    let text =
        fs::read_to_string(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    let dir = file.parent().expect("a file has a folder");
    let mut broken = Vec::new();
    for (line, target) in links(&text) {
        if target.contains("://") || target.starts_with("mailto:") {
            continue;
        }
        let (path, anchor) = target.split_once('#').unwrap_or((&target, ""));
        let linked: PathBuf = if path.is_empty() {
            file.to_path_buf()
        } else {
            dir.join(path)
        };
        let shown = format!("{}:{line}: `{target}`", file.display());
        if !linked.exists() {
            broken.push(format!("{shown}: no such file"));
        } else if !anchor.is_empty() {
            let linked_text = fs::read_to_string(&linked).unwrap_or_default();
            if !anchors(&linked_text).iter().any(|a| a == anchor) {
                broken.push(format!("{shown}: no such heading"));
            }
        }
    }
    broken
}

/// What is wrong with the guide under `root`: chapters missing from or
/// unknown to SUMMARY.md, broken links, chapters whose Rust blocks are no
/// doctest.
fn guide_problems(root: &Path) -> Vec<String> {
    let src = root.join(GUIDE_SRC);
    let summary = fs::read_to_string(src.join("SUMMARY.md")).expect("SUMMARY.md");
    let listed: Vec<String> = links(&summary).into_iter().map(|(_, t)| t).collect();
    let mut problems = Vec::new();
    for chapter in chapters(root) {
        if !listed.contains(&chapter) {
            problems.push(format!("{chapter}: not in SUMMARY.md"));
        }
    }
    let mut files = vec![src.join("SUMMARY.md"), root.join("README.md")];
    // The pages beside the guide link into it.
    if let Ok(entries) = fs::read_dir(root.join("docs")) {
        let mut pages: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "md"))
            .collect();
        pages.sort();
        files.extend(pages);
    }
    files.extend(chapters(root).iter().map(|c| src.join(c)));
    for file in &files {
        problems.extend(broken_links(file));
    }
    let lib = fs::read_to_string(root.join("src/lib.rs")).expect("src/lib.rs");
    for chapter in chapters(root) {
        let text = fs::read_to_string(src.join(&chapter)).expect("a chapter");
        let has_rust = text.lines().any(|l| l.trim_start().starts_with("```rust"));
        let include = format!("include_str!(\"../{GUIDE_SRC}/{chapter}\")");
        if has_rust && !lib.contains(&include) {
            problems.push(format!(
                "{chapter}: has Rust blocks but src/lib.rs has no `{include}`"
            ));
        }
    }
    problems
}

#[test]
fn the_guide_holds_together() {
    let problems = guide_problems(Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_check_sees_each_kind_of_problem() {
    let dir = std::env::temp_dir().join(format!("gdt-guide-{}", std::process::id()));
    let src = dir.join(GUIDE_SRC);
    fs::create_dir_all(&src).expect("scratch dir");
    fs::create_dir_all(dir.join("src")).expect("scratch dir");
    fs::write(dir.join("src/lib.rs"), "").expect("scratch file");
    fs::write(
        dir.join("README.md"),
        "[ok](docs/guide/src/a.md#a-title) [gone](docs/guide/src/gone.md)\n",
    )
    .expect("scratch file");
    fs::write(src.join("SUMMARY.md"), "- [A](a.md)\n").expect("scratch file");
    fs::write(
        src.join("a.md"),
        "# A title\n[b](b.md#nowhere) `[not](a link)`\n```rust\nfn x() {}\n```\n",
    )
    .expect("scratch file");
    fs::write(src.join("b.md"), "# B\n").expect("scratch file");
    let problems = guide_problems(&dir);
    fs::remove_dir_all(&dir).ok();
    let shown = problems.join("\n");
    assert_eq!(problems.len(), 4, "{shown}");
    assert!(shown.contains("b.md: not in SUMMARY.md"), "{shown}");
    assert!(
        shown.contains("`docs/guide/src/gone.md`: no such file"),
        "{shown}"
    );
    assert!(shown.contains("`b.md#nowhere`: no such heading"), "{shown}");
    assert!(shown.contains("a.md: has Rust blocks"), "{shown}");
}

#[test]
fn slugs_are_mdbooks() {
    assert_eq!(
        slug(" Off the main thread: TCP "),
        "off-the-main-thread-tcp"
    );
    assert_eq!(slug("The `Async` toolkit"), "the-async-toolkit");
}
