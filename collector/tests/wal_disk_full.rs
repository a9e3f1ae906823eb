//! The log survives a full disk: while no write can succeed beacons get 503
//! `storage_unavailable` and `/readyz` 503; once space is freed the log accepts again without
//! a restart, `/readyz` goes back to 200 without any beacon having to try first, a restart
//! while the disk is full does not jam it either, and every acknowledged beacon lands once.
//!
//! The log lives on a small tmpfs that the test fills with a file of its own, so this test
//! needs root (as CI has); it fails, it does not skip, when it cannot mount.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use support::{beacon, query, wait_for, Collector, Gate};

/// A tmpfs mounted for one test, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(name: &str, bytes: u64) -> Tmpfs {
        let dir = std::env::temp_dir().join(format!("rum-it-tmpfs-{name}"));
        let _ = Command::new("umount").arg(&dir).status();
        std::fs::create_dir_all(&dir).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(&dir)
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            ok,
            "mounting a tmpfs at {} failed: this test needs root",
            dir.display()
        );
        Tmpfs(dir)
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Fills the file system of `dir` with the file `name`, until a write fails.
fn fill(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let mut f = std::fs::File::create(&path).unwrap();
    let chunk = vec![1u8; 4096];
    let mut written = 0u64;
    while f.write_all(&chunk).and_then(|_| f.flush()).is_ok() {
        written += chunk.len() as u64;
        assert!(written < 1 << 30, "the file system never filled");
    }
    path
}

/// Posts beacons `full…` and sorts the answers: acknowledged page views, and refusals with
/// their error code.
#[derive(Default)]
struct Sender {
    next: usize,
    acked: Vec<String>,
}

impl Sender {
    /// Posts one beacon; the status and, for a refusal, its error code.
    async fn post(&mut self, c: &Collector) -> (u16, String) {
        let pv = format!("full{:06}", self.next);
        self.next += 1;
        let (status, body) = c.post(&beacon(&pv)).await;
        if status == 204 {
            self.acked.push(pv);
        }
        (status, body)
    }

    /// Posts until one is refused with 503 `storage_unavailable` (the disk is full); panics
    /// after `max` acknowledged ones.
    async fn until_refused(&mut self, c: &Collector, max: usize) {
        for _ in 0..max {
            match self.post(c).await {
                (204, _) => {}
                (503, body) if body.contains("storage_unavailable") => return,
                (s, body) => panic!("unexpected answer {s} {body}"),
            }
        }
        panic!("the log never failed to write although its disk is full");
    }

    /// Posts `n` beacons and asserts that every one got `want`.
    async fn all(&mut self, c: &Collector, n: usize, want: u16) {
        for _ in 0..n {
            let (s, body) = self.post(c).await;
            assert_eq!(s, want, "{body}");
            if want == 503 {
                assert!(body.contains("storage_unavailable"), "{body}");
            }
        }
    }
}

async fn readyz(c: &Collector) -> u16 {
    reqwest::get(format!("{}/readyz", c.url))
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Polls `/readyz` (nothing else: no beacon tries a write meanwhile) until it answers 200;
/// panics after 10 s.
async fn ready_again(c: &Collector) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while readyz(c).await != 200 {
        assert!(
            Instant::now() < deadline,
            "/readyz still 503 10 s after the disk has room again"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_full_disk_refuses_beacons_until_space_is_freed_then_nothing_is_lost() {
    let db = support::fresh_database("diskfull");
    let disk = Tmpfs::mount(&db, 2 << 20);
    let wal = disk.0.join("wal");
    let gate = Gate::new();
    gate.open().await;
    let env = [
        ("CLICKHOUSE_URL", gate.url()),
        ("RUM__WAL__SEGMENT_BYTES", "65536".to_string()),
    ];
    let c = Collector::start_with(&db, &wal, &env).await;
    let mut s = Sender::default();
    s.all(&c, 20, 204).await;

    // ClickHouse away, so the log only grows; then the disk fills.
    gate.close().await;
    let filler = fill(&disk.0, "filler");
    s.until_refused(&c, 5000).await;
    s.all(&c, 20, 503).await;
    assert_eq!(readyz(&c).await, 503, "not ready while the disk is full");

    // Room again: ready and accepting without a restart.
    std::fs::remove_file(filler).unwrap();
    ready_again(&c).await;
    s.all(&c, 20, 204).await;

    // A restart while the disk is full does not jam the log either.
    let filler = fill(&disk.0, "filler");
    s.until_refused(&c, 5000).await;
    c.crash();
    let c = Collector::start_with(&db, &wal, &env).await;
    s.until_refused(&c, 5000).await;
    s.all(&c, 20, 503).await;
    std::fs::remove_file(filler).unwrap();
    ready_again(&c).await;
    s.all(&c, 20, 204).await;

    // Everything acknowledged lands, once each.
    gate.open().await;
    let n = s.acked.len().to_string();
    let landed = wait_for(
        &format!(
            "SELECT count(), uniqExact(page_view_id) FROM {db}.page_views \
             WHERE page_view_id LIKE 'full%' AND page_view_id IN ('{}') FORMAT TSV",
            s.acked.join("','")
        ),
        &format!("{n}\t{n}"),
    )
    .await;
    assert_eq!(
        landed,
        format!("{n}\t{n}"),
        "every acknowledged beacon in ClickHouse, once"
    );
    let all = query(&format!(
        "SELECT count() = uniqExact(page_view_id) FROM {db}.page_views FORMAT TSV"
    ))
    .await;
    assert_eq!(all.trim(), "1", "no beacon inserted twice");
    drop(c);
    query(&format!("DROP DATABASE {db}")).await;
}
