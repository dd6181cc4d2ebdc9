//! Documentation that is tested: every GDScript block (```` ```gdscript ````)
//! of the README, the `docs/` pages (the guide's chapters, docs/guide/src,
//! included), the addon's README and the crate's doc comments runs as
//! written in headless Godot (`tests/snippets/`), and fails on a parse
//! error, a script error, a hang or an engine message the block does not
//! declare. (The Rust blocks are doctests: see `lib.rs`.)
//!
//! How a block becomes a script: it extends `tests/snippets/fixture.gd`
//! (which provides what snippets name: `$AsyncExecutorDriver`, `$Button`,
//! `$Door`, `my_coroutine()`, `_on_progress`) and gets the members `demo`
//! (the testbed's `AsyncDemo`) and `state` unless it declares them. A block with `func`s is a
//! script body whose `_ready` the runner calls; any other block is the body
//! of one function. HTML comments directly above a block's fence, hidden
//! when the Markdown is shown, say more:
//! - `<!-- snippet: parse-only (why) -->`: the block is only parsed (it
//!   cannot run on its own; the comment says why);
//! - `<!-- snippet: expect-log <text> -->`: running it prints an engine
//!   message containing `<text>`, on purpose.

mod common;

use std::path::{Path, PathBuf};

use common::{assert_clean, run_godot_with_servers, temp_dir};

/// One documented GDScript block, ready to run.
#[derive(Debug)]
struct Snippet {
    /// `file:line` of the block's fence.
    name: String,
    /// The generated script.
    source: String,
    parse_only: bool,
    expect_log: Vec<String>,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The Markdown files and Rust sources whose GDScript blocks are checked.
fn documented_files() -> Vec<PathBuf> {
    let mut files = vec![
        root().join("README.md"),
        root().join("godot-project/addons/gdnative_tokio/README.md"),
    ];
    for dir in ["docs", "src"] {
        collect(&root().join(dir), &mut files);
    }
    files
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect(&path, files);
        } else if path.extension().is_some_and(|e| e == "md" || e == "rs") {
            files.push(path);
        }
    }
}

