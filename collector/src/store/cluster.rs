//! The cluster flavour of the migrations (`collector migrate --cluster NAME`): every table of
//! a migration becomes a `Replicated*` table named `<table>_local` on each server plus a
//! `Distributed` table under the original name, which analysts, reports and the collector
//! use unchanged. All DDL runs `ON CLUSTER`, so ClickHouse needs ZooKeeper (or Keeper) and
//! the macros `{shard}` and `{replica}` (`{replica}` unique per server).
//!
//! The migration files stay single-server SQL; this module rewrites the statement forms they
//! use and refuses anything else, so a new form cannot silently run unclustered.

/// Suffix of the per-server tables.
pub const LOCAL: &str = "_local";

/// A cluster to migrate.
#[derive(Debug, Clone, Copy)]
pub struct Cluster<'a> {
    /// Cluster name from the servers' `remote_servers`.
    pub name: &'a str,
    /// Database.
    pub db: &'a str,
}

impl Cluster<'_> {
    /// `CREATE DATABASE` on every server.
    pub fn create_database(&self) -> String {
        format!(
            "CREATE DATABASE IF NOT EXISTS {} ON CLUSTER {}",
            self.db, self.name
        )
    }

    /// The migrations table, one copy replicated to every server of the cluster (all shards
    /// share one ZooKeeper path), so any server knows what was applied.
    pub fn schema_migrations(&self) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.schema_migrations ON CLUSTER {c} (version UInt32, \
             name String, applied_at DateTime) ENGINE = ReplicatedMergeTree(\
             '/clickhouse/tables/{db}/schema_migrations', '{{replica}}') ORDER BY version",
            db = self.db,
            c = self.name
        )
    }

    /// Rewrites one statement of a migration. `shard_key` (the file's `-- shard_key:` header)
    /// decides which shard a row goes to when written through the `Distributed` table; rows
    /// that must replace each other (one page view's beacons) need the same key.
    pub fn rewrite(&self, statement: &str, shard_key: Option<&str>) -> Result<Vec<String>, String> {
        let s = statement.trim();
        if let Some(rest) = s.strip_prefix("CREATE TABLE IF NOT EXISTS ") {
            let (table, body) = self.split_name(rest)?;
            let body = self.replicated_engine(body, table)?;
            Ok(vec![
                format!(
                    "CREATE TABLE IF NOT EXISTS {}.{table}{LOCAL} ON CLUSTER {} {body}",
                    self.db, self.name
                ),
                self.distributed(table, shard_key.unwrap_or("rand()")),
            ])
        } else if let Some(rest) = s.strip_prefix("CREATE MATERIALIZED VIEW IF NOT EXISTS ") {
            let (view, body) = self.split_name(rest)?;
            let body = match body.strip_prefix("TO ") {
                // Each server's view writes to that server's replicated table.
                Some(target) => {
                    let (table, rest) = self.split_name(target)?;
                    format!("TO {}.{table}{LOCAL} {rest}", self.db)
                }
                None => self.replicated_engine(body, view)?,
            };
            // The view reads what is inserted into this server's local table.
            let body = self.local_sources(&body);
            Ok(vec![
                format!(
                    "CREATE MATERIALIZED VIEW IF NOT EXISTS {}.{view}{LOCAL} ON CLUSTER {} {body}",
                    self.db, self.name
                ),
                // Read-only: nothing is inserted through it, any key would do.
                self.distributed(view, "rand()"),
            ])
        } else if let Some(rest) = s.strip_prefix("ALTER TABLE ") {
            let (table, body) = self.split_name(rest)?;
            let local = format!(
                "ALTER TABLE {}.{table}{LOCAL} ON CLUSTER {} {body}",
                self.db, self.name
            );
            if body.contains("MODIFY TTL") {
                return Ok(vec![local]);
            }
            // Column changes must reach the Distributed table too. It holds no data, so it is
            // re-created from the local table: ClickHouse refuses ALTER ... ON CLUSTER on a
            // Distributed table when shards replicate internally, which replicated tables need.
            let key = shard_key.ok_or_else(|| {
                format!(
                    "ALTER TABLE {table} changes columns: with --cluster its Distributed table is \
                     re-created, so the file needs a `-- shard_key:` header"
                )
            })?;
            Ok(vec![local, self.drop(table), self.distributed(table, key)])
        } else if s.starts_with(&format!("INSERT INTO {}.", self.db)) {
            // Unchanged: run once, it reads and writes through the Distributed tables, so it
            // copies the whole cluster's rows once.
            Ok(vec![s.to_string()])
        } else if let Some(rest) = s.strip_prefix("DROP TABLE IF EXISTS ") {
            let (table, _) = self.split_name(rest)?;
            Ok(vec![
                self.drop(table),
                self.drop(&format!("{table}{LOCAL}")),
            ])
        } else {
            Err(format!(
                "statement not supported with --cluster (expected CREATE TABLE IF NOT EXISTS, \
                 CREATE MATERIALIZED VIEW IF NOT EXISTS, ALTER TABLE, INSERT INTO or \
                 DROP TABLE IF EXISTS): {}",
                s.lines().next().unwrap_or_default()
            ))
        }
    }

    fn drop(&self, table: &str) -> String {
        format!(
            "DROP TABLE IF EXISTS {}.{table} ON CLUSTER {}",
            self.db, self.name
        )
    }

    fn distributed(&self, table: &str, shard_key: &str) -> String {
        format!(
            "CREATE TABLE IF NOT EXISTS {db}.{table} ON CLUSTER {c} AS {db}.{table}{LOCAL} \
             ENGINE = Distributed({c}, {db}, {table}{LOCAL}, {shard_key})",
            db = self.db,
            c = self.name
        )
    }

    /// Splits `db.name rest` into the table name and the rest.
    fn split_name<'s>(&self, rest: &'s str) -> Result<(&'s str, &'s str), String> {
        let rest = rest
            .strip_prefix(self.db)
            .and_then(|r| r.strip_prefix('.'))
            .ok_or_else(|| format!("expected a table of database {}: {rest:.40}", self.db))?;
        let end = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        Ok((&rest[..end], rest[end..].trim_start()))
    }

    /// `ENGINE = XMergeTree(args)` → `ENGINE = ReplicatedXMergeTree('<path>', '{replica}', args)`.
    fn replicated_engine(&self, body: &str, table: &str) -> Result<String, String> {
        let at = body
            .find("ENGINE = ")
            .ok_or_else(|| format!("{table}: no `ENGINE = ` to replicate"))?;
        let engine_start = at + "ENGINE = ".len();
        let open = body[engine_start..]
            .find('(')
            .map(|i| engine_start + i)
            .ok_or_else(|| format!("{table}: engine without parentheses"))?;
        let engine = &body[engine_start..open];
        if !engine.ends_with("MergeTree") || engine.starts_with("Replicated") {
            return Err(format!("{table}: cannot replicate engine {engine}"));
        }
        let close = matching_paren(body, open)
            .ok_or_else(|| format!("{table}: unclosed engine arguments"))?;
        let args = body[open + 1..close].trim();
        let path = format!(
            "'/clickhouse/tables/{{shard}}/{}/{table}{LOCAL}', '{{replica}}'",
            self.db
        );
        let args = if args.is_empty() {
            path
        } else {
            format!("{path}, {args}")
        };
        Ok(format!(
            "{}Replicated{engine}({args}){}",
            &body[..engine_start],
            &body[close + 1..]
        ))
    }

    /// `FROM db.t` → `FROM db.t_local`.
    fn local_sources(&self, body: &str) -> String {
        let from = format!("FROM {}.", self.db);
        let mut out = String::with_capacity(body.len() + 16);
        let mut rest = body;
        while let Some(i) = rest.find(&from) {
            let after = &rest[i + from.len()..];
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            out.push_str(&rest[..i + from.len()]);
            out.push_str(&after[..end]);
            out.push_str(LOCAL);
            rest = &after[end..];
        }
        out.push_str(rest);
        out
    }
}

