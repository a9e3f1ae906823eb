//! Embeds `sql/migrations/*.sql`, `sql/reports/*.sql` and `sql/releases/*.sql` (the release
//! reports' and the verdict's queries) so the binary carries its own SQL.
use std::{env, fs, path::Path};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sql");
    let mut out = String::new();
    for dir in ["migrations", "reports", "releases"] {
        let path = root.join(dir);
        println!("cargo:rerun-if-changed={}", path.display());
        let mut files: Vec<_> = fs::read_dir(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .collect();
        files.sort();
        out.push_str(&format!(
            "pub static {}: &[(&str, &str)] = &[\n",
            dir.to_uppercase()
        ));
        for f in files {
            let stem = f.file_stem().unwrap().to_string_lossy().into_owned();
            let abs = f.canonicalize().unwrap();
            out.push_str(&format!(
                "    ({stem:?}, include_str!({:?})),\n",
                abs.display().to_string()
            ));
        }
        out.push_str("];\n");
    }
    fs::write(Path::new(&env::var("OUT_DIR").unwrap()).join("sql.rs"), out).unwrap();
}