/// A file's text as Markdown: doc comments (`//!`, `///`) for Rust sources.
fn markdown_of(path: &Path) -> String {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    if path.extension().is_some_and(|e| e == "md") {
        return text;
    }
    text.lines()
        .map(|l| {
            let l = l.trim_start();
            let doc = l.strip_prefix("//!").or_else(|| l.strip_prefix("///"));
            doc.map_or("", |d| d.strip_prefix(' ').unwrap_or(d))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The GDScript blocks of `markdown`, named `label:line`.
fn snippets_in(label: &str, markdown: &str) -> Vec<Snippet> {
    let lines: Vec<&str> = markdown.lines().collect();
    let mut snippets = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim() != "```gdscript" {
            i += 1;
            continue;
        }
        let mut parse_only = false;
        let mut expect_log = Vec::new();
        for above in lines[..i].iter().rev() {
            let Some(note) = above
                .trim()
                .strip_prefix("<!-- snippet: ")
                .and_then(|n| n.strip_suffix(" -->"))
            else {
                break;
            };
            if let Some(text) = note.strip_prefix("expect-log ") {
                expect_log.push(text.to_owned());
            } else if note.starts_with("parse-only") {
                parse_only = true;
            } else {
                panic!("{label}:{}: unknown snippet note `{note}`", i + 1);
            }
        }
        let start = i + 1;
        let end = (start..lines.len())
            .find(|&j| lines[j].trim() == "```")
            .unwrap_or_else(|| panic!("{label}:{}: unclosed gdscript block", i + 1));
        // A block inside a list item is indented like its fence.
        let fence_indent = lines[i].len() - lines[i].trim_start().len();
        let block: Vec<&str> = lines[start..end]
            .iter()
            .map(|l| l.get(fence_indent..).unwrap_or("").trim_end())
            .collect();
        snippets.push(Snippet {
            name: format!("{label}:{}", i + 1),
            source: script_for(&block),
            parse_only,
            expect_log,
        });
        i = end + 1;
    }
    snippets
}

/// The script that runs `block`: a script body whose `_ready` becomes
/// `_snippet_main`, or a block of statements that becomes its body.
fn script_for(block: &[&str]) -> String {
    let mut script = String::from("extends \"res://tests/snippets/fixture.gd\"\n\n");
    // Members snippets use without declaring them (a snippet that declares
    // one keeps its own).
    for (name, member) in [
        (
            "demo",
            "var demo = preload(\"res://testbed/async_demo.gdns\").new()",
        ),
        ("state", "var state = {\"level\": 3, \"name\": \"player\"}"),
    ] {
        let declared = block.iter().any(|l| {
            let l = l.trim_start();
            l.starts_with(&format!("var {name} ")) || l.starts_with(&format!("const {name} "))
        });
        if !declared {
            script += member;
            script += "\n";
        }
    }
    script += "\n";
    let is_body = block.iter().any(|l| l.starts_with("func "));
    if is_body {
        for line in block.iter().filter(|l| !l.starts_with("extends ")) {
            script += &line.replace("func _ready(", "func _snippet_main(");
            script += "\n";
        }
        if !block.iter().any(|l| l.starts_with("func _ready(")) {
            script += "\nfunc _snippet_main():\n\tpass\n";
        }
        return script;
    }
    let indent = if block.iter().any(|l| l.starts_with(' ')) {
        "    "
    } else {
        "\t"
    };
    script += "func _snippet_main():\n";
    for line in block {
        script += indent;
        script += line;
        script += "\n";
    }
    script += indent;
    script += "pass\n";
    script
}

/// `text` as a JSON string.
fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out += "\\\"",
            '\\' => out += "\\\\",
            '\n' => out += "\\n",
            '\t' => out += "\\t",
            c if (c as u32) < 0x20 => out += &format!("\\u{:04x}", c as u32),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn to_json(snippets: &[Snippet]) -> String {
    let items: Vec<String> = snippets
        .iter()
        .map(|s| {
            let logs: Vec<String> = s.expect_log.iter().map(|t| json_string(t)).collect();
            format!(
                "{{\"name\": {}, \"source\": {}, \"parse_only\": {}, \"expect_log\": [{}]}}",
                json_string(&s.name),
                json_string(&s.source),
                s.parse_only,
                logs.join(", ")
            )
        })
        .collect();
    format!("[\n{}\n]\n", items.join(",\n"))
}

fn all_snippets() -> Vec<Snippet> {
    documented_files()
        .iter()
        .flat_map(|path| {
            let label = path
                .strip_prefix(root())
                .unwrap_or(path)
                .display()
                .to_string();
            snippets_in(&label, &markdown_of(path))
        })
        .collect()
}

#[test]
fn documented_gdscript_runs_as_written() {
    let snippets = all_snippets();
    // 19 before the guide moved most of the README into docs/guide; a
    // move that drops blocks (a folder no longer scanned) fails here.
    assert!(snippets.len() >= 20, "found only {snippets:#?}");
    let from_guide = snippets
        .iter()
        .filter(|s| s.name.starts_with("docs/guide/src/"))
        .count();
    assert!(from_guide >= 9, "the guide's blocks: {from_guide}");
    println!(
        "snippets: {} found, {from_guide} of them in the guide",
        snippets.len()
    );
    let dir = temp_dir("snippets");
    let file = dir.join("snippets.json");
    std::fs::write(&file, to_json(&snippets)).expect("cannot write the snippet list");
    let file = file.to_string_lossy().into_owned();
    let run = run_godot_with_servers(
        &["res://tests/snippets/snippets.tscn"],
        &[("SNIPPETS_FILE", file.as_str())],
    );
    let summary = format!("snippets: {} run, 0 failed", snippets.len());
    assert!(
        run.output.lines().any(|l| l == summary),
        "wanted `{summary}`:\n{}",
        run.output
    );
    assert_clean(&run);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn snippets_are_found_with_their_notes() {
    let md = "text\n<!-- snippet: parse-only (needs a window) -->\n\
              <!-- snippet: expect-log boom -->\n```gdscript\nvar a = 1\n```\n\
              ```gdscript\nfunc _ready():\n\tpass\n```\n```rust\nfn x() {}\n```\n";
    let found = snippets_in("x.md", md);
    assert_eq!(found.len(), 2, "{found:#?}");
    assert_eq!(found[0].name, "x.md:4");
    assert!(found[0].parse_only);
    assert_eq!(found[0].expect_log, ["boom"]);
    assert!(found[0]
        .source
        .contains("func _snippet_main():\n\tvar a = 1\n\tpass\n"));
    assert!(!found[1].parse_only && found[1].expect_log.is_empty());
    assert!(found[1].source.contains("func _snippet_main():\n\tpass"));
    assert!(found[1]
        .source
        .starts_with("extends \"res://tests/snippets/fixture.gd\""));
    let spaces = script_for(&["if x:", "    y()"]);
    assert!(
        spaces.contains("\n    if x:\n        y()\n    pass\n"),
        "{spaces}"
    );
    assert_eq!(json_string("a\"b\\\n\t"), r#""a\"b\\\n\t""#);
    let doc = markdown_of(&root().join("src/lib.rs"));
    assert!(
        doc.contains("```gdscript"),
        "lib.rs's doc comments hold GDScript"
    );
}
