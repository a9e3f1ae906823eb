//! Configuration: one TOML file, every key optional with a documented default, and
//! environment overrides (`RUM__SECTION__KEY=value`, plus `CLICKHOUSE_URL`).
//! The annotated reference is `collector/collector.example.toml`.

use serde::Deserialize;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Why a configuration could not be loaded.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML is malformed or has an unknown key or a wrong type.
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// An environment override could not be applied.
    #[error("environment variable {var}: {message}")]
    Env {
        /// The variable.
        var: String,
        /// What is wrong.
        message: String,
    },
    /// Values are individually fine but make no sense together.
    #[error("{0}")]
    Invalid(String),
}

/// The whole configuration.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// HTTP server.
    pub server: ServerConfig,
    /// ClickHouse connection.
    pub clickhouse: ClickHouseConfig,
    /// Batching of inserts.
    pub batch: BatchConfig,
    /// Write-ahead log.
    pub wal: WalConfig,
    /// Per-client-IP rate limit.
    pub rate_limit: RateLimitConfig,
    /// Scaling signals.
    pub signals: SignalsConfig,
    /// The built-in dashboard and its report API.
    pub dashboard: DashboardConfig,
    /// Geo enrichment.
    pub geoip: GeoIpConfig,
    /// User-agent enrichment.
    pub user_agent: UserAgentConfig,
    /// Logging.
    pub log: LogConfig,
    /// The canary verdict (`/v1/verdict`).
    pub verdict: VerdictConfig,
    /// Sites allowed to send beacons. Empty: any well-formed site key from any origin
    /// (development only; `check-config` warns).
    pub sites: Vec<SiteConfig>,
}

/// HTTP server settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: String,
    /// Worker threads; 0 means one per core.
    pub workers: usize,
    /// Directory holding the built agent (`rum.js`, `rum_agent_bg.wasm`).
    pub agent_dir: PathBuf,
    /// Largest request body accepted on the wire (compressed), bytes.
    pub max_body_bytes: usize,
    /// Largest body after gzip inflation, bytes; inflation stops there.
    pub max_inflated_bytes: usize,
    /// Most beacons in one array body.
    pub max_batch: usize,
    /// Peers whose `X-Forwarded-For` / `Forwarded` headers are believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// Lowest sample rate a beacon may declare, in (0, 1]: a page view weighs at most its
    /// inverse in reports and signals. Lower declared rates are raised to it and counted.
    /// A site's `min_sample` overrides it.
    pub min_sample_rate: f64,
    /// The whole body must arrive within this many milliseconds of its headers (else 408
    /// and the connection is closed).
    pub body_timeout_ms: u64,
    /// Bytes per second a body must average after a 2 s grace (else 408); 0: no minimum.
    pub body_min_bytes_per_second: u32,
    /// Body bytes that bodies being waited for (not all there with their headers) may hold at
    /// once, reserved from `Content-Length` (`max_body_bytes` without one); beyond it such
    /// bodies get 503. Beacons arrive with their headers and never count.
    pub max_buffered_body_bytes: usize,
    /// Bodies being waited for that one client IP may have at once (beyond: 429); 0: no cap.
    pub max_uploads_per_ip: u32,
    /// Open connections (idle, in headers or in a body) one client IP may hold at once;
    /// beyond it a new connection is closed as soon as it is accepted. Connections from
    /// `trusted_proxies` are not capped. 0: no cap.
    pub max_connections_per_ip: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:8080".into(),
            workers: 0,
            agent_dir: PathBuf::from("agent/dist"),
            max_body_bytes: 64 * 1024,
            max_inflated_bytes: 256 * 1024,
            max_batch: 500,
            trusted_proxies: Vec::new(),
            min_sample_rate: 0.01,
            body_timeout_ms: 10_000,
            body_min_bytes_per_second: 1024,
            max_buffered_body_bytes: 64 * 1024 * 1024,
            max_uploads_per_ip: 32,
            max_connections_per_ip: 256,
        }
    }
}

/// ClickHouse connection settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClickHouseConfig {
    /// HTTP URL of the server.
    pub url: String,
    /// Database holding the tables.
    pub database: String,
    /// User name.
    pub user: String,
    /// Password.
    pub password: String,
    /// Days rows are kept (TTL, on servers that have it: 20.1 and later).
    pub retention_days: u32,
    /// Cluster name (`remote_servers`) when the tables are Distributed over a cluster
    /// (`collector migrate --cluster`); empty for one server.
    pub cluster: String,
    /// Seconds after which a migration lock is taken to belong to a migrator that died
    /// (longer than the slowest migration: 0007 copies the rollups).
    pub migration_lock_stale_secs: u64,
}