/// The `)` that closes the `(` at byte `open`, past nested parentheses and quoted strings
/// (engine arguments may be expressions: `ReplacingMergeTree(toUInt32(seq))`).
fn matching_paren(s: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut quoted = false;
    let mut escaped = false;
    for (i, c) in s.char_indices().skip_while(|&(i, _)| i < open) {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '\'' => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_arguments_end_at_their_own_parenthesis() {
        let s = "ENGINE = ReplacingMergeTree(toUInt32(seq), 'a)b\\'c') PARTITION BY (d)";
        let open = s.find('(').unwrap();
        assert_eq!(
            &s[open..=matching_paren(s, open).unwrap()],
            "(toUInt32(seq), 'a)b\\'c')"
        );
        assert_eq!(matching_paren("f(g(x)", 1), None, "unclosed");
        let out = C
            .replicated_engine(
                "ENGINE = ReplacingMergeTree(toUInt32(seq)) ORDER BY (a)",
                "t",
            )
            .unwrap();
        assert_eq!(
            out,
            "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/rum/t_local', \
             '{replica}', toUInt32(seq)) ORDER BY (a)"
        );
    }

    const C: Cluster = Cluster {
        name: "shop",
        db: "rum",
    };

    #[test]
    fn a_table_becomes_replicated_local_plus_distributed() {
        let out = C
            .rewrite(
                "CREATE TABLE IF NOT EXISTS rum.page_views\n(\n  seq UInt32\n)\nENGINE = ReplacingMergeTree(seq)\nORDER BY (site)",
                Some("sipHash64(page_view_id)"),
            )
            .unwrap();
        assert_eq!(
            out,
            [
                "CREATE TABLE IF NOT EXISTS rum.page_views_local ON CLUSTER shop (\n  seq UInt32\n)\n\
                 ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/rum/page_views_local', \
                 '{replica}', seq)\nORDER BY (site)",
                "CREATE TABLE IF NOT EXISTS rum.page_views ON CLUSTER shop AS rum.page_views_local \
                 ENGINE = Distributed(shop, rum, page_views_local, sipHash64(page_view_id))",
            ]
        );
    }

    #[test]
    fn a_materialized_view_reads_the_local_table() {
        let out = C
            .rewrite(
                "CREATE MATERIALIZED VIEW IF NOT EXISTS rum.m\nENGINE = AggregatingMergeTree()\nORDER BY x\nAS SELECT x FROM rum.page_views\nWHERE seq = 1",
                None,
            )
            .unwrap();
        assert_eq!(
            out[0],
            "CREATE MATERIALIZED VIEW IF NOT EXISTS rum.m_local ON CLUSTER shop ENGINE = \
             ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/rum/m_local', '{replica}')\n\
             ORDER BY x\nAS SELECT x FROM rum.page_views_local\nWHERE seq = 1"
        );
        assert!(out[1].ends_with("Distributed(shop, rum, m_local, rand())"));
    }

    #[test]
    fn a_view_into_a_table_writes_to_the_local_one_and_copies_run_once() {
        let out = C
            .rewrite(
                "CREATE MATERIALIZED VIEW IF NOT EXISTS rum.m TO rum.m_data\nAS SELECT x FROM rum.page_views",
                None,
            )
            .unwrap();
        assert_eq!(
            out,
            [
                "CREATE MATERIALIZED VIEW IF NOT EXISTS rum.m_local ON CLUSTER shop TO \
                 rum.m_data_local AS SELECT x FROM rum.page_views_local",
                "CREATE TABLE IF NOT EXISTS rum.m ON CLUSTER shop AS rum.m_local \
                 ENGINE = Distributed(shop, rum, m_local, rand())",
            ]
        );
        let copy = "INSERT INTO rum.m_data SELECT * FROM rum.m";
        assert_eq!(C.rewrite(copy, None).unwrap(), [copy]);
    }

    #[test]
    fn alters_reach_local_tables_and_column_changes_recreate_the_distributed_one() {
        let alter = "ALTER TABLE rum.t MODIFY COLUMN a LowCardinality(String)";
        let cols = C.rewrite(alter, Some("sipHash64(a)")).unwrap();
        assert_eq!(
            cols,
            [
                "ALTER TABLE rum.t_local ON CLUSTER shop MODIFY COLUMN a LowCardinality(String)",
                "DROP TABLE IF EXISTS rum.t ON CLUSTER shop",
                "CREATE TABLE IF NOT EXISTS rum.t ON CLUSTER shop AS rum.t_local \
                 ENGINE = Distributed(shop, rum, t_local, sipHash64(a))",
            ]
        );
        // Without the key the Distributed table could not be re-created as it was.
        assert!(C.rewrite(alter, None).is_err());
        let ttl = C
            .rewrite("ALTER TABLE rum.t MODIFY TTL d + INTERVAL 3 DAY", None)
            .unwrap();
        assert_eq!(
            ttl,
            ["ALTER TABLE rum.t_local ON CLUSTER shop MODIFY TTL d + INTERVAL 3 DAY"]
        );
    }

    #[test]
    fn a_drop_removes_both_tables() {
        assert_eq!(
            C.rewrite("DROP TABLE IF EXISTS rum.v", None).unwrap(),
            [
                "DROP TABLE IF EXISTS rum.v ON CLUSTER shop",
                "DROP TABLE IF EXISTS rum.v_local ON CLUSTER shop",
            ]
        );
    }

    #[test]
    fn other_statements_are_refused() {
        assert!(C.rewrite("RENAME TABLE rum.a TO rum.b", None).is_err());
        assert!(C.rewrite("INSERT INTO other.t VALUES (1)", None).is_err());
        assert!(C
            .rewrite(
                "CREATE TABLE IF NOT EXISTS other.t (a UInt8) ENGINE = MergeTree() ORDER BY a",
                None
            )
            .is_err());
        assert!(C
            .rewrite(
                "CREATE TABLE IF NOT EXISTS rum.t (a UInt8) ENGINE = Log",
                None
            )
            .is_err());
    }
}
