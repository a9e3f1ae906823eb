//! `collector`: the RUM beacon collector's command line.

use clap::{Parser, Subcommand};
use rum_collector::config::Config;
use rum_collector::store::{migrate, report};
use rum_collector::verdict;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Receives Real User Monitoring beacons from the browser agent, enriches them with geography
/// and user agent, and writes them to ClickHouse; also migrates the schema and prints reports.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// Configuration file (TOML). Every key has a default; environment variables
    /// RUM__SECTION__KEY and CLICKHOUSE_URL override it.
    #[arg(long, short, global = true, env = "RUM_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the HTTP collector (applies pending migrations first).
    Serve,
    /// Create or upgrade the ClickHouse schema.
    Migrate {
        /// Print what would run without changing anything.
        #[arg(long)]
        dry_run: bool,
        /// Create the tables over this cluster (a `remote_servers` name; needs ZooKeeper):
        /// Replicated `<table>_local` on every server, Distributed `<table>` to query.
        /// Overrides `clickhouse.cluster`; the collector needs the same setting.
        #[arg(long, value_name = "NAME")]
        cluster: Option<String>,
        /// Stop after the migration with this number (e.g. `--to 6` applies 0001-0006): to
        /// upgrade in steps. Default: all.
        #[arg(long, value_name = "NUMBER")]
        to: Option<u32>,
    },
    /// Print a report from ClickHouse (default: percentiles per page group).
    Report {
        /// Report name; `--list` shows them.
        #[arg(default_value = "percentiles")]
        name: String,
        /// List the available reports.
        #[arg(long)]
        list: bool,
        /// Only this site.
        #[arg(long, default_value = "")]
        site: String,
        /// Only this page group.
        #[arg(long, default_value = "")]
        group: String,
        /// Window length ending now, e.g. 15m, 1h, 7d (ignored when --from is given).
        #[arg(long, default_value = "1h", value_parser = report::parse_duration)]
        since: Duration,
        /// Window start, Unix seconds.
        #[arg(long)]
        from: Option<u64>,
        /// Window end, Unix seconds (default: now).
        #[arg(long)]
        to: Option<u64>,
        /// Include crawlers and headless browsers.
        #[arg(long)]
        include_bots: bool,
        /// `compare`: the release compared against (default: the second latest).
        #[arg(long, default_value = "")]
        baseline: String,
        /// `compare`: the release judged (default: the latest, by first page view).
        #[arg(long, default_value = "")]
        canary: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: report::Format,
        /// Print the SQL with its placeholders filled instead of running it (no server
        /// needed): to paste into clickhouse-client, or to run on another engine.
        #[arg(long)]
        print_sql: bool,
    },
    /// Validate a configuration file and print what is wrong, with the line.
    CheckConfig {
        /// The file to check (default: --config).
        file: Option<PathBuf>,
    },
}