impl Default for ClickHouseConfig {
    fn default() -> Self {
        ClickHouseConfig {
            url: "http://127.0.0.1:8123".into(),
            database: "rum".into(),
            user: "default".into(),
            password: String::new(),
            retention_days: 400,
            cluster: String::new(),
            migration_lock_stale_secs: 600,
        }
    }
}

/// Insert batching.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BatchConfig {
    /// Flush when this many rows are waiting.
    pub max_rows: usize,
    /// Flush when the oldest waiting row is this old, milliseconds.
    pub max_age_ms: u64,
    /// First retry delay after a failed insert, milliseconds (doubles up to `retry_max_ms`).
    pub retry_initial_ms: u64,
    /// Longest retry delay, milliseconds: how soon after ClickHouse is back the backlog
    /// starts draining. One small insert attempt per interval costs nothing.
    pub retry_max_ms: u64,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            max_rows: 20_000,
            max_age_ms: 1000,
            retry_initial_ms: 200,
            retry_max_ms: 5000,
        }
    }
}

/// Scaling signals (`/v1/signals`, `/metrics`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignalsConfig {
    /// How often the signals are recomputed from the ClickHouse rollup, milliseconds.
    pub refresh_ms: u64,
}

impl Default for SignalsConfig {
    fn default() -> Self {
        SignalsConfig { refresh_ms: 5000 }
    }
}

/// The dashboard (`/dashboard`) and the report API (`/v1/reports`) behind it. Both need HTTP
/// basic auth with `user`/`password`, or `Authorization: Bearer <password>`; the beacon
/// endpoint stays open.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DashboardConfig {
    /// User name for basic auth.
    pub user: String,
    /// Password (also accepted as a bearer token); empty turns the dashboard and the report
    /// API off (404).
    pub password: String,
    /// Report queries run at once against ClickHouse; more wait, then get 503.
    pub max_concurrent_queries: usize,
    /// Wrong passwords a client IP may try per minute (also the burst); past that its
    /// requests get 429 until the minute refills. 0: no limit.
    pub max_failed_logins_per_minute: f64,
}

impl Default for DashboardConfig {
    fn default() -> Self {
        DashboardConfig {
            user: "rum".into(),
            password: String::new(),
            max_concurrent_queries: 4,
            max_failed_logins_per_minute: 10.0,
        }
    }
}

/// The canary verdict (`/v1/verdict`, `collector report compare`): a Mann-Whitney U test per
/// metric between a baseline and a canary release, as Kayenta's judge does.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VerdictConfig {
    /// Largest relative increase of a metric's Hodges-Lehmann shift (over the baseline's
    /// median) that still passes, e.g. 0.10 for +10 %.
    pub allowed_increase: f64,
    /// Confidence a difference needs before it fails the verdict, in (0.5, 1).
    pub confidence: f64,
    /// Page views each side needs per metric; fewer: `nodata`, and no pass.
    pub min_sample: u64,
    /// Metrics whose decrease fails too (Kayenta's direction "either"); the others fail only
    /// when the canary is worse (higher).
    pub either_direction: Vec<String>,
    /// Bearer token for `/v1/verdict` besides the dashboard's credentials (for rollout
    /// controllers that should not see the dashboard); empty: none.
    pub token: String,
}

impl Default for VerdictConfig {
    fn default() -> Self {
        VerdictConfig {
            allowed_increase: 0.10,
            confidence: 0.98,
            min_sample: 100,
            either_direction: Vec::new(),
            token: String::new(),
        }
    }
}

/// Rate limit per client IP (token bucket), against floods from one address.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitConfig {
    /// Beacons per second per client IP (each beacon of an array counts); 0 turns the limit
    /// off. Shoppers send about one beacon per page view, so 20 is generous even behind a
    /// shared NAT.
    pub per_ip_per_second: f64,
    /// Beacons a client IP may send in a burst before the rate applies.
    pub per_ip_burst: f64,
}

