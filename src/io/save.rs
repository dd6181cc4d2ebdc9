//! Whole-file writes, one path at a time: the writes to a path run in the
//! order they were asked for, one after the other, each into a temporary
//! file in the target's folder that is flushed to disk and then renamed over
//! the target. A reader, or the disk after a crash, sees the old file or the
//! new one, never a mix, and never an earlier write's text after a later
//! one's.

use std::collections::{HashMap, VecDeque};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use tokio::sync::oneshot;

/// The written byte count, or what went wrong.
pub(crate) type Written = io::Result<i64>;

/// One write waiting for its turn.
struct Job {
    bytes: Vec<u8>,
    done: oneshot::Sender<Written>,
}

/// The paths with writes queued or running, each with its waiting writes.
/// A path is present while one blocking thread drains its queue.
static QUEUES: Mutex<Option<HashMap<PathBuf, VecDeque<Job>>>> = Mutex::new(None);

fn queues() -> MutexGuard<'static, Option<HashMap<PathBuf, VecDeque<Job>>>> {
    // A panic while holding the lock cannot leave the map half-changed
    // (every change is one call), so a poisoned lock is still usable.
    QUEUES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Queues a write of `bytes` to `path` behind the writes to `path` asked
/// for before it (call it in call order: the queue's order is the order of
/// these calls). The receiver gets the result; dropping it before the
/// write started skips the write. Starts a blocking thread (see
/// [`crate::background::spawn_blocking`]) when no write to `path` is running.
pub(crate) fn queue_write(path: PathBuf, bytes: Vec<u8>) -> oneshot::Receiver<Written> {
    let (done, result) = oneshot::channel();
    let start = {
        let mut queues = queues();
        let queue = queues.get_or_insert_with(HashMap::new).entry(path.clone());
        let start = matches!(queue, std::collections::hash_map::Entry::Vacant(_));
        queue.or_default().push_back(Job { bytes, done });
        start
    };
    if start {
        let drain = Drain {
            path,
            finished: false,
        };
        // Not awaited: the results go through each job's channel. If the
        // work never runs (no runtime, or it shut down first), dropping
        // `drain` fails the queued jobs.
        crate::background::spawn_blocking(move || drain.run()).detach();
    }
    result
}

/// Drains one path's queue on a blocking thread.
struct Drain {
    path: PathBuf,
    finished: bool,
}

impl Drain {
    fn run(mut self) {
        loop {
            let job = {
                let mut queues = queues();
                let map = queues.get_or_insert_with(HashMap::new);
                let Some(queue) = map.get_mut(&self.path) else {
                    break;
                };
                match queue.pop_front() {
                    Some(job) => job,
                    None => {
                        map.remove(&self.path);
                        break;
                    }
                }
            };
            // A write whose caller gave up before it started is skipped.
            if job.done.is_closed() {
                continue;
            }
            let len = job.bytes.len() as i64;
            let result = replace_file(&self.path, &job.bytes).map(|()| len);
            let _ = job.done.send(result);
        }
        self.finished = true;
    }
}

impl Drop for Drain {
    /// When the drain did not finish (it never ran, or a write panicked),
    /// fails the writes still queued and lets the next write start a new
    /// drain: no write waits forever.
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let jobs = queues()
            .as_mut()
            .and_then(|map| map.remove(&self.path))
            .unwrap_or_default();
        for job in jobs {
            let _ = job.done.send(Err(io::Error::other(
                "the background runtime stopped before the write ran",
            )));
        }
    }
}

/// Numbers the temporary files of this process.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// Replaces the file at `path` (following a symbolic link, which stays)
/// with `bytes`: writes them to a new temporary file beside it, flushes it
/// to disk, gives it the old file's permissions and renames it over the
/// target. On failure the temporary file is removed and the target is as
/// it was.
pub(crate) fn replace_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut temp = TempFile::beside(path)?;
    temp.file().write_all(bytes)?;
    temp.commit()
}