fn init_logging(cfg: &Config) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::Layer;
    let filter = tracing_subscriber::EnvFilter::try_from_env("RUM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(&cfg.log.level));
    let fmt = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let fmt = if cfg.log.format == "json" {
        fmt.json().boxed()
    } else {
        fmt.boxed()
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(rum_collector::http::malformed::Sampler)
        .with(fmt)
        .init();
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Cmd::CheckConfig { file } = &cli.cmd {
        let path = file.clone().or(cli.config.clone());
        return match Config::load(path.as_deref()) {
            Ok(cfg) => {
                for w in cfg.warnings() {
                    println!("warning: {w}");
                }
                println!("ok");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        };
    }
    let cfg = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(&cfg);
    let result = match cli.cmd {
        Cmd::Serve => actix_web::rt::System::new().block_on(rum_collector::server::serve(cfg)),
        other => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(run_command(cfg, other))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run_command(mut cfg: Config, cmd: Cmd) -> anyhow::Result<()> {
    if let Cmd::Migrate {
        cluster: Some(name),
        ..
    } = &cmd
    {
        cfg.clickhouse.cluster = name.clone();
    }
    let client = rum_collector::sink::clickhouse::client(&cfg.clickhouse);
    let db = &cfg.clickhouse.database;
    match cmd {
        Cmd::Migrate { dry_run, to, .. } => {
            // Waits for another migrator (a collector starting up) past the lock's staleness,
            // so a lock left by a dead migrator is taken over.
            let wait = Duration::from_secs(cfg.clickhouse.migration_lock_stale_secs + 5 * 60);
            let opts = migrate::Options {
                dry_run,
                up_to: to,
                on_locked: migrate::OnLocked::Wait(wait),
            };
            let (version, reports) = migrate::migrate(&client, &cfg.clickhouse, opts).await?;
            let on = match cfg.clickhouse.cluster.as_str() {
                "" => String::new(),
                c => format!(", cluster {c}"),
            };
            println!(
                "ClickHouse {}.{} at {}, database {db}{on}",
                version.0, version.1, cfg.clickhouse.url
            );
            for r in reports {
                let what = match (&r.outcome, dry_run) {
                    (migrate::Outcome::Applied, false) => "applied".to_string(),
                    (migrate::Outcome::Applied, true) => "would apply".to_string(),
                    (migrate::Outcome::AlreadyApplied, _) => "already applied".to_string(),
                    (migrate::Outcome::Skipped { needs }, _) => {
                        format!("skipped (needs ClickHouse {}.{})", needs.0, needs.1)
                    }
                };
                println!("{:<40} {what}", r.name);
                if dry_run && r.outcome == migrate::Outcome::Applied {
                    for s in &r.statements {
                        println!("    {};", s.replace('\n', "\n    "));
                    }
                }
            }
        }
        Cmd::Report {
            name,
            list,
            site,
            group,
            since,
            from,
            to,
            include_bots,
            baseline,
            canary,
            format,
            print_sql,
        } => {
            if list {
                for n in report::names() {
                    println!("{n}");
                }
                return Ok(());
            }
            let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
            let to = to.unwrap_or(now + 1);
            let from = from.unwrap_or(to.saturating_sub(since.as_secs()));
            let params = report::Params {
                site,
                group,
                from,
                to,
                include_bots,
                releases: [baseline, canary]
                    .into_iter()
                    .filter(|r| !r.is_empty())
                    .collect(),
            };
            if print_sql {
                println!("{}", report::render_sql(db, &name, &params)?);
                return Ok(());
            }
            if verdict::reports::NAMES.contains(&name.as_str()) {
                return release_report(&client, &cfg, &name, params, format).await;
            }
            let table = report::run(&client, db, &name, &params).await?;
            print!("{}", table.render(format));
        }
        Cmd::Serve | Cmd::CheckConfig { .. } => unreachable!("handled in main"),
    }
    Ok(())
}

/// `report releases` (with the verdict of the latest release against the one before),
/// `report compare` (the given or the two latest releases side by side) and `report
/// release_histograms`.
async fn release_report(
    client: &clickhouse::Client,
    cfg: &Config,
    name: &str,
    params: report::Params,
    format: report::Format,
) -> anyhow::Result<()> {
    let db = &cfg.clickhouse.database;
    let floor = cfg.weight_floor(&params.site);
    let settings = verdict::Settings::from_config(&cfg.verdict);
    if name == "compare" && params.releases.len() == 1 {
        anyhow::bail!("compare: give both --baseline and --canary, or neither (the two latest)");
    }
    let computed = verdict::reports::compute(name, client, db, &params, floor, &settings).await?;
    print!("{}", computed.table.render(format));
    let Some((baseline, canary, v)) = computed.verdict else {
        return Ok(());
    };
    if format == report::Format::Table && name != "release_histograms" {
        println!("{}", verdict::reports::summary_line(&baseline, &canary, &v));
    }
    Ok(())
}