/// Write-ahead log: accepted beacons wait here, on local disk, until ClickHouse has them.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WalConfig {
    /// Directory of the log segments (created if missing). One collector per directory.
    pub dir: PathBuf,
    /// Acknowledge a beacon only after fsync (true), or as soon as the OS has the write
    /// (false: faster, but a power loss can lose the last moments).
    pub fsync: bool,
    /// Group commit: after the first waiting beacon, wait this long (µs) for more to share
    /// the write and fsync. 0 still groups whatever queued during the previous fsync.
    pub commit_delay_us: u64,
    /// Size at which a new segment file is started, bytes (with fsync on, segment files are
    /// zero-filled to this size ahead of use).
    pub segment_bytes: u64,
    /// Disk cap, bytes: beyond it new beacons get 503 with Retry-After; nothing accepted is
    /// dropped.
    pub max_disk_bytes: u64,
}

impl Default for WalConfig {
    fn default() -> Self {
        WalConfig {
            dir: PathBuf::from("wal"),
            fsync: true,
            commit_delay_us: 0,
            segment_bytes: 16 * 1024 * 1024,
            max_disk_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// Geo enrichment.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct GeoIpConfig {
    /// Path of a MaxMind-format database (GeoLite2-City or compatible); empty disables geo.
    pub path: PathBuf,
}

/// User-agent enrichment.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UserAgentConfig {
    /// Parsed user agents kept in memory (a few hundred bytes each, with the key); a site's
    /// user agents repeat, and parsing is the costliest step of enrichment.
    pub cache_entries: usize,
}

impl Default for UserAgentConfig {
    fn default() -> Self {
        UserAgentConfig {
            cache_entries: 10_000,
        }
    }
}

/// Logging.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `human` or `json`.
    pub format: String,
    /// A `tracing` filter such as `info` or `rum_collector=debug,info`.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: "human".into(),
            level: "info".into(),
        }
    }
}

/// One site that may send beacons.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// The key the tag carries in `data-site`.
    pub key: String,
    /// Origins (`scheme://host[:port]`) allowed to send for this site; `*` allows any.
    #[serde(default)]
    pub origins: Vec<String>,
    /// Share of page views kept, in (0, 1]; the rest are answered 204 and not stored. Chosen
    /// by page-view id, so every beacon of a page view shares the fate; reports re-weight.
    #[serde(default = "one")]
    pub sample: f64,
    /// Lowest sample rate this site's beacons may declare (`data-sample`); default
    /// `server.min_sample_rate`.
    #[serde(default)]
    pub min_sample: Option<f64>,
    /// Most beacons per second for this site (burst: two seconds' worth); 0 = no limit.
    #[serde(default)]
    pub max_beacons_per_second: f64,
    /// Page groups whose scaling signals are exported on `/metrics` besides the all-groups
    /// series (Prometheus label sets stay bounded; `/v1/signals` answers any group).
    #[serde(default)]
    pub groups: Vec<String>,
    /// Release recorded for page views that name none (`data-release`); empty: none.
    #[serde(default)]
    pub release: String,
    /// URL-path rules naming the page group of a beacon that names none (neither
    /// `data-page-group` nor `rum.push(['group', ...])`); the first matching rule wins.
    #[serde(default)]
    pub page_groups: Vec<PageGroupRule>,
}

/// One `page_groups` rule: page views whose URL path matches `path` belong to `group`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PageGroupRule {
    /// A path starting with `/`; `*` matches any run of characters, `/` included.
    pub path: String,
    /// The group, as a beacon's `group` would name it.
    pub group: String,
}

fn one() -> f64 {
    1.0
}

impl Config {
    /// The lowest sample rate a page view of `site` weighs by in reports: the floor raised
    /// at ingest (the site's `min_sample`, else `server.min_sample_rate`), times the site's
    /// own server-side `sample`.
    pub fn weight_floor(&self, site: &str) -> f64 {
        let server = self.server.min_sample_rate;
        self.sites
            .iter()
            .find(|s| s.key == site)
            .map_or(server, |s| s.min_sample.unwrap_or(server) * s.sample)
    }

