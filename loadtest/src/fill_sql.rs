//! `loadtest fill-sql`: the benchmarks' page-view generators, filled for a run. Their ratings
//! come from the beacon crate's thresholds, so generated rows are rated as ingested ones are.
use std::path::Path;

/// The placeholders of a generator filled with `values` (`NAME=VALUE`) and the thresholds.
pub fn fill(template: &str, values: &[String]) -> Result<String, String> {
    let mut vars = rum_beacon::threshold_vars();
    for pair in values {
        let (name, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("{pair:?} is not NAME=VALUE"))?;
        vars.push((name.to_string(), value.to_string()));
    }
    rum_collector::store::sql::fill(template, &vars)
}

/// Prints `file` filled (see [`fill`]).
pub fn print(file: &Path, values: &[String]) -> Result<(), String> {
    let template = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    print!(
        "{}",
        fill(&template, values).map_err(|e| format!("{}: {e}", file.display()))?
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::fill;

    #[test]
    fn fills_given_values_and_the_declared_thresholds() {
        let sql = fill(
            "{db}.t {rows} {lcp_good} {cls_poor}",
            &["db=x".into(), "rows=7".into()],
        );
        assert_eq!(sql.as_deref(), Ok("x.t 7 2500 0.25"));
    }

    #[test]
    fn a_placeholder_left_unfilled_is_an_error() {
        let err = fill("{db} {hours}", &["db=x".into()]).unwrap_err();
        assert!(err.contains("{hours}"), "{err}");
        assert!(fill("{db}", &["db".into()])
            .unwrap_err()
            .contains("NAME=VALUE"));
    }
}