/// A new file that replaces a target only when [`commit`](Self::commit)ted:
/// a temporary file in the target's folder (`.<name>.<pid>-<n>.tmp`),
/// removed when dropped uncommitted (a failed or cancelled write leaves
/// nothing, and the target as it was).
pub(crate) struct TempFile {
    file: File,
    temp: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl TempFile {
    /// Creates the temporary file for `path` (a symbolic link is followed:
    /// the file it points to is what gets replaced).
    pub(crate) fn beside(path: &Path) -> io::Result<TempFile> {
        let target = match fs::symlink_metadata(path) {
            Ok(meta) if meta.file_type().is_symlink() => fs::canonicalize(path)?,
            _ => path.to_path_buf(),
        };
        let name = target
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
        let n = NEXT_TEMP.fetch_add(1, Ordering::Relaxed);
        let mut temp_name = std::ffi::OsString::from(".");
        temp_name.push(name);
        temp_name.push(format!(".{}-{n}.tmp", std::process::id()));
        let temp = folder_of(&target).join(temp_name);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        Ok(TempFile {
            file,
            temp,
            target,
            committed: false,
        })
    }

    /// The temporary file, to write to.
    pub(crate) fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// Gives the file the target's permissions (if the target exists),
    /// flushes it to disk and renames it over the target. On failure the
    /// temporary file is removed.
    pub(crate) fn commit(mut self) -> io::Result<()> {
        if let Ok(meta) = fs::metadata(&self.target) {
            self.file.set_permissions(meta.permissions())?;
        }
        self.file.sync_all()?;
        fs::rename(&self.temp, &self.target)?;
        self.committed = true;
        // The rename itself reaches the disk with the folder's entry; best
        // effort (not every system can open a folder for this).
        if let Ok(folder) = File::open(folder_of(&self.target)) {
            let _ = folder.sync_all();
        }
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

fn folder_of(target: &Path) -> &Path {
    match target.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn folder(label: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "gdnative-tokio-save-{label}-{}",
            std::process::id()
        ));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("temporary folder");
        dir
    }

    /// The file names in `dir`, sorted (the HTTP download tests use it too).
    pub(crate) fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .expect("folder")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_the_file_and_leaves_no_temporary_file() {
        let dir = folder("replace");
        let path = dir.join("save.txt");
        replace_file(&path, b"old, longer text").expect("first write");
        replace_file(&path, b"new").expect("second write");
        assert_eq!(fs::read(&path).expect("read"), b"new");
        assert_eq!(names(&dir), ["save.txt"]);
        let _ = fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_failed_replace_leaves_the_target_and_no_temporary_file() {
        let dir = folder("fail");
        fs::create_dir_all(dir.join("taken")).expect("folder in the way");
        assert!(replace_file(&dir.join("taken"), b"x").is_err());
        assert_eq!(names(&dir), ["taken"]);
        let missing = replace_file(&dir.join("missing/x.txt"), b"x").expect_err("no folder");
        assert_eq!(missing.kind(), io::ErrorKind::NotFound);
        let _ = fs::remove_dir_all(&dir);
    }

    #[cfg(unix)]
    #[test]
    fn keeps_the_permissions_and_writes_through_a_symbolic_link() {
        use std::os::unix::fs::{symlink, PermissionsExt};
        let dir = folder("link");
        let real = dir.join("real.txt");
        replace_file(&real, b"one").expect("write");
        fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).expect("chmod");
        symlink(&real, dir.join("link.txt")).expect("symlink");
        replace_file(&dir.join("link.txt"), b"two").expect("write through the link");
        assert_eq!(fs::read(&real).expect("read"), b"two");
        let meta = fs::symlink_metadata(dir.join("link.txt")).expect("link");
        assert!(meta.file_type().is_symlink(), "the link stays a link");
        let mode = fs::metadata(&real).expect("real").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let _ = fs::remove_dir_all(&dir);
    }
}