    /// Reads a file (or the defaults when `path` is `None`) and applies environment overrides.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let text = match path {
            Some(p) => std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                path: p.into(),
                source,
            })?,
            None => String::new(),
        };
        let label = path.unwrap_or(Path::new("<defaults>"));
        Self::parse(&text, label, std::env::vars())
    }

    /// Parses TOML text and applies overrides from `env` (name, value) pairs.
    pub fn parse(
        text: &str,
        label: &Path,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let parse_err = |e: toml::de::Error| {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
            ConfigError::Parse {
                path: label.into(),
                line,
                column,
                message: e.message().to_string(),
            }
        };
        let mut doc: toml::Table = toml::from_str(text).map_err(parse_err)?;
        for (var, value) in env {
            apply_env(&mut doc, &var, &value)?;
        }
        // Reserialize so serde reports unknown keys and wrong types against the merged document.
        let merged = toml::to_string(&doc).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        let cfg: Config = toml::from_str(&merged).map_err(|e| {
            let err = toml::from_str::<Config>(text).err().unwrap_or(e);
            parse_err(err)
        })?;
        cfg.check()?;
        Ok(cfg)
    }

    fn check(&self) -> Result<(), ConfigError> {
        if self.batch.max_rows == 0 {
            return Err(ConfigError::Invalid(
                "batch.max_rows must be at least 1".into(),
            ));
        }
        if !matches!(self.log.format.as_str(), "human" | "json") {
            return Err(ConfigError::Invalid(
                "log.format must be \"human\" or \"json\"".into(),
            ));
        }
        if self.server.max_inflated_bytes < self.server.max_body_bytes {
            return Err(ConfigError::Invalid(
                "server.max_inflated_bytes must be >= server.max_body_bytes".into(),
            ));
        }
        if self.server.body_timeout_ms == 0 {
            return Err(ConfigError::Invalid(
                "server.body_timeout_ms must be at least 1".into(),
            ));
        }
        if self.server.max_buffered_body_bytes < self.server.max_body_bytes {
            return Err(ConfigError::Invalid(
                "server.max_buffered_body_bytes must be >= server.max_body_bytes".into(),
            ));
        }
        if self.wal.segment_bytes == 0 || self.wal.max_disk_bytes == 0 {
            return Err(ConfigError::Invalid(
                "wal.segment_bytes and wal.max_disk_bytes must be positive".into(),
            ));
        }
        // At 0 every lock would count as stale, and two migrators would run at once.
        if self.clickhouse.migration_lock_stale_secs == 0 {
            return Err(ConfigError::Invalid(
                "clickhouse.migration_lock_stale_secs must be at least 1".into(),
            ));
        }
        let v = &self.verdict;
        if !(v.allowed_increase >= 0.0 && v.confidence > 0.5 && v.confidence < 1.0) {
            return Err(ConfigError::Invalid(
                "verdict.allowed_increase must be >= 0 and verdict.confidence in (0.5, 1)".into(),
            ));
        }
        if let Some(m) = v
            .either_direction
            .iter()
            .find(|m| crate::verdict::Metric::from_name(m).is_none())
        {
            return Err(ConfigError::Invalid(format!(
                "verdict.either_direction: unknown metric {m:?} (ttfb, fcp, lcp, inp, cls)"
            )));
        }
        if self.dashboard.max_concurrent_queries == 0 {
            return Err(ConfigError::Invalid(
                "dashboard.max_concurrent_queries must be at least 1".into(),
            ));
        }
        let rates = self.sites.iter().filter_map(|s| s.min_sample);
        if std::iter::once(self.server.min_sample_rate)
            .chain(rates)
            .any(|r| !(r > 0.0 && r <= 1.0))
        {
            return Err(ConfigError::Invalid(
                "server.min_sample_rate and sites.min_sample must be in (0, 1]".into(),
            ));
        }
        for s in &self.sites {
            if s.key.is_empty() {
                return Err(ConfigError::Invalid(
                    "a [[sites]] entry has an empty key".into(),
                ));
            }
            if !(s.release.is_empty() || rum_beacon::F::Release.accepts(&s.release)) {
                return Err(ConfigError::Invalid(format!(
                    "sites.{}.release: at most 64 bytes, no control characters",
                    s.key
                )));
            }
            if !(s.sample > 0.0 && s.sample <= 1.0) {
                return Err(ConfigError::Invalid(format!(
                    "sites.{}.sample must be in (0, 1]",
                    s.key
                )));
            }
            for r in &s.page_groups {
                if !r.path.starts_with('/') && !r.path.starts_with('*') {
                    return Err(ConfigError::Invalid(format!(
                        "sites.{}.page_groups: path {:?} must start with / or *",
                        s.key, r.path
                    )));
                }
                // The group must be one a beacon could have sent: same length and characters.
                if r.group.is_empty() || !rum_beacon::F::Group.accepts(&r.group) {
                    return Err(ConfigError::Invalid(format!(
                        "sites.{}.page_groups: group {:?} is not a valid page group",
                        s.key, r.group
                    )));
                }
            }
        }
        Ok(())
    }

    /// Warnings worth printing by `check-config` and at start-up.
    pub fn warnings(&self) -> Vec<String> {
        let mut w = Vec::new();
        if self.sites.is_empty() {
            w.push("no [[sites]] configured: any site key from any origin is accepted".into());
        }
        if self.geoip.path.as_os_str().is_empty() {
            w.push("geoip.path is empty: beacons are stored without geography".into());
        }
        if self.dashboard.password.is_empty() {
            w.push("dashboard.password is empty: /dashboard and /v1/reports are off".into());
        } else if self.dashboard.password.len() < 12 {
            w.push("dashboard.password is shorter than 12 characters".into());
        }
        w
    }
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

/// `RUM__CLICKHOUSE__URL=...` sets `clickhouse.url`; `CLICKHOUSE_URL` is a shorthand for it.
/// Values are parsed as TOML when they parse (numbers, booleans, arrays), else taken as strings.
fn apply_env(doc: &mut toml::Table, var: &str, value: &str) -> Result<(), ConfigError> {
    let path: Vec<String> = if var == "CLICKHOUSE_URL" {
        vec!["clickhouse".into(), "url".into()]
    } else if let Some(rest) = var.strip_prefix("RUM__") {
        rest.split("__").map(str::to_ascii_lowercase).collect()
    } else {
        return Ok(());
    };
    if path.len() != 2 || path.iter().any(String::is_empty) {
        return Err(ConfigError::Env {
            var: var.into(),
            message: "expected RUM__SECTION__KEY".into(),
        });
    }
    let parsed = toml::from_str::<toml::Table>(&format!("v = {value}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(value.into()));
    let section = doc
        .entry(path[0].clone())
        .or_insert_with(|| toml::Value::Table(Default::default()));
    match section {
        toml::Value::Table(t) => {
            t.insert(path[1].clone(), parsed);
            Ok(())
        }
        _ => Err(ConfigError::Env {
            var: var.into(),
            message: "not a section".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string()));
        Config::parse(text, Path::new("t.toml"), env)
    }

    #[test]
    fn defaults_without_a_file() {
        let c = parse("", &[]).unwrap();
        assert_eq!(c.server.listen, "127.0.0.1:8080");
        assert_eq!(c.clickhouse.database, "rum");
        assert_eq!(c.batch.max_rows, 20_000);
    }

    #[test]
    fn env_overrides_file() {
        let c = parse(
            "[clickhouse]\nurl = \"http://a:1\"\n[batch]\nmax_rows = 5\n",
            &[
                ("CLICKHOUSE_URL", "http://b:2"),
                ("RUM__BATCH__MAX_AGE_MS", "250"),
                ("PATH", "/x"),
            ],
        )
        .unwrap();
        assert_eq!(c.clickhouse.url, "http://b:2");
        assert_eq!(c.batch.max_rows, 5);
        assert_eq!(c.batch.max_age_ms, 250);
    }

    #[test]
    fn unknown_key_names_its_line() {
        let err = parse("[server]\nlisten = \"x\"\nlistne = 3\n", &[])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("t.toml:3:"), "{err}");
        assert!(err.contains("listne"), "{err}");
    }

    #[test]
    fn bad_env_name_is_an_error() {
        assert!(parse("", &[("RUM__X", "1")]).is_err());
    }

    #[test]
    fn a_migration_lock_that_is_always_stale_is_refused() {
        let err = parse("[clickhouse]\nmigration_lock_stale_secs = 0\n", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("migration_lock_stale_secs"), "{err}");
        assert_eq!(
            parse("", &[("RUM__CLICKHOUSE__MIGRATION_LOCK_STALE_SECS", "30")])
                .unwrap()
                .clickhouse
                .migration_lock_stale_secs,
            30
        );
    }

    /// The keys serde accepts for the struct `T`, read from the deserializer call its derive
    /// makes (no value is built): the list a new field joins without anyone editing a test.
    fn keys<T: serde::de::DeserializeOwned>() -> &'static [&'static str] {
        use serde::de::{Error, Visitor};
        struct Probe<'a>(&'a mut &'static [&'static str]);
        impl<'de> serde::Deserializer<'de> for Probe<'_> {
            type Error = serde::de::value::Error;
            fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
                Err(Error::custom("not a struct"))
            }
            fn deserialize_struct<V: Visitor<'de>>(
                self,
                _: &'static str,
                fields: &'static [&'static str],
                _: V,
            ) -> Result<V::Value, Self::Error> {
                *self.0 = fields;
                Err(Error::custom("probed"))
            }
            serde::forward_to_deserialize_any! {
                bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
                byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
                enum identifier ignored_any
            }
        }
        let mut fields: &'static [&'static str] = &[];
        let _ = T::deserialize(Probe(&mut fields));
        assert!(
            !fields.is_empty(),
            "{} is a struct",
            std::any::type_name::<T>()
        );
        fields
    }

    /// The keys of the section `name` of [`Config`]; a section missing here fails, so a new
    /// one cannot go unchecked.
    fn section_keys(name: &str) -> &'static [&'static str] {
        match name {
            "server" => keys::<ServerConfig>(),
            "clickhouse" => keys::<ClickHouseConfig>(),
            "batch" => keys::<BatchConfig>(),
            "wal" => keys::<WalConfig>(),
            "rate_limit" => keys::<RateLimitConfig>(),
            "signals" => keys::<SignalsConfig>(),
            "dashboard" => keys::<DashboardConfig>(),
            "geoip" => keys::<GeoIpConfig>(),
            "user_agent" => keys::<UserAgentConfig>(),
            "log" => keys::<LogConfig>(),
            "verdict" => keys::<VerdictConfig>(),
            "sites" => keys::<SiteConfig>(),
            other => panic!("section {other}: add its struct to section_keys"),
        }
    }

    #[test]
    fn the_example_file_documents_every_key_with_its_default() {
        let text = include_str!("../collector.example.toml");
        // Every value: the example read as a configuration is the built-in default, compared
        // through Debug (the structs have no PartialEq), line by line for a readable failure.
        let (example, default) = (
            format!("{:#?}", parse(text, &[]).unwrap()),
            format!("{:#?}", Config::default()),
        );
        let differ: Vec<String> = example
            .lines()
            .zip(default.lines())
            .filter(|(e, d)| e != d)
            .map(|(e, d)| format!("example {} / default {}", e.trim(), d.trim()))
            .collect();
        assert!(differ.is_empty(), "{differ:#?}");
        assert_eq!(example, default);

        // Every key: each section's table in the example names each key its struct accepts.
        let doc: toml::Table = toml::from_str(text).unwrap();
        for &section in keys::<Config>().iter().filter(|s| **s != "sites") {
            let table = doc
                .get(section)
                .and_then(toml::Value::as_table)
                .unwrap_or_else(|| panic!("[{section}] missing from the example"));
            for key in section_keys(section) {
                assert!(
                    table.contains_key(*key),
                    "{section}.{key} missing from the example"
                );
            }
        }
        // Sites have no default entry; the example documents one in comments. Uncommented it
        // parses, names every key, and its optional keys that are shown as defaults are.
        let block: String = text
            .lines()
            .skip_while(|l| *l != "# [[sites]]")
            .filter_map(|l| l.strip_prefix("# "))
            .map(|l| format!("{l}\n"))
            .collect();
        let documented = parse(&block, &[]).expect("the commented [[sites]] example parses");
        let site = &documented.sites[0];
        let table: toml::Table = toml::from_str(&block).unwrap();
        let table = table["sites"][0].as_table().unwrap();
        for key in section_keys("sites") {
            assert!(
                table.contains_key(*key),
                "sites.{key} missing from the example"
            );
        }
        let bare = parse("[[sites]]\nkey = \"k\"\n", &[]).unwrap();
        let bare = &bare.sites[0];
        assert_eq!(site.sample, bare.sample, "sites.sample default");
        assert_eq!(
            site.max_beacons_per_second, bare.max_beacons_per_second,
            "sites.max_beacons_per_second default"
        );
    }

    #[test]
    fn page_group_rules_parse_and_are_checked() {
        let c = parse(
            "[[sites]]\nkey = \"demo\"\npage_groups = [{ path = \"/p/*\", group = \"product\" }]\n",
            &[],
        )
        .unwrap();
        assert_eq!(
            (
                &c.sites[0].page_groups[0].path[..],
                &c.sites[0].page_groups[0].group[..]
            ),
            ("/p/*", "product")
        );
        for bad in [
            r#"{ path = "p/*", group = "product" }"#,
            r#"{ path = "/p/*", group = "" }"#,
            &format!(r#"{{ path = "/p/*", group = "{}" }}"#, "g".repeat(1000)),
            r#"{ path = "/p/*", group = "product", extra = 1 }"#,
        ] {
            let text = format!("[[sites]]\nkey = \"demo\"\npage_groups = [{bad}]\n");
            assert!(parse(&text, &[]).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn sites_parse() {
        let c = parse("[[sites]]\nkey = \"demo\"\norigins = [\"http://a\"]\n", &[]).unwrap();
        assert_eq!(c.sites[0].origins, ["http://a"]);
    }
}
